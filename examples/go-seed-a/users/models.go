// Package users stores Conduit users.
package users

import "database/sql"

// AutoMigrate creates the users table.
func AutoMigrate(db *sql.DB) error {
	_, err := db.Exec(`CREATE TABLE IF NOT EXISTS users (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		username TEXT NOT NULL UNIQUE,
		email TEXT NOT NULL UNIQUE)`)
	return err
}

// Create inserts a user and returns its id.
func Create(db *sql.DB, username, email string) (int64, error) {
	res, err := db.Exec(`INSERT INTO users (username, email) VALUES (?, ?)`, username, email)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}
