/* h_apps.c: the apps of the calling user (and the admin variants that share code). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/appfiles.h"
#include "common/json.h"
#include "common/jsonw.h"
#include "common/log.h"
#include "fcgi/handler.h"
#include "fcgi/jobs.h"
#include "fcgi/readcache.h"
#include "fcgi/sup_calls.h"

#define APP_DEFAULT_NAME "Untitled app"
#define APP_LIST_MAX 100

/* The owner filter: the caller's id, or NULL for admin routes. */
static const char *owner_of(struct hctx *ctx, bool admin)
{
	return admin ? NULL : ctx->who.user_id;
}

/* Answers the app; returns whether the answer may be kept in the read cache (the app
 * was there and not generating: see answer_list). */
static bool answer_app(struct hctx *ctx, int status, const char *id)
{
	char err[256];
	struct db_app_view v;
	struct strbuf b = { 0 };
	int rc = db_app_view_get(ctx->db, id, ctx->who.user_id, &v, err, sizeof(err));
	bool keep = false;

	if (rc == DB_NOTFOUND) {
		h_not_found(ctx);
	} else if (rc != DB_OK) {
		h_internal(ctx, "app reload", err);
	} else {
		keep = v.app.status != APP_GENERATING;
		jobs_settle(ctx->conf, ctx->db, &v.app);
		app_json_write(&b, ctx->conf, &v);
		response_json_text(ctx->resp, status, &b);
	}
	db_app_view_clear(&v);
	return keep;
}

void h_answer_app(struct hctx *ctx, int status, const char *id)
{
	answer_app(ctx, status, id);
}

/* Validates {"files": {...}} present in body; 0, or -1 after answering 400. */
static int get_files(struct hctx *ctx, struct json_object *body, struct json_object **files)
{
	char err[256];
	if (json_get_object(body, "files", JSON_REQUIRED, files, err, sizeof err) < 0 ||
	    appfiles_validate(*files, err, sizeof err) < 0) {
		h_bad_request(ctx, err);
		return -1;
	}
	return 0;
}

void h_app_create_files(struct hctx *ctx, struct json_object *body, const char *name,
			const char *prompt, bool start)
{
	char err[256];
	char verdict[8], *findings = NULL;
	struct json_object *files, *d;
	struct db_app a;
	long long count = 0;
	int rc;

	if (get_files(ctx, body, &files) < 0)
		return;
	memset(&a, 0, sizeof a);
	if (id_new_app(a.id) < 0) {
		h_internal(ctx, "app create", "no randomness");
		return;
	}
	if (h_scan_files(ctx, files, verdict, &findings) < 0)
		return;
	util_copy(a.owner, sizeof a.owner, ctx->who.user_id);
	a.name = (char *)name;
	a.prompt = (char *)prompt;
	a.status = h_status_for(verdict);
	util_copy(a.scan_verdict, sizeof a.scan_verdict, verdict);
	a.scan_findings = findings;

	if (db_begin(ctx->db, err, sizeof err) != DB_OK) {
		free(findings);
		h_internal(ctx, "app create", err);
		return;
	}
	/* Counting inside BEGIN IMMEDIATE serialises concurrent creations: the quota holds
	 * across workers. */
	rc = db_app_count_by_owner(ctx->db, a.owner, &count, err, sizeof err);
	if (rc == DB_OK && count >= ctx->conf->quota_apps) {
		db_rollback(ctx->db);
		free(findings);
		response_error(ctx->resp, 403, "quota_exceeded",
			       "app quota reached: delete an app first");
		return;
	}
	d = json_object_new_object();
	json_object_object_add(d, "name", json_object_new_string(name));
	json_object_object_add(d, "files",
			       json_object_new_int((int)json_object_object_length(files)));
	json_object_object_add(d, "verdict", json_object_new_string(verdict));
	if (rc != DB_OK || db_app_insert(ctx->db, &a, files, err, sizeof err) != DB_OK ||
	    db_rev_add(ctx->db, a.id, a.owner, "upload", "created from files", files, NULL, err,
		       sizeof err) != DB_OK ||
	    h_audit(ctx, "app.create", a.id, d, err, sizeof err) != DB_OK ||
	    db_commit(ctx->db, err, sizeof err) != DB_OK) {
		db_rollback(ctx->db);
		json_object_put(d);
		free(findings);
		h_internal(ctx, "app create", err);
		return;
	}
	json_object_put(d);
	if (a.status == APP_READY)
		h_run_prepare(ctx, a.id, files);
	free(findings);
	log_info("app %s created by %s (scan: %s)", a.id, a.owner, verdict);
	h_location(ctx, a.id);
	h_answer_started(ctx, 201, a.id, start && a.status == APP_READY);
}

