/* supervisor.c: appforge-supervisor, the only parent of sandboxes.
 *
 *   appforge-supervisor [--config FILE]
 *
 * One process, one epoll loop: the control socket (unix, mode 0600, conf
 * supervisor_socket) speaking one JSON object per line, a signalfd, and per sandbox its
 * pidfd (exit noticed at once) and log pipe. Requests:
 *   {"op":"ping"}
 *   {"op":"start","app_id":ID,"code_dir":DIR,"data_dir":DIR}
 *   {"op":"stop","app_id":ID[,"grace_ms":N][,"reason":"deleted"]}  (replies once gone)
 *   {"op":"status","app_id":ID}
 *   {"op":"list"}
 * Replies {"ok":true,...} or {"ok":false,"error":{"code","message"}}.
 *
 * Ports come from port_min..port_max; a port returns to the pool only after its
 * sandbox is gone. A run's host uid is sandbox_uid_base + (port - port_min), unique
 * among live sandboxes. Runs are recorded in the database (db/).
 *
 * Lifetime: sandboxes die with the supervisor (their setup child has
 * PR_SET_PDEATHSIG(SIGKILL), kept for init, which takes its pid namespace along). On
 * start the supervisor reconciles: every cgroup of this instance (named
 * "<tag>-<app>", tag from the state directory) is killed and removed, and every run the
 * database still calls live is marked exited/crashed. SIGTERM/SIGINT: stop every
 * sandbox gracefully, then exit. */
#include "sandbox/sandbox.h"
#include "sandbox/ports.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
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
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "db/db.h"
#include "log.h"
#include "util.h"

#define LINE_MAX_BYTES 65536
#define MAX_CLIENTS 256

enum wkind { W_LISTEN, W_SIGNAL, W_CLIENT, W_PIDFD, W_LOG };

struct watch {
	enum wkind kind;
	void *p;
};

struct client {
	struct watch w;
	int fd;
	long id;
	char in[LINE_MAX_BYTES + 1];
	size_t inlen;
	char *out;
	size_t outlen;
	int closing;
	struct client *next;
};

#define MAX_WAITERS 8

struct app {
	struct watch wpid, wlog;
	char app_id[64];
	char cgname[64];
	char log_path[PATH_MAX];
	struct sandbox sb;
	int port;
	uid_t uid;
	long long run_id;
	long long started_at, expires_at;
	const char *db_reason;        /* "deleted" when the stop said so */
	long waiters[MAX_WAITERS];    /* client ids waiting for the stop to finish */
	int nwaiters;
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

/* Queues obj (consumed) as one line to c and tries to send it now. */
static void reply(struct client *c, struct json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	size_t n = strlen(s);
	char *nb = realloc(c->out, c->outlen + n + 1);
	if (nb) {
		memcpy(nb + c->outlen, s, n);
		nb[c->outlen + n] = '\n';
		c->out = nb;
		c->outlen += n + 1;
	}
	json_object_put(obj);
	while (c->outlen) {
		ssize_t w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			ep_mod(c->fd, EPOLLIN | EPOLLOUT, &c->w);
			return;
		}
		if (w < 0) {
			c->closing = 1;
			return;
		}
		memmove(c->out, c->out + w, c->outlen - (size_t)w);
		c->outlen -= (size_t)w;
	}
	ep_mod(c->fd, EPOLLIN, &c->w);
}

static struct json_object *ok_obj(void)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

