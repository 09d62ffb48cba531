/* test_rec_journal: the raw record (src/core/journal.c) written by the
 * recorder and read back by the resolver (src/resolve/rawread.c): the
 * table rebuilt exactly after culls and peak demotions, every cut point
 * of a small record, garbage, a full disk, the resolve driver's files. */
#include <check.h>

#include "hs_check.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef UNDER_ASAN
#include <sanitizer/lsan_interface.h>
#endif

#include "callsites.h"
#include "journal.h"
#include "rawread.h"
#include "recorder.h"
#include "resolve.h"
#include "test_rec_support.h"

#define N(a) (unsigned)(sizeof(a) / sizeof *(a))

static const uintptr_t st_main[] = { 0x401000 };
static const uintptr_t st_f[] = { 0x402000, 0x401000 };
static const uintptr_t st_g[] = { 0x403000, 0x402000, 0x401000 };

static const struct fake_sym syms[] = {
	{ 0x401000, "main", "t.c", 10, "/bin/t" },
	{ 0x402000, "f", "t.c", 20, "/bin/t" },
	{ 0x403000, "g", "t.c", 30, "/bin/t" },
	{ 0, NULL, NULL, 0, NULL },
};

static struct hs_options opts;

static void setup(void)
{
	test_options(&opts);
}

static void *ptr(unsigned i)
{
	return (void *)(uintptr_t)(0x40000000u + 64u * i);
}

/* The raw record so far, read back; fails the test on error. */
static void read_raw(struct hs_raw *raw)
{
	char err[512] = "";
	ck_assert_msg(hs_raw_read_fd(test_raw_fd(), "raw", raw, err, sizeof err) == 0, "%s", err);
}

/* The whole raw record's bytes, into a static buffer. */
static size_t raw_bytes(int fd, char **out)
{
	static char buf[1 << 20];
	ssize_t n = pread(fd, buf, sizeof buf, 0);
	ck_assert(n > 0 && (size_t)n < sizeof buf);
	*out = buf;
	return (size_t)n;
}

/* The one-line error reading the len bytes at bytes as "r.raw" gives
 * (the read must fail). */
static const char *refusal(const char *bytes, size_t len)
{
	static char err[512];
	struct hs_raw raw;
	int fd = test_memfile(bytes, len);
	err[0] = '\0';
	ck_assert_int_eq(hs_raw_read_fd(fd, "r.raw", &raw, err, sizeof err), -1);
	close(fd);
	return err;
}

/* A new file at path holding len bytes of data. */
static void write_new_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Contexts come back with their ids and frames; the table with every
 * field the writer uses. */
START_TEST(round_trip)
{
	opts.detailed_freq = 2;
	strcpy(opts.desc, " --detailed-freq=2");
	strcpy(opts.alloc_fns[0], "xmalloc");
	opts.n_alloc_fns = 1;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 100, st_main, N(st_main));
	hs_rec_alloc(ptr(1), 200, st_f, N(st_f));
	hs_rec_alloc(ptr(2), 300, st_g, N(st_g));
	hs_rec_free(ptr(1));
	const char text[] = "00400000-00401000 r-xp 00000000 08:01 1 /bin/t\n";
	hs_rec_journal_maps(text, sizeof text - 1);
	hs_rec_journal_unloaded(0x7000, 0x9000, "/lib/libx.so");
	ck_assert_int_eq(hs_rec_end("signal 15 (SIGTERM)"), 0);
	ck_assert_int_eq(hs_rec_end("exit"), -1); /* once */

	struct hs_raw raw;
	read_raw(&raw);
	ck_assert_uint_eq(raw.pid, (uint32_t)getpid());
	ck_assert_uint_eq(raw.opts.detailed_freq, 2);
	ck_assert_uint_eq(raw.opts.time_unit, HS_TIME_BYTES);
	ck_assert_str_eq(raw.opts.desc, " --detailed-freq=2");
	ck_assert_uint_eq(raw.opts.n_alloc_fns, 1);
	ck_assert_str_eq(raw.opts.alloc_fns[0], "xmalloc");
	ck_assert_uint_eq(raw.ctxs.n, 3);
	ck_assert_uint_eq(hs_contexts_get(&raw.ctxs, 2)->n_frames, 3);
	ck_assert_uint_eq(hs_contexts_get(&raw.ctxs, 2)->frames[0], 0x403000);
	ck_assert_uint_eq(hs_contexts_get(&raw.ctxs, 1)->frames[1], 0x401000);
	/* start, 3 allocs, the peak before the free, the free. */
	ck_assert_uint_eq(raw.n_snapshots, 6);
	ck_assert_int_eq(raw.snapshots[4].kind, HS_SNAP_PEAK);
	ck_assert_uint_eq(raw.snapshots[4].heap_bytes, 600);
	ck_assert_uint_eq(raw.snapshots[4].n_contexts, 3);
	ck_assert_uint_eq(raw.snapshots[4].n_entries, 3);
	ck_assert_uint_eq(raw.snapshots[4].entries[1].bytes, 200);
	ck_assert_uint_eq(raw.snapshots[5].heap_bytes, 400);
	ck_assert_int_eq(raw.snapshots[5].detailed, 0); /* the peak reset the count */
	ck_assert_uint_eq(raw.snapshots[5].n_entries, 0);
	ck_assert_int_eq(raw.snapshots[3].detailed, 1);
	ck_assert_uint_eq(raw.snapshots[3].n_entries, 3);
	ck_assert_uint_eq(raw.snapshots[3].entries[2].ctx, 2);
	ck_assert_uint_eq(raw.n_maps, 1);
	ck_assert_uint_eq(raw.maps[0].len, sizeof text - 1);
	ck_assert_int_eq(memcmp(raw.maps[0].text, text, sizeof text - 1), 0);
	ck_assert_uint_eq(raw.n_unloaded, 1);
	ck_assert_str_eq(raw.unloaded[0].path, "/lib/libx.so");
	ck_assert_uint_eq(raw.unloaded[0].end, 0x9000);
	ck_assert_int_eq(raw.has_end, 1);
	ck_assert_str_eq(raw.how, "signal 15 (SIGTERM)");
	ck_assert_ptr_null(raw.stop_reason);
	ck_assert_int_eq(raw.truncated, 0);

	/* How it ended goes into desc:. */
	struct hs_symbolizer sym = fake_symbolizer(syms);
	int out = memfd_create("out", 0);
	char err[256];
	ck_assert_int_eq(hs_resolve_write(&raw, out, NULL, &sym, err, sizeof err), 0);
	char head[128] = "";
	ck_assert_int_gt(pread(out, head, sizeof head - 1, 0), 0);
	ck_assert_ptr_eq(strstr(head, "desc: --detailed-freq=2 (heapsnap: program killed by "
				      "signal 15 (SIGTERM))\n"),
			 head);
	close(out);
	hs_raw_free(&raw);
}
END_TEST

