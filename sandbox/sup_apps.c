/* sup_apps.c: the supervisor's run table, one struct app per live run: its row in the
 * database (written only here, retried when a write fails), the clients waiting for its
 * start, its readiness probe, its end, and what a start needs (port, directories, the
 * starting row, the sandbox's spec). */
#include "sandbox/sup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "common/clock.h"
#include "common/mkdirp.h"
#include "common/sblimits.h"
#include "common/applayout.h"

/* ---- the run's row: written by us only ---- */

/* Writes a->row. 0 when the database holds it (or the run's row is gone with its
 * app); -1 when it must be retried (row_dirty). */
int row_write(struct app *a)
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
	a->row_retry_at = clock_mono_ms() + ROW_RETRY_MS;
	return -1;
}

/* The app is gone and its end recorded: its port returns to the pool. */
void release(struct app *a)
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
void settle(struct app *a)
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
void expire_waiters(long long now)
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

/* ---- readiness ----
 *
 * A run is "running" from the first of: the app's listen notice (preload.js writes "L"
 * on its readiness pipe once its server listens: requests queue on the socket from
 * then on), or the answer to the probe, one HTTP request sent from the loop as soon as
 * the sandbox is started (it waits in the socket's backlog until node accepts it). The
 * probe goes on after a listen notice: the app must answer it within
 * sandbox_start_timeout_ms of its start, or it is stopped (start_timeout) all the same.
 * Node serves the probe while the start's reply travels to the client, so the client's
 * first request finds node's request path compiled. */

static void probe_close(struct app *a)
{
	if (a->probe_fd >= 0) {
		ep_del(a->probe_fd);
		close(a->probe_fd);
	}
	a->probe_fd = -1;
	a->probe_sent = 0;
}

