/* numfmt: number formatting and unit scaling, all in one place: ms_print's
 * (the tables, labels and percentages) and the analyses' (--leaks, --diff,
 * --max-peak: grouped and scaled bytes, the time axis's unit).
 *
 * ms_print is a Perl script; to print the same bytes, the arithmetic here
 * follows Perl's rules: integers stay exact 64-bit integers, a division of
 * two integers stays an integer only when Perl would keep it one (exact, and
 * the dividend beyond 2^53), everything else is an IEEE double.  Integer and
 * grouped-digit formatting is done by hand (it is the hot path), and so is
 * the percentage's %05.2f, with printf's exact rounding (checked against
 * printf by the unit tests); the axis labels' float formats go through the
 * C library, as Perl's do.
 */
#ifndef HS_PRINT_NUMFMT_H
#define HS_PRINT_NUMFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"

/* A number as Perl holds it: an exact unsigned integer or a double. */
struct hs_plnum {
	bool is_int;
	uint64_t u; /* the value when is_int */
	double d;   /* the value otherwise */
};

/* Which family of units an axis label uses. */
enum hs_unit_family {
	HS_UNITS_BYTES, /* B, KB, MB, ... (divide by 1024) */
	HS_UNITS_INSTR, /* i, ki, Mi, ... (divide by 1024) */
	HS_UNITS_MS     /* ms, s (/1000), h (/3600) */
};

/* An axis label: the text (normally 5 characters) and its unit. */
struct hs_axis_label {
	char text[64];
	const char *unit;
};

/* Returns a as a double. */
double hs_plnum_value(struct hs_plnum a);

/* Divides as Perl does: a / b (b > 0). */
struct hs_plnum hs_plnum_div(struct hs_plnum a, uint64_t b);

/* Returns ms_print's percentage 100*bytes/total (0 when total is 0). */
double hs_percent(uint64_t bytes, uint64_t total);

/* Writes v in decimal into dst (room for 20 bytes); returns the length. */
size_t hs_fmt_u64(char *dst, uint64_t v);

/* Returns the length s would have after grouping (ms_print's commify). */
size_t hs_grouped_len(const char *s, size_t len);

/* Appends s with a comma every three digits in its leading run of digits,
 * counted from the run's right end; the rest of s is copied unchanged. */
void hs_put_grouped(struct hs_outbuf *ob, const char *s, size_t len);

/* Appends s grouped, right-aligned in a field of width (never truncated). */
void hs_put_grouped_field(struct hs_outbuf *ob, const char *s, size_t len, size_t width);

/* Appends v in decimal with grouping commas ("1,234,567"). */
void hs_put_grouped_u64(struct hs_outbuf *ob, uint64_t v);

/* Appends s right-aligned in a field of width (printf's %<width>s). */
void hs_put_field(struct hs_outbuf *ob, const char *s, size_t len, size_t width);

/* Writes printf("%05.2f", pct) into dst (room for 32 bytes), without
 * printf for the printer's range (0 <= pct < 1e6); returns the length. */
size_t hs_fmt_percent(char *dst, double pct);

/* Appends a percentage the way ms_print does: printf("%05.2f", pct). */
void hs_put_percent(struct hs_outbuf *ob, double pct);

/* Computes the axis label of a maximum value (ms_print's *_max_label). */
void hs_axis_label(uint64_t value, enum hs_unit_family family, struct hs_axis_label *out);

/* Room for any value formatted by the three functions below. */
#define HS_FMT_LEN 48

/* Writes v grouped ("-1,234,567") into buf (HS_FMT_LEN bytes); returns buf. */
char *hs_fmt_grouped(int64_t v, char *buf);

/* Writes v scaled by 1024 once it reaches 1000 ("999 B", "1.50 KB",
 * "12.3 MB") into buf (HS_FMT_LEN bytes); returns buf. */
char *hs_fmt_bytes(double v, char *buf);

/* The unit of ms_print's time axis for a run ending at end_time in unit
 * time_unit ("i", "ms", "B"): its name ("KB", "Mi", "s", ...), and in
 * *divisor how many of the file's units it holds.  The analyses give rates
 * in the unit the graph shows. */
const char *hs_time_axis_unit(const char *time_unit, int64_t end_time, double *divisor);

#endif /* HS_PRINT_NUMFMT_H */
