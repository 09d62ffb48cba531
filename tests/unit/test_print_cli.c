/* Unit tests for print/cli: ms_print's command line rules. */
#include <check.h>

#include "hs_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Parses a NULL-terminated argument list. */
static void parse(struct hs_cli *cli, const char *const *args)
{
	char *argv[16];
	int argc = 0;
	argv[argc++] = (char *)"heapsnap-print";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	ck_assert_int_eq(hs_cli_parse(argc, argv, cli), 0);
}

START_TEST(test_defaults)
{
	struct hs_cli cli;
	parse(&cli, (const char *const[]){ "f.out", NULL });
	ck_assert_int_eq(cli.action, HS_CLI_PRINT);
	ck_assert(cli.threshold == 1.0);
	ck_assert_uint_eq(cli.graph_x, 72);
	ck_assert_uint_eq(cli.graph_y, 20);
	ck_assert_str_eq(cli.file, "f.out");
	ck_assert_str_eq(cli.args_text, " f.out");
	hs_cli_free(&cli);
}
END_TEST

START_TEST(test_options_like_ms_print)
{
	struct hs_cli cli;
	parse(&cli, (const char *const[]){ "--x=4", "a.out", "--threshold=50%", "b.out", "--y=1000",
					   "--x=0010", NULL });
	ck_assert_int_eq(cli.action, HS_CLI_PRINT);
	ck_assert(cli.threshold == 50.0);
	ck_assert_uint_eq(cli.graph_x, 10); /* the last value wins */
	ck_assert_uint_eq(cli.graph_y, 1000);
	ck_assert_str_eq(cli.file, "a.out"); /* the first file is read */
	ck_assert_str_eq(cli.args_text, " --x=4 a.out --threshold=50% b.out --y=1000 --x=0010");
	hs_cli_free(&cli);

	/* Perl's numeric value of "1.2.3" is 1.2; of "." it is 0. */
	parse(&cli, (const char *const[]){ "--threshold=1.2.3", "-", NULL });
	ck_assert(cli.threshold == 1.2);
	ck_assert_str_eq(cli.file, "-");
	hs_cli_free(&cli);
	parse(&cli, (const char *const[]){ "--threshold=.", "f", NULL });
	ck_assert(cli.threshold == 0.0);
	hs_cli_free(&cli);
}
END_TEST

START_TEST(test_bad_options)
{
	static const char *const bad[] = {
		"--x=3",           "--x=1001",           "--y=",
		"--x=1e2",         "--threshold=100.01", "--threshold=-1",
		"--threshold=5%%", "--threshold=",       "-hx",
		"--helpx",         "--versionx",         "--x=99999999999999999999",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct hs_cli cli;
		parse(&cli, (const char *const[]){ bad[i], "f", NULL });
		ck_assert_msg(cli.action == HS_CLI_USAGE, "%s accepted", bad[i]);
		ck_assert(strstr(cli.error, bad[i]) != NULL);
		hs_cli_free(&cli);
	}
	struct hs_cli cli;
	parse(&cli, (const char *const[]){ "--x=10", NULL });
	ck_assert_int_eq(cli.action, HS_CLI_USAGE);
	hs_cli_free(&cli);
	/* --version stops at once, even before a bad option. */
	parse(&cli, (const char *const[]){ "--version", "--x=1", NULL });
	ck_assert_int_eq(cli.action, HS_CLI_VERSION);
	hs_cli_free(&cli);
}
END_TEST

START_TEST(test_help)
{
	/* -h and --help stop at once, even before a bad option or no file. */
	static const char *const help[] = { "-h", "--help", "-h\n", "--help\n" };
	for (size_t i = 0; i < sizeof help / sizeof help[0]; i++) {
		struct hs_cli cli;
		parse(&cli, (const char *const[]){ help[i], "--x=1", NULL });
		ck_assert_msg(cli.action == HS_CLI_HELP, "%s not help", help[i]);
		hs_cli_free(&cli);
		parse(&cli, (const char *const[]){ "--x=10", help[i], NULL });
		ck_assert_int_eq(cli.action, HS_CLI_HELP);
		hs_cli_free(&cli);
	}
	/* A bad option before it is reported first, as ms_print reads left to right. */
	struct hs_cli cli;
	parse(&cli, (const char *const[]){ "--x=1", "--help", NULL });
	ck_assert_int_eq(cli.action, HS_CLI_USAGE);
	hs_cli_free(&cli);
	/* The usage lists both. */
	ck_assert_ptr_nonnull(
		strstr(hs_cli_usage(), "    -h --help             show this message\n"));
}
END_TEST

/* The error for a single bad argument. */
static void check_error(const char *arg, const char *want)
{
	struct hs_cli cli;
	parse(&cli, (const char *const[]){ arg, "f", NULL });
	ck_assert_int_eq(cli.action, HS_CLI_USAGE);
	ck_assert_str_eq(cli.error, want);
	hs_cli_free(&cli);
}

START_TEST(test_did_you_mean)
{
	check_error("--lekas", "unknown option '--lekas' (did you mean --leaks?)");
	check_error("--treshold=5", "unknown option '--treshold=5' (did you mean --threshold?)");
	check_error("--max-peek=1M", "unknown option '--max-peek=1M' (did you mean --max-peak?)");
	check_error("--dif", "unknown option '--dif' (did you mean --diff?)");
	check_error("--verison", "unknown option '--verison' (did you mean --version?)");
	check_error("--hlep", "unknown option '--hlep' (did you mean --help?)");
	check_error("--thr=5", "unknown option '--thr=5' (did you mean --threshold?)");
	check_error("-leaks", "unknown option '-leaks' (did you mean --leaks?)");
	/* Nothing near: no guess. */
	check_error("--frobnicate", "unknown option '--frobnicate'");
	check_error("--z=10", "unknown option '--z=10'");
	/* The option exists without a value: no other name is offered. */
	check_error("--leaks=yes", "unknown option '--leaks=yes'");
	check_error("--x", "unknown option '--x'");
}
END_TEST

START_TEST(test_option_names_known)
{
	/* Each name suggested is one the parser accepts (with a value when it
	 * takes one), so a suggestion is never itself an unknown option. */
	const char *const *names = hs_cli_option_names();
	size_t n = 0;
	for (; names[n] != NULL; n++) {
		char arg[64];
		size_t len = strlen(names[n]);
		snprintf(arg, sizeof arg, "%s%s", names[n], names[n][len - 1] == '=' ? "10" : "");
		struct hs_cli cli;
		/* -o names the file --html or --folded writes. */
		if (strcmp(arg, "-o") == 0)
			parse(&cli, (const char *const[]){ arg, "f", "--html", "g", NULL });
		else
			parse(&cli, (const char *const[]){ arg, "f", "g", NULL });
		ck_assert_msg(cli.action != HS_CLI_USAGE, "%s: %s", arg, cli.error);
		hs_cli_free(&cli);
	}
	ck_assert_uint_eq(n, 17);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("print_cli");
	TCase *tc = tcase_create("cli");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_options_like_ms_print);
	tcase_add_test(tc, test_bad_options);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_did_you_mean);
	tcase_add_test(tc, test_option_names_known);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
