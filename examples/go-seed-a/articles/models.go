// Package articles stores Conduit articles.
package articles

import "database/sql"

// AutoMigrate creates the articles table.
func AutoMigrate(db *sql.DB) error {
	_, err := db.Exec(`CREATE TABLE IF NOT EXISTS articles (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		author_id INTEGER NOT NULL REFERENCES users(id),
		title TEXT NOT NULL,
		body TEXT NOT NULL)`)
	return err
}

// Create inserts an article and returns its id.
func Create(db *sql.DB, authorID int64, title, body string) (int64, error) {
	res, err := db.Exec(`INSERT INTO articles (author_id, title, body) VALUES (?, ?, ?)`, authorID, title, body)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// Count returns the number of articles.
func Count(db *sql.DB) (int, error) {
	var n int
	err := db.QueryRow(`SELECT COUNT(*) FROM articles`).Scan(&n)
	return n, err
}
