/* Unit tests of src/stackwalk.c: the fast CFI walk must give the same
 * frames as libunwind's unw_backtrace (return address minus one) through
 * our own call chains, glibc's qsort, deep recursion, alloca frames
 * (CFA on RBP) and other threads; on a signal's alternate stack it gives
 * up instead of guessing.  Consecutive walks reuse the frames of the
 * previous one where the stack words agree: stacks that share their inner
 * frames but differ further out, and a walk longer than the last one,
 * must still come out exactly as libunwind sees them. */
#include "config.h"

#define UNW_LOCAL_ONLY
#include <alloca.h>
#include <check.h>

#include "hs_check.h"
#include <libunwind.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stackbounds.h"
#include "stackwalk.h"

#define MAX 512

static uintptr_t fast[MAX], slow[MAX];
static int n_fast, n_slow;
static unsigned fast_max = MAX; /* how many frames the fast walk may give */

void hs_test_capture(void);
void hs_test_chain(int depth);
void hs_test_alloca(int depth, size_t bytes);
void hs_test_twin_a(int depth);
void hs_test_twin_b(int depth);
void hs_test_shape(const unsigned char *shape, int depth);

/* Both walks from the same frame (the same call site for each). */
__attribute__((noinline)) void hs_test_capture(void)
{
	void *raw[MAX];

	n_fast = hs_stackwalk(fast, fast_max);
	n_slow = unw_backtrace(raw, MAX);
	for (int i = 0; i < n_slow; i++)
		slow[i] = (uintptr_t)raw[i];
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void hs_test_chain(int depth)
{
	if (depth > 0)
		hs_test_chain(depth - 1);
	else
		hs_test_capture();
	__asm__ volatile("" ::: "memory");
}

/* A frame whose size is only known at run time: its CFA rule uses RBP. */
__attribute__((noinline)) void hs_test_alloca(int depth, size_t bytes)
{
	volatile char *buf = alloca(bytes);

	buf[0] = 1;
	if (depth > 0)
		hs_test_alloca(depth - 1, bytes + 48);
	else
		hs_test_chain(3);
	__asm__ volatile("" ::: "memory");
}

/* Functions no call may be folded into (GCC's noipa; clang knows only
 * noinline). */
#if defined(__has_attribute)
#if __has_attribute(noipa)
#define HS_TEST_NOIPA __attribute__((noipa))
#endif
#endif
#ifndef HS_TEST_NOIPA
#define HS_TEST_NOIPA __attribute__((noinline))
#endif

/* Two callers with the same frame layout: the frames inside them sit at
 * the same addresses, only the return address into the twin differs. */
HS_TEST_NOIPA void hs_test_twin_a(int depth)
{
	hs_test_chain(depth);
	__asm__ volatile("" ::: "memory");
}

HS_TEST_NOIPA void hs_test_twin_b(int depth)
{
	hs_test_chain(depth);
	__asm__ volatile("" ::: "memory");
}

/* The two traces agree beyond their first frame (each one's own call
 * site in hs_test_capture): same callers, same count. */
static void assert_same_trace(void)
{
	ck_assert_int_gt(n_fast, 3);
	ck_assert_int_eq(n_fast, n_slow);
	ck_assert_uint_ne(fast[0], slow[0]);
	for (int i = 1; i < n_fast; i++) {
		/* libunwind <= 1.6 gives raw return addresses, later ones minus one. */
		ck_assert_msg(fast[i] == slow[i] - 1 || fast[i] == slow[i],
			      "frame %d: fast %#lx, libunwind %#lx", i, (unsigned long)fast[i],
			      (unsigned long)slow[i]);
	}
}

static int by_chain(const void *a, const void *b)
{
	(void)a;
	(void)b;
	hs_test_chain(5);
	return 0;
}

static void setup(void)
{
	ck_assert_int_eq(hs_stackwalk_init(), 0);
}

START_TEST(own_chain)
{
	hs_test_chain(10);
	assert_same_trace();
}
END_TEST

START_TEST(through_qsort)
{
	int v[2] = { 2, 1 };

	qsort(v, 2, sizeof(v[0]), by_chain);
	assert_same_trace();
}
END_TEST

START_TEST(deep_recursion_and_limit)
{
	hs_test_chain(150);
	assert_same_trace();
	ck_assert_int_gt(n_fast, 150);
	fast_max = 20;
	hs_test_chain(150);
	fast_max = MAX;
	ck_assert_int_eq(n_fast, 20);
}
END_TEST

START_TEST(alloca_frames)
{
	hs_test_alloca(4, 100);
	assert_same_trace();
}
END_TEST

START_TEST(after_invalidate)
{
	hs_test_chain(4);
	hs_stackwalk_invalidate();
	hs_test_chain(4);
	assert_same_trace();
}
END_TEST

/* A stack of random shape: at each level an alloca of shape[depth] * 16
 * bytes (its CFA rule uses RBP) or a plain call.  Shapes that differ only
 * in a few levels put different frames at the same addresses. */
HS_TEST_NOIPA void hs_test_shape(const unsigned char *shape, int depth)
{
	if (depth == 0) {
		hs_test_capture();
	} else if (shape[depth] % 3 == 0) {
		hs_test_shape(shape, depth - 1);
	} else {
		volatile char *buf = alloca((size_t)shape[depth] * 16);
		buf[0] = 1;
		hs_test_shape(shape, depth - 1);
	}
	__asm__ volatile("" ::: "memory");
}

/* Which twin the trace passes through: the frame just above the last
 * hs_test_chain frame returns into one of them (each is a few bytes long,
 * so the nearer function start below the address names it). */
static int twin_frame(void)
{
	uintptr_t a = (uintptr_t)hs_test_twin_a, b = (uintptr_t)hs_test_twin_b;

	for (int i = 1; i < n_fast; i++) {
		int in_a = fast[i] >= a && fast[i] < a + 32 && (b <= a || fast[i] < b);
		int in_b = fast[i] >= b && fast[i] < b + 32 && (a <= b || fast[i] < a);
		if (in_a || in_b)
			return in_a ? 'a' : 'b';
	}
	return 0;
}

START_TEST(reuse_stops_where_stacks_differ)
{
	/* Same inner frames at the same addresses, different callers: each
	 * walk must name its own twin, however often they alternate. */
	for (int round = 0; round < 4; round++) {
		hs_test_twin_a(6);
		assert_same_trace();
		ck_assert_int_eq(twin_frame(), 'a');
		hs_test_twin_b(6);
		assert_same_trace();
		ck_assert_int_eq(twin_frame(), 'b');
	}
}
END_TEST

START_TEST(reuse_then_walk_further)
{
	/* A walk cut at 12 frames, then the same stack in full: the frames
	 * beyond the remembered ones are walked, not invented. */
	fast_max = 12;
	hs_test_chain(40);
	ck_assert_int_eq(n_fast, 12);
	fast_max = MAX;
	hs_test_chain(40);
	assert_same_trace();
	ck_assert_int_gt(n_fast, 40);
	/* And a shallower stack after a deep one. */
	hs_test_chain(2);
	assert_same_trace();
}
END_TEST

#if defined(__x86_64__)
/* A frame without a frame pointer that keeps RBP as a scratch register:
 * hs_test_rbp_scratch saves its caller's RBP below RBX (CFA - 24), zeroes
 * RBP and calls on with CFA = RSP + 32.  Its caller, hs_test_fp_frame,
 * finds its own CFA from RBP (and zeroes RBX, so no other saved word
 * passes for its RBP): the walk goes on through it only with the RBP read
 * from the right slot (RULE_RBP_SAVED). */
void hs_test_fp_frame(int depth);
void hs_test_rbp_scratch(int depth);
__asm__(".text\n"
	".globl hs_test_fp_frame\n"
	".type hs_test_fp_frame, @function\n"
	"hs_test_fp_frame:\n"
	".cfi_startproc\n"
	"\tpushq %rbp\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset %rbp, -16\n"
	"\tmovq %rsp, %rbp\n"
	".cfi_def_cfa_register %rbp\n"
	"\tpushq %rbx\n"
	".cfi_offset %rbx, -24\n"
	"\tsubq $8, %rsp\n"
	"\txorl %ebx, %ebx\n"
	"\tcall hs_test_rbp_scratch\n"
	"\tmovq -8(%rbp), %rbx\n"
	"\tleave\n"
	".cfi_def_cfa %rsp, 8\n"
	"\tret\n"
	".cfi_endproc\n"
	".size hs_test_fp_frame, .-hs_test_fp_frame\n"
	".globl hs_test_rbp_scratch\n"
	".type hs_test_rbp_scratch, @function\n"
	"hs_test_rbp_scratch:\n"
	".cfi_startproc\n"
	"\tpushq %rbx\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset %rbx, -16\n"
	"\tpushq %rbp\n"
	".cfi_def_cfa_offset 24\n"
	".cfi_offset %rbp, -24\n"
	"\tsubq $8, %rsp\n"
	".cfi_def_cfa_offset 32\n"
	"\txorl %ebp, %ebp\n"
	"\tcall hs_test_chain\n"
	"\taddq $8, %rsp\n"
	".cfi_def_cfa_offset 24\n"
	"\tpopq %rbp\n"
	".cfi_def_cfa_offset 16\n"
	"\tpopq %rbx\n"
	".cfi_def_cfa_offset 8\n"
	"\tret\n"
	".cfi_endproc\n"
	".size hs_test_rbp_scratch, .-hs_test_rbp_scratch\n");

START_TEST(rbp_saved_without_frame_pointer)
{
	/* Walked, then taken from the remembered walk (the second stack
	 * is deeper inside, the same from the scratch frame out). */
	hs_test_fp_frame(3);
	assert_same_trace();
	ck_assert_int_gt(n_fast, 8);
	hs_test_fp_frame(6);
	assert_same_trace();
	hs_test_fp_frame(6);
	assert_same_trace();
}
END_TEST
#endif

START_TEST(walk_capped_at_memo_size)
{
	/* Deeper than the walk remembers (320 frames): the walk stops there,
	 * twice in a row (the second one reusing the first), and each frame it
	 * gives is libunwind's. */
	for (int round = 0; round < 2; round++) {
		hs_test_chain(400);
		ck_assert_int_gt(n_slow, 400);
		ck_assert_int_eq(n_fast, 320);
		for (int i = 1; i < n_fast; i++)
			ck_assert(fast[i] == slow[i] - 1 || fast[i] == slow[i]);
	}
	/* Then a shallow stack: the scan of the remembered walk goes past
	 * its last frame to the end mark, and nothing is reused wrongly. */
	hs_test_chain(3);
	assert_same_trace();
}
END_TEST

START_TEST(reuse_random_shapes)
{
	/* Many stacks that share some levels and not others, in a row: each
	 * walk equals libunwind's. */
	unsigned seed = 12345;
	unsigned char shape[12];

	for (int round = 0; round < 3000; round++) {
		int depth = 1 + (int)(seed % 10);
		for (int i = 0; i < 12; i++) {
			seed = seed * 1103515245u + 12345u;
			if (round % 4 == 0 || i == 1 + (int)((seed >> 8) % 10))
				shape[i] = (unsigned char)(seed >> 16);
		}
		hs_test_shape(shape, depth);
		assert_same_trace();
	}
}
END_TEST

static void *thread_main(void *arg)
{
	(void)arg;
	hs_test_chain(7);
	return NULL;
}

START_TEST(other_thread)
{
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, thread_main, NULL), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	assert_same_trace();
}
END_TEST

