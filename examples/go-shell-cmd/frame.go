package main

import "strings"

// frame centres text in a box of the given inner width.
func frame(text string, width int) []string {
	if width < len(text)+2 {
		width = len(text) + 2
	}
	left := (width - len(text)) / 2
	right := width - len(text) - left
	border := "+" + strings.Repeat("-", width) + "+"
	return []string{
		border,
		"|" + strings.Repeat(" ", left) + text + strings.Repeat(" ", right) + "|",
		border,
	}
}
