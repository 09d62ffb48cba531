/* Unit tests for print/parse and the model it builds. */
#include <check.h>

#include "hs_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "parse.h"
#include "print_test_util.h"

static const char example[] =
	"desc: --time-unit=B\n"
	"desc: --depth=3 # cut\n"
	"cmd:   ./prog a  \n"
	"time_unit: B\n"
	"#-----------\n"
	"snapshot=0\n"
	"#-----------\n"
	"time=0\n"
	"mem_heap_B=0\n"
	"mem_heap_extra_B=0\n"
	"mem_stacks_B=0\n"
	"heap_tree=empty\n"
	"\n"
	"snapshot=1\n"
	"time=1500 \n"
	"mem_heap_B=1000\n"
	"mem_heap_extra_B=24\n"
	"mem_stacks_B=7\n"
	"heap_tree=peak\n"
	"n2: 1000 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
	" n1: 600 0x40: f (a.c:1)\n"
	"  n0: 600 0x50: main (a.c:9)\n"
	"  # comment inside the tree\n"
	" n0: 400 0x60: {lambda()#1} (b.c:2)\n"
	"snapshot=2\n"
	"time=2000\n"
	"mem_heap_B=10\n"
	"mem_heap_extra_B=0\n"
	"mem_stacks_B=0\n"
	"heap_tree=detailed\n"
	"n0: 10 root";