/* A record read mid-run has no end yet; the core adds no maps of its own. */
START_TEST(maps_only_when_given)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_journal_maps("a", 1);
	struct hs_raw raw;
	read_raw(&raw);
	ck_assert_uint_eq(raw.n_maps, 1);
	ck_assert_int_eq(raw.has_end, 0);
	hs_raw_free(&raw);
}
END_TEST

/* Culling (spec 2.5) changes the table in place: the record's table
 * records make the reader drop exactly the snapshots the process dropped. */
START_TEST(culling_rebuilt_exactly)
{
	opts.max_snapshots = 10;
	opts.detailed_freq = 3;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	for (unsigned i = 0; i < 300; i++) {
		hs_rec_alloc(ptr(i), 16 + i % 7, i % 2 ? st_f : st_g, i % 2 ? 2 : 3);
		if (i % 50 == 49)
			hs_rec_free(ptr(i));
	}
	/* Mid-run, no end: what a SIGKILL would leave. */
	struct hs_raw mid;
	read_raw(&mid);
	ck_assert_int_eq(mid.has_end, 0);
	ck_assert_uint_lt(mid.n_snapshots, 10);
	/* Many more were taken than are held: culls happened. */
	ck_assert_uint_gt(mid.snapshots[mid.n_snapshots - 1].seq, 20);
	for (unsigned i = 1; i < mid.n_snapshots; i++)
		ck_assert_uint_gt(mid.snapshots[i].seq, mid.snapshots[i - 1].seq);

	/* Ended: the file from the record equals the one from the same run
	 * replayed with the record read at the very end. */
	struct hs_symbolizer sym = fake_symbolizer(syms);
	static char first[1 << 16];
	const char *got = finish_to_text("./t", &sym);
	ck_assert_uint_lt(strlen(got), sizeof first);
	strcpy(first, got);
	ck_assert_uint_eq(count_snapshots(first), mid.n_snapshots);
	for (unsigned i = 0; i < mid.n_snapshots; i++) {
		char want[128];
		snprintf(want, sizeof want, "time=%lld\nmem_heap_B=%llu\n",
			 (long long)mid.snapshots[i].time,
			 (unsigned long long)mid.snapshots[i].heap_bytes);
		ck_assert_ptr_nonnull(strstr(snapshot_text(first, i), want));
	}
	hs_raw_free(&mid);
}
END_TEST

/* A new peak demotes the old one in place (spec 2.4): it stays detailed,
 * as a normal snapshot, in the table rebuilt from the record. */
START_TEST(peak_demotion)
{
	opts.detailed_freq = 100;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 1000, st_f, N(st_f));
	hs_rec_free(ptr(0)); /* peak at 1016 */
	hs_rec_alloc(ptr(1), 2000, st_g, N(st_g));
	hs_rec_free(ptr(1)); /* new peak at 2016: the first is demoted */
	struct hs_raw raw;
	read_raw(&raw);
	unsigned peaks = 0, demoted = 0;
	for (unsigned i = 0; i < raw.n_snapshots; i++) {
		const struct hs_snapshot *s = &raw.snapshots[i];
		if (s->kind == HS_SNAP_PEAK) {
			peaks++;
			ck_assert_uint_eq(s->heap_bytes, 2000);
		} else if (s->detailed) {
			demoted++;
			ck_assert_uint_eq(s->heap_bytes, 1000);
			ck_assert_uint_eq(s->n_entries, 1);
		}
	}
	ck_assert_uint_eq(peaks, 1);
	ck_assert_uint_eq(demoted, 1);
	hs_raw_free(&raw);
	struct hs_symbolizer sym = fake_symbolizer(syms);
	const char *got = finish_to_text("./t", &sym);
	ck_assert_ptr_nonnull(strstr(snapshot_text(got, 2), "mem_heap_B=1000\n"
							    "mem_heap_extra_B=16\nmem_stacks_B=0\n"
							    "heap_tree=detailed\n"));
	ck_assert_ptr_nonnull(strstr(snapshot_text(got, 5), "heap_tree=peak\n"));
}
END_TEST

/* --final-snapshot: parsed, and a detailed snapshot at the end only when yes. */
START_TEST(final_snapshot_option)
{
	char err[256];
	struct hs_options o;
	hs_options_defaults(&o);
	ck_assert_int_eq(o.final_snapshot, 0);
	ck_assert_int_eq(hs_options_parse_one(&o, "--final-snapshot=yes", err, sizeof err), 0);
	ck_assert_int_eq(o.final_snapshot, 1);
	ck_assert_str_eq(o.desc, " --final-snapshot=yes");
	ck_assert_int_eq(hs_options_parse_one(&o, "--final-snapshot=maybe", err, sizeof err), -1);
	ck_assert_str_eq(err, "bad value in option '--final-snapshot=maybe' (expected yes or no)");

	struct hs_symbolizer sym = fake_symbolizer(syms);
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 100, st_f, N(st_f));
	ck_assert_uint_eq(count_snapshots(finish_to_text("./t", &sym)), 2);
	opts.final_snapshot = true;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 100, st_f, N(st_f));
	const char *got = finish_to_text("./t", &sym);
	ck_assert_uint_eq(count_snapshots(got), 3);
	ck_assert_ptr_nonnull(strstr(snapshot_text(got, 2), "heap_tree=detailed\n"));
}
END_TEST

/* Every cut point of a small record (culls, a peak, maps, an unloaded
 * module, a stop, the end): a valid table or one clear line, never a
 * crash; the full record reads back whole. */
