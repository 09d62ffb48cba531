/* libFuzzer harness for the printer: any bytes go through the parser, and
 * whatever parses is rendered into memory with report options derived from
 * the input; every other input also goes through the analyses of --leaks,
 * --diff (the run against itself) and --max-peak, rendered into memory too
 * (--max-peak's message to /dev/null); and every other one through --html
 * and --folded (the peak's tree), into memory as well.
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

#include <stdio.h>

#include "budget.h"
#include "diff.h"
#include "folded.h"
#include "html.h"
#include "leak_report.h"
#include "outbuf.h"
#include "parse.h"
#include "report.h"
#include "sites_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The analyses' reports are formatted into a buffer, then dropped. */
static void
run_analyses(const struct hs_model *m, uint64_t budget_B)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        return;
    struct hs_run *run = hs_run_from_model(m, "fuzz");
    if (!run)
        abort(); /* sites_model.h: only a malformed tree, which parse refuses */
    struct hs_outbuf ob;
    hs_outbuf_init(&ob);
    hs_leak_report(&ob, run, true);
    hs_diff_report(&ob, run, run);
    hs_outbuf_free(&ob);
    hs_budget_check(sink, run, budget_B);
    hs_run_free(run);
}

/* --html and --folded, rendered into memory and dropped. */
static void
run_exports(const struct hs_model *m, double threshold_pct)
{
    struct hs_outbuf ob;
    hs_outbuf_init(&ob);
    struct hs_html_opts ho = { .threshold = threshold_pct, .source = "fuzz" };
    hs_html_render(m, &ho, &ob);
    char err[256];
    size_t i = hs_folded_pick(m, "peak", err, sizeof err);
    if (i != SIZE_MAX)
        hs_folded_render(m, hs_model_snapshot(m, i), &ob);
    hs_outbuf_free(&ob);
}

/* The option bits of one input.  They come from the length and the last
 * byte, so the file's bytes are all Massif text and a seed keeps its
 * meaning, while mutations still reach every option set. */
static unsigned
input_opt(const uint8_t *data, size_t size)
{
    return (unsigned)(size ? data[size - 1] : 0) ^ (unsigned)size
           ^ (unsigned)(size >> 8);
}

/* The report options from the option bits. */
static void
pick_opts(unsigned opt, struct hs_report_opts *o)
{
    static const double thresholds_pct[] = {
        1.0, 0.0, 100.0, 50.0, 0.5, 99.99, 10.0, 1e-9
    };
    static const unsigned widths[] = { 72, 4, 150, 13 };
    static const unsigned heights[] = { 20, 4, 50, 7 };
    o->threshold = thresholds_pct[opt & 7];
    o->graph_x = widths[(opt >> 3) & 3];
    o->graph_y = heights[(opt >> 5) & 3];
    o->args_text = " fuzz";
    o->args_len = 5;
    o->no_trees = (opt >> 8) & 1;
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
        struct hs_report_opts o = { 0 };
        unsigned opt = input_opt(data, size);
        pick_opts(opt, &o);
        struct hs_outbuf ob;
        hs_outbuf_init(&ob);
        hs_report_render(&m, &o, &ob);
        hs_outbuf_free(&ob);
        if (opt & 0x80)
            run_analyses(&m, (uint64_t)size << (opt & 31));
        if (opt & 0x40)
            run_exports(&m, o.threshold);
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
