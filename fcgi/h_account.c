/* h_account.c: health, login, the caller's own account and API tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/afjwt.h"
#include "common/apitoken.h"
#include "common/json.h"
#include "common/log.h"
#include "common/password.h"
#include "fcgi/handler.h"
#include "fcgi/session.h"

void h_health(struct hctx *ctx)
{
	char err[256];
	struct json_object *o;

	if (db_ping(ctx->db, err, sizeof err) != DB_OK) {
		log_error("health: database: %s", err);
		response_error(ctx->resp, 503, "unavailable", "database unavailable");
		return;
	}
	if (h_supervisor_healthy(ctx) < 0)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("ok"));
	response_json(ctx->resp, 200, o);
}

static void invalid_credentials(struct hctx *ctx)
{
	response_error(ctx->resp, 401, "invalid_credentials", "invalid username or password");
}

/* Login: throttled per account name and per address (login_throttle.c) before any hash
 * is computed; then one argon2id verification whether the user exists or not, and the
 * same answer, database writes and audit event (login.failed) for an unknown name as
 * for a wrong password. Success starts a browser session (session.c). */
void h_login(struct hctx *ctx)
{
	static const char *const keys[] = { "username", "password", NULL };
	char err[256];
	const char *username, *pw;
	struct json_object *body = h_body_object(ctx), *o;
	struct db_user u;
	int rc, good, slot;

	memset(&u, 0, sizeof u);
	if (!body)
		return;
	if (json_check_keys(body, keys, err, sizeof err) < 0 ||
	    json_get_string(body, "username", JSON_REQUIRED | JSON_NONEMPTY, DB_USERNAME_MAX,
			    &username, NULL, err, sizeof err) < 0 ||
	    json_get_string(body, "password", JSON_REQUIRED | JSON_NONEMPTY, PASSWORD_MAX_LEN, &pw,
			    NULL, err, sizeof err) < 0) {
		h_bad_request(ctx, err);
		goto out;
	}
	if (login_throttle_check(ctx, username) < 0)
		goto out;
	rc = db_user_get_by_name(ctx->db, username, &u, err, sizeof err);
	if (rc != DB_OK && rc != DB_NOTFOUND) {
		h_internal(ctx, "login: user lookup", err);
		goto out;
	}
	/* argon2id takes a login slot: at most half the workers hash at once. Anyone can
	 * send logins, so none waits for a slot: all busy is 429 at once. */
	if ((slot = h_cpu_slot(ctx, CPUSLOT_LOGIN, 0)) == -1)
		goto out;
	/* Same work whether the user exists or not: one argon2id verification. */
	good = rc == DB_OK ? password_verify(u.password_hash, pw) : password_burn(pw);
	cpuslots_release(slot);
	if (!good || u.disabled) {
		log_info("login failed for a %s user", rc == DB_OK ? "known" : "unknown");
		if (login_throttle_failed(ctx, username, "login.failed") == 0)
			invalid_credentials(ctx);
		goto out;
	}
	o = json_object_new_object();
	if (session_start(ctx, &u, o) < 0) {
		json_object_put(o);
		goto out;
	}
	response_json(ctx->resp, 200, o);
	log_info("login: %s", u.id);
out:
	json_object_put(body);
}

void h_me(struct hctx *ctx)
{
	char err[256];
	struct db_user u;
	long long apps = 0, running = 0;
	struct json_object *o, *q;
	int rc = db_user_get(ctx->db, ctx->who.user_id, &u, err, sizeof err);

	if (rc == DB_OK)
		rc = db_app_count_by_owner(ctx->db, u.id, &apps, err, sizeof err);
	if (rc == DB_OK)
		rc = db_run_count_active_by_owner(ctx->db, u.id, &running, err, sizeof err);
	if (rc != DB_OK) {
		h_internal(ctx, "me", err);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(u.id));
	json_object_object_add(o, "username", json_object_new_string(u.username));
	json_object_object_add(o, "role", json_object_new_string(u.role));
	h_add_time(o, "created_at", u.created_at);
	q = json_object_new_object();
	json_object_object_add(q, "apps", json_object_new_int(ctx->conf->quota_apps));
	json_object_object_add(q, "apps_used", json_object_new_int64(apps));
	json_object_object_add(q, "running", json_object_new_int(ctx->conf->quota_running));
	json_object_object_add(q, "running_used", json_object_new_int64(running));
	json_object_object_add(q, "generations_per_hour",
			       json_object_new_int(ctx->conf->quota_generations_per_hour));
	json_object_object_add(o, "quota", q);
	response_json(ctx->resp, 200, o);
}

