/* h_lifecycle.c: an app's life beyond its rows: generation from a prompt, run, stop,
 * logs, and the supervisor's view for admins and the health check.
 *
 * The sandbox supervisor is the only parent of sandboxes; these handlers ask it over
 * its control socket (lifecycle.h) and read run state from the database, where the
 * supervisor records it. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"
#include "fcgi/handler.h"
#include "fcgi/lifecycle.h"
#include "generator/generator.h"
#include "sandbox/applog.h"

#define GEN_WINDOW_S 3600
#define GEN_ACTION "app.generate"
#define PLACEHOLDER_NAME "Untitled app"
#define LOG_TAIL_DEFAULT 200
#define LOG_TAIL_MAX 5000
#define CRASH_LOG_LINES 30
#define SUP_TIMEOUT_MS 5000

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sup_unavailable(struct hctx *ctx, const char *err)
{
	log_error("sandbox supervisor: %s", err);
	response_error(ctx->resp, 503, "unavailable", "the sandbox supervisor is unavailable");
}

/* Loads the caller's app named by the route: 0, or -1 after answering 404/500. */
static int load_own_app(struct hctx *ctx, struct db_app *a)
{
	char err[256];
	int rc;

	memset(a, 0, sizeof(*a));
	if (!id_valid_app(ctx->param)) {
		h_not_found(ctx);
		return -1;
	}
	rc = db_app_get(ctx->db, ctx->param, ctx->who.user_id, a, err, sizeof(err));
	if (rc == DB_NOTFOUND) {
		h_not_found(ctx);
		return -1;
	}
	if (rc != DB_OK) {
		h_internal(ctx, "app get", err);
		return -1;
	}
	return 0;
}

static void answer_app(struct hctx *ctx, int status, const char *id)
{
	char err[256];
	struct db_app a;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = db_app_get(ctx->db, id, ctx->who.user_id, &a, err, sizeof(err));
	if (rc == DB_NOTFOUND) {
		h_not_found(ctx);
		return;
	}
	if (rc != DB_OK) {
		h_internal(ctx, "app reload", err);
		return;
	}
	response_json(ctx->resp, status, app_to_json(ctx, &a));
	db_app_clear(&a);
}

/* An error answer with extra members (findings, log) beside code and message. */
static void error_with(struct hctx *ctx, int status, const char *code, const char *message,
		       const char *key, struct json_object *extra)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();

	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	if (key)
		json_object_object_add(e, key, extra);
	json_object_object_add(o, "error", e);
	util_copy(ctx->resp->error_code, sizeof(ctx->resp->error_code), code);
	response_json(ctx->resp, status, o);
}

/* ---------------------------------------------------------------- generation ---- */

/* Quotas before a generation: apps per user (403) and generations per hour (429 with
 * Retry-After). Called outside and again inside the creating transaction (so the
 * counts hold across workers). 0, or -1 after answering. */
