/* db_env.c: an app's environment variables (see db_env.h). */
#include "db/db_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_internal.h"

static sqlite3_stmt *prepare(struct db *db, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "app_env: %s", sqlite3_errmsg(db->h));
		return NULL;
	}
	return st;
}

/* Reads one row (name, sealed, set_at) into elem. 0, or -1 when out of memory. */
static int read_var(sqlite3_stmt *st, void *elem)
{
	struct db_env_var *v = elem;
	int len = sqlite3_column_bytes(st, 1);
	const void *b = sqlite3_column_blob(st, 1);

	memset(v, 0, sizeof *v);
	db_col_copy(st, 0, v->name, sizeof v->name);
	v->set_at = sqlite3_column_int64(st, 2);
	if (len <= 0 || !b || !(v->sealed = malloc((size_t)len)))
		return -1;
	memcpy(v->sealed, b, (size_t)len);
	v->sealed_len = (size_t)len;
	return 0;
}

static void free_vars(void *arr, size_t n)
{
	db_env_list_free(arr, n);
}

int db_env_list(struct db *db, const char *app_id, struct db_env_var **out, size_t *n, char *err,
		size_t errlen)
{
	static const struct db_rows rows = { sizeof(struct db_env_var), read_var, free_vars };
	sqlite3_stmt *st = prepare(db,
				   "SELECT name, sealed, set_at FROM app_env "
				   "WHERE app_id = ?1 ORDER BY name",
				   err, errlen);
	void *v = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return DB_ERR;
	sqlite3_bind_text(st, 1, app_id, -1, SQLITE_STATIC);
	rc = db_collect(db, st, &rows, "app_env", &v, n, err, errlen);
	sqlite3_finalize(st);
	if (rc == DB_OK)
		*out = v;
	return rc;
}

void db_env_list_free(struct db_env_var *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].sealed);
	free(v);
}

static int insert_all(struct db *db, const char *app_id, const struct db_env_var *vars, size_t n,
		      char *err, size_t errlen)
{
	sqlite3_stmt *st = prepare(db,
				   "INSERT INTO app_env (app_id, name, sealed, set_at) "
				   "VALUES (?1, ?2, ?3, ?4)",
				   err, errlen);
	int rc = st ? DB_OK : DB_ERR;

	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, app_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, vars[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, vars[i].sealed, (int)vars[i].sealed_len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, vars[i].set_at);
		if (sqlite3_step(st) != SQLITE_DONE) {
			snprintf(err, errlen, "app_env insert: %s", sqlite3_errmsg(db->h));
			rc = DB_ERR;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int db_env_replace(struct db *db, const char *app_id, const struct db_env_var *vars, size_t n,
		   char *err, size_t errlen)
{
	struct db_tx tx;
	sqlite3_stmt *st;
	int rc;

	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	st = prepare(db, "DELETE FROM app_env WHERE app_id = ?1", err, errlen);
	rc = st ? DB_OK : DB_ERR;
	if (st) {
		sqlite3_bind_text(st, 1, app_id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			snprintf(err, errlen, "app_env delete: %s", sqlite3_errmsg(db->h));
			rc = DB_ERR;
		}
		sqlite3_finalize(st);
	}
	if (rc == DB_OK)
		rc = insert_all(db, app_id, vars, n, err, errlen);
	return db_tx_leave(db, &tx, rc, err, errlen);
}
