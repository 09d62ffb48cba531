/* log: the recorder's one way to say something on stderr.
 *
 * The core runs inside malloc and in signal handlers, so messages never go
 * through stdio: the parts are joined in a stack buffer and written with
 * write(2) in one call, so lines from several processes do not mix.
 */
#ifndef HS_LOG_H
#define HS_LOG_H

/* Write "heapsnap: " + the parts (a NULL-terminated list) + "\n" to
 * stderr.  Takes no lock and allocates nothing; errors are ignored.  A
 * line longer than 1 KiB is cut. */
void hs_log(const char *part, ...) __attribute__((sentinel));

#endif
