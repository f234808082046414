/* login_throttle.c: per-account and per-address backoff of failed logins (policy in
 * common/throttle.h), kept in the database so that every worker process sees it.
 *
 * The account key is the name as given, whether such a user exists or not: an unknown
 * name is throttled exactly as a known one, so a 429 tells nothing about existence.
 * An account counts attempts (from the check on, cleared by a success); an address
 * counts failures only, and a success does not clear them (else a guesser with an
 * account of their own could reset their address between guesses). IPv6 clients
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

/* The state of kind/key into *st (zeroed when there is none, or when key is "").
 * DB_OK or DB_ERR. */
static int load(struct hctx *ctx, const char *kind, const char *key, struct throttle_state *st,
		char *err, size_t errlen)
{
	struct db_throttle t;
	int rc;

	memset(st, 0, sizeof *st);
	if (!*key)
		return DB_OK;
	rc = db_throttle_get(ctx->db, kind, key, &t, err, errlen);
	if (rc == DB_NOTFOUND)
		return DB_OK;
	if (rc != DB_OK)
		return DB_ERR;
	st->failures = t.failures;
	st->last_failure = t.last_failure;
	st->blocked_until = t.blocked_until;
	return DB_OK;
}

/* Counts one failure at now on kind/key (nothing for key ""). DB_OK or DB_ERR. */
static int count(struct hctx *ctx, const struct throttle_policy *p, const char *kind,
		 const char *key, char *err, size_t errlen)
{
	struct throttle_state st;
	struct db_throttle t;

	if (!*key)
		return DB_OK;
	if (load(ctx, kind, key, &st, err, errlen) != DB_OK)
		return DB_ERR;
	throttle_fail(p, &st, ctx->now);
	t.failures = st.failures;
	t.last_failure = st.last_failure;
	t.blocked_until = st.blocked_until;
	return db_throttle_put(ctx->db, kind, key, &t, err, errlen);
}

/* How long the account or the address must still wait: *wu and *wa. With count, in
 * the same transaction, the attempt is counted on the account when neither must wait.
 * DB_OK or DB_ERR. */
static int waits(struct hctx *ctx, const char *username, const char *addr, int count_it,
		 long long *wu, long long *wa, char *err, size_t errlen)
{
	struct throttle_state su, sa;

	if (load(ctx, "user", username, &su, err, errlen) != DB_OK ||
	    load(ctx, "addr", addr, &sa, err, errlen) != DB_OK)
		return DB_ERR;
	*wu = throttle_wait(&su, ctx->now);
	*wa = throttle_wait(&sa, ctx->now);
	if (!count_it || *wu || *wa)
		return DB_OK;
	return count(ctx, &throttle_user, "user", username, err, errlen);
}

/* An attempt is counted on the account before its password is checked (a success
 * clears the count), in the transaction that checks the waits, so a burst of parallel
 * guesses cannot all pass before the first of them has failed. A first read without
 * the write lock answers the attempts that must wait: under attack, most of them. */
int login_throttle_check(struct hctx *ctx, const char *username)
{
	char err[256] = "", addr[INET6_ADDRSTRLEN], secs[24];
	long long wu = 0, wa = 0;
	int rc;

	addr_key(ctx, addr);
	rc = waits(ctx, username, addr, 0, &wu, &wa, err, sizeof err);
	if (rc == DB_OK && wu == 0 && wa == 0) {
		rc = db_begin(ctx->db, err, sizeof err);
		if (rc == DB_OK)
			rc = waits(ctx, username, addr, 1, &wu, &wa, err, sizeof err);
		if (rc == DB_OK)
			rc = db_commit(ctx->db, err, sizeof err);
		if (rc != DB_OK)
			db_rollback(ctx->db);
	}
	if (rc != DB_OK) {
		h_internal(ctx, "login throttle", err);
		return -1;
	}
	if (wu == 0 && wa == 0)
		return 0;
	log_info("login throttled for %lld s (%s)", wu > wa ? wu : wa,
		 wu > wa ? "account" : "address");
	snprintf(secs, sizeof secs, "%lld", wu > wa ? wu : wa);
	response_error(ctx->resp, 429, "rate_limited",
		       "too many failed attempts; retry after the time in Retry-After");
	response_header(ctx->resp, "Retry-After", secs);
	return -1;
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
	if (db_begin(ctx->db, err, sizeof err) != DB_OK ||
	    count(ctx, &throttle_addr, "addr", addr, err, sizeof err) != DB_OK ||
	    db_throttle_prune(ctx->db, ctx->now - quiet, ctx->now, err, sizeof err) != DB_OK ||
	    h_audit(ctx, action, "", d, err, sizeof err) != DB_OK ||
	    db_commit(ctx->db, err, sizeof err) != DB_OK) {
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
