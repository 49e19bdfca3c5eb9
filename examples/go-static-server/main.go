// Command static-server serves a small site from ./static: the home page at / and every
// file of the directory under /static/ (the stylesheet the page links to).
package main

import (
	"log"
	"net/http"
)

func main() {
	log.SetFlags(0)
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.Dir("static"))))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, "static/index.html")
	})
	log.Print("static-server: listening on :8080")
	log.Fatal(http.ListenAndServe(":8080", mux))
}
