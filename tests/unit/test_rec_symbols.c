/* Unit tests of src/resolve/symbols.c, the offline symbolizer, on this
 * very program (built -g -O0): the test reads its own /proc/self/maps as
 * the recorder does and names its own addresses from that text.  An
 * address inside a known call names the function, the file's base name,
 * the line and the object; an inlined call gives the inline frame first,
 * then the real function at the call's line; libc without debug info
 * gives "(in object)"; an unmapped address gives one unknown frame; an
 * address where a dlclose'd object was is never named after whatever is
 * mapped there in the map.  Mangled names give Valgrind 3.19's strings. */
#include "config.h"

#include <check.h>

#include "hs_check.h"
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fnranges.h"
#include "symbols.h"

uintptr_t hs_test_here(void);
uintptr_t hs_test_plain_caller(unsigned *line);
uintptr_t hs_test_inline_caller(unsigned *inner, unsigned *outer);
uintptr_t hs_test_nested_caller(unsigned lines[3]);

/* The address of the call to this function, as the recorder takes it. */
__attribute__((noinline)) uintptr_t hs_test_here(void)
{
	return (uintptr_t)__builtin_return_address(0) - 1;
}

__attribute__((noinline)) uintptr_t hs_test_plain_caller(unsigned *line)
{
	uintptr_t a = hs_test_here();
	*line = __LINE__ - 1; /* the call's line; a store after it, so no tail call */
	return a;
}

static inline __attribute__((always_inline)) uintptr_t inlined_helper(unsigned *line)
{
	uintptr_t a = hs_test_here();
	*line = __LINE__ - 1; /* the call's line; a store after it, so no tail call */
	return a;
}

__attribute__((noinline)) uintptr_t hs_test_inline_caller(unsigned *inner, unsigned *outer)
{
	uintptr_t a = inlined_helper(inner);
	*outer = __LINE__ - 1; /* the call's line; a store after it, so no tail call */
	return a;
}

/* Two levels of inlining: past the first, libdw's scopes climb the
 * abstract definition, so the concrete chain must be followed. */
static inline __attribute__((always_inline)) uintptr_t inner_inline(unsigned lines[3])
{
	uintptr_t a = hs_test_here();
	lines[0] = __LINE__ - 1; /* the call's line; a store after it, so no tail call */
	return a;
}

static inline __attribute__((always_inline)) uintptr_t outer_inline(unsigned lines[3])
{
	uintptr_t a = inner_inline(lines);
	lines[1] = __LINE__ - 1; /* the call's line; a store after it, so no tail call */
	return a;
}

__attribute__((noinline)) uintptr_t hs_test_nested_caller(unsigned lines[3])
{
	uintptr_t a = outer_inline(lines);
	lines[2] = __LINE__ - 1; /* the call's line; a store after it, so no tail call */
	return a;
}

static struct hs_symbolizer sym;
static char self[PATH_MAX];
static char maps[1 << 16];
static size_t maps_len;

/* This process's map, read with read(2) as the recorder reads it. */
static void read_maps(void)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	ssize_t got;

	ck_assert_int_ge(fd, 0);
	maps_len = 0;
	while ((got = read(fd, maps + maps_len, sizeof(maps) - maps_len)) > 0)
		maps_len += (size_t)got;
	close(fd);
	ck_assert_uint_lt(maps_len, sizeof(maps));
	/* Not NUL-terminated: the symbolizer takes a length. */
	maps[maps_len] = 'X';
}

static void setup(void)
{
	read_maps();
	ck_assert_int_eq(hs_symbols_open_maps(&sym, maps, maps_len, NULL, 0), 0);
	ck_assert_ptr_nonnull(realpath("/proc/self/exe", self));
}

static void teardown(void)
{
	hs_symbols_close(&sym);
	ck_assert_ptr_null(sym.ctx);
}

