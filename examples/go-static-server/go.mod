module example.com/static-server

go 1.22
