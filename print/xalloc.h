/* xalloc: the printer's allocation helpers.  Out of memory ends the
 * printer with one line ("heapsnap-print: out of memory", exit 1): it has
 * nothing to save and nothing half-written to undo. */
#ifndef HS_XALLOC_H
#define HS_XALLOC_H

#include <stddef.h>

void *hs_xmalloc(size_t n);
void *hs_xrealloc(void *p, size_t n);
char *hs_xstrdup(const char *s);
char *hs_xstrndup(const char *s, size_t n);
/* p, an array of elem-sized items with room for *cap, grown (doubling,
 * from 16) to hold at least need items. */
void *hs_grow(void *p, size_t *cap, size_t need, size_t elem);

#endif