START_TEST(plain_call_site)
{
	struct hs_frame_text f[8];
	unsigned line = 0;
	uintptr_t addr = hs_test_plain_caller(&line);
	unsigned n = sym.symbolize(sym.ctx, addr, f, 8);

	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(f[0].function, "hs_test_plain_caller");
	ck_assert_str_eq(f[0].file, "test_rec_symbols.c");
	ck_assert_uint_eq(f[0].line, line);
	ck_assert_str_eq(f[0].object, self);
}
END_TEST

START_TEST(inline_frames_innermost_first)
{
	struct hs_frame_text f[8];
	unsigned inner = 0, outer = 0;
	uintptr_t addr = hs_test_inline_caller(&inner, &outer);
	unsigned n = sym.symbolize(sym.ctx, addr, f, 8);

	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(f[0].function, "inlined_helper");
	ck_assert_str_eq(f[0].file, "test_rec_symbols.c");
	ck_assert_uint_eq(f[0].line, inner);
	ck_assert_str_eq(f[1].function, "hs_test_inline_caller");
	ck_assert_str_eq(f[1].file, "test_rec_symbols.c");
	ck_assert_uint_eq(f[1].line, outer);
	/* With room for one frame only, the real function is kept. */
	ck_assert_uint_eq(sym.symbolize(sym.ctx, addr, f, 1), 1);
	ck_assert_str_eq(f[0].function, "hs_test_inline_caller");
}
END_TEST

START_TEST(nested_inline_chain)
{
	struct hs_frame_text f[8];
	unsigned lines[3] = { 0, 0, 0 };
	uintptr_t addr = hs_test_nested_caller(lines);
	/* The real function alone, asked first: the last frame's name. */
	const char *real = sym.function_of(sym.ctx, addr);
	ck_assert_str_eq(real, "hs_test_nested_caller");
	unsigned n = sym.symbolize(sym.ctx, addr, f, 8);
	ck_assert_str_eq(sym.function_of(sym.ctx, addr), real);

	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(f[0].function, "inner_inline");
	ck_assert_uint_eq(f[0].line, lines[0]);
	ck_assert_str_eq(f[1].function, "outer_inline");
	ck_assert_uint_eq(f[1].line, lines[1]);
	ck_assert_str_eq(f[2].function, "hs_test_nested_caller");
	ck_assert_uint_eq(f[2].line, lines[2]);
	ck_assert_str_eq(f[2].file, "test_rec_symbols.c");
}
END_TEST

START_TEST(cached_answers_are_stable)
{
	struct hs_frame_text a[4], b[4];
	unsigned line;
	uintptr_t addr = hs_test_plain_caller(&line);

	ck_assert_uint_eq(sym.symbolize(sym.ctx, addr, a, 4), 1);
	/* Enough other addresses to grow the cache a few times. */
	for (uintptr_t i = 0; i < 5000; i++) {
		struct hs_frame_text t[4];
		ck_assert_uint_ge(sym.symbolize(sym.ctx, (uintptr_t)&hs_test_here + (i % 16), t, 4),
				  1);
		ck_assert_uint_ge(sym.symbolize(sym.ctx, 0x1000 + i * 64, t, 4), 1);
	}
	ck_assert_uint_eq(sym.symbolize(sym.ctx, addr, b, 4), 1);
	ck_assert_str_eq(a[0].function, b[0].function);
	ck_assert_uint_eq(b[0].line, line);
}
END_TEST

START_TEST(library_without_debug_info)
{
	struct hs_frame_text f[4];
	unsigned n = sym.symbolize(sym.ctx, (uintptr_t)&getpid + 1, f, 4);

	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_nonnull(f[0].object);
	ck_assert_ptr_nonnull(strstr(f[0].object, "/libc.so.6"));
	ck_assert_ptr_nonnull(f[0].function);
	ck_assert_ptr_nonnull(strstr(f[0].function, "getpid"));
}
END_TEST

/* The --ignore-fn exchange's naming: wanted names in this program and in
 * libc get their code ranges, in this process's addresses, of the kind
 * classify gives; the raw-name filter keeps others from being looked at. */
