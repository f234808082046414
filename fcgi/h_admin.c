/* h_admin.c: the administrator's endpoints: users, sandboxes, the audit log.
 * (Admin app listing and deletion share h_apps.c's code.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/appfiles.h"
#include "common/json.h"
#include "common/log.h"
#include "common/password.h"
#include "fcgi/handler.h"
#include "fcgi/sup_calls.h"
#include "fcgi/names.h"

#define AUDIT_LIMIT_DEFAULT 100
#define AUDIT_LIMIT_MAX 1000

static struct json_object *user_to_json(const struct db_user *u)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(u->id));
	json_object_object_add(o, "username", json_object_new_string(u->username));
	json_object_object_add(o, "role", json_object_new_string(u->role));
	json_object_object_add(o, "disabled", json_object_new_boolean(u->disabled));
	h_add_time(o, "created_at", u->created_at);
	return o;
}

void h_admin_users_list(struct hctx *ctx)
{
	char err[256];
	struct db_user *u = NULL;
	size_t n = 0;
	struct json_object *o, *a;

	if (db_user_list(ctx->db, &u, &n, err, sizeof err) != DB_OK) {
		h_internal(ctx, "user list", err);
		return;
	}
	a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, user_to_json(&u[i]));
	explicit_bzero(u, n * sizeof *u); /* password hashes */
	free(u);
	o = json_object_new_object();
	json_object_object_add(o, "users", a);
	response_json(ctx->resp, 200, o);
}

void h_admin_user_create(struct hctx *ctx)
{
	static const char *const keys[] = { "username", "password", "role", NULL };
	static const char *const roles[] = { "user", "admin", NULL };
	char err[256];
	const char *username, *pw, *role = "user";
	struct json_object *body = h_body_object(ctx), *d;
	struct db_user u;
	int rc;

	if (!body)
		return;
	memset(&u, 0, sizeof u);
	if (json_check_keys(body, keys, err, sizeof err) < 0 ||
	    json_get_string(body, "username", JSON_REQUIRED | JSON_NONEMPTY, DB_USERNAME_MAX,
			    &username, NULL, err, sizeof err) < 0 ||
	    json_get_string(body, "password", JSON_REQUIRED, PASSWORD_MAX_LEN, &pw, NULL, err,
			    sizeof err) < 0 ||
	    json_get_enum(body, "role", 0, roles, &role, err, sizeof err) < 0) {
		h_bad_request(ctx, err);
		goto out;
	}
	if (!names_username_valid(username)) {
		h_bad_request(ctx, NAMES_USERNAME_RULE);
		goto out;
	}
	if (password_check_policy(pw, err, sizeof err) < 0) {
		h_bad_request(ctx, err);
		goto out;
	}
	if (id_new_user(u.id) < 0 || password_hash(pw, u.password_hash, err, sizeof err) < 0) {
		h_internal(ctx, "user create", "hashing failed");
		goto out;
	}
	util_copy(u.username, sizeof u.username, username);
	util_copy(u.role, sizeof u.role, role);
	d = json_object_new_object();
	json_object_object_add(d, "username", json_object_new_string(username));
	json_object_object_add(d, "role", json_object_new_string(role));
	if (db_begin(ctx->db, err, sizeof err) != DB_OK) {
		json_object_put(d);
		h_internal(ctx, "user create", err);
		goto out;
	}
	rc = db_user_insert(ctx->db, &u, err, sizeof err);
	if (rc == DB_CONFLICT) {
		db_rollback(ctx->db);
		json_object_put(d);
		response_error(ctx->resp, 409, "conflict", "username already taken");
		goto out;
	}
	if (h_audit_commit(ctx, rc, "user.create", u.id, d, err, sizeof err) != DB_OK) {
		json_object_put(d);
		h_internal(ctx, "user create", err);
		goto out;
	}
	json_object_put(d);
	response_json(ctx->resp, 201, user_to_json(&u));
out:
	explicit_bzero(&u, sizeof u);
	json_object_put(body);
}

/* Removes the directories of every app of user (called after the DB rows are gone). */
static void remove_app_dirs(struct hctx *ctx, char (*ids)[ID_APP_BUFSZ], size_t n)
{
	for (size_t i = 0; i < n; i++)
		lc_app_purge(ctx->conf, ids[i]);
}

