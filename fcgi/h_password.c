/* h_password.c: POST /api/me/password. The current password is checked like a login
 * (throttled per account and address, failures audited as password.failed); the new
 * one must meet the policy. The change revokes every session of the user and, through
 * users.tokens_after, the access JWTs issued before it; a caller logged in with a JWT
 * gets a new session at once (an API token caller has no browser session). */
#include <string.h>

#include <json-c/json.h>

#include "common/json.h"
#include "common/log.h"
#include "common/password.h"
#include "fcgi/session.h"

/* Checks the caller's current password (throttled like a login). 1 if right, 0 after
 * answering (429, 403 or 500), -1 after answering 500 for a database error. */
static int current_password_ok(struct hctx *ctx, const char *pw, struct db_user *u)
{
	char err[256];

	if (login_throttle_check(ctx, ctx->who.username) < 0)
		return 0;
	if (db_user_get(ctx->db, ctx->who.user_id, u, err, sizeof err) != DB_OK) {
		h_internal(ctx, "password change: user", err);
		return 0;
	}
	if (password_verify(u->password_hash, pw))
		return 1;
	if (login_throttle_failed(ctx, ctx->who.username, "password.failed") == 0)
		response_error(ctx->resp, 403, "invalid_credentials",
			       "the current password is wrong");
	return 0;
}

/* Sets the new hash and revokes every session of the user, in one transaction. */
static int replace_password(struct hctx *ctx, const char *hash, long long *revoked, char *err,
			    size_t errlen)
{
	struct json_object *d = json_object_new_object();
	int rc = db_begin(ctx->db, err, errlen);

	if (rc == DB_OK)
		rc = db_user_set_password(ctx->db, ctx->who.user_id, hash, ctx->now, err, errlen);
	if (rc == DB_OK)
		rc = db_session_revoke_user(ctx->db, ctx->who.user_id, "password", ctx->now,
					    revoked, err, errlen);
	if (rc == DB_OK)
		rc = login_throttle_succeeded(ctx, ctx->who.username, err, errlen);
	json_object_object_add(d, "sessions_revoked", json_object_new_int64(*revoked));
	rc = h_audit_commit(ctx, rc, "user.password", ctx->who.user_id, d, err, errlen);
	json_object_put(d);
	return rc;
}

void h_me_password(struct hctx *ctx)
{
	static const char *const keys[] = { "current", "new", NULL };
	char err[256], hash[PASSWORD_HASH_BUFSZ];
	const char *cur, *pw;
	struct json_object *body = h_body_object(ctx), *o;
	struct db_user u;
	long long revoked = 0;

	if (!body)
		return;
	if (json_check_keys(body, keys, err, sizeof err) < 0 ||
	    json_get_string(body, "current", JSON_REQUIRED | JSON_NONEMPTY, PASSWORD_MAX_LEN, &cur,
			    NULL, err, sizeof err) < 0 ||
	    json_get_string(body, "new", JSON_REQUIRED, PASSWORD_MAX_LEN, &pw, NULL, err,
			    sizeof err) < 0 ||
	    password_check_policy(pw, err, sizeof err) < 0) {
		h_bad_request(ctx, err);
		goto out;
	}
	if (current_password_ok(ctx, cur, &u) != 1)
		goto out;
	if (password_hash(pw, hash, err, sizeof err) < 0 ||
	    replace_password(ctx, hash, &revoked, err, sizeof err) != DB_OK) {
		h_internal(ctx, "password change", err);
		goto wipe;
	}
	log_info("password changed; %lld sessions revoked", revoked);
	if (strcmp(ctx->who.via, "jwt") != 0) {
		response_empty(ctx->resp, 204); /* an API token caller has no browser session */
		goto wipe;
	}
	o = json_object_new_object();
	if (session_start(ctx, &u, o) < 0)
		json_object_put(o);
	else
		response_json(ctx->resp, 200, o);
wipe:
	explicit_bzero(hash, sizeof hash);
out:
	json_object_put(body);
}
