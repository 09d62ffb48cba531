/* gold_dlopen: --ignore-fn naming a function of a library loaded with
 * dlopen after the program started (libgoldlib.so, found through the
 * program's RUNPATH).  heapsnap decides --ignore-fn in the program only for
 * the modules mapped at start-up: here the ignored blocks leave the trees
 * but still count in the totals (a known difference, README). */
#include <dlfcn.h>
#include <stdlib.h>

static void *sink[8];

int main(void)
{
	void *lib = dlopen("libgoldlib.so", RTLD_NOW);
	if (lib == NULL)
		return 1;
	void *(*skip)(size_t) = (void *(*)(size_t))dlsym(lib, "lib_skip");
	void *(*make)(size_t) = (void *(*)(size_t))dlsym(lib, "lib_make");
	sink[0] = malloc(100);
	sink[1] = skip(3000);
	sink[2] = make(200);
	free(sink[1]);
	sink[3] = malloc(50);
	sink[4] = skip(1000);
	return 0;
}
