/* test_rec_life: the recorder's life cycle and robustness: giving up when
 * memory runs out (the file stays valid and says why), failed reallocs,
 * unknown pointers, malloc(0), finishing twice, the ms clock, and many
 * threads at once. */
#include <check.h>

#include "hs_check.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "clock.h"
#include "recorder.h"
#include "test_rec_support.h"
#include "threadlog.h"

#define N(a) (unsigned)(sizeof(a) / sizeof *(a))

static const struct fake_sym syms[] = {
	{ 0x401000, "main", "t.c", 10, "/bin/t" },
	{ 0x402000, "f", "t.c", 20, "/bin/t" },
	{ 0, NULL, NULL, 0, NULL },
};
static const uintptr_t st_main[] = { 0x401000 };
static const uintptr_t st_f[] = { 0x402000, 0x401000 };

static struct hs_options opts;

static void setup(void)
{
	test_options(&opts);
	opts.final_snapshot = true; /* these tests look at the state at exit */
}

static void *ptr(unsigned i)
{
	return (void *)(uintptr_t)(0x30000000u + 32u * i);
}

static const char *finish(void)
{
	struct hs_symbolizer sym = fake_symbolizer(syms);
	return finish_to_text("./t", &sym);
}

/* If MS_PRINT is set (make check sets it), ms_print must accept file. */
static void assert_ms_print_accepts(const char *file)
{
	const char *ms_print = getenv("MS_PRINT");
	if (ms_print == NULL || ms_print[0] == '\0')
		return;
	char path[] = "/tmp/hs-core-test-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, file, strlen(file)), (ssize_t)strlen(file));
	close(fd);
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "'%s' '%s' >/dev/null 2>&1", ms_print, path);
	int rc = system(cmd);
	unlink(path);
	ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "ms_print rejected:\n%s", file);
}

static void exhaust_memory(void)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 100, st_main, N(st_main));
	hs_rec_alloc(ptr(1), 200, st_f, N(st_f));
	/* Room for nothing more: the next new context or table growth fails. */
	hs_arena_set_limit(hs_arena_mapped_bytes());
	unsigned i;
	for (i = 2; i < 100000 && hs_rec_active(); i++) {
		uintptr_t st[] = { 0x500000 + i, 0x401000 };
		hs_rec_alloc(ptr(i), 10, st, N(st));
	}
	ck_assert_uint_lt(i, 100000);
	hs_arena_set_limit(0);
}

/* Out of memory: recording stops with one line on stderr, the program
 * goes on, the file is still valid and its desc: line says why. */
START_TEST(give_up_when_memory_runs_out)
{
	strcpy(opts.desc, " --time-unit=B");
	const char *said = stderr_of(exhaust_memory);
	ck_assert_str_eq(said, "heapsnap: out of memory, recording stopped\n");
	ck_assert_int_eq(hs_rec_active(), 0);
	/* Later calls are ignored without harm. */
	hs_rec_alloc(ptr(999999), 5, st_main, 1);
	hs_rec_free(ptr(0));
	ck_assert_uint_eq(hs_rec_realloc_begin(ptr(1)), 0);
	const char *got = finish();
	ck_assert_ptr_eq(
		strstr(got,
		       "desc: --time-unit=B (heapsnap: recording stopped early: out of memory)\n"),
		got);
	ck_assert_ptr_nonnull(strstr(got, "\ntime_unit: B\n"));
	assert_ms_print_accepts(got);
}
END_TEST

static const char *finished_text;

static void finish_into_text(void)
{
	finished_text = finish();
}

static void finish_without_memory(void)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	for (unsigned i = 0; i < 12; i++)
		hs_rec_alloc(ptr(i), 100, i % 2 ? st_main : st_f, i % 2 ? N(st_main) : N(st_f));
	hs_arena_set_limit(hs_arena_mapped_bytes());
}

/* No memory left at exit: no final snapshot, no trees, but a valid file
 * whose desc: line says both. */
