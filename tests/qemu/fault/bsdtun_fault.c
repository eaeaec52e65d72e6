// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun_fault PROGRAM [ARG...]
 *
 * Runs PROGRAM with the kernel's fault injection aimed at it: its
 * /proc/<pid>/make-it-fail is set, which the debugfs fault attributes'
 * task-filter honours and which fork and clone pass on to its children
 * and threads.  BSDTUN_FAULT=1 in its environment tells it so.
 *
 * The flag is set once the exec is complete (the child stops under
 * ptrace at its exec), not before: an injected failure inside exec
 * after its point of no return kills the process, which would say
 * nothing about bsdtun.
 *
 * Exits with PROGRAM's status, or 128 + the signal that killed it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static int bsdtun_make_it_fail(pid_t pid)
{
	char path[64];
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/%d/make-it-fail", (int)pid);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, "1", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	pid_t pid;
	int st;

	if (argc < 2) {
		fprintf(stderr, "usage: bsdtun_fault PROGRAM [ARG...]\n");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("bsdtun_fault: fork");
		return 2;
	}
	if (pid == 0) {
		setenv("BSDTUN_FAULT", "1", 1);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) {
			perror("bsdtun_fault: PTRACE_TRACEME");
			_exit(2);
		}
		execv(argv[1], argv + 1);
		perror("bsdtun_fault: exec");
		_exit(2);
	}
	/* The SIGTRAP stop that follows a successful exec. */
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) {
		fprintf(stderr, "bsdtun_fault: %s did not stop at its exec\n", argv[1]);
		return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
	}
	if (bsdtun_make_it_fail(pid) < 0) {
		perror("bsdtun_fault: make-it-fail");
		kill(pid, SIGKILL);
		return 2;
	}
	/* Resume it, no longer traced, without delivering the SIGTRAP. */
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL) < 0) {
		perror("bsdtun_fault: PTRACE_DETACH");
		kill(pid, SIGKILL);
		return 2;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 2;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
