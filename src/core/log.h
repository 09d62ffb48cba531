/* log: heapsnap's one way to say something, and where it goes.
 *
 * Owns one descriptor: stderr by default, or what --log-fd or --log-file
 * (Valgrind's options) chose.  The core runs inside malloc and in signal
 * handlers, so messages never go through stdio: the parts are joined in a
 * stack buffer and written with write(2) in one call, so lines from several
 * processes do not mix.
 */
#ifndef HS_LOG_H
#define HS_LOG_H

/* The descriptor messages go to (2 until hs_log_set_fd). */
int hs_log_fd(void);

/* Send later messages to fd (negative: back to stderr). */
void hs_log_set_fd(int fd);

/* Write "heapsnap: " + the parts (a NULL-terminated list) + "\n" to the
 * log descriptor.  Takes no lock and allocates nothing; errors are
 * ignored.  A line longer than 1 KiB is cut. */
void hs_log(const char *part, ...) __attribute__((sentinel));

#endif
