/* A list grows node by node, then is freed whole, ten times over: the heap
 * goes up and comes back down (sawtooth), which is not a leak. */
#include "leak_common.h"

struct node {
	struct node *next;
	char payload[248];
};

static struct node *push_node(struct node *head)
{
	struct node *n = malloc(sizeof *n);
	n->next = head;
	return n;
}

static void free_list(struct node *head)
{
	while (head != NULL) {
		struct node *next = head->next;
		free(head);
		head = next;
	}
}

int main(void)
{
	for (unsigned cycle = 0; cycle < 10; cycle++) {
		struct node *head = NULL;
		for (unsigned i = 0; i < 40; i++) {
			churn(cycle * 40 + i);
			head = push_node(head);
		}
		free_list(head);
	}
	return 0;
}
