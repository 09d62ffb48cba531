/* log: the descriptor heapsnap's own messages go to (--log-fd, --log-file). */
#include "config.h"

#include <stdatomic.h>
#include <unistd.h>

#include "log.h"

/* Relaxed: a message racing with the switch may go to either place. */
static atomic_int g_log_fd = STDERR_FILENO;

int hs_log_fd(void)
{
	return atomic_load_explicit(&g_log_fd, memory_order_relaxed);
}

void hs_log_set_fd(int fd)
{
	atomic_store_explicit(&g_log_fd, fd >= 0 ? fd : STDERR_FILENO, memory_order_relaxed);
}
