package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
)

func main() {
	u, err := user.Current()
	if err != nil {
		fmt.Println("no user:", err)
		os.Exit(1)
	}
	fmt.Println("user:", u.Username, "home:", u.HomeDir)
	greeting, err := os.ReadFile(filepath.Join(u.HomeDir, "greeting"))
	if err != nil {
		fmt.Println("no greeting:", err)
		os.Exit(1)
	}
	fmt.Print("greeting: ", string(greeting))
	// The app writes into its own directory, which the build made its user's.
	if err := os.WriteFile("data/note.txt", []byte("written\n"), 0o644); err != nil {
		fmt.Println("cannot write:", err)
		os.Exit(1)
	}
	note, _ := os.ReadFile("data/note.txt")
	fmt.Print("note: ", string(note))
}
