// Command banner prints a framed greeting chosen by its flags.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
)

func main() {
	name := flag.String("name", "", "who to greet (required)")
	shout := flag.Bool("shout", false, "upper-case the greeting")
	width := flag.Int("width", 0, "frame width (0 = fit the text)")
	port := flag.String("port", "8080", "port the service would listen on")
	flag.Parse()
	if *name == "" {
		fmt.Fprintln(os.Stderr, "banner: --name is required")
		os.Exit(2)
	}
	text := "Hello, " + *name + "!"
	if *shout {
		text = strings.ToUpper(text)
	}
	for _, line := range frame(text, *width) {
		fmt.Println(line)
	}
	fmt.Printf("banner service would listen on %s\n", net.JoinHostPort("0.0.0.0", *port))
}
