/* heapsnap-print: a C ms_print. Placeholder until the printer lands. */
#include <stdio.h>

int main(void)
{
	fputs("heapsnap-print: not implemented yet\n", stderr);
	return 1;
}
