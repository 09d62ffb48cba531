/* test_rec_support: shared helpers of the recorder core's Check suites.
 *
 * A fake symbolizer driven by a table (address -> frames, several rows
 * with one address making inline frames), Massif's default options
 * (hs_options_defaults) with the B time unit, and the round trip the
 * program and the resolver make (raw record, then Massif file) run into
 * memory files, to compare with Massif's real output.
 */
#ifndef HS_TEST_REC_SUPPORT_H
#define HS_TEST_REC_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "symbols.h"

struct fake_sym {
	uintptr_t addr;
	const char *function;
	const char *file;
	unsigned line;
	const char *object;
};

/* A symbolizer naming addresses from rows (ended by a row with addr 0). */
struct hs_symbolizer fake_symbolizer(const struct fake_sym *rows);

/* Massif's defaults, with time unit B (the tests' reproducible clock). */
void test_options(struct hs_options *opts);

/* hs_rec_init, then the raw record started in a memory file: every
 * recording of the tests goes through the journal.  Returns what
 * hs_rec_init returns. */
int test_rec_init(const struct hs_options *opts);

/* What the program did once in-process, now for the tests only: end the
 * recording ("exit"), read the raw record back and resolve it into fd
 * with cmd as the cmd: line, naming frames with sym.  Returns 0, or -1
 * with a one-line message in err. */
int hs_rec_finish(int fd, const char *cmd, const struct hs_symbolizer *sym, char *err,
		  size_t err_len);

/* In a forked child: start a raw record of its own (a new memory file),
 * which begins with everything recorded before the fork. */
void test_rec_reopen(void);

/* The raw record of the current recording (a memory file), or -1. */
int test_raw_fd(void);

/* A memory file holding len bytes of data (the tests' damaged and cut records). */
int test_memfile(const void *data, size_t len);

/* Capture stderr into a memory file while f runs; return what was said
 * (a static buffer, overwritten by the next call). */
const char *stderr_of(void (*f)(void));

/* Finish the recorder into a memory file and return its text (a static
 * buffer), failing the test on error. */
const char *finish_to_text(const char *cmd, const struct hs_symbolizer *sym);

/* The whole content of a fixture under $top_srcdir/tests/fixtures/core. */
const char *read_fixture(const char *name);

/* The text of snapshot number n in file (from its "#-----------" line up
 * to the next snapshot's), copied to a static buffer; "" when absent. */
const char *snapshot_text(const char *file, unsigned n);

/* How many snapshots file has. */
unsigned count_snapshots(const char *file);

#endif
