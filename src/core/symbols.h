/* symbols: code address -> function, file:line, object, at resolve time only.
 *
 * The interface the file writer uses to name frames.  The real
 * implementation (src/resolve/symbols.c, linked with elfutils libdw and
 * libiberty) runs in the resolver, outside the recorded program, from the
 * module map the program recorded; the unit tests of the core pass a fake.
 */
#ifndef HS_SYMBOLS_H
#define HS_SYMBOLS_H

#include <stdint.h>

/* One source-level frame.  Any pointer may be NULL when unknown; the
 * strings stay valid until the symbolizer is closed. */
struct hs_frame_text {
	const char *function; /* demangled, e.g. "f(int)"; NULL -> "???" */
	const char *file;     /* base name as Massif prints it, e.g. "example.c" */
	unsigned line;        /* 0 when file is NULL */
	const char *object;   /* path of the ELF object holding the address */
};

/* Expand one code address (already a return address minus one) into its
 * frames, innermost inlined call first and the real (outermost) function
 * last.  Writes at most max frames and returns how many (at least 1 when
 * max >= 1: an unknown address gives one frame of NULLs). */
typedef unsigned (*hs_symbolize_fn)(void *ctx, uintptr_t addr, struct hs_frame_text *out,
				    unsigned max);

/* The real (outermost) function of addr, exactly as symbolize names it
 * last, without its file, line or inlined calls: from the symbol table
 * alone, so a module whose frames are all cut (below main) or stripped
 * (alloc-fns) never has its debug information read.  NULL for "???". */
typedef const char *(*hs_function_fn)(void *ctx, uintptr_t addr);

struct hs_symbolizer {
	hs_symbolize_fn symbolize;
	void *ctx;
	hs_function_fn function_of; /* NULL: ask symbolize */
};

/* An object unloaded by dlclose while the program ran: mapped at
 * [start, end) from path. */
struct hs_unloaded {
	uintptr_t start, end;
	const char *path;
};

/* The libdw symbolizer for a process that has ended: maps_text (len bytes,
 * need not end in NUL) is the text of its /proc/PID/maps, read by the
 * program; each file mapped there is named from that file (and its
 * separate debug information, found locally: never through debuginfod;
 * DEBUGINFOD_URLS is removed from this process's environment).  An address
 * in an unloaded range is named "???" (in that object, when only one was
 * unloaded there) unless the same object is mapped there in the map.  The
 * caller's strings may be freed once this returns.  Returns 0, or -1 when
 * the map cannot be read (then every frame is "???"; sym is still usable
 * and must be closed). */
int hs_symbols_open_maps(struct hs_symbolizer *sym, const char *maps_text, size_t len,
			 const struct hs_unloaded *unloaded, unsigned n_unloaded);
void hs_symbols_close(struct hs_symbolizer *sym);

/* Make sym (opened by hs_symbols_open_maps from an earlier map of the same
 * process, perhaps warmed) the symbolizer of a later map, named exactly as
 * hs_symbols_open_maps would name it: a module mapped at the same
 * addresses from the same file keeps what was loaded for it, the others
 * are dropped or reported anew.  The names already given are kept only
 * when every module is where it was and neither map has unloaded notes;
 * else all are forgotten.  Returns 1 when they were kept, 0 when not, -1
 * as hs_symbols_open_maps does (sym is still usable and must be closed). */
int hs_symbols_reopen_maps(struct hs_symbolizer *sym, const char *maps_text, size_t len,
			   const struct hs_unloaded *unloaded, unsigned n_unloaded);


/* The code ranges [lo, hi) of the functions sym knows (every module of its
 * map) whose name, as sym names their code, classify (given arg) gives a
 * kind other than 0: an array of *n ranges of that kind, malloc'd (free
 * it), sorted by lo.  NULL with *n = 0 when there is none or no memory.
 * maybe (may be NULL) sees each symbol's raw (mangled) name first: 0 means
 * it cannot be wanted, and it is not demangled (demangling every symbol of
 * a large C++ program costs most of the time).  For --ignore-fn decided in
 * the program (fnranges.h); launcher only. */
struct hs_fn_range;
struct hs_fn_range *hs_symbols_find_functions(struct hs_symbolizer *sym,
					      int (*maybe)(void *arg, const char *raw_name),
					      int (*classify)(void *arg, const char *function),
					      void *arg, size_t *n);

/* A symbol name as Valgrind 3.19 prints it (C++, Rust legacy and v0, D
 * demangled; other names unchanged), malloc'd; NULL without memory. */
char *hs_symbols_demangle(const char *name);

#endif
