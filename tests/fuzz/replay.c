/* replay: runs the libFuzzer entry point of fuzz_print.c over the files
 * named on the command line, without libFuzzer, so any compiler (and the
 * sanitizer build) can replay the corpus and the regressions.
 *
 * Exit status: 0 when every file was read and replayed, 1 when a file could
 * not be read (one line on stderr naming it).  A bug shows up as a crash or
 * a sanitizer report, as under libFuzzer. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads the whole file at path into a malloc'd buffer; NULL on failure. */
static uint8_t *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int
main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        size_t len = 0;
        errno = 0;
        uint8_t *data = slurp(argv[i], &len);
        if (!data) {
            fprintf(stderr, "replay_print: %s: cannot read: %s\n", argv[i],
                    errno ? strerror(errno) : "out of memory");
            return 1;
        }
        /* An exact-size copy, so ASan sees reads past the input's end. */
        uint8_t *exact = malloc(len ? len : 1);
        if (!exact) {
            free(data);
            fprintf(stderr, "replay_print: %s: out of memory\n", argv[i]);
            return 1;
        }
        memcpy(exact, data, len);
        free(data);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    return 0;
}
