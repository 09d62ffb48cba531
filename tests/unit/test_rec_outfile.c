/* Unit tests of src/outfile.c: %p / %q{VAR} / %% expansion, the forked
 * child's name, and the safe open (no symlinks, mode 0600, truncation). */
#include "config.h"

#include <check.h>

#include "hs_check.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

static char out[4096];
static char err[4096];

/* Expand pattern for pid 1234 with no base directory. */
static int expand(const char *pattern)
{
	out[0] = err[0] = '\0';
	return hs_outfile_expand(pattern, 1234, NULL, out, sizeof(out), err, sizeof(err));
}

START_TEST(pid_and_percent)
{
	ck_assert_int_eq(expand("massif.out.%p"), 0);
	ck_assert_str_eq(out, "massif.out.1234");
	ck_assert_int_eq(expand("%p-%p"), 0);
	ck_assert_str_eq(out, "1234-1234");
	ck_assert_int_eq(expand("100%%.%p"), 0);
	ck_assert_str_eq(out, "100%.1234");
	ck_assert_int_eq(expand("plain"), 0);
	ck_assert_str_eq(out, "plain");
}
END_TEST

START_TEST(env_vars)
{
	setenv("HS_TEST_VAR", "run7", 1);
	unsetenv("HS_TEST_UNSET");
	ck_assert_int_eq(expand("out.%q{HS_TEST_VAR}.%p"), 0);
	ck_assert_str_eq(out, "out.run7.1234");
	ck_assert_int_eq(expand("out.%q{HS_TEST_UNSET}"), -1);
	ck_assert_str_eq(
		err,
		"--massif-out-file=out.%q{HS_TEST_UNSET}: environment variable HS_TEST_UNSET is not set");
	/* The syntax check does not look at the environment. */
	ck_assert_int_eq(hs_outfile_check("out.%q{HS_TEST_UNSET}", err, sizeof(err)), 0);
}
END_TEST

