/* budget: heapsnap-print --max-peak=SIZE, a peak-memory gate for CI.
 *
 * Owns parsing SIZE (plain bytes, or a K, M, G suffix with K = 1024) and
 * checking a run's peak total (heap + extra + stacks of its largest
 * snapshot, the peak of ms_print's graph) against it.
 */
#ifndef HS_BUDGET_H
#define HS_BUDGET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sites.h"

/* Exit status when the peak exceeds the budget. */
#define HS_BUDGET_EXCEEDED 3

/* Parse "512K", "64M", "2G" or "1000" (bytes); false on anything else,
 * including 0 digits, other suffixes and overflow. */
bool hs_size_parse(const char *text, uint64_t *bytes);

/* Compare run's peak total with budget_B; when it exceeds, write one line to
 * msg naming the file, the peak and the budget and return HS_BUDGET_EXCEEDED,
 * else 0. */
int hs_budget_check(FILE *msg, const struct hs_run *run, uint64_t budget_B);

#endif
