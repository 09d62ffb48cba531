/* test_rec_journal: the raw record. */
#include <check.h>

#include "hs_check.h"

static Suite *journal_suite(void)
{
	Suite *s = suite_create("raw record");
	return s;
}

int main(void)
{
	return hs_check_run(journal_suite());
}
