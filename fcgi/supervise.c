/* supervise.c: what the appforged master runs beside its workers.
 *
 * appforge-supervisor, the only parent of sandboxes: a program of its own, so a crash
 * of the daemon's code never takes the apps' parent down with it, and the other way
 * round the master respawns it, with a growing delay when it keeps dying.
 *
 * The supervisor is found as $AF_SUPERVISOR, else beside an uninstalled appforged in
 * the build tree (AF_BUILD_SUPERVISOR), else the installed AF_SBIN_SUPERVISOR. */
#include "fcgi/lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/log.h"

#define RESPAWN_START_MS 200
#define RESPAWN_MAX_MS 10000
#define SUP_MIN_LIFE_MS 5000
#define SUP_STOP_TIMEOUT_MS 30000

const char *master_config_path;

static pid_t sup_pid;
static long long sup_started, sup_due, sup_backoff;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *supervisor_path(void)
{
	const char *env = getenv("AF_SUPERVISOR");
	if (env && *env)
		return env;
#ifdef AF_BUILD_SUPERVISOR
	/* Running from the build tree (make check, scripts/dev-start). */
	{
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n > 0) {
			self[n] = 0;
			if (strncmp(self, AF_BUILD_TOPDIR "/", strlen(AF_BUILD_TOPDIR) + 1) == 0 &&
			    access(AF_BUILD_SUPERVISOR, X_OK) == 0)
				return AF_BUILD_SUPERVISOR;
		}
	}
#endif
#ifdef AF_SBIN_SUPERVISOR
	return AF_SBIN_SUPERVISOR;
#else
	return "appforge-supervisor";
#endif
}

/* In a fresh child of the master: the signals and mask a plain program expects, and
 * no FastCGI socket. */
static void child_setup(int listen_fd, const void *oldmask)
{
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, (const sigset_t *)oldmask, NULL);
	if (listen_fd > 2)
		close(listen_fd);
}

static void spawn_supervisor(int listen_fd, const void *oldmask)
{
	const char *path = supervisor_path();
	pid_t pid = fork();

	if (pid < 0) {
		log_error("fork (supervisor): %s", strerror(errno));
		sup_due = now_ms() + RESPAWN_MAX_MS;
		return;
	}
	if (pid == 0) {
		pid_t parent = getppid();
		child_setup(listen_fd, oldmask);
		/* A master that dies (even by SIGKILL) takes the supervisor, and so every
		 * sandbox, along: the next master's supervisor then owns the socket and the
		 * ports, with nothing left over to reconcile but what the database says. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(1);
		/* The supervisor prints "ready" on stdout: to the log with the rest. */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		if (master_config_path)
			execl(path, "appforge-supervisor", "--config", master_config_path, (char *)NULL);
		else
			execl(path, "appforge-supervisor", (char *)NULL);
		log_error("cannot run the sandbox supervisor %s: %s", path, strerror(errno));
		_exit(127);
	}
	sup_pid = pid;
	sup_started = now_ms();
	log_info("sandbox supervisor %s started (pid %d)", path, (int)pid);
}

void companions_start(const struct conf *c, int listen_fd, const void *oldmask)
{
	(void)c;
	spawn_supervisor(listen_fd, oldmask);
}

bool companions_reaped(pid_t pid, int status)
{
	if (pid != sup_pid || pid <= 0)
		return false;
	{
		long long t = now_ms(), lived = t - sup_started;
		if (WIFSIGNALED(status))
			log_error("sandbox supervisor killed by signal %d after %lld ms: respawning",
				  WTERMSIG(status), lived);
		else
			log_error("sandbox supervisor exited with status %d after %lld ms: respawning",
				  WEXITSTATUS(status), lived);
		if (lived < SUP_MIN_LIFE_MS) {
			sup_backoff = sup_backoff ? sup_backoff * 2 : RESPAWN_START_MS;
			if (sup_backoff > RESPAWN_MAX_MS)
				sup_backoff = RESPAWN_MAX_MS;
		} else {
			sup_backoff = 0;
		}
		sup_pid = 0;
		sup_due = t + sup_backoff;
	}
	return true;
}

long long companions_tick(const struct conf *c, int listen_fd, const void *oldmask)
{
	(void)c;
	long long t = now_ms(), wait = 1000;

	if (!sup_pid) {
		if (sup_due <= t)
			spawn_supervisor(listen_fd, oldmask);
		else if (sup_due - t < wait)
			wait = sup_due - t;
	}
	return wait < 1 ? 1 : wait;
}

void companions_stop(void)
{
	long long deadline = now_ms() + SUP_STOP_TIMEOUT_MS;

	if (sup_pid > 0) {
		/* The supervisor stops every sandbox gracefully, then exits. */
		kill(sup_pid, SIGTERM);
		while (now_ms() < deadline) {
			pid_t r = waitpid(sup_pid, NULL, WNOHANG);
			if (r == sup_pid || (r < 0 && errno == ECHILD))
				break;
			usleep(20000);
		}
		if (waitpid(sup_pid, NULL, WNOHANG) == 0) {
			log_warn("sandbox supervisor did not stop in %d ms: killing it",
				 SUP_STOP_TIMEOUT_MS / 1000 * 1000);
			kill(sup_pid, SIGKILL);
			waitpid(sup_pid, NULL, 0);
		}
		sup_pid = 0;
	}
}
