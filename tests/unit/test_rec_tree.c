/* test_rec_tree: tree building (xtree), stack filtering (filter) and the
 * tree's text (massif_out), with fake stacks and names.  Expected texts
 * follow Massif 3.19's rules (format-massif.md §4-§5, §12, §13) and its real outputs
 * quoted in the spec. */
#include <check.h>

#include "hs_check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "filter.h"
#include "recorder.h"
#include "test_rec_support.h"
#include "xtree.h"

#define N(a) (unsigned)(sizeof(a) / sizeof *(a))

/* ---- xtree alone -------------------------------------------------------- */

struct collected {
	char text[8192];
	size_t len;
};

/* One line per node: depth, kind, address, bytes, children or places. */
static int collect(void *ctx, const struct hs_xnode *node)
{
	struct collected *c = ctx;
	const char *kind = node->kind == HS_XNODE_ROOT   ? "root"
			   : node->kind == HS_XNODE_SITE ? "site"
							 : "agg";
	c->len += (size_t)snprintf(
		c->text + c->len, sizeof c->text - c->len, "%u %s %#lx %lu %u\n", node->depth, kind,
		(unsigned long)node->addr, (unsigned long)node->bytes,
		node->kind == HS_XNODE_AGGREGATE ? node->n_places : node->n_children);
	return 0;
}

static const char *walk(struct hs_xctx *ctxs, size_t n, uint64_t extra, double threshold)
{
	static struct collected c;
	c.len = 0;
	c.text[0] = '\0';
	hs_xtree_sort(ctxs, n);
	struct hs_xtree_scratch scratch;
	ck_assert_int_eq(hs_xtree_scratch_init(&scratch, n, 4), 0);
	ck_assert_int_eq(hs_xtree_walk(ctxs, n, extra, threshold, &scratch, collect, &c), 0);
	hs_xtree_scratch_free(&scratch);
	return c.text;
}

START_TEST(sig_cutoff)
{
	/* trunc((total + extra) * threshold / 100); 1 when the total is 0. */
	ck_assert_uint_eq(hs_xtree_sig_bytes(10000, 24, 1.0), 100);
	ck_assert_uint_eq(hs_xtree_sig_bytes(70, 26, 1.0), 0);
	ck_assert_uint_eq(hs_xtree_sig_bytes(0, 0, 1.0), 1);
	ck_assert_uint_eq(hs_xtree_sig_bytes(0, 40, 0.0), 0);
	ck_assert_uint_eq(hs_xtree_sig_bytes(18000, 0, 40.0), 7200);
}
END_TEST

/* Massif's insig test shape: the aggregate sorts by its size between
 * significant siblings, and counts groups, not contexts. */
START_TEST(aggregate_sorted_by_size)
{
	static const uintptr_t big[] = { 0x500 }, mid[] = { 0x400 }, small[] = { 0x300 };
	static const uintptr_t t1[] = { 0x100, 0x900 }, t2[] = { 0x100, 0x901 }, t3[] = { 0x200 };
	struct hs_xctx c[] = {
		{ big, 1, 16000, 0 }, { mid, 1, 240, 0 }, { small, 1, 192, 0 },
		{ t1, 2, 100, 0 },    { t2, 2, 60, 0 },   { t3, 1, 96, 0 },
	};
	/* total 16688, threshold 0.99: sig = 165; the 0x100 group has 160. */
	const char *got = walk(c, N(c), 0, 0.99);
	ck_assert_str_eq(got, "0 root 0 16688 4\n"
			      "1 site 0x500 16000 0\n"
			      "1 agg 0 256 2\n"
			      "1 site 0x400 240 0\n"
			      "1 site 0x300 192 0\n");
}
END_TEST

/* Equal bytes: the lower address first; the aggregate (address 0) first
 * of all.  A stack ending at a node makes it bigger than its children. */
