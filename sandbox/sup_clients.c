/* sup_clients.c: the supervisor's clients: the replies it sends them, the operations of
 * the protocol (start, wait, stop, status, list, ping, prepare; snapshot and
 * restore_data are sup_snapshot.c's) and the reading of their lines
 * (supproto.h has the wire format). */
#include "sandbox/sup_internal.h"
#include "sandbox/datamount.h"
#include "sandbox/sup_snapshot.h"
#include "sandbox/sup_prepare.h"

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

/* ---- replies ---- */

void client_close(struct client *c)
{
	for (struct client **pp = &clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ep_del(c->fd);
	close(c->fd);
	free(c->out);
	free(c);
	nclients--;
}

void client_flush(struct client *c)
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

void reply_error(struct client *c, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void reply_error(struct client *c, const char *code, const char *fmt, ...)
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
	for (int i = 0; i < SM_COUNT; i++)
		s->timings[i] = a->marks[i];
	if (a->gone) {
		s->signal = a->sb.signal; /* the result stays in sb after its destroy */
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

void reply_app(struct client *c, enum sup_op op, struct app *a, int already)
{
	struct sup_reply r;
	memset(&r, 0, sizeof r);
	r.ok = true;
	describe(a, &r.run);
	r.run.already = already;
	reply(c, op, &r);
}

/* An app with no sandbox here: what the database says (or "stopped"). */
void reply_not_running(struct client *c, enum sup_op op, const char *id)
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
	int64_t received = startmark_now();
	char err[1024], rcode[PATH_MAX], rdata[PATH_MAX];
	char *env[APPENV_MAX_VARS + 1];
	struct sandbox_spec s;
	struct app *a = find_app(q->app_id);

	if (shutting_down)
		return reply_error(c, "shutting_down", "the supervisor is stopping");
	if (sup_snapshot_busy(q->app_id)) /* its job holds the data lock */
		return reply_error(c, "busy", "a snapshot or data restore of the app is under way");
	if (a && a->gone)
		settle(a); /* its end not recorded yet: once more, now */
	if ((a = find_app(q->app_id)) && a->gone)
		return reply_error(c, "db_unavailable",
				   "the end of the previous run is not "
				   "recorded yet");
	if (a)
		return reply_app(c, SUP_START, a, 1); /* single flight: join the run */
	int nrunning = 0;
	for (struct app *b = apps; b; b = b->next)
		nrunning += !b->gone;
	if (nrunning >= conf.sandbox_max_running)
		return reply_error(c, "too_many_running",
				   "%d apps are running, the most this "
				   "host allows (sandbox_max_running)",
				   nrunning);
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
	a->marks[SM_RECEIVED] = received;
	a->marks[SM_RECORDED] = startmark_now();
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
	a->start_deadline = clock_mono_ms() + conf.sandbox_start_timeout_ms;
	a->probe_at = clock_mono_ms();
	ep_add(a->sb.pidfd, EPOLLIN, &a->wpid);
	ep_add(a->sb.log_rfd, EPOLLIN, &a->wlog);
	ready_watch(a);
	row_write(a);
	log_info("app %s starting: port %d, pid %d, uid %u", q->app_id, a->port, (int)a->sb.pid,
		 (unsigned)a->uid);
	for (int i = SM_PREPARED; i <= SM_EXEC; i++)
		a->marks[i] = a->sb.marks[i];
	a->marks[SM_REPLIED] = startmark_now();
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
	c->wait_deadline = clock_mono_ms() + q->wait_ms;
	c->deferred = 1;
}

static void op_stop(struct client *c, const struct sup_request *q)
{
	struct app *a = find_app(q->app_id);

	if (q->deleted)
		datamount_keep_drop(q->app_id); /* its directory goes next */
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

/* Ahead of an app's first start (the daemon asks when it creates one): its data image
 * made and kept mounted, so that the start only binds it, by a job (sup_prepare.h). A
 * live app, or one the database does not have, is left alone. Replies as status, at
 * once: the job goes on. */
static void op_prepare(struct client *c, const struct sup_request *q)
{
	char err[1024], rdata[PATH_MAX];
	struct sandbox_spec s;
	struct db_app app;
	struct app *a = find_app(q->app_id);
	int rc;

	if (shutting_down)
		return reply_error(c, "shutting_down", "the supervisor is stopping");
	if (a)
		return reply_app(c, SUP_PREPARE, a, 0);
	if (check_dir(q->data_dir, rdata, "data_dir", err, sizeof err) < 0)
		return reply_error(c, "bad_request", "%s", err);
	if (!db)
		return reply_error(c, "db_unavailable", "no database: the app cannot be checked");
	memset(&app, 0, sizeof app);
	rc = db_app_get(db, q->app_id, NULL, &app, err, sizeof err);
	db_app_clear(&app);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? reply_error(c, "not_found", "no such app")
					 : reply_error(c, "db_unavailable", "%s", err);
	static struct app none; /* no run: only its id (fill_spec maps the rest) */
	memset(&none, 0, sizeof none);
	util_copy(none.app_id, sizeof none.app_id, q->app_id);
	none.uid = (uid_t)conf.sandbox_uid_base;
	fill_spec(&s, &none, "", rdata, -1);
	if (sup_prepare_begin(&s, err, sizeof err) < 0) {
		log_warn("prepare of %s failed: %s", q->app_id, err);
		return reply_error(c, "start_failed", "%s", err);
	}
	reply_not_running(c, SUP_PREPARE, q->app_id);
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

/* snapshot, restore_data: only for an app without a live run; the copy runs in a job
 * whose report answers the client later (sup_snapshot.h). */
static void op_snapshot(struct client *c, const struct sup_request *q)
{
	struct sup_reply r;
	struct app *a = find_app(q->app_id);

	if (sup_snapshot_begin(q, a && !a->gone, c->id, &r) > 0) {
		c->deferred = 1;
		return;
	}
	reply(c, q->op, &r);
}

void snapshot_done(struct watch *w)
{
	struct sup_reply r;
	struct client *c;
	enum sup_op op;
	long id;

	sup_snapshot_end(w, &r, &id, &op);
	if (!(c = find_client(id)))
		return; /* gone meanwhile */
	reply(c, op, &r);
	c->deferred = 0;
}

static void dispatch(struct client *c, struct sup_request *q)
{
	switch (q->op) {
	case SUP_PING: return op_ping(c);
	case SUP_START:
		op_start(c, q);
		explicit_bzero(q->env, q->env_len); /* the app's secrets, in clear */
		return;
	case SUP_WAIT: return op_wait(c, q);
	case SUP_STOP: return op_stop(c, q);
	case SUP_STATUS: return op_status(c, q);
	case SUP_LIST: return op_list(c);
	case SUP_SNAPSHOT:
	case SUP_RESTORE_DATA: return op_snapshot(c, q);
	case SUP_PREPARE: return op_prepare(c, q);
	case SUP_OP_COUNT: break;
	}
	reply_error(c, "unknown_op", "unknown op");
}

/* Whether q must wait for the app's prepare job: what touches its data image or kept
 * mount (a start, a delete, a snapshot, a restore). */
static bool waits_for_prepare(const struct sup_request *q)
{
	bool touches = q->op == SUP_START || q->op == SUP_SNAPSHOT || q->op == SUP_RESTORE_DATA ||
		       (q->op == SUP_STOP && q->deleted);
	return touches && sup_prepare_busy(q->app_id);
}

/* Handles one request line. false: the line is held (its app's prepare job runs) and
 * handled again once the job has ended (sup_prepare_end clears held_app). */
static bool handle_line(struct client *c, const char *line, size_t len)
{
	struct sup_request q;
	char code[32], err[256];

	if (len == 0)
		return true;
	if (sup_request_decode(line, len, &q, code, sizeof code, err, sizeof err) < 0)
		return reply_error(c, code, "%s", err), true;
	if (waits_for_prepare(&q)) {
		util_copy(c->held_app, sizeof c->held_app, q.app_id);
		explicit_bzero(q.env, q.env_len);
		return false;
	}
	dispatch(c, &q);
	return true;
}

/* Handles the complete lines buffered, one at a time: a deferred reply (stop, wait)
 * or a line held for a prepare job holds the next line back, so replies keep the order
 * of the requests. */
void client_process(struct client *c)
{
	char *nl;
	while (!c->deferred && !c->held_app[0] && !c->closing &&
	       (nl = memchr(c->in, '\n', c->inlen))) {
		size_t n = (size_t)(nl - c->in);
		if (!handle_line(c, c->in, n))
			break;
		memmove(c->in, nl + 1, c->inlen - n - 1);
		c->inlen -= n + 1;
		explicit_bzero(c->in + c->inlen, n + 1); /* a start line held secrets */
	}
}

void client_read(struct client *c)
{
	while (!c->closing && c->inlen <= SUP_LINE_MAX) {
		ssize_t r =
			recv(c->fd, c->in + c->inlen, SUP_LINE_MAX + 1 - c->inlen, MSG_DONTWAIT);
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

void accept_clients(int lfd)
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
