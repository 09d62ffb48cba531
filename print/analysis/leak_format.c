/* leak_format: how the leak, diff and budget reports write numbers. */
#include "config.h"

#include "leak_format.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

char *hs_fmt_grouped(int64_t v, char *buf)
{
	char digits[32];
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	int n = snprintf(digits, sizeof digits, "%" PRIu64, mag);
	char *p = buf;
	if (v < 0)
		*p++ = '-';
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			*p++ = ',';
		*p++ = digits[i];
	}
	*p = '\0';
	return buf;
}

char *hs_fmt_bytes(double v, char *buf)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB", "PB", "EB" };
	double mag = v < 0 ? -v : v;
	if (mag < 1000) {
		snprintf(buf, HS_FMT_LEN, "%.0f B", v);
		return buf;
	}
	size_t k = 0;
	while (mag >= 1000 && k + 1 < sizeof units / sizeof units[0]) {
		mag /= 1024;
		v /= 1024;
		k++;
	}
	snprintf(buf, HS_FMT_LEN,
		 mag < 10    ? "%.2f %s"
		 : mag < 100 ? "%.1f %s"
			     : "%.0f %s",
		 v, units[k]);
	return buf;
}

const char *hs_time_axis_unit(const char *time_unit, int64_t end_time, double *divisor)
{
	static const char *const bytes[] = { "B", "KB", "MB", "GB", "TB", "PB", "EB" };
	static const char *const instrs[] = { "i", "ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
	double v = (double)end_time;
	*divisor = 1;
	if (strcmp(time_unit, "ms") == 0) {
		if (v < 1000)
			return "ms";
		*divisor = 1000;
		if (v / 1000 < 3600)
			return "s";
		*divisor = 3600000;
		return "h";
	}
	const char *const *names = strcmp(time_unit, "B") == 0 ? bytes : instrs;
	size_t k = 0;
	while (v >= 1000 && k < 6) {
		v /= 1024;
		*divisor *= 1024;
		k++;
	}
	return names[k];
}
