/* advice: what the launcher tells the user about the command it was given
 * and about the files written (see advice.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"

#define ADVICE_NAME_MAX 256

/* The last path component of path. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* Whether cargo's global option a (before the subcommand) takes the next
 * argument as its value. */
static int cargo_option_takes_value(const char *a)
{
	static const char *const with_value[] = { "--color", "--config", "-Z", "-C", "--explain" };

	for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
		if (strcmp(a, with_value[k]) == 0)
			return 1;
	return 0;
}

/* The value of option name in args (either "name VALUE" or "name=VALUE"),
 * up to the first "--"; NULL when absent. */
static const char *option_value(char *const *args, const char *name)
{
	size_t n = strlen(name);

	for (; *args != NULL && strcmp(*args, "--") != 0; args++) {
		if (strcmp(*args, name) == 0)
			return args[1];
		if (strncmp(*args, name, n) == 0 && (*args)[n] == '=')
			return *args + n + 1;
	}
	return NULL;
}

/* Whether flag is among args, up to the first "--". */
static int has_flag(char *const *args, const char *flag)
{
	for (; *args != NULL && strcmp(*args, "--") != 0; args++)
		if (strcmp(*args, flag) == 0)
			return 1;
	return 0;
}

/* The [package] name of the manifest at path, into name; 0 when found. */
static int package_name(const char *path, char *name, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int in_package = 0, found = -1;

	if (f == NULL)
		return -1;
	while (found != 0 && fgets(line, sizeof(line), f) != NULL) {
		char *p = line + strspn(line, " \t");
		if (*p == '[') {
			in_package = strncmp(p, "[package]", 9) == 0;
			continue;
		}
		if (!in_package || strncmp(p, "name", 4) != 0)
			continue;
		p += 4 + strspn(p + 4, " \t");
		if (*p != '=')
			continue;
		p += 1 + strspn(p + 1, " \t");
		if (*p != '"')
			continue;
		char *end = strchr(p + 1, '"');
		if (end != NULL && (size_t)(end - p - 1) < len) {
			memcpy(name, p + 1, (size_t)(end - p - 1));
			name[end - p - 1] = '\0';
			found = 0;
		}
	}
	fclose(f);
	return found;
}

/* The binary cargo builds for these run arguments: TARGET/PROFILE/NAME. */
static void binary_path(char *const *args, char *out, size_t len)
{
	const char *target = option_value(args, "--target-dir");
	const char *profile = option_value(args, "--profile");
	const char *bin = option_value(args, "--bin");
	const char *example = option_value(args, "--example");
	const char *manifest = option_value(args, "--manifest-path");
	char name[ADVICE_NAME_MAX] = "NAME";

	if (target == NULL)
		target = getenv("CARGO_TARGET_DIR");
	if (target == NULL || *target == '\0')
		target = "target";
	if (profile == NULL)
		profile = has_flag(args, "--release") || has_flag(args, "-r") ? "release" : "debug";
	else if (strcmp(profile, "dev") == 0 || strcmp(profile, "test") == 0)
		profile = "debug";
	else if (strcmp(profile, "bench") == 0)
		profile = "release";
	if (bin != NULL || example != NULL)
		snprintf(name, sizeof(name), "%s", bin != NULL ? bin : example);
	else if (package_name(manifest != NULL ? manifest : "Cargo.toml", name, sizeof(name)) != 0)
		snprintf(name, sizeof(name), "NAME");
	snprintf(out, len, "%s/%s/%s%s", target, profile, example != NULL ? "examples/" : "", name);
}

/* Print the command line of args up to the first "--" (cargo's options). */
static void print_cargo_args(char *const *args, FILE *err)
{
	for (; *args != NULL && strcmp(*args, "--") != 0; args++)
		fprintf(err, " %s", *args);
}

/* Print the program's own arguments: those after the first "--". */
static void print_program_args(char *const *args, FILE *err)
{
	for (; *args != NULL && strcmp(*args, "--") != 0; args++)
		;
	if (*args != NULL)
		for (args++; *args != NULL; args++)
			fprintf(err, " %s", *args);
}

