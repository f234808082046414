/* h_private.c: who may pass a private app's origin, and how a browser gets in.
 *
 * A private app's origin (<id>.<apps_domain>) lets in only its owner and admins. That
 * origin never sees the frontend's token, so it has a session of its own, a cookie of
 * that origin alone, reached in two steps:
 *
 *   POST /api/apps/{app}/open   (owner or admin; anyone else: 404) -> 200
 *        {url, expires_at}: url is https://<id>.<apps_domain>[:port]/__appforge/session
 *        ?code=<one-time code>; the code (random, 256 bits) is stored hashed, bound to
 *        the app and the caller, and expires in APP_CODE_SECONDS. An optional body
 *        {"embed": true} asks for a code whose cookie works in a frame of the frontend
 *        (see cookie_line).
 *   GET /internal/app-session?code=&next=   nginx's /__appforge/session on the app's
 *        origin (it alone sets APP_ID): burns the code whatever happens next, checks it
 *        was made for this app, is not expired, and its user is still active and the
 *        owner or an admin; then sets __Host-af_app (HttpOnly, Secure, SameSite=Lax,
 *        Path=/, no Domain; stored hashed, APP_COOKIE_SECONDS; an embed code's cookie
 *        is SameSite=None; Partitioned instead) and answers 303 to next
 *        (a same-origin path, "/" by default). Audited as app.open, or app.admin_access
 *        (with the owner) when the user does not own the app. Refusals: 400 (no code,
 *        bad next), 403 (unknown, used, expired or foreign code).
 *
 * h_private_admit is the resolve's check (h_internal.c) for a private app: one indexed
 * lookup of the cookie's hash (db_grant_cookie_ok), which also ends a cookie whose user
 * was disabled, deleted, changed password, or is no longer the owner or an admin. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "common/apitoken.h"
#include "common/json.h"
#include "common/log.h"
#include "db/db_grants.h"
#include "fcgi/handler.h"

#define APP_COOKIE "__Host-af_app"
#define APP_CODE_SECONDS 60
#define APP_COOKIE_SECONDS (12LL * 3600)
#define NEXT_MAX 512

/* The optional body of /open: {"embed": bool}. 0 with *embed set, or -1 after
 * answering 400/415. */
static int open_body(struct hctx *ctx, int *embed)
{
	static const char *const keys[] = { "embed", NULL };
	char err[256];
	struct json_object *body;
	int rc;

	*embed = 0;
	if (ctx->req->content_length == 0)
		return 0;
	if (!(body = h_body_object(ctx)))
		return -1;
	rc = json_check_keys(body, keys, err, sizeof err) < 0 ||
			     json_get_bool(body, "embed", JSON_OPTIONAL, embed, err, sizeof err) < 0
		     ? -1
		     : 0;
	json_object_put(body);
	if (rc < 0)
		h_bad_request(ctx, err);
	return rc;
}

void h_app_open(struct hctx *ctx)
{
	char err[256], code[APITOKEN_BUFSZ], hash[APITOKEN_HASH_BUFSZ], origin[320], url[512];
	const char *owner = ctx->who.admin ? NULL : ctx->who.user_id;
	struct json_object *o;
	struct db_app a;
	int rc, embed;

	if (open_body(ctx, &embed) < 0)
		return;
	memset(&a, 0, sizeof a);
	rc = db_app_get(ctx->db, ctx->param, owner, &a, err, sizeof err);
	db_app_clear(&a);
	if (rc == DB_NOTFOUND)
		return h_not_found(ctx);
	if (rc != DB_OK)
		return h_internal(ctx, "open: app", err);
	if (apisecret_new(APPCODE_PREFIX, code, hash) < 0)
		return h_internal(ctx, "open", "no randomness");
	rc = db_grant_insert(ctx->db, embed ? "embed" : "code", hash, ctx->param, ctx->who.user_id,
			     ctx->now, ctx->now + APP_CODE_SECONDS, err, sizeof err);
	if (rc == DB_NOTFOUND) /* the app went meanwhile (foreign key) */
		rc = DB_ERR;
	if (rc != DB_OK) {
		explicit_bzero(code, sizeof code);
		return h_internal(ctx, "open: code", err);
	}
	h_app_origin(ctx->conf, ctx->param, origin, sizeof origin);
	snprintf(url, sizeof url, "%s/__appforge/session?code=%s", origin, code);
	explicit_bzero(code, sizeof code);
	o = json_object_new_object();
	json_object_object_add(o, "url", json_object_new_string(url));
	h_add_time(o, "expires_at", ctx->now + APP_CODE_SECONDS);
	explicit_bzero(url, sizeof url);
	response_header(ctx->resp, "Cache-Control", "no-store");
	response_json(ctx->resp, 200, o);
}

