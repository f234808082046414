/* init.c: appforge-init, pid 1 in the app sandbox.
 *
 * Node as pid 1 would ignore SIGTERM and leave zombies, so this tiny program sits there
 * instead: it starts argv[1..] (node and its script, or an exec command), forwards
 * SIGTERM, SIGINT and SIGHUP to it, reaps every orphan, and exits with the app's exit
 * status (128+signal when a signal killed it). When pid 1 exits the kernel kills the
 * rest of the pid namespace, so nothing the app started outlives it.
 *
 * It runs under the sandbox's seccomp filter and without sanitizers; it uses only
 * prctl, fork, execve, sigprocmask, sigwaitinfo, kill and waitpid. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: appforge-init PROGRAM [ARGS...]\n");
		return 2;
	}
	/* Not dumpable: the app runs as our uid and must not reach into our memory through
	 * /proc/1/mem (a ptrace equivalent). node, exec'ed below, becomes dumpable again. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	sigset_t set, old;
	sigfillset(&set);
	sigprocmask(SIG_BLOCK, &set, &old);

	pid_t child = fork();
	if (child < 0) {
		fprintf(stderr, "appforge-init: fork: %s\n", strerror(errno));
		return 126;
	}
	if (child == 0) {
		char lp[32];
		snprintf(lp, sizeof lp, "%d", (int)getpid());
		setenv("LISTEN_PID", lp, 1);
		sigemptyset(&old);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execv(argv[1], argv + 1);
		fprintf(stderr, "appforge-init: cannot run %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
			kill(child, sig);
			continue;
		}
		if (sig != SIGCHLD)
			continue;
		int status;
		pid_t p;
		while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
			if (p != child)
				continue; /* an orphan the app left behind: just reaped */
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			if (WIFSIGNALED(status))
				return 128 + WTERMSIG(status);
		}
	}
}
