/* spawn.c: fork + execve with the hardening of spawn.h. Everything between fork and
 * execve is async-signal-safe (the caller may be multi-threaded: libcurl's resolver). */
#include "common/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/errfmt.h"

extern char **environ;

#define FD_HIGH 10       /* descriptors are moved at least this high before the dup2s */
#define FD_SCAN_MAX 4096 /* the close-on-exec fallback's bound without close_range */

/* What the child reports when a step fails: the step and its errno. */
enum step { STEP_FORK, STEP_PDEATHSIG, STEP_SESSION, STEP_FDS, STEP_CWD, STEP_NNP, STEP_EXEC };
static const char *const step_name[] = {
	"fork", "parent-death signal", "new session", "descriptors", "chdir", "no_new_privs", "exec"
};
struct report {
	int step, err;
};

void spawn_init(struct spawn *s, char *const argv[])
{
	memset(s, 0, sizeof *s);
	s->argv = argv;
	s->fd[0] = SPAWN_DEVNULL;
	s->fd[1] = SPAWN_DEVNULL;
	s->fd[2] = SPAWN_INHERIT;
	s->fd[3] = SPAWN_NONE;
}

/* ---- the child (async-signal-safe only) ---- */

__attribute__((noreturn)) static void child_fail(int rfd, enum step step)
{
	struct report r = { (int)step, errno };

	if (write(rfd, &r, sizeof r) < 0)
		_exit(127);
	_exit(127);
}

/* Descriptors 0..3 as asked. Sources first move above FD_HIGH, so that one dup2 never
 * overwrites another's source. */
