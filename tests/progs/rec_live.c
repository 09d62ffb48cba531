/* rec_live: a program that keeps running, for live dumps (issue 13 item 2).
 *
 * Each turn leaks 1000 bytes from leak_grow and churns two 100-byte
 * blocks through churn_work (malloc'd and freed at once), then waits 10 ms
 * for its stdin (few snapshots a second: a test's dumps see the table grow
 * before it is culled).  It ends (exit 0) when stdin reaches its end or has
 * data, so a test decides when.  "ready PID\n" on stdout once running.
 *
 *   rec_live [idle_after] [fork]
 *
 * idle_after > 0: after that many turns it makes no heap call any more,
 * only waits (a program idle in a system call).  fork: a child does the
 * same loop with a record of its own ("child PID\n" on stdout).
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rec_common.h"

#define TURN_MS 10

static void *volatile leaked_last;

/* The leak: never freed. */
REC_NOINLINE static void leak_grow(void)
{
	leaked_last = malloc(1000);
}

/* Churn: allocated and freed at once. */
REC_NOINLINE static void churn_work(void)
{
	for (int i = 0; i < 2; i++) {
		void *p = malloc(100);
		rec_keep(p);
		free(p);
	}
}

/* Whether stdin says stop (its end, or data); waits up to ms. */
static int told_to_stop(int ms)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	return poll(&pfd, 1, ms) > 0;
}

static void say_pid(const char *word)
{
	char buf[64];
	char digits[24];
	int nd = 0;
	long pid = (long)getpid();
	size_t len = strlen(word);
	memcpy(buf, word, len);
	buf[len++] = ' ';
	do {
		digits[nd++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0);
	while (nd > 0)
		buf[len++] = digits[--nd];
	buf[len++] = '\n';
	buf[len] = '\0';
	rec_puts(buf);
}

static void loop(long idle_after)
{
	for (long turn = 0;; turn++) {
		if (idle_after <= 0 || turn < idle_after) {
			leak_grow();
			churn_work();
		}
		if (told_to_stop(TURN_MS))
			return;
	}
}

int main(int argc, char **argv)
{
	long idle_after = argc > 1 ? atol(argv[1]) : 0;
	int with_child = argc > 2 && strcmp(argv[2], "fork") == 0;
	pid_t child = -1;

	say_pid("ready");
	if (with_child) {
		child = fork();
		if (child == 0) {
			say_pid("child");
			loop(0);
			_exit(0);
		}
	}
	loop(idle_after);
	if (child > 0)
		waitpid(child, NULL, 0);
	return 0;
}
