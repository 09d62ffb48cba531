/* highfd: where heapsnap puts its own descriptors in the program's
 * process (the launcher's report channel and live page, the library's raw
 * record, statm, live page and libunwind's pipe), out of the program's way.
 *
 * Natively the program's first open gets 3 and it can open as many files
 * as its limit allows; under heapsnap both must stay so.  So ours go:
 *
 *   - at `preferred` and up (1000 for the library, 1010 for the launcher)
 *     when the soft limit is above preferred + room: the usual case;
 *   - else, when the hard limit is above the soft one (systemd's default
 *     1024 / 524288, `ulimit -Sn`), at the soft limit and up, above every
 *     number the program can get: the soft limit is raised for the one
 *     dup and put back at once (the kernel checks it only when a number
 *     is handed out), so the program loses none of its budget;
 *   - else (a hard limit as low as the soft one: bash's `ulimit -n N`) at
 *     the top of its range, room (or room / 4 under 128) below the limit,
 *     where the program meets them only when it is nearly out;
 *   - and under HS_HIGHFD_MIN_LIMIT there is no top to speak of: the plan
 *     says so, and the caller runs the program unrecorded, with one line.
 *
 * Only system calls (getrlimit, setrlimit, fcntl): safe in the library at
 * any time.  Another thread of the program that opens a file during the
 * raised dup could get a number past its limit; the window is one system
 * call long.
 */
#ifndef HS_HIGHFD_H
#define HS_HIGHFD_H

/* Under this limit (soft and hard alike) heapsnap takes no descriptor. */
#define HS_HIGHFD_MIN_LIMIT 32

struct hs_highfd {
	int base;  /* the lowest number for ours; 0: leave them where they are */
	int above; /* base is the soft limit: raise it for each dup */
	int room;  /* numbers from base that ours may take */
};

/* The plan for the current limits.  Returns 0, or -1 when the limit is
 * too low to spare any descriptor (*limit: the soft limit, for the line);
 * plan->base is then 0. */
int hs_highfd_plan(struct hs_highfd *plan, int preferred, int room, long *limit);

/* A copy of fd at plan->base or above (F_DUPFD, or F_DUPFD_CLOEXEC when
 * cloexec), fd itself not closed; -1 when there is no such number. */
int hs_highfd_dup(const struct hs_highfd *plan, int fd, int cloexec);

#endif
