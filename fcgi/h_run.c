/* h_run.c: an app's run (POST run, POST stop, GET logs) and the supervisor's view for
 * admins and the health check; the same start for other handlers (an app started once
 * generated, restarted when its code changes: h_run_start, h_run_restart_if_live).
 *
 * The sandbox supervisor is the only parent of sandboxes and the only writer of run
 * state; these handlers ask it over its control socket (sup_calls.h) and read run
 * state from the database, where it records it. POST /run holds a worker only for a
 * bounded wait the supervisor admits (docs/API.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "common/applayout.h"
#include "common/log.h"
#include "fcgi/handler.h"
#include "fcgi/appdisk.h"
#include "fcgi/sup_calls.h"
#include "sandbox/supervisor_client.h"
#include "sandbox/applog.h"

#define LOG_TAIL_DEFAULT 200
#define LOG_TAIL_MAX 5000
#define CRASH_LOG_LINES 30
#define SUP_START_TIMEOUT_MS 30000 /* the supervisor builds the sandbox, then answers */
#define SUP_WAIT_SLACK_MS 2000     /* the supervisor ends a start first: then we answer */

static void sup_unavailable(struct hctx *ctx, const char *err)
{
	log_error("sandbox supervisor: %s", err);
	response_error(ctx->resp, 503, "unavailable", "the sandbox supervisor is unavailable");
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
	util_copy(ctx->resp->error_code, sizeof ctx->resp->error_code, code);
	response_json(ctx->resp, status, o);
}

/* ----------------------------------------------------------------------- run ---- */

/* The last lines of the app's log as a JSON string (for start failures). */
static struct json_object *log_excerpt(struct hctx *ctx)
{
	char err[256], *text = NULL;
	size_t len = 0;
	struct json_object *o;

