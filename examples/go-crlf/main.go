// Command wordcount prints the most frequent words of the files named on its command line.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: wordcount FILE...")
		os.Exit(2)
	}
	counts := map[string]int{}
	total := 0
	for _, path := range os.Args[1:] {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "wordcount: %v\n", err)
			os.Exit(1)
		}
		for _, w := range strings.FieldsFunc(strings.ToLower(string(data)), func(r rune) bool {
			return !unicode.IsLetter(r) && r != '\''
		}) {
			counts[w]++
			total++
		}
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if counts[words[i]] != counts[words[j]] {
			return counts[words[i]] > counts[words[j]]
		}
		return words[i] < words[j]
	})
	if len(words) > 5 {
		words = words[:5]
	}
	fmt.Printf("%d words, %d distinct\n", total, len(counts))
	for _, w := range words {
		fmt.Printf("%4d %s\n", counts[w], w)
	}
}
