/* Unit tests for print/report: a whole report, byte for byte as
 * /usr/bin/ms_print printed it (ms_print --x=8 --y=4 rep.out). */
#include <check.h>

#include "hs_check.h"
#include <stdlib.h>
#include <string.h>

#include "print_test_util.h"
#include "report.h"

static const char file[] =
	"desc: --time-unit=B\ncmd: ./example\ntime_unit: B\n"
	"snapshot=0\ntime=0\nmem_heap_B=0\nmem_heap_extra_B=0\nmem_stacks_B=0\n"
	"heap_tree=empty\n"
	"snapshot=1\ntime=1016\nmem_heap_B=1000\nmem_heap_extra_B=16\n"
	"mem_stacks_B=0\nheap_tree=peak\n"
	"n1: 1000 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
	" n0: 1000 0x10918A: main (example.c:20)\n"
	"snapshot=2\ntime=2032\nmem_heap_B=500\nmem_heap_extra_B=8\n"
	"mem_stacks_B=0\nheap_tree=empty\n";

static const char want[] =
	"--------------------------------------------------------------------------------\n"
	"Command:            ./example\n"
	"Massif arguments:   --time-unit=B\n"
	"ms_print arguments: --x=8 --y=4 rep.out\n"
	"--------------------------------------------------------------------------------\n"
	"\n"
	"\n"
	"    KB\n"
	"0.992^    ### \n"
	"     |    #   \n"
	"     |    #  :\n"
	"     |    #  :\n"
	"   0 +------->KB\n"
	"     0   1.984\n"
	"\n"
	"Number of snapshots: 3\n"
	" Detailed snapshots: [1 (peak)]\n"
	"\n"
	"--------------------------------------------------------------------------------\n"
	"  n        time(B)         total(B)   useful-heap(B) extra-heap(B)    stacks(B)\n"
	"--------------------------------------------------------------------------------\n"
	"  0              0                0                0             0            0\n"
	"  1          1,016            1,016            1,000            16            0\n"
	"98.43% (1,000B) (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
	"->98.43% (1,000B) 0x10918A: main (example.c:20)\n"
	"  \n"
	"--------------------------------------------------------------------------------\n"
	"  n        time(B)         total(B)   useful-heap(B) extra-heap(B)    stacks(B)\n"
	"--------------------------------------------------------------------------------\n"
	"  2          2,032              508              500             8            0\n";

static const char args[] = " --x=8 --y=4 rep.out";

START_TEST(test_whole_report)
{
	struct hs_model m;
	struct hs_parse_error err;
	ck_assert_int_eq(parse_text(file, &m, &err), 0);
	struct hs_report_opts o = { 1.0, 8, 4, args, sizeof args - 1, false };
	struct hs_outbuf ob;
	hs_outbuf_init(&ob);
	ck_assert_int_eq(hs_report_render(&m, &o, &ob), 0);
	ck_assert_str_eq(ob_text(&ob), want);
	hs_outbuf_free(&ob);
	hs_model_free(&m);
}
END_TEST

START_TEST(test_no_desc_runs_into_next_line)
{
	/* Without desc: lines, ms_print prints no newline after "Massif
     * arguments:", so the next header line follows on the same line. */
	const char *nodesc = strstr(file, "cmd:");
	struct hs_model m;
	struct hs_parse_error err;
	ck_assert_int_eq(parse_text(nodesc, &m, &err), 0);
	struct hs_report_opts o = { 1.0, 8, 4, " f", 2, false };
	struct hs_outbuf ob;
	hs_outbuf_init(&ob);
	ck_assert_int_eq(hs_report_render(&m, &o, &ob), 0);
	ck_assert_ptr_nonnull(strstr(ob_text(&ob), "\nMassif arguments:  ms_print arguments: f\n"));
	hs_outbuf_free(&ob);
	hs_model_free(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("print_report");
	TCase *tc = tcase_create("report");
	tcase_add_test(tc, test_whole_report);
	tcase_add_test(tc, test_no_desc_runs_into_next_line);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
