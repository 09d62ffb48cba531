/* stress_nullmalloc: every heap call that must fail does, as glibc says:
 * malloc, calloc (overflow too), realloc (old block kept), reallocarray,
 * posix_memalign, aligned_alloc, memalign, valloc and pvalloc with sizes
 * no heap can give.  Prints each result; the recorder must not change one,
 * nor errno, and must count only the blocks that were really given. */
#include <errno.h>
#include <malloc.h>

#include "stress_common.h"

#define HUGE_B (SIZE_MAX / 2 + 1)

/* Prints whether p is NULL and errno is ENOMEM. */
static void
report(const char *what, void *p, int err)
{
    say("%-28s %s errno=%s\n", what, p ? "non-NULL" : "NULL",
        err == ENOMEM ? "ENOMEM" : err == EINVAL ? "EINVAL" : err ? "other" : "0");
}

int
main(void)
{
    volatile size_t huge = HUGE_B; /* volatile: no compile-time folding */
    void *p;
    errno = 0; p = malloc(huge); report("malloc(huge)", p, errno);
    errno = 0; p = malloc(huge * 2 - 1); report("malloc(SIZE_MAX)", p, errno);
    errno = 0; p = calloc(huge, 4); report("calloc(overflow)", p, errno);
    errno = 0; p = calloc(1, huge); report("calloc(1, huge)", p, errno);
    /* volatile: the compiler must not reason about keep across realloc. */
    char *volatile keep = malloc(100);
    STRESS_CHECK(keep != NULL);
    memset(keep, 'k', 100);
    errno = 0; p = realloc(keep, huge); report("realloc(p, huge)", p, errno);
    STRESS_CHECK(keep[99] == 'k');
    errno = 0; p = reallocarray(keep, huge, 8); report("reallocarray(p, overflow)", p, errno);
    STRESS_CHECK(keep[0] == 'k');
    errno = 0; p = NULL;
    int rc = posix_memalign(&p, 64, huge);
    say("%-28s rc=%s p=%s\n", "posix_memalign(64, huge)",
        rc == ENOMEM ? "ENOMEM" : "other", p ? "set" : "NULL");
    errno = 0; p = NULL;
    rc = posix_memalign(&p, 3, 64);
    say("%-28s rc=%s\n", "posix_memalign(3, 64)", rc == EINVAL ? "EINVAL" : "other");
    errno = 0; p = aligned_alloc(4096, huge); report("aligned_alloc(4096, huge)", p, errno);
    errno = 0; p = memalign(64, huge); report("memalign(64, huge)", p, errno);
    errno = 0; p = valloc(huge); report("valloc(huge)", p, errno);
    errno = 0; p = pvalloc(huge); report("pvalloc(huge)", p, errno);
    free(keep);
    /* The heap works afterwards: 10 blocks of 1000 bytes stay live at exit. */
    for (int i = 0; i < 10; i++)
        STRESS_CHECK(malloc(1000) != NULL);
    return 0;
}
