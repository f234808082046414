/* handler.h: what every API handler gets, and the helpers they share.
 *
 * A handler reads ctx->req (and ctx->param, the route's placeholder), acts through the
 * DAO (db.h) and fills ctx->resp. It never fails silently: every path ends with
 * exactly one response_* call. Internal failures are logged with their detail and
 * answered with a bare 500 that names nothing internal. */
#ifndef AF_HANDLER_H
#define AF_HANDLER_H

#include <stdbool.h>

#include "common/conf.h"
#include "common/cpuslots.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_snapshots.h"
#include "fcgi/request.h"
#include "fcgi/response.h"
#include "fcgi/route.h"

struct afjwt_ctx;
struct json_object;

/* Who is calling (filled by auth_authenticate for user/admin routes). */
struct principal {
	bool present;
	char user_id[ID_MAX_BUFSZ];
	char username[DB_USERNAME_MAX + 1];
	bool admin;
	char via[8];                 /* "jwt" | "token" */
	char token_id[ID_MAX_BUFSZ]; /* via token */
	long long expires_at;        /* unix s when the credential ends; 0: never */
	long long issued_at;         /* via jwt: its iat */
};

struct hctx {
	const struct conf *conf;
	const struct afjwt_ctx *jwt;
	struct db *db;
	struct request *req;
	struct response *resp;
	const char *param;  /* the route placeholder value, "" when none */
	const char *param2; /* a second placeholder's value ("{n}"), "" when none */
	struct principal who;
	long long now;          /* time(NULL) at the start of the request */
	struct db_version seen; /* the read scope's version, when seen_ok (h_cached) */
	bool seen_ok;
};

/* Process-wide state of a worker, set once after fork. */
struct worker_state {
	const struct conf *conf;
	const struct afjwt_ctx *jwt;
	struct db *db;
	bool internal_only; /* resolve pool: only /internal/ routes, 404 else */
};

/* Routes, authenticates and answers one parsed request (body already read). */
void handle_request(const struct worker_state *ws, struct request *req, struct response *resp);

/* auth.c: checks the Authorization header. Returns 0 with ctx->who filled, or -1 after
 * answering 401 (or 500). */
int auth_authenticate(struct hctx *ctx);

/* Shared helpers (handler_util.c). */
void h_internal(struct hctx *ctx, const char *what, const char *err);
void h_bad_request(struct hctx *ctx, const char *message);
/* Takes a slot of expensive work (cpuslots.h) for this request, waiting up to wait_ms
 * for one. Returns its handle (>= 0, or -2 when slots are off: go on; give either to
 * cpuslots_release), or -1 after answering 429 rate_limited with Retry-After: 1 when
 * all stayed busy. */
int h_cpu_slot(struct hctx *ctx, enum cpuslot_class c, int wait_ms);
/* Around a call that waits seconds for the supervisor (a start's wait, a stop's
 * grace): on, this worker serves the requests of its other kept FastCGI connections
 * while the call waits, so that none waits behind it (worker.c). Only where the
 * request holds no lock a nested request could want and no database transaction (the
 * start lock is released by then); off right after the call. A no-op outside a worker
 * and in a nested request. */
void worker_serve_while_waiting(bool on);
/* True while this request is served nested in another request's wait: it must not
 * wait for long itself (a run answers 202 instead of waiting for its start). */
bool worker_nested(void);
void h_not_found(struct hctx *ctx);
void h_not_implemented(struct hctx *ctx, const char *what);
/* Parses the body as a JSON object; on failure answers 400/415 and returns NULL.
 * The caller json_object_put()s the result. */
struct json_object *h_body_object(struct hctx *ctx);
/* Adds key -> RFC 3339 string (or null when t == 0) to obj. */
void h_add_time(struct json_object *obj, const char *key, long long t);
/* h_apps.c: answers status with the caller's app id as app_json.c shows it, a dead
 * generation job settled first (jobs_settle); 404 if it is gone. */
void h_answer_app(struct hctx *ctx, int status, const char *id);
/* Adds the header "Location: /api/apps/<id>". */
void h_location(struct hctx *ctx, const char *id);
/* Appends an audit event inside the caller's open transaction. */
int h_audit(struct hctx *ctx, const char *action, const char *target, struct json_object *detail,
	    char *err, size_t errlen);
/* Ends the write transaction the handler opened with db_begin, rc being how its writes
 * went: when DB_OK, appends the audit event (h_audit) and commits; when anything
 * failed, rolls back. Returns the final code (the writes' own, e.g. DB_NOTFOUND, when
 * they failed). detail stays the caller's. */
int h_audit_commit(struct hctx *ctx, int rc, const char *action, const char *target,
		   struct json_object *detail, char *err, size_t errlen);
/* Loads the caller's app the route names ("{app}": the router checked the id) into a
 * (the caller clears it: db_app_clear), or only checks that it exists when a is NULL.
 * 0, or -1 after answering 404 (missing or another user's) or 500. */
