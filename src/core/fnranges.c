/* fnranges: function code ranges for the early --ignore-fn decision (see fnranges.h). */
#include "fnranges.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "arena.h"
#include "nocancel.h"

/* Sift element i down a max-heap of n ranges keyed by lo. */
static void sift(struct hs_fn_range *r, uint32_t i, uint32_t n)
{
	for (;;) {
		uint32_t big = i, l = 2 * i + 1, rt = l + 1;
		if (l < n && r[l].lo > r[big].lo)
			big = l;
		if (rt < n && r[rt].lo > r[big].lo)
			big = rt;
		if (big == i)
			return;
		struct hs_fn_range t = r[i];
		r[i] = r[big];
		r[big] = t;
		i = big;
	}
}

/* A heapsort: qsort may call malloc, and this runs in the program. */
static void sort_by_lo(struct hs_fn_range *r, uint32_t n)
{
	for (uint32_t i = n / 2; i-- > 0;)
		sift(r, i, n);
	for (uint32_t end = n; end-- > 1;) {
		struct hs_fn_range t = r[0];
		r[0] = r[end];
		r[end] = t;
		sift(r, 0, end);
	}
}

int hs_fn_ranges_set(struct hs_fn_ranges *t, const struct hs_fn_range *r, uint32_t n)
{
	hs_fn_ranges_clear(t);
	if (n == 0)
		return 0;
	struct hs_fn_range *copy = hs_arena_map((size_t)n * sizeof *copy);
	if (copy == NULL)
		return -1;
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++)
		if (r[i].lo < r[i].hi && (r[i].kind == HS_FN_ALLOC || r[i].kind == HS_FN_IGNORE))
			copy[k++] = r[i];
	sort_by_lo(copy, k);
	/* Overlapping ranges (aliases of one function) become one; an
	 * alloc-fn wins, as Massif strips before it looks for an ignore-fn. */
	uint32_t out = 0;
	for (uint32_t i = 0; i < k; i++) {
		if (out > 0 && copy[i].lo < copy[out - 1].hi) {
			if (copy[i].kind == HS_FN_ALLOC)
				copy[out - 1].kind = HS_FN_ALLOC;
			if (copy[i].hi > copy[out - 1].hi)
				copy[out - 1].hi = copy[i].hi;
			continue;
		}
		copy[out++] = copy[i];
	}
	t->r = copy;
	t->n = out;
	t->n_mapped = n;
	return 0;
}

enum hs_fn_kind hs_fn_ranges_kind(const struct hs_fn_ranges *t, uintptr_t addr)
{
	uint32_t lo = 0, hi = t->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (t->r[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= t->r[lo - 1].hi)
		return HS_FN_NONE;
	return (enum hs_fn_kind)t->r[lo - 1].kind;
}

int hs_fn_ranges_ignores(const struct hs_fn_ranges *t, const uintptr_t *frames, unsigned n)
{
	if (t->n == 0 || n == 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		enum hs_fn_kind k = hs_fn_ranges_kind(t, frames[i]);
		if (k != HS_FN_ALLOC)
			return k == HS_FN_IGNORE;
	}
	return 1; /* nothing left once the alloc-fns are stripped: Massif ignores it */
}

void hs_fn_ranges_clear(struct hs_fn_ranges *t)
{
	if (t->r != NULL)
		hs_arena_unmap(t->r, (size_t)t->n_mapped * sizeof *t->r);
	t->r = NULL;
	t->n = t->n_mapped = 0;
}

int hs_fn_ranges_send(int fd, const struct hs_fn_range *r, size_t n)
{
	if (n > HS_FNRANGES_MAX)
		return 1;
	uint32_t head[2] = { HS_FNRANGES_MAGIC, (uint32_t)n };
	struct iovec iov[2] = { { head, sizeof(head) }, { (void *)r, n * sizeof(*r) } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = n > 0 ? 2 : 1 };
	/* A stream socket may take part of it (a signal, SO_SNDTIMEO): go on
	 * from where it stopped. */
	while (mh.msg_iovlen > 0) {
		ssize_t w = hs_nc_sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		while (mh.msg_iovlen > 0 && (size_t)w >= mh.msg_iov->iov_len) {
			w -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen > 0) {
			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + w;
			mh.msg_iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}