START_TEST(every_cut_point)
{
	opts.max_snapshots = 10;
	opts.detailed_freq = 2;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_journal_maps("00400000-00401000 r-xp 00000000 08:01 1 /bin/t\n", 47);
	for (unsigned i = 0; i < 40; i++) {
		hs_rec_alloc(ptr(i), 10 + i, i % 3 == 0 ? st_main : st_g, i % 3 == 0 ? 1 : 3);
		if (i % 9 == 8)
			hs_rec_free(ptr(i - 1));
	}
	hs_rec_journal_unloaded(0x7000, 0x9000, "/lib/libx.so");
	hs_rec_give_up("unwinding failed");
	ck_assert_int_eq(hs_rec_end("exit"), 0);
	char *bytes;
	size_t len = raw_bytes(test_raw_fd(), &bytes);
	struct hs_symbolizer sym = fake_symbolizer(syms);
	uint32_t header_bytes;
	memcpy(&header_bytes, bytes + HS_JOURNAL_MAGIC_LEN, 4);
	size_t header_end = HS_JOURNAL_MAGIC_LEN + 8 + header_bytes;
	unsigned valid = 0;
	for (size_t cut = 0; cut <= len; cut++) {
		int fd = test_memfile(bytes, cut);
		struct hs_raw raw;
		char err[512] = "";
		int rc = hs_raw_read_fd(fd, "raw", &raw, err, sizeof err);
		close(fd);
		if (rc != 0) {
			ck_assert_msg(cut < header_end, "cut at %zu of %zu refused: %s", cut, len,
				      err);
			ck_assert_str_eq(err, "raw: the raw record ends before its header");
			continue;
		}
		valid++;
		ck_assert_uint_ge(cut, header_end);
		int out = memfd_create("out", 0);
		ck_assert_int_eq(hs_resolve_write(&raw, out, NULL, &sym, err, sizeof err), 0);
		close(out);
		if (cut == len) {
			ck_assert_int_eq(raw.has_end, 1);
			ck_assert_int_eq(raw.truncated, 0);
			ck_assert_str_eq(raw.stop_reason, "unwinding failed");
			ck_assert_uint_eq(raw.n_unloaded, 1);
		}
		hs_raw_free(&raw);
	}
	ck_assert_uint_eq(valid, len + 1 - header_end);
}
END_TEST

/* raw written to a file by hs_resolve_write with sym, as text. */
static char *resolved_text(struct hs_raw *raw, const struct hs_symbolizer *sym)
{
	char err[512] = "";
	int out = memfd_create("out", 0);
	ck_assert_int_eq(hs_resolve_write(raw, out, NULL, sym, err, sizeof err), 0);
	off_t n = lseek(out, 0, SEEK_END);
	char *text = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(pread(out, text, (size_t)n, 0), n);
	text[n] = '\0';
	close(out);
	return text;
}

/* The launcher's follower (hs_raw_follow_*) parses a record as the program
 * appends it, a few bytes or a few records at a time, cut anywhere, and
 * ends with the very file a cold read gives; a record replaced at its
 * path (a followed exec's new image) is told apart; a prefix that does
 * not parse leaves the end to the cold read, with its error. */
START_TEST(follower_reads_as_cold)
{
	opts.max_snapshots = 10;
	opts.detailed_freq = 3;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_journal_maps("00400000-00401000 r-xp 00000000 08:01 1 /bin/t\n", 47);
	for (unsigned i = 0; i < 300; i++) {
		hs_rec_alloc(ptr(i), 16 + i % 7, i % 2 ? st_f : st_g, i % 2 ? 2 : 3);
		if (i % 50 == 49)
			hs_rec_free(ptr(i));
	}
	ck_assert_int_eq(hs_rec_end("exit"), 0);
	char *bytes;
	size_t len = raw_bytes(test_raw_fd(), &bytes);
	struct hs_symbolizer sym = fake_symbolizer(syms);
	struct hs_raw cold;
	char err[512] = "";
	int fd = test_memfile(bytes, len);
	ck_assert_int_eq(hs_raw_read_fd(fd, "raw", &cold, err, sizeof err), 0);
	close(fd);
	char *want = resolved_text(&cold, &sym);
	hs_raw_free(&cold);

	char path[] = "/tmp/hs_follow.XXXXXX";
	const size_t steps[] = { 1, 5, 13, 64, 333, 4096 };
	for (unsigned k = 0; k < N(steps); k++) {
		int w = mkstemp(path);
		ck_assert_int_ge(w, 0);
		struct hs_raw_follow *f = hs_raw_follow_open(path);
		ck_assert_ptr_nonnull(f);
		hs_raw_follow_step(f); /* empty: waits */
		for (size_t off = 0; off < len; off += steps[k]) {
			size_t n = len - off < steps[k] ? len - off : steps[k];
			ck_assert_int_eq(write(w, bytes + off, n), (ssize_t)n);
			hs_raw_follow_step(f);
		}
		ck_assert(hs_raw_follow_same(f, path));
		struct hs_raw *raw;
		ck_assert_msg(hs_raw_follow_finish(f, &raw, err, sizeof err) == 0, "%s", err);
		ck_assert_int_eq(raw->has_end, 1);
		char *got = resolved_text(raw, &sym);
		ck_assert_str_eq(got, want);
		free(got);
		hs_raw_follow_close(f); /* the record with it */
		close(w);
		unlink(path);
		strcpy(path, "/tmp/hs_follow.XXXXXX");
	}

	/* Half read, then a new file at the path: not the same record. */
	int w = mkstemp(path);
	ck_assert_int_eq(write(w, bytes, len / 2), (ssize_t)(len / 2));
	struct hs_raw_follow *f = hs_raw_follow_open(path);
	hs_raw_follow_step(f);
	close(w);
	unlink(path);
	w = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_eq(write(w, bytes, len), (ssize_t)len);
	close(w);
	ck_assert(!hs_raw_follow_same(f, path));
	hs_raw_follow_close(f);

	/* Garbage after the magic line: the cold read's own error at the end. */
	w = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(w, bytes, HS_JOURNAL_MAGIC_LEN), (ssize_t)HS_JOURNAL_MAGIC_LEN);
	ck_assert_int_eq(write(w, "\x04\0\0\0\x63\0\0\0abcd", 12), 12);
	f = hs_raw_follow_open(path);
	hs_raw_follow_step(f);
	struct hs_raw *raw;
	ck_assert_int_eq(hs_raw_follow_finish(f, &raw, err, sizeof err), -1);
	ck_assert_ptr_null(raw);
	hs_raw_follow_close(f);
	char cold_err[512] = "";
	ck_assert_int_eq(hs_raw_read(path, &cold, cold_err, sizeof cold_err), -1);
	ck_assert_str_eq(err, cold_err);
	ck_assert_ptr_nonnull(strstr(err, ": record 1: a unknown record before the header"));
	close(w);
	unlink(path);
	free(want);
}
END_TEST

