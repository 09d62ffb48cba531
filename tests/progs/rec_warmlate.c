/* rec_warmlate: a library loaded after the launcher has loaded the
 * program's debug information (src/launcher/warmup.h), so the resolver
 * must name frames both in modules loaded ahead and in one it meets only
 * in the final map.
 *
 *   rec_warmlate LIB
 *
 * 1000 bytes from main, then a pause (the launcher names what was
 * recorded meanwhile), then LIB (tests/stress/libstress_dl.so) dlopen'd,
 * 3000 bytes from its stress_dl_alloc kept live, 500 bytes from main,
 * and a longer pause: the launcher reads the program's map every second,
 * sees the library and names everything again, so that the names given
 * while it ran are the ones the resolver keeps. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void *keep[3];

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	keep[0] = malloc(1000); /* line 25 */
	struct timespec pause = { 0, 500000000 };
	nanosleep(&pause, NULL);
	void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		fprintf(stderr, "rec_warmlate: %s\n", dlerror());
		return 1;
	}
	void *(*alloc)(size_t) = (void *(*)(size_t))dlsym(lib, "stress_dl_alloc");
	if (alloc == NULL)
		return 1;
	keep[1] = alloc(3000);
	keep[2] = malloc(500); /* line 37 */
	struct timespec settle = { 2, 500000000 };
	nanosleep(&settle, NULL);
	return keep[1] == NULL || keep[2] == NULL;
}
