/* rec_tagged: the paths of exact mode's tags (sizetag.h, interpose.c).
 *
 * While the process has one thread, malloc and calloc keep the blocks of a
 * busy context (32 blocks made) out of the recorder's table, the size and
 * the context's tag id in a tag: inside the block where glibc's slack has
 * room, in the shadow where it has not (requests 24, 40, 56), past the
 * heap for an mmapped block.  Then:
 *   - realloc of such blocks, grown and shrunk (they go into the table);
 *   - more busy stacks than there are tag ids (8,191): the rest stay in
 *     the table;
 *   - a second thread, after which blocks made before it are freed and
 *     realloc'd (into the table first, then the thread's paths).
 *   - then every block out of the table freed: the tags stop.
 * Every event is deterministic.  It prints malloc_usable_size of a
 * 63-byte block, twice: the request when the tags are on, glibc's 72
 * else (so 63 then 72 with tags). */
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>

#include "rec_common.h"

#define SHAPES 14 /* 2^14 distinct stacks in shape() */

static void *shaped[1u << SHAPES];

static REC_NOINLINE void *leaf(size_t n)
{
	return malloc(n);
}

/* A stack whose frames spell the bits of path, one level per bit. */
static REC_NOINLINE void *shape_one(unsigned path, int depth);
static REC_NOINLINE void *shape_zero(unsigned path, int depth)
{
	if (depth == 0)
		return leaf(8 + (path & 7));
	return (path >> (depth - 1)) & 1 ? shape_one(path, depth - 1) : shape_zero(path, depth - 1);
}

static REC_NOINLINE void *shape_one(unsigned path, int depth)
{
	if (depth == 0)
		return leaf(8 + (path & 7));
	return (path >> (depth - 1)) & 1 ? shape_one(path, depth - 1) : shape_zero(path, depth - 1);
}

static REC_NOINLINE void *grow(void *p, size_t n)
{
	return realloc(p, n);
}

static REC_NOINLINE void *in_thread(void *arg)
{
	void **before = arg;
	void *mine = malloc(1000);
	rec_keep(mine);
	free(before[0]); /* made by main before this thread */
	before[1] = grow(before[1], 3000);
	free(mine);
	return NULL;
}

/* n bytes from one call site, made busy by the loops below. */
static REC_NOINLINE void *busy(size_t n)
{
	return malloc(n);
}

static REC_NOINLINE void *busy_zeroed(size_t n)
{
	return calloc(1, n);
}

int main(void)
{
	void *kept[128];
	/* Each size class many times over: no slack (the shadow), some, a
	 * lot, mmapped; the first 32 from each call site go into the table. */
	static const size_t sizes[] = { 24, 40, 100, 56, 300000, 63 };
	for (unsigned i = 0; i < 128; i++) {
		size_t n = sizes[i % 6];
		kept[i] = i % 2 ? busy(n) : busy_zeroed(n);
		if (i % 3 == 0) {
			free(kept[i]);
			kept[i] = NULL;
		}
	}
	for (unsigned i = 80; i < 92; i++)
		kept[i] = grow(kept[i], i % 2 ? 2000 : 20); /* moves, or shrinks in place */
	void *d = kept[107];                                /* 63 bytes, out of the table */

	for (unsigned round = 0; round < 34; round++) {
		for (unsigned i = 0; i < 8300; i++) {
			void *p = shape_zero(i, SHAPES);
			if (round < 33)
				free(p);
			else
				shaped[i] = p;
		}
	}
	for (unsigned i = 0; i < 8300; i += 2)
		free(shaped[i]);

	void *before[2] = { kept[101], kept[103] };
	kept[101] = kept[103] = NULL;
	pthread_t t;
	if (pthread_create(&t, NULL, in_thread, before) != 0)
		return 1;
	pthread_join(t, NULL);
	free(before[1]);
	for (unsigned i = 1; i < 8300; i += 4)
		free(shaped[i]);
	for (unsigned i = 92; i < 98; i++)
		kept[i] = grow(kept[i], 5000);
	for (unsigned i = 0; i < 80; i += 2) {
		free(kept[i]);
		kept[i] = NULL;
	}
	void *g = busy(40);
	rec_keep(g);
	/* With tags, the request (the tag lies past it); else glibc's. */
	rec_put_kv("usable", malloc_usable_size(d));
	/* Every block out of the table gone, with threads: the tags stop. */
	for (unsigned i = 0; i < 128; i++)
		free(kept[i]);
	for (unsigned i = 3; i < 8300; i += 4)
		free(shaped[i]);
	void *late = busy(63);
	rec_put_kv("usable", malloc_usable_size(late));
	free(late);
	return 0;
}