static int test_kind(void *arg, const char *function)
{
	(void)arg;
	if (strcmp(function, "hs_test_plain_caller") == 0)
		return 2;
	/* libc's getpid has aliases: the range is kept under the name the
	 * symbolizer gives its code, whichever alias that is. */
	if (strcmp(function, "getpid") == 0 || strcmp(function, "__getpid") == 0 ||
	    strcmp(function, "hs_test_here") == 0)
		return 1;
	return 0;
}

static int no_kind(void *arg, const char *function)
{
	(void)arg, (void)function;
	return 0;
}

static unsigned n_raw_seen;

static int test_maybe(void *arg, const char *raw)
{
	n_raw_seen++;
	return test_kind(arg, raw) != 0;
}

START_TEST(functions_by_name)
{
	unsigned line;
	uintptr_t call = hs_test_plain_caller(&line);
	size_t n = 0;
	struct hs_fn_range *r = hs_symbols_find_functions(&sym, NULL, test_kind, NULL, &n);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_ge(n, 3);
	int found_caller = 0, found_here = 0, found_getpid = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			ck_assert_uint_le(r[i - 1].lo, r[i].lo);
		ck_assert_uint_lt(r[i].lo, r[i].hi);
		if (r[i].lo <= call && call < r[i].hi) {
			ck_assert_uint_eq(r[i].kind, 2);
			found_caller = 1;
		}
		if (r[i].lo == (uintptr_t)&hs_test_here) {
			ck_assert_uint_eq(r[i].kind, 1);
			found_here = 1;
		}
		if (r[i].lo <= (uintptr_t)&getpid && (uintptr_t)&getpid < r[i].hi) {
			ck_assert_uint_eq(r[i].kind, 1);
			found_getpid = 1;
		}
	}
	ck_assert(found_caller && found_here && found_getpid);
	free(r);
	/* The filter sees every raw name; what it turns down is not named. */
	n_raw_seen = 0;
	size_t n2 = 0;
	r = hs_symbols_find_functions(&sym, test_maybe, test_kind, NULL, &n2);
	ck_assert_uint_gt(n_raw_seen, 100);
	ck_assert_uint_eq(n2, n);
	free(r);
	/* Nothing wanted: NULL and 0. */
	ck_assert_ptr_null(hs_symbols_find_functions(&sym, NULL, no_kind, NULL, &n2));
	ck_assert_uint_eq(n2, 0);
}
END_TEST

START_TEST(unknown_address)
{
	struct hs_frame_text f[4];

	ck_assert_uint_eq(sym.symbolize(sym.ctx, 0x10, f, 4), 1);
	ck_assert_ptr_null(f[0].function);
	ck_assert_ptr_null(f[0].file);
	ck_assert_uint_eq(f[0].line, 0);
	ck_assert_ptr_null(f[0].object);
	ck_assert_uint_eq(sym.symbolize(sym.ctx, 0x10, f, 0), 0);
	ck_assert_ptr_null(sym.function_of(sym.ctx, 0x10));
}
END_TEST

/* The path this process's map gives for the object holding addr. */
static const char *mapped_path(uintptr_t addr, char *out, size_t len)
{
	const char *p = maps;

	while (p < maps + maps_len) {
		const char *eol = memchr(p, '\n', (size_t)(maps + maps_len - p));
		unsigned long lo, hi;
		int path_at = 0;

		if (sscanf(p, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &path_at) >= 2 &&
		    path_at > 0 && lo <= addr && addr < hi && p[path_at] == '/') {
			size_t n = (size_t)(eol - (p + path_at));
			ck_assert_uint_lt(n, len);
			memcpy(out, p + path_at, n);
			out[n] = '\0';
			return out;
		}
		p = eol + 1;
	}
	return NULL;
}

