// Command greeter prints a greeting configured through the environment.
package main

import (
	"fmt"
	"os"

	"example.com/greeter/internal/greet"
)

func main() {
	greeting := os.Getenv("APP_GREETING")
	if greeting == "" {
		fmt.Fprintln(os.Stderr, "greeter: APP_GREETING is not set")
		os.Exit(2)
	}
	audience := os.Getenv("APP_AUDIENCE")
	if audience == "" {
		audience = "world"
	}
	fmt.Println(greet.Line(greeting, audience))
	fmt.Println(greet.Underline(greet.Line(greeting, audience)))
}
