/* Unit tests of src/symbols.c on this very program (built -g -O0): an
 * address inside a known call names the function, the file's base name,
 * the line and the object; an inlined call gives the inline frame first,
 * then the real function at the call's line; libc without debug info
 * gives "(in object)"; an unmapped address gives one unknown frame; an
 * address where a dlclose'd object was is never named after whatever is
 * mapped there now. */
#include "config.h"

#include <check.h>

#include "hs_check.h"
#include <dlfcn.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	*line = __LINE__ - 1; /* the line of the call above */
	return a;
}

static inline __attribute__((always_inline)) uintptr_t inlined_helper(unsigned *line)
{
	uintptr_t a = hs_test_here();
	*line = __LINE__ - 1; /* the line of the call above */
	return a;
}

__attribute__((noinline)) uintptr_t hs_test_inline_caller(unsigned *inner, unsigned *outer)
{
	uintptr_t a = inlined_helper(inner);
	*outer = __LINE__ - 1; /* the line of the call above */
	return a;
}

/* Two levels of inlining: past the first, libdw's scopes climb the
 * abstract definition, so the concrete chain must be followed. */
static inline __attribute__((always_inline)) uintptr_t inner_inline(unsigned lines[3])
{
	uintptr_t a = hs_test_here();
	lines[0] = __LINE__ - 1; /* the line of the call above */
	return a;
}

static inline __attribute__((always_inline)) uintptr_t outer_inline(unsigned lines[3])
{
	uintptr_t a = inner_inline(lines);
	lines[1] = __LINE__ - 1; /* the line of the call above */
	return a;
}

__attribute__((noinline)) uintptr_t hs_test_nested_caller(unsigned lines[3])
{
	uintptr_t a = outer_inline(lines);
	lines[2] = __LINE__ - 1; /* the line of the call above */
	return a;
}

static struct hs_symbolizer sym;
static char self[PATH_MAX];

static void setup(void)
{
	ck_assert_int_eq(hs_symbols_open(&sym), 0);
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
	unsigned n = sym.symbolize(sym.ctx, addr, f, 8);

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

START_TEST(unknown_address)
{
	struct hs_frame_text f[4];

	ck_assert_uint_eq(sym.symbolize(sym.ctx, 0x10, f, 4), 1);
	ck_assert_ptr_null(f[0].function);
	ck_assert_ptr_null(f[0].file);
	ck_assert_uint_eq(f[0].line, 0);
	ck_assert_ptr_null(f[0].object);
	ck_assert_uint_eq(sym.symbolize(sym.ctx, 0x10, f, 0), 0);
}
END_TEST

START_TEST(unloaded_object_is_not_renamed)
{
	struct hs_frame_text f[4];
	uintptr_t a = (uintptr_t)&getpid + 1, b = (uintptr_t)&getppid + 1;
	uintptr_t c = (uintptr_t)&getuid + 1;
	Dl_info info;

	/* libc is mapped where "libgone.so" was: "???", in libgone.so. */
	hs_symbols_note_unloaded(a - 1, a + 1, "/gone/libgone.so");
	ck_assert_uint_eq(sym.symbolize(sym.ctx, a, f, 4), 1);
	ck_assert_ptr_null(f[0].function);
	ck_assert_ptr_null(f[0].file);
	ck_assert_str_eq(f[0].object, "/gone/libgone.so");
	/* Two different objects were unloaded from there: no object named. */
	hs_symbols_note_unloaded(b - 1, b + 1, "/gone/liba.so");
	hs_symbols_note_unloaded(b - 1, b + 1, "/gone/libb.so");
	ck_assert_uint_eq(sym.symbolize(sym.ctx, b, f, 4), 1);
	ck_assert_ptr_null(f[0].function);
	ck_assert_ptr_null(f[0].object);
	/* The same object loaded there again: named as usual. */
	ck_assert_int_ne(dladdr((void *)c, &info), 0);
	hs_symbols_note_unloaded(c - 1, c + 1, info.dli_fname);
	ck_assert_uint_eq(sym.symbolize(sym.ctx, c, f, 4), 1);
	ck_assert_ptr_nonnull(f[0].function);
	ck_assert_ptr_nonnull(strstr(f[0].function, "getuid"));
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
	tcase_add_test(tc, unknown_address);
	tcase_add_test(tc, unloaded_object_is_not_renamed);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