/* A path of this origin to land on: "/" then URL characters only, never "//" (another
 * host) nor a backslash (which browsers read as a slash). */
static bool next_valid(const char *p)
{
	if (p[0] != '/' || p[1] == '/' || strlen(p) > NEXT_MAX)
		return false;
	for (; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    "-._~!$&'()*+,;=:@/?%",
			    *p))
			return false;
	return true;
}

static void session_refused(struct hctx *ctx, int status, const char *why)
{
	log_info("app session for %s refused: %s", ctx->req->internal_app, why);
	response_error(ctx->resp, status, status == 400 ? "invalid_request" : "forbidden", why);
}

/* Inside the caller's transaction: what was granted by the code g may still be used on
 * this origin. NULL when it may (*owner filled), else why not; DB_ERR in *rc on a
 * database error. */
static const char *grant_usable(struct hctx *ctx, const struct db_grant *g,
				char owner[ID_MAX_BUFSZ], int *rc, char *err, size_t errlen)
{
	struct db_user u;
	struct db_app a;

	if (strcmp(g->app_id, ctx->req->internal_app) != 0)
		return "this code was made for another app";
	if (g->expires_at <= ctx->now)
		return "this code has expired";
	memset(&a, 0, sizeof a);
	*rc = db_app_get(ctx->db, g->app_id, NULL, &a, err, errlen);
	if (*rc == DB_OK)
		util_copy(owner, ID_MAX_BUFSZ, a.owner);
	db_app_clear(&a);
	if (*rc == DB_OK)
		*rc = db_user_get(ctx->db, g->user_id, &u, err, errlen);
	if (*rc == DB_NOTFOUND) {
		*rc = DB_OK;
		return "the app or its user is gone";
	}
	if (*rc != DB_OK)
		return "database";
	if (u.disabled)
		return "the user is disabled";
	if (strcmp(u.id, owner) != 0 && strcmp(u.role, "admin") != 0)
		return "the user may no longer open this app";
	util_copy(ctx->who.user_id, sizeof ctx->who.user_id, u.id); /* the audit's actor */
	ctx->who.present = true;
	return NULL;
}

/* Inside the caller's transaction: stores the cookie's hash and audits the opening. */
static int grant_cookie(struct hctx *ctx, const char *owner, const char *hash, char *err,
			size_t errlen)
{
	bool admin = strcmp(owner, ctx->who.user_id) != 0;
	struct json_object *d = json_object_new_object();
	int rc;

	rc = db_grant_insert(ctx->db, "cookie", hash, ctx->req->internal_app, ctx->who.user_id,
			     ctx->now, ctx->now + APP_COOKIE_SECONDS, err, errlen);
	if (admin)
		json_object_object_add(d, "owner", json_object_new_string(owner));
	json_object_object_add(d, "address", json_new_string_or_null(ctx->req->remote_addr));
	if (rc == DB_OK)
		rc = h_audit(ctx, admin ? "app.admin_access" : "app.open", ctx->req->internal_app,
			     d, err, errlen);
	json_object_put(d);
	return rc;
}

/* Burns the code of hash and, when it is good, grants a cookie of hash chash, in one
 * transaction. NULL on success, else why it is refused; *rc DB_ERR on a database error. */
static const char *exchange(struct hctx *ctx, const char *hash, const char *chash,
			    struct db_grant *g, int *rc, char *err, size_t errlen)
{
	char owner[ID_MAX_BUFSZ] = "";
	const char *why = NULL;

	*rc = db_begin(ctx->db, err, errlen);
	if (*rc == DB_OK)
		*rc = db_grant_burn_code(ctx->db, hash, g, err, errlen);
	if (*rc == DB_NOTFOUND) {
		*rc = DB_OK;
		why = "this code is unknown or was already used";
	} else if (*rc == DB_OK) {
		why = grant_usable(ctx, g, owner, rc, err, errlen);
		if (!why)
			*rc = grant_cookie(ctx, owner, chash, err, errlen);
	}
	if (*rc == DB_OK)
		*rc = db_commit(ctx->db, err, errlen); /* a refused code stays burnt */
	if (*rc != DB_OK)
		db_rollback(ctx->db);
	return why;
}

