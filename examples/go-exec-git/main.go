package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

func main() {
	out, err := exec.Command("git", "--version").Output()
	if err != nil {
		fmt.Println("git is missing:", err)
		os.Exit(1)
	}
	fmt.Println("found", strings.TrimSpace(string(out)))
}
