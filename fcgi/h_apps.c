/* h_apps.c: the apps of the calling user (and the admin variants that share code). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/appfiles.h"
#include "common/json.h"
#include "common/log.h"
#include "fcgi/handler.h"
#include "fcgi/lifecycle.h"
#include "fcgi/names.h"
#include "scanner/scanner.h"

#define APP_DEFAULT_NAME "Untitled app"
#define APP_LIST_MAX 100

static struct json_object *run_to_json(struct hctx *ctx, const char *app_id)
{
	char err[256];
	struct db_run r;
	struct json_object *o = json_object_new_object();
	int rc = db_run_current(ctx->db, app_id, &r, err, sizeof(err));

	if (rc != DB_OK) {
		if (rc != DB_NOTFOUND)
			log_warn("run of %s: %s", app_id, err);
		json_object_object_add(o, "state", json_object_new_string("stopped"));
		json_object_object_add(o, "port", NULL);
		json_object_object_add(o, "started_at", NULL);
		json_object_object_add(o, "expires_at", NULL);
		json_object_object_add(o, "exit_code", NULL);
		json_object_object_add(o, "reason", NULL);
		return o;
	}
	json_object_object_add(o, "state", json_object_new_string(run_state_name(r.state)));
	json_object_object_add(o, "port", r.port ? json_object_new_int(r.port) : NULL);
	h_add_time(o, "started_at", r.started_at);
	h_add_time(o, "expires_at", r.expires_at);
	json_object_object_add(o, "exit_code",
			       r.has_exit_code ? json_object_new_int(r.exit_code) : NULL);
	json_object_object_add(o, "reason",
			       json_new_string_or_null(r.reason ? run_reason_name(r.reason) : NULL));
	return o;
}

struct json_object *app_to_json(struct hctx *ctx, const struct db_app *a)
{
	char url[512];
	struct json_object *o = json_object_new_object(), *scan, *findings = NULL;
	const struct conf *c = ctx->conf;

	if (!o)
		return NULL;
	json_object_object_add(o, "id", json_object_new_string(a->id));
	json_object_object_add(o, "name", json_object_new_string(a->name ? a->name : ""));
	json_object_object_add(o, "owner", json_object_new_string(a->owner));
	json_object_object_add(o, "prompt",
			       json_new_string_or_null(a->prompt && *a->prompt ? a->prompt : NULL));
	if (a->status == APP_GENERATING && jobs_check_one(c, ctx->db, a->id) > 0) {
		/* Its job died: what we just stored is what the caller sees. */
		json_object_object_add(o, "status", json_object_new_string(app_status_name(APP_FAILED)));
		json_object_object_add(o, "error", json_object_new_string(JOBS_INTERRUPTED));
	} else {
		json_object_object_add(o, "status", json_object_new_string(app_status_name(a->status)));
		if (a->error)
			json_object_object_add(o, "error", json_object_new_string(a->error));
	}
	h_add_time(o, "created_at", a->created_at);
	h_add_time(o, "updated_at", a->updated_at);
	if (c->https_port == 443)
		snprintf(url, sizeof(url), "https://%s.%s/", a->id, c->apps_domain);
	else
		snprintf(url, sizeof(url), "https://%s.%s:%d/", a->id, c->apps_domain,
			 c->https_port);
	json_object_object_add(o, "url", json_object_new_string(url));

	scan = json_object_new_object();
	json_object_object_add(scan, "verdict",
			       json_new_string_or_null(a->scan_verdict[0] ? a->scan_verdict : NULL));
	/* our own stored JSON; most apps have none, and a parse costs a tokener */
	if (a->scan_findings && strcmp(a->scan_findings, "[]") != 0)
		findings = json_tokener_parse(a->scan_findings);
	if (!json_object_is_type(findings, json_type_array)) {
		json_object_put(findings);
		findings = json_object_new_array();
	}
	json_object_object_add(scan, "findings", findings);
	json_object_object_add(o, "scan", scan);
	json_object_object_add(o, "run", run_to_json(ctx, a->id));
	json_object_object_add(o, "generation", h_generation_json(ctx, a->id));
	return o;
}

/* The owner filter: the caller's id, or NULL for admin routes. */
static const char *owner_of(struct hctx *ctx, bool admin)
{
	return admin ? NULL : ctx->who.user_id;
}

