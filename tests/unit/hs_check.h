/* hs_check: the runner every Check suite's main() ends with.
 *
 * Verbosity and output come from the environment: under make check,
 * AM_TESTS_ENVIRONMENT sets CK_TAP_LOG_FILE_NAME=- and CK_VERBOSITY=silent,
 * so each case is one TAP line and counts on its own.  hs_full() tells
 * which test tier runs (tests/README.md).
 */
#ifndef HS_CHECK_H
#define HS_CHECK_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* Whether the full tier runs (make check-full sets HS_FULL=1): suites with
 * long repetitions run them all then, and a sample under make check. */
static inline int hs_full(void)
{
	const char *full = getenv("HS_FULL");
	return full != NULL && *full != '\0' && strcmp(full, "0") != 0;
}

/* Run every case of suite; EXIT_SUCCESS when none failed. */
static inline int hs_check_run(Suite *suite)
{
	SRunner *runner = srunner_create(suite);
	srunner_run_all(runner, CK_ENV);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
