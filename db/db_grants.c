/* db_grants.c: the grants of a private app's origin (see db_grants.h). */
#include "db/db_grants.h"

#include <stdio.h>
#include <string.h>

#include "db/db_internal.h"

static sqlite3_stmt *prepare(struct db *db, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "app_grants: %s", sqlite3_errmsg(db->h));
		return NULL;
	}
	return st;
}

/* Runs a one-shot statement to its end: DB_OK, DB_CONFLICT or DB_ERR. Finalizes st. */
static int run_done(struct db *db, sqlite3_stmt *st, const char *what, char *err, size_t errlen)
{
	int rc = sqlite3_step(st);

	rc = rc == SQLITE_DONE ? DB_OK : db_fail(db, rc, what, err, errlen);
	sqlite3_finalize(st);
	return rc;
}

static int prune(struct db *db, long long now, char *err, size_t errlen)
{
	sqlite3_stmt *st =
		prepare(db, "DELETE FROM app_grants WHERE expires_at <= ?1", err, errlen);

	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, now);
	return run_done(db, st, "app_grants prune", err, errlen);
}

int db_grant_insert(struct db *db, const char *kind, const char *hash, const char *app_id,
		    const char *user_id, long long now, long long expires_at, char *err,
		    size_t errlen)
{
	struct db_tx tx;
	sqlite3_stmt *st;
	int rc;

	if (!hash || strlen(hash) != 64) {
		snprintf(err, errlen, "app_grants: bad hash");
		return DB_ERR;
	}
	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	rc = prune(db, now, err, errlen);
	if (rc == DB_OK) {
		st = prepare(db,
			     "INSERT INTO app_grants(hash, kind, app_id, user_id, created_at,"
			     " expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			     err, errlen);
		if (!st) {
			rc = DB_ERR;
		} else {
			db_bind_text(st, 1, hash);
			db_bind_text(st, 2, kind);
			db_bind_text(st, 3, app_id);
			db_bind_text(st, 4, user_id);
			sqlite3_bind_int64(st, 5, now);
			sqlite3_bind_int64(st, 6, expires_at);
			rc = run_done(db, st, "app_grants insert", err, errlen);
		}
	}
	return db_tx_leave(db, &tx, rc, err, errlen);
}

int db_grant_burn_code(struct db *db, const char *hash, struct db_grant *out, char *err,
		       size_t errlen)
{
	struct db_tx tx;
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	st = prepare(db,
		     "DELETE FROM app_grants WHERE hash = ?1 AND kind IN ('code', 'embed')"
		     " RETURNING app_id, user_id, expires_at, kind",
		     err, errlen);
	if (!st)
		return db_tx_leave(db, &tx, DB_ERR, err, errlen);
	db_bind_text(st, 1, hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		db_col_copy(st, 0, out->app_id, sizeof out->app_id);
		db_col_copy(st, 1, out->user_id, sizeof out->user_id);
		out->expires_at = sqlite3_column_int64(st, 2);
		db_col_copy(st, 3, out->kind, sizeof out->kind);
		rc = sqlite3_step(st); /* runs the statement to its end: the delete is done */
		rc = rc == SQLITE_DONE ? DB_OK : db_fail(db, rc, "app_grants burn", err, errlen);
	} else {
		rc = rc == SQLITE_DONE ? DB_NOTFOUND
				       : db_fail(db, rc, "app_grants burn", err, errlen);
	}
	sqlite3_finalize(st);
	return db_tx_leave(db, &tx, rc, err, errlen); /* DB_NOTFOUND changed nothing */
}

int db_grant_revoke_user(struct db *db, const char *user_id, char *err, size_t errlen)
{
	sqlite3_stmt *st = prepare(db, "DELETE FROM app_grants WHERE user_id = ?1", err, errlen);
	struct db_tx tx;

	if (!st)
		return DB_ERR;
	if (db_tx_enter(db, &tx, err, errlen) != DB_OK) {
		sqlite3_finalize(st);
		return DB_ERR;
	}
	db_bind_text(st, 1, user_id);
	return db_tx_leave(db, &tx, run_done(db, st, "app_grants revoke", err, errlen), err,
			   errlen);
}

int db_grant_cookie_ok(struct db *db, const char *hash, const char *app_id, long long now,
		       char *err, size_t errlen)
{
	sqlite3_stmt *s = db_stmt(db, S_GRANT_COOKIE_OK, err, errlen);
	int rc;

	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, hash);
	db_bind_text(s, 2, app_id);
	sqlite3_bind_int64(s, 3, now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return DB_OK;
	return rc == SQLITE_DONE ? DB_NOTFOUND : db_fail(db, rc, "app_grants cookie", err, errlen);
}
