/* db_sessions.c: the rows behind login throttling (login_throttle) and browser
 * sessions (sessions), and the password change of a user (see db.h). */
#include "db_internal.h"
#include "db_grants.h"

#include <stdio.h>
#include <string.h>

static int key_ok(const char *kind, const char *key, char *err, size_t errlen)
{
	if (kind && key && strlen(key) <= 512 &&
	    (strcmp(kind, "user") == 0 || strcmp(kind, "addr") == 0))
		return 1;
	snprintf(err, errlen, "throttle: bad kind or key");
	return 0;
}

int db_throttle_get(struct db *db, const char *kind, const char *key, struct db_throttle *out,
		    char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	if (!key_ok(kind, key, err, errlen))
		return DB_ERR;
	s = db_stmt(db, S_THROTTLE_GET, err, errlen);
	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, kind);
	db_bind_text(s, 2, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->failures = sqlite3_column_int64(s, 0);
		out->last_failure = sqlite3_column_int64(s, 1);
		out->blocked_until = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return DB_OK;
	return rc == SQLITE_DONE ? DB_NOTFOUND : db_fail(db, rc, "throttle", err, errlen);
}

int db_throttle_put(struct db *db, const char *kind, const char *key, const struct db_throttle *t,
		    char *err, size_t errlen)
{
	const char *txt[] = { kind, key };
	const long long v[] = { t->failures, t->last_failure, t->blocked_until };

	if (!key_ok(kind, key, err, errlen))
		return DB_ERR;
	return db_write_stmt(db, S_THROTTLE_PUT, txt, 2, v, 3, NULL, err, errlen);
}

int db_throttle_clear(struct db *db, const char *kind, const char *key, char *err, size_t errlen)
{
	const char *txt[] = { kind, key };

	if (!key_ok(kind, key, err, errlen))
		return DB_ERR;
	return db_write_stmt(db, S_THROTTLE_CLEAR, txt, 2, NULL, 0, NULL, err, errlen);
}

int db_throttle_prune(struct db *db, long long quiet_since, long long now, char *err, size_t errlen)
{
	const long long v[] = { quiet_since, now };

	return db_write_stmt(db, S_THROTTLE_PRUNE, NULL, 0, v, 2, NULL, err, errlen);
}

int db_session_insert(struct db *db, const struct db_session *se, char *err, size_t errlen)
{
	const char *txt[] = { se->id, se->user_id, se->token_hash };
	const long long v[] = { se->created_at, se->refreshed_at, se->expires_at };

	if (strlen(se->id) != DB_SESSION_ID_BUFSZ - 1 || strlen(se->token_hash) != 64) {
		snprintf(err, errlen, "session: bad id or hash");
		return DB_ERR;
	}
	return db_write_stmt(db, S_SESSION_INSERT, txt, 3, v, 3, NULL, err, errlen);
}

int db_session_get(struct db *db, const char *id, struct db_session *out, char *err, size_t errlen)
{
	sqlite3_stmt *s = db_stmt(db, S_SESSION_GET, err, errlen);
	int rc;

	memset(out, 0, sizeof *out);
	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		db_col_copy(s, 0, out->id, sizeof out->id);
		db_col_copy(s, 1, out->user_id, sizeof out->user_id);
		db_col_copy(s, 2, out->token_hash, sizeof out->token_hash);
		out->created_at = db_col_time(s, 3);
		out->refreshed_at = db_col_time(s, 4);
		out->expires_at = db_col_time(s, 5);
		out->revoked_at = db_col_time(s, 6);
		db_col_copy(s, 7, out->revoke_reason, sizeof out->revoke_reason);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return DB_OK;
	return rc == SQLITE_DONE ? DB_NOTFOUND : db_fail(db, rc, "session", err, errlen);
}

int db_session_rotate(struct db *db, const char *id, const char *old_hash, const char *new_hash,
		      long long now, char *err, size_t errlen)
{
	const char *txt[] = { id, old_hash, new_hash };
	const long long v[] = { now };
	long long n = 0;
	int rc = db_write_stmt(db, S_SESSION_ROTATE, txt, 3, v, 1, &n, err, errlen);

	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}

int db_session_revoke(struct db *db, const char *id, const char *reason, long long now, char *err,
		      size_t errlen)
{
	const char *txt[] = { id, reason };
	const long long v[] = { now };
	long long n = 0;
	int rc = db_write_stmt(db, S_SESSION_REVOKE, txt, 2, v, 1, &n, err, errlen);

	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}

int db_session_revoke_user(struct db *db, const char *user_id, const char *reason, long long now,
			   long long *n, char *err, size_t errlen)
{
	const char *txt[] = { user_id, reason };
	const long long v[] = { now };
	struct db_tx tx;
	int rc;

	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	rc = db_write_stmt(db, S_SESSION_REVOKE_USER, txt, 2, v, 1, n, err, errlen);
	if (rc == DB_OK) /* the cookies and codes of private app origins go with them */
		rc = db_grant_revoke_user(db, user_id, err, errlen);
	return db_tx_leave(db, &tx, rc, err, errlen);
}

int db_session_prune(struct db *db, const char *user_id, long long now, long long idle_since,
		     long long revoked_since, int keep, char *err, size_t errlen)
{
	const long long ended[] = { now, idle_since, revoked_since };
	const long long limit[] = { keep, now };
	const char *txt[] = { user_id };
	struct db_tx tx;
	int rc;

	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	rc = db_write_stmt(db, S_SESSION_PRUNE_ENDED, NULL, 0, ended, 3, NULL, err, errlen);
	if (rc == DB_OK)
		rc = db_write_stmt(db, S_SESSION_PRUNE_LIMIT, txt, 1, limit, 2, NULL, err, errlen);
	return db_tx_leave(db, &tx, rc, err, errlen);
}

int db_user_set_password(struct db *db, const char *id, const char *hash, long long now, char *err,
			 size_t errlen)
{
	const char *txt[] = { id, hash };
	const long long v[] = { now };
	long long n = 0;
	int rc;

	if (!hash || strlen(hash) >= sizeof((struct db_user *)0)->password_hash) {
		snprintf(err, errlen, "password hash too long");
		return DB_ERR;
	}
	rc = db_write_stmt(db, S_USER_SET_PASSWORD, txt, 2, v, 1, &n, err, errlen);
	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}
