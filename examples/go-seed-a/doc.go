/*
Realworld is a small "Conduit" backend: users and articles stored in SQLite.

This is a trimmed example of gothinkster/golang-gin-realworld-example-app used as
a dockslim seed. The sqlite driver (github.com/mattn/go-sqlite3) uses cgo, so the
binary is linked against musl on the alpine builder and needs a musl runtime.
*/
package main
