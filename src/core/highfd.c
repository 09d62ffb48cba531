/* highfd: where heapsnap's own descriptors go (see highfd.h). */
#include "highfd.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>

int hs_highfd_plan(struct hs_highfd *plan, int preferred, int room, long *limit)
{
	struct rlimit lim;

	plan->base = 0;
	plan->above = 0;
	plan->room = room;
	*limit = 0;
	if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
		return 0; /* unknown: where the kernel puts them */
	if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur > (rlim_t)preferred + (rlim_t)room) {
		plan->base = preferred;
		return 0;
	}
	*limit = (long)lim.rlim_cur;
	if (lim.rlim_max == RLIM_INFINITY || lim.rlim_max > lim.rlim_cur) {
		plan->base = (int)lim.rlim_cur;
		plan->above = 1;
		return 0;
	}
	if (lim.rlim_cur >= 128) {
		plan->base = (int)lim.rlim_cur - room;
		return 0;
	}
	if (lim.rlim_cur >= HS_HIGHFD_MIN_LIMIT) {
		plan->room = room / 4;
		plan->base = (int)lim.rlim_cur - plan->room;
		return 0;
	}
	return -1;
}

int hs_highfd_dup(const struct hs_highfd *plan, int fd, int cloexec)
{
	int cmd = cloexec ? F_DUPFD_CLOEXEC : F_DUPFD;
	struct rlimit lim, raised;

	if (plan->base <= 0)
		return -1;
	if (!plan->above || getrlimit(RLIMIT_NOFILE, &lim) != 0 ||
	    (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur > (rlim_t)plan->base + (rlim_t)plan->room))
		return fcntl(fd, cmd, plan->base); /* no raise needed (or possible) */
	raised = lim;
	raised.rlim_cur = (rlim_t)plan->base + (rlim_t)plan->room;
	if (lim.rlim_max != RLIM_INFINITY && raised.rlim_cur > lim.rlim_max)
		raised.rlim_cur = lim.rlim_max;
	if (raised.rlim_cur <= (rlim_t)plan->base || setrlimit(RLIMIT_NOFILE, &raised) != 0)
		return -1;
	int copy = fcntl(fd, cmd, plan->base);
	int saved = errno;
	setrlimit(RLIMIT_NOFILE, &lim); /* the program's own limit back */
	errno = saved;
	return copy;
}
