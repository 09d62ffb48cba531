/* advice: what the launcher tells the user about the command it was given
 * and about the files written (issue 10 item 7).
 *
 * `heapsnap cargo test` would record cargo (or rustup's proxy in front of
 * it), not the user's tests: cargo builds them, then starts them as its
 * children.  The launcher refuses that command and says what to run
 * instead.  `cargo run` execs the program in cargo's process, so with
 * --follow-exec (the default) the program is what is recorded: a note says
 * so.  A program whose job is to start another as its child (timeout,
 * sudo, xargs...) is recorded alone without --trace-children=yes: a note
 * says so; one that execs it (env, nice...) is followed.
 * An exec chain in one process (rustup's proxy, then cargo, then the
 * program, with --trace-children=yes) writes one file several times: the
 * launcher names it once.
 */
#ifndef HS_ADVICE_H
#define HS_ADVICE_H

#include <stdio.h>

/* Check the program about to run (argv: the program and its arguments).
 * Prints advice to err; returns 0 to go on, or -1 when the command would
 * record a build tool instead of the program it starts (`cargo test` and
 * `cargo bench` without --trace-children=yes; `cargo run` without it and
 * with --follow-exec=no): the caller then exits with a usage error. */
int hs_advice_program(char *const *argv, int trace_children, int follow_exec, FILE *err);

#endif