/* The Set-Cookie value of token tok into line. A top-level visit gets SameSite=Lax.
 * The frontend's preview frame cannot: the apps' domain is a public suffix, so an app's
 * origin is another site than the frontend's, and browsers refuse a Lax cookie set in a
 * cross-site frame (Chromium does, measured by tests/web/test_browser.js). An embed
 * code's cookie is SameSite=None and Partitioned (CHIPS): the browser keeps it for
 * frames under the frontend's site only, so no other site's page or form carries it. */
static void cookie_line(char *line, size_t size, const char *tok, bool embed)
{
	snprintf(line, size, "%s=%s; Path=/; Max-Age=%lld; Secure; HttpOnly; %s", APP_COOKIE, tok,
		 APP_COOKIE_SECONDS, embed ? "SameSite=None; Partitioned" : "SameSite=Lax");
}

/* Reads code and next from the query. 0, or -1 after answering 400. */
static int session_query(struct hctx *ctx, char *code, size_t codelen, char *next, size_t nextlen)
{
	int rc = query_get(ctx->req->query, "code", code, codelen);

	if (rc != 1) {
		session_refused(ctx, 400, rc == 0 ? "the link has no code" : "malformed code");
		return -1;
	}
	rc = query_get(ctx->req->query, "next", next, nextlen);
	if (rc == 0)
		util_copy(next, nextlen, "/");
	if (rc < 0 || !next_valid(next)) {
		session_refused(ctx, 400, "next must be a path of this origin");
		return -1;
	}
	return 0;
}

void h_app_session(struct hctx *ctx)
{
	char err[256] = "", code[128], next[NEXT_MAX + 2], line[160];
	char hash[APITOKEN_HASH_BUFSZ], tok[APITOKEN_BUFSZ], chash[APITOKEN_HASH_BUFSZ];
	const char *why;
	struct db_grant g;
	int rc;

	if (!ctx->req->internal_app || !id_valid_app(ctx->req->internal_app))
		return h_not_found(ctx); /* only nginx's app-origin location sets APP_ID */
	if (session_query(ctx, code, sizeof code, next, sizeof next) < 0)
		return;
	if (apisecret_hash(APPCODE_PREFIX, code, hash) < 0) {
		explicit_bzero(code, sizeof code);
		return session_refused(ctx, 403, "this code is unknown or was already used");
	}
	explicit_bzero(code, sizeof code);
	if (apisecret_new(APPCOOKIE_PREFIX, tok, chash) < 0)
		return h_internal(ctx, "app session", "no randomness");
	why = exchange(ctx, hash, chash, &g, &rc, err, sizeof err);
	if (rc != DB_OK) {
		explicit_bzero(tok, sizeof tok);
		return h_internal(ctx, "app session", err);
	}
	if (why) {
		explicit_bzero(tok, sizeof tok);
		return session_refused(ctx, 403, why);
	}
	cookie_line(line, sizeof line, tok, strcmp(g.kind, "embed") == 0);
	explicit_bzero(tok, sizeof tok);
	response_header(ctx->resp, "Set-Cookie", line);
	explicit_bzero(line, sizeof line);
	response_header(ctx->resp, "Cache-Control", "no-store");
	response_header(ctx->resp, "Referrer-Policy", "no-referrer");
	response_header(ctx->resp, "Location", next);
	response_empty(ctx->resp, 303);
}

int h_private_admit(struct hctx *ctx, const char *app_id)
{
	char err[256], v[APITOKEN_BUFSZ + 1], hash[APITOKEN_HASH_BUFSZ];
	int rc = request_cookie(ctx->req->cookie, APP_COOKIE, v, sizeof v);

	if (rc == 1)
		rc = apisecret_hash(APPCOOKIE_PREFIX, v, hash) == 0 ? 1 : -1;
	explicit_bzero(v, sizeof v);
	if (rc == 1) {
		rc = db_grant_cookie_ok(ctx->db, hash, app_id, ctx->now, err, sizeof err);
		if (rc == DB_OK)
			return 0;
		if (rc != DB_NOTFOUND) {
			h_internal(ctx, "resolve: app cookie", err);
			return -1;
		}
	}
	response_error(ctx->resp, 403, "private", "this app is private");
	return -1;
}