static int generation_quotas(struct hctx *ctx)
{
	char err[256], retry[24];
	/* The window is the last GEN_WINDOW_S seconds: an event at second t counts
	 * while now < t + GEN_WINDOW_S, so Retry-After never exceeds the window. */
	long long apps = 0, gens = 0, since = ctx->now - GEN_WINDOW_S + 1, wait = GEN_WINDOW_S;
	const struct conf *c = ctx->conf;

	if (db_app_count_by_owner(ctx->db, ctx->who.user_id, &apps, err, sizeof(err)) != DB_OK ||
	    db_audit_count(ctx->db, ctx->who.user_id, GEN_ACTION, since, &gens, err,
			   sizeof(err)) != DB_OK) {
		h_internal(ctx, "generation quotas", err);
		return -1;
	}
	if (apps >= c->quota_apps) {
		response_error(ctx->resp, 403, "quota_exceeded",
			       "app quota reached: delete an app first");
		return -1;
	}
	/* The openai provider's jobs wait for one of openai_concurrency slots, each job a
	 * process: past openai_max_waiting of them, come back when a slot may be free. */
	if (strcmp(c->generator, "openai") == 0) {
		long long busy = 0;
		if (db_app_count_by_status(ctx->db, "generating", &busy, err, sizeof(err)) !=
		    DB_OK) {
			h_internal(ctx, "generation quotas", err);
			return -1;
		}
		if (busy >= (long long)c->openai_concurrency + c->openai_max_waiting) {
			snprintf(retry, sizeof(retry), "%d",
				 c->openai_timeout_seconds < 30 ? c->openai_timeout_seconds : 30);
			response_header(ctx->resp, "Retry-After", retry);
			response_error(ctx->resp, 429, "rate_limited",
				       "the generator is busy: too many generations are waiting, "
				       "try again shortly");
			return -1;
		}
	}
	if (gens < c->quota_generations_per_hour)
		return 0;
	if (c->quota_generations_per_hour > 0) {
		/* The window frees a slot when the quota-th newest generation leaves it. */
		struct db_audit_filter f = { .since = since, .actor = ctx->who.user_id,
					     .action = GEN_ACTION,
					     .limit = c->quota_generations_per_hour };
		struct db_audit *ev = NULL;
		size_t n = 0;
		if (db_audit_list(ctx->db, &f, &ev, &n, err, sizeof(err)) == DB_OK && n > 0)
			wait = ev[n - 1].at + GEN_WINDOW_S - ctx->now;
		db_audit_list_free(ev, n);
		/* The events are stamped when written (db_now()), ctx->now when the request
		 * came in: another worker's generation written since may carry a later
		 * second than our now. No event is really newer than this moment. */
		if (wait > GEN_WINDOW_S)
			wait = GEN_WINDOW_S;
		if (wait < 1)
			wait = 1;
	}
	snprintf(retry, sizeof(retry), "%lld", wait);
	response_header(ctx->resp, "Retry-After", retry);
	response_error(ctx->resp, 429, "rate_limited",
		       "too many generations in the last hour: try again later");
	return -1;
}

/* Inserts the app (files may be NULL for a pending generation) with its audit event
 * under the quotas. Returns 0, or -1 after answering. lockfd >= 0: created before the
 * commit, removed again when it fails. */
static int insert_generated(struct hctx *ctx, struct db_app *a, struct json_object *files,
			    const char *provider)
{
	char err[256];
	struct json_object *d;

	if (db_begin(ctx->db, err, sizeof(err)) != DB_OK) {
		h_internal(ctx, "app generate", err);
		return -1;
	}
	if (generation_quotas(ctx) < 0) {
		db_rollback(ctx->db);
		return -1;
	}
	d = json_object_new_object();
	json_object_object_add(d, "name", json_object_new_string(a->name));
	json_object_object_add(d, "provider", json_object_new_string(provider));
	if (a->scan_verdict[0])
		json_object_object_add(d, "verdict", json_object_new_string(a->scan_verdict));
	if (db_app_insert(ctx->db, a, files, err, sizeof(err)) != DB_OK ||
	    h_audit(ctx, GEN_ACTION, a->id, d, err, sizeof(err)) != DB_OK ||
	    db_commit(ctx->db, err, sizeof(err)) != DB_OK) {
		db_rollback(ctx->db);
		json_object_put(d);
		h_internal(ctx, "app generate", err);
		return -1;
	}
	json_object_put(d);
	return 0;
}

static void location(struct hctx *ctx, const char *id)
{
	char loc[64];
	snprintf(loc, sizeof(loc), "/api/apps/%s", id);
	response_header(ctx->resp, "Location", loc);
}

