/* Unit tests for print/outbuf: growth, printf, and draining to a file. */
#include <check.h>

#include "hs_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outbuf.h"

START_TEST(test_outbuf)
{
	struct hs_outbuf ob;
	hs_outbuf_init(&ob);
	for (int i = 0; i < 10000; i++)
		hs_outbuf_puts(&ob, "abc");
	ck_assert_uint_eq(ob.len, 30000);
	ck_assert(memcmp(ob.data + 29997, "abc", 3) == 0);
	ob.len = 0;
	hs_outbuf_printf(&ob, "%5.1f|%s", 3.25, "x");
	ck_assert_uint_eq(ob.len, 7);
	ck_assert(memcmp(ob.data, "  3.2|x", 7) == 0);
	/* Longer than the small stack buffer. */
	ob.len = 0;
	hs_outbuf_printf(&ob, "%300s", "y");
	ck_assert_uint_eq(ob.len, 300);
	ck_assert_int_eq(ob.data[299], 'y');
	hs_outbuf_fill(&ob, '-', 5);
	hs_outbuf_putc(&ob, '>');
	ck_assert(memcmp(ob.data + 300, "----->", 6) == 0);
	ck_assert(!hs_outbuf_failed(&ob));
	hs_outbuf_free(&ob);
	ck_assert_ptr_null(ob.data);
}
END_TEST

START_TEST(test_outbuf_drains_to_fd)
{
	/* A draining buffer never holds much more than a megabyte, and what it
     * wrote is exactly what was appended. */
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	struct hs_outbuf ob;
	hs_outbuf_init_fd(&ob, fileno(f));
	char line[100];
	memset(line, 'x', sizeof line - 1);
	line[sizeof line - 1] = '\n';
	for (int i = 0; i < 50000; i++) {
		hs_outbuf_put(&ob, line, sizeof line);
		ck_assert(ob.cap <= ((size_t)4 << 20));
	}
	ck_assert_int_eq(hs_outbuf_flush(&ob), 0);
	ck_assert_uint_eq(ob.len, 0);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	ck_assert_int_eq(ftell(f), 50000L * 100);
	hs_outbuf_free(&ob);
	fclose(f);
}
END_TEST

START_TEST(test_outbuf_write_error)
{
	struct hs_outbuf ob;
	hs_outbuf_init_fd(&ob, -1);
	ob.fd = 1000; /* not open */
	hs_outbuf_puts(&ob, "abc");
	ck_assert_int_eq(hs_outbuf_flush(&ob), -1);
	ck_assert(hs_outbuf_failed(&ob));
	hs_outbuf_free(&ob);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("print_outbuf");
	TCase *tc = tcase_create("outbuf");
	tcase_add_test(tc, test_outbuf);
	tcase_add_test(tc, test_outbuf_drains_to_fd);
	tcase_add_test(tc, test_outbuf_write_error);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