/* What is not a raw record, or breaks its rules, is refused with one line. */
START_TEST(garbage_refused)
{
	char err[512];
	struct hs_raw raw;
	const char massif[] = "desc: (none)\ncmd: ./t\ntime_unit: B\n#-----------\n";
	int fd = test_memfile(massif, sizeof massif - 1);
	ck_assert_int_eq(hs_raw_read_fd(fd, "m.out", &raw, err, sizeof err), -1);
	ck_assert_str_eq(err, "m.out: not a heapsnap raw record");
	close(fd);

	/* A real record with one record's kind damaged. */
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 100, st_f, N(st_f));
	char *bytes;
	size_t len = raw_bytes(test_raw_fd(), &bytes);
	static char bad[1 << 16];
	memcpy(bad, bytes, len);
	uint32_t plen, kind = 99;
	memcpy(&plen, bad + HS_JOURNAL_MAGIC_LEN, 4);
	memcpy(bad + HS_JOURNAL_MAGIC_LEN + 8 + plen + 4, &kind, 4); /* the second record */
	fd = test_memfile(bad, len);
	ck_assert_int_eq(hs_raw_read_fd(fd, "r.raw", &raw, err, sizeof err), -1);
	ck_assert_str_eq(err, "r.raw: record 2: unknown kind 99");
	close(fd);

	/* A context out of order. */
	memcpy(bad, bytes, len);
	size_t pos = HS_JOURNAL_MAGIC_LEN + 8 + plen; /* the second record: a context? */
	memcpy(&kind, bad + pos + 4, 4);
	if (kind == HS_JR_CONTEXT) {
		uint32_t id = 7;
		memcpy(bad + pos + 8, &id, 4);
		fd = test_memfile(bad, len);
		ck_assert_int_eq(hs_raw_read_fd(fd, "r.raw", &raw, err, sizeof err), -1);
		ck_assert_str_eq(err, "r.raw: record 2: context 7 out of order (expected 0)");
		close(fd);
	}
	/* A missing file. */
	ck_assert_int_eq(hs_raw_read("/nonexistent/x.raw", &raw, err, sizeof err), -1);
	ck_assert_str_eq(err, "/nonexistent/x.raw: No such file or directory");
}
END_TEST

/* A detailed snapshot's changes are checked as read, and the contexts
 * each one counts once the table is final: a snapshot that counts fewer
 * contexts than one before while a context past them still holds bytes
 * is refused, whether or not it is still in the table. */
START_TEST(damaged_snapshot_refused)
{
	opts.detailed_freq = 1;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 100, st_f, N(st_f)); /* context 0 */
	hs_rec_alloc(ptr(1), 200, st_g, N(st_g)); /* context 1, which keeps its bytes */
	for (unsigned i = 2; i < 40; i++)
		hs_rec_alloc(ptr(i), 50, st_f, N(st_f));
	char *bytes;
	size_t len = raw_bytes(test_raw_fd(), &bytes);
	/* The last detailed snapshot: it counts both contexts, and changes
	 * only context 0. */
	size_t last = 0;
	unsigned last_record = 0, record = 0;
	for (size_t pos = HS_JOURNAL_MAGIC_LEN; pos + 8 <= len;) {
		uint32_t plen, kind, detailed;
		memcpy(&plen, bytes + pos, 4);
		memcpy(&kind, bytes + pos + 4, 4);
		record++;
		if (kind == HS_JR_SNAPSHOT) {
			memcpy(&detailed, bytes + pos + 8 + 36, 4);
			if (detailed) {
				last = pos;
				last_record = record;
			}
		}
		pos += 8 + plen;
	}
	ck_assert_uint_gt(last, 0);
	uint64_t seq;
	uint32_t n_contexts, n_changes, ctx;
	memcpy(&seq, bytes + last + 8, 8);
	memcpy(&n_contexts, bytes + last + 8 + 40, 4);
	memcpy(&n_changes, bytes + last + 8 + 44, 4);
	ck_assert_uint_eq(n_contexts, 2);
	ck_assert_uint_eq(n_changes, 1);
	memcpy(&ctx, bytes + last + 8 + 48, 4);
	ck_assert_uint_eq(ctx, 0);

	static char bad[1 << 16];
	char err[512], want[512];
	struct hs_raw raw;
	/* Counting one context: context 1's 200 bytes are left out. */
	memcpy(bad, bytes, len);
	n_contexts = 1;
	memcpy(bad + last + 8 + 40, &n_contexts, 4);
	snprintf(want, sizeof want,
		 "r.raw: record %u: snapshot %llu: context 1 has bytes but is not counted",
		 last_record, (unsigned long long)seq);
	ck_assert_str_eq(refusal(bad, len), want);
	/* A change for a context it does not count. */
	memcpy(bad, bytes, len);
	ctx = 2;
	memcpy(bad + last + 8 + 48, &ctx, 4);
	snprintf(want, sizeof want,
		 "r.raw: record %u: snapshot %llu: change for context 2 out of place", last_record,
		 (unsigned long long)seq);
	ck_assert_str_eq(refusal(bad, len), want);
	/* Totals no process holds (heap and extra bytes past 2^63). */
	memcpy(bad, bytes, len);
	uint64_t heap = UINT64_C(1) << 63;
	memcpy(bad + last + 8 + 16, &heap, 8);
	uint64_t extra;
	memcpy(&extra, bad + last + 8 + 24, 8);
	snprintf(want, sizeof want, "r.raw: record %u: snapshot %llu: %llu + %llu bytes, past 2^63",
		 last_record, (unsigned long long)seq, (unsigned long long)heap,
		 (unsigned long long)extra);
	ck_assert_str_eq(refusal(bad, len), want);
	/* Undamaged, the snapshot counts both contexts' bytes. */
	int fd = test_memfile(bytes, len);
	ck_assert_int_eq(hs_raw_read_fd(fd, "r.raw", &raw, err, sizeof err), 0);
	close(fd);
	const struct hs_snapshot *s = &raw.snapshots[raw.n_snapshots - 1];
	ck_assert_uint_eq(s->seq, seq);
	ck_assert_uint_eq(s->n_entries, 2);
	ck_assert_uint_eq(s->entries[1].ctx, 1);
	ck_assert_uint_eq(s->entries[1].bytes, 200);
	ck_assert_uint_eq(s->entries[0].bytes, s->heap_bytes - 200);
	hs_raw_free(&raw);
}
END_TEST