/* The template provider is fast and offline: generate, scan and store in the request. */
static void generate_now(struct hctx *ctx, struct db_app *a, const char *prompt,
			 const char *name)
{
	char err[512], verdict[8], *gname = NULL, *assumption = NULL, *findings = NULL;
	struct json_object *files = NULL;

	if (generator_generate(ctx->conf, prompt, name, &files, &gname, &assumption, err,
			       sizeof(err)) < 0) {
		response_error(ctx->resp, 422, "generation_failed", err);
		return;
	}
	if (h_scan_files(ctx, files, verdict, &findings) < 0)
		goto out;
	a->name = name ? (char *)name : gname;
	util_copy(a->status, sizeof(a->status), h_status_for(verdict));
	util_copy(a->scan_verdict, sizeof(a->scan_verdict), verdict);
	a->scan_findings = findings;
	if (insert_generated(ctx, a, files, "template") < 0)
		goto out;
	log_info("app %s generated for %s (template, scan: %s)", a->id, a->owner, verdict);
	location(ctx, a->id);
	answer_app(ctx, 201, a->id);
out:
	json_object_put(files);
	free(gname);
	free(assumption);
	free(findings);
}

/* A model may take minutes: store the app as "generating" (with its prompt), answer
 * 202, let a job finish it (jobs.c). */
static void generate_later(struct hctx *ctx, struct db_app *a, const char *name)
{
	char err[512];
	int lockfd;

	a->name = (char *)(name ? name : PLACEHOLDER_NAME);
	util_copy(a->status, sizeof(a->status), "generating");
	a->scan_verdict[0] = 0;
	a->scan_findings = (char *)"[]";
	/* The job's lock exists before the row: a sweep never sees a generating app without
	 * either a live lock or a dead job. */
	lockfd = jobs_lock_create(ctx->conf, a->id, err, sizeof(err));
	if (lockfd < 0) {
		h_internal(ctx, "generation job", err);
		return;
	}
	if (insert_generated(ctx, a, NULL, "openai") < 0) {
		jobs_lock_remove(ctx->conf, a->id);
		close(lockfd);
		return;
	}
	if (jobs_generation_start(ctx->conf, a->id, name != NULL, lockfd, err, sizeof(err)) < 0) {
		log_error("app %s: generation job not started: %s", a->id, err);
		db_app_set_status(ctx->db, a->id, "failed",
				  "the generation could not be started; try again", err, sizeof(err));
		jobs_lock_remove(ctx->conf, a->id);
	} else {
		log_info("app %s: generation started for %s (openai)", a->id, a->owner);
	}
	location(ctx, a->id);
	answer_app(ctx, 202, a->id);
}

void h_app_create_prompt(struct hctx *ctx, const char *prompt, const char *name)
{
	char err[512];
	struct db_app a;

	if (generator_check_input(prompt, name, err, sizeof(err)) < 0) {
		h_bad_request(ctx, err);
		return;
	}
	/* Cheap checks first: a refused request costs no generation. */
	if (generation_quotas(ctx) < 0)
		return;
	memset(&a, 0, sizeof(a));
	if (id_new_app(a.id) < 0) {
		h_internal(ctx, "app generate", "no randomness");
		return;
	}
	util_copy(a.owner, sizeof(a.owner), ctx->who.user_id);
	a.prompt = (char *)prompt;
	if (strcmp(ctx->conf->generator, "template") == 0)
		generate_now(ctx, &a, prompt, name);
	else
		generate_later(ctx, &a, name);
}

/* ----------------------------------------------------------------------- run ---- */

/* Asks the supervisor about the app: 1 running (port filled), 0 not, -1 down. */
static int sup_status(const struct conf *c, const char *id, int *port, char *err, size_t errlen)
{
	struct json_object *req = json_object_new_object(), *resp = NULL, *v;
	int rc, running = 0;

	json_object_object_add(req, "op", json_object_new_string("status"));
	json_object_object_add(req, "app_id", json_object_new_string(id));
	rc = lc_sup_call(c, req, &resp, SUP_TIMEOUT_MS, NULL, 0, err, errlen);
	json_object_put(req);
	if (rc != LC_SUP_OK)
		return -1;
	if (json_object_object_get_ex(resp, "running", &v) && json_object_get_boolean(v)) {
		running = 1;
		if (port && json_object_object_get_ex(resp, "port", &v))
			*port = json_object_get_int(v);
	}
	json_object_put(resp);
	return running;
}

