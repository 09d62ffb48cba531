/* Unit tests for print/numfmt: grouping, percentages, axis labels and
 * Perl's division rule. */
#include <check.h>

#include "hs_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

/* Returns the buffer's text as a NUL-terminated string (static storage). */
static const char *text(struct hs_outbuf *ob)
{
	static char s[4096];
	size_t n = ob->len < sizeof s - 1 ? ob->len : sizeof s - 1;
	if (n)
		memcpy(s, ob->data, n);
	s[n] = '\0';
	return s;
}

static const char *grouped(const char *in)
{
	struct hs_outbuf ob;
	hs_outbuf_init(&ob);
	hs_put_grouped(&ob, in, strlen(in));
	const char *r = text(&ob);
	hs_outbuf_free(&ob);
	return r;
}

START_TEST(test_grouped_strings)
{
	ck_assert_str_eq(grouped("0"), "0");
	ck_assert_str_eq(grouped("999"), "999");
	ck_assert_str_eq(grouped("1000"), "1,000");
	ck_assert_str_eq(grouped("1016"), "1,016");
	ck_assert_str_eq(grouped("2684362640"), "2,684,362,640");
	ck_assert_str_eq(grouped("123456789012345"), "123,456,789,012,345");
	/* Only the leading run of digits is grouped, as ms_print's commify. */
	ck_assert_str_eq(grouped("12345 "), "12,345 ");
	ck_assert_str_eq(grouped(" 12345"), " 12345");
	ck_assert_str_eq(grouped("1234x5678"), "1,234x5678");
	ck_assert_str_eq(grouped(""), "");
	ck_assert_uint_eq(hs_grouped_len("1234567", 7), 9);
	ck_assert_uint_eq(hs_grouped_len("12 ", 3), 3);
}
END_TEST

START_TEST(test_grouped_u64_and_fields)
{
	struct hs_outbuf ob;
	hs_outbuf_init(&ob);
	hs_put_grouped_u64(&ob, UINT64_MAX);
	ck_assert_str_eq(text(&ob), "18,446,744,073,709,551,615");
	ob.len = 0;
	hs_put_grouped_field(&ob, "1234", 4, 8);
	hs_outbuf_putc(&ob, '|');
	hs_put_grouped_field(&ob, "123456789", 9, 5);
	ck_assert_str_eq(text(&ob), "   1,234|123,456,789");
	ob.len = 0;
	hs_put_field(&ob, "n", 1, 3);
	hs_put_field(&ob, "toolong", 7, 3);
	ck_assert_str_eq(text(&ob), "  ntoolong");
	char d[20];
	ck_assert_uint_eq(hs_fmt_u64(d, 0), 1);
	ck_assert_int_eq(d[0], '0');
	hs_outbuf_free(&ob);
}
END_TEST

START_TEST(test_percent)
{
	struct hs_outbuf ob;
	hs_outbuf_init(&ob);
	hs_put_percent(&ob, hs_percent(8000, 10024));
	hs_outbuf_putc(&ob, ' ');
	hs_put_percent(&ob, hs_percent(0, 0));
	hs_outbuf_putc(&ob, ' ');
	hs_put_percent(&ob, hs_percent(2684366905ULL, 2684375000ULL));
	hs_outbuf_putc(&ob, ' ');
	hs_put_percent(&ob, hs_percent(1, 100));
	ck_assert_str_eq(text(&ob), "79.81 00.00 100.00 01.00");
	/* 100*bytes beyond 2^64: Perl falls back to doubles. */
	ck_assert(hs_percent(UINT64_MAX / 2, UINT64_MAX) > 49.99);
	ck_assert(hs_percent(UINT64_MAX / 2, UINT64_MAX) < 50.01);
	hs_outbuf_free(&ob);
}
END_TEST

/* Compares hs_fmt_percent with printf's %05.2f on one value. */
static void same_as_printf(double pct)
{
	char want[64], got[64];
	snprintf(want, sizeof want, "%05.2f", pct);
	size_t n = hs_fmt_percent(got, pct);
	got[n] = '\0';
	ck_assert_msg(strcmp(want, got) == 0, "%.17g: printf %s, ours %s", pct, want, got);
}

