/* suggest: "did you mean" for a misspelt command-line option (see suggest.h). */
#include "suggest.h"

#include <string.h>

/* The length of name up to its first '=' (or all of it). */
size_t hs_suggest_name_len(const char *name)
{
	return strcspn(name, "=");
}

/* Three rows of the dynamic programme: two back for the swap. */
unsigned hs_suggest_distance(const char *a, size_t na, const char *b, size_t nb)
{
	unsigned rows[3][HS_SUGGEST_NAME_MAX + 1];
	unsigned *back2 = rows[0], *back1 = rows[1], *cur = rows[2];

	if (na > HS_SUGGEST_NAME_MAX || nb > HS_SUGGEST_NAME_MAX)
		return (unsigned)(na > nb ? na : nb) + 1;
	for (size_t j = 0; j <= nb; j++)
		back1[j] = (unsigned)j;
	for (size_t i = 1; i <= na; i++) {
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= nb; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned d = back1[j - 1] + cost;
			if (back1[j] + 1 < d)
				d = back1[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    back2[j - 2] + 1 < d)
				d = back2[j - 2] + 1;
			cur[j] = d;
		}
		unsigned *t = back2;
		back2 = back1;
		back1 = cur;
		cur = t;
	}
	return back1[nb];
}

void hs_suggest_init(struct hs_suggest *s, const char *arg)
{
	memset(s, 0, sizeof *s);
	s->typed = arg;
	s->typed_len = hs_suggest_name_len(arg);
	s->best_dist = (unsigned)-1;
}

/* Whether a[0..na) and b[0..nb) are the same name. */
static int same(const char *a, size_t na, const char *b, size_t nb)
{
	return na == nb && memcmp(a, b, na) == 0;
}

/* The length of name without its leading dashes. */
static size_t core_len(const char *name, size_t len)
{
	size_t i = 0;
	while (i < len && name[i] == '-')
		i++;
	return len - i;
}

void hs_suggest_add(struct hs_suggest *s, const char *name, size_t len)
{
	if (len == 0)
		return;
	if (same(s->typed, s->typed_len, name, len)) {
		s->exact = 1;
		return;
	}
	unsigned d = hs_suggest_distance(s->typed, s->typed_len, name, len);
	if (d <= 2 && 3 * d <= core_len(name, len)) {
		if (d < s->best_dist) {
			s->best_dist = d;
			s->best = name;
			s->best_len = len;
			s->n_best = 1;
		} else if (d == s->best_dist && !same(s->best, s->best_len, name, len)) {
			s->n_best++;
		}
	}
	/* "--" alone or "-" is a prefix of everything and says nothing. */
	if (core_len(s->typed, s->typed_len) >= 2 && s->typed_len < len &&
	    memcmp(s->typed, name, s->typed_len) == 0) {
		if (s->n_prefix == 0) {
			s->prefix = name;
			s->prefix_len = len;
			s->n_prefix = 1;
		} else if (!same(s->prefix, s->prefix_len, name, len)) {
			s->n_prefix++;
		}
	}
}

void hs_suggest_add_all(struct hs_suggest *s, const char *const *names)
{
	for (; *names != NULL; names++)
		hs_suggest_add(s, *names, hs_suggest_name_len(*names));
}

const char *hs_suggest_best(const struct hs_suggest *s, size_t *len)
{
	if (s->exact)
		return NULL;
	if (s->n_best == 1) {
		*len = s->best_len;
		return s->best;
	}
	if (s->n_best == 0 && s->n_prefix == 1) {
		*len = s->prefix_len;
		return s->prefix;
	}
	return NULL;
}