/* Reserves a run for the quota of running apps: a "starting" row, counted with the
 * owner's live runs inside one transaction. *run_id is 0 when the app already has a
 * live row (a concurrent start, or a stale row; the supervisor takes either over).
 * 0, or -1 after answering. */
static int reserve_run(struct hctx *ctx, long long *run_id)
{
	char err[256];
	long long n = 0;
	struct db_run r;
	int rc;

	*run_id = 0;
	if (db_begin(ctx->db, err, sizeof(err)) != DB_OK) {
		h_internal(ctx, "run reserve", err);
		return -1;
	}
	if (db_run_count_active_by_owner(ctx->db, ctx->who.user_id, &n, err, sizeof(err)) != DB_OK) {
		db_rollback(ctx->db);
		h_internal(ctx, "run reserve", err);
		return -1;
	}
	memset(&r, 0, sizeof(r));
	util_copy(r.app_id, sizeof(r.app_id), ctx->param);
	util_copy(r.state, sizeof(r.state), "starting");
	r.started_at = ctx->now;
	rc = db_run_insert(ctx->db, &r, err, sizeof(err));
	if (rc == DB_CONFLICT) {
		db_rollback(ctx->db);
		return 0;
	}
	if (rc == DB_OK && n >= ctx->conf->quota_running) {
		db_rollback(ctx->db);
		response_error(ctx->resp, 403, "quota_exceeded",
			       "running apps quota reached: stop an app first");
		return -1;
	}
	if (rc != DB_OK || db_commit(ctx->db, err, sizeof(err)) != DB_OK) {
		struct db_app a;
		char e2[256];
		db_rollback(ctx->db);
		memset(&a, 0, sizeof(a));
		/* The run's foreign key fails when a delete came first. */
		if (db_app_get(ctx->db, ctx->param, NULL, &a, e2, sizeof(e2)) == DB_NOTFOUND)
			h_not_found(ctx);
		else
			h_internal(ctx, "run reserve", err);
		db_app_clear(&a);
		return -1;
	}
	*run_id = r.id;
	return 0;
}

/* The reserved row of a start that did not happen (run_id 0: whichever row is
 * "starting", for a leftover). */
static void release_run(struct hctx *ctx, long long run_id, const char *reason)
{
	char err[256];
	struct db_run r;

	if (db_run_current(ctx->db, ctx->param, &r, err, sizeof(err)) != DB_OK ||
	    (run_id && r.id != run_id) || strcmp(r.state, "starting") != 0)
		return;
	util_copy(r.state, sizeof(r.state), "exited");
	util_copy(r.reason, sizeof(r.reason), reason);
	r.ended_at = time(NULL);
	if (db_run_update(ctx->db, &r, err, sizeof(err)) != DB_OK)
		log_warn("run %lld of %s: not released: %s", run_id, ctx->param, err);
}

/* One HTTP request to the app on its port. 1 when any answer came, 0 when the
 * connection was refused or closed without one (the app may have died), -1 when the
 * deadline passed. */
static int probe_http(int port, const char *host, long long deadline)
{
	struct sockaddr_in sa;
	char req[256], buf[64];
	int fd, n, rc = 0;
	struct pollfd p;
	long long left;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		goto out;
	p.fd = fd;
	p.events = POLLOUT;
	left = deadline - mono_ms();
	if (left <= 0) {
		rc = -1;
		goto out;
	}
	n = poll(&p, 1, (int)left);
	if (n <= 0) {
		rc = n == 0 ? -1 : 0;
		goto out;
	}
	n = snprintf(req, sizeof(req), "GET / HTTP/1.0\r\nHost: %s\r\nUser-Agent: appforge-start\r\n\r\n",
		     host);
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		goto out;
	for (;;) {
		p.events = POLLIN;
		left = deadline - mono_ms();
		if (left <= 0) {
			rc = -1;
			break;
		}
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			rc = -1;
			break;
		}
		n = (int)recv(fd, buf, sizeof(buf), 0);
		rc = n > 0 ? 1 : 0;
		break;
	}
