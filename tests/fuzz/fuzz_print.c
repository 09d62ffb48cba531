/* libFuzzer harness for the printer: any bytes go through the parser, and
 * whatever parses is rendered into memory with report options derived from
 * the input.
 *
 * Built two ways (Makefile.am, "Hardening"):
 *   - tests/fuzz/fuzz_print, with clang's libFuzzer, when configured with
 *     CC=clang ./configure --enable-fuzzing; "make fuzz FUZZ_SECONDS=N"
 *     runs it over tests/fuzz/corpus with tests/fuzz/massif.dict;
 *   - tests/fuzz/replay_print, with any compiler and the sanitizer flags:
 *     replay.c feeds it each file named on its command line, so "make
 *     check" replays the corpus and the regressions without libFuzzer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outbuf.h"
#include "parse.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The report options for one input.  They come from the length and the last
 * byte, so the file's bytes are all Massif text and a seed keeps its
 * meaning, while mutations still reach every option set. */
static void
pick_opts(const uint8_t *data, size_t size, struct hs_report_opts *o)
{
    static const double thresholds_pct[] = {
        1.0, 0.0, 100.0, 50.0, 0.5, 99.99, 10.0, 1e-9
    };
    static const unsigned widths[] = { 72, 4, 150, 13 };
    static const unsigned heights[] = { 20, 4, 50, 7 };
    unsigned opt = (unsigned)(size ? data[size - 1] : 0) ^ (unsigned)size
                   ^ (unsigned)(size >> 8);
    o->threshold = thresholds_pct[opt & 7];
    o->graph_x = widths[(opt >> 3) & 3];
    o->graph_y = heights[(opt >> 5) & 3];
    o->args_text = " fuzz";
    o->args_len = 5;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The parser takes over a malloc'd buffer and parses it in place. */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    struct hs_model m;
    struct hs_parse_error err;
    if (hs_parse_buffer(buf, size, "fuzz", &m, &err) == 0) {
        struct hs_report_opts o;
        pick_opts(data, size, &o);
        struct hs_outbuf ob;
        hs_outbuf_init(&ob);
        hs_report_render(&m, &o, &ob);
        hs_outbuf_free(&ob);
        hs_model_free(&m);
    } else {
        /* An error must be one non-empty terminated line: anything else
         * is a bug. */
        size_t n = strnlen(err.msg, sizeof err.msg);
        if (n == 0 || n == sizeof err.msg || memchr(err.msg, '\n', n))
            abort();
    }
    return 0;
}
