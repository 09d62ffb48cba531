/* test_rec_replay: the recorder driven end to end with fake pointers and
 * stacks, its files compared with Valgrind Massif's real output. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recorder.h"
#include "test_rec_support.h"

/* Addresses and names as Massif reported them for samples/example.c. */
enum {
	G_MALLOC = 0x109156,   /* g (example.c:5) */
	F_MALLOC = 0x109167,   /* f (example.c:10) */
	F_CALLS_G = 0x10916C,  /* f (example.c:11) */
	MAIN_LOOP = 0x10918A,  /* main (example.c:20) */
	MAIN_CALLS_F = 0x1091A6, /* main (example.c:23) */
	MAIN_CALLS_G = 0x1091AB, /* main (example.c:25) */
	LIBC_CALL_MAIN = 0x48A1D8F,
	LIBC_START_MAIN = 0x48A1E3F,
	START = 0x109084,
	MALLOC_WRAPPER = 0x484DD00, /* a frame inside an allocator: stripped */
};

static const struct fake_sym example_syms[] = {
	{ G_MALLOC, "g", "example.c", 5, "/home/user/example" },
	{ F_MALLOC, "f", "example.c", 10, "/home/user/example" },
	{ F_CALLS_G, "f", "example.c", 11, "/home/user/example" },
	{ MAIN_LOOP, "main", "example.c", 20, "/home/user/example" },
	{ MAIN_CALLS_F, "main", "example.c", 23, "/home/user/example" },
	{ MAIN_CALLS_G, "main", "example.c", 25, "/home/user/example" },
	{ LIBC_CALL_MAIN, "__libc_start_call_main", "libc_start_call_main.h", 58, "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ LIBC_START_MAIN, "__libc_start_main_impl", "libc-start.c", 360, "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ START, "_start", NULL, 0, "/home/user/example" },
	{ MALLOC_WRAPPER, "malloc", "vg_replace_malloc.c", 381, "/usr/lib/heapsnap/libheapsnap.so" },
	{ 0, NULL, NULL, 0, NULL },
};

static const uintptr_t st_loop[] = { MAIN_LOOP, LIBC_CALL_MAIN, LIBC_START_MAIN, START };
static const uintptr_t st_f[] = { MALLOC_WRAPPER, F_MALLOC, MAIN_CALLS_F, LIBC_CALL_MAIN, LIBC_START_MAIN, START };
static const uintptr_t st_f_g[] = { G_MALLOC, F_CALLS_G, MAIN_CALLS_F, LIBC_CALL_MAIN, LIBC_START_MAIN, START };
static const uintptr_t st_main_g[] = { MALLOC_WRAPPER, MALLOC_WRAPPER, G_MALLOC, MAIN_CALLS_G, LIBC_CALL_MAIN, LIBC_START_MAIN, START };

#define N(a) (unsigned)(sizeof(a) / sizeof *(a))

/* A fake heap address: never dereferenced. */
static void *fake_ptr(unsigned i)
{
	return (void *)(uintptr_t)(0x10000000u + 0x1000u * i);
}

static void start_b(void (*tweak)(struct hs_options *))
{
	struct hs_options opts;
	test_options(&opts);
	if (tweak != NULL)
		tweak(&opts);
	ck_assert_int_eq(hs_rec_init(&opts), 0);
}

static void example_opts(struct hs_options *opts)
{
	strcpy(opts->desc, " --time-unit=B --massif-out-file=example.massif.out");
}

/* The event sequence of samples/example.c. */
static void replay_example(void)
{
	for (unsigned i = 0; i < 10; i++)
		hs_rec_alloc(fake_ptr(i), 1000, st_loop, N(st_loop));
	hs_rec_alloc(fake_ptr(10), 2000, st_f, N(st_f));
	hs_rec_alloc(fake_ptr(11), 4000, st_f_g, N(st_f_g));
	hs_rec_alloc(fake_ptr(12), 4000, st_main_g, N(st_main_g));
	for (unsigned i = 0; i < 10; i++)
		hs_rec_free(fake_ptr(i));
}

START_TEST(example_matches_massif)
{
	start_b(example_opts);
	replay_example();
	struct hs_symbolizer sym = fake_symbolizer(example_syms);
	const char *got = finish_to_text("./example", &sym);
	const char *want = read_fixture("example.massif.out");
	size_t n = strlen(want);
	ck_assert_msg(strncmp(got, want, n) == 0, "differs from Massif:\n%s", got);
	/* Then our final snapshot: the final state, detailed. */
	const char *tail = got + n;
	ck_assert_str_eq(tail,
			 "#-----------\nsnapshot=25\n#-----------\n"
			 "time=30344\nmem_heap_B=10000\nmem_heap_extra_B=24\nmem_stacks_B=0\n"
			 "heap_tree=detailed\n"
			 "n3: 10000 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
			 " n2: 8000 0x109156: g (example.c:5)\n"
			 "  n1: 4000 0x10916C: f (example.c:11)\n"
			 "   n0: 4000 0x1091A6: main (example.c:23)\n"
			 "  n0: 4000 0x1091AB: main (example.c:25)\n"
			 " n1: 2000 0x109167: f (example.c:10)\n"
			 "  n0: 2000 0x1091A6: main (example.c:23)\n"
			 " n0: 0 in 1 place, below massif's threshold (1.00%)\n");
}
END_TEST

static Suite *replay_suite(void)
{
	Suite *s = suite_create("recorder replay");
	TCase *tc = tcase_create("example");
	tcase_add_test(tc, example_matches_massif);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(replay_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