out:
	close(fd);
	return rc;
}

/* The last lines of the app's log as a JSON string (for start failures). */
static struct json_object *log_excerpt(struct hctx *ctx)
{
	char err[256], *text = NULL;
	size_t len = 0;
	struct json_object *o;

	if (lc_log_tail(ctx->conf, ctx->param, CRASH_LOG_LINES, &text, &len, err, sizeof(err)) < 0) {
		log_warn("log of %s: %s", ctx->param, err);
		return json_object_new_string("");
	}
	/* An app may print anything: the JSON answer carries valid UTF-8 only. */
	if (!util_utf8_valid(text, len))
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)text[i] >= 0x80)
				text[i] = '?';
	o = json_object_new_string_len(text, (int)len);
	free(text);
	return o;
}

/* Waits until the app answers on its port. 0 when it does, or -1 after answering 502
 * (it died) or 504 (it never answered: then it is stopped). */
static int wait_answering(struct hctx *ctx, int port)
{
	char host[256], err[256], msg[160];
	long long deadline = mono_ms() + ctx->conf->sandbox_start_timeout_ms;
	int port2 = 0;

	snprintf(host, sizeof(host), "%s.%s", ctx->param, ctx->conf->apps_domain);
	for (;;) {
		int rc = probe_http(port, host, deadline);
		if (rc == 1)
			return 0;
		if (rc < 0)
			break;
		/* Refused or closed: dead, or not quite there yet. */
		int st = sup_status(ctx->conf, ctx->param, &port2, err, sizeof(err));
		if (st == 0) {
			struct db_run r;
			if (db_run_current(ctx->db, ctx->param, &r, err, sizeof(err)) == DB_OK &&
			    r.has_exit_code)
				snprintf(msg, sizeof(msg), "the app exited during start (exit code %d)",
					 r.exit_code);
			else
				snprintf(msg, sizeof(msg), "the app died during start");
			error_with(ctx, 502, "app_crashed", msg, "log", log_excerpt(ctx));
			return -1;
		}
		if (mono_ms() >= deadline)
			break;
		usleep(50000);
	}
	lc_sup_stop(ctx->conf, ctx->param, "stopped", 0, err, sizeof(err));
	snprintf(msg, sizeof(msg), "the app did not answer HTTP within %d ms; it was stopped",
		 ctx->conf->sandbox_start_timeout_ms);
	error_with(ctx, 504, "start_timeout", msg, "log", log_excerpt(ctx));
	return -1;
}

/* Whether the current run row is a leftover (a starting row nobody is finishing). */
static bool stale_starting(struct hctx *ctx)
{
	char err[256];
	struct db_run r;
	long long limit = ctx->conf->sandbox_start_timeout_ms / 1000 + 30;

	return db_run_current(ctx->db, ctx->param, &r, err, sizeof(err)) == DB_OK &&
	       strcmp(r.state, "starting") == 0 && r.started_at + limit < ctx->now;
}

