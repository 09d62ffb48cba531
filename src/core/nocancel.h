/* nocancel: the system calls the recorder makes inside the program's
 * heap calls, none of them a cancellation point.
 *
 * malloc and free are no cancellation points, so a thread with a pending
 * pthread_cancel goes on through them natively.  glibc's write, read,
 * open, close, sendmsg, poll and nanosleep are: made by the recorder, they
 * ended such a thread inside malloc, its cleanup run with the recorder's
 * lock held, and every other heap call of the program then waited for
 * ever.  syscall() is none (in the preload library, its own wrapper:
 * rawsyscall.h).  Each returns as the libc function does: -1 and errno.
 */
#ifndef HS_NOCANCEL_H
#define HS_NOCANCEL_H

#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static inline ssize_t hs_nc_write(int fd, const void *buf, size_t n)
{
	return (ssize_t)syscall(SYS_write, fd, buf, n);
}

static inline ssize_t hs_nc_read(int fd, void *buf, size_t n)
{
	return (ssize_t)syscall(SYS_read, fd, buf, n);
}

static inline int hs_nc_open(const char *path, int flags, mode_t mode)
{
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

static inline int hs_nc_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

static inline ssize_t hs_nc_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return (ssize_t)syscall(SYS_sendmsg, fd, msg, flags);
}

static inline ssize_t hs_nc_send(int fd, const void *buf, size_t n, int flags)
{
	return (ssize_t)syscall(SYS_sendto, fd, buf, n, flags, NULL, 0);
}

/* poll with a timeout in milliseconds (negative: none), as ppoll. */
static inline int hs_nc_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
	return (int)syscall(SYS_ppoll, fds, n, timeout_ms < 0 ? NULL : &ts, NULL, (size_t)8);
}

static inline int hs_nc_nanosleep(const struct timespec *t)
{
	return (int)syscall(SYS_nanosleep, t, NULL);
}

#endif
