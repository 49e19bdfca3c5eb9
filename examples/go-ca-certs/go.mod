module example.com/ca-certs

go 1.22