/* Starts the sandbox: 0 with *port, or -1 after answering. */
static int sup_start(struct hctx *ctx, int *port)
{
	char err[512], code[48], dir_code[4096], dir_data[4096];
	struct json_object *req = json_object_new_object(), *resp = NULL, *v;
	int rc;

	lc_app_dir(ctx->conf, ctx->param, "code", dir_code, sizeof(dir_code));
	lc_app_dir(ctx->conf, ctx->param, "data", dir_data, sizeof(dir_data));
	json_object_object_add(req, "op", json_object_new_string("start"));
	json_object_object_add(req, "app_id", json_object_new_string(ctx->param));
	json_object_object_add(req, "code_dir", json_object_new_string(dir_code));
	json_object_object_add(req, "data_dir", json_object_new_string(dir_data));
	rc = lc_sup_call(ctx->conf, req, &resp, ctx->conf->sandbox_start_timeout_ms + 15000, code,
			 sizeof(code), err, sizeof(err));
	json_object_put(req);
	if (rc == LC_SUP_DOWN) {
		sup_unavailable(ctx, err);
		return -1;
	}
	if (rc == LC_SUP_REFUSED) {
		log_error("start of %s refused: %s: %s", ctx->param, code, err);
		if (strcmp(code, "too_many_running") == 0)
			response_error(ctx->resp, 503, "unavailable", "the platform runs as many apps "
				       "as it may at once; try again later");
		else if (strcmp(code, "no_port") == 0 || strcmp(code, "shutting_down") == 0)
			response_error(ctx->resp, 503, "unavailable",
				       "no sandbox can be started right now; try again later");
		else
			response_error(ctx->resp, 500, "start_failed",
				       "the app's sandbox could not be started");
		return -1;
	}
	*port = json_object_object_get_ex(resp, "port", &v) ? json_object_get_int(v) : 0;
	json_object_put(resp);
	if (*port <= 0) {
		h_internal(ctx, "start", "the supervisor named no port");
		return -1;
	}
	return 0;
}

void h_app_run(struct hctx *ctx)
{
	char err[512];
	struct db_app a;
	struct json_object *files = NULL;
	long long run_id = 0;
	int port = 0, st;

	if (load_own_app(ctx, &a) < 0)
		return;
	if (strcmp(a.status, "generating") == 0) {
		response_error(ctx->resp, 409, "conflict", "the app is still being generated");
		goto out;
	}
	if (strcmp(a.status, "failed") == 0) {
		response_error(ctx->resp, 409, "conflict",
			       "the app's generation failed: it has no code to run");
		goto out;
	}
	if (strcmp(a.status, "blocked") == 0 || strcmp(a.scan_verdict, "block") == 0) {
		struct json_object *f = json_tokener_parse(a.scan_findings ? a.scan_findings : "[]");
		if (!json_object_is_type(f, json_type_array)) {
			json_object_put(f);
			f = json_object_new_array();
		}
		error_with(ctx, 409, "scan_blocked",
			   "the code scan found a blocking rule: change the files to run the app",
			   "findings", f);
		goto out;
	}
	st = sup_status(ctx->conf, ctx->param, &port, err, sizeof(err));
	if (st < 0) {
		sup_unavailable(ctx, err);
		goto out;
	}
	if (st == 1) {
		answer_app(ctx, 200, ctx->param);
		goto out;
	}
	if (reserve_run(ctx, &run_id) < 0)
		goto out;
	if (!run_id && stale_starting(ctx)) {
		release_run(ctx, 0, "crashed");
		if (reserve_run(ctx, &run_id) < 0)
			goto out;
	}
	/* A concurrent start (no reservation of ours) runs the code already in place. */
	if (run_id) {
		if (db_app_files_get(ctx->db, ctx->param, &files, err, sizeof(err)) != DB_OK ||
		    lc_materialise(ctx->conf, ctx->param, files, err, sizeof(err)) < 0) {
			release_run(ctx, run_id, "crashed");
			h_internal(ctx, "materialise", err);
			goto out;
		}
	}
	long long t_mat = mono_ms();
	if (sup_start(ctx, &port) < 0) {
		if (run_id)
			release_run(ctx, run_id, "crashed");
		goto out;
	}
	/* Deleted meanwhile? The delete's stop may have come before our start: undo it. */
	{
		struct db_app b;
		memset(&b, 0, sizeof(b));
		if (db_app_get(ctx->db, ctx->param, NULL, &b, err, sizeof(err)) == DB_NOTFOUND) {
			lc_app_purge(ctx->conf, ctx->param);
			h_not_found(ctx);
			goto out;
		}
		db_app_clear(&b);
	}
	long long t_started = mono_ms();
	if (wait_answering(ctx, port) < 0)
		goto out;
	log_info("app %s running on port %d (sandbox start %lld ms, until it answered %lld ms)",
		 ctx->param, port, t_started - t_mat, mono_ms() - t_started);
	answer_app(ctx, 200, ctx->param);
out:
	json_object_put(files);
	db_app_clear(&a);
}