	if (lc_log_tail(ctx->conf, ctx->param, CRASH_LOG_LINES, &text, &len, err, sizeof err) < 0) {
		log_warn("log of %s: %s", ctx->param, err);
		return json_object_new_string("");
	}
	if (h_env_redact(ctx, ctx->param, &text, &len) < 0) { /* never serve it unredacted */
		free(text);
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

/* A start the supervisor refused: the matching answer. */
static void start_refused(struct hctx *ctx, const struct sup_reply *rep)
{
	char err[256];
	struct db_app b;

	log_error("start of %s refused: %s: %s", ctx->param, rep->code, rep->message);
	memset(&b, 0, sizeof b);
	if (strcmp(rep->code, "quota_exceeded") == 0)
		response_error(ctx->resp, 403, "quota_exceeded",
			       "running apps quota reached: stop an app first");
	else if (strcmp(rep->code, "not_found") == 0 ||
		 db_app_get(ctx->db, ctx->param, NULL, &b, err, sizeof err) == DB_NOTFOUND) {
		/* Deleted meanwhile: its purge may have come before our code was written. */
		lc_app_purge(ctx->conf, ctx->param);
		h_not_found(ctx);
	} else if (strcmp(rep->code, "start_failed") == 0 || strcmp(rep->code, "bad_request") == 0)
		response_error(ctx->resp, 500, "start_failed",
			       "the app's sandbox could not be started");
	else if (strcmp(rep->code, "too_many_running") == 0)
		response_error(ctx->resp, 503, "unavailable",
			       "the platform runs as many apps as "
			       "it may at once; try again later");
	else
		response_error(ctx->resp, 503, "unavailable",
			       "no sandbox can be started right now; try again later");
	db_app_clear(&b);
}

/* A start that failed may have raced a delete: the delete's purge can come before our
 * start lock (which makes the app's directory again) or our code. Whatever we made
 * goes once the row is gone, so that deleting still leaves nothing behind. */
static void purge_if_deleted(struct hctx *ctx)
{
	char err[256];
	struct db_app b;

	memset(&b, 0, sizeof b);
	if (db_app_get(ctx->db, ctx->param, NULL, &b, err, sizeof err) == DB_NOTFOUND)
		lc_app_purge(ctx->conf, ctx->param);
	db_app_clear(&b);
}

/* Starts the app unless its run is live already (then that start is shared: single
 * flight). Under the app's start lock, so that one caller writes the code of a start
 * and no start replaces the code under a live sandbox. The tree on disk is written
 * only when its stamp does not match the stored files (appdisk.h), and only then is
 * the supervisor asked first whether the app runs: a start of unchanged code goes
 * straight to it (which joins a live run). 0 with *run, or -1 after answering. */
static int start_shared(struct hctx *ctx, struct sup_run *run)
{
	char err[512], dir_code[4096], dir_data[4096];
	struct json_object *files = NULL;
	struct sup_request q;
	struct sup_reply rep;
	struct lc_code_stamp stamp;
	bool live = false;
	int lockfd, rc = -1;

	memset(&rep, 0, sizeof rep);
	sup_request_init(&q, SUP_START);
	if ((lockfd = lc_start_lock(ctx->conf, ctx->param, err, sizeof err)) < 0) {
		log_error("start of %s: %s", ctx->param, err);
		response_error(ctx->resp, 503, "unavailable",
			       "the app cannot be started right now; try again shortly");
		return -1;
	}
	if (db_app_files_get(ctx->db, ctx->param, &files, err, sizeof err) != DB_OK) {
		h_internal(ctx, "app files", err);
		goto out;
	}
	if (!lc_code_current(ctx->conf, ctx->param, files, &stamp)) {
		if (lc_sup_status(ctx->conf, ctx->param, run, err, sizeof err) != LC_SUP_OK) {
			sup_unavailable(ctx, err);
			goto out;
		}
		live = run_state_live(run->state);
		if (!live &&
		    lc_materialise(ctx->conf, ctx->param, files, &stamp, err, sizeof err) < 0) {
			h_internal(ctx, "materialise", err);
			goto out;
		}
	}
	if (!live && h_env_for_start(ctx, ctx->param, &q) < 0)
		goto out;
	util_copy(q.app_id, sizeof q.app_id, ctx->param);
	applayout_path(ctx->conf, ctx->param, APP_PATH_CODE, dir_code, sizeof dir_code);
	applayout_path(ctx->conf, ctx->param, APP_PATH_DATA, dir_data, sizeof dir_data);
	util_copy(q.code_dir, sizeof q.code_dir, dir_code);
	util_copy(q.data_dir, sizeof q.data_dir, dir_data);
	rc = lc_sup(ctx->conf, &q, &rep, SUP_START_TIMEOUT_MS, err, sizeof err);
	if (rc == LC_SUP_DOWN)
		sup_unavailable(ctx, err);
	else if (rc == LC_SUP_REFUSED)
		start_refused(ctx, &rep);
	else
		*run = rep.run;
	rc = rc == LC_SUP_OK ? 0 : -1;
out:
	explicit_bzero(q.env, q.env_len); /* the app's secrets, in clear */
	sup_reply_clear(&rep);
	json_object_put(files);
	close(lockfd);
	if (rc < 0)
		purge_if_deleted(ctx);
	return rc;
}

/* Waits (bounded: the supervisor admits a few waits at once and answers "busy" past
 * that) until the start is over. 1 when it is (run updated), 0 when the caller should
 * answer 202 "starting" instead, -1 after answering 503. */
static int wait_start(struct hctx *ctx, struct sup_run *run)
{
	char err[512];
	struct sup_request q;
	struct sup_reply rep;
	int rc;

	sup_request_init(&q, SUP_WAIT);
	util_copy(q.app_id, sizeof q.app_id, ctx->param);
	q.wait_ms = ctx->conf->sandbox_start_timeout_ms + SUP_WAIT_SLACK_MS;
	worker_serve_while_waiting(true); /* start_shared released the start lock */
	rc = lc_sup(ctx->conf, &q, &rep, q.wait_ms + LC_SUP_TIMEOUT_MS, err, sizeof err);
	worker_serve_while_waiting(false);
	if (rc == LC_SUP_DOWN) {
		sup_unavailable(ctx, err);
		return -1;
	}
	if (rc == LC_SUP_OK)
		*run = rep.run;
	sup_reply_clear(&rep);
	return rc == LC_SUP_OK && run->state != RUN_STARTING;
}

/* The answer to a start that is over: 200 running, or 502/504 with the log. */
static void answer_start(struct hctx *ctx, const struct sup_run *run)
{
	char msg[160];

	if (run->state == RUN_RUNNING) {
		log_info("app %s running on port %d", ctx->param, run->port);
		h_answer_app(ctx, 200, ctx->param);
	} else if (run->reason == RUN_REASON_START_TIMEOUT) {
		snprintf(msg, sizeof msg,
			 "the app did not listen or answer HTTP within %d ms; it was stopped",
			 ctx->conf->sandbox_start_timeout_ms);
		error_with(ctx, 504, "start_timeout", msg, "log", log_excerpt(ctx));
	} else if (run->state == RUN_STOPPED) {
		/* stopped (or deleted: then 404) by another request during its start */
		struct db_app b;
		char err[256];
		memset(&b, 0, sizeof b);
		if (db_app_get(ctx->db, ctx->param, NULL, &b, err, sizeof err) == DB_NOTFOUND)
			h_not_found(ctx);
		else
			response_error(ctx->resp, 409, "conflict",
				       "the app was stopped during its start");
		db_app_clear(&b);
	} else {
		if (run->has_exit_code)
			snprintf(msg, sizeof msg, "the app exited during start (exit code %d)",
				 run->exit_code);
		else
			snprintf(msg, sizeof msg, "the app died during start");
		error_with(ctx, 502, "app_crashed", msg, "log", log_excerpt(ctx));
	}
}

/* ?wait=0|1 (default 1). 0, or -1 after answering 400. */
static int want_wait(struct hctx *ctx, bool *wait)
{
	char buf[8];
	int rc = query_get(ctx->req->query, "wait", buf, sizeof buf);

	*wait = true;
	if (rc == 0)
		return 0;
	if (rc > 0 && (strcmp(buf, "0") == 0 || strcmp(buf, "1") == 0)) {
		*wait = buf[0] == '1';
		return 0;
	}
	h_bad_request(ctx, "wait must be 0 or 1");
	return -1;
}

/* The app's code can run: 0, or -1 after answering 409. */
static int runnable(struct hctx *ctx, const struct db_app *a)
{
	if (a->status == APP_GENERATING) {
		response_error(ctx->resp, 409, "conflict", "the app is still being generated");
		return -1;
	}
	if (a->status == APP_FAILED) {
		response_error(ctx->resp, 409, "conflict",
			       "the app's generation failed: it has no code to run");
		return -1;
	}
	if (a->status == APP_BLOCKED || strcmp(a->scan_verdict, "block") == 0) {
		struct json_object *f =
			json_tokener_parse(a->scan_findings ? a->scan_findings : "[]");
		if (!json_object_is_type(f, json_type_array)) {
			json_object_put(f);
			f = json_object_new_array();
		}
		error_with(ctx, 409, "scan_blocked",
			   "the code scan found a blocking rule: change the files to run the app",
			   "findings", f);
		return -1;
	}
	return 0;
}

/* POST /run: the supervisor starts the app (or joins its start) and owns the run; this
 * worker waits for the result only while a wait slot is free and the client wants it,
 * else answers 202 with run.state "starting" (the client polls GET /api/apps/{id}). */
void h_app_run(struct hctx *ctx)
{
	struct db_app a;
	struct sup_run run;
	bool wait;
	int rc;

	if (h_own_app(ctx, &a) < 0)
		return;
	if (want_wait(ctx, &wait) < 0 || runnable(ctx, &a) < 0)
		goto out;
	/* A running app's start joins its run: the supervisor answers "running" at once. */
	if (start_shared(ctx, &run) < 0)
		goto out;
	/* Nested in another request's wait (worker.c), this one must not wait in turn. */
	rc = run.state == RUN_STARTING && wait && !worker_nested() ? wait_start(ctx, &run) : 1;
	if (rc < 0)
		goto out;
	if (run.state == RUN_STARTING) {
		h_location(ctx, ctx->param);
		h_answer_app(ctx, 202, ctx->param);
	} else {
		answer_start(ctx, &run);
	}
out:
	db_app_clear(&a);
}

/* ------------------------------------------- starts for other handlers ---- */

void h_run_prepare(struct hctx *ctx, const char *app_id, struct json_object *files)
{
	struct lc_code_stamp stamp;
	char err[512];
	int lockfd = lc_start_lock(ctx->conf, app_id, err, sizeof err);

	if (lockfd < 0)
		log_warn("app %s: code not written ahead of its first start: %s", app_id, err);
	else if (!lc_code_current(ctx->conf, app_id, files, &stamp) &&
		 lc_materialise(ctx->conf, app_id, files, &stamp, err, sizeof err) < 0)
		log_warn("app %s: code not written ahead of its first start: %s", app_id, err);
	if (lockfd >= 0)
		close(lockfd);
	lc_sup_prepare(ctx->conf, app_id);
}

/* The error code and message of an answer start_shared or runnable gave. */
static void refusal_of(const struct response *r, char *code, size_t codelen, char *msg,
		       size_t msglen)
{
	struct json_object *o = r->body ? json_tokener_parse(r->body) : NULL, *e, *m;

	util_copy(code, codelen, r->error_code[0] ? r->error_code : "unavailable");
	if (o && json_object_object_get_ex(o, "error", &e) &&
	    json_object_object_get_ex(e, "message", &m) && json_object_is_type(m, json_type_string))
		util_copy(msg, msglen, json_object_get_string(m));
	else
		util_copy(msg, msglen, "the app could not be started");
	json_object_put(o);
}

int h_run_start(struct hctx *ctx, const char *app_id, char *code, size_t codelen, char *msg,
		size_t msglen)
{
	char err[512];
	struct response scratch;
	struct hctx c = *ctx;
	struct db_app a;
	struct sup_run run;
	int rc;

	/* POST /run's own steps, answering into a response nobody sends */
	memset(&scratch, 0, sizeof(scratch));
	c.resp = &scratch;
	c.param = app_id;
	rc = h_own_app(&c, &a);
	if (rc == 0) {
		rc = runnable(&c, &a);
		db_app_clear(&a);
	}
	if (rc == 0 && lc_sup_status(c.conf, app_id, &run, err, sizeof(err)) != LC_SUP_OK) {
		sup_unavailable(&c, err);
		rc = -1;
	}
	if (rc == 0 && run.state != RUN_RUNNING)
		rc = start_shared(&c, &run);
	if (rc < 0)
		refusal_of(&scratch, code, codelen, msg, msglen);
	else
		log_info("app %s: %s", app_id, run.state == RUN_RUNNING ? "running" : "starting");
	response_free(&scratch);
	return rc;
}

void h_answer_started(struct hctx *ctx, int status, const char *app_id, bool start)
{
	char err[256], code[48] = "", msg[256] = "";
	bool refused = start && h_run_start(ctx, app_id, code, sizeof(code), msg, sizeof(msg)) < 0;
	struct json_object *o, *e;
	struct db_app a;

	if (!refused)
		return h_answer_app(ctx, status, app_id);
	memset(&a, 0, sizeof(a));
	if (db_app_get(ctx->db, app_id, ctx->who.user_id, &a, err, sizeof(err)) != DB_OK) {
		h_internal(ctx, "app reload", err);
		return;
	}
	o = app_to_json(ctx, &a);
	db_app_clear(&a);
	if (o) {
		log_warn("app %s made but not started: %s: %s", app_id, code, msg);
		e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_string(code));
		json_object_object_add(e, "message", json_object_new_string(msg));
		json_object_object_add(o, "start_error", e);
	}
	response_json(ctx->resp, status, o);
}

void h_run_restart_if_live(struct hctx *ctx, const char *app_id)
{
	char err[512], code[48], msg[256];
	struct sup_run run;

	if (lc_sup_status(ctx->conf, app_id, &run, err, sizeof(err)) != LC_SUP_OK) {
		log_warn("restart of %s: %s", app_id, err);
		return;
	}
	if (!run_state_live(run.state))
		return;
	if (lc_sup_stop(ctx->conf, app_id, false, ctx->conf->sandbox_stop_grace_ms, err,
			sizeof(err)) < 0) {
		log_error("restart of %s: the old run did not stop: %s", app_id, err);
		return;
	}
	if (h_run_start(ctx, app_id, code, sizeof(code), msg, sizeof(msg)) < 0)
		log_info("app %s stopped for its new code, not started again: %s: %s", app_id, code,
			 msg);
	else
		log_info("app %s restarts with its new code", app_id);
}

void h_app_stop(struct hctx *ctx)
{
	char err[512];
	struct db_app a;
	int rc;

	if (h_own_app(ctx, &a) < 0)
		return;
	db_app_clear(&a);
	worker_serve_while_waiting(true); /* up to the grace: no lock held */
	rc = lc_sup_stop(ctx->conf, ctx->param, false, ctx->conf->sandbox_stop_grace_ms, err,
			 sizeof err);
	worker_serve_while_waiting(false);
	if (rc < 0) {
		sup_unavailable(ctx, err);
		return;
	}
	h_answer_app(ctx, 200, ctx->param);
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
			json_object_object_add(o, "at",
					       l.at ? json_object_new_string_len(l.at, 24) : NULL);
			json_object_object_add(o, "stream", json_object_new_string(l.stream));
			json_object_object_add(o, "text",
					       json_object_new_string_len(esc, (int)elen));
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

	if (h_own_app(ctx, &a) < 0)
		return;
	db_app_clear(&a);
	rc = query_get(ctx->req->query, "tail", buf, sizeof buf);
	if (rc < 0 || (rc > 0 && util_parse_ll(buf, 1, LOG_TAIL_MAX, &tail) < 0)) {
		h_bad_request(ctx, "tail must be an integer from 1 to 5000");
		return;
	}
	frc = query_get(ctx->req->query, "format", fmt, sizeof fmt);
	if (frc < 0 || (frc > 0 && strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0)) {
		h_bad_request(ctx, "format must be text or json");
		return;
	}
	bool json = frc > 0 && strcmp(fmt, "json") == 0;
	if (lc_log_tail(ctx->conf, ctx->param, (int)tail, &text, &len, err, sizeof err) < 0) {
		h_internal(ctx, "logs", err);
		return;
	}
	if (h_env_redact(ctx, ctx->param, &text, &len) < 0) { /* never serve it unredacted */
		free(text);
		h_internal(ctx, "logs", "redaction failed");
		return;
	}
	if (logs_render(text, len, json, &body, &blen) < 0) {
		free(text);
		h_internal(ctx, "logs", "out of memory");
		return;
	}
	free(text);
	response_text(ctx->resp, 200,
		      json ? "application/json; charset=utf-8" : "text/plain; charset=utf-8", body,
		      blen);
	free(body);
}

/* ------------------------------------------------------------ admin, health ---- */

void h_admin_sandboxes(struct hctx *ctx)
{
	char err[512];
	struct sup_request q;
	struct sup_reply rep;
	struct json_object *out, *resp;

	sup_request_init(&q, SUP_LIST);
	if (lc_sup(ctx->conf, &q, &rep, LC_SUP_TIMEOUT_MS, err, sizeof err) != LC_SUP_OK) {
		sup_reply_clear(&rep);
		sup_unavailable(ctx, err);
		return;
	}
	out = json_object_new_array();
	for (size_t i = 0; i < rep.nlist; i++) {
		const struct sup_run *s = &rep.list[i];
		struct json_object *e = json_object_new_object();
		struct db_app a;
		memset(&a, 0, sizeof a);
		json_object_object_add(e, "app_id", json_object_new_string(s->app_id));
		/* supproto.c checked the id; an empty one (none) finds no row */
		if (db_app_get(ctx->db, s->app_id, NULL, &a, err, sizeof err) == DB_OK) {
			json_object_object_add(e, "owner", json_object_new_string(a.owner));
			json_object_object_add(e, "name", json_object_new_string(a.name));
		} else {
			json_object_object_add(e, "owner", NULL);
			json_object_object_add(e, "name", NULL);
		}
		db_app_clear(&a);
		json_object_object_add(e, "state",
				       json_object_new_string(run_state_name(s->state)));
		json_object_object_add(e, "port", s->port ? json_object_new_int(s->port) : NULL);
		json_object_object_add(e, "pid", s->pid ? json_object_new_int(s->pid) : NULL);
		h_add_time(e, "started_at", s->started_at);
		h_add_time(e, "expires_at", s->expires_at);
		json_object_object_add(e, "cpu_seconds",
				       json_object_new_double((double)s->cpu_usec / 1e6));
		json_object_object_add(e, "memory_bytes", json_object_new_int64(s->memory_bytes));
		json_object_object_add(e, "memory_peak_bytes",
				       json_object_new_int64(s->memory_peak));
		json_object_object_add(e, "pids", json_object_new_int(s->pids));
		json_object_array_add(out, e);
	}
	sup_reply_clear(&rep);
	resp = json_object_new_object();
	json_object_object_add(resp, "sandboxes", out);
	response_json(ctx->resp, 200, resp);
}

int h_supervisor_healthy(struct hctx *ctx)
{
	char err[512];
	if (lc_sup_ping(ctx->conf, err, sizeof err) < 0) {
		log_error("health: sandbox supervisor: %s", err);
		response_error(ctx->resp, 503, "unavailable", "sandbox supervisor unavailable");
		return -1;
	}
	return 0;
}
