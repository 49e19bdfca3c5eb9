package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	zone := flag.String("zone", "UTC", "time zone")
	flag.Parse()
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		fmt.Println("no time zone data:", err)
		os.Exit(1)
	}
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	fmt.Println(*zone, at.In(loc).Format(time.RFC3339))
}