void h_app_stop(struct hctx *ctx)
{
	char err[512];
	struct db_app a;

	if (load_own_app(ctx, &a) < 0)
		return;
	db_app_clear(&a);
	if (lc_sup_stop(ctx->conf, ctx->param, "stopped", ctx->conf->sandbox_stop_grace_ms, err,
			sizeof(err)) < 0) {
		sup_unavailable(ctx, err);
		return;
	}
	answer_app(ctx, 200, ctx->param);
}

/* The log's records (see sandbox/applog.h) as served: text lines
 * "<time> <out|err|sys> <text>" or, with json, {"lines":[{"at","stream","text"}]}; the
 * text always escaped (control characters, backslashes, invalid UTF-8 as \xHH), so the
 * answer is valid UTF-8 that cannot drive a terminal. A line from before records
 * existed has no time ("-", null) and counts as the app's output. */
static int logs_render(const char *text, size_t len, bool json, char **out, size_t *outlen)
{
	struct json_object *lines = json ? json_object_new_array() : NULL;
	char *acc = NULL;
	size_t acclen = 0;
	int rc = -1;

	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i, elen;
		struct applog_line l;
		applog_parse(text + i, n, &l);
		char *esc = applog_escape(l.text, l.textlen, &elen);
		i += n + 1;
		if (!esc)
			goto out;
		if (json) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "at", l.at ? json_object_new_string_len(l.at, 24) : NULL);
			json_object_object_add(o, "stream", json_object_new_string(l.stream));
			json_object_object_add(o, "text", json_object_new_string_len(esc, (int)elen));
			json_object_array_add(lines, o);
		} else {
			char *nb = realloc(acc, acclen + elen + 32);
			if (!nb) {
				free(esc);
				goto out;
			}
			acc = nb;
			acclen += (size_t)sprintf(acc + acclen, "%.*s %s ", l.at ? 24 : 1,
						  l.at ? l.at : "-", l.stream);
			memcpy(acc + acclen, esc, elen);
			acclen += elen;
			acc[acclen++] = '\n';
		}
		free(esc);
	}
	if (json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "lines", json_object_get(lines));
		const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE);
		acc = strdup(s);
		acclen = acc ? strlen(acc) : 0;
		json_object_put(o);
		if (!acc)
			goto out;
	}
	*out = acc ? acc : strdup("");
	*outlen = acclen;
	acc = NULL;
	rc = *out ? 0 : -1;
out:
	free(acc);
	json_object_put(lines);
	return rc;
}

void h_app_logs(struct hctx *ctx)
{
	char err[256], buf[24], fmt[8], *text = NULL, *body = NULL;
	long long tail = LOG_TAIL_DEFAULT;
	size_t len = 0, blen = 0;
	struct db_app a;
	int rc, frc;

	if (load_own_app(ctx, &a) < 0)
		return;
	db_app_clear(&a);
	rc = query_get(ctx->req->query, "tail", buf, sizeof(buf));
	if (rc < 0 || (rc > 0 && util_parse_ll(buf, 1, LOG_TAIL_MAX, &tail) < 0)) {
		h_bad_request(ctx, "tail must be an integer from 1 to 5000");
		return;
	}
	frc = query_get(ctx->req->query, "format", fmt, sizeof(fmt));
	if (frc < 0 || (frc > 0 && strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0)) {
		h_bad_request(ctx, "format must be text or json");
		return;
	}
	bool json = frc > 0 && strcmp(fmt, "json") == 0;
	if (lc_log_tail(ctx->conf, ctx->param, (int)tail, &text, &len, err, sizeof(err)) < 0) {
		h_internal(ctx, "logs", err);
		return;
	}
	if (logs_render(text, len, json, &body, &blen) < 0) {
		free(text);
		h_internal(ctx, "logs", "out of memory");
		return;
	}
	free(text);
	response_text(ctx->resp, 200, json ? "application/json; charset=utf-8" :
		      "text/plain; charset=utf-8", body, blen);
	free(body);
}

