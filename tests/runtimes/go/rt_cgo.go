// Go with cgo: goroutines call a C function that allocates with malloc,
// so the C frames are in heapsnap's tree; Go's own heap is mmap'd.
package main

/*
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static char *cgo_fill(int n, int v)
{
	char *p = malloc(n);
	if (p != NULL)
		memset(p, v, n);
	return p;
}

static long cgo_sum(char *p, int n)
{
	long s = 0;
	for (int i = 0; i < n; i += 64)
		s += p[i];
	return s;
}
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

func main() {
	const n = 65536
	sums := make([]int64, 4)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			var bufs []*C.char
			for i := 0; i < 8; i++ {
				p := C.cgo_fill(n, C.int(g+1))
				bufs = append(bufs, p)
				sums[g] += int64(C.cgo_sum(p, n))
			}
			for _, p := range bufs {
				C.free(unsafe.Pointer(p))
			}
		}(g)
	}
	wg.Wait()
	for g, s := range sums {
		fmt.Printf("goroutine %d: %d\n", g, s)
	}
}