int h_own_app(struct hctx *ctx, struct db_app *a);
/* The body's "name" (may be NULL: absent) is fit to show (names_display_valid): 0, or
 * -1 after answering 400. */
int h_display_name(struct hctx *ctx, const char *name);
/* Parses ?limit= (default def, bounds 1..max). Returns 0, or -1 after answering 400. */
int h_query_limit(struct hctx *ctx, int def, int max, int *out);

/* The worker's read cache (readcache.h), for a read-only handler whose 200 answer is a
 * function of the database and of what key names (route, caller, parameters), called
 * after the caller was authenticated and authorised. h_cached answers 200 from the
 * cache and returns true when an answer read at this request's database version is
 * kept under key; else it notes that version and returns false. h_cache_keep then
 * keeps the 200 body just built, only if the version is still the same (no write
 * happened while answering). Outside a read scope neither does anything. */
bool h_cached(struct hctx *ctx, const char *key);
void h_cache_keep(struct hctx *ctx, const char *key);

/* The handlers (h_*.c). */
void h_health(struct hctx *ctx);
void h_login(struct hctx *ctx);
void h_auth_refresh(struct hctx *ctx);
void h_auth_logout(struct hctx *ctx);
void h_me_password(struct hctx *ctx);
void h_me(struct hctx *ctx);
void h_token_create(struct hctx *ctx);
void h_token_list(struct hctx *ctx);
void h_token_delete(struct hctx *ctx);
void h_app_create(struct hctx *ctx);
void h_app_list(struct hctx *ctx);
void h_app_get(struct hctx *ctx);
void h_app_delete(struct hctx *ctx);
void h_app_files_get(struct hctx *ctx);
void h_app_files_put(struct hctx *ctx);
void h_app_run(struct hctx *ctx);
void h_app_stop(struct hctx *ctx);
void h_app_logs(struct hctx *ctx);
void h_app_logs_stream(struct hctx *ctx); /* h_logstream.c */
void h_admin_users_list(struct hctx *ctx);
void h_admin_user_create(struct hctx *ctx);
void h_admin_user_delete(struct hctx *ctx);
void h_admin_apps_list(struct hctx *ctx);
void h_admin_app_delete(struct hctx *ctx);
void h_admin_sandboxes(struct hctx *ctx);
void h_admin_audit(struct hctx *ctx);
void h_internal_resolve(struct hctx *ctx);
void h_app_env_get(struct hctx *ctx);
void h_app_env_put(struct hctx *ctx);
void h_app_patch(struct hctx *ctx);
void h_app_duplicate(struct hctx *ctx);
void h_templates(struct hctx *ctx);

/* h_appset.c: adds the app's environment variables (opened) to a start request. 0, or
 * -1 after answering 500. The caller wipes q->env after the call to the supervisor. */
struct sup_request;
int h_env_for_start(struct hctx *ctx, const char *app_id, struct sup_request *q);
/* Replaces each value (of at least APPENV_REDACT_MIN bytes) of the app's variables in
 * *text (malloc'ed, *len bytes; may be replaced) by "[redacted]". 0, or -1 (logged,
 * not answered): the text must then not be served. */
int h_env_redact(struct hctx *ctx, const char *app_id, char **text, size_t *len);
/* h_revisions.c */
/* A change of an app's files made by a request, and how it is recorded. */
struct h_change {
	const char *source;     /* the revision's source: save|restore|iterate */
	const char *message;    /* the revision's message */
	const char *action;     /* the audit action */
	const char *generation; /* new JSON text of the app's generation; NULL: keep */
};
/* Stores files (validated and scanned: verdict, findings) as the route's app's files,
 * with its scan and status, revision and audit event, in one transaction; *rev gets
 * the revision number; then restarts the app when it runs (h_run_restart_if_live). 0,
 * or -1 after answering (404 gone, 409 generating, 500). */
int h_files_commit(struct hctx *ctx, struct json_object *files, const char *verdict,
		   const char *findings, const struct h_change *ch, long long *rev);
/* Answers {"app": ..., "revision": ...} (added to extra, which it takes; may be NULL). */
void h_answer_change(struct hctx *ctx, int status, long long rev, struct json_object *extra);
/* h_iterate.c */
void h_app_iterate(struct hctx *ctx);
void h_rev_list(struct hctx *ctx);
void h_rev_files(struct hctx *ctx);
void h_rev_diff(struct hctx *ctx);
void h_rev_restore(struct hctx *ctx);
/* h_snapshots.c: the data snapshots of revisions. */
#define H_SNAPSET_MAX (DB_SNAP_KEEP_MAX + 1)
/* The route's app's snapshots (it never has more than snapshots_per_app + 1 rows). */
struct h_snapset {
	struct db_snapshot revs[H_SNAPSET_MAX];
	size_t n;
};
/* Loads the set: 0, or -1 after answering 500. */
int h_snap_set(struct hctx *ctx, struct h_snapset *set);
bool h_snap_has(const struct h_snapset *set, long long rev);
/* Asks the supervisor for a snapshot of the route's app as revision rev, just made;
 * logged, never answered: a revision stands without one. */
