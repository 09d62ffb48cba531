/* numfmt: number formatting and unit scaling (see numfmt.h). */
#include "numfmt.h"

#include <stdio.h>
#include <string.h>

/* Perl keeps an integer quotient only beyond the doubles' exact range. */
#define HS_NV_EXACT_MAX ((uint64_t)1 << 53)

double hs_plnum_value(struct hs_plnum a)
{
	return a.is_int ? (double)a.u : a.d;
}

struct hs_plnum hs_plnum_div(struct hs_plnum a, uint64_t b)
{
	struct hs_plnum r = { false, 0, 0.0 };
	/* Perl's pp_divide: integer division only when it is exact and the
     * dividend would not survive the conversion to double. */
	if (a.is_int && a.u >= b && a.u > HS_NV_EXACT_MAX && a.u % b == 0) {
		r.is_int = true;
		r.u = a.u / b;
		return r;
	}
	r.d = hs_plnum_value(a) / (double)b;
	return r;
}

double hs_percent(uint64_t bytes, uint64_t total)
{
	if (total == 0)
		return 0.0;
	struct hs_plnum p;
	if (bytes > UINT64_MAX / 100) {
		/* Perl's integer multiply overflowed and went to doubles. */
		return (100.0 * (double)bytes) / (double)total;
	}
	p.is_int = true;
	p.u = bytes * 100;
	p.d = 0.0;
	return hs_plnum_value(hs_plnum_div(p, total));
}

size_t hs_fmt_u64(char *dst, uint64_t v)
{
	char tmp[20];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		dst[i] = tmp[n - 1 - i];
	return n;
}

