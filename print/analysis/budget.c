/* budget: heapsnap-print --max-peak=SIZE, a peak-memory gate for CI. */
#include "config.h"

#include "budget.h"

#include <ctype.h>
#include <inttypes.h>

#include "numfmt.h"

bool hs_size_parse(const char *text, uint64_t *bytes)
{
	uint64_t v = 0;
	const char *p = text;
	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	unsigned shift = 0;
	switch (*p) {
	case '\0':
		break;
	case 'K':
	case 'k':
		shift = 10;
		p++;
		break;
	case 'M':
	case 'm':
		shift = 20;
		p++;
		break;
	case 'G':
	case 'g':
		shift = 30;
		p++;
		break;
	default:
		return false;
	}
	if (*p != '\0')
		return false;
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*bytes = v << shift;
	return true;
}

int hs_budget_check(FILE *msg, const struct hs_run *run, uint64_t budget_B)
{
	uint64_t peak = hs_snap_total_B(&run->snaps[hs_run_max_total_index(run)]);
	if (peak <= budget_B)
		return 0;
	char p[HS_FMT_LEN], b[HS_FMT_LEN], ph[HS_FMT_LEN], bh[HS_FMT_LEN];
	fprintf(msg, "heapsnap-print: %s: peak %s B (%s) exceeds the budget of %s B (%s)\n",
		run->source, hs_fmt_grouped((int64_t)peak, p), hs_fmt_bytes((double)peak, ph),
		hs_fmt_grouped((int64_t)budget_B, b), hs_fmt_bytes((double)budget_B, bh));
	return HS_BUDGET_EXCEEDED;
}
