/* db_snapshots.c: the rows of the app's data snapshots (see db_snapshots.h). */
#include "db/db_snapshots.h"

#include <stdio.h>
#include <string.h>

#include "db/db_internal.h"

static sqlite3_stmt *prepare(struct db *db, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "snapshots: %s", sqlite3_errmsg(db->h));
		return NULL;
	}
	return st;
}

int db_snap_list(struct db *db, const char *app_id, struct db_snapshot *out, size_t max, size_t *n,
		 char *err, size_t errlen)
{
	sqlite3_stmt *st = prepare(db,
				   "SELECT n, bytes, created_at FROM snapshots"
				   " WHERE app_id = ?1 ORDER BY n DESC LIMIT ?2",
				   err, errlen);
	int rc;

	*n = 0;
	if (!st)
		return DB_ERR;
	db_bind_text(st, 1, app_id);
	sqlite3_bind_int64(st, 2, (long long)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		out[*n].n = sqlite3_column_int64(st, 0);
		out[*n].bytes = sqlite3_column_int64(st, 1);
		out[*n].created_at = sqlite3_column_int64(st, 2);
		(*n)++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		snprintf(err, errlen, "snapshot list: %s", sqlite3_errmsg(db->h));
		sqlite3_finalize(st);
		return DB_ERR;
	}
	sqlite3_finalize(st);
	return DB_OK;
}

int db_snap_get(struct db *db, const char *app_id, long long rev, struct db_snapshot *out,
		char *err, size_t errlen)
{
	sqlite3_stmt *st = prepare(db,
				   "SELECT n, bytes, created_at FROM snapshots"
				   " WHERE app_id = ?1 AND n = ?2",
				   err, errlen);
	int rc;

	memset(out, 0, sizeof *out);
	if (!st)
		return DB_ERR;
	db_bind_text(st, 1, app_id);
	sqlite3_bind_int64(st, 2, rev);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->n = sqlite3_column_int64(st, 0);
		out->bytes = sqlite3_column_int64(st, 1);
		out->created_at = sqlite3_column_int64(st, 2);
		rc = DB_OK;
	} else if (rc == SQLITE_DONE) {
		rc = DB_NOTFOUND;
	} else {
		snprintf(err, errlen, "snapshot get: %s", sqlite3_errmsg(db->h));
		rc = DB_ERR;
	}
	sqlite3_finalize(st);
	return rc;
}

int db_snap_exists(struct db *db, const char *app_id, long long rev, char *err, size_t errlen)
{
	struct db_snapshot s;
	int rc = db_snap_get(db, app_id, rev, &s, err, errlen);

	return rc == DB_OK ? 1 : rc == DB_NOTFOUND ? 0 : -1;
}

/* Runs one write of app_id (?1) and the integers v[0..nv) (?2..). DB_OK or DB_ERR. */
static int write_row(struct db *db, const char *sql, const char *app_id, const long long *v, int nv,
		     char *err, size_t errlen)
{
	sqlite3_stmt *st = prepare(db, sql, err, errlen);
	int rc = DB_ERR;

	if (!st)
		return DB_ERR;
	db_bind_text(st, 1, app_id);
	for (int i = 0; i < nv; i++)
		sqlite3_bind_int64(st, i + 2, v[i]);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = DB_OK;
	else
		snprintf(err, errlen, "snapshot write: %s", sqlite3_errmsg(db->h));
	sqlite3_finalize(st);
	return rc;
}

/* Which of the rows (newest first) fall outside keep and budget: into pruned. */
static void choose_pruned(const struct db_snapshot *rows, size_t n, int keep, long long budget,
			  long long *pruned, size_t *npruned)
{
	long long total = 0;

	*npruned = 0;
	for (size_t i = 0; i < n; i++) {
		total += rows[i].bytes;
		if ((long long)i >= keep || total > budget)
			pruned[(*npruned)++] = rows[i].n;
	}
}

int db_snap_record(struct db *db, const char *app_id, long long rev, long long bytes, int keep,
		   long long budget, long long *pruned, size_t *npruned, char *err, size_t errlen)
{
	struct db_snapshot rows[DB_SNAP_KEEP_MAX + 2];
	struct db_tx tx;
	size_t n = 0;
	int rc;

	*npruned = 0;
	if (keep < 0 || keep > DB_SNAP_KEEP_MAX) {
		snprintf(err, errlen, "snapshot keep must be 0..%d", DB_SNAP_KEEP_MAX);
		return DB_ERR;
	}
	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	rc = write_row(db,
		       "INSERT OR REPLACE INTO snapshots(app_id, n, bytes, created_at)"
		       " VALUES (?1, ?2, ?3, ?4)",
		       app_id, (long long[]){ rev, bytes, db_now() }, 3, err, errlen);
	if (rc == DB_OK)
		rc = db_snap_list(db, app_id, rows, sizeof rows / sizeof rows[0], &n, err, errlen);
	if (rc == DB_OK)
		choose_pruned(rows, n, keep, budget, pruned, npruned);
	for (size_t i = 0; rc == DB_OK && i < *npruned; i++)
		rc = write_row(db, "DELETE FROM snapshots WHERE app_id = ?1 AND n = ?2", app_id,
			       &pruned[i], 1, err, errlen);
	if (rc != DB_OK)
		*npruned = 0;
	return db_tx_leave(db, &tx, rc, err, errlen);
}