/* Returns the length of the leading run of ASCII digits of s. */
static size_t digit_run(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

size_t hs_grouped_len(const char *s, size_t len)
{
	size_t d = digit_run(s, len);
	return len + (d ? (d - 1) / 3 : 0);
}

/* Writes s grouped into o (hs_grouped_len(s, len) bytes), given the length
 * d of its leading run of digits. */
static void group_into(char *o, const char *s, size_t len, size_t d)
{
	size_t head = d % 3 ? d % 3 : 3;
	size_t i = 0;
	if (d) {
		for (; i < head; i++)
			*o++ = s[i];
		while (i < d) {
			*o++ = ',';
			*o++ = s[i];
			*o++ = s[i + 1];
			*o++ = s[i + 2];
			i += 3;
		}
	}
	if (len > i)
		memcpy(o, s + i, len - i);
}

void hs_put_grouped(struct hs_outbuf *ob, const char *s, size_t len)
{
	size_t d = digit_run(s, len);
	size_t out_len = len + (d ? (d - 1) / 3 : 0);
	if (ob->cap - ob->len < out_len && !hs_outbuf_grow(ob, out_len))
		return;
	group_into(ob->data + ob->len, s, len, d);
	ob->len += out_len;
}

void hs_put_grouped_field(struct hs_outbuf *ob, const char *s, size_t len, size_t width)
{
	size_t g = hs_grouped_len(s, len);
	if (g < width)
		hs_outbuf_fill(ob, ' ', width - g);
	hs_put_grouped(ob, s, len);
}

void hs_put_grouped_u64(struct hs_outbuf *ob, uint64_t v)
{
	char digits[20];
	size_t n = hs_fmt_u64(digits, v);
	hs_put_grouped(ob, digits, n);
}

void hs_put_field(struct hs_outbuf *ob, const char *s, size_t len, size_t width)
{
	if (len < width)
		hs_outbuf_fill(ob, ' ', width - len);
	hs_outbuf_put(ob, s, len);
}

size_t hs_fmt_percent(char *dst, double pct)
{
	/* printf rounds the exact binary value, ties to even.  Do the same in
     * integers: pct = m * 2^e, so 100*pct = (100*m) >> -e, rounded. */
	uint64_t bits;
	memcpy(&bits, &pct, sizeof bits);
	unsigned biased = (unsigned)(bits >> 52) & 0x7ff;
	uint64_t m = bits & (((uint64_t)1 << 52) - 1);
	int e;
	if (biased == 0) {
		e = -1074;
	} else {
		m |= (uint64_t)1 << 52;
		e = (int)biased - 1075;
	}
	if ((bits >> 63) || biased == 0x7ff || !(pct < 1e6)) {
		/* Out of the printer's range: let the C library do it. */
		int n = snprintf(dst, 32, "%05.2f", pct);
		return n > 0 ? (size_t)n : 0;
	}
	/* pct < 1e6 < 2^52, so e < 0, and 100*m < 2^60. */
	uint64_t hundredths;
	unsigned sh = (unsigned)-e;
	uint64_t num = m * 100;
	if (sh >= 64) {
		hundredths = 0; /* below 2^-4: rounds to 0 */
	} else {
		hundredths = num >> sh;
		uint64_t rem = num & (((uint64_t)1 << sh) - 1);
		uint64_t half = (uint64_t)1 << (sh - 1);
		if (rem > half || (rem == half && (hundredths & 1)))
			hundredths++;
	}
	uint64_t ip = hundredths / 100;
	unsigned fp = (unsigned)(hundredths % 100);
	size_t n = 0;
	if (ip < 10)
		dst[n++] = '0';
	n += hs_fmt_u64(dst + n, ip);
	dst[n++] = '.';
	dst[n++] = (char)('0' + fp / 10);
	dst[n++] = (char)('0' + fp % 10);
	return n;
}

void hs_put_percent(struct hs_outbuf *ob, double pct)
{
	char tmp[32];
	hs_outbuf_put(ob, tmp, hs_fmt_percent(tmp, pct));
}

static const char *const bytes_units[] = { "B", "KB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
static const char *const instr_units[] = { "i", "ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi" };

/* ms_print's unit for value in family: *scaled is value in that unit
 * (divided as Perl divides), the result the unit's index in its family
 * (ms, s, h for HS_UNITS_MS). */
static unsigned scale_to_unit(uint64_t value, enum hs_unit_family family, struct hs_plnum *scaled)
{
	unsigned k = 0;
	*scaled = (struct hs_plnum){ true, value, 0.0 };
	if (family == HS_UNITS_MS) {
		if (hs_plnum_value(*scaled) >= 1000) {
			k = 1;
			*scaled = hs_plnum_div(*scaled, 1000);
		}
		if (hs_plnum_value(*scaled) >= 3600) {
			k = 2;
			*scaled = hs_plnum_div(*scaled, 3600);
		}
		return k;
	}
	/* ms_print scales at most eight times, whatever is left. */
	while (k < 8 && hs_plnum_value(*scaled) >= 1000) {
		k++;
		*scaled = hs_plnum_div(*scaled, 1024);
	}
	return k;
}

static const char *unit_name(enum hs_unit_family family, unsigned k)
{
	static const char *const ms_units[] = { "ms", "s", "h" };
	if (family == HS_UNITS_MS)
		return ms_units[k];
	return family == HS_UNITS_BYTES ? bytes_units[k] : instr_units[k];
}

void hs_axis_label(uint64_t value, enum hs_unit_family family, struct hs_axis_label *out)
{
	struct hs_plnum scaled;
	out->unit = unit_name(family, scale_to_unit(value, family, &scaled));

	double v = hs_plnum_value(scaled);
	if (value < 1000)
		snprintf(out->text, sizeof out->text, "%5d", (int)value);
	else if (v < 10)
		snprintf(out->text, sizeof out->text, "%5.3f", v);
	else if (v < 100)
		snprintf(out->text, sizeof out->text, "%5.2f", v);
	else
		snprintf(out->text, sizeof out->text, "%5.1f", v);
}

char *hs_fmt_grouped(int64_t v, char *buf)
{
	char digits[20];
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = hs_fmt_u64(digits, mag);
	char *p = buf;
	if (v < 0)
		*p++ = '-';
	group_into(p, digits, n, n);
	p[hs_grouped_len(digits, n)] = '\0';
	return buf;
}

char *hs_fmt_bytes(double v, char *buf)
{
	double mag = v < 0 ? -v : v;
	if (mag < 1000) {
		snprintf(buf, HS_FMT_LEN, "%.0f B", v);
		return buf;
	}
	size_t k = 0;
	/* Up to EB: a double of bytes beyond is no heap. */
	while (mag >= 1000 && k < 6) {
		mag /= 1024;
		v /= 1024;
		k++;
	}
	snprintf(buf, HS_FMT_LEN,
		 mag < 10    ? "%.2f %s"
		 : mag < 100 ? "%.1f %s"
			     : "%.0f %s",
		 v, bytes_units[k]);
	return buf;
}

const char *hs_time_axis_unit(const char *time_unit, int64_t end_time, double *divisor)
{
	enum hs_unit_family family = strcmp(time_unit, "ms") == 0  ? HS_UNITS_MS
				     : strcmp(time_unit, "B") == 0 ? HS_UNITS_BYTES
								   : HS_UNITS_INSTR;
	struct hs_plnum scaled;
	unsigned k = scale_to_unit(end_time < 0 ? 0 : (uint64_t)end_time, family, &scaled);
	*divisor = 1;
	if (family == HS_UNITS_MS)
		*divisor = k == 0 ? 1 : k == 1 ? 1000 : 3600000;
	else
		for (unsigned i = 0; i < k; i++)
			*divisor *= 1024;
	return unit_name(family, k);
}