/* The ids of every app of owner, for cleanup after the cascade. 0 or -1. */
static int collect_app_ids(struct hctx *ctx, const char *owner, char (**ids)[ID_APP_BUFSZ],
			   size_t *n, char *err, size_t errlen)
{
	char cursor[DB_CURSOR_BUFSZ] = "", next[DB_CURSOR_BUFSZ];
	*ids = NULL;
	*n = 0;
	do {
		struct db_app *apps = NULL;
		size_t got = 0;
		if (db_app_list(ctx->db, owner, cursor, DB_LIST_MAX, &apps, &got, next, err,
				errlen) != DB_OK)
			return -1;
		void *grown = realloc(*ids, (*n + got + 1) * sizeof **ids);
		if (!grown) {
			db_app_list_free(apps, got);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		*ids = grown;
		for (size_t i = 0; i < got; i++)
			memcpy((*ids)[(*n)++], apps[i].id, ID_APP_BUFSZ);
		db_app_list_free(apps, got);
		memcpy(cursor, next, sizeof cursor);
	} while (cursor[0]);
	return 0;
}

void h_admin_user_delete(struct hctx *ctx)
{
	char err[256];
	char(*ids)[ID_APP_BUFSZ] = NULL;
	size_t n = 0;
	struct json_object *d;
	int rc;

	if (!id_valid_user(ctx->param)) {
		h_not_found(ctx);
		return;
	}
	if (strcmp(ctx->param, ctx->who.user_id) == 0) {
		response_error(ctx->resp, 409, "conflict", "you cannot delete your own account");
		return;
	}
	if (db_begin(ctx->db, err, sizeof err) != DB_OK ||
	    collect_app_ids(ctx, ctx->param, &ids, &n, err, sizeof err) < 0) {
		db_rollback(ctx->db);
		h_internal(ctx, "user delete", err);
		return;
	}
	rc = db_user_delete(ctx->db, ctx->param, err, sizeof err);
	if (rc == DB_NOTFOUND) {
		db_rollback(ctx->db);
		free(ids);
		h_not_found(ctx);
		return;
	}
	d = json_object_new_object();
	json_object_object_add(d, "apps_deleted", json_object_new_int64((long long)n));
	if (h_audit_commit(ctx, rc, "user.delete", ctx->param, d, err, sizeof err) != DB_OK) {
		json_object_put(d);
		free(ids);
		h_internal(ctx, "user delete", err);
		return;
	}
	json_object_put(d);
	remove_app_dirs(ctx, ids, n);
	free(ids);
	log_info("user %s deleted with %zu apps", ctx->param, n);
	response_empty(ctx->resp, 204);
}

/* Audit filter values: printable ASCII without spaces, bounded. */
static bool filter_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

void h_admin_audit(struct hctx *ctx)
{
	char err[256], since[64], actor[sizeof(((struct db_audit *)0)->actor)];
	char action[sizeof(((struct db_audit *)0)->action)];
	struct db_audit_filter f;
	struct db_audit *ev = NULL;
	size_t n = 0;
	int rc;
	struct json_object *o, *a;

	memset(&f, 0, sizeof f);
	if (h_query_limit(ctx, AUDIT_LIMIT_DEFAULT, AUDIT_LIMIT_MAX, &f.limit) < 0)
		return;
	rc = query_get(ctx->req->query, "since", since, sizeof since);
	if (rc < 0 || (rc == 1 && util_time_parse(since, &f.since) < 0)) {
		h_bad_request(ctx, "since must be an RFC 3339 timestamp (2026-11-28T15:04:05Z)");
		return;
	}
	rc = query_get(ctx->req->query, "actor", actor, sizeof actor);
	if (rc < 0 || (rc == 1 && !filter_ok(actor, sizeof actor))) {
		h_bad_request(ctx, "invalid actor");
		return;
	}
	if (rc == 1)
		f.actor = actor;
	rc = query_get(ctx->req->query, "action", action, sizeof action);
	if (rc < 0 || (rc == 1 && !filter_ok(action, sizeof action))) {
		h_bad_request(ctx, "invalid action");
		return;
	}
	if (rc == 1)
		f.action = action;
	if (db_audit_list(ctx->db, &f, &ev, &n, err, sizeof err) != DB_OK) {
		h_internal(ctx, "audit list", err);
		return;
	}
	a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();
		struct json_object *detail = ev[i].detail ? json_tokener_parse(ev[i].detail) : NULL;
		json_object_object_add(e, "id", json_object_new_int64(ev[i].id));
		h_add_time(e, "at", ev[i].at);
		json_object_object_add(e, "request_id",
				       json_new_string_or_null(
					       ev[i].request_id[0] ? ev[i].request_id : NULL));
		json_object_object_add(e, "actor", json_object_new_string(ev[i].actor));
		json_object_object_add(e, "action", json_object_new_string(ev[i].action));
		json_object_object_add(e, "target", json_object_new_string(ev[i].target));
		if (!json_object_is_type(detail, json_type_object)) {
			json_object_put(detail);
			detail = json_object_new_object();
		}
		json_object_object_add(e, "detail", detail);
		json_object_array_add(a, e);
	}
	db_audit_list_free(ev, n);
	o = json_object_new_object();
	json_object_object_add(o, "events", a);
	response_json(ctx->resp, 200, o);
}
