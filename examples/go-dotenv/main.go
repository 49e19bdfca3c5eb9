// Command greeter reads its settings from ./.env at start (KEY=VALUE lines) and serves the
// GREETING it finds there. Without the file it refuses to start.
package main

import (
	"bufio"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
)

func loadDotenv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			env[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return env, sc.Err()
}

func main() {
	log.SetFlags(0)
	env, err := loadDotenv(".env")
	if err != nil {
		log.Fatalf("greeter: cannot read its settings: %v", err)
	}
	greeting, ok := env["GREETING"]
	if !ok {
		log.Fatal("greeter: .env sets no GREETING")
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, greeting)
	})
	log.Print("greeter: listening on :8080")
	log.Fatal(http.ListenAndServe(":8080", nil))
}
