/* log: where heapsnap's own messages go.
 *
 * Owns one descriptor: stderr by default, or what --log-fd or --log-file
 * (Valgrind's options) chose.  The recorder and the preload layer write
 * their rare messages ("recording stopped", a bad HEAPSNAP_OPTIONS) with
 * write(2) to it, so it is safe anywhere, signal handlers included.
 */
#ifndef HS_LOG_H
#define HS_LOG_H

/* The descriptor messages go to (2 until hs_log_set_fd). */
int hs_log_fd(void);

/* Send later messages to fd (negative: back to stderr). */
void hs_log_set_fd(int fd);

#endif
