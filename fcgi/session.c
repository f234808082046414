/* session.c: browser sessions that survive reloads. Login starts a family of refresh
 * tokens, sent only as the __Host-af_refresh cookie (HttpOnly, Secure,
 * SameSite=Strict, Path=/); POST /api/auth/refresh trades the cookie for a new access
 * JWT and a new cookie of the same family; the database keeps only the hash of the
 * family's current token, so presenting an older one is a replay (the cookie was
 * copied) and revokes the family. Logout revokes the family of the cookie; a password
 * change (h_password.c) revokes every family of the user; a deleted user's sessions go
 * with the user.
 *
 * Refresh and logout act on a cookie the browser attaches by itself, so they also
 * require X-Requested-With: appforge (a header no form or simple cross-site request can
 * carry) and an Origin that is the public host or one of cors_origins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/afjwt.h"
#include "common/apitoken.h"
#include "common/json.h"
#include "common/log.h"
#include "fcgi/session.h"

static void set_cookie(struct hctx *ctx, const char *value, long long max_age)
{
	char line[256];

	snprintf(line, sizeof line,
		 "%s=%s; Path=/; Max-Age=%lld; Secure; HttpOnly; SameSite=Strict", SESSION_COOKIE,
		 value, max_age);
	response_header(ctx->resp, "Set-Cookie", line);
	explicit_bzero(line, sizeof line);
}

static void clear_cookie(struct hctx *ctx)
{
	set_cookie(ctx, "", 0);
}

/* host is public_host, alone or with a port. */
static bool is_public_host(const char *host, const char *public_host)
{
	size_t n = strlen(public_host);

	if (strncmp(host, public_host, n) != 0)
		return false;
	if (host[n] == 0)
		return true;
	if (host[n] != ':' || !host[n + 1])
		return false;
	for (const char *p = host + n + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static bool origin_allowed(const struct hctx *ctx)
{
	const char *o = ctx->req->origin, *h = ctx->req->host, *list = ctx->conf->cors_origins;
	size_t n;

	if (!o || !*o)
		return false;
	if (h && strncmp(o, "https://", 8) == 0 && strcmp(o + 8, h) == 0 &&
	    is_public_host(h, ctx->conf->public_host))
		return true;
	n = strlen(o);
	for (const char *p = list ? list : ""; *p;) {
		size_t len = strcspn(p, " \t");
		if (len == n && strncmp(p, o, n) == 0)
			return true;
		p += len;
		p += strspn(p, " \t");
	}
	return false;
}

/* 0 if the request may act on the session cookie, else -1 after answering 403. */
static int csrf_check(struct hctx *ctx)
{
	const char *why = NULL;

	if (!ctx->req->requested_with || strcmp(ctx->req->requested_with, "appforge") != 0)
		why = "this request needs the header X-Requested-With: appforge";
	else if (!origin_allowed(ctx))
		why = "this request needs an allowed Origin";
	if (!why)
		return 0;
	response_error(ctx->resp, 403, "forbidden", why);
	return -1;
}

/* Adds token, token_type and expires_at for u to o. 0, or -1 after answering 500. */
static int issue_access(struct hctx *ctx, const struct db_user *u, struct json_object *o)
{
	char err[256], *tok = NULL;
	long long exp = 0;

	if (!ctx->jwt ||
	    afjwt_issue(ctx->jwt, u->id, u->role, ctx->now, &tok, &exp, err, sizeof err) < 0) {
		h_internal(ctx, "issue token", ctx->jwt ? err : "no JWT context");
		return -1;
	}
	json_object_object_add(o, "token", json_object_new_string(tok));
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	h_add_time(o, "expires_at", exp);
	explicit_bzero(tok, strlen(tok));
	free(tok);
	return 0;
}

/* The cookie's lifetime: until the family ends or idles out, whichever is first. */
static long long cookie_age(const struct db_session *s, long long now)
{
	long long left = s->expires_at - now;

	return left < SESSION_IDLE_SECONDS ? left : SESSION_IDLE_SECONDS;
}

int session_start(struct hctx *ctx, const struct db_user *u, struct json_object *o)
{
	char err[256], tok[REFRESH_BUFSZ];
	struct db_session s;

	memset(&s, 0, sizeof s);
	if (refresh_token_new(s.id, tok, s.token_hash) < 0) {
		h_internal(ctx, "session start", "no randomness");
		return -1;
	}
	util_copy(s.user_id, sizeof s.user_id, u->id);
	s.created_at = s.refreshed_at = ctx->now;
	s.expires_at = ctx->now + SESSION_MAX_SECONDS;
	if (db_begin(ctx->db, err, sizeof err) != DB_OK ||
	    db_session_insert(ctx->db, &s, err, sizeof err) != DB_OK ||
	    db_session_prune(ctx->db, u->id, ctx->now, ctx->now - SESSION_IDLE_SECONDS,
			     ctx->now - 86400, SESSION_KEEP, err, sizeof err) != DB_OK ||
	    login_throttle_succeeded(ctx, u->username, err, sizeof err) != DB_OK ||
	    db_commit(ctx->db, err, sizeof err) != DB_OK) {
		db_rollback(ctx->db);
		explicit_bzero(tok, sizeof tok);
		h_internal(ctx, "session start", err);
		return -1;
	}
	if (issue_access(ctx, u, o) < 0) {
		explicit_bzero(tok, sizeof tok);
		return -1;
	}
	set_cookie(ctx, tok, cookie_age(&s, ctx->now));
	explicit_bzero(tok, sizeof tok);
	return 0;
}

/* Answers 401 for a refresh that cannot go on, and drops the browser's cookie. */
static void refresh_refused(struct hctx *ctx, const char *why)
{
	log_info("refresh refused: %s", why);
	clear_cookie(ctx);
	response_error(ctx->resp, 401, "unauthorized", "no valid session; log in again");
}

/* The session cookie's id and hash. 1 when there is a well-formed one, 0 when there
 * is none, -1 when it is malformed or given twice. */
static int session_cookie(const struct hctx *ctx, char sid[REFRESH_SID_BUFSZ],
			  char hash[APITOKEN_HASH_BUFSZ])
{
	char v[REFRESH_BUFSZ];
	int rc = request_cookie(ctx->req->cookie, SESSION_COOKIE, v, sizeof v);

	if (rc == 1 && refresh_token_parse(v, sid, hash) < 0)
		rc = -1;
	explicit_bzero(v, sizeof v);
	return rc;
}

/* A replayed token: the family is revoked, in the caller's transaction. The session id
 * is only shown cut to 6 characters: whoever knows a whole one can end that session
 * (by presenting it with any secret). */
static int revoke_replayed(struct hctx *ctx, const struct db_session *s, char *err, size_t errlen)
{
	struct json_object *d = json_object_new_object();
	char shown[7];
	int rc;

	util_copy(shown, sizeof shown, s->id);
	log_warn("session %s...: a rotated refresh token was presented again; family revoked",
		 shown);
	json_object_object_add(d, "session", json_object_new_string(shown));
	json_object_object_add(d, "address", json_new_string_or_null(ctx->req->remote_addr));
	rc = db_session_revoke(ctx->db, s->id, "reuse", ctx->now, err, errlen);
	if (rc == DB_OK)
		rc = h_audit(ctx, "session.reuse", s->user_id, d, err, errlen);
	json_object_put(d);
	return rc;
}

/* Inside an open transaction: checks the presented token against its session s and,
 * when it is the current one of a live session of an active user, rotates it. Returns
 * NULL with *u and newtok filled, or why the refresh is refused (a replay has then
 * revoked the family: commit). DB_ERR in *rc on a database error (err). */
static const char *rotate(struct hctx *ctx, const char *sid, const char *hash, struct db_user *u,
			  char newtok[REFRESH_BUFSZ], struct db_session *s, int *rc, char *err,
			  size_t errlen)
{
	char nsid[REFRESH_SID_BUFSZ], nhash[APITOKEN_HASH_BUFSZ];

	*rc = db_session_get(ctx->db, sid, s, err, errlen);
	if (*rc == DB_NOTFOUND)
		return "unknown session";
	if (*rc != DB_OK)
		return "database";
	if (s->revoked_at)
		return "revoked session";
	if (!util_ct_streq(s->token_hash, hash)) {
		*rc = revoke_replayed(ctx, s, err, errlen);
		return "replayed refresh token";
	}
	if (s->expires_at <= ctx->now || s->refreshed_at < ctx->now - SESSION_IDLE_SECONDS)
		return "expired session";
	*rc = db_user_get(ctx->db, s->user_id, u, err, errlen);
	if (*rc == DB_NOTFOUND || (*rc == DB_OK && u->disabled))
		return "user gone or disabled";
	if (*rc != DB_OK)
		return "database";
	util_copy(nsid, sizeof nsid, sid);
	if (refresh_token_new(nsid, newtok, nhash) < 0) {
		snprintf(err, errlen, "no randomness");
		*rc = DB_ERR;
		return "randomness";
	}
	*rc = db_session_rotate(ctx->db, sid, hash, nhash, ctx->now, err, errlen);
	return *rc == DB_OK ? NULL : "database";
}

void h_auth_refresh(struct hctx *ctx)
{
	char err[256] = "", sid[REFRESH_SID_BUFSZ], hash[APITOKEN_HASH_BUFSZ];
	char tok[REFRESH_BUFSZ] = "";
	const char *refused;
	struct db_session s;
	struct db_user u;
	struct json_object *o;
	int rc;

	if (csrf_check(ctx) < 0)
		return;
	rc = session_cookie(ctx, sid, hash);
	if (rc != 1) {
		refresh_refused(ctx, rc == 0 ? "no session cookie" : "malformed session cookie");
		return;
	}
	refused = NULL;
	rc = db_begin(ctx->db, err, sizeof err);
	if (rc == DB_OK)
		refused = rotate(ctx, sid, hash, &u, tok, &s, &rc, err, sizeof err);
	if ((rc != DB_OK && rc != DB_NOTFOUND) || db_commit(ctx->db, err, sizeof err) != DB_OK) {
		db_rollback(ctx->db);
		explicit_bzero(tok, sizeof tok);
		h_internal(ctx, "refresh", err);
		return;
	}
	if (refused) {
		refresh_refused(ctx, refused);
		return;
	}
	o = json_object_new_object();
	if (issue_access(ctx, &u, o) < 0) {
		json_object_put(o);
		explicit_bzero(tok, sizeof tok);
		return;
	}
	set_cookie(ctx, tok, cookie_age(&s, ctx->now));
	explicit_bzero(tok, sizeof tok);
	response_json(ctx->resp, 200, o);
}

void h_auth_logout(struct hctx *ctx)
{
	char err[256], sid[REFRESH_SID_BUFSZ], hash[APITOKEN_HASH_BUFSZ];
	int rc;

	if (csrf_check(ctx) < 0)
		return;
	if (session_cookie(ctx, sid, hash) == 1) {
		rc = db_session_revoke(ctx->db, sid, "logout", ctx->now, err, sizeof err);
		if (rc != DB_OK && rc != DB_NOTFOUND) {
			h_internal(ctx, "logout", err);
			return;
		}
	}
	clear_cookie(ctx);
	response_empty(ctx->resp, 204);
}
