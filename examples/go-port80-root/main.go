// Command hello80 serves on port 80, which only root may bind, and says which user it runs as.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	log.SetFlags(0)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from port 80, uid %d\n", os.Getuid())
	})
	log.Print("hello80: listening on :80")
	log.Fatal(http.ListenAndServe(":80", nil))
}
