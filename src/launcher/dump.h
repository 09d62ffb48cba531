/* dump: live dumps of a running recording, the launcher's side
 * (doc/design.md section 8, "Live dumps"; the shared page is live.h).
 *
 * The launcher creates the shared page before the program starts and
 * listens on an abstract unix socket named after its pid
 * ("\0heapsnap-live-PID", SOCK_SEQPACKET), taking requests only from its
 * own uid (SO_PEERCRED).  A dump of one record asks its process through
 * the page, waits for the answer (HS_DUMP_WAIT_MS at most: a program idle
 * in a system call makes no heap call), then resolves the raw record read
 * up to the length the process published into the Massif file, through
 * hs_resolve_live (temporary file, rename; the raw record stays).
 *
 * `heapsnap --dump PID` is the client: it finds the launcher of PID (PID
 * itself, the HEAPSNAP_LAUNCHER of its environment, or an ancestor),
 * checks the server's credentials, asks, and prints the files written.
 * A process recorded without a launcher has a page of its own: the client
 * finds it and the raw record among /proc/PID/fd and dumps it itself.
 */
#ifndef HS_DUMP_H
#define HS_DUMP_H

#include <stddef.h>
#include <sys/types.h>

#include "live.h"

/* How long a dump waits for the program to answer before it writes what
 * the record held at its last snapshot. */
#define HS_DUMP_WAIT_MS 500

/* /proc/PID/maps as it is now (malloc'd, *len bytes), or NULL.  Also the
 * launcher's reading of its program's map for fnranges and the warm-up. */
char *hs_read_proc_maps(pid_t pid, size_t *len);

/* A record a dump may write: its process and its raw path. */
struct hs_dump_target {
	pid_t pid;    /* as the process knows itself (its live slot's) */
	pid_t os_pid; /* the same in our pid namespace: its /proc, heapsnap --dump PID */
	const char *raw_path;
};

/* Create the shared page: its descriptor (close-on-exec) and mapping.
 * Returns the descriptor, or -1 (live dumps are then off). */
int hs_dump_page_create(struct hs_live_page **page);

/* Listen for dump requests on "\0heapsnap-live-SELF".  Returns the
 * socket (non-blocking, close-on-exec), or -1. */
int hs_dump_listen(pid_t self);

/* Parse a duration ("500ms", "30s", "5m", "1h"; a bare number is
 * seconds) into milliseconds.  Returns 0, or -1 when it is not one. */
int hs_dump_parse_duration(const char *text, long long *ms);

/* Dump one record now into the Massif file its raw path names.  Returns
 * 0 (out gets the path; note gets a line when the program did not answer
 * in time, else ""), or -1 with one line in err. */
int hs_dump_record(struct hs_live_page *page, const struct hs_dump_target *t, char *out,
		   size_t out_len, char *note, size_t note_len, char *err, size_t err_len);

/* Take an accepted connection (in a worker process): read its request
 * ("dump PID"; PID 0 or the launcher's own: every record), dump the
 * matching ones of targets[0..n), answer "ok PATH", "note TEXT" or
 * "error TEXT", one message each.  Returns the number of errors. */
int hs_dump_serve(int conn, struct hs_live_page *page, pid_t self,
		  const struct hs_dump_target *targets, size_t n);

/* Whether a connecting peer is ours (same uid), from SO_PEERCRED. */
int hs_dump_peer_ok(int conn);

/* heapsnap --dump PID: ask PID's launcher for a dump of PID's record
 * (all of them for the launcher's own pid), print each file written on
 * stdout.  Returns the exit status: 0, 1 (one line on stderr), 2 usage. */
int hs_dump_client(int argc, char **argv);

#endif
