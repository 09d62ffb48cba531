/* stress_dlopen: dlopen and dlclose a library (stress_dllib.c, path in
 * argv[1]) in a loop.  Its constructor allocates, its destructor frees,
 * and a block from it stays live after each dlclose.  The recorder must
 * name those frames correctly or as "???", never as garbage.
 * HS_STRESS_ITERATIONS: load/unload cycles (default 200). */
#include <dlfcn.h>

#include "stress_common.h"

#define BLOCK_BYTES 4000

int
main(int argc, char **argv)
{
    STRESS_CHECK(argc == 2);
    unsigned long cycles = stress_iterations(200);
    void **live = calloc(cycles, sizeof *live);
    STRESS_CHECK(live != NULL);
    for (unsigned long i = 0; i < cycles; i++) {
        void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        if (h == NULL) {
            say("dlopen: %s\n", dlerror());
            return 1;
        }
        void *(*alloc)(size_t) = (void *(*)(size_t))dlsym(h, "stress_dl_alloc");
        STRESS_CHECK(alloc != NULL);
        live[i] = alloc(BLOCK_BYTES);
        STRESS_CHECK(live[i] != NULL);
        STRESS_CHECK(dlclose(h) == 0);
    }
    say("cycles=%lu live_from_unloaded_B=%lu\n", cycles, cycles * BLOCK_BYTES);
    for (unsigned long i = 0; i < cycles; i++)
        free(live[i]);
    free(live);
    return 0;
}
