/* golden_latin1: a Massif file with bytes that are no UTF-8.  make_fixtures.sh
 * builds it from a copy named "caf\351.c" (Latin-1) and runs it with a Latin-1
 * argument, so its cmd: line and its frames' file names hold such bytes, as
 * Valgrind writes them; ms_print prints them back as they are. */
#include <stdlib.h>

static void *sink[20];

static __attribute__((noinline)) void *grow(size_t n)
{
    return malloc(n);
}

int main(int argc, char **argv)
{
    (void)argv;
    for (int i = 0; i < 20; i++)
        sink[i] = grow(1000 + (size_t)argc * 10);
    free(malloc(5000));
    return 0;
}