static volatile sig_atomic_t alt_result;

static void on_signal(int sig)
{
	uintptr_t frames[MAX];

	(void)sig;
	alt_result = hs_stackwalk(frames, MAX);
}

START_TEST(alternate_signal_stack_gives_up)
{
	static char alt[64 * 1024];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 };
	struct sigaction sa;

	ck_assert_int_eq(sigaltstack(&ss, NULL), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	alt_result = 0;
	raise(SIGUSR1);
	ck_assert_int_eq(alt_result, -1);
}
END_TEST

/* Whether this thread's bounds (stackbounds.c) hold the stack pointer
 * and lie inside glibc's (for the main thread glibc stops at the page
 * above __libc_stack_end and we at the mapping's end, above argv and the
 * environment: its top byte, the kernel's final null pointer, is read). */
static int bounds_inside_glibcs(int main_thread)
{
	pthread_attr_t attr;
	void *g_lo;
	size_t g_size;
	uintptr_t lo, hi, sp = (uintptr_t)__builtin_frame_address(0);

	if (hs_stackbounds_find(sp, &lo, &hi) != 0)
		return 0;
	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return 0;
	pthread_attr_getstack(&attr, &g_lo, &g_size);
	pthread_attr_destroy(&attr);
	if (main_thread)
		return lo <= sp && sp < hi && *(volatile const char *)(hi - 1) == 0;
	return lo <= sp && sp < hi && lo >= (uintptr_t)g_lo && hi <= (uintptr_t)g_lo + g_size;
}

