/* Unit tests for print/folded and print/html: folded stacks of a small tree
 * (own bytes, frame names, aggregates), choosing the snapshot, the escapes
 * every label goes through, and the page's static parts. */
#include <check.h>

#include "hs_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folded.h"
#include "html.h"
#include "print_test_util.h"

/* Two detailed snapshots; in the peak, g holds 300 bytes of its own
 * besides its callers', and C++ and odd names sit in the frames. */
static const char two[] =
	"desc: (none)\ncmd: ./t <a&b>\ntime_unit: i\n"
	"snapshot=0\ntime=0\nmem_heap_B=0\nmem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=empty\n"
	"snapshot=1\ntime=10\nmem_heap_B=1000\nmem_heap_extra_B=8\nmem_stacks_B=0\n"
	"heap_tree=peak\n"
	"n2: 1000 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
	" n2: 900 0x401000: g (t.c:5)\n"
	"  n0: 400 0x401100: f<int>(std::vector<int>&) (t.cpp:9)\n"
	"  n0: 200 0x401200: h;x (t.c:7)\n"
	" n1: 100 0x401300: ???\n"
	"  n0: 100 in 2 places, all below massif's threshold (1.00%)\n"
	"snapshot=2\ntime=20\nmem_heap_B=50\nmem_heap_extra_B=8\nmem_stacks_B=0\n"
	"heap_tree=detailed\n"
	"n1: 50 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
	" n0: 50 0x401000: g (t.c:5)\n";

static void load(struct hs_model *m)
{
	struct hs_parse_error err;
	ck_assert_int_eq(parse_text(two, m, &err), 0);
}

START_TEST(test_folded_peak)
{
	struct hs_model m;
	load(&m);
	char err[256];
	size_t i = hs_folded_pick(&m, "peak", err, sizeof err);
	ck_assert_uint_eq(i, 1);
	struct hs_outbuf ob;
	hs_outbuf_init(&ob);
	ck_assert_int_eq(hs_folded_render(&m, &m.snapshots[i], &ob), 0);
	ck_assert_str_eq(ob_text(&ob), "g (t.c:5) 300\n"
				       "f<int>(std::vector<int>&) (t.cpp:9);g (t.c:5) 400\n"
				       "h:x (t.c:7);g (t.c:5) 200\n"
				       "in 2 places, all below massif's threshold (1.00%);"
				       "0x401300: ??? 100\n");
	hs_outbuf_free(&ob);
	hs_model_free(&m);
}
END_TEST

START_TEST(test_folded_pick)
{
	struct hs_model m;
	load(&m);
	char err[256];
	ck_assert_uint_eq(hs_folded_pick(&m, "final", err, sizeof err), 2);
	ck_assert_uint_eq(hs_folded_pick(&m, "2", err, sizeof err), 2);
	ck_assert_uint_eq(hs_folded_pick(&m, "0", err, sizeof err), SIZE_MAX);
	ck_assert_str_eq(err, "snapshot 0 has no heap tree (not a detailed snapshot)");
	ck_assert_uint_eq(hs_folded_pick(&m, "7", err, sizeof err), SIZE_MAX);
	ck_assert_str_eq(err, "there is no snapshot 7");
	ck_assert_uint_eq(hs_folded_pick(&m, "-1", err, sizeof err), SIZE_MAX);
	ck_assert_str_eq(err, "--folded wants peak, final or a snapshot number, not '-1'");
	hs_model_free(&m);
}
END_TEST

START_TEST(test_escapes)
{
	struct hs_outbuf ob;
	hs_outbuf_init(&ob);
	static const char s[] = "a<b>&\"c'\x01";
	hs_html_escape(&ob, s, sizeof s - 1);
	ck_assert_str_eq(ob_text(&ob), "a&lt;b&gt;&amp;&quot;c&#39;\xEF\xBF\xBD");
	ob.len = 0;
	static const char j[] = "</script>\"\\\n";
	hs_html_json_string(&ob, j, sizeof j - 1);
	ck_assert_str_eq(ob_text(&ob), "\"\\u003c/script\\u003e\\\"\\\\\\u000a\"");
	hs_outbuf_free(&ob);
}
END_TEST

START_TEST(test_page)
{
	struct hs_model m;
	load(&m);
	struct hs_outbuf ob;
	hs_outbuf_init(&ob);
	struct hs_html_opts o = { .threshold = 1.0, .source = "t&.out" };
	ck_assert_int_eq(hs_html_render(&m, &o, &ob), 0);
	const char *page = ob_text(&ob);
	ck_assert_ptr_nonnull(strstr(page, "<title>heapsnap: ./t &lt;a&amp;b&gt;</title>"));
	ck_assert_ptr_nonnull(strstr(page, "<code>t&amp;.out</code>"));
	ck_assert_ptr_nonnull(strstr(page, "Peak: <b id=\"peak-bytes\">0.98 KB</b>"));
	/* One chart element per snapshot, the peak tree in the markup. */
	size_t n = 0;
	for (const char *p = page; (p = strstr(p, "<g class=\"snap")) != NULL; p++)
		n++;
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_nonnull(strstr(page, "data-f=\"f&lt;int&gt;(std::vector&lt;int&gt;&amp;) "
					   "(t.cpp:9)\""));
	ck_assert_ptr_null(strstr(page, "http"));
	ck_assert(strlen(page) > 1000 && strcmp(page + strlen(page) - 8, "</html>\n") == 0);
	hs_outbuf_free(&ob);
	hs_model_free(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("print_html");
	TCase *tc = tcase_create("html");
	tcase_add_test(tc, test_folded_peak);
	tcase_add_test(tc, test_folded_pick);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_page);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
