/* parse: Massif file bytes -> model (model.h).
 *
 * hs_parse_file reads the whole file into one buffer and parses it in place,
 * following ms_print's reading rules (comments from `#` to the end of the
 * line and blank lines are ignored anywhere; key lines start in column 0).
 * Where ms_print would go on with garbage (non-numeric values, times going
 * backwards, binary data, trees over 10000 levels deep), the parser stops
 * with an error instead.  Errors
 * are one line, "FILE:LINE: expected X, found Y", without a trailing newline.
 */
#ifndef HS_PRINT_PARSE_H
#define HS_PRINT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include "model.h"

/* Room for one error line. */
#define HS_PARSE_ERROR_MAX 512

/* A parse failure: the one-line message. */
struct hs_parse_error {
	char msg[HS_PARSE_ERROR_MAX];
};

/* Parses buf[0..len) (malloc'd; the model takes it over, even on failure);
 * name is used in messages.  Returns 0, or -1 with *err filled and *m empty. */
int hs_parse_buffer(char *buf, size_t len, const char *name, struct hs_model *m,
		    struct hs_parse_error *err);

/* Reads and parses the file at path ("-" is standard input).  Returns 0, or
 * -1 with *err filled ("FILE: cannot open: reason" when it cannot be read). */
int hs_parse_file(const char *path, struct hs_model *m, struct hs_parse_error *err);

/* A Massif file read snapshot by snapshot, in passes, so memory stays
 * within a small multiple of the largest snapshot (or line), whatever the
 * file's size.  Pass 1 checks everything as hs_parse_file does, with the
 * same messages; later passes read the same bytes again (a regular file is
 * re-read, checked unchanged; standard input or a device is copied to an
 * unlinked temporary file during pass 1).  Text is checked as it is read,
 * so an invalid first line is reported without reading further. */
struct hs_stream;

/* Opens path ("-" is standard input).  Returns 0, or -1 with *err filled. */
int hs_stream_open(const char *path, struct hs_stream **st, struct hs_parse_error *err);

/* Starts a pass: reads the header into the stream's model.  A pass after
 * the first needs the first one read to the end.  Errors of this pass's
 * hs_stream_next calls go to *err too.  Returns 0, or -1 with *err filled. */
int hs_stream_begin(struct hs_stream *st, struct hs_parse_error *err);

/* Reads the next snapshot: it becomes the model's only snapshot
 * (snapshots[0]), with its tree in nodes when want_tree, else with no
 * nodes (n_nodes 0 whatever its kind; only after pass 1).  Strings point
 * into the stream's window: valid until the next call.  Returns 1, 0 at the
 * end of the file, or -1 with the pass's *err filled. */
int hs_stream_next(struct hs_stream *st, bool want_tree);

/* The header and the current snapshot.  peak_num and peak_index are those
 * of the last peak seen so far in this pass; buf is NULL, and buf_len is 0
 * until pass 1 has read the whole file, then the file's size (what a
 * companion's massif_size is compared with). */
const struct hs_model *hs_stream_model(const struct hs_stream *st);

/* The current snapshot's position in the file (0 for the first). */
size_t hs_stream_index(const struct hs_stream *st);

/* The name used in messages. */
const char *hs_stream_name(const struct hs_stream *st);

/* Closes the stream and frees it (NULL is fine). */
void hs_stream_close(struct hs_stream *st);

#endif /* HS_PRINT_PARSE_H */
