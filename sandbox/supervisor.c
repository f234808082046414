/* supervisor.c: appforge-supervisor, the only parent of sandboxes and the only writer
 * of run state.
 *
 *   appforge-supervisor [--config FILE]
 *
 * One process, one epoll loop: the control socket (unix, conf supervisor_socket, mode
 * 0660 root:<group of run_as_user>, so only appforged and root reach it; 0600 root
 * while that user does not exist) speaking the typed protocol of supproto.h (one JSON
 * object per line), a signalfd, and per sandbox its pidfd (exit noticed at once), its
 * log pipe and its readiness probe.
 *
 * A run, end to end: `start` checks the app and the owner's quota of running apps,
 * takes a port and records the run as "starting" in one transaction, starts the
 * sandbox and replies at once. The loop then probes the app (one HTTP request at a
 * time on its port, never blocking): the first answer makes the run "running"; an exit
 * before that ends it "exited" with reason "crashed"; no answer within
 * sandbox_start_timeout_ms stops it, reason "start_timeout". `wait` requests (at most
 * a bounded number at once, from the worker count) are answered when the start is
 * over. A start of an app already live joins that run (single flight).
 *
 * Ports come from port_min..port_max. A port returns to the pool only once the
 * database says its run has ended: when that write fails, the app's record stays here
 * (state "ended", its port held) and the write is retried every second. A run's host
 * uid is sandbox_uid_base + (port - port_min), unique among live sandboxes.
 *
 * Lifetime: sandboxes die with the supervisor (their setup child has
 * PR_SET_PDEATHSIG(SIGKILL), kept for init, which takes its pid namespace along). On
 * start the supervisor reconciles: every cgroup of this instance (named
 * "<tag>-<app>", tag from the state directory) is killed and removed, and every run the
 * database still calls live is marked exited/crashed. SIGTERM/SIGINT: stop every
 * sandbox gracefully, then exit. */
#include "sandbox/sandbox.h"
#include "sandbox/ports.h"
#include "sandbox/supproto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "db/db.h"
#include "log.h"
#include "util.h"

#define MAX_CLIENTS 256
#define MAX_STOP_WAITERS 8
#define PROBE_RETRY_MS 50
#define ROW_RETRY_MS 1000

enum wkind { W_LISTEN, W_SIGNAL, W_CLIENT, W_PIDFD, W_LOG, W_PROBE };

struct watch {
	enum wkind kind;
	void *p;
};

struct client {
	struct watch w;
	int fd;
	long id;
	char in[SUP_LINE_MAX + 1];
	size_t inlen;
	char *out;
	size_t outlen;
	int closing;
	int deferred;                 /* a stop or wait whose reply comes later */
	char wait_app[ID_APP_BUFSZ];  /* wait: the app, until the deadline */
	long long wait_deadline;
	struct client *next;
};

struct app {
	struct watch wpid, wlog, wprobe;
	char app_id[ID_APP_BUFSZ];
	char cgname[64];
	char log_path[PATH_MAX];
	struct sandbox sb;
	int port;
	uid_t uid;
	struct db_run row;            /* what the database is to say about the run */
	int row_dirty;                /* row not written yet: retried at row_retry_at */
	long long row_retry_at;
	int gone;                     /* the sandbox is gone; only the row may be pending */
	enum run_reason stop_reason;  /* RUN_REASON_STOPPED/DELETED once a stop came */
	int start_timed_out;
	long long start_deadline;     /* CLOCK_MONOTONIC ms */
	int probe_fd, probe_sent;
	long long probe_at;
	long stop_waiters[MAX_STOP_WAITERS];
	int nstop_waiters;
	struct app *next;
};

static struct conf conf;
static struct db *db;
static int ep = -1;
static struct port_alloc ports;
static char image_cache[PATH_MAX];   /* <state_dir>/cache: empty data images */
static struct app *apps;
static struct client *clients;
static int nclients;
static long next_client_id = 1;
static char tag[16];
static int shutting_down;