START_TEST(ties_and_prefixes)
{
	static const uintptr_t a[] = { 0x200 }, b[] = { 0x100 }, z1[] = { 0x300 }, z2[] = { 0x301 };
	static const uintptr_t p0[] = { 0x400 }, p1[] = { 0x400, 0x10 }, p2[] = { 0x400, 0x20 };
	struct hs_xctx c[] = {
		{ a, 1, 100, 0 },  { b, 1, 100, 0 },  { z1, 1, 50, 0 },  { z2, 1, 50, 0 },
		{ p0, 1, 300, 0 }, { p1, 2, 200, 0 }, { p2, 2, 200, 0 },
	};
	/* total 1000, threshold 10: sig 100: 0x300 and 0x301 merge into 100. */
	const char *got = walk(c, N(c), 0, 10.0);
	ck_assert_str_eq(got, "0 root 0 1000 4\n"
			      "1 site 0x400 700 2\n"
			      "2 site 0x10 200 0\n"
			      "2 site 0x20 200 0\n"
			      "1 agg 0 100 2\n"
			      "1 site 0x100 100 0\n"
			      "1 site 0x200 100 0\n");
}
END_TEST

/* Zero-byte contexts: aggregated when threshold > 0 (sig >= 1 at total 0),
 * listed when threshold is 0. */
START_TEST(zero_byte_contexts)
{
	static const uintptr_t a[] = { 0x10 }, b[] = { 0x20 };
	struct hs_xctx c[] = { { a, 1, 0, 0 }, { b, 1, 0, 0 } };
	ck_assert_str_eq(walk(c, 2, 0, 1.0), "0 root 0 0 1\n1 agg 0 0 2\n");
	ck_assert_str_eq(walk(c, 2, 0, 0.0), "0 root 0 0 2\n1 site 0x10 0 0\n1 site 0x20 0 0\n");
	ck_assert_str_eq(walk(c, 0, 0, 1.0), "0 root 0 0 0\n");
}
END_TEST

/* Aggregation is per parent: a deep insignificant child does not merge
 * with the root's children. */
START_TEST(aggregate_per_parent)
{
	static const uintptr_t a1[] = { 0x10, 0x1 }, a2[] = { 0x10, 0x2 }, a3[] = { 0x10, 0x3 };
	static const uintptr_t b[] = { 0x20 };
	struct hs_xctx c[] = {
		{ a1, 2, 900, 0 }, { a2, 2, 5, 0 }, { a3, 2, 4, 0 }, { b, 1, 1, 0 }
	};
	/* total 910 + extra 90 = 1000, threshold 1: sig 10. */
	ck_assert_str_eq(walk(c, N(c), 90, 1.0), "0 root 0 910 2\n"
						 "1 site 0x10 909 2\n"
						 "2 site 0x1 900 0\n"
						 "2 agg 0 9 2\n"
						 "1 agg 0 1 1\n");
}
END_TEST

/* ---- filter and text, through the recorder ------------------------------- */

enum {
	A_MAIN = 0x401000,
	A_MAIN2 = 0x401100,
	A_F = 0x402000,
	A_G = 0x403000,
	A_NEW = 0x404000,
	A_MALLOC = 0x405000,
	A_WRAP = 0x406000,
	A_CALL_MAIN = 0x407000,
	A_START_MAIN = 0x407100,
	A_START = 0x407200,
	A_THREAD = 0x408000,
	A_CLONE = 0x408100,
	A_START_THREAD = 0x408200,
	A_INL = 0x409000,
	A_NONAME = 0x40A000,
	A_NOOBJ = 0x40B000,
	A_BARE = 0x40C000,
	A_IGN = 0x40D000,
	A_LIBC_MAIN_V = 0x40E000,
	A_NEWLINE = 0x40F000,
};

