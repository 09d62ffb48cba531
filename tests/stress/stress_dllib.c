/* stress_dllib: the library stress_dlopen loads and unloads in a loop.  Its
 * constructor allocates and its destructor frees; stress_dl_alloc hands out
 * blocks that stay live after the library is closed, so the recorder must
 * name frames of code that is no longer mapped. */
#include <stdlib.h>
#include <string.h>

void *stress_dl_alloc(size_t size);

static void *ctor_blocks[8];

__attribute__((constructor)) static void
dl_ctor(void)
{
    for (int i = 0; i < 8; i++)
        ctor_blocks[i] = malloc(64 * (size_t)(i + 1));
}

__attribute__((destructor)) static void
dl_dtor(void)
{
    for (int i = 0; i < 8; i++)
        free(ctor_blocks[i]);
}

/* A block for the caller, which outlives this library. */
__attribute__((noinline)) void *
stress_dl_alloc(size_t size)
{
    void *p = malloc(size);
    if (p)
        memset(p, 0x11, size);
    return p;
}