/* A TABLE record (spec 4.4) damaged after its first entries is refused
 * whole: the table is left as it was, each snapshot held once, so the
 * reader's own teardown frees each once (a half-applied table left moved
 * snapshots in two slots, and hs_raw_free freed their sites twice: found
 * by mutating raw records). */
START_TEST(damaged_table_refused)
{
	opts.max_snapshots = 10;
	/* Sampling, with a direct call site: every snapshot detailed, and each
	 * owns the sites' bytes read from its SITES record. */
	opts.sample_bytes = 1 << 30;
	opts.detailed_freq = 1;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	unsigned site = hs_callsites_id(0x402001);
	for (unsigned i = 0; i < 300; i++)
		hs_rec_count_alloc(16 + i % 7, site);
	char *bytes;
	size_t len = raw_bytes(test_raw_fd(), &bytes);
	/* The first cull's TABLE record (fewer snapshots listed than held),
	 * listing at least three: the reader moves the second one down. */
	size_t table = 0;
	unsigned table_record = 0, record = 0;
	uint32_t n_listed = 0, n_held = 0;
	for (size_t pos = HS_JOURNAL_MAGIC_LEN; pos + 8 <= len && table == 0;) {
		uint32_t plen, kind;
		memcpy(&plen, bytes + pos, 4);
		memcpy(&kind, bytes + pos + 4, 4);
		record++;
		if (kind == HS_JR_SNAPSHOT)
			n_held++;
		if (kind == HS_JR_TABLE) {
			memcpy(&n_listed, bytes + pos + 8, 4);
			if (n_listed >= 3 && n_listed < n_held) {
				table = pos;
				table_record = record;
			}
			n_held = n_listed;
		}
		pos += 8 + plen;
	}
	ck_assert_uint_gt(table, 0);
	static char bad[1 << 20];
	char err[512], want[512];
	struct hs_raw raw;
	size_t entry = table + 8 + 4 + 12 * (size_t)(n_listed - 1); /* the last entry */

	/* A bad kind in the last entry, after two the reader could have moved. */
	memcpy(bad, bytes, len);
	uint32_t kind = 9;
	memcpy(bad + entry + 8, &kind, 4);
	snprintf(want, sizeof want, "r.raw: record %u: table: bad kind 9", table_record);
	ck_assert_str_eq(refusal(bad, len), want);

	/* The last entry repeating the one before it. */
	memcpy(bad, bytes, len);
	memcpy(bad + entry, bad + entry - 12, 12);
	uint64_t seq;
	memcpy(&seq, bad + entry, 8);
	snprintf(want, sizeof want,
		 "r.raw: record %u: table lists snapshot %llu twice or out of order", table_record,
		 (unsigned long long)seq);
	ck_assert_str_eq(refusal(bad, len), want);

	/* A snapshot the table does not hold. */
	memcpy(bad, bytes, len);
	seq = UINT64_C(1) << 40;
	memcpy(bad + entry, &seq, 8);
	snprintf(want, sizeof want,
		 "r.raw: record %u: table lists snapshot %llu, which it does not hold",
		 table_record, (unsigned long long)seq);
	ck_assert_str_eq(refusal(bad, len), want);

	/* Undamaged, it reads. */
	int fd = test_memfile(bytes, len);
	ck_assert_msg(hs_raw_read_fd(fd, "r.raw", &raw, err, sizeof err) == 0, "%s", err);
	close(fd);
	hs_raw_free(&raw);
}
END_TEST

static void open_on_dev_full(void)
{
	ck_assert_int_eq(hs_rec_init(&opts), 0);
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(hs_rec_journal_open(fd, "", "./t"), -1);
	/* The program runs on: later calls are ignored. */
	hs_rec_alloc(ptr(0), 100, st_f, N(st_f));
	hs_rec_free(ptr(0));
	hs_rec_journal_maps("x", 1);
	ck_assert_int_eq(hs_rec_end("exit"), 0);
	close(fd);
}

/* A full disk at the first write: recording stops, said once. */
START_TEST(enospc_gives_up)
{
	ck_assert_str_eq(stderr_of(open_on_dev_full),
			 "heapsnap: cannot write the raw record: no space left on device, "
			 "recording stopped\n");
	ck_assert_int_eq(hs_rec_active(), 0);
}
END_TEST

static int g_small_fd = -1;

static void fill_small_file(void)
{
	ck_assert_int_eq(hs_rec_init(&opts), 0);
	ck_assert_int_eq(hs_rec_journal_open(g_small_fd, "", "./t"), 0);
	for (unsigned i = 0; i < 2000 && hs_rec_active(); i++) {
		uintptr_t st[] = { 0x500000 + i, 0x401000 };
		hs_rec_alloc(ptr(i), 10, st, N(st));
	}
	ck_assert_int_eq(hs_rec_active(), 0);
	ck_assert_int_eq(hs_rec_end("exit"), 0);
}

/* The program's file size limit is met mid-run: recording stops once,
 * short of it (SIGXFSZ is left at its default: a write past the limit
 * would kill this process, as it killed programs), and what was written
 * reads back as a valid prefix. */
START_TEST(full_disk_mid_run_leaves_a_valid_prefix)
{
	char path[] = "/tmp/hs-journal-XXXXXX";
	g_small_fd = mkstemp(path);
	ck_assert_int_ge(g_small_fd, 0);
	unlink(path);
	struct rlimit lim;
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &lim), 0);
	rlim_t was = lim.rlim_cur;
	lim.rlim_cur = 4096; /* the soft limit only, to put it back */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ck_assert_str_eq(stderr_of(fill_small_file),
			 "heapsnap: cannot write the raw record: the program's file size limit "
			 "(ulimit -f) is reached, recording stopped\n");
	struct hs_raw raw;
	char err[512];
	ck_assert_msg(hs_raw_read_fd(g_small_fd, "raw", &raw, err, sizeof err) == 0, "%s", err);
	lim.rlim_cur = was; /* the resolver's memory file counts against it too */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ck_assert_int_eq(raw.has_end, 0);
	ck_assert_uint_gt(raw.n_snapshots, 10);
	struct hs_symbolizer sym = fake_symbolizer(syms);
	int out = memfd_create("out", 0);
	ck_assert_int_eq(hs_resolve_write(&raw, out, "signal 9 (SIGKILL)", &sym, err, sizeof err),
			 0);
	char head[128] = "";
	ck_assert_int_gt(pread(out, head, sizeof head - 1, 0), 0);
	ck_assert_ptr_eq(strstr(head, "desc: (none) (heapsnap: program killed by signal 9 "
				      "(SIGKILL))\n"),
			 head);
	close(out);
	hs_raw_free(&raw);
	close(g_small_fd);
}
END_TEST

