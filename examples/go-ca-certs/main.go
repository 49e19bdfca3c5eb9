// Command ca-check loads the system's CA certificates at start, as any program that makes
// TLS connections does, and fails when there are none.
package main

import (
	"crypto/x509"
	"fmt"
	"os"
)

func main() {
	pool, err := x509.SystemCertPool()
	if err != nil {
		fmt.Fprintf(os.Stderr, "ca-check: cannot load the system CA certificates: %v\n", err)
		os.Exit(1)
	}
	//lint:ignore SA1019 Subjects lists a pool loaded from files, which is what is checked here
	if len(pool.Subjects()) == 0 {
		fmt.Fprintln(os.Stderr, "ca-check: no CA certificates in the system pool: TLS connections would fail")
		os.Exit(1)
	}
	fmt.Println("ca-check: system CA certificates loaded")
}