START_TEST(unloaded_object_is_not_renamed)
{
	struct hs_symbolizer s2;
	struct hs_frame_text f[4];
	uintptr_t a = (uintptr_t)&getpid + 1, b = (uintptr_t)&getppid + 1;
	uintptr_t c = (uintptr_t)&getuid + 1, d = (uintptr_t)&getgid + 1;
	char libc_map[PATH_MAX];
	Dl_info info;

	ck_assert_ptr_nonnull(mapped_path(c, libc_map, sizeof(libc_map)));
	ck_assert_int_ne(dladdr((void *)d, &info), 0);
	{
		char *gone_a = strdup("/gone/libgone.so");
		const struct hs_unloaded notes[] = {
			/* libc is mapped where "libgone.so" was: "???", in libgone.so. */
			{ a - 1, a + 1, gone_a },
			/* Two different objects were unloaded from there: no object. */
			{ b - 1, b + 1, "/gone/liba.so" },
			{ b - 1, b + 1, "/gone/libb.so" },
			/* The same object loaded there again: named as usual... */
			{ c - 1, c + 1, libc_map },
			/* ...also when the loader's path is a symlink to the map's. */
			{ d - 1, d + 1, info.dli_fname },
		};
		ck_assert_int_eq(hs_symbols_open_maps(&s2, maps, maps_len, notes, 5), 0);
		/* The caller's strings may go once the symbolizer is open. */
		memset(gone_a, 'x', strlen(gone_a));
		free(gone_a);
	}
	ck_assert_ptr_null(s2.function_of(s2.ctx, a));
	ck_assert_ptr_null(s2.function_of(s2.ctx, b));
	ck_assert_ptr_nonnull(strstr(s2.function_of(s2.ctx, c), "getuid"));
	ck_assert_uint_eq(s2.symbolize(s2.ctx, a, f, 4), 1);
	ck_assert_ptr_null(f[0].function);
	ck_assert_ptr_null(f[0].file);
	ck_assert_str_eq(f[0].object, "/gone/libgone.so");
	ck_assert_uint_eq(s2.symbolize(s2.ctx, b, f, 4), 1);
	ck_assert_ptr_null(f[0].function);
	ck_assert_ptr_null(f[0].object);
	ck_assert_uint_eq(s2.symbolize(s2.ctx, c, f, 4), 1);
	ck_assert_ptr_nonnull(f[0].function);
	ck_assert_ptr_nonnull(strstr(f[0].function, "getuid"));
	ck_assert_uint_eq(s2.symbolize(s2.ctx, d, f, 4), 1);
	ck_assert_ptr_nonnull(f[0].function);
	ck_assert_ptr_nonnull(strstr(f[0].function, "getgid"));
	/* Outside the noted ranges nothing changes. */
	ck_assert_uint_eq(s2.symbolize(s2.ctx, (uintptr_t)&getpid + 3, f, 4), 1);
	ck_assert_ptr_nonnull(f[0].function);
	hs_symbols_close(&s2);
}
END_TEST

/* A map that names nothing: every address is one unknown frame. */
START_TEST(empty_map)
{
	struct hs_symbolizer s2;
	struct hs_frame_text f[4];
	unsigned line;

	ck_assert_int_eq(hs_symbols_open_maps(&s2, "", 0, NULL, 0), 0);
	ck_assert_uint_eq(s2.symbolize(s2.ctx, hs_test_plain_caller(&line), f, 4), 1);
	ck_assert_ptr_null(f[0].function);
	ck_assert_ptr_null(f[0].object);
	hs_symbols_close(&s2);
}
END_TEST

/* This program's offset-0 mapping moved shift bytes up, as a map text
 * of one line, into text; returns its length. */
static int moved_map(char *text, size_t size, unsigned long shift)
{
	const char *p = maps;
	unsigned long lo = 0, off = 1;
	int path_at = 0;

	for (;;) {
		const char *eol = memchr(p, '\n', (size_t)(maps + maps_len - p));
		ck_assert_ptr_nonnull(eol);
		if (sscanf(p, "%lx-%*x %*s %lx %*s %*s %n", &lo, &off, &path_at) == 2 && off == 0 &&
		    path_at > 0 && (size_t)(eol - p - path_at) == strlen(self) &&
		    memcmp(p + path_at, self, strlen(self)) == 0)
			break;
		p = eol + 1;
	}
	return snprintf(text, size, "%lx-%lx r-xp 00000000 00:00 1 %s\n", lo + shift,
			lo + shift + 0x100000, self);
}

