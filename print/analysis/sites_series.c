/* sites_series: a companion series file (series.h) seen as a site table. */
#include "config.h"

#include "sites_series.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A site's path as sites.h spells it: frame texts, innermost first. */
static char *site_path(const struct hs_series *s, size_t site)
{
	size_t len = 1;
	for (size_t k = 0; k < s->site_n_frames[site]; k++)
		len += strlen(hs_frame_text(s->frames[s->site_frames[site][k]])) + 1;
	char *path = hs_xmalloc(len), *p = path;
	for (size_t k = 0; k < s->site_n_frames[site]; k++) {
		const char *f = hs_frame_text(s->frames[s->site_frames[site][k]]);
		size_t n = strlen(f);
		if (k > 0)
			*p++ = '\n';
		memcpy(p, f, n);
		p += n;
	}
	*p = '\0';
	return path;
}

struct hs_run *hs_run_from_series(const struct hs_series *s, const char *source)
{
	struct hs_run *run = hs_run_new(source, s->time_unit);
	run->dense = true;
	run->sample_B = s->sample_B;
	if (s->end != NULL)
		run->end_how = strdup(s->end);
	for (size_t i = 0; i < s->n_points; i++) {
		const struct hs_series_point *pt = &s->points[i];
		hs_run_add_snapshot(run, pt->time, pt->heap_B, pt->extra_B, 0, true,
				    pt->kind == 'p');
		run->snaps[run->n_snaps - 1].alloc_B = pt->alloc_B;
	}
	run->has_alloc = s->has_alloc;
	if (s->n_points == 0)
		return run;

	/* Contexts with the same text (addresses apart) are one site. */
	size_t *index = hs_xmalloc(s->n_sites * sizeof *index);
	for (size_t c = 0; c < s->n_sites; c++) {
		char *path = site_path(s, c);
		index[c] = hs_run_site_index(run, path);
		free(path);
	}
	uint64_t *ctx_cur = calloc(s->n_sites ? s->n_sites : 1, sizeof *ctx_cur);
	uint64_t *site_cur = calloc(run->n_sites ? run->n_sites : 1, sizeof *site_cur);
	if (ctx_cur == NULL || site_cur == NULL) {
		fputs("heapsnap-print: out of memory\n", stderr);
		exit(1);
	}
	size_t k = 0;
	for (size_t i = 0; i < s->n_points; i++) {
		for (; k < s->n_changes && s->changes[k].point == i; k++) {
			const struct hs_series_change *ch = &s->changes[k];
			site_cur[index[ch->site]] += ch->bytes - ctx_cur[ch->site];
			ctx_cur[ch->site] = ch->bytes;
		}
		for (size_t j = 0; j < run->n_sites; j++)
			run->sites[j].bytes[i] = site_cur[j];
	}
	free(site_cur);
	free(ctx_cur);
	free(index);
	return run;
}
