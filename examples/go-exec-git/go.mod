module example.com/revinfo

go 1.22