/* Only the recorded map decides where a file is: this program's file,
 * placed 1 GiB higher than it is in this process, is named there. */
START_TEST(map_of_another_layout)
{
	struct hs_symbolizer s2;
	struct hs_frame_text f[4];
	char text[PATH_MAX + 128];
	unsigned line = 0;
	uintptr_t addr = hs_test_plain_caller(&line);
	int len = moved_map(text, sizeof(text), 1ul << 30);

	ck_assert_int_eq(hs_symbols_open_maps(&s2, text, (size_t)len, NULL, 0), 0);
	ck_assert_uint_eq(s2.symbolize(s2.ctx, addr + (1ul << 30), f, 4), 1);
	ck_assert_str_eq(f[0].function, "hs_test_plain_caller");
	ck_assert_uint_eq(f[0].line, line);
	ck_assert_str_eq(f[0].object, self);
	hs_symbols_close(&s2);
}
END_TEST

/* Reopened with the same map (the launcher's names, src/launcher/warmup.h,
 * handed to the resolver): the names are kept (1), and still a fresh
 * symbolizer's. */
START_TEST(reopened_with_the_same_map)
{
	struct hs_symbolizer s2;
	struct hs_frame_text f[8], g[8];
	unsigned lines[3] = { 0 };
	uintptr_t addr = hs_test_nested_caller(lines);

	ck_assert_int_eq(hs_symbols_open_maps(&s2, maps, maps_len, NULL, 0), 0);
	ck_assert_uint_eq(s2.symbolize(s2.ctx, addr, f, 8), 3);
	ck_assert_int_eq(hs_symbols_reopen_maps(&s2, maps, maps_len, NULL, 0), 1);
	unsigned n = s2.symbolize(s2.ctx, addr, f, 8);
	ck_assert_uint_eq(n, sym.symbolize(sym.ctx, addr, g, 8));
	ck_assert_uint_eq(n, 3);
	for (unsigned i = 0; i < n; i++) {
		ck_assert_str_eq(f[i].function, g[i].function);
		ck_assert_str_eq(f[i].file, g[i].file);
		ck_assert_uint_eq(f[i].line, g[i].line);
		ck_assert_str_eq(f[i].object, g[i].object);
	}
	ck_assert_uint_eq(f[2].line, lines[2]);
	hs_symbols_close(&s2);
	ck_assert_ptr_null(s2.ctx);
}
END_TEST

/* A sized function symbol holding another (hand-written assembly): libdw
 * names an address by the innermost, whichever address was asked first.
 * The launcher names addresses in another order than the resolver, so
 * an answer cached for the outer symbol's whole range would differ. */
#if defined(__x86_64__) || defined(__i386__)
__asm__(".pushsection .text\n"
	".globl hs_test_outer\n.type hs_test_outer,@function\n"
	"hs_test_outer:\n nop\n nop\n"
	".globl hs_test_inner\n.type hs_test_inner,@function\n"
	"hs_test_inner:\n nop\n nop\n ret\n"
	".size hs_test_inner, .-hs_test_inner\n"
	" nop\n nop\n ret\n"
	".size hs_test_outer, .-hs_test_outer\n"
	".popsection\n");
extern const char hs_test_outer[], hs_test_inner[];
#define HS_TEST_NESTED 1
#endif

