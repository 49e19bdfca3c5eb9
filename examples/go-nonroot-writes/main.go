// counter reads data/count, adds one and writes it back: it fails when its files are not
// writable by the user it runs as.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

func main() {
	b, err := os.ReadFile("data/count")
	if err != nil {
		fmt.Println("read:", err)
		os.Exit(1)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if err := os.WriteFile("data/count", []byte(strconv.Itoa(n+1)+"\n"), 0o644); err != nil {
		fmt.Println("write:", err)
		os.Exit(1)
	}
	fmt.Println("count:", n+1)
}