static struct json_object *token_to_json(const struct db_token *t)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(t->id));
	json_object_object_add(o, "name", json_object_new_string(t->name));
	json_object_object_add(o, "prefix", json_object_new_string(t->prefix));
	h_add_time(o, "created_at", t->created_at);
	h_add_time(o, "expires_at", t->expires_at);
	h_add_time(o, "last_used_at", t->last_used_at);
	h_add_time(o, "revoked_at", t->revoked_at);
	return o;
}

void h_token_create(struct hctx *ctx)
{
	static const char *const keys[] = { "name", "days", NULL };
	char err[256], secret[APITOKEN_BUFSZ], hash[APITOKEN_HASH_BUFSZ];
	char shown[APITOKEN_SHOWN_BUFSZ];
	const char *name = "api token";
	int64_t days = ctx->conf->token_max_days;
	struct json_object *body = h_body_object(ctx), *o, *d;
	struct db_token t;

	if (!body)
		return;
	/* An API token cannot mint another (which could outlive it): tokens come from a
	 * login session only. */
	if (strcmp(ctx->who.via, "jwt") != 0) {
		response_error(ctx->resp, 403, "forbidden",
			       "API tokens can only be created from a login session");
		goto out;
	}
	if (json_check_keys(body, keys, err, sizeof err) < 0 ||
	    json_get_string(body, "name", JSON_NONEMPTY, DB_TOKEN_NAME_MAX, &name, NULL, err,
			    sizeof err) < 0 ||
	    json_get_int(body, "days", 0, 1, ctx->conf->token_max_days, &days, err, sizeof err) <
		    0) {
		h_bad_request(ctx, err);
		goto out;
	}
	if (h_display_name(ctx, name) < 0)
		goto out;
	memset(&t, 0, sizeof t);
	if (id_new_token(t.id) < 0 || apitoken_new(secret, hash, shown) < 0) {
		h_internal(ctx, "token create", "no randomness");
		goto out;
	}
	util_copy(t.user_id, sizeof t.user_id, ctx->who.user_id);
	util_copy(t.name, sizeof t.name, name);
	util_copy(t.prefix, sizeof t.prefix, shown);
	t.expires_at = ctx->now + days * 86400;
	d = json_object_new_object();
	json_object_object_add(d, "name", json_object_new_string(name));
	json_object_object_add(d, "days", json_object_new_int64(days));
	if (db_begin(ctx->db, err, sizeof err) != DB_OK ||
	    db_token_insert(ctx->db, &t, hash, err, sizeof err) != DB_OK ||
	    h_audit(ctx, "token.create", t.id, d, err, sizeof err) != DB_OK ||
	    db_commit(ctx->db, err, sizeof err) != DB_OK) {
		db_rollback(ctx->db);
		json_object_put(d);
		h_internal(ctx, "token create", err);
		goto wipe;
	}
	json_object_put(d);
	o = token_to_json(&t);
	json_object_object_add(o, "token", json_object_new_string(secret));
	response_json(ctx->resp, 201, o); /* o (and its copy of the secret) is freed here */
wipe:
	explicit_bzero(secret, sizeof secret);
out:
	json_object_put(body);
}

void h_token_list(struct hctx *ctx)
{
	char err[256];
	struct db_token *t = NULL;
	size_t n = 0;
	struct json_object *o, *a;

	if (db_token_list(ctx->db, ctx->who.user_id, &t, &n, err, sizeof err) != DB_OK) {
		h_internal(ctx, "token list", err);
		return;
	}
	a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		if (!t[i].revoked_at) /* a revoked token is gone for its owner */
			json_object_array_add(a, token_to_json(&t[i]));
	free(t);
	o = json_object_new_object();
	json_object_object_add(o, "tokens", a);
	response_json(ctx->resp, 200, o);
}

void h_token_delete(struct hctx *ctx)
{
	char err[256];
	int rc;

	if (!id_valid_token(ctx->param)) {
		h_not_found(ctx);
		return;
	}
	rc = db_begin(ctx->db, err, sizeof err);
	if (rc == DB_OK)
		rc = db_token_revoke(ctx->db, ctx->param, ctx->who.user_id, ctx->now, err,
				     sizeof err);
	rc = h_audit_commit(ctx, rc, "token.revoke", ctx->param, NULL, err, sizeof err);
	if (rc == DB_NOTFOUND)
		h_not_found(ctx);
	else if (rc != DB_OK)
		h_internal(ctx, "token revoke", err);
	else
		response_empty(ctx->resp, 204);
}
