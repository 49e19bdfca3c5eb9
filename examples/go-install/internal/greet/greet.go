// Package greet formats greetings.
package greet

import "strings"

// Line joins a greeting and an audience.
func Line(greeting, audience string) string {
	return greeting + ", " + audience + "!"
}

// Underline returns a row of '=' as wide as s.
func Underline(s string) string {
	return strings.Repeat("=", len(s))
}
