package main

import (
	"database/sql"
	"fmt"
	"log"
	"os"

	"github.com/gothinkster/golang-gin-realworld-example-app/articles"
	"github.com/gothinkster/golang-gin-realworld-example-app/common"
	"github.com/gothinkster/golang-gin-realworld-example-app/users"
)

func migrate(db *sql.DB) error {
	if err := users.AutoMigrate(db); err != nil {
		return err
	}
	return articles.AutoMigrate(db)
}

func main() {
	db, err := common.Init(":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if err := migrate(db); err != nil {
		log.Fatal(err)
	}
	id, err := users.Create(db, "jake", "jake@jake.jake")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := articles.Create(db, id, "How to train your dragon", "Ever wonder how?"); err != nil {
		log.Fatal(err)
	}
	n, err := articles.Count(db)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("realworld: %d article(s) by user %d\n", n, id)
	fmt.Printf("would listen on %s\n", common.Addr())
	os.Exit(0)
}
