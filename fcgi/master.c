/* master.c: the appforged master: preforks and supervises the FastCGI workers.
 *
 * All signals the master cares about are blocked and taken synchronously with
 * sigtimedwait(), so there is no async handler state to get wrong. A worker that dies
 * is replaced at once; if a slot's workers keep dying within WORKER_MIN_LIFE_MS of their
 * start, each next start in that slot waits twice as long (BACKOFF_START_MS up to
 * BACKOFF_MAX_MS) so a broken setup cannot fork-bomb.
 * Two pools share the slot table: `workers` slots accept on the API socket and
 * `resolve_workers` slots on the resolve socket (daemon.h), each slot tied to its pool;
 * one more slot holds the log streamer (logstream.h), supervised the same way.
 * The sandbox supervisor is not a child of the master: it runs on its own, as root
 * (scripts/dev-start, or its systemd unit), while the master and its workers run
 * unprivileged (main.c drops root before master_run). */
#include "fcgi/daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "fcgi/logstream.h"

#define WORKERS_MAX (64 + 16 + 1) /* conf bounds of workers + resolve_workers, the streamer */
#define WORKER_MIN_LIFE_MS 1000
#define BACKOFF_START_MS 100
#define BACKOFF_MAX_MS 5000

struct slot {
	pid_t pid;         /* 0: empty */
	long long started; /* ms, monotonic */
	long long due;     /* empty slot: when to start the next worker */
	long long backoff; /* ms; grows while this slot's workers die young */
	int listen_fd;     /* the socket of this slot's pool */
	int other_fd;      /* the other pool's socket: closed in the worker */
	enum worker_pool pool;
};

static pid_t spawn_worker(const struct conf *c, const struct slot *s, const sigset_t *oldmask)
{
	pid_t pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* The worker sets up its own signals; start from the mask the master had. */
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		if (s->other_fd >= 0 && s->other_fd != s->listen_fd)
			close(s->other_fd);
		if (s->pool == WORKER_POOL_STREAM) {
			close(s->listen_fd);
			logstream_main(c);
		}
		worker_main(c, s->listen_fd, s->pool);
	}
	return pid;
}

static int count_alive(const struct slot *s, int n)
{
	int alive = 0;
	for (int i = 0; i < n; i++)
		alive += s[i].pid > 0;
	return alive;
}

/* Reaps every exited child; marks their slots empty and schedules replacements. */
static void reap(struct slot *s, int n, bool stopping)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (int i = 0; i < n; i++) {
			if (s[i].pid != pid)
				continue;
			long long t = clock_mono_ms(), lived = t - s[i].started;
			if (!stopping) {
				if (WIFSIGNALED(st))
					log_warn("worker %d killed by signal %d after %lld ms",
						 (int)pid, WTERMSIG(st), lived);
				else
					log_warn("worker %d exited with status %d after %lld ms",
						 (int)pid, WEXITSTATUS(st), lived);
			}
			if (lived < WORKER_MIN_LIFE_MS) {
				s[i].backoff = s[i].backoff ? s[i].backoff * 2 : BACKOFF_START_MS;
				if (s[i].backoff > BACKOFF_MAX_MS)
					s[i].backoff = BACKOFF_MAX_MS;
			} else {
				s[i].backoff = 0;
			}
			s[i].pid = 0;
			s[i].due = t + s[i].backoff;
		}
	}
}

static void fill_slots(const struct conf *c, struct slot *s, int n, const sigset_t *oldmask)
{
	long long t = clock_mono_ms();
	for (int i = 0; i < n; i++) {
		if (s[i].pid || s[i].due > t)
			continue;
		pid_t pid = spawn_worker(c, &s[i], oldmask);
		if (pid < 0) {
			s[i].due = t + BACKOFF_MAX_MS;
			continue;
		}
		s[i].pid = pid;
		s[i].started = t;
		log_debug("worker %d started", (int)pid);
	}
}

/* How long sigtimedwait may sleep: until the next due respawn, at most 1 s. */
static long long next_wait_ms(const struct slot *s, int n)
{
	long long t = clock_mono_ms(), w = 1000;
	for (int i = 0; i < n; i++)
		if (!s[i].pid && s[i].due - t < w)
			w = s[i].due - t;
	return w < 1 ? 1 : w;
}

static void stop_workers(struct slot *s, int n)
{
	long long deadline = clock_mono_ms() + DAEMON_STOP_TIMEOUT_S * 1000LL;
	sigset_t chld;

	for (int i = 0; i < n; i++)
		if (s[i].pid > 0)
			kill(s[i].pid, SIGTERM);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	while (count_alive(s, n) > 0) {
		long long left = deadline - clock_mono_ms();
		if (left <= 0) {
			for (int i = 0; i < n; i++) {
				if (s[i].pid <= 0)
					continue;
				log_warn("worker %d did not stop in %d s: killing it",
					 (int)s[i].pid, DAEMON_STOP_TIMEOUT_S);
				kill(s[i].pid, SIGKILL);
				waitpid(s[i].pid, NULL, 0);
				s[i].pid = 0;
			}
			break;
		}
		struct timespec ts = { left / 1000, (left % 1000) * 1000000 };
		sigtimedwait(&chld, NULL, &ts);
		reap(s, n, true);
	}
}

/* Ties the first `api` slots to the API socket, the next `resolve` to the resolve
 * socket. Returns the number of slots. */
static int assign_slots(struct slot *s, int api, int api_fd, int resolve, int resolve_fd)
{
	int n = 0;

	memset(s, 0, sizeof *s * WORKERS_MAX);
	for (int i = 0; i < api && n < WORKERS_MAX; i++, n++) {
		s[n].listen_fd = api_fd;
		s[n].other_fd = resolve_fd;
		s[n].pool = WORKER_POOL_API;
	}
	for (int i = 0; i < resolve && n < WORKERS_MAX; i++, n++) {
		s[n].listen_fd = resolve_fd;
		s[n].other_fd = api_fd;
		s[n].pool = WORKER_POOL_RESOLVE;
	}
	if (n < WORKERS_MAX) {
		s[n].listen_fd = api_fd;
		s[n].other_fd = resolve_fd;
		s[n++].pool = WORKER_POOL_STREAM;
	}
	return n;
}

int master_run(const struct conf *c, int api_fd, int resolve_fd)
{
	struct slot slots[WORKERS_MAX];
	int api = c->workers < 1 ? 1 : c->workers,
	    resolve = c->resolve_workers < 1 ? 1 : c->resolve_workers;
	int n = assign_slots(slots, api, api_fd, resolve, resolve_fd);
	sigset_t set, oldmask;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &oldmask);
	/* SIGCHLD must not be ignored or the kernel reaps for us; blocked is enough. */
	signal(SIGCHLD, SIG_DFL);

	log_info("appforged master %d: %d API workers, %d resolve workers", (int)getpid(), api,
		 resolve);
	for (;;) {
		fill_slots(c, slots, n, &oldmask);
		long long w = next_wait_ms(slots, n);
		struct timespec ts = { w / 1000, (w % 1000) * 1000000 };
		siginfo_t si;
		int sig = sigtimedwait(&set, &si, &ts);
		if (sig < 0)
			continue; /* timeout (EAGAIN) or EINTR */
		if (sig == SIGCHLD) {
			reap(slots, n, false);
		} else if (sig == SIGHUP) {
			log_info(
				"SIGHUP: nothing to reload (restart to apply a new configuration)");
		} else {
			log_info("signal %d: stopping; workers finish their current request", sig);
			break;
		}
	}
	stop_workers(slots, n);
	log_info("appforged stopped");
	return 0;
}
