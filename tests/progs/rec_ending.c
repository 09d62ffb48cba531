/* rec_ending: one way for a program to end, for tests/recorder/rec_endings.py.
 *
 * Every mode first keeps 5 blocks of 1000 bytes from keep_five(), so each
 * record has the same live heap before the ending:
 *
 *   rec_ending raise SIG     raise(SIG) at its default disposition
 *   rec_ending busy          "ready" on stdout, then malloc/free without end
 *                            (the test signals it while it is in malloc)
 *   rec_ending spin          "ready" on stdout, then sleeps (for SIGKILL)
 *   rec_ending overflow      unbounded recursion: SIGSEGV on stack overflow
 *   rec_ending abort         abort()
 *   rec_ending doublefree    frees a block twice: glibc's free finds it
 *                            and aborts (tcache's check), inside free
 *   rec_ending altabort      a thread overflows its stack; its SIGSEGV
 *                            handler, on a 6 KiB alternate stack, calls
 *                            abort() (as Rust's runtime does)
 *   rec_ending _exit N       _exit(N)
 *   rec_ending exec PROG...  execv(PROG, PROG...)
 *   rec_ending exit N        "out" on stdout (buffered), then exit(N)
 *   rec_ending closefrom     closefrom(3) (the launcher's channel too), exit 0
 *   rec_ending orphan        forks a child that outlives the parent by
 *                            0.5 s (and the launcher), prints
 *                            "child_pid=N", exits 0
 *   rec_ending seccomp HOW   turns seccomp on, then allocates and frees
 *                            (1000 blocks), writes "sandboxed" and ends:
 *                            strict: prctl's strict mode, exit system call
 *                            with status 5; strictsegv: the same, then a
 *                            null write (SIGSEGV); filter: prctl with a
 *                            filter that kills the process at any system
 *                            call but read, write, exit, exit_group,
 *                            rt_sigreturn, brk, mmap, munmap, madvise and
 *                            futex, then exit(6); syscall: the same filter
 *                            through syscall(SYS_seccomp), as libseccomp
 *                            loads it
 *   rec_ending seccomp exec PROG...  a filter that kills the process at
 *                            sendmsg or sendto (heapsnap's report channel)
 *                            and allows the rest, then execv(PROG, PROG...)
 */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rec_common.h"

static REC_NOINLINE void keep_five(void)
{
	for (int i = 0; i < 5; i++)
		rec_keep(malloc(1000));
}

static REC_NOINLINE void churn(void)
{
	for (;;) {
		void *p = malloc(64);
		rec_keep(p);
		free(p);
	}
}

/* Endless on purpose: the stack overflows. */
#if defined(__clang__) || __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
#endif
static REC_NOINLINE int recurse(int depth)
{
	volatile char pad[512];

	pad[0] = (char)depth;
	return recurse(depth + 1) + pad[0];
}
#if defined(__clang__) || __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif

/* Rust's stack-overflow handler, in C: its message, then abort() on the
 * thread's small alternate stack. */
static void on_overflow(int sig)
{
	static const char msg[] = "stack overflow, aborting\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(96);
	abort();
}

static void *overflow_thread(void *arg)
{
	static char alt[6144] __attribute__((aligned(16)));
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 };
	struct sigaction sa;

	(void)arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_overflow;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaltstack(&ss, NULL) != 0 || sigaction(SIGSEGV, &sa, NULL) != 0)
		_exit(95);
	return (void *)(long)recurse(0);
}

/* Install prog, with prctl or (via_syscall) as libseccomp loads it; 1
 * when installed. */
static int install_filter(struct sock_fprog *prog, int via_syscall)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return 0;
	if (via_syscall)
		return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) == 0;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0) == 0;
}

/* seccomp exec's filter: sendmsg and sendto kill, the rest is allowed;
 * 1 when installed. */
static int deny_send(void)
{
#if defined(__x86_64__) || defined(__aarch64__)
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendmsg, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendto, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof(code) / sizeof(code[0])), code };

	return install_filter(&prog, 0);
#else
	return 0;
#endif
}