static void reply_error(struct client *c, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply_error(struct client *c, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	reply(c, o);
}

/* The description of a live sandbox, added to o. */
static void describe(struct app *a, struct json_object *o)
{
	struct cgroup_stats st;
	sandbox_stats(&a->sb, &st);
	json_object_object_add(o, "app_id", json_object_new_string(a->app_id));
	json_object_object_add(o, "state", json_object_new_string("running"));
	json_object_object_add(o, "running", json_object_new_boolean(1));
	json_object_object_add(o, "port", json_object_new_int(a->port));
	json_object_object_add(o, "pid", json_object_new_int(a->sb.pid));
	json_object_object_add(o, "uid", json_object_new_int64(a->uid));
	json_object_object_add(o, "run_id", json_object_new_int64(a->run_id));
	json_object_object_add(o, "started_at", json_object_new_int64(a->started_at));
	json_object_object_add(o, "expires_at", json_object_new_int64(a->expires_at));
	json_object_object_add(o, "cgroup", json_object_new_string(a->sb.cg.dir[CG_MEMORY]));
	json_object_object_add(o, "log_path", json_object_new_string(a->log_path));
	json_object_object_add(o, "cpu_usec", json_object_new_int64((int64_t)st.cpu_usec));
	json_object_object_add(o, "memory_bytes", json_object_new_int64((int64_t)st.memory_bytes));
	json_object_object_add(o, "memory_peak", json_object_new_int64((int64_t)st.memory_peak));
	json_object_object_add(o, "pids", json_object_new_int(st.pids));
}

/* ---- runs in the database (best effort: a DB problem never kills an app) ---- */

static void db_record_start(struct app *a)
{
	if (!db)
		return;
	char err[256];
	struct db_run r;
	memset(&r, 0, sizeof r);
	util_copy(r.app_id, sizeof r.app_id, a->app_id);
	snprintf(r.state, sizeof r.state, "running");
	r.port = a->port;
	r.pid = a->sb.pid;
	r.started_at = a->started_at;
	r.expires_at = a->expires_at;
	int rc = db_run_insert(db, &r, err, sizeof err);
	if (rc == DB_CONFLICT) {
		/* The daemon may have recorded the run as "starting": take that row over. */
		struct db_run cur;
		if (db_run_current(db, a->app_id, &cur, err, sizeof err) == DB_OK &&
		    (strcmp(cur.state, "starting") == 0 || strcmp(cur.state, "running") == 0)) {
			r.id = cur.id;
			rc = db_run_update(db, &r, err, sizeof err);
		}
	}
	if (rc == DB_OK)
		a->run_id = r.id;
	else
		log_warn("run of %s not recorded: %s", a->app_id, rc == DB_CONFLICT ?
			 "conflicting live run" : err);
}

static void db_record_end(struct app *a)
{
	if (!db || !a->run_id)
		return;
	char err[256];
	struct db_run r;
	memset(&r, 0, sizeof r);
	r.id = a->run_id;
	util_copy(r.app_id, sizeof r.app_id, a->app_id);
	const char *reason = a->db_reason ? a->db_reason : a->sb.reason;
	snprintf(r.state, sizeof r.state, "%s", strcmp(reason, "stopped") == 0 ||
		 strcmp(reason, "deleted") == 0 ? "stopped" : "exited");
	r.port = a->port;
	r.pid = a->sb.pid;
	r.started_at = a->started_at;
	r.ended_at = time(NULL);
	r.expires_at = a->expires_at;
	r.has_exit_code = a->sb.exit_code >= 0;
	r.exit_code = a->sb.exit_code;
	/* the schema has no "exited" reason: a clean exit has none */
	snprintf(r.reason, sizeof r.reason, "%s", strcmp(reason, "exited") == 0 ? "" : reason);
	if (db_run_update(db, &r, err, sizeof err) != DB_OK)
		log_warn("end of run %lld of %s not recorded: %s", a->run_id, a->app_id, err);
}

/* ---- sandbox lifecycle ---- */

/* The sandbox has exited (reaped): drain its log, release everything, tell waiters. */
static void finish_app(struct app *a)
{
	char err[256];
	for (int i = 0; i < 20 && a->sb.log_rfd >= 0; i++) {
		if (sandbox_pump_log(&a->sb))
			break;
		usleep(5000);
	}
	if (sandbox_destroy(&a->sb, err, sizeof err) < 0)
		log_error("cleanup of %s: %s", a->app_id, err);
	port_alloc_put(&ports, a->port);
	db_record_end(a);
	log_info("app %s ended: reason %s, exit %d, signal %d, cpu %llu us", a->app_id,
		 a->sb.reason, a->sb.exit_code, a->sb.signal, (unsigned long long)a->sb.cpu_usec);
	for (int i = 0; i < a->nwaiters; i++) {
		struct client *c = find_client(a->waiters[i]);
		if (!c)
			continue;
		struct json_object *o = ok_obj();
		json_object_object_add(o, "app_id", json_object_new_string(a->app_id));
		json_object_object_add(o, "state", json_object_new_string("stopped"));
		json_object_object_add(o, "running", json_object_new_boolean(0));
		json_object_object_add(o, "reason", json_object_new_string(a->db_reason ?
						a->db_reason : a->sb.reason));
		json_object_object_add(o, "exit_code", a->sb.exit_code >= 0 ?
				       json_object_new_int(a->sb.exit_code) : NULL);
		json_object_object_add(o, "signal", a->sb.signal ?
				       json_object_new_int(a->sb.signal) : NULL);
		reply(c, o);
	}
	for (struct app **pp = &apps; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	free(a);
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

/* A start that races a delete must not bring the app back: the daemon deletes the
 * row first, then asks us to stop, so an app missing from the database is refused.
 * Without a database (it failed to open) the daemon's own checks stand alone. */
static int app_exists(const char *id)
{
	if (!db)
		return 1;
	char err[256];
	struct db_app app;
	memset(&app, 0, sizeof app);
	int rc = db_app_get(db, id, NULL, &app, err, sizeof err);
	db_app_clear(&app);
	if (rc == DB_ERR)
		log_warn("app %s not checked: %s", id, err);
	return rc != DB_NOTFOUND;
}

static void op_start(struct client *c, struct json_object *req)
{
	struct json_object *v;
	const char *id = json_object_object_get_ex(req, "app_id", &v) &&
		json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	const char *code = json_object_object_get_ex(req, "code_dir", &v) &&
		json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	const char *data = json_object_object_get_ex(req, "data_dir", &v) &&
		json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (!id || !code || !data)
		return reply_error(c, "bad_request", "start needs app_id, code_dir, data_dir strings");
	if (!sandbox_valid_app_id(id) || strlen(id) >= ID_APP_BUFSZ)
		return reply_error(c, "bad_request", "invalid app_id");
	if (shutting_down)
		return reply_error(c, "shutting_down", "the supervisor is stopping");
	struct app *a = find_app(id);
	if (a) {
		struct json_object *o = ok_obj();
		json_object_object_add(o, "already", json_object_new_boolean(1));
		describe(a, o);
		return reply(c, o);
	}
	int nrunning = 0;
	for (a = apps; a; a = a->next)
		nrunning++;
	if (nrunning >= conf.sandbox_max_running)
		return reply_error(c, "too_many_running", "%d apps are running, the most this "
				   "host allows (sandbox_max_running)", nrunning);
	char err[1024], rcode[PATH_MAX], rdata[PATH_MAX];
	if (!app_exists(id))
		return reply_error(c, "not_found", "no such app");
	if (check_dir(code, rcode, "code_dir", err, sizeof err) < 0 ||
	    check_dir(data, rdata, "data_dir", err, sizeof err) < 0)
		return reply_error(c, "bad_request", "%s", err);
	a = calloc(1, sizeof *a);
	if (!a)
		return reply_error(c, "internal", "out of memory");
	snprintf(a->app_id, sizeof a->app_id, "%s", id);
	snprintf(a->cgname, sizeof a->cgname, "%s-%s", tag, id);
	char logdir[PATH_MAX];
	snprintf(logdir, sizeof logdir, "%s/apps", conf.log_dir);
	if (mkdir_p(logdir, 0750) < 0) {
		free(a);
		return reply_error(c, "start_failed", "cannot create %s", logdir);
	}
	if ((size_t)snprintf(a->log_path, sizeof a->log_path, "%s/%.*s.log", logdir,
			     ID_APP_BUFSZ, id) >= sizeof a->log_path) {
		free(a);
		return reply_error(c, "start_failed", "log path too long");
	}
	int lfd = grab_port(&a->port);
	if (lfd < 0) {
		free(a);
		return reply_error(c, "no_port", "no free port in %d..%d", conf.port_min,
				   conf.port_max);
	}
	a->uid = (uid_t)(conf.sandbox_uid_base + (a->port - conf.port_min));
	struct sandbox_spec s;
	memset(&s, 0, sizeof s);
	s.app_id = id;
	s.cgroup_name = a->cgname;
	s.code_dir = rcode;
	s.data_dir = rdata;
	s.image_cache = image_cache;
	s.log_path = a->log_path;
	s.listen_fd = lfd;
	s.port = a->port;
	s.uid = a->uid;
	s.gid = (gid_t)a->uid;
	s.node_path = conf.node_path && *conf.node_path ? conf.node_path : NULL;
	s.echo_fd = -1;
	s.lim.memory_mb = conf.sandbox_memory_mb;
	s.lim.pids = conf.sandbox_pids;
	s.lim.cpu_percent = conf.sandbox_cpu_percent;
	s.lim.cpu_boost_ms = conf.sandbox_cpu_boost_ms;
	s.lim.wall_seconds = conf.sandbox_wall_seconds;
	s.lim.cpu_seconds = conf.sandbox_cpu_seconds;
	s.lim.data_mb = conf.sandbox_data_mb < 2 ? 2 : conf.sandbox_data_mb;
	s.lim.tmp_mb = conf.sandbox_tmp_mb;
	s.lim.nofile = conf.sandbox_nofile;
	s.lim.fsize_mb = conf.sandbox_fsize_mb;
	s.lim.log_bytes = conf.sandbox_log_bytes;
	int rc = sandbox_start(&s, &a->sb, err, sizeof err);
	close(lfd);
	if (rc < 0) {
		port_alloc_put(&ports, a->port);
		free(a);
		log_error("start of %s failed: %s", id, err);
		return reply_error(c, "start_failed", "%s", err);
	}
	a->started_at = time(NULL);
	a->expires_at = s.lim.wall_seconds ? a->started_at + s.lim.wall_seconds : 0;
	a->wpid = (struct watch){ W_PIDFD, a };
	a->wlog = (struct watch){ W_LOG, a };
	ep_add(a->sb.pidfd, EPOLLIN, &a->wpid);
	ep_add(a->sb.log_rfd, EPOLLIN, &a->wlog);
	a->next = apps;
	apps = a;
	db_record_start(a);
	log_info("app %s started: port %d, pid %d, uid %u", id, a->port, (int)a->sb.pid,
		 (unsigned)a->uid);
	struct json_object *o = ok_obj();
	describe(a, o);
	reply(c, o);
}

static const char *req_app_id(struct client *c, struct json_object *req)
{
	struct json_object *v;
	const char *id = json_object_object_get_ex(req, "app_id", &v) &&
		json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (!id || !sandbox_valid_app_id(id)) {
		reply_error(c, "bad_request", "app_id (a valid app id string) is required");
		return NULL;
	}
	return id;
}

static void not_running(struct client *c, const char *id)
{
	struct json_object *o = ok_obj();
	json_object_object_add(o, "app_id", json_object_new_string(id));
	json_object_object_add(o, "running", json_object_new_boolean(0));
	struct db_run r;
	char err[256];
	if (db && db_run_current(db, id, &r, err, sizeof err) == DB_OK) {
		json_object_object_add(o, "state", json_object_new_string(r.state));
		json_object_object_add(o, "reason", r.reason[0] ?
				       json_object_new_string(r.reason) : NULL);
		json_object_object_add(o, "exit_code", r.has_exit_code ?
				       json_object_new_int(r.exit_code) : NULL);
		json_object_object_add(o, "ended_at", json_object_new_int64(r.ended_at));
	} else {
		json_object_object_add(o, "state", json_object_new_string("stopped"));
	}
	reply(c, o);
}

static void op_stop(struct client *c, struct json_object *req)
{
	const char *id = req_app_id(c, req);
	if (!id)
		return;
	struct json_object *v;
	int grace = conf.sandbox_stop_grace_ms;
	if (json_object_object_get_ex(req, "grace_ms", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
		    json_object_get_int64(v) > 600000)
			return reply_error(c, "bad_request", "grace_ms must be 0..600000");
		grace = (int)json_object_get_int64(v);
	}
	const char *reason = NULL;
	if (json_object_object_get_ex(req, "reason", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    (strcmp(json_object_get_string(v), "stopped") != 0 &&
		     strcmp(json_object_get_string(v), "deleted") != 0))
			return reply_error(c, "bad_request", "reason must be stopped or deleted");
		reason = strcmp(json_object_get_string(v), "deleted") == 0 ? "deleted" : NULL;
	}
	struct app *a = find_app(id);
	if (!a)
		return not_running(c, id);
	if (a->nwaiters >= MAX_WAITERS)
		return reply_error(c, "busy", "too many pending stops for %s", id);
	if (reason)
		a->db_reason = reason;
	a->waiters[a->nwaiters++] = c->id;
	sandbox_request_stop(&a->sb, grace);
}

static void op_status(struct client *c, struct json_object *req)
{
	const char *id = req_app_id(c, req);
	if (!id)
		return;
	struct app *a = find_app(id);
	if (!a)
		return not_running(c, id);
	struct json_object *o = ok_obj();
	describe(a, o);
	reply(c, o);
}

static void op_list(struct client *c)
{
	struct json_object *o = ok_obj(), *arr = json_object_new_array();
	for (struct app *a = apps; a; a = a->next) {
		struct json_object *e = json_object_new_object();
		describe(a, e);
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "sandboxes", arr);
	reply(c, o);
}

static void handle_line(struct client *c, const char *line, size_t len)
{
	if (len == 0)
		return;
	struct json_tokener *tok = json_tokener_new_ex(16);
	struct json_object *req = tok ? json_tokener_parse_ex(tok, line, (int)len) : NULL;
	int complete = tok && json_tokener_get_error(tok) == json_tokener_success &&
		json_tokener_get_parse_end(tok) == len;
	if (tok)
		json_tokener_free(tok);
	if (!req || !complete || !json_object_is_type(req, json_type_object)) {
		json_object_put(req);
		return reply_error(c, "bad_request", "each line must be one JSON object");
	}
	struct json_object *v;
	const char *op = json_object_object_get_ex(req, "op", &v) &&
		json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	if (strcmp(op, "ping") == 0) {
		struct json_object *o = ok_obj();
		json_object_object_add(o, "pong", json_object_new_boolean(1));
		json_object_object_add(o, "running", json_object_new_int(ports.nused));
		reply(c, o);
	} else if (strcmp(op, "start") == 0) {
		op_start(c, req);
	} else if (strcmp(op, "stop") == 0) {
		op_stop(c, req);
	} else if (strcmp(op, "status") == 0) {
		op_status(c, req);
	} else if (strcmp(op, "list") == 0) {
		op_list(c);
	} else {
		reply_error(c, "unknown_op", "op must be ping, start, stop, status or list");
	}
	json_object_put(req);
}

static void client_read(struct client *c)
{
	for (;;) {
		ssize_t r = recv(c->fd, c->in + c->inlen, LINE_MAX_BYTES - c->inlen, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			c->closing = 1;
			break;
		}
		c->inlen += (size_t)r;
		char *nl;
		while ((nl = memchr(c->in, '\n', c->inlen))) {
			size_t n = (size_t)(nl - c->in);
			handle_line(c, c->in, n);
			memmove(c->in, nl + 1, c->inlen - n - 1);
			c->inlen -= n + 1;
		}
		if (c->inlen >= LINE_MAX_BYTES) {
			reply_error(c, "bad_request", "request line longer than %d bytes",
				    LINE_MAX_BYTES);
			c->closing = 1;
			break;
		}
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
	for (size_t i = 0; i < n; i++) {
		/* Our sandboxes never outlive us, so a live run here is a dead one. */
		struct db_run r = runs[i];
		snprintf(r.state, sizeof r.state, "exited");
		snprintf(r.reason, sizeof r.reason, "crashed");
		r.ended_at = time(NULL);
		if (db_run_update(db, &r, err, sizeof err) != DB_OK)
			log_warn("reconcile: run %lld: %s", r.id, err);
		else
			log_info("reconcile: run %lld of %s marked exited (crashed)", r.id, r.app_id);
	}
	free(runs);
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
	if (rc < 0 || chmod(path, 0600) < 0 || listen(fd, 64) < 0) {
		log_error("control socket %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
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
		log_warn("database %s: %s (runs will not be recorded)", conf.db_path, err);
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
	reconcile();
	struct watch wl = { W_LISTEN, NULL }, ws = { W_SIGNAL, NULL };
	ep_add(lfd, EPOLLIN, &wl);
	ep_add(sfd, EPOLLIN, &ws);
	log_info("listening on %s, ports %d..%d, cgroup tag %s", conf.supervisor_socket,
		 conf.port_min, conf.port_max, tag);
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		int timeout = 1000;
		for (struct app *a = apps; a; a = a->next) {
			int t = sandbox_tick_ms(&a->sb);
			if (t < timeout)
				timeout = t;
		}
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			struct watch *w = evs[i].data.ptr;
			if (w->kind == W_LISTEN) {
				accept_clients(lfd);
			} else if (w->kind == W_SIGNAL) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof si) == sizeof si)
					;
				if (!shutting_down)
					log_info("stopping every sandbox, then exiting");
				shutting_down = 1;
				for (struct app *a = apps; a; a = a->next)
					sandbox_request_stop(&a->sb, conf.sandbox_stop_grace_ms);
			} else if (w->kind == W_CLIENT) {
				struct client *c = w->p;
				if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
					client_read(c);
				if ((evs[i].events & EPOLLOUT) && !c->closing && c->outlen) {
					while (c->outlen) {
						ssize_t wr = send(c->fd, c->out, c->outlen,
								  MSG_NOSIGNAL | MSG_DONTWAIT);
						if (wr <= 0)
							break;
						memmove(c->out, c->out + wr, c->outlen - (size_t)wr);
						c->outlen -= (size_t)wr;
					}
					if (!c->outlen)
						ep_mod(c->fd, EPOLLIN, &c->w);
				}
			} else if (w->kind == W_LOG) {
				sandbox_pump_log(&((struct app *)w->p)->sb);
			}
			/* W_PIDFD is handled below, after the other events of this round */
		}
		for (int i = 0; i < n; i++) {
			struct watch *w = evs[i].data.ptr;
			if (w->kind != W_PIDFD)
				continue;
			struct app *a = w->p;
			if (sandbox_reap(&a->sb))
				finish_app(a);
		}
		for (struct app *a = apps, *next; a; a = next) {
			next = a->next;
			sandbox_tick(&a->sb);
		}
		for (struct client *c = clients, *next; c; c = next) {
			next = c->next;
			if (c->closing)
				client_close(c);
		}
		if (shutting_down && !apps)
			break;
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