START_TEST(write_without_memory)
{
	strcpy(opts.desc, " --time-unit=B");
	ck_assert_str_eq(stderr_of(finish_without_memory), "");
	/* The final snapshot is what runs out. */
	ck_assert_str_eq(stderr_of(finish_into_text),
			 "heapsnap: out of memory, recording stopped\n");
	hs_arena_set_limit(0);
	const char *got = finished_text;
	ck_assert_ptr_eq(
		strstr(got, "desc: --time-unit=B (heapsnap: recording stopped early: out of memory)"
			    " (heapsnap: out of memory while writing: trees left out)\n"),
		got);
	ck_assert_uint_eq(count_snapshots(got), 13);
	ck_assert_ptr_null(strstr(got, "heap_tree=detailed"));
	ck_assert_ptr_nonnull(
		strstr(snapshot_text(got, 9),
		       "mem_heap_B=900\nmem_heap_extra_B=180\nmem_stacks_B=0\nheap_tree=empty\n"));
	assert_ms_print_accepts(got);
}
END_TEST

/* hs_rec_give_up from the shell: no final snapshot, the reason in desc:. */
static void record_then_give_up(void)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 100, st_main, N(st_main));
	hs_rec_give_up("unwinding failed");
	hs_rec_give_up("said once only");
}

START_TEST(give_up_by_request)
{
	ck_assert_str_eq(stderr_of(record_then_give_up),
			 "heapsnap: unwinding failed, recording stopped\n");
	ck_assert_int_eq(hs_rec_active(), 0);
	const char *got = finish();
	ck_assert_ptr_eq(
		strstr(got, "desc: (none) (heapsnap: recording stopped early: unwinding failed)\n"),
		got);
	ck_assert_uint_eq(count_snapshots(got), 2);
	assert_ms_print_accepts(got);
}
END_TEST

/* A failed realloc puts the block back unchanged; unknown pointers are
 * ignored and take no snapshot. */
START_TEST(failed_realloc_and_unknown_pointers)
{
	opts.detailed_freq = 1;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 100, st_main, N(st_main));
	uint64_t h = hs_rec_realloc_begin(ptr(0));
	ck_assert_uint_ne(h, 0);
	hs_rec_realloc_end(h, NULL, 1u << 30, st_f, N(st_f));
	hs_rec_free(ptr(77)); /* never allocated */
	ck_assert_uint_eq(hs_rec_realloc_begin(ptr(78)), 0);
	hs_rec_realloc_end(0, ptr(79), 10, st_f, N(st_f)); /* ignored handle */
	hs_rec_free(ptr(0));                               /* found again: freed */
	const char *got = finish();
	/* 0 start, 1 alloc, 2 peak, 3 free, 4 final. */
	ck_assert_uint_eq(count_snapshots(got), 5);
	ck_assert_ptr_nonnull(strstr(
		snapshot_text(got, 2),
		"time=120\nmem_heap_B=100\nmem_heap_extra_B=20\nmem_stacks_B=0\nheap_tree=peak\n"));
	ck_assert_ptr_nonnull(
		strstr(snapshot_text(got, 3), "time=240\nmem_heap_B=0\nmem_heap_extra_B=0\n"));
	/* The failed realloc made no context for its call site. */
	ck_assert_ptr_nonnull(
		strstr(snapshot_text(got, 3),
		       "n1: 0 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
		       " n0: 0 in 1 place, below massif's threshold (1.00%)\n"));
}
END_TEST

/* malloc(0) is a block: admin counted, a context, a snapshot (format-massif.md §7). */
START_TEST(zero_byte_block)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 0, st_main, N(st_main));
	hs_rec_free(ptr(0));
	const char *got = finish();
	ck_assert_uint_eq(count_snapshots(got), 5);
	ck_assert_ptr_nonnull(
		strstr(snapshot_text(got, 1), "time=8\nmem_heap_B=0\nmem_heap_extra_B=8\n"));
	ck_assert_ptr_nonnull(strstr(
		snapshot_text(got, 2),
		"time=8\nmem_heap_B=0\nmem_heap_extra_B=8\nmem_stacks_B=0\nheap_tree=peak\n"));
	ck_assert_ptr_nonnull(
		strstr(snapshot_text(got, 3), "time=16\nmem_heap_B=0\nmem_heap_extra_B=0\n"));
	ck_assert_ptr_nonnull(strstr(snapshot_text(got, 4),
				     " n0: 0 in 1 place, below massif's threshold (1.00%)\n"));
}
END_TEST

/* The same address twice without a free we saw: the old block is
 * forgotten, not counted twice. */
