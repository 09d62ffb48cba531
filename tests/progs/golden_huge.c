/* golden_huge: blocks of several GB, made with malloc and never touched
 * (so they cost no real memory): GB labels and wide table columns. */
#include <stdlib.h>

int main(void)
{
    void *a = malloc((size_t)3 << 30);       /* 3 GiB */
    void *b = malloc((size_t)5 << 30);       /* 5 GiB */
    void *c = malloc(123456789);
    free(a);
    void *d = malloc(((size_t)1 << 32) + 12345);
    free(b);
    free(c);
    free(d);
    return 0;
}
