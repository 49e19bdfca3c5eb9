// Package common holds the shared database handle and settings.
package common

import (
	"database/sql"
	"os"

	_ "github.com/mattn/go-sqlite3" // cgo sqlite driver
)

// Init opens the SQLite database at path.
func Init(path string) (*sql.DB, error) {
	return sql.Open("sqlite3", path)
}

// Addr is the address the HTTP server would listen on.
func Addr() string {
	if p := os.Getenv("PORT"); p != "" {
		return ":" + p
	}
	return ":8080"
}
