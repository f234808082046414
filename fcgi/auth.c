/* auth.c: who is calling. A bearer value shaped like an API token ("afk_...") is looked
 * up by its hash; anything else must be a JWT that verifies. In both cases the user
 * must exist in the database and not be disabled, and the database's role wins over a
 * role claim. A JWT issued before the user's last password change is refused. Every
 * failure is the same 401: the reason goes to the log only.
 * A JWT's signature and claims are checked once per process while it is valid
 * (jwtcache.h); the user checks run on every request. */
#include <stdio.h>
#include <string.h>

#include "common/afjwt.h"
#include "common/apitoken.h"
#include "common/jwtcache.h"
#include "common/log.h"
#include "fcgi/handler.h"

static int unauthorized(struct hctx *ctx, const char *why)
{
	log_info("unauthorized: %s", why);
	response_error(ctx->resp, 401, "unauthorized", "missing or invalid credentials");
	return -1;
}

static void set_principal(struct hctx *ctx, const struct db_user *u, const char *via)
{
	ctx->who.present = true;
	util_copy(ctx->who.user_id, sizeof ctx->who.user_id, u->id);
	util_copy(ctx->who.username, sizeof ctx->who.username, u->username);
	ctx->who.admin = strcmp(u->role, "admin") == 0;
	util_copy(ctx->who.via, sizeof ctx->who.via, via);
}

static int auth_api_token(struct hctx *ctx, const char *tok)
{
	char hash[APITOKEN_HASH_BUFSZ], err[256];
	struct db_token t;
	struct db_user u;
	int rc;

	if (apitoken_hash(tok, hash) < 0)
		return unauthorized(ctx, "malformed API token");
	rc = db_token_lookup(ctx->db, hash, ctx->now, &t, &u, err, sizeof err);
	if (rc == DB_NOTFOUND)
		return unauthorized(ctx, "unknown, revoked or expired API token");
	if (rc != DB_OK) {
		h_internal(ctx, "token lookup", err);
		return -1;
	}
	set_principal(ctx, &u, "token");
	util_copy(ctx->who.token_id, sizeof(ctx->who.token_id), t.id);
	ctx->who.expires_at = t.expires_at;
	/* Best effort: a failed last-used update must not fail the request. */
	if (db_token_touch(ctx->db, t.id, ctx->now, err, sizeof err) != DB_OK)
		log_warn("token %s: last_used_at not updated: %s", t.id, err);
	return 0;
}

static int auth_jwt(struct hctx *ctx, const char *tok)
{
	char err[256];
	struct afjwt_claims cl;
	struct db_user u;
	int rc;

	if (!ctx->jwt)
		return unauthorized(ctx, "no JWT verification key configured");
	/* Cached: the signature and claims only; the user is looked up below, always. */
	if (jwtcache_verify(ctx->jwt, tok, ctx->now, &cl, err, sizeof err) < 0)
		return unauthorized(ctx, err);
	if (!id_valid_user(cl.sub))
		return unauthorized(ctx, "JWT subject is not a user id");
	rc = db_user_get(ctx->db, cl.sub, &u, err, sizeof err);
	if (rc == DB_NOTFOUND)
		return unauthorized(ctx, "JWT subject is not a known user");
	if (rc != DB_OK) {
		h_internal(ctx, "user lookup", err);
		return -1;
	}
	if (u.disabled)
		return unauthorized(ctx, "user is disabled");
	if (cl.iat < u.tokens_after)
		return unauthorized(ctx, "JWT issued before the user's last password change");
	set_principal(ctx, &u, "jwt");
	ctx->who.expires_at = cl.exp;
	ctx->who.issued_at = cl.iat;
	return 0;
}

int auth_authenticate(struct hctx *ctx)
{
	const char *authz = ctx->req->authorization, *tok;

	if (!authz || !*authz)
		return unauthorized(ctx, "no Authorization header");
	tok = request_bearer(authz);
	if (!tok)
		return unauthorized(ctx, "Authorization is not a Bearer token");
	if (strncmp(tok, APITOKEN_PREFIX, strlen(APITOKEN_PREFIX)) == 0)
		return auth_api_token(ctx, tok);
	return auth_jwt(ctx, tok);
}