static bool str_is(struct hs_str s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

START_TEST(test_header_and_snapshots)
{
	struct hs_model m;
	struct hs_parse_error err;
	ck_assert_int_eq(parse_text(example, &m, &err), 0);
	ck_assert(m.has_desc);
	ck_assert_str_eq(m.desc, " --time-unit=B\n --depth=3 \n");
	ck_assert(str_is(m.cmd, "./prog a  "));
	ck_assert(str_is(m.time_unit_raw, "B"));
	ck_assert_int_eq(m.time_unit, HS_TIME_B);
	ck_assert_uint_eq(m.n_snapshots, 3);
	ck_assert_int_eq(m.peak_num, 1);
	ck_assert_uint_eq(m.peak_index, 1);

	const struct hs_snapshot *s = hs_model_snapshot(&m, 1);
	ck_assert(str_is(s->time_raw, "1500 "));
	ck_assert_uint_eq(s->time, 1500);
	ck_assert_uint_eq(s->heap_bytes, 1000);
	ck_assert_uint_eq(s->extra_bytes, 24);
	ck_assert_uint_eq(s->stacks_bytes, 7);
	ck_assert_uint_eq(s->total_bytes, 1031);
	ck_assert_int_eq(s->kind, HS_TREE_PEAK);
	ck_assert_uint_eq(s->line, 14);
	ck_assert(hs_snapshot_is_detailed(s));
	ck_assert(!hs_snapshot_is_detailed(hs_model_snapshot(&m, 0)));
	ck_assert_ptr_null(hs_snapshot_root(&m, hs_model_snapshot(&m, 0)));
	hs_model_free(&m);
}
END_TEST

START_TEST(test_tree_shape)
{
	struct hs_model m;
	struct hs_parse_error err;
	ck_assert_int_eq(parse_text(example, &m, &err), 0);
	const struct hs_snapshot *s = hs_model_snapshot(&m, 1);
	ck_assert_uint_eq(s->n_nodes, 4);
	const struct hs_node *root = hs_snapshot_root(&m, s);
	ck_assert_uint_eq(root->bytes, 1000);
	ck_assert_uint_eq(root->n_children, 2);
	ck_assert_uint_eq(root->depth, 0);
	ck_assert_uint_eq(root->subtree_len, 4);
	ck_assert_uint_eq(root->line, 20);
	const struct hs_node *f = hs_node_first_child(root);
	ck_assert(str_is(f->text, " 0x40: f (a.c:1)"));
	ck_assert_uint_eq(f->subtree_len, 2);
	ck_assert_uint_eq(f->depth, 1);
	ck_assert_uint_eq(hs_node_first_child(f)->depth, 2);
	const struct hs_node *l = hs_node_next_sibling(f);
	ck_assert_uint_eq(l->bytes, 400);
	/* The comment cuts the lambda's name, as in ms_print. */
	ck_assert(str_is(l->text, " 0x60: {lambda()"));
	/* Last snapshot: a root alone, no final newline. */
	const struct hs_node *r2 = hs_snapshot_root(&m, hs_model_snapshot(&m, 2));
	ck_assert(str_is(r2->text, " root"));
	ck_assert_uint_eq(r2->subtree_len, 1);
	hs_model_free(&m);
}
END_TEST

START_TEST(test_node_helpers)
{
	struct hs_model m;
	struct hs_parse_error err;
	ck_assert_int_eq(
		parse_text("cmd: x\ntime_unit: i\nsnapshot=0\ntime=1\nmem_heap_B=9\n"
			   "mem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=detailed\n"
			   "n4: 9 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
			   " n0: 4 0x4005D6: main (a.c:3)\n"
			   " n0: 2 in 3 places, all below massif's threshold (1.00%)\n"
			   " n0: 2 in 1 place, below massif's threshold (40.00%)\n"
			   " n0: 1\t0x0: ???\n",
			   &m, &err),
		0);
	const struct hs_node *n = m.nodes;
	uint64_t a = 7;
	ck_assert(!hs_node_address(&n[0], &a));
	ck_assert(!hs_node_is_aggregate(&n[0]));
	ck_assert(hs_node_address(&n[1], &a));
	ck_assert_uint_eq(a, 0x4005D6);
	struct hs_str l = hs_node_label(&n[1]);
	ck_assert_uint_eq(l.len, strlen("0x4005D6: main (a.c:3)"));
	ck_assert(memcmp(l.ptr, "0x4005D6: main (a.c:3)", l.len) == 0);
	ck_assert(!hs_node_is_aggregate(&n[1]));
	ck_assert(hs_node_is_aggregate(&n[2]));
	ck_assert(hs_node_is_aggregate(&n[3]));
	ck_assert(!hs_node_address(&n[3], &a));
	ck_assert(hs_node_address(&n[4], &a));
	ck_assert_uint_eq(a, 0);
	hs_model_free(&m);
}
END_TEST

START_TEST(test_no_desc)
{
	struct hs_model m;
	struct hs_parse_error err;
	ck_assert_int_eq(parse_text("cmd: x\ntime_unit: ms\nsnapshot=0\ntime=5\n"
				    "mem_heap_B=1\nmem_heap_extra_B=2\n"
				    "mem_stacks_B=3\nheap_tree=empty\n",
				    &m, &err),
			 0);
	ck_assert(!m.has_desc);
	ck_assert_uint_eq(m.desc_len, 0);
	ck_assert_int_eq(m.time_unit, HS_TIME_MS);
	ck_assert_int_eq(m.peak_num, -1);
	ck_assert_uint_eq(m.n_nodes, 0);
	hs_model_free(&m);
}
END_TEST

/* Parses text, which must fail, and checks the message. */
static void expect_error(const char *text, const char *msg)
{
	struct hs_model m;
	struct hs_parse_error err;
	ck_assert_int_eq(parse_text(text, &m, &err), -1);
	ck_assert_str_eq(err.msg, msg);
	ck_assert_ptr_null(m.buf);
}

START_TEST(test_errors)
{
	expect_error("", "t.out:1: expected \"desc:\" or \"cmd:\", found an empty file");
	expect_error("cmd: x\ntime_unit: i\nsnapshot=0\ntime=1\nmem_heap_B=5\n"
		     "mem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=peak\n"
		     "n1: 5 r\n n0: 6 c\n",
		     "t.out:10: expected a node no larger than its snapshot's "
		     "total of 5 bytes, found 6 bytes");
	expect_error("cmd: x\ntime_unit: i\nsnapshot=0\ntime=1\nmem_heap_B=5\n"
		     "mem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=peak\n"
		     "n2: 5 r\n n0: 1 c\n",
		     "t.out:10: expected a tree node line \"n<children>: "
		     "<bytes> <text>\" (child 2 of 2 of line 9), found end of "
		     "file");
	expect_error("cmd: x\ntime_unit: i\nsnapshot=0\ntime=1\n\tmem_heap_B=5\n",
		     "t.out:5: expected \"mem_heap_B=<bytes>\", found "
		     "\"\\x09mem_heap_B=5\"");
}
END_TEST

/* Parses a chain of depth nodes; returns the parse result. */
static int parse_chain(int depth, struct hs_model *m, struct hs_parse_error *err)
{
	size_t cap = (size_t)depth * 24 + 4096;
	char *t = malloc(cap);
	ck_assert_ptr_nonnull(t);
	size_t n = (size_t)snprintf(t, cap,
				    "cmd: x\ntime_unit: i\nsnapshot=0\n"
				    "time=1\nmem_heap_B=5\nmem_heap_extra_B=0\n"
				    "mem_stacks_B=0\nheap_tree=detailed\n");
	for (int i = 0; i < depth; i++)
		n += (size_t)snprintf(t + n, cap - n, "n%d: 5 f\n", i + 1 < depth);
	return hs_parse_buffer(t, n, "deep", m, err);
}

START_TEST(test_deep_tree)
{
	/* 10000 levels, the most accepted: no recursion in the parser. */
	const int depth = 10000;
	struct hs_model m;
	struct hs_parse_error err;
	ck_assert_int_eq(parse_chain(depth, &m, &err), 0);
	ck_assert_uint_eq(m.n_nodes, (size_t)depth);
	ck_assert_uint_eq(m.nodes[depth - 1].depth, (uint32_t)depth - 1);
	ck_assert_uint_eq(m.nodes[0].subtree_len, (uint32_t)depth);
	hs_model_free(&m);
	ck_assert_int_eq(parse_chain(depth + 1, &m, &err), -1);
	ck_assert_str_eq(err.msg, "deep:10008: expected a tree at most 10000 "
				  "levels deep, found a deeper one");
}
END_TEST

START_TEST(test_devices_stop_at_once)
{
	/* The whole-model API on a device: checked as it streams in, so
	 * /dev/zero is refused at its first byte, not when memory runs out. */
	struct hs_model m;
	struct hs_parse_error err;
	ck_assert_int_eq(hs_parse_file("/dev/zero", &m, &err), -1);
	ck_assert_str_eq(err.msg, "/dev/zero:1: expected text, found a NUL byte");
}
END_TEST

START_TEST(test_stream_matches_model)
{
	/* The stream's snapshots are the whole model's, one at a time, in
	 * every pass, with trees or without. */
	char path[] = "/tmp/test_print_parse.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, example, sizeof example - 1), (ssize_t)(sizeof example - 1));
	close(fd);
	struct hs_model m;
	struct hs_parse_error err;
	ck_assert_int_eq(hs_parse_file(path, &m, &err), 0);
	struct hs_stream *st;
	ck_assert_int_eq(hs_stream_open(path, &st, &err), 0);
	for (int pass = 0; pass < 3; pass++) {
		bool trees = pass != 1;
		ck_assert_int_eq(hs_stream_begin(st, &err), 0);
		const struct hs_model *sm = hs_stream_model(st);
		ck_assert(sm->cmd.len == m.cmd.len &&
			  memcmp(sm->cmd.ptr, m.cmd.ptr, m.cmd.len) == 0);
		size_t i = 0;
		int r;
		while ((r = hs_stream_next(st, trees)) > 0) {
			const struct hs_snapshot *a = &m.snapshots[i], *b = &sm->snapshots[0];
			ck_assert_uint_eq(hs_stream_index(st), i);
			ck_assert_uint_eq(a->time, b->time);
			ck_assert_uint_eq(a->total_bytes, b->total_bytes);
			ck_assert_int_eq(a->kind, b->kind);
			ck_assert_uint_eq(b->n_nodes, trees ? a->n_nodes : 0);
			for (size_t k = 0; k < b->n_nodes; k++) {
				const struct hs_node *x = &m.nodes[a->first_node + k];
				const struct hs_node *y = &sm->nodes[b->first_node + k];
				ck_assert_uint_eq(x->bytes, y->bytes);
				ck_assert(x->text.len == y->text.len &&
					  memcmp(x->text.ptr, y->text.ptr, x->text.len) == 0);
			}
			i++;
		}
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(i, m.n_snapshots);
		ck_assert_int_eq(sm->peak_num, m.peak_num);
		ck_assert_uint_eq(sm->buf_len, sizeof example - 1);
	}
	hs_stream_close(st);
	hs_model_free(&m);
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("print_parse");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_header_and_snapshots);
	tcase_add_test(tc, test_tree_shape);
	tcase_add_test(tc, test_node_helpers);
	tcase_add_test(tc, test_no_desc);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_deep_tree);
	tcase_add_test(tc, test_devices_stop_at_once);
	tcase_add_test(tc, test_stream_matches_model);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
