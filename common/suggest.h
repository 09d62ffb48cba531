/* suggest: "did you mean" for a misspelt command-line option.
 *
 * Shared by the launcher (src/launcher) and the printer (print/), which
 * otherwise see none of each other's headers: this directory holds only
 * code that depends on neither, and each part compiles suggest.c with its
 * own flags (the printer's may be sanitized, the launcher's never are).
 *
 * The caller feeds every option name it knows, then asks for the best
 * one.  Names are compared up to their '=' ("--depth=12" as "--depth"),
 * with the optimal string alignment distance (Levenshtein plus the swap
 * of two neighbours, so "--lekas" is one step from "--leaks").  A name is
 * suggested when it is the only one at the smallest distance, that
 * distance is 1 or 2 and at most a third of the name's length without its
 * dashes (no "--x" for "--z"); failing that, when the typed name is a
 * prefix of only one name ("--max-snap" for "--max-snapshots").  When the
 * typed name is a known one ("--heap" without its "=yes"), nothing is
 * suggested: the option exists, its value is what is wrong.
 */
#ifndef HS_SUGGEST_H
#define HS_SUGGEST_H

#include <stddef.h>

/* Longest name compared; longer names are never suggested. */
#define HS_SUGGEST_NAME_MAX 64

/* The best candidate so far for one typed argument. */
struct hs_suggest {
	const char *typed;  /* the argument as typed */
	size_t typed_len;   /* its name: up to '=' */
	unsigned best_dist; /* smallest distance seen */
	const char *best;   /* the first name at best_dist */
	size_t best_len;
	unsigned n_best;    /* distinct names at best_dist */
	const char *prefix; /* the one name typed is a prefix of; NULL when none */
	size_t prefix_len;
	unsigned n_prefix; /* distinct names typed is a prefix of */
	int exact;         /* the typed name is a known one */
};

/* Starts a search for arg ("--max-snapshot=50"). */
void hs_suggest_init(struct hs_suggest *s, const char *arg);

/* Offers one known name, name[0..len) ("--max-snapshots"; len stops
 * before any '=' the caller keeps in its table). */
void hs_suggest_add(struct hs_suggest *s, const char *name, size_t len);

/* Offers every name of a NULL-terminated table; each is compared up to
 * its '=' ("--x=" as "--x"). */
void hs_suggest_add_all(struct hs_suggest *s, const char *const *names);

/* The name to suggest (not NUL-terminated: *len says how long), or NULL. */
const char *hs_suggest_best(const struct hs_suggest *s, size_t *len);

/* The length of name up to its first '=' (or all of it). */
size_t hs_suggest_name_len(const char *name);

/* The optimal string alignment distance between a[0..na) and b[0..nb),
 * both at most HS_SUGGEST_NAME_MAX long; larger ones give a number above
 * either length. */
unsigned hs_suggest_distance(const char *a, size_t na, const char *b, size_t nb);

#endif /* HS_SUGGEST_H */
