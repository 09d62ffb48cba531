/* arena: mmap-backed memory for the recorder (see arena.h). */
#include "arena.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>

#define HS_CHUNK_BYTES ((size_t)1 << 20)
#define HS_ALIGN_BYTES 16

struct hs_arena_chunk {
	struct hs_arena_chunk *next;
	size_t map_bytes;
};

/* Process-wide accounting: atomics, because the writer's scratch arena and
 * the recorder's arena may be used from different threads. */
static _Atomic size_t mapped_total_bytes;
static _Atomic size_t limit_total_bytes;

static size_t page_round(size_t bytes)
{
	const size_t page = 4096;
	if (bytes > SIZE_MAX - page)
		return 0;
	return (bytes + page - 1) & ~(page - 1);
}

void *hs_arena_map(size_t bytes)
{
	size_t len = page_round(bytes);
	if (len == 0)
		return NULL;
	size_t limit = atomic_load(&limit_total_bytes);
	size_t before = atomic_fetch_add(&mapped_total_bytes, len);
	if (limit != 0 && before + len > limit) {
		atomic_fetch_sub(&mapped_total_bytes, len);
		return NULL;
	}
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		atomic_fetch_sub(&mapped_total_bytes, len);
		return NULL;
	}
	return p;
}

/* Linux 5.14's madvise advice, for headers older than it. */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

void hs_arena_fill(void *p, size_t bytes)
{
	/* Measured on the bench machine, per 4 KiB page: a write fault
	 * 12-15 us, a read then a write (a probe before an insert) 26-30 us,
	 * this 4 us. */
	if (p != NULL && bytes != 0 && bytes <= HS_FILL_MAX_BYTES)
		madvise(p, page_round(bytes), MADV_POPULATE_WRITE);
}

void hs_arena_unmap(void *p, size_t bytes)
{
	if (p == NULL)
		return;
	size_t len = page_round(bytes);
	munmap(p, len);
	atomic_fetch_sub(&mapped_total_bytes, len);
}

size_t hs_arena_mapped_bytes(void)
{
	return atomic_load(&mapped_total_bytes);
}

void hs_arena_set_limit(size_t limit_bytes)
{
	atomic_store(&limit_total_bytes, limit_bytes);
}

void hs_arena_init(struct hs_arena *a)
{
	a->chunks = NULL;
	a->cur = NULL;
	a->end = NULL;
}

void *hs_arena_alloc(struct hs_arena *a, size_t bytes)
{
	if (bytes > SIZE_MAX / 2)
		return NULL;
	size_t need = (bytes + HS_ALIGN_BYTES - 1) & ~(size_t)(HS_ALIGN_BYTES - 1);
	if (need == 0)
		need = HS_ALIGN_BYTES;
	if ((size_t)(a->end - a->cur) < need) {
		size_t head = (sizeof(struct hs_arena_chunk) + HS_ALIGN_BYTES - 1) &
			      ~(size_t)(HS_ALIGN_BYTES - 1);
		size_t map_bytes = head + need > HS_CHUNK_BYTES ? head + need : HS_CHUNK_BYTES;
		struct hs_arena_chunk *c = hs_arena_map(map_bytes);
		if (c == NULL)
			return NULL;
		c->map_bytes = map_bytes;
		c->next = a->chunks;
		a->chunks = c;
		/* The rest of the old chunk is abandoned: at most one small
		 * request's worth, since big requests get a chunk sized to fit. */
		a->cur = (char *)c + head;
		a->end = (char *)c + page_round(map_bytes);
	}
	void *p = a->cur;
	a->cur += need;
	return p;
}

void hs_arena_destroy(struct hs_arena *a)
{
	struct hs_arena_chunk *c = a->chunks;
	while (c != NULL) {
		struct hs_arena_chunk *next = c->next;
		hs_arena_unmap(c, c->map_bytes);
		c = next;
	}
	hs_arena_init(a);
}