START_TEST(address_reused_without_free)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 100, st_main, N(st_main));
	hs_rec_alloc(ptr(0), 48, st_f, N(st_f));
	const char *got = finish();
	const char *last = snapshot_text(got, count_snapshots(got) - 1);
	ck_assert_ptr_nonnull(strstr(last, "mem_heap_B=48\nmem_heap_extra_B=8\n"));
}
END_TEST

/* Exact mode's blocks kept out of the table (their size and tag id in a
 * tag the layer above keeps): a context gets a tag id once it has made 32
 * blocks, while ids last; the file is the same as through the table, and
 * such a block is really out of it until adopted for a realloc. */
START_TEST(untabled_blocks_as_tabled)
{
	char *files[2];
	for (int untabled = 0; untabled < 2; untabled++) {
		test_options(&opts);
		opts.final_snapshot = true;
		opts.detailed_freq = 1;
		ck_assert_int_eq(test_rec_init(&opts), 0);
		uint32_t t_main = 0, t_f = 0;
		for (unsigned i = 0; i < 33; i++) {
			if (!untabled) {
				hs_rec_alloc(ptr(10 + i), 100, st_main, N(st_main));
				hs_rec_alloc(ptr(50 + i), 40, st_f, N(st_f));
				continue;
			}
			/* One tag id to give: main's 33rd block gets it. */
			t_main = hs_rec_alloc_untabled(ptr(10 + i), 100, st_main, N(st_main), 1);
			t_f = hs_rec_alloc_untabled(ptr(50 + i), 40, st_f, N(st_f), 1);
			ck_assert_uint_eq(t_main, i == 32 ? 1 : 0);
			ck_assert_uint_eq(t_f, 0);
		}
		uint64_t h;
		if (untabled) {
			ck_assert_uint_eq(hs_rec_realloc_begin(ptr(42)), 0); /* not in the table */
			hs_rec_adopt(ptr(42), 100, t_main);
		}
		h = hs_rec_realloc_begin(ptr(42));
		ck_assert_uint_ne(h, 0);
		hs_rec_realloc_end(h, ptr(3), 300, st_f, N(st_f));
		for (unsigned i = 0; i < 32; i++)
			hs_rec_free(ptr(10 + i));
		hs_rec_free(ptr(82)); /* st_f's 33rd: in the table */
		files[untabled] = strdup(finish());
	}
	ck_assert_str_eq(files[1], files[0]);
	const char *last = snapshot_text(files[0], count_snapshots(files[0]) - 1);
	ck_assert_ptr_nonnull(strstr(last, "mem_heap_B=1580\n")); /* 300 + 32 x 40 */
	free(files[0]);
	free(files[1]);
}
END_TEST

/* A free whose tag was overwritten names a context that holds fewer bytes
 * than it says, or a tag id never given: left out, not taken off the
 * totals. */
START_TEST(untabled_free_beyond_its_context)
{
	opts.detailed_freq = 1;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	uint32_t t = 0;
	for (unsigned i = 0; i < 33; i++)
		t = hs_rec_alloc_untabled(ptr(i), 100, st_main, N(st_main), 10);
	ck_assert_uint_eq(t, 1);
	hs_rec_free_untabled(5000, t); /* more than main holds */
	hs_rec_free_untabled(10, 2);   /* never given */
	hs_rec_free_untabled(100, t);  /* the last block: counted */
	const char *got = finish();
	const char *last = snapshot_text(got, count_snapshots(got) - 1);
	ck_assert_ptr_nonnull(strstr(last, "mem_heap_B=3200\nmem_heap_extra_B=640\n"));
}
END_TEST

START_TEST(finish_errors)
{
	char err[128];
	int fd = memfd_create("x", 0);
	struct hs_symbolizer sym = fake_symbolizer(syms);
	ck_assert_int_eq(hs_rec_finish(fd, "./t", &sym, err, sizeof err), -1);
	ck_assert_str_eq(err, "the recorder was never started");
	ck_assert_int_eq(test_rec_init(&opts), 0);
	ck_assert_int_eq(hs_rec_finish(fd, "./t", &sym, err, sizeof err), 0);
	ck_assert_int_eq(hs_rec_active(), 0);
	ck_assert_int_eq(hs_rec_finish(fd, "./t", &sym, err, sizeof err), -1);
	ck_assert_str_eq(err, "the Massif file was already written");
	/* A closed descriptor: the write error is reported. */
	ck_assert_int_eq(test_rec_init(&opts), 0);
	close(fd);
	ck_assert_int_eq(hs_rec_finish(fd, "./t", &sym, err, sizeof err), -1);
	ck_assert_str_eq(err, "cannot write the Massif file: Bad file descriptor");
}
END_TEST

