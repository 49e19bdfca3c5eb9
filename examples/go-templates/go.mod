module github.com/example/bookshelf

go 1.22