/* Programs whose job is to run another one.  These replace themselves
 * with it by exec, so the started process becomes it: recorded as it
 * with --follow-exec (the default), as themselves without. */
static const char *const exec_runners[] = {
	"env",    "nice",    "nohup",  "taskset", "stdbuf", "ionice",
	"chrt",   "setsid",  "numactl", "chroot", "doas",   NULL,
};

/* These start it as a child and wait: recorded only with
 * --trace-children=yes. */
static const char *const fork_runners[] = {
	"time", "timeout", "sudo", "xargs", "flock", "runuser", "unbuffer", NULL,
};

/* Whether prog is one of names. */
static int listed(const char *prog, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(prog, *names) == 0)
			return 1;
	return 0;
}

int hs_advice_program(char *const *argv, int trace_children, int follow_exec, FILE *err)
{
	const char *prog = base_name(argv[0]);
	char *const *a;

	if (!trace_children && argv[1] != NULL &&
	    (listed(prog, fork_runners) || (!follow_exec && listed(prog, exec_runners)))) {
		fprintf(err,
			"heapsnap: note: '%s' runs another program, which is recorded only "
			"with --trace-children=yes (or put heapsnap after '%s')\n",
			prog, prog);
		return 0;
	}

	if (strncmp(prog, "cargo-", 6) == 0) {
		fprintf(err,
			"heapsnap: note: recording '%s' itself, not the programs it starts; to "
			"profile your program, build it and run heapsnap on the binary\n",
			prog);
		return 0;
	}
	if (strcmp(prog, "cargo") != 0)
		return 0;
	/* The subcommand: the first argument that is not a global option. */
	for (a = argv + 1; *a != NULL && ((*a)[0] == '-' || (*a)[0] == '+'); a++)
		if (cargo_option_takes_value(*a) && a[1] != NULL)
			a++;
	if (*a == NULL)
		return 0;
	int run = strcmp(*a, "run") == 0 || strcmp(*a, "r") == 0;
	int test = strcmp(*a, "test") == 0 || strcmp(*a, "t") == 0 || strcmp(*a, "bench") == 0;
	if (!run && !test)
		return 0; /* cargo itself is what the user wants to record */

	/* cargo run execs the program in cargo's own process. */
	if (run && follow_exec && !trace_children) {
		fprintf(err, "heapsnap: note: recording the program 'cargo %s' starts: cargo's "
			     "own record gives way to it at its exec\n",
			*a);
		return 0;
	}

	char binary[2 * ADVICE_NAME_MAX + 64];
	binary_path(a + 1, binary, sizeof(binary));
	if (trace_children) {
		fprintf(err,
			"heapsnap: note: with --trace-children=yes, cargo, each rustc it starts and "
			"your program are all recorded\n");
	} else {
		fprintf(err,
			"heapsnap: 'cargo %s' would record cargo, not your program: cargo builds "
			"the program, then starts it itself\n",
			*a);
	}
	fputs("heapsnap: to record only your program, build it, then run heapsnap on the "
	      "binary:\nheapsnap:   cargo",
	      err);
	for (char *const *g = argv + 1; g < a; g++)
		fprintf(err, " %s", *g);
	if (run) {
		fputs(" build", err);
		print_cargo_args(a + 1, err);
		fprintf(err, " && heapsnap %s", binary);
		print_program_args(a + 1, err);
		fputc('\n', err);
	} else {
		fprintf(err, " %s --no-run", *a);
		print_cargo_args(a + 1, err);
		fputs("\nheapsnap:   heapsnap target/.../deps/NAME-HASH   (the 'Executable' path "
		      "cargo prints)\n",
		      err);
	}
	fputs("heapsnap: (debug = true under [profile.release] in Cargo.toml keeps the names "
	      "and lines)\n",
	      err);
	return trace_children ? 0 : -1;
}
