/* Leak: a table that grows all run (120-byte entries in 256 buckets) and is
 * freed on a tidy shutdown.  Must name table_insert. */
#include "lk_common.h"

struct entry {
	struct entry *next;
	unsigned key;
	char payload[116];
};

static struct entry *table[256];

static LK_NOINLINE void table_insert(unsigned key)
{
	struct entry *e = malloc(sizeof *e);
	e->key = key;
	memset(e->payload, 'x', sizeof e->payload);
	e->next = table[key % 256];
	table[key % 256] = e;
}

static LK_NOINLINE void table_clear(void)
{
	for (unsigned b = 0; b < 256; b++)
		while (table[b]) {
			struct entry *e = table[b];
			table[b] = e->next;
			free(e);
		}
}

int main(void)
{
	for (unsigned i = 0; i < 600; i++) {
		churn(i);
		table_insert(i * 2654435761u);
	}
	table_clear();
	return 0;
}