/* The sandbox's filter (seccomp HOW, above); 1 when installed. */
static int filter_on(int via_syscall)
{
#if defined(__x86_64__)
#define REC_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define REC_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif
#ifdef REC_AUDIT_ARCH
#ifndef __NR_brk
#define __NR_brk -1 /* none here: never matches */
#endif
#define REC_ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)(nr), 0, 1), \
		      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, REC_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		REC_ALLOW(__NR_read),
		REC_ALLOW(__NR_write),
		REC_ALLOW(__NR_exit),
		REC_ALLOW(__NR_exit_group),
		REC_ALLOW(__NR_rt_sigreturn),
		REC_ALLOW(__NR_brk),
		REC_ALLOW(__NR_mmap),
		REC_ALLOW(__NR_munmap),
		REC_ALLOW(__NR_madvise),
		REC_ALLOW(__NR_futex),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof(code) / sizeof(code[0])), code };

	return install_filter(&prog, via_syscall);
#else
	(void)via_syscall;
	return 0;
#endif
}

/* Heap calls under the sandbox: glibc's arena answers them without a
 * system call natively. */
static REC_NOINLINE void sandboxed_work(void)
{
	static const char msg[] = "sandboxed\n";

	for (int i = 0; i < 1000; i++) {
		char *p = malloc(64 + (size_t)(i % 500));
		if (p == NULL)
			syscall(SYS_exit, 91);
		p[0] = (char)i;
		rec_keep(p);
		free(p);
	}
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) != (ssize_t)(sizeof(msg) - 1))
		syscall(SYS_exit, 92);
}

static void ready(void)
{
	if (write(STDOUT_FILENO, "ready\n", 6) != 6)
		_exit(99);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	keep_five();
	if (strcmp(argv[1], "raise") == 0 && argc == 3) {
		raise(atoi(argv[2]));
		return 98;
	} else if (strcmp(argv[1], "busy") == 0) {
		ready();
		churn();
	} else if (strcmp(argv[1], "spin") == 0) {
		ready();
		for (;;)
			pause();
	} else if (strcmp(argv[1], "overflow") == 0) {
		return recurse(0);
	} else if (strcmp(argv[1], "abort") == 0) {
		abort();
	} else if (strcmp(argv[1], "doublefree") == 0) {
		char *volatile twice = malloc(200); /* volatile: no compiler sees the bug */
		free(twice);
		free(twice);
		return 3;
	} else if (strcmp(argv[1], "altabort") == 0) {
		pthread_attr_t attr;
		pthread_t thread;

		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 << 10);
		if (pthread_create(&thread, &attr, overflow_thread, NULL) != 0)
			return 94;
		pthread_join(thread, NULL);
		return 93;
	} else if (strcmp(argv[1], "_exit") == 0 && argc == 3) {
		_exit(atoi(argv[2]));
	} else if (strcmp(argv[1], "exec") == 0 && argc >= 3) {
		execv(argv[2], argv + 2);
		return 97;
	} else if (strcmp(argv[1], "closefrom") == 0) {
		closefrom(3);
		keep_five();
		return 0;
	} else if (strcmp(argv[1], "orphan") == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			struct timespec ts = { 0, 500 * 1000 * 1000 };
			keep_five();
			nanosleep(&ts, NULL);
			return 0;
		}
		printf("child_pid=%d\n", (int)pid);
		return 0;
	} else if (strcmp(argv[1], "seccomp") == 0 && argc >= 4 && strcmp(argv[2], "exec") == 0) {
		if (!deny_send())
			return 89;
		execv(argv[3], argv + 3);
		return 97;
	} else if (strcmp(argv[1], "seccomp") == 0 && argc == 3) {
		const char *how = argv[2];
		if (strcmp(how, "strict") == 0 || strcmp(how, "strictsegv") == 0) {
			if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) != 0)
				return 90;
			sandboxed_work();
			if (strcmp(how, "strictsegv") == 0) {
				int *volatile nowhere = NULL;
				*nowhere = 1;
			}
			for (;;)
				syscall(SYS_exit, 5); /* exit_group is refused */
		}
		if (!filter_on(strcmp(how, "syscall") == 0))
			return 89;
		sandboxed_work();
		exit(6);
	} else if (strcmp(argv[1], "exit") == 0 && argc == 3) {
		fputs("out\n", stdout);
		exit(atoi(argv[2]));
	}
	return 2;
}