START_TEST(nested_symbols_in_any_order)
{
#ifdef HS_TEST_NESTED
	struct hs_symbolizer s2;
	struct hs_frame_text f[4];
	uintptr_t outer_only = (uintptr_t)hs_test_outer + 7; /* past the inner one */
	uintptr_t inner = (uintptr_t)hs_test_inner + 1;

	for (int order = 0; order < 2; order++) {
		ck_assert_int_eq(hs_symbols_open_maps(&s2, maps, maps_len, NULL, 0), 0);
		for (int k = 0; k < 2; k++) {
			int ask_inner = k == order;
			s2.symbolize(s2.ctx, ask_inner ? inner : outer_only, f, 4);
			ck_assert_str_eq(f[0].function, ask_inner ? "hs_test_inner" : "hs_test_outer");
		}
		hs_symbols_close(&s2);
	}
#endif
}
END_TEST

/* Reopened with a map where this program moved 1 GiB up: the old address
 * named before is no longer named (no cached answer survives), the new
 * one is; and the unloaded notes are the new ones. */
START_TEST(reopened_with_a_later_map)
{
	struct hs_symbolizer s2;
	struct hs_frame_text f[4];
	char text[PATH_MAX + 128];
	unsigned line = 0;
	uintptr_t addr = hs_test_plain_caller(&line);

	ck_assert_int_eq(hs_symbols_open_maps(&s2, maps, maps_len, NULL, 0), 0);
	ck_assert_uint_eq(s2.symbolize(s2.ctx, addr, f, 4), 1);
	ck_assert_str_eq(f[0].function, "hs_test_plain_caller");

	int len = moved_map(text, sizeof(text), 1ul << 30);
	ck_assert_int_eq(hs_symbols_reopen_maps(&s2, text, (size_t)len, NULL, 0), 0);
	ck_assert_uint_eq(s2.symbolize(s2.ctx, addr, f, 4), 1);
	ck_assert_ptr_null(f[0].function);
	ck_assert_ptr_null(f[0].object);
	ck_assert_uint_eq(s2.symbolize(s2.ctx, addr + (1ul << 30), f, 4), 1);
	ck_assert_str_eq(f[0].function, "hs_test_plain_caller");
	ck_assert_uint_eq(f[0].line, line);
	ck_assert_str_eq(f[0].object, self);

	/* Back to the real map, with a note that a library was unloaded
	 * where this program now is not: the note counts, as in a fresh one. */
	struct hs_unloaded note = { 0x100000, 0x200000, "/usr/lib/libgone.so" };
	ck_assert_int_eq(hs_symbols_reopen_maps(&s2, maps, maps_len, &note, 1), 0);
	ck_assert_uint_eq(s2.symbolize(s2.ctx, addr, f, 4), 1);
	ck_assert_str_eq(f[0].function, "hs_test_plain_caller");
	ck_assert_uint_eq(s2.symbolize(s2.ctx, 0x100010, f, 4), 1);
	ck_assert_ptr_null(f[0].function);
	ck_assert_str_eq(f[0].object, "/usr/lib/libgone.so");
	hs_symbols_close(&s2);
}
END_TEST

/* A plain mmap of this program's file (as a program reading an ELF file
 * makes) is not taken for where the program is loaded. */