void h_app_create(struct hctx *ctx)
{
	static const char *const keys[] = { "files", "prompt", "name", "start", NULL };
	char err[256];
	const char *const default_name = APP_DEFAULT_NAME;
	const char *name = default_name, *prompt = NULL;
	struct json_object *body;
	int has_files, start = -1;
	bool name_given;

	if (h_import_wanted(ctx)) { /* an exported .tar.gz (h_export.c) */
		h_app_import(ctx);
		return;
	}
	if (!(body = h_body_object(ctx)))
		return;
	if (json_check_keys(body, keys, err, sizeof err) < 0 ||
	    json_get_string(body, "name", JSON_NONEMPTY | JSON_NULLABLE, APP_NAME_MAX, &name, NULL,
			    err, sizeof err) < 0 ||
	    json_get_string(body, "prompt", JSON_NONEMPTY, APP_PROMPT_MAX, &prompt, NULL, err,
			    sizeof(err)) < 0 ||
	    json_get_bool(body, "start", 0, &start, err, sizeof(err)) < 0) {
		h_bad_request(ctx, err);
		goto out;
	}
	if (h_display_name(ctx, name) < 0)
		goto out;
	name_given = name != default_name;
	has_files = json_object_object_get_ex(body, "files", NULL);
	if (has_files && prompt) {
		h_bad_request(ctx, "give either 'files' or 'prompt', not both");
		goto out;
	}
	/* "start": run the app once made (POST /run's path); by default a generated app
	 * starts, uploaded files do not. */
	if (has_files) {
		h_app_create_files(ctx, body, name, "", start == 1);
	} else if (prompt) {
		h_app_create_prompt(ctx, prompt, name_given ? name : NULL, start != 0);
	} else {
		h_bad_request(ctx, "request body needs 'files' or 'prompt'");
	}
out:
	json_object_put(body);
}

/* {"apps":[...],"next_cursor":...}: the page in one query, settled, written as text.
 * Returns whether the answer may be kept (no app was generating: its state comes from
 * its job's lock file as well as from the database). */
static bool answer_list(struct hctx *ctx, struct db_app_view *v, size_t n, const char *next)
{
	struct strbuf b = { 0 };
	bool keep = true;

	for (size_t i = 0; i < n; i++) {
		keep = keep && v[i].app.status != APP_GENERATING;
		jobs_settle(ctx->conf, ctx->db, &v[i].app);
	}
	strbuf_add(&b, "{\"apps\":[", 9);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_add(&b, ",", 1);
		app_json_write(&b, ctx->conf, &v[i]);
	}
	strbuf_add(&b, "],\"next_cursor\":", 16);
	jsonw_string(&b, next[0] ? next : NULL);
	strbuf_add(&b, "}", 1);
	response_json_text(ctx->resp, 200, &b);
	return keep;
}

static void list_apps(struct hctx *ctx, bool admin)
{
	char err[256], cursor[DB_CURSOR_BUFSZ], next[DB_CURSOR_BUFSZ];
	char key[READCACHE_KEY_MAX + 1];
	struct db_app_view *v = NULL;
	size_t n = 0;
	int limit, rc;

	if (h_query_limit(ctx, 20, APP_LIST_MAX, &limit) < 0)
		return;
	rc = query_get(ctx->req->query, "cursor", cursor, sizeof cursor);
	if (rc < 0) {
		h_bad_request(ctx, "invalid cursor");
		return;
	}
	if (rc == 0)
		cursor[0] = 0;
	/* the page of this owner (or of all, for an admin), this long, from this cursor */
	snprintf(key, sizeof key, "apps %s %d %s", admin ? "*" : ctx->who.user_id, limit, cursor);
	if (h_cached(ctx, key))
		return;
	rc = db_app_view_list(ctx->db, owner_of(ctx, admin), cursor, limit, &v, &n, next, err,
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
	if (answer_list(ctx, v, n, next))
		h_cache_keep(ctx, key);
	db_app_view_list_free(v, n);
}

void h_app_list(struct hctx *ctx)
{
	list_apps(ctx, false);
}

void h_admin_apps_list(struct hctx *ctx)
{
	list_apps(ctx, true);
}

/* The app as its owner sees it: what a page showing a running app polls. */
void h_app_get(struct hctx *ctx)
{
	char key[READCACHE_KEY_MAX + 1];

	snprintf(key, sizeof key, "app %s %s", ctx->who.user_id, ctx->param);
	if (h_cached(ctx, key))
		return;
	if (answer_app(ctx, 200, ctx->param)) /* the router checked the id */
		h_cache_keep(ctx, key);
}

static void delete_app(struct hctx *ctx, bool admin)
{
	char err[256];
	int rc;

	rc = db_begin(ctx->db, err, sizeof err);
	if (rc == DB_OK)
		rc = db_app_delete(ctx->db, ctx->param, owner_of(ctx, admin), err, sizeof err);
	rc = h_audit_commit(ctx, rc, admin ? "admin.app.delete" : "app.delete", ctx->param, NULL,
			    err, sizeof err);
	if (rc == DB_NOTFOUND) {
		h_not_found(ctx);
		return;
	}
	if (rc != DB_OK) {
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

	if (h_own_app(ctx, &a) < 0)
		return;
	db_app_clear(&a);
	if (db_app_files_get(ctx->db, ctx->param, &files, err, sizeof err) != DB_OK) {
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

	body = h_body_object(ctx);
	if (!body)
		return;
	if (json_check_keys(body, keys, err, sizeof err) < 0) {
		h_bad_request(ctx, err);
		goto out;
	}
	if (get_files(ctx, body, &files) < 0)
		goto out;
	/* A foreign or missing app must not cost a scan: look first, then scan outside
	 * the transaction, then re-check inside it. */
	memset(&a, 0, sizeof a);
	rc = db_app_get(ctx->db, ctx->param, ctx->who.user_id, &a, err, sizeof err);
	db_app_clear(&a);
	if (rc == DB_NOTFOUND) {
		h_not_found(ctx);
		goto out;
	}
	if (h_scan_files(ctx, files, verdict, &findings) < 0)
		goto out;
	if (h_files_commit(ctx, files, verdict, findings, &save, &rev) == 0)
		h_answer_app(ctx, 200, ctx->param);
out:
	free(findings);
	json_object_put(body);
}
