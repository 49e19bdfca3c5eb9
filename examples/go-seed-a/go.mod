module github.com/gothinkster/golang-gin-realworld-example-app

go 1.20

require github.com/mattn/go-sqlite3 v1.14.16