static const struct fake_sym syms[] = {
	{ A_MAIN, "main", "t.c", 10, "/bin/t" },
	{ A_MAIN2, "main", "t.c", 12, "/bin/t" },
	{ A_F, "f", "t.c", 20, "/bin/t" },
	{ A_G, "g", "t.c", 30, "/bin/t" },
	{ A_NEW, "operator new(unsigned long)", "new_op.cc", 50, "/lib/libstdc++.so.6" },
	{ A_MALLOC, "malloc", NULL, 0, "/lib/libc.so.6" },
	{ A_WRAP, "xmalloc", "util.c", 7, "/bin/t" },
	{ A_CALL_MAIN, "__libc_start_call_main", "libc_start_call_main.h", 58, "/lib/libc.so.6" },
	{ A_START_MAIN, "__libc_start_main_impl", "libc-start.c", 360, "/lib/libc.so.6" },
	{ A_LIBC_MAIN_V, "__libc_start_main.alias", NULL, 0, "/lib/libc.so.6" },
	{ A_START, "_start", NULL, 0, "/bin/t" },
	{ A_THREAD, "worker", "thr.c", 3, "/bin/t" },
	{ A_START_THREAD, "start_thread", "pthread_create.c", 442, "/lib/libc.so.6" },
	{ A_CLONE, "clone", "clone.S", 100, "/lib/libc.so.6" },
	/* one address, three frames: two inlined calls inside f */
	{ A_INL, "calloc", "rtld-malloc.h", 44, "/lib/ld.so" },
	{ A_INL, "h", "t.c", 74, "/bin/t" },
	{ A_INL, "f", "t.c", 26, "/bin/t" },
	{ A_NONAME, NULL, NULL, 0, "/lib/libx.so" },
	{ A_NOOBJ, "mystery", NULL, 0, NULL },
	{ A_IGN, "ignored_alloc", "t.c", 90, "/bin/t" },
	{ A_NEWLINE, "odd\nname", "a\nb.c", 1, "/bin/t" },
	/* as Valgrind names a constructor's stack (ctor test below) */
	{ 0x109156, "init", "ctor.c", 3, "/tmp/fx/ctor" },
	{ 0x487C375, "call_init", "libc-start.c", 145, "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ 0x487C375, "__libc_start_main@@GLIBC_2.34", "libc-start.c", 347,
	  "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ 0x109080, "_start", NULL, 0, "/tmp/fx/ctor" },
	{ 0, NULL, NULL, 0, NULL },
};

static struct hs_options opts;

static void start(void)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
}

static void setup(void)
{
	test_options(&opts);
	opts.threshold = 0;         /* every site printed */
	opts.final_snapshot = true; /* the tree at exit is the one compared */
}

static void *ptr(unsigned i)
{
	return (void *)(uintptr_t)(0x20000000u + 64u * i);
}

/* The tree of the final snapshot of the file written now. */
static const char *final_tree(void)
{
	struct hs_symbolizer sym = fake_symbolizer(syms);
	const char *got = finish_to_text("./t", &sym);
	const char *snap = snapshot_text(got, count_snapshots(got) - 1);
	const char *tree = strstr(snap, "heap_tree=detailed\n");
	ck_assert_ptr_nonnull(tree);
	return tree + strlen("heap_tree=detailed\n");
}

#define ROOT(k, b)                                                                                 \
	"n" #k ": " #b " (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"

/* Leading alloc-fns go (the defaults and --alloc-fn); one deeper stays;
 * the stack is cut at main. */
START_TEST(alloc_fns_stripped)
{
	strcpy(opts.alloc_fns[0], "xmalloc");
	opts.n_alloc_fns = 1;
	start();
	const uintptr_t s1[] = { A_MALLOC, A_NEW,       A_WRAP,       A_F,
				 A_MAIN,   A_CALL_MAIN, A_START_MAIN, A_START };
	const uintptr_t s2[] = { A_G, A_MALLOC, A_MAIN2, A_CALL_MAIN };
	hs_rec_alloc(ptr(1), 100, s1, N(s1));
	hs_rec_alloc(ptr(2), 50, s2, N(s2));
	ck_assert_str_eq(final_tree(),
			 ROOT(2, 150) " n1: 100 0x402000: f (t.c:20)\n"
				      "  n0: 100 0x401000: main (t.c:10)\n"
				      " n1: 50 0x403000: g (t.c:30)\n"
				      "  n1: 50 0x405000: malloc (in /lib/libc.so.6)\n"
				      "   n0: 50 0x401100: main (t.c:12)\n");
}
END_TEST

