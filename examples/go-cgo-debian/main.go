// Command cgoapp computes a few values in C (through cgo) and prints them.
package main

/*
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long fib(int n) {
	unsigned long long a = 0, b = 1;
	for (int i = 0; i < n; i++) {
		unsigned long long t = a + b;
		a = b;
		b = t;
	}
	return a;
}

// describe formats with the C library's snprintf into a malloc'd buffer.
static char *describe(int n) {
	char *buf = malloc(64);
	snprintf(buf, 64, "fib(%d) = %llu", n, fib(n));
	return buf;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

func main() {
	for _, n := range []int{10, 20, 50} {
		s := C.describe(C.int(n))
		fmt.Printf("computed in C: %s\n", C.GoString(s))
		C.free(unsafe.Pointer(s))
	}
	word := C.CString("multistage")
	defer C.free(unsafe.Pointer(word))
	fmt.Printf("strlen(%q) in C = %d\n", "multistage", int(C.strlen(word)))
}
