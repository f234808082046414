/* login_throttle.c: per-account and per-address backoff of failed logins (policy in
 * common/throttle.h), kept in the database so that every worker process sees it.
 *
 * The account key is the name as given, whether such a user exists or not: an unknown
 * name is throttled exactly as a known one, so a 429 tells nothing about existence.
 * A success clears the account's failures but not the address's (else a guesser with
 * an account of their own could reset their address between guesses). IPv6 clients
 * are keyed by their /64, which one client usually owns whole. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "common/log.h"
#include "common/throttle.h"
#include "common/util.h"
#include "fcgi/session.h"

/* The address key of the client ("" when the address is unknown: not throttled). */
static void addr_key(const struct hctx *ctx, char out[INET6_ADDRSTRLEN])
{
	const char *a = ctx->req->remote_addr;
	unsigned char b[16];

	out[0] = 0;
	if (!a || !*a)
		return;
	if (strchr(a, ':') && inet_pton(AF_INET6, a, b) == 1) {
		memset(b + 8, 0, 8);
		if (inet_ntop(AF_INET6, b, out, INET6_ADDRSTRLEN))
			return;
	}
	util_copy(out, INET6_ADDRSTRLEN, a);
}

/* Seconds kind/key must still wait (0: may try); -1 on a database error. */
static long long wait_of(struct hctx *ctx, const char *kind, const char *key, char *err,
			 size_t errlen)
{
	struct db_throttle t;
	struct throttle_state s;
	int rc;

	if (!*key)
		return 0;
	rc = db_throttle_get(ctx->db, kind, key, &t, err, errlen);
	if (rc == DB_NOTFOUND)
		return 0;
	if (rc != DB_OK)
		return -1;
	s.failures = t.failures;
	s.last_failure = t.last_failure;
	s.blocked_until = t.blocked_until;
	return throttle_wait(&s, ctx->now);
}

int login_throttle_check(struct hctx *ctx, const char *username)
{
	char err[256], addr[INET6_ADDRSTRLEN], secs[24];
	long long wu, wa;

	addr_key(ctx, addr);
	wu = wait_of(ctx, "user", username, err, sizeof(err));
	wa = wu < 0 ? -1 : wait_of(ctx, "addr", addr, err, sizeof(err));
	if (wu < 0 || wa < 0) {
		h_internal(ctx, "login throttle", err);
		return -1;
	}
	if (wu == 0 && wa == 0)
		return 0;
	log_info("login throttled for %lld s (%s)", wu > wa ? wu : wa,
		 wu > wa ? "account" : "address");
	snprintf(secs, sizeof(secs), "%lld", wu > wa ? wu : wa);
	response_error(ctx->resp, 429, "rate_limited",
		       "too many failed attempts; retry after the time in Retry-After");
	response_header(ctx->resp, "Retry-After", secs);
	return -1;
}

static int record(struct hctx *ctx, const struct throttle_policy *p, const char *kind,
		  const char *key, char *err, size_t errlen)
{
	struct db_throttle t;
	struct throttle_state s;
	int rc;

	if (!*key)
		return DB_OK;
	rc = db_throttle_get(ctx->db, kind, key, &t, err, errlen);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return DB_ERR;
	s.failures = t.failures;
	s.last_failure = t.last_failure;
	s.blocked_until = t.blocked_until;
	throttle_fail(p, &s, ctx->now);
	t.failures = s.failures;
	t.last_failure = s.last_failure;
	t.blocked_until = s.blocked_until;
	return db_throttle_put(ctx->db, kind, key, &t, err, errlen);
}

/* The name as given, cut to DB_USERNAME_MAX bytes on a character boundary (the JSON
 * writer escapes quotes and control characters). */
static void given_name(const char *username, char out[DB_USERNAME_MAX + 1])
{
	size_t n = strnlen(username, DB_USERNAME_MAX + 1);

	if (n > DB_USERNAME_MAX) {
		n = DB_USERNAME_MAX;
		while (n > 0 && ((unsigned char)username[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, username, n);
	out[n] = 0;
}

int login_throttle_failed(struct hctx *ctx, const char *username, const char *action)
{
	char err[256], addr[INET6_ADDRSTRLEN], name[DB_USERNAME_MAX + 1];
	const char *ra = ctx->req->remote_addr;
	struct json_object *d = json_object_new_object();
	int quiet = throttle_user.window > throttle_addr.window ? throttle_user.window
								 : throttle_addr.window;

	addr_key(ctx, addr);
	given_name(username, name);
	json_object_object_add(d, "username", json_object_new_string(name));
	json_object_object_add(d, "address", json_object_new_string(ra ? ra : ""));
	if (db_begin(ctx->db, err, sizeof(err)) != DB_OK ||
	    record(ctx, &throttle_user, "user", username, err, sizeof(err)) != DB_OK ||
	    record(ctx, &throttle_addr, "addr", addr, err, sizeof(err)) != DB_OK ||
	    db_throttle_prune(ctx->db, ctx->now - quiet, ctx->now, err, sizeof(err)) != DB_OK ||
	    h_audit(ctx, action, "", d, err, sizeof(err)) != DB_OK ||
	    db_commit(ctx->db, err, sizeof(err)) != DB_OK) {
		db_rollback(ctx->db);
		json_object_put(d);
		h_internal(ctx, "login failure record", err);
		return -1;
	}
	json_object_put(d);
	return 0;
}

int login_throttle_succeeded(struct hctx *ctx, const char *username, char *err, size_t errlen)
{
	return db_throttle_clear(ctx->db, "user", username, err, errlen);
}