/* The ms unit: the first snapshot at 0, times never decreasing. */
START_TEST(ms_clock)
{
	opts.time_unit = HS_TIME_MS;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	for (unsigned i = 0; i < 5; i++)
		hs_rec_alloc(ptr(i), 10, st_main, N(st_main));
	const char *got = finish();
	ck_assert_ptr_nonnull(strstr(got, "\ntime_unit: ms\n"));
	ck_assert_ptr_nonnull(strstr(snapshot_text(got, 0), "time=0\n"));
	long prev = 0;
	for (unsigned i = 0; i < count_snapshots(got); i++) {
		const char *t = strstr(snapshot_text(got, i), "time=");
		long now = strtol(t + 5, NULL, 10);
		ck_assert_int_ge(now, prev);
		prev = now;
	}
}
END_TEST

enum { N_THREADS = 4, PER_THREAD = 20000 };

static void *hammer(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg;
	uintptr_t st[] = { 0x402000 + t, 0x401000 };
	for (unsigned i = 0; i < PER_THREAD; i++) {
		void *p = ptr(1000000 * (t + 1) + i);
		hs_rec_alloc(p, 16, st, N(st));
		if (i % 2 == 0) {
			hs_rec_free(p);
		} else if (i % 3 == 0) {
			uint64_t h = hs_rec_realloc_begin(p);
			hs_rec_realloc_end(h, p, 32, st, N(st));
		}
	}
	return NULL;
}

/* Threads at once: the totals come out exact. */
START_TEST(threads_exact_totals)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	pthread_t th[N_THREADS];
	for (unsigned t = 0; t < N_THREADS; t++)
		pthread_create(&th[t], NULL, hammer, (void *)(uintptr_t)t);
	for (unsigned t = 0; t < N_THREADS; t++)
		pthread_join(th[t], NULL);
	const char *got = finish();
	/* Per thread: 10000 odd i live; 3334 of them (i % 6 == 3) grew to 32. */
	unsigned grown = 0;
	for (unsigned i = 1; i < PER_THREAD; i += 2)
		grown += i % 3 == 0;
	uint64_t heap = (uint64_t)N_THREADS * ((PER_THREAD / 2 - grown) * 16 + grown * 32);
	uint64_t extra = (uint64_t)N_THREADS * (PER_THREAD / 2) * 8;
	char want[128];
	snprintf(want, sizeof want, "mem_heap_B=%lu\nmem_heap_extra_B=%lu\n", (unsigned long)heap,
		 (unsigned long)extra);
	ck_assert_ptr_nonnull(strstr(snapshot_text(got, count_snapshots(got) - 1), want));
}
END_TEST

/* Blocks handed between threads: producers allocate (logged once their
 * stack is cached), consumers free through their logs, often before the
 * producer's log is applied; every free must find its block, every block
 * go back exactly once, and the totals come out exact. */
enum { HAND_PAIRS = 2, HAND_BLOCKS = 30000, HAND_RING = 64 };

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uintptr_t ring[HAND_RING];
	unsigned put, got;
} hand[HAND_PAIRS];
static _Atomic unsigned char released_times[HAND_PAIRS * HAND_BLOCKS];
static _Atomic unsigned n_released;
static _Atomic unsigned n_unknown_released;

#define UNKNOWN_BASE 0x90000000u

static uintptr_t hand_ptr(unsigned pair, unsigned i)
{
	return 0x10000000u + ((uintptr_t)pair * HAND_BLOCKS + i) * 64;
}

static void count_release(void *p)
{
	if ((uintptr_t)p >= UNKNOWN_BASE) {
		atomic_fetch_add(&n_unknown_released, 1);
		return;
	}
	uintptr_t k = ((uintptr_t)p - 0x10000000u) / 64;
	ck_assert_uint_lt(k, HAND_PAIRS * HAND_BLOCKS);
	atomic_fetch_add(&released_times[k], 1);
	atomic_fetch_add(&n_released, 1);
}