/* The frames a stack loses (leading alloc-fns, below main) are sorted out
 * by their functions alone: never named in full, so that a module holding
 * only such frames (libc's __libc_start_call_main, with its debug
 * information) is never read.  A symbolizer without function_of gives the
 * same tree. */
static uintptr_t g_described[64];
static unsigned g_n_described;

static unsigned counting_symbolize(void *ctx, uintptr_t addr, struct hs_frame_text *out,
				   unsigned max)
{
	if (g_n_described < N(g_described))
		g_described[g_n_described++] = addr;
	return fake_symbolizer(ctx).symbolize(ctx, addr, out, max);
}

static int was_described(uintptr_t addr)
{
	for (unsigned i = 0; i < g_n_described; i++)
		if (g_described[i] == addr)
			return 1;
	return 0;
}

START_TEST(cut_frames_never_named)
{
	strcpy(opts.alloc_fns[0], "xmalloc");
	opts.n_alloc_fns = 1;
	const uintptr_t s1[] = { A_MALLOC, A_NEW,       A_WRAP,       A_F,
				 A_MAIN,   A_CALL_MAIN, A_START_MAIN, A_START };
	const uintptr_t s2[] = { A_G, A_LIBC_MAIN_V, A_START };
	const char *trees[2];
	for (int with_function_of = 0; with_function_of < 2; with_function_of++) {
		start();
		hs_rec_alloc(ptr(1), 100, s1, N(s1));
		hs_rec_alloc(ptr(2), 50, s2, N(s2));
		struct hs_symbolizer sym = fake_symbolizer(syms);
		sym.symbolize = counting_symbolize;
		if (!with_function_of)
			sym.function_of = NULL;
		g_n_described = 0;
		const char *got = finish_to_text("./t", &sym);
		const char *snap = snapshot_text(got, count_snapshots(got) - 1);
		trees[with_function_of] = strdup(strstr(snap, "heap_tree=detailed\n"));
	}
	ck_assert_str_eq(trees[1], trees[0]);
	ck_assert_ptr_nonnull(strstr(trees[1], " n1: 100 0x402000: f (t.c:20)\n"
						"  n0: 100 0x401000: main (t.c:10)\n"));
	ck_assert_ptr_nonnull(strstr(trees[1], "  n0: 50 0x40E000: (below main)"));
	/* Named: the frames kept, the innermost below-main one included. */
	ck_assert(was_described(A_F) && was_described(A_MAIN) && was_described(A_G));
	ck_assert(was_described(A_LIBC_MAIN_V));
	/* Never named: the alloc-fns stripped, the frames past the cut. */
	ck_assert(!was_described(A_MALLOC) && !was_described(A_NEW) && !was_described(A_WRAP));
	ck_assert(!was_described(A_CALL_MAIN) && !was_described(A_START_MAIN));
	ck_assert(!was_described(A_START));
	free((void *)trees[0]);
	free((void *)trees[1]);
}
END_TEST

/* No main: cut at the innermost below-main function, named "(below main)";
 * threads have neither and keep every frame. */
START_TEST(below_main_and_threads)
{
	start();
	const uintptr_t s1[] = { A_F, A_LIBC_MAIN_V, A_START };
	const uintptr_t s2[] = { A_THREAD, A_START_THREAD, A_CLONE };
	hs_rec_alloc(ptr(1), 100, s1, N(s1));
	hs_rec_alloc(ptr(2), 60, s2, N(s2));
	ck_assert_str_eq(final_tree(),
			 ROOT(2, 160) " n1: 100 0x402000: f (t.c:20)\n"
				      "  n0: 100 0x40E000: (below main) (in /lib/libc.so.6)\n"
				      " n1: 60 0x408000: worker (thr.c:3)\n"
				      "  n1: 60 0x408200: start_thread (pthread_create.c:442)\n"
				      "   n0: 60 0x408100: clone (clone.S:100)\n");
}
END_TEST

