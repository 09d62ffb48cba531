/* advice: what the launcher tells the user about the command it was given
 * and about the files written (issue 10 item 7).
 *
 * `heapsnap cargo run` would record cargo (or rustup's proxy in front of
 * it), not the user's program: cargo builds the program, then starts it
 * itself.  The launcher refuses that command and says what to run instead.
 * A program whose job is to run another (env, nice, timeout, sudo...)
 * is recorded alone without --trace-children=yes: a note says so.
 * An exec chain in one process (rustup's proxy, then cargo, then the
 * program, with --trace-children=yes) writes one file several times: the
 * launcher names it once.
 */
#ifndef HS_ADVICE_H
#define HS_ADVICE_H

#include <stdio.h>

/* Check the program about to run (argv: the program and its arguments).
 * Prints advice to err; returns 0 to go on, or -1 when the command would
 * record a build tool instead of the program it starts (`cargo run`,
 * `cargo test`, `cargo bench` without --trace-children=yes): the caller
 * then exits with a usage error. */
int hs_advice_program(char *const *argv, int trace_children, FILE *err);

#endif
