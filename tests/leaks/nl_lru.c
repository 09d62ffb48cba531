/* Not a leak: an LRU cache capped at 64 entries of 512 bytes.  Keys come
 * from a fixed linear congruential sequence over 256 keys: misses insert
 * (lru_insert), and at the cap evict the least recently used.  The cap is
 * reached early; the cache then stays at it. */
#include "lk_common.h"

#define CAP 64

struct node {
	struct node *prev, *next;
	unsigned key;
	char value[492];
};

static struct node *head, *tail;
static unsigned count;

static void unlink_node(struct node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		tail = n->prev;
}

static void push_front(struct node *n)
{
	n->prev = NULL;
	n->next = head;
	if (head)
		head->prev = n;
	head = n;
	if (!tail)
		tail = n;
}

static LK_NOINLINE void lru_insert(unsigned key)
{
	if (count == CAP) {
		struct node *old = tail;
		unlink_node(old);
		free(old);
		count--;
	}
	struct node *n = malloc(sizeof *n);
	n->key = key;
	memset(n->value, (int)key, sizeof n->value);
	push_front(n);
	count++;
}

static LK_NOINLINE void lru_get(unsigned key)
{
	for (struct node *n = head; n; n = n->next)
		if (n->key == key) {
			unlink_node(n);
			push_front(n);
			return;
		}
	lru_insert(key);
}

int main(void)
{
	unsigned x = 12345;
	for (unsigned i = 0; i < 1500; i++) {
		x = x * 1103515245u + 12345u;
		if (i % 3 == 0)
			churn(i);
		lru_get((x >> 16) % 256);
	}
	return count != CAP;
}
