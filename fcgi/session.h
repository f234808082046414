/* session.h: what login, refresh, logout and password change share (login_throttle.c,
 * session.c; used by h_account.c and h_password.c). Same conventions as handler.h: a
 * function returning -1 has answered. */
#ifndef AF_SESSION_H
#define AF_SESSION_H

#include "fcgi/handler.h"

#define SESSION_COOKIE "__Host-af_refresh"
#define SESSION_MAX_SECONDS (30LL * 86400) /* a family ends 30 days after the login */
#define SESSION_IDLE_SECONDS (7LL * 86400) /* ... or after 7 days without a refresh */
#define SESSION_KEEP 20                    /* live sessions per user; older: revoked */

/* login_throttle.c. Call before any password hash is computed: 0 if username (the name
 * as given) and the client's address may try now (the attempt is then counted on the
 * account until a success clears it), else -1 after answering 429 rate_limited with
 * Retry-After (or 500). */
int login_throttle_check(struct hctx *ctx, const char *username);
/* Records a failed password for the client's address, and appends the audit event
 * action ("login.failed", "password.failed") with the name given (truncated) and the
 * address, in one transaction. 0, or -1 after answering 500. */
int login_throttle_failed(struct hctx *ctx, const char *username, const char *action);
/* Forgets the failures of username (after a right password), inside the caller's
 * transaction. DB_OK or DB_ERR. */
int login_throttle_succeeded(struct hctx *ctx, const char *username, char *err, size_t errlen);

/* session.c. Starts a session for u: a new refresh token family (its cookie set on the
 * response) and an access JWT added to o as token, token_type and expires_at. The
 * user's throttle state is cleared in the same transaction. 0, or -1 after answering
 * 500 (o is then left to the caller to put). */
int session_start(struct hctx *ctx, const struct db_user *u, struct json_object *o);

#endif