static void probe_retry(struct app *a)
{
	probe_close(a);
	a->probe_at = clock_mono_ms() + PROBE_RETRY_MS;
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
	a->marks[SM_PROBE] = startmark_now();
	if ((connect(a->probe_fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) ||
	    ep_add(a->probe_fd, EPOLLOUT, &a->wprobe) < 0)
		probe_retry(a);
}

static void ready_close(struct app *a)
{
	if (a->sb.ready_fd >= 0) {
		ep_del(a->sb.ready_fd);
		close(a->sb.ready_fd);
		a->sb.ready_fd = -1;
	}
}

/* The run is "running" (how: "listens" or "answers"). */
static void set_running(struct app *a, const char *how)
{
	a->marks[SM_READY] = startmark_now();
	a->row.state = RUN_RUNNING;
	a->row.pid = a->sb.pid;
	row_write(a);
	log_info("app %s %s on port %d (%lld ms after its start)", a->app_id, how, a->port,
		 (long long)(clock_mono_ms() - a->sb.started_ms));
	a->marks[SM_WOKEN] = startmark_now();
	wake_waiters(a);
}

/* The probe's request was answered: the start is over. */
static void app_answered(struct app *a)
{
	a->marks[SM_ANSWER] = startmark_now();
	probe_close(a);
	ready_close(a); /* a notice that did not come before the answer adds nothing */
	a->answered = 1;
	if (a->row.state == RUN_STARTING)
		set_running(a, "answers");
}

void ready_watch(struct app *a)
{
	if (a->sb.ready_fd >= 0 && ep_add(a->sb.ready_fd, EPOLLIN, &a->wready) < 0)
		ready_close(a); /* the probe's answer decides alone */
}

void ready_event(struct app *a)
{
	char buf[16];
	ssize_t n = read(a->sb.ready_fd, buf, sizeof buf);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* One notice, whatever else the app writes or however it closes: heard once. */
	ready_close(a);
	if (n > 0 && buf[0] == 'L' && !a->gone && a->row.state == RUN_STARTING &&
	    !a->start_timed_out)
		set_running(a, "listens");
}

void probe_event(struct app *a, uint32_t events)
{
	char buf[256];
	int n;

	if (a->probe_fd < 0 || a->gone || a->answered)
		return;
	if (!a->probe_sent) {
		int e = 0;
		socklen_t el = sizeof e;
		if (getsockopt(a->probe_fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e ||
		    (events & (EPOLLERR | EPOLLHUP)))
			return probe_retry(a);
		n = snprintf(buf, sizeof buf,
			     "GET / HTTP/1.0\r\nHost: %s.%s\r\n"
			     "User-Agent: appforge-start\r\n\r\n",
			     a->app_id, conf.apps_domain);
		if (n <= 0 || n >= (int)sizeof buf ||
		    send(a->probe_fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
			return probe_retry(a);
		a->probe_sent = 1;
		ep_mod(a->probe_fd, EPOLLIN, &a->wprobe);
		return;
	}
	n = (int)recv(a->probe_fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n > 0)
		return app_answered(a);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	probe_retry(a); /* closed without an answer: not there yet, or dying */
}

/* Start deadlines and probe timers of runs not answered yet ("starting", or "running"
 * on their listen notice); returns the ms until the next one (at most cap). */
int tick_starts(long long now, int cap)
{
	int next = cap;
	for (struct app *a = apps; a; a = a->next) {
		if (a->gone || a->answered || a->start_timed_out)
			continue;
		if (now >= a->start_deadline) {
			probe_close(a);
			a->start_timed_out = 1;
			if (a->row.state == RUN_STARTING)
				log_warn("app %s neither listened nor answered HTTP within %d ms: "
					 "stopping it",
					 a->app_id, conf.sandbox_start_timeout_ms);
			else
				log_warn(
					"app %s listens but did not answer its first request within "
					"%d ms: stopping it",
					a->app_id, conf.sandbox_start_timeout_ms);
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
int tick_rows(long long now, int cap)
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
	/* An exit before the run was "running" is a crash at start, a clean one too; a
	 * limit that killed it (memory, timeout) keeps its own reason. A start that timed
	 * out may have listened ("running") without answering. */
	if (a->stop_reason)
		a->row.reason = a->stop_reason;
	else if (a->start_timed_out)
		a->row.reason = RUN_REASON_START_TIMEOUT;
	else if (was_starting && a->row.reason == RUN_REASON_NONE)
		a->row.reason = RUN_REASON_CRASHED;
	a->row.state = a->row.reason == RUN_REASON_STOPPED || a->row.reason == RUN_REASON_DELETED
			       ? RUN_STOPPED
			       : RUN_EXITED;
	a->row.ended_at = time(NULL);
	a->row.has_exit_code = a->sb.exit_code >= 0;
	a->row.exit_code = a->sb.exit_code;
}

/* The sandbox has exited (reaped): drain its log, release everything, tell waiters,
 * record the end; the port follows the record. */
void finish_app(struct app *a)
{
	char err[256];
	for (int i = 0; i < 20 && a->sb.log_rfd >= 0; i++) {
		if (sandbox_pump_log(&a->sb))
			break;
		usleep(5000);
	}
	probe_close(a);
	ready_close(a);
	classify_end(a);
	ep_del(a->sb.pidfd); /* sandbox_destroy closes them */
	ep_del(a->sb.log_rfd);
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
int grab_port(int *port_out)
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
int check_dir(const char *path, char *real, const char *what, char *err, size_t errlen)
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
int record_start(struct client *c, const char *id, int port, struct db_run *row)
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
				   "running apps quota reached: stop an app first"),
		       -1;
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
				   rc == DB_CONFLICT ? "a live run holds its port" : err),
		       -1;
	}
	return 0;
}

void fill_spec(struct sandbox_spec *s, struct app *a, const char *code, const char *data, int lfd)
{
	memset(s, 0, sizeof *s);
	s->app_id = a->app_id;
	s->cgroup_name = a->cgname;
	s->code_dir = code;
	s->data_dir = data;
	s->image_cache = image_cache;
	s->keep_data_mount = keep_data;
	s->log_path = a->log_path;
	s->listen_fd = lfd;
	s->port = a->port;
	s->uid = a->uid;
	s->gid = (gid_t)a->uid;
	s->node_path = conf.node_path && *conf.node_path ? conf.node_path : NULL;
	s->echo_fd = -1;
#define SBLIM_COPY(name, kind, def, min, max, conf_def, conf_min, conf_max) \
	s->lim.name = conf.sandbox_##name;
	SBLIM_TABLE(SBLIM_COPY) /* common/sblimits.h */
#undef SBLIM_COPY
	if (s->lim.data_mb < 2) /* the configuration allows 1; an image needs 2 */
		s->lim.data_mb = 2;
}

/* A new app record (not yet in the list), its log path made. NULL after replying. */
struct app *new_app(struct client *c, const char *id)
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
	a->wready = (struct watch){ W_READY, a };
	if (applayout_dir(&conf, APP_DIR_LOGS, logdir, sizeof logdir) < 0 ||
	    mkdir_p(logdir, 0750) < 0 ||
	    applayout_path(&conf, id, APP_PATH_LOG, a->log_path, sizeof a->log_path) < 0) {
		free(a);
		return reply_error(c, "start_failed", "cannot create the log under %s", logdir),
		       NULL;
	}
	return a;
}