static pthread_mutex_t g_hold_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_hold_cond = PTHREAD_COND_INITIALIZER;
static int g_hold_stage;

/* Holds the recorder's lock (as a thread inside the recorder would) until
 * told to let go. */
static void *hold_recorder(void *arg)
{
	(void)arg;
	hs_rec_atfork_prepare();
	pthread_mutex_lock(&g_hold_lock);
	g_hold_stage = 1;
	pthread_cond_broadcast(&g_hold_cond);
	while (g_hold_stage != 2)
		pthread_cond_wait(&g_hold_cond, &g_hold_lock);
	pthread_mutex_unlock(&g_hold_lock);
	hs_rec_atfork_parent();
	return NULL;
}

/* hs_rec_end never waits for ever: with the lock held elsewhere it gives
 * up within about 100 ms (the record stays as last flushed), and ends
 * the record once the lock is free. */
START_TEST(end_waits_a_bounded_time)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 100, st_f, N(st_f));
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, hold_recorder, NULL), 0);
	pthread_mutex_lock(&g_hold_lock);
	while (g_hold_stage != 1)
		pthread_cond_wait(&g_hold_cond, &g_hold_lock);
	pthread_mutex_unlock(&g_hold_lock);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(hs_rec_end("signal 15 (SIGTERM)"), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(s >= 0.05 && s < 2.0, "waited %.3f s", s);
	pthread_mutex_lock(&g_hold_lock);
	g_hold_stage = 2;
	pthread_cond_broadcast(&g_hold_cond);
	pthread_mutex_unlock(&g_hold_lock);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(hs_rec_end("exit"), 0);
	struct hs_raw raw;
	read_raw(&raw);
	ck_assert_str_eq(raw.how, "exit");
	hs_raw_free(&raw);
}
END_TEST

