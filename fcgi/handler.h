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
};

struct hctx {
	const struct conf *conf;
	const struct afjwt_ctx *jwt;
	struct db *db;
	struct request *req;
	struct response *resp;
	const char *param;           /* the route placeholder value, "" when none */
	const char *param2;          /* a second placeholder's value ("{n}"), "" when none */
	struct principal who;
	long long now;               /* time(NULL) at the start of the request */
};

/* Process-wide state of a worker, set once after fork. */
struct worker_state {
	const struct conf *conf;
	const struct afjwt_ctx *jwt;
	struct db *db;
	bool internal_only;          /* resolve pool: only /internal/ routes, 404 else */
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
/* Before a request that may take seconds (a wait for an app's start): closes this
 * worker's idle kept FastCGI connections, so that nginx sends its next requests to
 * workers that are free instead of queueing them behind this one (worker.c). Not for
 * work of milliseconds (a hash, a scan): a request nginx sends on a connection at the
 * instant it is closed fails (502 for a POST), which is worth risking only against a
 * wait of seconds. A no-op outside a worker. */
void worker_release_idle(void);
void h_not_found(struct hctx *ctx);
void h_not_implemented(struct hctx *ctx, const char *what);
/* Parses the body as a JSON object; on failure answers 400/415 and returns NULL.
 * The caller json_object_put()s the result. */
struct json_object *h_body_object(struct hctx *ctx);
/* Adds key -> RFC 3339 string (or null when t == 0) to obj. */
void h_add_time(struct json_object *obj, const char *key, long long t);
/* Answers status with the caller's app id as app_to_json shows it (404 if it is gone). */
void h_answer_app(struct hctx *ctx, int status, const char *id);
/* Adds the header "Location: /api/apps/<id>". */
void h_location(struct hctx *ctx, const char *id);
/* Appends an audit event inside the caller's open transaction. */
int h_audit(struct hctx *ctx, const char *action, const char *target,
	    struct json_object *detail, char *err, size_t errlen);
/* Parses ?limit= (default def, bounds 1..max). Returns 0, or -1 after answering 400. */
int h_query_limit(struct hctx *ctx, int def, int max, int *out);

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
	const char *source;          /* the revision's source: save|restore|iterate */
	const char *message;         /* the revision's message */
	const char *action;          /* the audit action */
	const char *generation;      /* new JSON text of the app's generation; NULL: keep */
};
/* Stores files (validated and scanned: verdict, findings) as the route's app's files,
 * with its scan and status, revision and audit event, in one transaction; *rev gets
 * the revision number. 0, or -1 after answering (404 gone, 409 generating, 500). */
int h_files_commit(struct hctx *ctx, struct json_object *files, const char *verdict,
		   const char *findings, const struct h_change *ch, long long *rev);
/* Answers {"app": ..., "revision": ...} (added to extra, which it takes; may be NULL). */
void h_answer_change(struct hctx *ctx, int status, long long rev, struct json_object *extra);
/* h_iterate.c */
void h_app_iterate(struct hctx *ctx);
/* The app's generation object {provider, kind, fields, explanation} (new reference), or
 * NULL when it has none. */
struct json_object *h_generation_json(struct hctx *ctx, const char *app_id);
void h_rev_list(struct hctx *ctx);
void h_rev_files(struct hctx *ctx);
void h_rev_diff(struct hctx *ctx);
void h_rev_restore(struct hctx *ctx);

/* h_apps.c: scans files with the configured policy (outside any transaction: it runs
 * Node). Fills verdict and *findings (malloc'ed JSON array text; the caller frees it).
 * 0, or -1 after answering 503/500. */
int h_scan_files(struct hctx *ctx, struct json_object *files, char verdict[8], char **findings);
/* APP_BLOCKED for a block verdict, else APP_READY. */
enum app_status h_status_for(const char *verdict);

/* h_generate.c: POST /api/apps with a prompt (name NULL: the generator names it). */
void h_app_create_prompt(struct hctx *ctx, const char *prompt, const char *name);
/* h_run.c: pings the sandbox supervisor: 0, or -1 after answering 503. */
int h_supervisor_healthy(struct hctx *ctx);

#define APP_NAME_MAX 100      /* characters of an app's name */
#define APP_PROMPT_MAX 4000

/* h_apps.c: creates an app of body's "files" (validated, scanned, counted against the
 * quota) named name, with prompt; answers 201 (or the error). */
void h_app_create_files(struct hctx *ctx, struct json_object *body, const char *name,
			const char *prompt);

/* h_export.c: POST /api/apps with an exported archive (Content-Type application/gzip). */
bool h_import_wanted(struct hctx *ctx);
void h_app_import(struct hctx *ctx);
void h_app_export(struct hctx *ctx);

/* The app object of API.md (new reference; NULL on out of memory). */
struct json_object *app_to_json(struct hctx *ctx, const struct db_app *a);

#endif
