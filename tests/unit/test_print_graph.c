/* Unit tests for print/graph (expected texts from /usr/bin/ms_print). */
#include <check.h>

#include "hs_check.h"
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "print_test_util.h"

static const char *graph(const char *text, unsigned x, unsigned y, struct hs_outbuf *ob,
			 struct hs_model *m)
{
	struct hs_parse_error err;
	ck_assert_int_eq(parse_text(text, m, &err), 0);
	hs_outbuf_init(ob);
	ck_assert_int_eq(hs_graph_render(m, x, y, ob), 0);
	return ob_text(ob);
}

START_TEST(test_smallest_graph)
{
	struct hs_outbuf ob;
	struct hs_model m;
	const char *t = graph("cmd: x\ntime_unit: B\nsnapshot=24\ntime=30344\n"
			      "mem_heap_B=10000\nmem_heap_extra_B=24\n"
			      "mem_stacks_B=0\nheap_tree=detailed\nn0: 10000 r\n",
			      4, 4, &ob, &m);
	/* The x label is glued to the 0 when --x=4. */
	ck_assert_str_eq(t, "    KB\n"
			    "9.789^   @\n"
			    "     |   @\n"
			    "     |   @\n"
			    "     |   @\n"
			    "   0 +--->KB\n"
			    "     029.63\n");
	hs_outbuf_free(&ob);
	hs_model_free(&m);
}
END_TEST

START_TEST(test_priority_and_gap_fill)
{
	/* Times 0, 5, 5, 10 on a 10-column graph: each gap is filled at the
     * height of the snapshot before it (row 2 after snapshot 0, row 1 after
     * snapshot 2), and snapshot 2's ':' in the peak's column cannot
     * overwrite the '#'. */
	struct hs_outbuf ob;
	struct hs_model m;
	const char *t = graph("cmd: x\ntime_unit: i\n"
			      "snapshot=0\ntime=0\nmem_heap_B=40\nmem_heap_extra_B=0\n"
			      "mem_stacks_B=0\nheap_tree=empty\n"
			      "snapshot=1\ntime=5\nmem_heap_B=80\nmem_heap_extra_B=0\n"
			      "mem_stacks_B=0\nheap_tree=peak\nn0: 80 r\n"
			      "snapshot=2\ntime=5\nmem_heap_B=20\nmem_heap_extra_B=0\n"
			      "mem_stacks_B=0\nheap_tree=empty\n"
			      "snapshot=3\ntime=10\nmem_heap_B=60\nmem_heap_extra_B=0\n"
			      "mem_stacks_B=0\nheap_tree=detailed\nn0: 60 r\n",
			      10, 4, &ob, &m);
	ck_assert_str_eq(t, "     B\n"
			    "   80^     #    \n"
			    "     |     #   @\n"
			    "     |:::::#   @\n"
			    "     |:    #:::@\n"
			    "   0 +--------->i\n"
			    "     0        10\n");
	hs_outbuf_free(&ob);
	hs_model_free(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("print_graph");
	TCase *tc = tcase_create("graph");
	tcase_add_test(tc, test_smallest_graph);
	tcase_add_test(tc, test_priority_and_gap_fill);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
