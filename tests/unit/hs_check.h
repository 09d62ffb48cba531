/* hs_check: the runner every Check suite's main() ends with.
 *
 * Verbosity and output come from the environment: under make check,
 * AM_TESTS_ENVIRONMENT sets CK_TAP_LOG_FILE_NAME=- and CK_VERBOSITY=silent,
 * so each case is one TAP line and counts on its own.
 */
#ifndef HS_CHECK_H
#define HS_CHECK_H

#include <check.h>
#include <stdlib.h>

/* UNDER_ASAN: this build has AddressSanitizer (--enable-sanitizers), for
 * the checks it cannot take (a low RLIMIT_AS) or must be told of (a leak
 * left on purpose). */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* ck_assert_* reports every passing assertion to Check (a write(2) each):
 * in a loop of millions that is most of a test's time.  hs_assert checks
 * expr and calls Check only when it fails (with the file and line). */
#define hs_assert(expr)                                                                            \
	do {                                                                                       \
		if (!(expr))                                                                       \
			ck_abort_msg("Assertion '%s' failed", #expr);                              \
	} while (0)

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