/* Massif's real output for malloc(5000) in a constructor: a versioned
 * __libc_start_main is not a below-main name, _start is. */
START_TEST(constructor_below_main)
{
	start();
	const uintptr_t s[] = { 0x109156, 0x487C375, 0x109080 };
	hs_rec_alloc(ptr(1), 5000, s, N(s));
	ck_assert_str_eq(
		final_tree(),
		ROOT(1,
		     5000) " n1: 5000 0x109156: init (ctor.c:3)\n"
			   "  n1: 5000 0x487C375: call_init (libc-start.c:145)\n"
			   "   n1: 5000 0x487C375: __libc_start_main@@GLIBC_2.34 (libc-start.c:347)\n"
			   "    n0: 5000 0x109080: (below main) (in /tmp/fx/ctor)\n");
}
END_TEST

/* The outermost main wins (main called again from inside main). */
START_TEST(outermost_main)
{
	start();
	const uintptr_t s[] = { A_F, A_MAIN2, A_G, A_MAIN, A_CALL_MAIN };
	hs_rec_alloc(ptr(1), 10, s, N(s));
	ck_assert_str_eq(final_tree(), ROOT(1, 10) " n1: 10 0x402000: f (t.c:20)\n"
						   "  n1: 10 0x401100: main (t.c:12)\n"
						   "   n1: 10 0x403000: g (t.c:30)\n"
						   "    n0: 10 0x401000: main (t.c:10)\n");
}
END_TEST

/* --depth keeps the innermost frames; stacks equal after it merge. */
START_TEST(depth_merges)
{
	opts.depth = 2;
	start();
	const uintptr_t s1[] = { A_F, A_G, A_MAIN };
	const uintptr_t s2[] = { A_F, A_G, A_MAIN2 };
	hs_rec_alloc(ptr(1), 10, s1, N(s1));
	hs_rec_alloc(ptr(2), 20, s2, N(s2));
	ck_assert_str_eq(final_tree(), ROOT(1, 30) " n1: 30 0x402000: f (t.c:20)\n"
						   "  n0: 30 0x403000: g (t.c:30)\n");
}
END_TEST

/* Inline frames: one n1: line each, same address, innermost first; only
 * the real function carries the child count.  The alloc-fn check looks
 * at the outermost name only, so an inlined calloc is not stripped. */
START_TEST(inline_frames)
{
	start();
	const uintptr_t s[] = { A_INL, A_G, A_MAIN };
	const uintptr_t s2[] = { A_INL, A_MAIN };
	hs_rec_alloc(ptr(1), 40, s, N(s));
	hs_rec_alloc(ptr(2), 30, s2, N(s2));
	ck_assert_str_eq(final_tree(), ROOT(1, 70) " n1: 70 0x409000: calloc (rtld-malloc.h:44)\n"
						   "  n1: 70 0x409000: h (t.c:74)\n"
						   "   n2: 70 0x409000: f (t.c:26)\n"
						   "    n1: 40 0x403000: g (t.c:30)\n"
						   "     n0: 40 0x401000: main (t.c:10)\n"
						   "    n0: 30 0x401000: main (t.c:10)\n");
}
END_TEST

/* The four location forms of describe_IP (format-massif.md §5). */
START_TEST(frame_texts)
{
	start();
	const uintptr_t s1[] = { A_NONAME };
	const uintptr_t s2[] = { A_NOOBJ };
	const uintptr_t s3[] = { A_BARE };
	hs_rec_alloc(ptr(1), 30, s1, 1);
	hs_rec_alloc(ptr(2), 20, s2, 1);
	hs_rec_alloc(ptr(3), 10, s3, 1);
	ck_assert_str_eq(final_tree(), ROOT(3, 60) " n0: 30 0x40A000: ??? (in /lib/libx.so)\n"
						   " n0: 20 0x40B000: mystery (in ??"
						   "?)\n"
						   " n0: 10 0x40C000: ?"
						   "??\n");
}
END_TEST

/* A line break in a name or in the command line would end the line and
 * break the file: it is written as a space. */