START_TEST(file_mapped_as_data)
{
	struct hs_symbolizer s2;
	struct hs_frame_text f[4];
	unsigned line = 0;
	uintptr_t addr = hs_test_plain_caller(&line);
	int fd = open(self, O_RDONLY | O_CLOEXEC);
	void *copy;

	ck_assert_int_ge(fd, 0);
	/* Below the program: libdw would start the module there.  The
	 * first place is above ASan's shadow memory, the second below it. */
	copy = MAP_FAILED;
	for (int k = 0; k < 2 && copy == MAP_FAILED; k++)
		copy = mmap((void *)(k == 0 ? 0x100080000000ul : 0x200000000ul), 1 << 16, PROT_READ,
			    MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
	ck_assert_ptr_ne(copy, MAP_FAILED);
	ck_assert_uint_lt((uintptr_t)copy, addr);
	close(fd);
	read_maps();
	ck_assert_int_eq(hs_symbols_open_maps(&s2, maps, maps_len, NULL, 0), 0);
	ck_assert_uint_eq(s2.symbolize(s2.ctx, addr, f, 4), 1);
	ck_assert_str_eq(f[0].function, "hs_test_plain_caller");
	ck_assert_uint_eq(f[0].line, line);
	ck_assert_uint_eq(s2.symbolize(s2.ctx, (uintptr_t)copy + 0x1000, f, 4), 1);
	ck_assert_ptr_null(f[0].function);
	hs_symbols_close(&s2);
	munmap(copy, 1 << 16);
}
END_TEST

/* Mangled names as Valgrind 3.19's massif prints them (checked against
 * `valgrind --tool=massif` on a rustc 1.63 -C opt-level=3 -g binary). */
static const struct {
	const char *mangled, *valgrind;
} names[] = {
	/* C and unmangled names stay as they are. */
	{ "main", "main" },
	{ "_start", "_start" },
	{ "__libc_start_main", "__libc_start_main" },
	/* C++ (Itanium ABI), with parameters. */
	{ "_Z1fi", "f(int)" },
	{ "_ZNSt6vectorIiSaIiEE9push_backERKi",
	  "std::vector<int, std::allocator<int> >::push_back(int const&)" },
	{ "_Znwm", "operator new(unsigned long)" },
	/* Rust legacy: no ::h<hash>, no $u7b$ / $LT$ escapes. */
	{ "_ZN9rust_leak11create_leak17h4ad055c5697cc43cE", "rust_leak::create_leak" },
	{ "_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h1234567890abcdefE",
	  "std::rt::lang_start::{{closure}}" },
	{ "_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$"
	  "closure$u7d$$u7d$$GT$17h02dc8ed2e3fef6b1E",
	  "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>" },
	/* Rust legacy with an LLVM ".llvm.N" suffix: dropped. */
	{ "_ZN9hashbrown3raw21RawTable$LT$T$C$A$GT$14reserve_rehash17hdc088139f63ccfa2E"
	  ".llvm.2276554211",
	  "hashbrown::raw::RawTable<T,A>::reserve_rehash" },
	/* Rust v0: paths, generics, closures, the .llvm suffix. */
	{ "_RNvNtCs1234_3std2rt19lang_start_internal", "std::rt::lang_start_internal" },
	{ "_RNvNtCs1234_3std2rt19lang_start_internal.llvm.1234567",
	  "std::rt::lang_start_internal" },
	{ "_RNvMNtCs1234_5alloc3vecINtB2_3VecpE7reserve", "<alloc::vec::Vec<_>>::reserve" },
	{ "_RNCNvCs1234_9rust_leak4main0B3_", "rust_leak::main::{closure#0}" },
	/* Not really mangled: left as is. */
	{ "_ZZZ", "_ZZZ" },
	{ "_Rnot_mangled", "_Rnot_mangled" },
};

START_TEST(valgrind_names)
{
	char *got = hs_symbols_demangle(names[_i].mangled);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, names[_i].valgrind);
	free(got);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rec_symbols");
	TCase *tc = tcase_create("symbols");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, plain_call_site);
	tcase_add_test(tc, inline_frames_innermost_first);
	tcase_add_test(tc, nested_inline_chain);
	tcase_add_test(tc, cached_answers_are_stable);
	tcase_add_test(tc, library_without_debug_info);
	tcase_add_test(tc, functions_by_name);
	tcase_add_test(tc, unknown_address);
	tcase_add_test(tc, unloaded_object_is_not_renamed);
	tcase_add_test(tc, empty_map);
	tcase_add_test(tc, map_of_another_layout);
	tcase_add_test(tc, file_mapped_as_data);
	tcase_add_test(tc, reopened_with_the_same_map);
	tcase_add_test(tc, nested_symbols_in_any_order);
	tcase_add_test(tc, reopened_with_a_later_map);
	tcase_add_loop_test(tc, valgrind_names, 0, (int)(sizeof(names) / sizeof(names[0])));
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