void h_snap_after_commit(struct hctx *ctx, long long rev);
/* The restore body: none, or {"data"?: boolean}. 0 with *data, or -1 after 400/415. */
int h_snap_want_data(struct hctx *ctx, bool *data);
/* Brings back the data image of revision n (audited app.data.restore): 0, or -1 after
 * answering 409 no_snapshot, 409 app_running, 503 or 500. */
int h_snap_restore_data(struct hctx *ctx, long long n);

/* h_scan.c: scans files with the configured policy (outside any transaction: it runs
 * Node). Fills verdict and *findings (malloc'ed JSON array text; the caller frees it).
 * 0, or -1 after answering 503/500. */
int h_scan_files(struct hctx *ctx, struct json_object *files, char verdict[8], char **findings);
/* APP_BLOCKED for a block verdict, else APP_READY. */
enum app_status h_status_for(const char *verdict);

/* h_generate.c: POST /api/apps with a prompt (name NULL: the generator names it),
 * started once generated when start is true. */
void h_app_create_prompt(struct hctx *ctx, const char *prompt, const char *name, bool start);
/* h_run.c: pings the sandbox supervisor: 0, or -1 after answering 503. */
int h_supervisor_healthy(struct hctx *ctx);
/* h_run.c, for other handlers and the generation jobs: starts app_id (owned by
 * ctx->who) as POST /run does, through the same path (the checks of its status and scan,
 * the running quotas, its environment, one start shared by concurrent callers), without
 * waiting for the start and without answering. 0 when the start is under way or the
 * app runs already; -1 with the refusal's API error code and message (the app stays
 * stopped). A start that fails later (a crash, a timeout) shows in the app's run. */
int h_run_start(struct hctx *ctx, const char *app_id, char *code, size_t codelen, char *msg,
		size_t msglen);
/* h_run.c: a new app that can run, ahead of its first start: its code tree written
 * from files under the start lock (appdisk.h; a start then finds it current) and its
 * data image asked of the supervisor (lc_sup_prepare, not waited for). A failure is
 * logged only: the first start does what was not done. */
void h_run_prepare(struct hctx *ctx, const char *app_id, struct json_object *files);
/* Answers status with the app, started first when start is true (h_run_start); a
 * refused start adds "start_error": {"code","message"} to the app, which exists all
 * the same. */
void h_answer_started(struct hctx *ctx, int status, const char *app_id, bool start);
/* The app's code changed (h_files_commit): a run that is live (starting or running)
 * is stopped and the new code started in its place (h_run_start), unless the new code
 * cannot run (blocked by the scan: then the app stays stopped). Nothing happens to an
 * app that does not run. Never answers; a failure is logged and shows in the run. */
void h_run_restart_if_live(struct hctx *ctx, const char *app_id);

#define APP_NAME_MAX 100 /* characters of an app's name */
#define APP_PROMPT_MAX 4000

/* h_apps.c: creates an app of body's "files" (validated, scanned, counted against the
 * quota) named name, with prompt, started when start says so (h_answer_started);
 * answers 201 (or the error). */
void h_app_create_files(struct hctx *ctx, struct json_object *body, const char *name,
			const char *prompt, bool start);

/* h_export.c: POST /api/apps with an exported archive (Content-Type application/gzip). */
bool h_import_wanted(struct hctx *ctx);
void h_app_import(struct hctx *ctx);
void h_app_export(struct hctx *ctx);

/* h_private.c: private apps' origins. */
void h_app_open(struct hctx *ctx);
void h_app_session(struct hctx *ctx);
/* The resolve's check for a private app: 0 when the request carries a live
 * __Host-af_app cookie of app_id for its owner or an admin, else -1 after answering
 * 403 (private) or 500. */
int h_private_admit(struct hctx *ctx, const char *app_id);

/* app_json.c: the app object of API.md. Neither writes to the database: a caller
 * that shows an app lets jobs_settle (jobs.h) fail a dead generation first.
 * app_json_write appends it to b as JSON text (errors: b's sticky out-of-memory);
 * app_to_json reads a's run and generation and returns a new reference (NULL on out
 * of memory). */
struct strbuf;
void app_json_write(struct strbuf *b, const struct conf *c, const struct db_app_view *v);
/* The origin of app id, "https://<id>.<apps_domain>[:port]" (no slash), into out;
 * its length, or 0 (out "") when size is too small. */
size_t h_app_origin(const struct conf *c, const char *id, char *out, size_t size);

struct json_object *app_to_json(struct hctx *ctx, const struct db_app *a);

#endif