static void *producer(void *arg)
{
	unsigned pair = (unsigned)(uintptr_t)arg;
	uintptr_t st[] = { 0x402000, 0x401000 };
	for (unsigned i = 0; i < HAND_BLOCKS; i++) {
		hs_rec_alloc((void *)hand_ptr(pair, i), 100 + i % 7, st, N(st));
		pthread_mutex_lock(&hand[pair].lock);
		while (hand[pair].put - hand[pair].got == HAND_RING)
			pthread_cond_wait(&hand[pair].cond, &hand[pair].lock);
		hand[pair].ring[hand[pair].put++ % HAND_RING] = hand_ptr(pair, i);
		pthread_cond_broadcast(&hand[pair].cond);
		pthread_mutex_unlock(&hand[pair].lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	unsigned pair = (unsigned)(uintptr_t)arg;
	for (unsigned i = 0; i < HAND_BLOCKS; i++) {
		pthread_mutex_lock(&hand[pair].lock);
		while (hand[pair].put == hand[pair].got)
			pthread_cond_wait(&hand[pair].cond, &hand[pair].lock);
		uintptr_t p = hand[pair].ring[hand[pair].got++ % HAND_RING];
		pthread_cond_broadcast(&hand[pair].cond);
		pthread_mutex_unlock(&hand[pair].lock);
		if (i % 10 == 9)
			continue; /* kept: live at the end */
		if (!hs_rec_free_logged((void *)p, 32))
			count_release((void *)p);
	}
	/* A free of a block never recorded is dropped, and nothing waits on it. */
	if (!hs_rec_free_logged((void *)(uintptr_t)(UNKNOWN_BASE + 64 * pair), 32))
		count_release((void *)(uintptr_t)(UNKNOWN_BASE + 64 * pair));
	return NULL;
}

START_TEST(blocks_handed_between_threads)
{
	hs_rec_set_hooks(count_release, NULL);
	ck_assert_int_eq(test_rec_init(&opts), 0);
	pthread_t th[2 * HAND_PAIRS];
	for (unsigned k = 0; k < HAND_PAIRS; k++) {
		pthread_mutex_init(&hand[k].lock, NULL);
		pthread_cond_init(&hand[k].cond, NULL);
		pthread_create(&th[2 * k], NULL, producer, (void *)(uintptr_t)k);
		pthread_create(&th[2 * k + 1], NULL, consumer, (void *)(uintptr_t)k);
	}
	for (unsigned t = 0; t < 2 * HAND_PAIRS; t++)
		pthread_join(th[t], NULL);
	const char *got = finish();
	hs_rec_set_hooks(NULL, NULL);
	/* Every freed block back once, the unknown ones too. */
	ck_assert_uint_eq(n_unknown_released, HAND_PAIRS);
	unsigned kept = 0;
	uint64_t heap = 0;
	for (unsigned k = 0; k < HAND_PAIRS; k++) {
		for (unsigned i = 0; i < HAND_BLOCKS; i++) {
			unsigned times = released_times[k * HAND_BLOCKS + i];
			ck_assert_uint_eq(times, i % 10 == 9 ? 0 : 1);
			if (i % 10 == 9) {
				kept++;
				heap += 100 + i % 7;
			}
		}
	}
	ck_assert_uint_eq(n_released, HAND_PAIRS * HAND_BLOCKS - kept);
	char want[128];
	snprintf(want, sizeof want, "mem_heap_B=%lu\n", (unsigned long)heap);
	ck_assert_ptr_nonnull(strstr(snapshot_text(got, count_snapshots(got) - 1), want));
}
END_TEST

/* A log counts as full once it holds HS_TLOG_BYTES (threadlog.h): the
 * blocks of a thread that frees big blocks and then sleeps go back to
 * malloc within that budget, not after HS_TLOG_EVENTS events. */
static _Atomic unsigned n_budget_released;

static void count_budget_release(void *p)
{
	(void)p;
	atomic_fetch_add(&n_budget_released, 1);
}

static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static int idle_done;

static void *idle_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&idle_lock);
	while (!idle_done)
		pthread_cond_wait(&idle_cond, &idle_lock);
	pthread_mutex_unlock(&idle_lock);
	return NULL;
}