START_TEST(line_breaks_flattened)
{
	start();
	const uintptr_t s[] = { A_NEWLINE, A_MAIN };
	hs_rec_alloc(ptr(1), 10, s, N(s));
	struct hs_symbolizer sym = fake_symbolizer(syms);
	const char *got = finish_to_text("./t a\nb\r", &sym);
	ck_assert_ptr_nonnull(strstr(got, "\ncmd: ./t a b \ntime_unit: B\n"));
	ck_assert_ptr_nonnull(strstr(got, " n1: 10 0x40F000: odd name (a b.c:1)\n"));
}
END_TEST

/* --ignore-fn: the stack whose first named frame is ignored leaves the
 * tree and mem_heap_B (the running totals keep it: a documented
 * difference, the filter runs at write time). */
START_TEST(ignore_fn)
{
	strcpy(opts.ignore_fns[0], "ignored_alloc");
	opts.n_ignore_fns = 1;
	start();
	const uintptr_t s1[] = { A_MALLOC, A_IGN, A_MAIN };
	const uintptr_t s2[] = { A_F, A_MAIN };
	hs_rec_alloc(ptr(1), 1000, s1, N(s1));
	hs_rec_alloc(ptr(2), 24, s2, N(s2));
	struct hs_symbolizer sym = fake_symbolizer(syms);
	const char *got = finish_to_text("./t", &sym);
	ck_assert_ptr_nonnull(
		strstr(got, "snapshot=3\n#-----------\ntime=1056\nmem_heap_B=24\n"
			    "mem_heap_extra_B=32\nmem_stacks_B=0\nheap_tree=detailed\n" ROOT(
				    1, 24) " n1: 24 0x402000: f (t.c:20)\n"
					   "  n0: 24 0x401000: main (t.c:10)\n"));
	/* The empty snapshot before shows the running heap, 1000 included. */
	ck_assert_ptr_nonnull(
		strstr(got, "snapshot=1\n#-----------\ntime=1016\nmem_heap_B=1000\n"));
}
END_TEST

/* Aggregate wordings with the threshold printed %.2f (format-massif.md §4). */
START_TEST(aggregate_texts)
{
	opts.threshold = 40;
	start();
	const uintptr_t s1[] = { A_F, A_MAIN }, s2[] = { A_G, A_MAIN };
	hs_rec_alloc(ptr(1), 10800, s1, N(s1));
	hs_rec_alloc(ptr(2), 7200, s2, N(s2));
	ck_assert_str_eq(
		final_tree(),
		ROOT(2, 18000) " n1: 10800 0x402000: f (t.c:20)\n"
			       "  n0: 10800 0x401000: main (t.c:10)\n"
			       " n0: 7200 in 1 place, below massif's threshold (40.00%)\n");
}
END_TEST

START_TEST(aggregate_texts_places)
{
	opts.threshold = 1;
	start();
	const uintptr_t s1[] = { A_F, A_MAIN }, s2[] = { A_G, A_MAIN }, s3[] = { A_THREAD };
	hs_rec_alloc(ptr(1), 10000, s1, N(s1));
	hs_rec_alloc(ptr(2), 7, s2, N(s2));
	hs_rec_alloc(ptr(3), 7, s3, N(s3));
	ck_assert_str_eq(
		final_tree(),
		ROOT(2, 10014) " n1: 10000 0x402000: f (t.c:20)\n"
			       "  n0: 10000 0x401000: main (t.c:10)\n"
			       " n0: 14 in 2 places, all below massif's threshold (1.00%)\n");
}
END_TEST

/* hs_filter_context gives hs_filter_frames' answer, once per context id:
 * a stack with neither main nor a below-main function (cut short by the
 * frame limit) keeps every frame after the alloc-fns, as does a stack
 * longer than the memo's span; a stack of alloc-fns alone keeps none; and
 * an id asked again gets its first answer without a filter pass, whatever
 * frames come with it (each writer passes the same contexts). */
