/* libFuzzer harness for the printer: any bytes go through the parser, and
 * whatever parses is rendered with options taken from the first bytes.
 * Build with CC=clang ./configure --enable-fuzzing, then run e.g.
 *   tests/fuzz/fuzz_print -max_total_time=300 CORPUS tests/fixtures */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outbuf.h"
#include "parse.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Options from the first byte, so the file's own bytes stay intact. */
    static const double thresholds[] = { 1.0, 0.0, 100.0, 50.0 };
    unsigned opt = size ? data[0] : 0;
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    struct hs_model m;
    struct hs_parse_error err;
    if (hs_parse_buffer(buf, size, "fuzz", &m, &err) == 0) {
        struct hs_report_opts o = {
            .threshold = thresholds[opt & 3],
            .graph_x = (opt & 4) ? 4 : 72,
            .graph_y = (opt & 8) ? 4 : 20,
            .args_text = " fuzz",
            .args_len = 5,
        };
        struct hs_outbuf ob;
        hs_outbuf_init(&ob);
        hs_report_render(&m, &o, &ob);
        hs_outbuf_free(&ob);
        hs_model_free(&m);
    }
    return 0;
}
