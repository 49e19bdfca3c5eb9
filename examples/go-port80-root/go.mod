module example.com/port80

go 1.22
