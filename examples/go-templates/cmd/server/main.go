// Command server is the bookshelf web front end. For the test it renders the
// home page once to stdout instead of serving it.
package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"log"
	"os"
	"path/filepath"
)

type Book struct {
	Title  string `json:"title"`
	Author string `json:"author"`
	Year   int    `json:"year"`
}

type Config struct {
	SiteName  string `json:"site_name"`
	Listen    string `json:"listen"`
	Templates string `json:"templates"`
	Books     []Book `json:"books"`
}

func loadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

func main() {
	log.SetFlags(0)
	cfgPath := os.Getenv("APP_CONFIG")
	if cfgPath == "" {
		cfgPath = "config/app.json"
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		log.Fatalf("server: config: %v", err)
	}
	tmpl, err := template.ParseGlob(filepath.Join(cfg.Templates, "*.html"))
	if err != nil {
		log.Fatalf("server: templates: %v", err)
	}
	fmt.Printf("bookshelf: would listen on %s\n", cfg.Listen)
	if err := tmpl.ExecuteTemplate(os.Stdout, "layout.html", cfg); err != nil {
		log.Fatalf("server: render: %v", err)
	}
}