/* Loads the app named by the route (404 for a missing or foreign app). 0 or -1. */
static int load_app(struct hctx *ctx, bool admin, struct db_app *a)
{
	char err[256];
	int rc;

	memset(a, 0, sizeof(*a));
	if (!id_valid_app(ctx->param)) {
		h_not_found(ctx);
		return -1;
	}
	rc = db_app_get(ctx->db, ctx->param, owner_of(ctx, admin), a, err, sizeof(err));
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

static void answer_app(struct hctx *ctx, int status, const char *id, bool admin)
{
	char err[256];
	struct db_app a;

	memset(&a, 0, sizeof(a));
	if (db_app_get(ctx->db, id, owner_of(ctx, admin), &a, err, sizeof(err)) != DB_OK) {
		h_internal(ctx, "app reload", err);
		return;
	}
	response_json(ctx->resp, status, app_to_json(ctx, &a));
	db_app_clear(&a);
}

/* Validates {"files": {...}} present in body; 0, or -1 after answering 400. */
static int get_files(struct hctx *ctx, struct json_object *body, struct json_object **files)
{
	char err[256];
	if (json_get_object(body, "files", JSON_REQUIRED, files, err, sizeof(err)) < 0 ||
	    appfiles_validate(*files, err, sizeof(err)) < 0) {
		h_bad_request(ctx, err);
		return -1;
	}
	return 0;
}

/* Scans files with the configured policy (outside any transaction: it runs Node).
 * Fills verdict and *findings (malloc'ed JSON array text; the caller frees it).
 * Returns 0, or -1 after answering 503 (or 429 when every scan slot is busy: see
 * h_cpu_slot): an app nobody could scan is never stored as
 * if it had been. */
#define SCAN_SLOT_WAIT_MS 2000

int h_scan_files(struct hctx *ctx, struct json_object *files, char verdict[8],
		 char **findings)
{
	char err[256];
	struct json_object *res = NULL, *v = NULL, *f = NULL;
	const char *fs;
	int slot, rc;

	*findings = NULL;
	/* A scan runs Node: it takes a scan slot, so scans never fill every worker. Only
	 * signed-in users scan (and nginx limits app creation), so a scan may wait a
	 * little for a slot before the 429. No Node runs with scan_policy off. */
	slot = -2;
	if (strcmp(ctx->conf->scan_policy, "off") != 0 &&
	    (slot = h_cpu_slot(ctx, CPUSLOT_SCAN, SCAN_SLOT_WAIT_MS)) == -1)
		return -1;
	rc = scanner_scan(ctx->conf, files, &res, err, sizeof(err));
	cpuslots_release(slot);
	if (rc < 0) {
		log_error("code scanner: %s", err);
		response_error(ctx->resp, 503, "unavailable", "the code scanner is unavailable");
		return -1;
	}
	/* scanner_scan has checked the result's shape. */
	json_object_object_get_ex(res, "verdict", &v);
	json_object_object_get_ex(res, "findings", &f);
	util_copy(verdict, 8, json_object_get_string(v));
	fs = json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	*findings = strdup(fs ? fs : "[]");
	json_object_put(res);
	if (!*findings) {
		h_internal(ctx, "scan", "out of memory");
		return -1;
	}
	return 0;
}

/* An app whose scan blocks is "blocked"; it cannot run until its files change. */
enum app_status h_status_for(const char *verdict)
{
	return strcmp(verdict, "block") == 0 ? APP_BLOCKED : APP_READY;
}

void h_app_create_files(struct hctx *ctx, struct json_object *body, const char *name,
			const char *prompt)
{
	char err[256];
	char verdict[8], *findings = NULL;
	struct json_object *files, *d;
	struct db_app a;
	long long count = 0;
	int rc;

	if (get_files(ctx, body, &files) < 0)
		return;
	memset(&a, 0, sizeof(a));
	if (id_new_app(a.id) < 0) {
		h_internal(ctx, "app create", "no randomness");
		return;
	}
	if (h_scan_files(ctx, files, verdict, &findings) < 0)
		return;
	util_copy(a.owner, sizeof(a.owner), ctx->who.user_id);
	a.name = (char *)name;
	a.prompt = (char *)prompt;
	a.status = h_status_for(verdict);
	util_copy(a.scan_verdict, sizeof(a.scan_verdict), verdict);
	a.scan_findings = findings;

	if (db_begin(ctx->db, err, sizeof(err)) != DB_OK) {
		free(findings);
		h_internal(ctx, "app create", err);
		return;
	}
	/* Counting inside BEGIN IMMEDIATE serialises concurrent creations: the quota holds
	 * across workers. */
	rc = db_app_count_by_owner(ctx->db, a.owner, &count, err, sizeof(err));
	if (rc == DB_OK && count >= ctx->conf->quota_apps) {
		db_rollback(ctx->db);
		free(findings);
		response_error(ctx->resp, 403, "quota_exceeded", "app quota reached: delete an app first");
		return;
	}
	d = json_object_new_object();
	json_object_object_add(d, "name", json_object_new_string(name));
	json_object_object_add(d, "files", json_object_new_int((int)json_object_object_length(files)));
	json_object_object_add(d, "verdict", json_object_new_string(verdict));
	if (rc != DB_OK || db_app_insert(ctx->db, &a, files, err, sizeof(err)) != DB_OK ||
	    db_rev_add(ctx->db, a.id, a.owner, "upload", "created from files", files, NULL, err,
		       sizeof(err)) != DB_OK ||
	    h_audit(ctx, "app.create", a.id, d, err, sizeof(err)) != DB_OK ||
	    db_commit(ctx->db, err, sizeof(err)) != DB_OK) {
		db_rollback(ctx->db);
		json_object_put(d);
		free(findings);
		h_internal(ctx, "app create", err);
		return;
	}
	json_object_put(d);
	if (a.status == APP_READY)
		lc_sup_prepare(ctx->conf, a.id);
	free(findings);
	log_info("app %s created by %s (scan: %s)", a.id, a.owner, verdict);
	{
		char loc[64];
		snprintf(loc, sizeof(loc), "/api/apps/%s", a.id);
		response_header(ctx->resp, "Location", loc);
	}
	answer_app(ctx, 201, a.id, false);
}

void h_app_create(struct hctx *ctx)
{
	static const char *const keys[] = { "files", "prompt", "name", NULL };
	char err[256];
	const char *const default_name = APP_DEFAULT_NAME;
	const char *name = default_name, *prompt = NULL;
	struct json_object *body;
	int has_files;
	bool name_given;

	if (h_import_wanted(ctx)) {   /* an exported .tar.gz (h_export.c) */
		h_app_import(ctx);
		return;
	}
	if (!(body = h_body_object(ctx)))
		return;
	if (json_check_keys(body, keys, err, sizeof(err)) < 0 ||
	    json_get_string(body, "name", JSON_NONEMPTY | JSON_NULLABLE, APP_NAME_MAX, &name,
			    NULL, err, sizeof(err)) < 0 ||
	    json_get_string(body, "prompt", JSON_NONEMPTY, APP_PROMPT_MAX, &prompt, NULL, err,
			    sizeof(err)) < 0) {
		h_bad_request(ctx, err);
		goto out;
	}
	if (!names_display_valid(name)) {
		h_bad_request(ctx, "field 'name' must not contain control characters");
		goto out;
	}
	name_given = name != default_name;
	has_files = json_object_object_get_ex(body, "files", NULL);
	if (has_files && prompt) {
		h_bad_request(ctx, "give either 'files' or 'prompt', not both");
		goto out;
	}
	if (has_files) {
		h_app_create_files(ctx, body, name, "");
	} else if (prompt) {
		h_app_create_prompt(ctx, prompt, name_given ? name : NULL);
	} else {
		h_bad_request(ctx, "request body needs 'files' or 'prompt'");
	}
out:
	json_object_put(body);
}

static void list_apps(struct hctx *ctx, bool admin)
{
	char err[256], cursor[DB_CURSOR_BUFSZ], next[DB_CURSOR_BUFSZ];
	struct db_app *apps = NULL;
	size_t n = 0;
	int limit, rc;
	struct json_object *o, *arr;

	if (h_query_limit(ctx, 20, APP_LIST_MAX, &limit) < 0)
		return;
	rc = query_get(ctx->req->query, "cursor", cursor, sizeof(cursor));
	if (rc < 0) {
		h_bad_request(ctx, "invalid cursor");
		return;
	}
	if (rc == 0)
		cursor[0] = 0;
	rc = db_app_list(ctx->db, owner_of(ctx, admin), cursor, limit, &apps, &n, next, err,
			 sizeof(err));
	if (rc != DB_OK) {
		/* The only client-caused failure of a list is a cursor it did not get from
		 * us; anything else is ours. */
		if (cursor[0] && strstr(err, "invalid cursor")) {
			h_bad_request(ctx, "invalid cursor");
			return;
		}
		h_internal(ctx, "app list", err);
		return;
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, app_to_json(ctx, &apps[i]));
	db_app_list_free(apps, n);
	o = json_object_new_object();
	json_object_object_add(o, "apps", arr);
	json_object_object_add(o, "next_cursor", json_new_string_or_null(next[0] ? next : NULL));
	response_json(ctx->resp, 200, o);
}

void h_app_list(struct hctx *ctx)
{
	list_apps(ctx, false);
}

void h_admin_apps_list(struct hctx *ctx)
{
	list_apps(ctx, true);
}

void h_app_get(struct hctx *ctx)
{
	struct db_app a;
	if (load_app(ctx, false, &a) < 0)
		return;
	response_json(ctx->resp, 200, app_to_json(ctx, &a));
	db_app_clear(&a);
}

static void delete_app(struct hctx *ctx, bool admin)
{
	char err[256];
	int rc;

	if (!id_valid_app(ctx->param)) {
		h_not_found(ctx);
		return;
	}
	if (db_begin(ctx->db, err, sizeof(err)) != DB_OK) {
		h_internal(ctx, "app delete", err);
		return;
	}
	rc = db_app_delete(ctx->db, ctx->param, owner_of(ctx, admin), err, sizeof(err));
	if (rc == DB_NOTFOUND) {
		db_rollback(ctx->db);
		h_not_found(ctx);
		return;
	}
	if (rc != DB_OK ||
	    h_audit(ctx, admin ? "admin.app.delete" : "app.delete", ctx->param, NULL, err,
		    sizeof(err)) != DB_OK ||
	    db_commit(ctx->db, err, sizeof(err)) != DB_OK) {
		db_rollback(ctx->db);
		h_internal(ctx, "app delete", err);
		return;
	}
	/* The row is gone, so no run can start any more: now kill what runs, free the
	 * port, remove the directory and the logs. */
	lc_app_purge(ctx->conf, ctx->param);
	log_info("app %s deleted", ctx->param);
	response_empty(ctx->resp, 204);
}

void h_app_delete(struct hctx *ctx)
{
	delete_app(ctx, false);
}

void h_admin_app_delete(struct hctx *ctx)
{
	delete_app(ctx, true);
}

void h_app_files_get(struct hctx *ctx)
{
	char err[256];
	struct db_app a;
	struct json_object *files = NULL, *o;

	if (load_app(ctx, false, &a) < 0)
		return;
	db_app_clear(&a);
	if (db_app_files_get(ctx->db, ctx->param, &files, err, sizeof(err)) != DB_OK) {
		h_internal(ctx, "files get", err);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "files", files);
	response_json(ctx->resp, 200, o);
}

void h_app_files_put(struct hctx *ctx)
{
	static const char *const keys[] = { "files", NULL };
	static const struct h_change save = { "save", "saved", "app.files.update", NULL };
	char err[256], verdict[8], *findings = NULL;
	struct json_object *body, *files;
	struct db_app a;
	long long rev = 0;
	int rc;

	if (!id_valid_app(ctx->param)) {
		h_not_found(ctx);
		return;
	}
	body = h_body_object(ctx);
	if (!body)
		return;
	if (json_check_keys(body, keys, err, sizeof(err)) < 0) {
		h_bad_request(ctx, err);
		goto out;
	}
	if (get_files(ctx, body, &files) < 0)
		goto out;
	/* A foreign or missing app must not cost a scan: look first, then scan outside
	 * the transaction, then re-check inside it. */
	memset(&a, 0, sizeof(a));
	rc = db_app_get(ctx->db, ctx->param, ctx->who.user_id, &a, err, sizeof(err));
	db_app_clear(&a);
	if (rc == DB_NOTFOUND) {
		h_not_found(ctx);
		goto out;
	}
	if (h_scan_files(ctx, files, verdict, &findings) < 0)
		goto out;
	if (h_files_commit(ctx, files, verdict, findings, &save, &rev) == 0)
		answer_app(ctx, 200, ctx->param, false);
out:
	free(findings);
	json_object_put(body);
}