START_TEST(bad_patterns)
{
	ck_assert_int_eq(hs_outfile_check("out.%x", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "bad % sequence in --massif-out-file=out.%x (use %p, %q{VAR} or %%)");
	ck_assert_int_eq(hs_outfile_check("out.%", err, sizeof(err)), -1);
	ck_assert_int_eq(hs_outfile_check("out.%q{HOME", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "bad %q{VAR} in --massif-out-file=out.%q{HOME");
	ck_assert_int_eq(hs_outfile_check("out.%q{}", err, sizeof(err)), -1);
	ck_assert_int_eq(hs_outfile_check("out.%qHOME", err, sizeof(err)), -1);
	ck_assert_int_eq(hs_outfile_check("", err, sizeof(err)), -1);
	ck_assert_int_eq(hs_outfile_check("a%%b%p%q{X}", err, sizeof(err)), 0);
}
END_TEST

START_TEST(base_dir_for_relative_names)
{
	ck_assert_int_eq(
		hs_outfile_expand("m.%p", 7, "/start/dir", out, sizeof(out), err, sizeof(err)), 0);
	ck_assert_str_eq(out, "/start/dir/m.7");
	ck_assert_int_eq(hs_outfile_expand("m.%p", 7, "/", out, sizeof(out), err, sizeof(err)), 0);
	ck_assert_str_eq(out, "/m.7");
	ck_assert_int_eq(
		hs_outfile_expand("/abs/m.%p", 7, "/start/dir", out, sizeof(out), err, sizeof(err)),
		0);
	ck_assert_str_eq(out, "/abs/m.7");
}
END_TEST

START_TEST(too_long_is_refused)
{
	char small[16];

	ck_assert_int_eq(hs_outfile_expand("massif.out.%p", 1234, NULL, small, sizeof(small), err,
					   sizeof(err)),
			 0);
	ck_assert_str_eq(small, "massif.out.1234");
	/* 15 characters fit in 16 bytes, 16 do not. */
	ck_assert_int_eq(hs_outfile_expand("massif.out.%p", 12345, NULL, small, sizeof(small), err,
					   sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "--massif-out-file=massif.out.%p: the file name is too long");
}
END_TEST

START_TEST(child_pattern)
{
	char p[64];

	strcpy(p, "massif.out.%p");
	ck_assert_int_eq(hs_outfile_child_pattern(p, sizeof(p)), 0);
	ck_assert_str_eq(p, "massif.out.%p");
	strcpy(p, "fixed.out");
	ck_assert_int_eq(hs_outfile_child_pattern(p, sizeof(p)), 0);
	ck_assert_str_eq(p, "fixed.out.%p");
	/* "%%p" is a literal "%p", so the child still needs its pid. */
	strcpy(p, "lit%%p");
	ck_assert(!hs_outfile_has_pid(p));
	ck_assert_int_eq(hs_outfile_child_pattern(p, sizeof(p)), 0);
	ck_assert_str_eq(p, "lit%%p.%p");
	ck_assert_int_eq(expand(p), 0);
	ck_assert_str_eq(out, "lit%p.1234");
	strcpy(p, "123456789012");
	ck_assert_int_eq(hs_outfile_child_pattern(p, 15), -1);
	ck_assert_int_eq(hs_outfile_child_pattern(p, 16), 0);
}
END_TEST

/* A fresh scratch directory under /tmp, into dir. */
static void scratch_dir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/hs_outfile_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

START_TEST(open_creates_0600_and_truncates)
{
	char dir[64], path[128];
	struct stat st;
	int fd;

	scratch_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/m.out", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "old contents\n", 13), 13);
	close(fd);
	umask(022);
	fd = hs_outfile_open(path, err, sizeof(err));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	close(fd);
	unlink(path);
	fd = hs_outfile_open(path, err, sizeof(err));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	close(fd);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(open_refuses_symlinks)
{
	char dir[64], path[128], target[128];
	struct stat st;

	scratch_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/m.out", dir);
	snprintf(target, sizeof(target), "%s/victim", dir);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(hs_outfile_open(path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot write "));
	ck_assert_ptr_nonnull(strstr(err, "/m.out: it is a symbolic link"));
	/* Nothing was created through the link. */
	ck_assert_int_eq(stat(target, &st), -1);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(open_reports_the_reason)
{
	ck_assert_int_eq(hs_outfile_open("/nonexistent-dir/m.out", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "cannot write /nonexistent-dir/m.out: No such file or directory");
}
END_TEST

/* The names the resolver would refuse are refused before anything is
 * recorded: a device, a directory, a symbolic link, a FIFO, and such a
 * thing at OUT.series; a regular file or nothing there is fine. */
START_TEST(check_target_refuses_what_is_no_file)
{
	char dir[64], path[128], series[512];

	ck_assert_int_eq(hs_outfile_check_target("/dev/null", "/dev/null", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "--massif-out-file=/dev/null: is a device, not a file: no Massif "
			      "file can be written there");
	scratch_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/m.out", dir);
	ck_assert_int_eq(hs_outfile_check_target("m.out", path, err, sizeof(err)), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(hs_outfile_check_target("m.out", path, err, sizeof(err)), -1);
	snprintf(series, sizeof(series),
		 "--massif-out-file=m.out: %s is a directory, not a file: no Massif file can be "
		 "written there",
		 path);
	ck_assert_str_eq(err, series);
	rmdir(path);
	ck_assert_int_eq(symlink("elsewhere", path), 0);
	ck_assert_int_eq(hs_outfile_check_target(path, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ": is a symbolic link, not a file"));
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(hs_outfile_check_target(path, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ": is a FIFO, not a file"));
	unlink(path);
	/* A regular file is replaced by the resolver, as always. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(hs_outfile_check_target(path, path, err, sizeof(err)), 0);
	/* The companion OUT.series is checked too. */
	snprintf(series, sizeof(series), "%s.series", path);
	ck_assert_int_eq(mkdir(series, 0700), 0);
	ck_assert_int_eq(hs_outfile_check_target(path, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ".series is a directory, not a file: the Massif file's "
					  "series cannot be written beside it"));
	rmdir(series);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rec_outfile");
	TCase *tc = tcase_create("outfile");

	tcase_add_test(tc, pid_and_percent);
	tcase_add_test(tc, env_vars);
	tcase_add_test(tc, bad_patterns);
	tcase_add_test(tc, base_dir_for_relative_names);
	tcase_add_test(tc, too_long_is_refused);
	tcase_add_test(tc, child_pattern);
	tcase_add_test(tc, open_creates_0600_and_truncates);
	tcase_add_test(tc, open_refuses_symlinks);
	tcase_add_test(tc, open_reports_the_reason);
	tcase_add_test(tc, check_target_refuses_what_is_no_file);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