START_TEST(test_percent_format_matches_printf)
{
	/* Every share of every total up to 600 bytes, ties included. */
	for (uint64_t total = 1; total <= 600; total++)
		for (uint64_t b = 0; b <= total; b++)
			same_as_printf(hs_percent(b, total));
	/* Exact ties of the third decimal: printf rounds them to even. */
	static const double ties[] = { 0.125,    0.375,  0.625,  0.875,  1.005,
				       2.675,    99.995, 99.999, 100.0,  0.0,
				       0.004999, 0.005,  5e-324, 1e-300, 999999.995 };
	for (size_t i = 0; i < sizeof ties / sizeof ties[0]; i++)
		same_as_printf(ties[i]);
	/* Pseudo-random doubles over the whole range, deterministic. */
	uint64_t x = 88172645463325252ULL;
	for (int i = 0; i < 2000000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		same_as_printf((double)(x >> 11) / (double)((uint64_t)1 << 53) * 100.0);
		if (i % 16 == 0)
			same_as_printf(hs_percent(x >> (x & 31), (x >> (x & 31)) | (x >> 40)));
	}
}
END_TEST

START_TEST(test_plnum_div)
{
	/* Below 2^53: always a double. */
	struct hs_plnum a = { true, 10, 0 };
	struct hs_plnum r = hs_plnum_div(a, 4);
	ck_assert(!r.is_int);
	ck_assert(r.d == 2.5);
	/* Beyond 2^53 and exact: Perl keeps the integer. */
	uint64_t big = ((uint64_t)1 << 62) + 1024;
	a.u = big;
	r = hs_plnum_div(a, 1024);
	ck_assert(r.is_int);
	ck_assert_uint_eq(r.u, ((uint64_t)1 << 52) + 1);
	/* Beyond 2^53 but inexact: double. */
	a.u = big + 1;
	r = hs_plnum_div(a, 1024);
	ck_assert(!r.is_int);
}
END_TEST

static const char *label(uint64_t v, enum hs_unit_family f, const char **unit)
{
	static struct hs_axis_label l;
	hs_axis_label(v, f, &l);
	*unit = l.unit;
	return l.text;
}

START_TEST(test_axis_labels)
{
	/* The boundary table of the spec (section 3.4). */
	static const struct {
		uint64_t v;
		enum hs_unit_family f;
		const char *text, *unit;
	} cases[] = {
		{ 1, HS_UNITS_BYTES, "    1", "B" },
		{ 999, HS_UNITS_BYTES, "  999", "B" },
		{ 1000, HS_UNITS_BYTES, "0.977", "KB" },
		{ 1023, HS_UNITS_BYTES, "0.999", "KB" },
		{ 1024, HS_UNITS_BYTES, "1.000", "KB" },
		{ 10234, HS_UNITS_BYTES, "9.994", "KB" },
		{ 10240, HS_UNITS_BYTES, "10.00", "KB" },
		{ 102349, HS_UNITS_BYTES, "99.95",
		  "KB" }, /* the spec says 102.3: ms_print disagrees */
		{ 104806, HS_UNITS_BYTES, "102.3", "KB" },
		{ 1023948, HS_UNITS_BYTES, "999.9", "KB" },
		{ 1023949, HS_UNITS_BYTES, "1000.0", "KB" },
		{ 1048575, HS_UNITS_BYTES, "1.000", "MB" },
		{ 1073741824, HS_UNITS_BYTES, "1.000", "GB" },
		{ 1073741824, HS_UNITS_MS, "298.3", "h" },
		{ 136826, HS_UNITS_INSTR, "133.6", "ki" },
		{ 999, HS_UNITS_MS, "  999", "ms" },
		{ 1000, HS_UNITS_MS, "1.000", "s" },
		{ 3599999, HS_UNITS_MS, "3600.0", "s" },
		{ 3600000, HS_UNITS_MS, "1.000", "h" },
		{ UINT64_MAX, HS_UNITS_BYTES, "16.00", "EB" },
		{ UINT64_MAX, HS_UNITS_INSTR, "16.00", "Ei" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *unit;
		const char *t = label(cases[i].v, cases[i].f, &unit);
		ck_assert_msg(strcmp(t, cases[i].text) == 0 && strcmp(unit, cases[i].unit) == 0,
			      "case %zu: %llu gave '%s' %s, wanted '%s' %s", i,
			      (unsigned long long)cases[i].v, t, unit, cases[i].text,
			      cases[i].unit);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("print_numfmt");
	TCase *tc = tcase_create("numfmt");
	tcase_add_test(tc, test_grouped_strings);
	tcase_add_test(tc, test_grouped_u64_and_fields);
	tcase_add_test(tc, test_percent);
	tcase_add_test(tc, test_percent_format_matches_printf);
	tcase_add_test(tc, test_plnum_div);
	tcase_add_test(tc, test_axis_labels);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
