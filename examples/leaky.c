/* leaky: heapsnap's example program, a slow leak hidden in busy work.
 *
 * Each request parses a message into short-lived buffers, which are freed,
 * and caches a copy of the result -- a cache that is never trimmed.  The
 * heap therefore climbs like a staircase while the busy work churns on top
 * of it.  Run it under heapsnap and the peak tree names remember_result()
 * as the function holding almost all of the memory:
 *
 *   ./heapsnap --time-unit=B --print ./examples/leaky
 */
#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *next;
	int id;
	char *text;
};

static struct entry *cache;
static size_t cached_bytes;

/* Short-lived work: a token buffer and a scratch buffer, both freed. */
static __attribute__((noinline)) size_t parse_request(int id)
{
	char *tokens = malloc(2048);
	char *scratch = malloc(512 + (size_t)(id % 64));
	if (tokens == NULL || scratch == NULL)
		exit(1);
	memset(tokens, 'a' + id % 26, 2048);
	memcpy(scratch, tokens, 512);
	size_t len = 200 + (size_t)(scratch[id % 512] % 100);
	free(scratch);
	free(tokens);
	return len;
}

/* The leak: every result is cached and never evicted. */
static __attribute__((noinline)) size_t remember_result(int id, size_t len)
{
	struct entry *e = malloc(sizeof *e);
	if (e == NULL)
		exit(1);
	e->text = malloc(len);
	if (e->text == NULL)
		exit(1);
	memset(e->text, 'x', len);
	e->id = id;
	e->next = cache;
	cache = e;
	return sizeof *e + len;
}

/* One request: parse it, and cache every fifth result. */
static __attribute__((noinline)) void handle_request(int id)
{
	size_t len = parse_request(id);
	if (id % 5 == 0)
		cached_bytes += remember_result(id, len);
}

int main(void)
{
	for (int id = 0; id < 20000; id++)
		handle_request(id);
	return cached_bytes == 0;
}
