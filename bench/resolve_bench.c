/* resolve_bench: how long the offline symbolizer takes to name N distinct
 * code addresses of one ELF file, as the resolver does after a run.
 *
 *   resolve_bench FILE [N]           time opening + naming N addresses (10000)
 *   resolve_bench FILE --print VADDR...  print the frames of each address
 *
 * The module map is made up from FILE's program headers (a PIE or shared
 * object placed at 0x555555554000, an ET_EXEC where it was linked), so no
 * process has to run.  The addresses are the return addresses (minus one)
 * of call instructions found in FILE's executable segment, the kind of
 * address a recorded stack holds, spread evenly over the segment.
 */
#include "config.h"

#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "symbols.h"

#define PIE_BASE 0x555555554000ull
#define PAGE 4096ull

/* Seconds since an arbitrary point. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) this process has used: steadier than wall
 * time on a shared machine. */
static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Print one line naming what went wrong, and exit. */
static void die(const char *what, const char *path)
{
	fprintf(stderr, "resolve_bench: %s: %s\n", path, what);
	exit(1);
}

int main(int argc, char **argv)
{
	struct hs_symbolizer sym;
	struct stat st;
	const Elf64_Ehdr *eh;
	const unsigned char *img;
	char maps[4096];
	size_t maps_len = 0;
	uint64_t base, text_lo = 0, text_hi = 0, text_off = 0;
	uintptr_t *addrs;
	size_t n_cand = 0, want = 10000, n = 0;
	double t0, t1, t2, c0;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: resolve_bench FILE [N | --print VADDR...]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0)
		die("cannot open", argv[1]);
	img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED || st.st_size < (off_t)sizeof(*eh))
		die("cannot map", argv[1]);
	eh = (const Elf64_Ehdr *)(const void *)img;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64)
		die("not a 64-bit ELF file", argv[1]);
	base = eh->e_type == ET_EXEC ? 0 : PIE_BASE;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph =
			(const Elf64_Phdr *)(const void *)(img + eh->e_phoff +
						  (size_t)i * eh->e_phentsize);
		uint64_t lo = (ph->p_vaddr & ~(PAGE - 1)) + base;
		uint64_t hi = (ph->p_vaddr + ph->p_memsz + PAGE - 1) & ~(PAGE - 1);

		if (ph->p_type != PT_LOAD)
			continue;
		maps_len += (size_t)snprintf(
			maps + maps_len, sizeof(maps) - maps_len,
			"%" PRIx64 "-%" PRIx64 " %c%c%cp %08" PRIx64 " 08:01 %lu %s\n", lo,
			hi + base, ph->p_flags & PF_R ? 'r' : '-', ph->p_flags & PF_W ? 'w' : '-',
			ph->p_flags & PF_X ? 'x' : '-', (uint64_t)(ph->p_offset & ~(PAGE - 1)),
			(unsigned long)st.st_ino, argv[1]);
		if ((ph->p_flags & PF_X) && text_hi == 0) {
			text_lo = ph->p_vaddr;
			text_hi = ph->p_vaddr + ph->p_filesz;
			text_off = ph->p_offset;
		}
		if (maps_len >= sizeof(maps))
			die("too many segments", argv[1]);
	}
	if (text_hi == 0)
		die("no executable segment", argv[1]);

	if (argc > 2 && strcmp(argv[2], "--print") == 0) {
		if (hs_symbols_open_maps(&sym, maps, maps_len, NULL, 0) != 0)
			die("cannot open the symbolizer", argv[1]);
		for (int i = 3; i < argc; i++) {
			struct hs_frame_text f[32];
			uintptr_t a = (uintptr_t)(strtoull(argv[i], NULL, 16) + base);
			unsigned k = sym.symbolize(sym.ctx, a, f, 32);

			printf("%s:\n", argv[i]);
			for (unsigned j = 0; j < k; j++)
				printf("  %s (%s:%u) in %s\n",
				       f[j].function ? f[j].function : "???",
				       f[j].file ? f[j].file : "-", f[j].line,
				       f[j].object ? f[j].object : "-");
		}
		hs_symbols_close(&sym);
		return 0;
	}
	if (argc > 2)
		want = strtoul(argv[2], NULL, 10);

	/* Call sites: e8 rel32 whose target lies in the segment. */
	addrs = malloc((text_hi - text_lo) * sizeof(*addrs) / 5 + 1);
	if (addrs == NULL)
		die("out of memory", argv[1]);
	for (uint64_t v = text_lo; v + 5 <= text_hi; v++) {
		const unsigned char *p = img + text_off + (v - text_lo);
		int32_t rel;
		uint64_t target;

		if (p[0] != 0xe8)
			continue;
		memcpy(&rel, p + 1, 4);
		target = v + 5 + (uint64_t)(int64_t)rel;
		if (target >= text_lo && target < text_hi) {
			addrs[n_cand++] = (uintptr_t)(v + 5 - 1 + base);
			v += 4;
		}
	}
	/* Spread the wanted number over every call site found. */
	for (size_t i = 0; i < want && i < n_cand; i++)
		addrs[n++] = addrs[i * n_cand / (want < n_cand ? want : n_cand)];

	t0 = now_s();
	c0 = cpu_s();
	if (hs_symbols_open_maps(&sym, maps, maps_len, NULL, 0) != 0)
		die("cannot open the symbolizer", argv[1]);
	t1 = now_s();
	{
		size_t named = 0, frames = 0, lines = 0;
		for (size_t i = 0; i < n; i++) {
			struct hs_frame_text f[32];
			unsigned k = sym.symbolize(sym.ctx, addrs[i], f, 32);

			frames += k;
			named += f[k - 1].function != NULL;
			lines += f[k - 1].file != NULL;
		}
		t2 = now_s();
		printf("%s: %zu addresses (%zu call sites), %zu frames, %zu named, %zu with a "
		       "line: open %.3f s, naming %.3f s, total %.3f s (cpu %.3f s)\n",
		       argv[1], n, n_cand, frames, named, lines, t1 - t0, t2 - t1, t2 - t0,
		       cpu_s() - c0);
	}
	hs_symbols_close(&sym);
	free(addrs);
	return 0;
}
