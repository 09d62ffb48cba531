/* symbols: code address -> function, file:line, object, at write time only.
 *
 * The interface the file writer uses to name frames.  The real
 * implementation (symbols.c) loads elfutils libdw with dlopen when the file
 * is written, never at the target's start-up; the unit tests pass a fake.
 */
#ifndef HS_SYMBOLS_H
#define HS_SYMBOLS_H

#include <stddef.h>
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

struct hs_symbolizer {
	hs_symbolize_fn symbolize;
	void *ctx;
};

/* A module the program unloaded (dlclose) while it was recorded: its
 * addresses must not be named after what was mapped there later. */
struct hs_unloaded {
	uintptr_t start, end;
	const char *path;
};

/* The offline symbolizer of a recorded process: modules from the text of
 * its /proc/self/maps (len bytes) and the unloaded ones (resolve side;
 * provided by src/resolve/symbols.c).  Returns 0, or -1 when libdw is
 * missing (frames are then named "???"). */
int hs_symbols_open_maps(struct hs_symbolizer *sym, const char *maps_text, size_t len,
			 const struct hs_unloaded *unloaded, unsigned n_unloaded);

/* The libdw symbolizer for the current process.  Returns 0, or -1 when
 * libdw cannot be loaded (then every frame is named from the dynamic
 * symbol table through dladdr, or "???"). */
int hs_symbols_open(struct hs_symbolizer *sym);
void hs_symbols_close(struct hs_symbolizer *sym);

/* Note that the object at path, mapped at [start, end), was unloaded
 * (dlclose): its addresses are named "???" at write time unless that same
 * object is mapped there again, never after whatever was mapped there
 * since.  Allocates nothing and takes no lock (safe in the dlclose wrapper
 * and across fork); a full table drops the note. */
void hs_symbols_note_unloaded(uintptr_t start, uintptr_t end, const char *path);

#endif
