/* gold_inline: allocations through always_inline functions (built -O2),
 * so one address stands for several frames: an inline chain three deep,
 * and the same inlined helper in two callers. */
#include <stdlib.h>

static void *sink[32];

static inline __attribute__((always_inline)) void *raw_bytes(size_t n)
{
	return malloc(n);
}

static inline __attribute__((always_inline)) void *record_of(size_t n)
{
	return raw_bytes(n * 8 + 16);
}

static inline __attribute__((always_inline)) void *table_of(size_t rows)
{
	return record_of(rows * 4);
}

__attribute__((noinline)) void fill_table(int i)
{
	sink[i] = table_of((size_t)(i + 1) * 10);
}

__attribute__((noinline)) void fill_record(int i)
{
	sink[i] = record_of((size_t)i * 100);
}

int main(void)
{
	for (int i = 0; i < 10; i++)
		fill_table(i);
	for (int i = 10; i < 20; i++)
		fill_record(i);
	for (int i = 0; i < 20; i += 3)
		free(sink[i]);
	return 0;
}
