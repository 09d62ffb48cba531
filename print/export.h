/* export: running --html and --folded from the command line.
 *
 * Parses the whole file into a model (the page and the folded stacks look
 * at any snapshot), renders into memory, and only then creates -o's file
 * (or writes stdout), so a bad input leaves nothing behind.
 */
#ifndef HS_PRINT_EXPORT_H
#define HS_PRINT_EXPORT_H

#include "cli.h"

/* Runs cli's HS_CLI_HTML or HS_CLI_FOLDED action; messages on stderr start
 * with prog.  Returns the exit status: 0, or 1 (bad input, failed write). */
int hs_export_run(const struct hs_cli *cli, const char *prog);

#endif /* HS_PRINT_EXPORT_H */