/* ---- small helpers ---- */

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ep_add(int fd, uint32_t events, struct watch *w)
{
	struct epoll_event e = { .events = events, .data.ptr = w };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static int ep_mod(int fd, uint32_t events, struct watch *w)
{
	struct epoll_event e = { .events = events, .data.ptr = w };
	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}

static struct app *find_app(const char *id)
{
	for (struct app *a = apps; a; a = a->next)
		if (strcmp(a->app_id, id) == 0)
			return a;
	return NULL;
}

static struct client *find_client(long id)
{
	for (struct client *c = clients; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static int mkdir_p(const char *dir, mode_t mode)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp)
		return -1;
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(tmp, mode) < 0 && errno != EEXIST ? -1 : 0;
}

/* How many requests may wait for a start at once: about a quarter of the workers, so
 * that a start never takes the workers cheap requests need; none with one worker. */
static int wait_slots(void)
{
	int n = (conf.workers + 2) / 4;
	return conf.workers < 2 ? 0 : n < 1 ? 1 : n;
}

static int nwaiting(void)
{
	int n = 0;
	for (struct client *c = clients; c; c = c->next)
		n += c->wait_app[0] != 0;
	return n;
}

/* ---- replies ---- */

static void client_close(struct client *c)
{
	for (struct client **pp = &clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	close(c->fd);
	free(c->out);
	free(c);
	nclients--;
}

static void client_flush(struct client *c)
{
	while (c->outlen) {
		ssize_t w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			ep_mod(c->fd, EPOLLIN | EPOLLOUT, &c->w);
			return;
		}
		if (w <= 0) {
			c->closing = 1;
			return;
		}
		memmove(c->out, c->out + w, c->outlen - (size_t)w);
		c->outlen -= (size_t)w;
	}
	ep_mod(c->fd, EPOLLIN, &c->w);
}

/* Queues the reply to op as one line to c and tries to send it now; clears r. */
static void reply(struct client *c, enum sup_op op, struct sup_reply *r)
{
	size_t n = 0;
	char *line = sup_reply_encode(op, r, &n), *nb;

	sup_reply_clear(r);
	if (!line || !(nb = realloc(c->out, c->outlen + n))) {
		free(line);
		c->closing = 1;
		return;
	}
	memcpy(nb + c->outlen, line, n);
	c->out = nb;
	c->outlen += n;
	free(line);
	client_flush(c);
}

static void reply_error(struct client *c, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply_error(struct client *c, const char *code, const char *fmt, ...)
{
	struct sup_reply r;
	va_list ap;

	memset(&r, 0, sizeof r);
	util_copy(r.code, sizeof r.code, code);
	va_start(ap, fmt);
	vsnprintf(r.message, sizeof r.message, fmt, ap);
	va_end(ap);
	reply(c, SUP_PING, &r);
}

/* The run as recorded (row) into s. */
static void row_to_run(const struct db_run *row, struct sup_run *s)
{
	memset(s, 0, sizeof *s);
	util_copy(s->app_id, sizeof s->app_id, row->app_id);
	s->state = row->state;
	s->reason = row->reason;
	s->port = run_state_live(row->state) ? row->port : 0;
	s->run_id = row->id;
	s->started_at = row->started_at;
	s->ended_at = row->ended_at;
	s->expires_at = row->expires_at;
	s->has_exit_code = row->has_exit_code;
	s->exit_code = row->exit_code;
}

/* The description of an app of ours (live or ended) into s. */
static void describe(struct app *a, struct sup_run *s)
{
	row_to_run(&a->row, s);
	if (a->gone) {
		s->signal = a->sb.signal;   /* the result stays in sb after its destroy */
		return;
	}
	struct cgroup_stats st;
	sandbox_stats(&a->sb, &st);
	s->port = a->port;
	s->pid = a->sb.pid;
	s->uid = (int)a->uid;
	util_copy(s->cgroup, sizeof s->cgroup, a->sb.cg.dir[CG_MEMORY]);
	util_copy(s->log_path, sizeof s->log_path, a->log_path);
	s->cpu_usec = (long long)st.cpu_usec;
	s->memory_bytes = (long long)st.memory_bytes;
	s->memory_peak = (long long)st.memory_peak;
	s->pids = st.pids;
}

static void reply_app(struct client *c, enum sup_op op, struct app *a, int already)
{
	struct sup_reply r;
	memset(&r, 0, sizeof r);
	r.ok = true;
	describe(a, &r.run);
	r.run.already = already;
	reply(c, op, &r);
}

/* An app with no sandbox here: what the database says (or "stopped"). */
static void reply_not_running(struct client *c, enum sup_op op, const char *id)
{
	struct sup_reply r;
	struct db_run row;
	char err[256];

	memset(&r, 0, sizeof r);
	r.ok = true;
	if (db && db_run_current(db, id, &row, err, sizeof err) == DB_OK &&
	    !run_state_live(row.state)) {
		row_to_run(&row, &r.run);
	} else {
		util_copy(r.run.app_id, sizeof r.run.app_id, id);
		r.run.state = RUN_STOPPED;
	}
	reply(c, op, &r);
}

/* ---- the run's row: written by us only ---- */

/* Writes a->row. 0 when the database holds it (or the run's row is gone with its
 * app); -1 when it must be retried (row_dirty). */
static int row_write(struct app *a)
{
	char err[256];
	int rc = db ? db_run_update(db, &a->row, err, sizeof err) : DB_ERR;

	if (rc == DB_OK || rc == DB_NOTFOUND) {
		a->row_dirty = 0;
		return 0;
	}
	if (!a->row_dirty)
		log_warn("run %lld of %s not recorded as %s (retrying): %s", a->row.id, a->app_id,
			 run_state_name(a->row.state), db ? err : "no database");
	a->row_dirty = 1;
	a->row_retry_at = mono_ms() + ROW_RETRY_MS;
	return -1;
}

/* The app is gone and its end recorded: its port returns to the pool. */
static void release(struct app *a)
{
	for (struct app **pp = &apps; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	if (a->port > 0)
		port_alloc_put(&ports, a->port);
	free(a);
}

/* For an ended app: records its end, then releases it; or keeps it (and its port). */
static void settle(struct app *a)
{
	int retry = a->row_dirty;

	if (row_write(a) == 0) {
		if (retry)
			log_info("end of run %lld of %s recorded: port %d back in the pool",
				 a->row.id, a->app_id, a->port);
		release(a);
	} else if (!retry) {
		log_warn("port %d stays out of the pool until the end of run %lld is recorded",
			 a->port, a->row.id);
	}
}

/* ---- waiting for a start ---- */

/* Answers every wait on a whose start is over (or all of them when force). */
static void wake_waiters(struct app *a)
{
	for (struct client *c = clients; c; c = c->next) {
		if (!c->wait_app[0] || strcmp(c->wait_app, a->app_id) != 0)
			continue;
		c->wait_app[0] = 0;
		c->deferred = 0;
		reply_app(c, SUP_WAIT, a, 0);
	}
}

/* Waits whose deadline passed: answered with the state now ("starting"). */
static void expire_waiters(long long now)
{
	for (struct client *c = clients; c; c = c->next) {
		if (!c->wait_app[0] || c->wait_deadline > now)
			continue;
		struct app *a = find_app(c->wait_app);
		char id[ID_APP_BUFSZ];
		util_copy(id, sizeof id, c->wait_app);
		c->wait_app[0] = 0;
		c->deferred = 0;
		if (a)
			reply_app(c, SUP_WAIT, a, 0);
		else
			reply_not_running(c, SUP_WAIT, id);
	}
}

/* ---- readiness: one HTTP request at a time, from the loop ---- */

static void probe_close(struct app *a)
{
	if (a->probe_fd >= 0)
		close(a->probe_fd);
	a->probe_fd = -1;
	a->probe_sent = 0;
}

static void probe_retry(struct app *a)
{
	probe_close(a);
	a->probe_at = mono_ms() + PROBE_RETRY_MS;
}

static void probe_start(struct app *a)
{
	struct sockaddr_in sa;

	a->probe_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (a->probe_fd < 0)
		return probe_retry(a);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)a->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((connect(a->probe_fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) ||
	    ep_add(a->probe_fd, EPOLLOUT, &a->wprobe) < 0)
		probe_retry(a);
}

/* The app answered: the run is "running". */
static void app_ready(struct app *a)
{
	probe_close(a);
	a->row.state = RUN_RUNNING;
	a->row.pid = a->sb.pid;
	row_write(a);
	log_info("app %s answers on port %d (%lld ms after its start)", a->app_id, a->port,
		 (long long)(mono_ms() - a->sb.started_ms));
	wake_waiters(a);
}

static void probe_event(struct app *a, uint32_t events)
{
	char buf[256];
	int n;

	if (a->probe_fd < 0 || a->gone || a->row.state != RUN_STARTING)
		return;
	if (!a->probe_sent) {
		int e = 0;
		socklen_t el = sizeof e;
		if (getsockopt(a->probe_fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e ||
		    (events & (EPOLLERR | EPOLLHUP)))
			return probe_retry(a);
		n = snprintf(buf, sizeof buf, "GET / HTTP/1.0\r\nHost: %s.%s\r\n"
			     "User-Agent: appforge-start\r\n\r\n", a->app_id, conf.apps_domain);
		if (n <= 0 || n >= (int)sizeof buf ||
		    send(a->probe_fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
			return probe_retry(a);
		a->probe_sent = 1;
		ep_mod(a->probe_fd, EPOLLIN, &a->wprobe);
		return;
	}
	n = (int)recv(a->probe_fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n > 0)
		return app_ready(a);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	probe_retry(a);   /* closed without an answer: not there yet, or dying */
}

/* Start deadlines and probe timers; returns the ms until the next one (at most cap). */
static int tick_starts(long long now, int cap)
{
	int next = cap;
	for (struct app *a = apps; a; a = a->next) {
		if (a->gone || a->row.state != RUN_STARTING || a->start_timed_out)
			continue;
		if (now >= a->start_deadline) {
			probe_close(a);
			a->start_timed_out = 1;
			log_warn("app %s did not answer HTTP within %d ms: stopping it", a->app_id,
				 conf.sandbox_start_timeout_ms);
			sandbox_request_stop(&a->sb, 0);
			continue;
		}
		if (a->probe_fd < 0 && now >= a->probe_at)
			probe_start(a);
		long long t = (a->probe_fd < 0 ? a->probe_at : a->start_deadline) - now;
		if (t < next)
			next = t < 0 ? 0 : (int)t;
	}
	return next;
}

/* Rows whose write failed: retried. Returns the ms until the next retry (at most cap). */
static int tick_rows(long long now, int cap)
{
	int next = cap;
	for (struct app *a = apps, *n; a; a = n) {
		n = a->next;
		if (!a->row_dirty)
			continue;
		if (now >= a->row_retry_at) {
			if (a->gone)
				settle(a);
			else
				row_write(a);
			continue;
		}
		if (a->row_retry_at - now < next)
			next = (int)(a->row_retry_at - now);
	}
	return next;
}

/* ---- sandbox lifecycle ---- */

/* How the run ended, from the sandbox's result and what we asked. */
static void classify_end(struct app *a)
{
	int was_starting = a->row.state == RUN_STARTING;
	int r = run_reason_parse(a->sb.reason);

	a->row.reason = r < 0 ? RUN_REASON_CRASHED : (enum run_reason)r;
	if (strcmp(a->sb.reason, "exited") == 0)
		a->row.reason = RUN_REASON_NONE;
	/* An exit before the first answer is a crash at start, a clean one too; a limit
	 * that killed it (memory, timeout) keeps its own reason. */
	if (a->stop_reason)
		a->row.reason = a->stop_reason;
	else if (was_starting && a->start_timed_out)
		a->row.reason = RUN_REASON_START_TIMEOUT;
	else if (was_starting && a->row.reason == RUN_REASON_NONE)
		a->row.reason = RUN_REASON_CRASHED;
	a->row.state = a->row.reason == RUN_REASON_STOPPED || a->row.reason == RUN_REASON_DELETED
		? RUN_STOPPED : RUN_EXITED;
	a->row.ended_at = time(NULL);
	a->row.has_exit_code = a->sb.exit_code >= 0;
	a->row.exit_code = a->sb.exit_code;
}

/* The sandbox has exited (reaped): drain its log, release everything, tell waiters,
 * record the end; the port follows the record. */
static void finish_app(struct app *a)
{
	char err[256];
	for (int i = 0; i < 20 && a->sb.log_rfd >= 0; i++) {
		if (sandbox_pump_log(&a->sb))
			break;
		usleep(5000);
	}
	probe_close(a);
	classify_end(a);
	if (sandbox_destroy(&a->sb, err, sizeof err) < 0)
		log_error("cleanup of %s: %s", a->app_id, err);
	a->gone = 1;
	log_info("app %s ended: %s, reason %s, exit %d, signal %d, cpu %llu us", a->app_id,
		 run_state_name(a->row.state), a->sb.reason, a->sb.exit_code, a->sb.signal,
		 (unsigned long long)a->sb.cpu_usec);
	/* recorded before anyone hears of it: who asked reads the database next */
	int retry = a->row_dirty, recorded = row_write(a) == 0;
	for (int i = 0; i < a->nstop_waiters; i++) {
		struct client *c = find_client(a->stop_waiters[i]);
		if (!c)
			continue;
		c->deferred = 0;
		reply_app(c, SUP_STOP, a, 0);
	}
	a->nstop_waiters = 0;
	wake_waiters(a);
	if (recorded)
		release(a);
	else if (!retry)
		log_warn("port %d stays out of the pool until the end of run %lld is recorded",
			 a->port, a->row.id);
}

/* Takes a free port and binds it; ports held by someone else are skipped. */
static int grab_port(int *port_out)
{
	int tries = ports.max - ports.min + 1;
	int skipped[64], nskipped = 0, fd = -1;
	while (tries-- > 0) {
		int p = port_alloc_get(&ports);
		if (p < 0)
			break;
		fd = sandbox_listen_loopback(p);
		if (fd >= 0) {
			*port_out = p;
			break;
		}
		if (nskipped < 64)
			skipped[nskipped++] = p;
		else
			port_alloc_put(&ports, p);
	}
	for (int i = 0; i < nskipped; i++)
		port_alloc_put(&ports, skipped[i]);
	return fd;
}

/* A path the caller gave must be an existing directory inside apps_dir. */
static int check_dir(const char *path, char *real, const char *what, char *err, size_t errlen)
{
	char base[PATH_MAX];
	if (!realpath(path, real)) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (!realpath(conf.apps_dir, base)) {
		snprintf(err, errlen, "apps_dir %s: %s", conf.apps_dir, strerror(errno));
		return -1;
	}
	size_t n = strlen(base);
	struct stat st;
	if (strncmp(real, base, n) != 0 || real[n] != '/' || stat(real, &st) < 0 ||
	    !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s must be a directory inside apps_dir", what);
		return -1;
	}
	return 0;
}

/* Records the new run "starting" on port for app id, under the owner's quota of
 * running apps, in one transaction; a live row left from a run we do not hold is
 * ended first (stale). Fills row. 0, or -1 after replying. */
static int record_start(struct client *c, const char *id, int port, struct db_run *row)
{
	char err[256], owner[ID_MAX_BUFSZ];
	struct db_app app;
	struct db_run cur;
	long long n = 0;
	int rc;

	if (!db)
		return reply_error(c, "db_unavailable", "no database: runs cannot be recorded"), -1;
	memset(&app, 0, sizeof app);
	rc = db_app_get(db, id, NULL, &app, err, sizeof err);
	util_copy(owner, sizeof owner, app.owner);
	db_app_clear(&app);
	/* A start that races a delete must not bring the app back: the daemon deletes
	 * the row first, then asks us to stop. */
	if (rc == DB_NOTFOUND)
		return reply_error(c, "not_found", "no such app"), -1;
	if (rc != DB_OK || db_begin(db, err, sizeof err) != DB_OK)
		return reply_error(c, "db_unavailable", "the run cannot be recorded: %s", err), -1;
	rc = db_run_current(db, id, &cur, err, sizeof err);
	if (rc == DB_OK && run_state_live(cur.state)) {
		log_warn("run %lld of %s was still %s with no sandbox: marked exited (crashed)",
			 cur.id, id, run_state_name(cur.state));
		cur.state = RUN_EXITED;
		cur.reason = RUN_REASON_CRASHED;
		cur.ended_at = time(NULL);
		rc = db_run_update(db, &cur, err, sizeof err);
	} else if (rc == DB_NOTFOUND) {
		rc = DB_OK;
	}
	if (rc == DB_OK)
		rc = db_run_count_active_by_owner(db, owner, &n, err, sizeof err);
	if (rc == DB_OK && n >= conf.quota_running) {
		db_rollback(db);
		return reply_error(c, "quota_exceeded",
				   "running apps quota reached: stop an app first"), -1;
	}
	memset(row, 0, sizeof *row);
	util_copy(row->app_id, sizeof row->app_id, id);
	row->state = RUN_STARTING;
	row->port = port;
	row->started_at = time(NULL);
	if (rc == DB_OK)
		rc = db_run_insert(db, row, err, sizeof err);
	if (rc == DB_OK)
		rc = db_commit(db, err, sizeof err);
	if (rc != DB_OK) {
		db_rollback(db);
		return reply_error(c, "db_unavailable", "the run cannot be recorded: %s",
				   rc == DB_CONFLICT ? "a live run holds its port" : err), -1;
	}
	return 0;
}

static void fill_spec(struct sandbox_spec *s, struct app *a, const char *code,
		      const char *data, int lfd)
{
	memset(s, 0, sizeof *s);
	s->app_id = a->app_id;
	s->cgroup_name = a->cgname;
	s->code_dir = code;
	s->data_dir = data;
	s->image_cache = image_cache;
	s->log_path = a->log_path;
	s->listen_fd = lfd;
	s->port = a->port;
	s->uid = a->uid;
	s->gid = (gid_t)a->uid;
	s->node_path = conf.node_path && *conf.node_path ? conf.node_path : NULL;
	s->echo_fd = -1;
	s->lim.memory_mb = conf.sandbox_memory_mb;
	s->lim.pids = conf.sandbox_pids;
	s->lim.cpu_percent = conf.sandbox_cpu_percent;
	s->lim.cpu_boost_ms = conf.sandbox_cpu_boost_ms;
	s->lim.wall_seconds = conf.sandbox_wall_seconds;
	s->lim.cpu_seconds = conf.sandbox_cpu_seconds;
	s->lim.data_mb = conf.sandbox_data_mb < 2 ? 2 : conf.sandbox_data_mb;
	s->lim.tmp_mb = conf.sandbox_tmp_mb;
	s->lim.nofile = conf.sandbox_nofile;
	s->lim.fsize_mb = conf.sandbox_fsize_mb;
	s->lim.log_bytes = conf.sandbox_log_bytes;
}

/* A new app record (not yet in the list), its log path made. NULL after replying. */
static struct app *new_app(struct client *c, const char *id)
{
	char logdir[PATH_MAX];
	struct app *a = calloc(1, sizeof *a);

	if (!a)
		return reply_error(c, "internal", "out of memory"), NULL;
	util_copy(a->app_id, sizeof a->app_id, id);
	snprintf(a->cgname, sizeof a->cgname, "%s-%s", tag, id);
	a->probe_fd = -1;
	a->wpid = (struct watch){ W_PIDFD, a };
	a->wlog = (struct watch){ W_LOG, a };
	a->wprobe = (struct watch){ W_PROBE, a };
	snprintf(logdir, sizeof logdir, "%s/apps", conf.log_dir);
	if (mkdir_p(logdir, 0750) < 0 ||
	    (size_t)snprintf(a->log_path, sizeof a->log_path, "%s/%s.log", logdir, id) >=
	    sizeof a->log_path) {
		free(a);
		return reply_error(c, "start_failed", "cannot create the log under %s", logdir), NULL;
	}
	return a;
}

/* The request's packed env as the NULL-ended list sandbox_spec.env takes (pointers into
 * q, which sup_request_decode checked against appenv.h already). */
static void env_list(const struct sup_request *q, char *out[APPENV_MAX_VARS + 1])
{
	size_t off = 0;
	int i;

	for (i = 0; i < q->nenv && i < APPENV_MAX_VARS && off < q->env_len; i++) {
		out[i] = (char *)q->env + off;
		off += strlen(q->env + off) + 1;
	}
	out[i] = NULL;
}

static void op_start(struct client *c, const struct sup_request *q)
{
	char err[1024], rcode[PATH_MAX], rdata[PATH_MAX];
	char *env[APPENV_MAX_VARS + 1];
	struct sandbox_spec s;
	struct app *a = find_app(q->app_id);

	if (shutting_down)
		return reply_error(c, "shutting_down", "the supervisor is stopping");
	if (a && a->gone)
		settle(a);   /* its end not recorded yet: once more, now */
	if ((a = find_app(q->app_id)) && a->gone)
		return reply_error(c, "db_unavailable", "the end of the previous run is not "
				   "recorded yet");
	if (a)
		return reply_app(c, SUP_START, a, 1);   /* single flight: join the run */
	int nrunning = 0;
	for (struct app *b = apps; b; b = b->next)
		nrunning += !b->gone;
	if (nrunning >= conf.sandbox_max_running)
		return reply_error(c, "too_many_running", "%d apps are running, the most this "
				   "host allows (sandbox_max_running)", nrunning);
	if (check_dir(q->code_dir, rcode, "code_dir", err, sizeof err) < 0 ||
	    check_dir(q->data_dir, rdata, "data_dir", err, sizeof err) < 0)
		return reply_error(c, "bad_request", "%s", err);
	if (!(a = new_app(c, q->app_id)))
		return;
	int lfd = grab_port(&a->port);
	if (lfd < 0) {
		free(a);
		return reply_error(c, "no_port", "no free port in %d..%d", conf.port_min,
				   conf.port_max);
	}
	if (record_start(c, q->app_id, a->port, &a->row) < 0) {
		close(lfd);
		port_alloc_put(&ports, a->port);
		free(a);
		return;
	}
	a->uid = (uid_t)(conf.sandbox_uid_base + (a->port - conf.port_min));
	a->next = apps;
	apps = a;
	fill_spec(&s, a, rcode, rdata, lfd);
	env_list(q, env);
	s.env = env;
	int rc = sandbox_start(&s, &a->sb, err, sizeof err);
	close(lfd);
	if (rc < 0) {
		log_error("start of %s failed: %s", q->app_id, err);
		a->gone = 1;
		a->row.state = RUN_EXITED;
		a->row.reason = RUN_REASON_CRASHED;
		a->row.ended_at = time(NULL);
		settle(a);
		return reply_error(c, "start_failed", "%s", err);
	}
	a->row.pid = a->sb.pid;
	a->row.expires_at = s.lim.wall_seconds ? a->row.started_at + s.lim.wall_seconds : 0;
	a->start_deadline = mono_ms() + conf.sandbox_start_timeout_ms;
	a->probe_at = mono_ms();
	ep_add(a->sb.pidfd, EPOLLIN, &a->wpid);
	ep_add(a->sb.log_rfd, EPOLLIN, &a->wlog);
	row_write(a);
	log_info("app %s starting: port %d, pid %d, uid %u", q->app_id, a->port, (int)a->sb.pid,
		 (unsigned)a->uid);
	reply_app(c, SUP_START, a, 0);
}

static void op_wait(struct client *c, const struct sup_request *q)
{
	struct app *a = find_app(q->app_id);

	if (!a)
		return reply_not_running(c, SUP_WAIT, q->app_id);
	if (a->gone || a->row.state != RUN_STARTING)
		return reply_app(c, SUP_WAIT, a, 0);
	if (nwaiting() >= wait_slots())
		return reply_error(c, "busy", "%d requests wait for starts already", wait_slots());
	util_copy(c->wait_app, sizeof c->wait_app, q->app_id);
	c->wait_deadline = mono_ms() + q->wait_ms;
	c->deferred = 1;
}

static void op_stop(struct client *c, const struct sup_request *q)
{
	struct app *a = find_app(q->app_id);

	if (!a)
		return reply_not_running(c, SUP_STOP, q->app_id);
	if (a->gone)
		return reply_app(c, SUP_STOP, a, 0);
	if (a->nstop_waiters >= MAX_STOP_WAITERS)
		return reply_error(c, "busy", "too many pending stops for %s", q->app_id);
	if (q->deleted)
		a->stop_reason = RUN_REASON_DELETED;
	else if (!a->stop_reason)
		a->stop_reason = RUN_REASON_STOPPED;
	a->stop_waiters[a->nstop_waiters++] = c->id;
	c->deferred = 1;
	sandbox_request_stop(&a->sb, q->grace_ms >= 0 ? q->grace_ms : conf.sandbox_stop_grace_ms);
}

static void op_status(struct client *c, const struct sup_request *q)
{
	struct app *a = find_app(q->app_id);
	if (!a)
		return reply_not_running(c, SUP_STATUS, q->app_id);
	reply_app(c, SUP_STATUS, a, 0);
}

static void op_list(struct client *c)
{
	struct sup_reply r;
	size_t n = 0;

	memset(&r, 0, sizeof r);
	r.ok = true;
	for (struct app *a = apps; a; a = a->next)
		n += !a->gone;
	r.list = n ? calloc(n, sizeof *r.list) : NULL;
	if (n && !r.list)
		return reply_error(c, "internal", "out of memory");
	for (struct app *a = apps; a; a = a->next)
		if (!a->gone)
			describe(a, &r.list[r.nlist++]);
	reply(c, SUP_LIST, &r);
}

static void op_ping(struct client *c)
{
	struct sup_reply r;

	memset(&r, 0, sizeof r);
	r.ok = true;
	for (struct app *a = apps; a; a = a->next) {
		r.nrunning += !a->gone;
		r.nheld += a->gone;
	}
	r.nwaiting = nwaiting();
	reply(c, SUP_PING, &r);
}

static void handle_line(struct client *c, const char *line, size_t len)
{
	struct sup_request q;
	char code[32], err[256];

	if (len == 0)
		return;
	if (sup_request_decode(line, len, &q, code, sizeof code, err, sizeof err) < 0)
		return reply_error(c, code, "%s", err);
	switch (q.op) {
	case SUP_PING: return op_ping(c);
	case SUP_START:
		op_start(c, &q);
		explicit_bzero(q.env, q.env_len);   /* the app's secrets, in clear */
		return;
	case SUP_WAIT: return op_wait(c, &q);
	case SUP_STOP: return op_stop(c, &q);
	case SUP_STATUS: return op_status(c, &q);
	case SUP_LIST: return op_list(c);
	case SUP_OP_COUNT: break;
	}
	reply_error(c, "unknown_op", "unknown op");
}

/* Handles the complete lines buffered, one at a time: a deferred reply (stop, wait)
 * holds the next line back, so replies keep the order of the requests. */
static void client_process(struct client *c)
{
	char *nl;
	while (!c->deferred && !c->closing && (nl = memchr(c->in, '\n', c->inlen))) {
		size_t n = (size_t)(nl - c->in);
		handle_line(c, c->in, n);
		memmove(c->in, nl + 1, c->inlen - n - 1);
		c->inlen -= n + 1;
		explicit_bzero(c->in + c->inlen, n + 1);   /* a start line held secrets */
	}
}

static void client_read(struct client *c)
{
	while (!c->closing && c->inlen <= SUP_LINE_MAX) {
		ssize_t r = recv(c->fd, c->in + c->inlen, SUP_LINE_MAX + 1 - c->inlen, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			c->closing = 1;
			return;
		}
		c->inlen += (size_t)r;
		client_process(c);
	}
	if (c->inlen > SUP_LINE_MAX && !c->closing) {
		reply_error(c, "too_long", "request line longer than %d bytes", SUP_LINE_MAX);
		c->closing = 1;
	}
}

static void accept_clients(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		if (nclients >= MAX_CLIENTS) {
			close(fd);
			continue;
		}
		struct client *c = calloc(1, sizeof *c);
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->id = next_client_id++;
		c->w = (struct watch){ W_CLIENT, c };
		c->next = clients;
		clients = c;
		nclients++;
		ep_add(fd, EPOLLIN, &c->w);
	}
}

/* ---- start-up ---- */

/* "<8 hex>": names this instance's cgroups, from its state directory. */
static void make_tag(void)
{
	uint32_t h = 2166136261u;
	for (const char *p = conf.state_dir; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(tag, sizeof tag, "s%08x", h);
}

static void reap_cgroup(const char *name, void *arg)
{
	(void)arg;
	size_t n = strlen(tag);
	if (strncmp(name, tag, n) != 0 || name[n] != '-')
		return;
	struct cgroup cg;
	char err[256];
	if (cgroup_open(&cg, name, err, sizeof err) < 0)
		return;
	int procs = cgroup_nprocs(&cg);
	if (cgroup_destroy(&cg, err, sizeof err) < 0)
		log_error("reconcile: cgroup %s: %s", name, err);
	else
		log_info("reconcile: removed leftover cgroup %s (%d processes killed)", name, procs);
}

/* Our cgroup subtree (under systemd: a delegated scope named after this instance, so a
 * restarted supervisor replaces a leftover one), capped for all sandboxes together.
 * Done before anything forks. A failure is logged and every start then retries it (and
 * fails with the same explanation): the control socket still answers. */
static void setup_cgroups(void)
{
	struct cgroup_limits total;
	memset(&total, 0, sizeof total);
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (pages > 0 && psize > 0)
		total.memory_bytes = (uint64_t)pages * (uint64_t)psize / 100 *
				     (uint64_t)conf.sandbox_total_memory_percent;
	if (ncpu > 0)
		total.cpu_percent = (int)ncpu * conf.sandbox_total_cpu_percent;
	total.pids = conf.sandbox_total_pids;
	char scope[64], err[1024];
	snprintf(scope, sizeof scope, "appforge-%s", tag);
	if (cgroup_setup(scope, &total, err, sizeof err) < 0)
		log_error("cgroups: %s", err);
}

/* A live run of a previous supervisor is a dead one (our sandboxes never outlive us):
 * marked exited (crashed). One whose record fails keeps its port out of the pool until
 * the retry succeeds. */
static void reconcile_run(const struct db_run *r)
{
	struct app *a = calloc(1, sizeof *a);
	if (!a)
		return;
	util_copy(a->app_id, sizeof a->app_id, r->app_id);
	a->probe_fd = -1;
	a->gone = 1;
	a->row = *r;
	a->row.state = RUN_EXITED;
	a->row.reason = RUN_REASON_CRASHED;
	a->row.ended_at = time(NULL);
	if (r->port > 0 && port_alloc_take(&ports, r->port) == 0)
		a->port = r->port;
	a->next = apps;
	apps = a;
	log_info("reconcile: run %lld of %s marked exited (crashed)", r->id, r->app_id);
	settle(a);
}

static void reconcile(void)
{
	char err[256];
	if (cgroup_list(reap_cgroup, NULL, err, sizeof err) < 0)
		log_warn("reconcile: %s", err);
	if (!db)
		return;
	struct db_run *runs = NULL;
	size_t n = 0;
	if (db_run_list_active(db, &runs, &n, err, sizeof err) != DB_OK) {
		log_warn("reconcile: %s", err);
		return;
	}
	for (size_t i = 0; i < n; i++)
		reconcile_run(&runs[i]);
	free(runs);
}

/* Who may connect besides root: the group of run_as_user (appforged runs as that user).
 * Without such a user the socket stays root's alone (0600): nothing unprivileged can
 * reach it, and a root appforged still can. */
static int control_access(const char *path)
{
	struct passwd *pw = getpwnam(conf.run_as_user);

	if (!pw) {
		log_warn("user %s does not exist (appforgectl init creates it): %s stays 0600 root",
			 conf.run_as_user, path);
		return chmod(path, 0600);
	}
	if (chown(path, 0, pw->pw_gid) < 0)
		return -1;
	return chmod(path, 0660);
}

static int open_control(const char *path)
{
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a.sun_path) {
		log_error("supervisor_socket path too long");
		return -1;
	}
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
		log_error("another supervisor already listens on %s", path);
		close(fd);
		return -1;
	}
	unlink(path);
	mode_t old = umask(0077);
	int rc = bind(fd, (struct sockaddr *)&a, sizeof a);
	umask(old);
	if (rc < 0 || control_access(path) < 0 || listen(fd, 64) < 0) {
		log_error("control socket %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void on_signal(int sfd)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof si) == sizeof si)
		;
	if (!shutting_down)
		log_info("stopping every sandbox, then exiting");
	shutting_down = 1;
	for (struct app *a = apps; a; a = a->next) {
		if (a->gone)
			continue;
		if (!a->stop_reason)
			a->stop_reason = RUN_REASON_STOPPED;
		sandbox_request_stop(&a->sb, conf.sandbox_stop_grace_ms);
	}
}

static void on_client(struct client *c, uint32_t events)
{
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(c);
	if ((events & EPOLLOUT) && !c->closing && c->outlen)
		client_flush(c);
}

/* Runs what is due (start deadlines, probes, row retries) and returns the ms until
 * the loop must run again. */
static int run_timers(void)
{
	long long now = mono_ms();
	int timeout = 1000;
	for (struct app *a = apps; a; a = a->next) {
		if (a->gone)
			continue;
		int t = sandbox_tick_ms(&a->sb);
		if (t < timeout)
			timeout = t;
	}
	for (struct client *c = clients; c; c = c->next)
		if (c->wait_app[0] && c->wait_deadline - now < timeout)
			timeout = c->wait_deadline - now < 0 ? 0 : (int)(c->wait_deadline - now);
	timeout = tick_starts(now, timeout);
	return tick_rows(now, timeout);
}

static void loop(int lfd, int sfd)
{
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, run_timers());
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			struct watch *w = evs[i].data.ptr;
			if (w->kind == W_LISTEN)
				accept_clients(lfd);
			else if (w->kind == W_SIGNAL)
				on_signal(sfd);
			else if (w->kind == W_CLIENT)
				on_client(w->p, evs[i].events);
			else if (w->kind == W_LOG)
				sandbox_pump_log(&((struct app *)w->p)->sb);
			else if (w->kind == W_PROBE)
				probe_event(w->p, evs[i].events);
			/* W_PIDFD is handled below, after the other events of this round */
		}
		for (int i = 0; i < n; i++) {
			struct watch *w = evs[i].data.ptr;
			struct app *a = w->p;
			if (w->kind == W_PIDFD && !a->gone && sandbox_reap(&a->sb))
				finish_app(a);
		}
		for (struct app *a = apps; a; a = a->next)
			if (!a->gone)
				sandbox_tick(&a->sb);
		expire_waiters(mono_ms());
		for (struct client *c = clients, *next; c; c = next) {
			next = c->next;
			client_process(c);   /* lines held back behind a deferred reply */
			if (c->closing)
				client_close(c);
		}
		int live = 0;
		for (struct app *a = apps; a; a = a->next)
			live += !a->gone;
		if (shutting_down && !live)
			break;
	}
}

int main(int argc, char **argv)
{
	const char *cfg = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			cfg = argv[++i];
		} else {
			fprintf(stderr, "usage: appforge-supervisor [--config FILE]\n");
			return 2;
		}
	}
	log_init("appforge-supervisor", AF_LOG_INFO);
	char err[1024];
	if (!cfg)
		cfg = conf_default_path();
	if (conf_load(&conf, access(cfg, F_OK) == 0 ? cfg : NULL, err, sizeof err) < 0) {
		fprintf(stderr, "appforge-supervisor: %s\n", err);
		return 1;
	}
	int lvl = log_level_parse(conf.log_level);
	if (lvl >= 0)
		log_set_level((enum log_level)lvl);
	if (geteuid() != 0) {
		fprintf(stderr, "appforge-supervisor: must run as root\n");
		return 1;
	}
	if ((size_t)snprintf(image_cache, sizeof image_cache, "%s/cache", conf.state_dir) >=
	    sizeof image_cache ||
	    mkdir_p(conf.state_dir, 0750) < 0 || mkdir_p(conf.apps_dir, 0750) < 0) {
		fprintf(stderr, "appforge-supervisor: cannot create %s\n", conf.apps_dir);
		return 1;
	}
	if (port_alloc_init(&ports, conf.port_min, conf.port_max, err, sizeof err) < 0) {
		fprintf(stderr, "appforge-supervisor: %s\n", err);
		return 1;
	}
	if (db_open(&db, conf.db_path, err, sizeof err) != DB_OK) {
		log_warn("database %s: %s (no app can start)", conf.db_path, err);
		db = NULL;
	}
	make_tag();
	int sfd = sandbox_stop_signalfd();
	int lfd = open_control(conf.supervisor_socket);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || lfd < 0 || ep < 0) {
		fprintf(stderr, "appforge-supervisor: cannot start (see above)\n");
		return 1;
	}
	setup_cgroups();
	reconcile();
	struct watch wl = { W_LISTEN, NULL }, ws = { W_SIGNAL, NULL };
	ep_add(lfd, EPOLLIN, &wl);
	ep_add(sfd, EPOLLIN, &ws);
	log_info("listening on %s, ports %d..%d, cgroup tag %s, %d start waits",
		 conf.supervisor_socket, conf.port_min, conf.port_max, tag, wait_slots());
	printf("ready\n");
	fflush(stdout);
	loop(lfd, sfd);
	/* the end of every run is written before we go (settle retried above) */
	for (struct app *a = apps, *n; a; a = n) {
		n = a->next;
		if (a->row_dirty && row_write(a) < 0)
			log_error("run %lld of %s: its end is not recorded", a->row.id, a->app_id);
		release(a);
	}
	unlink(conf.supervisor_socket);
	close(lfd);
	close(sfd);
	close(ep);
	port_alloc_free(&ports);
	db_close(db);
	conf_free(&conf);
	return 0;
}
