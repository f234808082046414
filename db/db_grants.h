/* db_grants.h: the grants of a private app's origin in the database (table app_grants):
 * one-time codes (kind "code") and the __Host-af_app cookies they are exchanged for
 * (kind "cookie"). Only the SHA-256 (hex) of a secret is ever stored or looked up.
 * Same conventions as db.h. The cookie check runs on every request to a private app's
 * origin and uses a statement cached per connection; the rest prepare per call. */
#ifndef AF_DB_GRANTS_H
#define AF_DB_GRANTS_H

#include <stddef.h>

#include "db/db.h"

struct db_grant {
	char app_id[ID_APP_BUFSZ];
	char user_id[ID_MAX_BUFSZ];
	long long expires_at;
	char kind[8]; /* of a burnt code: "code" | "embed" */
};

/* Stores a grant of kind ("code" | "embed" | "cookie") with the secret's hash (64 hex) for app and
 * user, made at now, valid until expires_at; grants that have expired at now are
 * pruned in the same transaction. DB_OK, DB_CONFLICT (hash taken) or DB_ERR. */
int db_grant_insert(struct db *db, const char *kind, const char *hash, const char *app_id,
		    const char *user_id, long long now, long long expires_at, char *err,
		    size_t errlen);

/* Deletes the code (kind code or embed) with this hash, whatever its app or expiry (a
 * code is spent by any use), and fills *out with what it granted. DB_NOTFOUND when there is no such code
 * (never issued, or already used); the caller checks out->app_id and expires_at. */
int db_grant_burn_code(struct db *db, const char *hash, struct db_grant *out, char *err,
		       size_t errlen);

/* Deletes every code and cookie of user_id (its sessions are revoked:
 * db_session_revoke_user calls this in its transaction). DB_OK or DB_ERR. */
int db_grant_revoke_user(struct db *db, const char *user_id, char *err, size_t errlen);

/* DB_OK when hash is a live cookie of app_id at now whose user is active and is the
 * app's owner or an admin; else
 * DB_NOTFOUND (or DB_ERR). Read-only, one indexed lookup. */
int db_grant_cookie_ok(struct db *db, const char *hash, const char *app_id, long long now,
		       char *err, size_t errlen);

#endif