/* A raw record in a file of a temporary directory. */
static void record_to_file(const char *raw_path)
{
	ck_assert_int_eq(hs_rec_init(&opts), 0);
	int fd = open(raw_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(hs_rec_journal_open(fd, "--time-unit=B", "./t"), 0);
	hs_rec_alloc(ptr(0), 100, st_f, N(st_f));
	ck_assert_int_eq(hs_rec_end("exit"), 0);
	close(fd);
}

/* Remove a Massif file a resolve wrote, with its series beside it. */
static void unlink_massif(const char *out)
{
	char series[300];
	unlink(out);
	snprintf(series, sizeof series, "%s.series", out);
	unlink(series);
}

/* hs_resolve_file_with: the file complete (no temporary left), the raw
 * record deleted; FIFOs and symlinks at the output refused, raw kept (and
 * the line says so). */
START_TEST(resolve_file_in_place)
{
	char dir[] = "/tmp/hs-resolve-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char raw[256], out[256], err[1024];
	snprintf(raw, sizeof raw, "%s/massif.out.1.raw", dir);
	snprintf(out, sizeof out, "%s/massif.out.1", dir);
	struct hs_symbolizer sym = fake_symbolizer(syms);

	record_to_file(raw);
	ck_assert_int_eq(mkfifo(out, 0600), 0);
	ck_assert_int_eq(hs_resolve_file_with(raw, out, NULL, &sym, err, sizeof err), -1);
	char want[1200];
	snprintf(want, sizeof want,
		 "%s: is a FIFO, not a file: the Massif file was not written (the raw record "
		 "stays: heapsnap --resolve %s FILE writes it to FILE)",
		 out, raw);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(access(raw, F_OK), 0);
	unlink(out);
	ck_assert_int_eq(symlink("/tmp/elsewhere", out), 0);
	ck_assert_int_eq(hs_resolve_file_with(raw, out, NULL, &sym, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "is a symbolic link"));
	unlink(out);

	ck_assert_int_eq(hs_resolve_file_with(raw, out, NULL, &sym, err, sizeof err), 0);
	ck_assert_int_eq(access(raw, F_OK), -1);
	struct stat st;
	ck_assert_int_eq(stat(out, &st), 0);
	ck_assert_int_gt(st.st_size, 100);
	char tmp[300];
	snprintf(tmp, sizeof tmp, "%s.tmp.%d", out, (int)getpid());
	ck_assert_int_eq(access(tmp, F_OK), -1);
	/* Not a raw record: refused, nothing written. */
	ck_assert_int_eq(hs_resolve_file_with(out, raw, NULL, &sym, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: not a heapsnap raw record", out);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(access(raw, F_OK), -1);
	unlink_massif(out);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The whole of a small file, into buf (NUL-terminated); its length. */
static size_t slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ssize_t n = read(fd, buf, cap - 1);
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, (ssize_t)cap - 1);
	buf[n] = '\0';
	close(fd);
	return (size_t)n;
}

/* hs_resolve_set_teardown(0), the launcher's last resolve: the same file,
 * and the scratch mappings left to the exit (the library gives them back
 * otherwise). */
START_TEST(resolve_without_teardown)
{
	char dir[] = "/tmp/hs-resolve-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char raw[256], out[2][256], err[512];
	struct hs_symbolizer sym = fake_symbolizer(syms);
	static char text[2][1 << 14];
	size_t mapped[2];
	/* One record, resolved from two copies. */
	static char bytes[1 << 16];
	snprintf(raw, sizeof raw, "%s/massif.out.0.raw", dir);
	record_to_file(raw);
	size_t n = slurp(raw, bytes, sizeof bytes);
	snprintf(raw, sizeof raw, "%s/massif.out.1.raw", dir);
	int fd = open(raw, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, bytes, n), (ssize_t)n);
	close(fd);
	for (int off = 0; off < 2; off++) {
		snprintf(raw, sizeof raw, "%s/massif.out.%d.raw", dir, off);
		snprintf(out[off], sizeof out[off], "%s/massif.out.%d", dir, off);
		size_t before = hs_arena_mapped_bytes();
		hs_resolve_set_teardown(!off);
#ifdef UNDER_ASAN
		if (off)
			__lsan_disable(); /* left to the exit on purpose */
#endif
		ck_assert_int_eq(hs_resolve_file_with(raw, out[off], NULL, &sym, err, sizeof err), 0);
#ifdef UNDER_ASAN
		if (off)
			__lsan_enable();
#endif
		hs_resolve_set_teardown(1);
		mapped[off] = hs_arena_mapped_bytes() - before;
		ck_assert_int_eq(access(raw, F_OK), -1);
		slurp(out[off], text[off], sizeof text[off]);
	}
	ck_assert_uint_eq(mapped[0], 0);
	ck_assert_uint_gt(mapped[1], 0);
	ck_assert_str_eq(text[0], text[1]);
	for (int off = 0; off < 2; off++)
		unlink_massif(out[off]);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The offset just past the first record of kind in data[0..len), or 0. */
static size_t end_of_first(const char *data, size_t len, uint32_t kind)
{
	size_t pos = HS_JOURNAL_MAGIC_LEN;
	while (len - pos >= 8) {
		uint32_t plen, k;
		memcpy(&plen, data + pos, 4);
		memcpy(&k, data + pos + 4, 4);
		pos += 8 + (size_t)plen;
		if (k == kind)
			return pos;
	}
	return 0;
}

/* A live dump (live.h): the request is served at the next allocation with
 * a LIVE record of the heap before it, the record's consistent length is
 * published, the table is untouched; read up to the LIVE record, the
 * resolver appends it; read past a later snapshot, it is dropped. */
START_TEST(live_dump_request)
{
	static struct hs_live_slot slot;
	memset(&slot, 0, sizeof slot);
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_live_attach(&slot);
	struct stat st;
	ck_assert_int_eq(fstat(test_raw_fd(), &st), 0);
	ck_assert_uint_eq(atomic_load(&slot.flushed), (uint64_t)st.st_size);
	hs_rec_alloc(ptr(0), 100, st_main, N(st_main));
	hs_rec_alloc(ptr(1), 200, st_f, N(st_f));
	atomic_store(&slot.request, 7);
	hs_rec_alloc(ptr(2), 300, st_g, N(st_g)); /* served first, then recorded */
	ck_assert_uint_eq(atomic_load(&slot.served), 7);
	ck_assert_int_eq(fstat(test_raw_fd(), &st), 0);
	ck_assert_uint_eq(atomic_load(&slot.flushed), (uint64_t)st.st_size);
	hs_rec_alloc(ptr(3), 400, st_g, N(st_g)); /* no new request: nothing more */
	ck_assert_uint_eq(atomic_load(&slot.served), 7);
	ck_assert_int_eq(hs_rec_end("exit"), 0);
	hs_rec_live_attach(NULL);

	/* The whole record: the table is Massif's (start + 4 allocations), the
	 * LIVE snapshot superseded by the ones after it. */
	struct hs_raw raw;
	read_raw(&raw);
	ck_assert_uint_eq(raw.n_snapshots, 5);
	ck_assert_uint_eq(raw.snapshots[4].heap_bytes, 1000);
	ck_assert_int_eq(raw.has_live, 0);
	hs_raw_free(&raw);

	/* Up to the LIVE record: the heap when the request was served. */
	char *data;
	size_t len = raw_bytes(test_raw_fd(), &data);
	size_t live_end = end_of_first(data, len, HS_JR_LIVE);
	ck_assert_uint_gt(live_end, 0);
	char dir[] = "/tmp/hs-live-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[256], out[256], err[512] = "";
	snprintf(path, sizeof path, "%s/massif.out.1.raw", dir);
	snprintf(out, sizeof out, "%s/massif.out.1", dir);
	write_new_file(path, data, len);
	ck_assert_int_eq(hs_raw_read_prefix(path, live_end, &raw, err, sizeof err), 0);
	ck_assert_int_eq(raw.has_live, 1);
	ck_assert_uint_eq(raw.live_request, 7);
	ck_assert_uint_eq(raw.n_snapshots, 3); /* start, 100, 300 */
	ck_assert_uint_eq(raw.live.heap_bytes, 300);
	ck_assert_int_eq(raw.live.detailed, 1);
	ck_assert_uint_eq(raw.live.n_contexts, 2);
	ck_assert_uint_eq(raw.live.n_entries, 2);
	ck_assert_uint_eq(raw.live.entries[1].bytes, 200);
	hs_raw_free(&raw);

	/* The dump: the table so far, then the LIVE snapshot; the raw stays. */
	int live_taken = 0;
	ck_assert_msg(hs_resolve_live(path, live_end, 0, NULL, 0, out, &live_taken, err, sizeof err) ==
			      0,
		      "%s", err);
	ck_assert_int_eq(live_taken, 1);
	ck_assert_int_eq(access(path, F_OK), 0);
	FILE *f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	char line[512], desc[512] = "", last_heap[512] = "";
	unsigned n_snap = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "desc:", 5) == 0)
			snprintf(desc, sizeof desc, "%s", line);
		if (strncmp(line, "snapshot=", 9) == 0)
			n_snap++;
		if (strncmp(line, "mem_heap_B=", 11) == 0)
			snprintf(last_heap, sizeof last_heap, "%s", line);
	}
	fclose(f);
	ck_assert_ptr_nonnull(strstr(desc, "(heapsnap: live dump, the program still running)"));
	ck_assert_uint_eq(n_snap, 4);
	ck_assert_str_eq(last_heap, "mem_heap_B=300\n");
	unlink_massif(out);
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The side record's file for live_dump_side_record (hs_rec_set_live_side). */
static char g_side_dir[64];

static int test_side_open(void)
{
	char tmp[128];
	snprintf(tmp, sizeof tmp, "%s/massif.out.1.raw.live.tmp", g_side_dir);
	return open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
}