START_TEST(filter_context_once)
{
	struct hs_symbolizer sym = fake_symbolizer(syms);
	struct hs_arena arena;
	struct hs_filter f;
	opts.depth = 0; /* no --depth limit: the spans are the filter's own */
	hs_arena_init(&arena);
	hs_filter_init(&f, &sym, &opts, &arena);
	const uintptr_t cut_short[] = { A_MALLOC, A_F, A_G, A_F, A_G };
	const uintptr_t with_main[] = { A_MALLOC, A_NEW, A_F, A_MAIN, A_CALL_MAIN, A_START };
	const uintptr_t below[] = { A_G, A_LIBC_MAIN_V, A_START };
	const uintptr_t only_alloc[] = { A_MALLOC, A_NEW };
	const struct {
		const uintptr_t *raw;
		unsigned n, first, kept;
	} cases[] = {
		{ cut_short, N(cut_short), 1, 4 },
		{ with_main, N(with_main), 2, 2 },
		{ below, N(below), 0, 2 },
		{ only_alloc, N(only_alloc), 0, 0 },
	};
	uintptr_t out[HS_MAX_FRAMES + 1], again[HS_MAX_FRAMES + 1];
	for (unsigned i = 0; i < N(cases); i++) {
		/* id 5000 + i: past the memo's first size, so it grows */
		uint32_t id = 5000 + i;
		unsigned n = hs_filter_frames(&f, cases[i].raw, cases[i].n, out);
		ck_assert_uint_eq(n, cases[i].kept);
		ck_assert(memcmp(out, cases[i].raw + cases[i].first, n * sizeof *out) == 0);
		ck_assert_uint_eq(hs_filter_context(&f, id, cases[i].raw, cases[i].n, again), n);
		ck_assert(memcmp(again, out, n * sizeof *out) == 0);
	}
	/* The memo answers for id 5000 with cut_short's span (from 1, 4
	 * frames), here over with_main's frames. */
	ck_assert_uint_eq(hs_filter_context(&f, 5000, with_main, N(with_main), again), 4);
	ck_assert(memcmp(again, with_main + 1, 4 * sizeof *again) == 0);
	/* Longer than any context: filtered each time, every frame kept but
	 * the alloc-fn. */
	uintptr_t long_stack[HS_MAX_FRAMES + 1];
	long_stack[0] = A_MALLOC;
	for (unsigned i = 1; i < N(long_stack); i++)
		long_stack[i] = i % 2 ? A_F : A_G;
	unsigned n_long = hs_filter_context(&f, 7, long_stack, N(long_stack), again);
	ck_assert_uint_eq(n_long, HS_MAX_FRAMES);
	ck_assert(memcmp(again, long_stack + 1, HS_MAX_FRAMES * sizeof *again) == 0);
	hs_filter_destroy(&f);
	hs_arena_destroy(&arena);
}
END_TEST

static Suite *tree_suite(void)
{
	Suite *s = suite_create("recorder tree");
	TCase *tc = tcase_create("xtree");
	tcase_add_test(tc, sig_cutoff);
	tcase_add_test(tc, aggregate_sorted_by_size);
	tcase_add_test(tc, ties_and_prefixes);
	tcase_add_test(tc, zero_byte_contexts);
	tcase_add_test(tc, aggregate_per_parent);
	suite_add_tcase(s, tc);
	tc = tcase_create("filter and text");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, alloc_fns_stripped);
	tcase_add_test(tc, below_main_and_threads);
	tcase_add_test(tc, cut_frames_never_named);
	tcase_add_test(tc, constructor_below_main);
	tcase_add_test(tc, outermost_main);
	tcase_add_test(tc, depth_merges);
	tcase_add_test(tc, inline_frames);
	tcase_add_test(tc, frame_texts);
	tcase_add_test(tc, ignore_fn);
	tcase_add_test(tc, line_breaks_flattened);
	tcase_add_test(tc, aggregate_texts);
	tcase_add_test(tc, aggregate_texts_places);
	tcase_add_test(tc, filter_context_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hs_check_run(tree_suite());
}