START_TEST(log_holds_at_most_its_bytes)
{
	pthread_t idle; /* the process has threads: frees are logged */
	idle_done = 0;
	ck_assert_int_eq(pthread_create(&idle, NULL, idle_thread, NULL), 0);
	hs_rec_set_hooks(count_budget_release, NULL);
	ck_assert_int_eq(test_rec_init(&opts), 0);
	/* The first block's stack takes the lock (no cached context yet);
	 * the next ones are logged, 100 bytes each. */
	for (unsigned i = 0; i < 4; i++)
		hs_rec_alloc(ptr(i), 100, st_f, N(st_f));
	const size_t chunk = HS_TLOG_BYTES * 3 / 10; /* 4 of them pass the budget */
	for (unsigned i = 0; i < 3; i++)
		ck_assert_int_eq(hs_rec_free_logged(ptr(i), chunk), 1);
	ck_assert_uint_eq(n_budget_released, 0); /* 6 events, 90% of the bytes: kept */
	ck_assert_int_eq(hs_rec_free_logged(ptr(3), chunk), 1);
	ck_assert_uint_eq(n_budget_released, 4); /* full: applied and every block back */
	const char *got = finish();
	hs_rec_set_hooks(NULL, NULL);
	ck_assert_ptr_nonnull(strstr(snapshot_text(got, count_snapshots(got) - 1),
				     "mem_heap_B=0\n"));
	pthread_mutex_lock(&idle_lock);
	idle_done = 1;
	pthread_cond_signal(&idle_cond);
	pthread_mutex_unlock(&idle_lock);
	pthread_join(idle, NULL);
}
END_TEST

/* --time-unit=i: refused where there is no instruction counter (this
 * machine), else recorded in instructions. */
START_TEST(instructions_unit)
{
	opts.time_unit = HS_TIME_INSTRUCTIONS;
	if (!hs_clock_instructions_available()) {
		ck_assert_int_eq(test_rec_init(&opts), -1);
		ck_assert_int_eq(hs_rec_active(), 0);
		opts.time_unit = HS_TIME_BYTES; /* a failed start leaves no trace */
		ck_assert_int_eq(test_rec_init(&opts), 0);
		ck_assert_ptr_nonnull(strstr(finish(), "\ntime_unit: B\n"));
		return;
	}
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 10, st_main, N(st_main));
	const char *got = finish();
	ck_assert_ptr_nonnull(strstr(got, "\ntime_unit: i\n"));
	ck_assert_ptr_nonnull(strstr(snapshot_text(got, 0), "time=0\n"));
}
END_TEST

/* fork: the child goes on recording its own heap and writes its own
 * file; the parent's is untouched by the child's allocations. */
START_TEST(fork_child_records_its_own)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 1000, st_main, N(st_main));
	hs_rec_atfork_prepare();
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		hs_rec_atfork_child();
		test_rec_reopen(); /* as the preload layer does: a record of its own */
		hs_rec_alloc(ptr(1), 2000, st_f, N(st_f));
		const char *got = finish();
		const char *last = snapshot_text(got, count_snapshots(got) - 1);
		_exit(strstr(last, "mem_heap_B=3000\nmem_heap_extra_B=24\n") != NULL ? 0 : 1);
	}
	hs_rec_atfork_parent();
	hs_rec_alloc(ptr(2), 48, st_f, N(st_f));
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child's file is wrong");
	const char *got = finish();
	const char *last = snapshot_text(got, count_snapshots(got) - 1);
	ck_assert_ptr_nonnull(strstr(last, "mem_heap_B=1048\nmem_heap_extra_B=24\n"));
}
END_TEST

static Suite *life_suite(void)
{
	Suite *s = suite_create("recorder life cycle");
	TCase *tc = tcase_create("life");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, give_up_when_memory_runs_out);
	tcase_add_test(tc, give_up_by_request);
	tcase_add_test(tc, write_without_memory);
	tcase_add_test(tc, failed_realloc_and_unknown_pointers);
	tcase_add_test(tc, zero_byte_block);
	tcase_add_test(tc, address_reused_without_free);
	tcase_add_test(tc, untabled_blocks_as_tabled);
	tcase_add_test(tc, untabled_free_beyond_its_context);
	tcase_add_test(tc, finish_errors);
	tcase_add_test(tc, ms_clock);
	tcase_add_test(tc, threads_exact_totals);
	tcase_add_test(tc, blocks_handed_between_threads);
	tcase_add_test(tc, log_holds_at_most_its_bytes);
	tcase_add_test(tc, instructions_unit);
	tcase_add_test(tc, fork_child_records_its_own);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hs_check_run(life_suite());
}
