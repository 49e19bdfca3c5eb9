// Command quotes prints the quotes listed in data/quotes.txt, numbered.
package main

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"strings"
)

func main() {
	log.SetFlags(0)
	f, err := os.Open("data/quotes.txt")
	if err != nil {
		log.Fatalf("quotes: %v", err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		fmt.Printf("%d. %s\n", n, line)
	}
	if err := sc.Err(); err != nil {
		log.Fatalf("quotes: %v", err)
	}
	fmt.Printf("%d quotes\n", n)
}
