/* model: a parsed Massif file (see model.h). */
#include "model.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void hs_model_free(struct hs_model *m)
{
	if (!m)
		return;
	if (m->buf_mapped)
		munmap(m->buf, m->buf_len);
	else
		free(m->buf);
	free(m->desc);
	free(m->snapshots);
	free(m->nodes);
	memset(m, 0, sizeof *m);
	m->peak_num = -1;
	m->peak_index = SIZE_MAX;
}

struct hs_str hs_node_label(const struct hs_node *n)
{
	struct hs_str s = n->text;
	while (s.len && (*s.ptr == ' ' || *s.ptr == '\t' || *s.ptr == '\r' || *s.ptr == '\f' ||
			 *s.ptr == '\v')) {
		s.ptr++;
		s.len--;
	}
	return s;
}

bool hs_node_is_aggregate(const struct hs_node *n)
{
	static const char tail[] = "below massif's threshold (";
	struct hs_str s = hs_node_label(n);
	if (s.len < 3 || memcmp(s.ptr, "in ", 3) != 0)
		return false;
	/* "in 1 place, below ..." or "in K places, all below ...". */
	for (size_t i = 3; i + sizeof tail - 1 <= s.len; i++)
		if (memcmp(s.ptr + i, tail, sizeof tail - 1) == 0)
			return true;
	return false;
}

bool hs_node_address(const struct hs_node *n, uint64_t *addr)
{
	struct hs_str s = hs_node_label(n);
	if (s.len < 4 || s.ptr[0] != '0' || s.ptr[1] != 'x')
		return false;
	uint64_t a = 0;
	size_t i = 2;
	for (; i < s.len; i++) {
		char c = s.ptr[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			break;
		if (i >= 18)
			return false; /* more than 16 hex digits */
		a = a << 4 | d;
	}
	if (i == 2 || i >= s.len || s.ptr[i] != ':')
		return false;
	*addr = a;
	return true;
}
