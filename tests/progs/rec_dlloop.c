/* rec_dlloop: a library dlopen'd and dlclose'd in a loop, as a server
 * reloading a plugin does (issue 13 item 4: a long run stays bounded).
 *
 *   rec_dlloop ROUNDS RAW
 *
 * Each round dlopens libz.so.1, makes one malloc/free pair and dlcloses
 * it.  Then "raw BYTES\n" on stdout: the size of RAW, the raw record being
 * written (or "nolib\n" when libz.so.1 cannot be loaded).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 100;
	struct stat st;

	for (int i = 0; i < rounds; i++) {
		void *h = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
		if (h == NULL) {
			puts("nolib");
			return 0;
		}
		void *volatile p = malloc(100);
		free(p);
		dlclose(h);
	}
	if (argc > 2 && stat(argv[2], &st) == 0)
		printf("raw %lld\n", (long long)st.st_size);
	return 0;
}
