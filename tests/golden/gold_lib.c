/* gold_lib: the shared library of gold_shlib (libgoldlib.so): functions to
 * ignore or strip that live outside the executable, so --ignore-fn and
 * --alloc-fn must be found in a module the program loads. */
#include <stdlib.h>

void *lib_raw(size_t n) { return malloc(n); }
void *lib_make(size_t n) { return lib_raw(n + 8); }
void *lib_skip(size_t n) { return malloc(n); }
void *lib_skip_via_raw(size_t n) { return lib_raw(n); }
void *lib_skip_grow(void *p, size_t n) { return realloc(p, n); }