static void test_side_done(int fd, int whole)
{
	char tmp[128], path[128];
	snprintf(tmp, sizeof tmp, "%s/massif.out.1.raw.live.tmp", g_side_dir);
	snprintf(path, sizeof path, "%s/massif.out.1.raw.live", g_side_dir);
	close(fd);
	ck_assert_int_eq(whole, 1);
	ck_assert_int_eq(rename(tmp, path), 0);
}

/* A live dump's snapshot in a side record (doc/format-raw.md 6): the raw
 * record holds no LIVE record and reads as if there had been no dump (a
 * detailed snapshot after it is written against the last one before it,
 * not against the dump's); read with its side record, the record is the
 * prefix the dump was written against, then the dump's snapshot. */
START_TEST(live_dump_side_record)
{
	static struct hs_live_slot slot;
	memset(&slot, 0, sizeof slot);
	snprintf(g_side_dir, sizeof g_side_dir, "/tmp/hs-side-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(g_side_dir));
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_set_live_side(test_side_open, test_side_done);
	hs_rec_live_attach(&slot);
	hs_rec_alloc(ptr(0), 100, st_main, N(st_main));
	hs_rec_alloc(ptr(1), 200, st_f, N(st_f)); /* a peak: detailed, f 200 */
	hs_rec_free(ptr(1));
	hs_rec_alloc(ptr(2), 50, st_f, N(st_f)); /* f 50, no detailed snapshot */
	atomic_store(&slot.request, 7);
	hs_rec_alloc(ptr(3), 300, st_g, N(st_g)); /* served first: main 100, f 50 */
	ck_assert_uint_eq(atomic_load(&slot.served), 7);
	/* Published after the dump's own allocation: at or past the side
	 * record's base. */
	uint64_t flushed = atomic_load(&slot.flushed);
	/* The next detailed snapshot has f at the dump's 50: written against
	 * the dump's bytes, it would leave f out, and be read as 200. */
	hs_rec_free(ptr(0));
	for (unsigned i = 4; i < 14; i++)
		hs_rec_alloc(ptr(i), 8, st_g, N(st_g));
	ck_assert_int_eq(hs_rec_end("exit"), 0);
	hs_rec_live_attach(NULL);
	hs_rec_set_live_side(NULL, NULL);

	/* The raw record alone: no LIVE, and every detailed snapshot whole. */
	char *data;
	size_t len = raw_bytes(test_raw_fd(), &data);
	ck_assert_uint_eq(end_of_first(data, len, HS_JR_LIVE), 0);
	struct hs_raw raw;
	read_raw(&raw);
	ck_assert_int_eq(raw.has_live, 0);
	unsigned detailed_after = 0;
	for (unsigned i = 0; i < raw.n_snapshots; i++) {
		const struct hs_snapshot *s = &raw.snapshots[i];
		if (!s->detailed)
			continue;
		uint64_t sum = 0, f_bytes = 0, g_bytes = 0;
		for (uint32_t e = 0; e < s->n_entries; e++) {
			sum += s->entries[e].bytes;
			if (s->entries[e].ctx == 1)
				f_bytes = s->entries[e].bytes;
			if (s->entries[e].ctx == 2)
				g_bytes = s->entries[e].bytes;
		}
		ck_assert_uint_eq(sum, s->heap_bytes);
		if (g_bytes > 0) { /* after the dump */
			ck_assert_uint_eq(f_bytes, 50);
			detailed_after++;
		}
	}
	ck_assert_uint_gt(detailed_after, 0);
	hs_raw_free(&raw);

	/* With its side record: the prefix it names, then the dump. */
	char path[128], side[128], out[128], err[512] = "";
	snprintf(path, sizeof path, "%s/massif.out.1.raw", g_side_dir);
	snprintf(side, sizeof side, "%s/massif.out.1.raw.live", g_side_dir);
	snprintf(out, sizeof out, "%s/massif.out.1", g_side_dir);
	write_new_file(path, data, len);
	uint64_t side_base = 0;
	int fd = open(side, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &side_base, sizeof side_base, 0), (ssize_t)sizeof side_base);
	close(fd);
	ck_assert_uint_gt(side_base, 0);
	ck_assert_uint_le(side_base, flushed);
	int used = 0;
	ck_assert_msg(hs_raw_read_live(path, 0, &raw, &used, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(used, 1);
	ck_assert_int_eq(raw.has_live, 1);
	ck_assert_uint_eq(raw.live_request, 7);
	/* The table as the dump found it: up to f's 50, not g's 300. */
	ck_assert_uint_eq(raw.snapshots[raw.n_snapshots - 1].heap_bytes, 150);
	ck_assert_uint_eq(raw.live.heap_bytes, 150);
	ck_assert_uint_eq(raw.live.n_entries, 2);
	ck_assert_uint_eq(raw.live.entries[0].bytes, 100);
	ck_assert_uint_eq(raw.live.entries[1].bytes, 50);
	hs_raw_free(&raw);

	/* A side record naming more than the file holds: one line, no file. */
	ck_assert_int_eq(truncate(path, (off_t)side_base - 1), 0);
	ck_assert_int_eq(hs_raw_read_live(path, 0, &raw, &used, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "shorter than its live dump's record says"));

	/* Resolved, the record's side files go with it. */
	hs_resolve_unlink_sides(path);
	ck_assert_int_eq(access(side, F_OK), -1);
	unlink(path);
	unlink(out);
	rmdir(g_side_dir);
}
END_TEST

static Suite *journal_suite(void)
{
	Suite *s = suite_create("raw record");
	TCase *tc = tcase_create("journal");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, maps_only_when_given);
	tcase_add_test(tc, culling_rebuilt_exactly);
	tcase_add_test(tc, peak_demotion);
	tcase_add_test(tc, final_snapshot_option);
	tcase_add_test(tc, every_cut_point);
	tcase_add_test(tc, follower_reads_as_cold);
	tcase_add_test(tc, garbage_refused);
	tcase_add_test(tc, damaged_snapshot_refused);
	tcase_add_test(tc, damaged_table_refused);
	tcase_add_test(tc, enospc_gives_up);
	tcase_add_test(tc, full_disk_mid_run_leaves_a_valid_prefix);
	tcase_add_test(tc, resolve_file_in_place);
	tcase_add_test(tc, resolve_without_teardown);
	tcase_add_test(tc, end_waits_a_bounded_time);
	tcase_add_test(tc, live_dump_request);
	tcase_add_test(tc, live_dump_side_record);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hs_check_run(journal_suite());
}
