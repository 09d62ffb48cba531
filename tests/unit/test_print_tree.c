/* Unit tests for print/tree: table header and rows, tree rendering with
 * ms_print's threshold rules (expected texts from /usr/bin/ms_print). */
#include <check.h>

#include "hs_check.h"
#include <stdlib.h>
#include <string.h>

#include "print_test_util.h"
#include "tree.h"

/* Snapshot 24 of the spec's example.massif.out. */
static const char snap24[] =
	"desc: (none)\ncmd: ./example\ntime_unit: B\n"
	"snapshot=24\ntime=30344\nmem_heap_B=10000\nmem_heap_extra_B=24\n"
	"mem_stacks_B=0\nheap_tree=detailed\n"
	"n3: 10000 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
	" n2: 8000 0x109156: g (example.c:5)\n"
	"  n1: 4000 0x10916C: f (example.c:11)\n"
	"   n0: 4000 0x1091A6: main (example.c:23)\n"
	"  n0: 4000 0x1091AB: main (example.c:25)\n"
	" n1: 2000 0x109167: f (example.c:10)\n"
	"  n0: 2000 0x1091A6: main (example.c:23)\n"
	" n0: 0 in 1 place, below massif's threshold (1.00%)\n";

static const char tree_thr1[] =
	"99.76% (10,000B) (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
	"->79.81% (8,000B) 0x109156: g (example.c:5)\n"
	"| ->39.90% (4,000B) 0x10916C: f (example.c:11)\n"
	"| | ->39.90% (4,000B) 0x1091A6: main (example.c:23)\n"
	"| |   \n"
	"| ->39.90% (4,000B) 0x1091AB: main (example.c:25)\n"
	"|   \n"
	"->19.95% (2,000B) 0x109167: f (example.c:10)\n"
	"| ->19.95% (2,000B) 0x1091A6: main (example.c:23)\n"
	"|   \n"
	"->00.00% (0B) in 1+ places, all below ms_print's threshold (01.00%)\n"
	"\n";

static const char tree_thr50[] =
	"99.76% (10,000B) (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
	"->79.81% (8,000B) 0x109156: g (example.c:5)\n"
	"| ->79.81% (8,000B) in 2+ places, all below ms_print's threshold (50.00%)\n"
	"| \n"
	"->19.95% (2,000B) in 2+ places, all below ms_print's threshold (50.00%)\n"
	"\n";

/* Renders snapshot 0's tree of text at threshold thr. */
static const char *render(const char *text, double thr, struct hs_outbuf *ob, struct hs_model *m)
{
	struct hs_parse_error err;
	ck_assert_int_eq(parse_text(text, m, &err), 0);
	hs_outbuf_init(ob);
	ck_assert_int_eq(hs_tree_render(m, &m->snapshots[0], thr, ob), 0);
	return ob_text(ob);
}

START_TEST(test_tree_default_threshold)
{
	struct hs_outbuf ob;
	struct hs_model m;
	ck_assert_str_eq(render(snap24, 1.0, &ob, &m), tree_thr1);
	hs_outbuf_free(&ob);
	hs_model_free(&m);
}
END_TEST

START_TEST(test_tree_threshold_50)
{
	struct hs_outbuf ob;
	struct hs_model m;
	ck_assert_str_eq(render(snap24, 50.0, &ob, &m), tree_thr50);
	hs_outbuf_free(&ob);
	hs_model_free(&m);
}
END_TEST

START_TEST(test_tree_threshold_0_shows_zero_nodes)
{
	struct hs_outbuf ob;
	struct hs_model m;
	const char *t = render(snap24, 0.0, &ob, &m);
	ck_assert_ptr_nonnull(strstr(t, "->00.00% (0B) in 1 place, below "
					"massif's threshold (1.00%)\n  \n"));
	ck_assert_ptr_null(strstr(t, "ms_print's threshold"));
	hs_outbuf_free(&ob);
	hs_model_free(&m);
}
END_TEST

START_TEST(test_tree_root_alone)
{
	struct hs_outbuf ob;
	struct hs_model m;
	const char *t = render("cmd: x\ntime_unit: i\nsnapshot=0\ntime=0\n"
			       "mem_heap_B=0\nmem_heap_extra_B=0\nmem_stacks_B=0\n"
			       "heap_tree=peak\nn0: 0 (heap allocation functions)"
			       " 100%\n",
			       100.0, &ob, &m);
	/* A root with no children: its line, then an empty spacer line. */
	ck_assert_str_eq(t, "00.00% (0B) (heap allocation functions) 100%\n\n");
	hs_outbuf_free(&ob);
	hs_model_free(&m);
}
END_TEST

START_TEST(test_table)
{
	struct hs_model m;
	struct hs_parse_error err;
	ck_assert_int_eq(parse_text(snap24, &m, &err), 0);
	struct hs_outbuf ob;
	hs_outbuf_init(&ob);
	hs_table_header(&m, &ob);
	hs_table_row(&m.snapshots[0], &ob);
	ck_assert_str_eq(
		ob_text(&ob),
		"--------------------------------------------------------------------------------\n"
		"  n        time(B)         total(B)   useful-heap(B) extra-heap(B)    stacks(B)\n"
		"--------------------------------------------------------------------------------\n"
		" 24         30,344           10,024           10,000            24            0\n");
	hs_outbuf_free(&ob);
	hs_model_free(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("print_tree");
	TCase *tc = tcase_create("tree");
	tcase_add_test(tc, test_tree_default_threshold);
	tcase_add_test(tc, test_tree_threshold_50);
	tcase_add_test(tc, test_tree_threshold_0_shows_zero_nodes);
	tcase_add_test(tc, test_tree_root_alone);
	tcase_add_test(tc, test_table);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