static void *bounds_thread(void *arg)
{
	*(int *)arg = bounds_inside_glibcs(0);
	return NULL;
}

START_TEST(bounds_without_glibc)
{
	pthread_t t;
	int ok = 0;

	ck_assert(bounds_inside_glibcs(1));
	ck_assert_int_eq(pthread_create(&t, NULL, bounds_thread, &ok), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert(ok);
}
END_TEST

/* A thread whose first walk is on a signal stack: no bounds there, then
 * its own stack's on its next walk, and the fast walk works. */
static void *altstack_first_thread(void *arg)
{
	static char alt[64 * 1024];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 };
	stack_t before;
	uintptr_t frames[MAX];

	if (sigaltstack(&ss, &before) != 0)
		return NULL;
	alt_result = 0;
	raise(SIGUSR1);
	*(int *)arg = alt_result == -1 && hs_stackwalk(frames, MAX) > 0;
	/* Put back the thread's own (ASan's, in the sanitizer build: it
	 * unmaps whatever alternate stack the thread has at its exit). */
	sigaltstack(&before, NULL);
	return NULL;
}

START_TEST(first_walk_on_signal_stack)
{
	struct sigaction sa;
	pthread_t t;
	int ok = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, altstack_first_thread, &ok), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert(ok);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rec_stackwalk");
	TCase *tc = tcase_create("stackwalk");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, own_chain);
	tcase_add_test(tc, through_qsort);
	tcase_add_test(tc, deep_recursion_and_limit);
	tcase_add_test(tc, alloca_frames);
	tcase_add_test(tc, after_invalidate);
	tcase_add_test(tc, reuse_stops_where_stacks_differ);
	tcase_add_test(tc, reuse_then_walk_further);
	tcase_add_test(tc, walk_capped_at_memo_size);
#if defined(__x86_64__)
	tcase_add_test(tc, rbp_saved_without_frame_pointer);
#endif
	tcase_add_test(tc, reuse_random_shapes);
	tcase_add_test(tc, other_thread);
	tcase_add_test(tc, alternate_signal_stack_gives_up);
	tcase_add_test(tc, bounds_without_glibc);
	tcase_add_test(tc, first_walk_on_signal_stack);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