/* ------------------------------------------------------------ admin, health ---- */

void h_admin_sandboxes(struct hctx *ctx)
{
	char err[512];
	struct json_object *req = json_object_new_object(), *resp = NULL, *list, *out;
	size_t n;

	json_object_object_add(req, "op", json_object_new_string("list"));
	if (lc_sup_call(ctx->conf, req, &resp, SUP_TIMEOUT_MS, NULL, 0, err, sizeof(err)) !=
	    LC_SUP_OK) {
		json_object_put(req);
		sup_unavailable(ctx, err);
		return;
	}
	json_object_put(req);
	out = json_object_new_array();
	if (!json_object_object_get_ex(resp, "sandboxes", &list) ||
	    !json_object_is_type(list, json_type_array))
		list = NULL;
	n = list ? json_object_array_length(list) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(list, i), *e, *v;
		struct db_app a;
		const char *id = json_object_object_get_ex(s, "app_id", &v) ?
			json_object_get_string(v) : "";
		e = json_object_new_object();
		json_object_object_add(e, "app_id", json_object_new_string(id));
		memset(&a, 0, sizeof(a));
		if (id_valid_app(id) && db_app_get(ctx->db, id, NULL, &a, err, sizeof(err)) == DB_OK) {
			json_object_object_add(e, "owner", json_object_new_string(a.owner));
			json_object_object_add(e, "name", json_object_new_string(a.name));
		} else {
			json_object_object_add(e, "owner", NULL);
			json_object_object_add(e, "name", NULL);
		}
		db_app_clear(&a);
		json_object_object_add(e, "state", json_object_new_string("running"));
		json_object_object_add(e, "port", json_object_object_get_ex(s, "port", &v) ?
				       json_object_new_int(json_object_get_int(v)) : NULL);
		json_object_object_add(e, "pid", json_object_object_get_ex(s, "pid", &v) ?
				       json_object_new_int(json_object_get_int(v)) : NULL);
		h_add_time(e, "started_at", json_object_object_get_ex(s, "started_at", &v) ?
			   json_object_get_int64(v) : 0);
		h_add_time(e, "expires_at", json_object_object_get_ex(s, "expires_at", &v) ?
			   json_object_get_int64(v) : 0);
		json_object_object_add(e, "cpu_seconds",
				       json_object_new_double(json_object_object_get_ex(s, "cpu_usec", &v) ?
							      (double)json_object_get_int64(v) / 1e6 : 0.0));
		json_object_object_add(e, "memory_bytes", json_object_new_int64(
			json_object_object_get_ex(s, "memory_bytes", &v) ? json_object_get_int64(v) : 0));
		json_object_object_add(e, "memory_peak_bytes", json_object_new_int64(
			json_object_object_get_ex(s, "memory_peak", &v) ? json_object_get_int64(v) : 0));
		json_object_object_add(e, "pids", json_object_new_int(
			json_object_object_get_ex(s, "pids", &v) ? json_object_get_int(v) : 0));
		json_object_array_add(out, e);
	}
	json_object_put(resp);
	resp = json_object_new_object();
	json_object_object_add(resp, "sandboxes", out);
	response_json(ctx->resp, 200, resp);
}

int h_supervisor_healthy(struct hctx *ctx)
{
	char err[512];
	if (lc_sup_ping(ctx->conf, err, sizeof(err)) < 0) {
		log_error("health: sandbox supervisor: %s", err);
		response_error(ctx->resp, 503, "unavailable", "sandbox supervisor unavailable");
		return -1;
	}
	return 0;
}