static int child_fds(const struct spawn *s)
{
	int src[4], n = s->fd[3] == SPAWN_NONE ? 3 : 4;

	for (int i = 0; i < n; i++) {
		src[i] = s->fd[i];
		if (src[i] == SPAWN_DEVNULL && (src[i] = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
			return -1;
		if (src[i] >= 0 && src[i] < FD_HIGH &&
		    (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, FD_HIGH)) < 0)
			return -1;
	}
	for (int i = 0; i < n; i++) {
		if (src[i] == SPAWN_INHERIT) {
			if (fcntl(i, F_SETFD, 0) < 0 && errno != EBADF)
				return -1;
		} else if (dup2(src[i], i) < 0) {
			return -1;
		}
	}
	if (close_range((unsigned)n, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (int fd = n; fd < FD_SCAN_MAX; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

static void child_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, &sa, NULL) == 0)
			continue;
		/* glibc refuses its own reserved signals (32, 33); an ignored one would stay
		 * ignored across exec. The kernel's all-zero sigaction is SIG_DFL, whatever
		 * its layout on this architecture. */
		long zero[8] = { 0 };
		syscall(SYS_rt_sigaction, sig, zero, NULL,
			sizeof(sigset_t) < 8 ? sizeof(sigset_t) : 8);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

__attribute__((noreturn)) static void child_run(const struct spawn *s, int rfd, pid_t parent)
{
	if (s->pdeathsig && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
		child_fail(rfd, STEP_PDEATHSIG);
	if (s->new_session ? setsid() < 0 : s->new_pgroup && setpgid(0, 0) < 0)
		child_fail(rfd, STEP_SESSION);
	if (child_fds(s) < 0)
		child_fail(rfd, STEP_FDS);
	child_signals();
	if (s->cwd && chdir(s->cwd) < 0)
		child_fail(rfd, STEP_CWD);
	if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(rfd, STEP_NNP);
	if (s->pre_exec && s->pre_exec(s->pre_exec_arg) != 0)
		_exit(126);
	execve(s->argv[0], s->argv, s->envp ? s->envp : environ);
	child_fail(rfd, STEP_EXEC);
}

/* ---- the parent ---- */

/* The report pipe, both ends close-on-exec and above FD_HIGH (never one of the
 * child's 0..3). */
static int report_pipe(int p[2], char *err, size_t errlen)
{
	int raw[2];

	if (pipe2(raw, O_CLOEXEC) < 0)
		return errfmt(err, errlen, "pipe: %s", strerror(errno));
	p[0] = fcntl(raw[0], F_DUPFD_CLOEXEC, FD_HIGH);
	p[1] = fcntl(raw[1], F_DUPFD_CLOEXEC, FD_HIGH);
	close(raw[0]);
	close(raw[1]);
	if (p[0] >= 0 && p[1] >= 0)
		return 0;
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	return errfmt(err, errlen, "pipe: %s", strerror(errno));
}

/* Reads the child's report: 0 when it reached exec (EOF), -1 with err when it said a
 * step failed. */
static int read_report(int rfd, const struct spawn *s, char *err, size_t errlen)
{
	struct report r;
	ssize_t n;

	while ((n = read(rfd, &r, sizeof r)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof r)
		return 0;
	if (r.step < 0 || r.step > STEP_EXEC)
		r.step = STEP_EXEC;
	return errfmt(err, errlen, "%s: %s: %s", s->argv[0], step_name[r.step], strerror(r.err));
}

static void reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

pid_t spawn_start(const struct spawn *s, char *err, size_t errlen)
{
	pid_t parent = getpid(), pid;
	int p[2], st;

	if (report_pipe(p, err, errlen) < 0)
		return -1;
	pid = fork();
	if (pid == 0)
		child_run(s, p[1], parent);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return errfmt(err, errlen, "fork: %s", strerror(errno));
	}
	if (read_report(p[0], s, err, errlen) < 0) {
		close(p[0]);
		reap(pid, &st);
		return -1;
	}
	close(p[0]);
	return pid;
}

void spawn_kill(pid_t pid)
{
	if (getpgid(pid) == pid)
		kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

/* Sleeps until pid may have changed state or the deadline: a pidfd when the kernel
 * has them, else a short nap. */
static void wait_a_while(int pidfd, int64_t left_ms)
{
	if (pidfd >= 0) {
		struct pollfd pf = { pidfd, POLLIN, 0 };
		poll(&pf, 1, left_ms > 1000 ? 1000 : (int)left_ms);
		return;
	}
	struct timespec ts = { 0, (left_ms > 10 ? 10 : left_ms) * 1000000L };
	nanosleep(&ts, NULL);
}

/* spawn_wait up to an absolute deadline (< 0: none); timeout_ms is for the message. */
static int wait_until(pid_t pid, int64_t deadline, int timeout_ms, int *status, char *err,
		      size_t errlen)
{
	int pidfd, rc = -1;
	pid_t w;

	if (deadline < 0) {
		while ((w = waitpid(pid, status, 0)) < 0 && errno == EINTR)
			;
		return w == pid ? 0 : errfmt(err, errlen, "waitpid: %s", strerror(errno));
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		w = waitpid(pid, status, WNOHANG);
		if (w == pid) {
			rc = 0;
			break;
		}
		if (w < 0 && errno != EINTR) {
			errfmt(err, errlen, "waitpid: %s", strerror(errno));
			break;
		}
		int64_t left = deadline - clock_mono_ms();
		if (left <= 0) {
			spawn_kill(pid);
			reap(pid, status);
			errfmt(err, errlen, "timed out after %d ms (killed)", timeout_ms);
			break;
		}
		wait_a_while(pidfd, left);
	}
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}

int spawn_wait(pid_t pid, int timeout_ms, int *status, char *err, size_t errlen)
{
	int64_t deadline = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;

	return wait_until(pid, deadline, timeout_ms, status, err, errlen);
}

/* The exit status of a wait status, or -1 with err for a signal. */
static int exit_status(const struct spawn *s, int st, char *err, size_t errlen)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return errfmt(err, errlen, "%s: killed by signal %d", s->argv[0],
		      WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int spawn_run(const struct spawn *s, int timeout_ms, char *err, size_t errlen)
{
	int st;
	pid_t pid = spawn_start(s, err, errlen);

	if (pid < 0 || spawn_wait(pid, timeout_ms, &st, err, errlen) < 0)
		return -1;
	return exit_status(s, st, err, errlen);
}

/* Reads fd to its end (or the deadline) into out; what does not fit is dropped. */
static void read_all(int fd, int64_t deadline, char *out, size_t outlen)
{
	char drop[4096];
	size_t n = 0;

	for (;;) {
		int64_t left = deadline - clock_mono_ms();
		struct pollfd pf = { fd, POLLIN, 0 };
		if (deadline >= 0 && left <= 0)
			break;
		if (poll(&pf, 1, deadline < 0 ? -1 : (int)left) < 0 && errno != EINTR)
			break;
		if (!pf.revents)
			continue;
		char *dst = n + 1 < outlen ? out + n : drop;
		size_t room = n + 1 < outlen ? outlen - 1 - n : sizeof drop;
		ssize_t r = read(fd, dst, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (dst != drop)
			n += (size_t)r;
	}
	if (outlen)
		out[n] = 0;
}

int spawn_capture(const struct spawn *s, int timeout_ms, char *out, size_t outlen, char *err,
		  size_t errlen)
{
	struct spawn c = *s;
	int p[2], st;
	pid_t pid;

	if (outlen)
		out[0] = 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return errfmt(err, errlen, "pipe: %s", strerror(errno));
	c.fd[1] = p[1];
	c.fd[2] = p[1];
	pid = spawn_start(&c, err, errlen);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	int64_t deadline = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;
	read_all(p[0], deadline, out, outlen);
	close(p[0]);
	if (wait_until(pid, deadline, timeout_ms, &st, err, errlen) < 0)
		return -1;
	return exit_status(s, st, err, errlen);
}

int spawn_detached(const struct spawn *s, char *err, size_t errlen)
{
	struct spawn c = *s;
	pid_t parent = getpid(), pid;
	int p[2], st;

	c.new_session = true;
	c.pdeathsig = false;
	if (report_pipe(p, err, errlen) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		/* The middle child: gone at once, its child is the program. */
		pid_t g = fork();
		if (g < 0)
			child_fail(p[1], STEP_FORK);
		if (g == 0)
			child_run(&c, p[1], parent);
		_exit(0);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return errfmt(err, errlen, "fork: %s", strerror(errno));
	}
	reap(pid, &st);
	int rc = read_report(p[0], s, err, errlen);
	close(p[0]);
	return rc;
}
