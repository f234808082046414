/* db_internal.h: what the files of db/ share and nobody else sees. */
#ifndef AF_DB_INTERNAL_H
#define AF_DB_INTERNAL_H

#include "db.h"

#include <sqlite3.h>

/* The SQL of migration version (1..db_schema_latest()), or NULL. */
const char *db_migration_sql(int version);

/* A `since` that leaves fewer events than this is served from the audit_at index
 * (then sorted); otherwise the filter's index is walked newest first. */
#define DB_AUDIT_FEW_STR "1000"

/* Every statement the DAO runs, prepared once per connection (see stmt_sql in db.c). */
enum db_sid {
	S_USER_INSERT,
	S_USER_GET,
	S_USER_GET_NAME,
	S_USER_LIST,
	S_USER_DELETE,
	S_USER_SET_ROLE,
	S_USER_SET_DISABLED,
	S_USER_COUNT,
	S_TOKEN_INSERT,
	S_TOKEN_LOOKUP,
	S_TOKEN_STALE,
	S_TOKEN_TOUCH,
	S_TOKEN_LIST,
	S_TOKEN_REVOKE,
	S_APP_INSERT,
	S_APP_GET,
	S_APP_LIST_OWNER,
	S_APP_LIST_ALL,
	S_APP_COUNT_OWNER,
	S_APP_SET_STATUS,
	S_APP_SET_SCAN,
	S_APP_SET_NAME,
	S_APP_TOUCH,
	S_APP_DELETE,
	S_FILE_INSERT,
	S_FILES_GET,
	S_FILES_DELETE,
	S_RUN_INSERT,
	S_RUN_UPDATE,
	S_RUN_CURRENT,
	S_RUN_LIST_ACTIVE,
	S_RUN_COUNT_OWNER,
	S_AUDIT_INSERT,
	S_AUDIT_LIST,
	S_AUDIT_COUNT,
	S_APP_COUNT_STATUS,
	S_THROTTLE_GET,
	S_THROTTLE_PUT,
	S_THROTTLE_CLEAR,
	S_THROTTLE_PRUNE,
	S_SESSION_INSERT,
	S_SESSION_GET,
	S_SESSION_ROTATE,
	S_SESSION_REVOKE,
	S_SESSION_REVOKE_USER,
	S_SESSION_PRUNE_ENDED,
	S_SESSION_PRUNE_LIMIT,
	S_USER_SET_PASSWORD,
	S_AUDIT_SINCE_FEW,
	S_AUDIT_LIST_SINCE,
	S_AUDIT_LIST_ACTOR,
	S_AUDIT_LIST_ACTION,
	S_AUDIT_LIST_BOTH,
	S_READ_BEGIN,
	S_READ_COMMIT,
	S_DATA_VERSION,
	S_REV_LAST,
	S_BLOB_PUT,
	S_REV_INSERT,
	S_REVFILE_INSERT,
	S_REVFILE_HASHES,
	S_REV_FILES,
	S_REV_GET,
	S_REV_LIST,
	S_APP_SET_GENERATION,
	S_APP_GET_GENERATION,
	S_APP_GET_GENERATION_SHOWN,
	S_REV_PRUNE,
	S_BLOB_PRUNE,
	S_APP_VIEW_GET,
	S_APP_VIEW_LIST_OWNER,
	S_APP_VIEW_LIST_ALL,
	S_APP_SET_VISIBILITY,
	S_GRANT_COOKIE_OK,
	S_COUNT_
};

struct db {
	sqlite3 *h;
	sqlite3_stmt *stmt[S_COUNT_];
	int read_scope;        /* inside db_read_begin's transaction */
	long long own_commits; /* this connection's, for db_snapshot_version */
};

/* The cached statement id, reset and with bindings cleared; NULL with err on error. */
sqlite3_stmt *db_stmt(struct db *db, enum db_sid id, char *err, size_t errlen);

/* Runs a write statement to completion and resets it. DB_OK, DB_CONFLICT (unique key)
 * or DB_ERR. */
int db_step_done(struct db *db, sqlite3_stmt *s, char *err, size_t errlen);

/* Maps a failed sqlite3 call to DB_ERR/DB_CONFLICT with a message naming what. */
int db_fail(struct db *db, int rc, const char *what, char *err, size_t errlen);

/* A DAO write's own atomicity: BEGIN IMMEDIATE when no transaction is open, else a
 * SAVEPOINT inside the caller's. db_tx_leave commits/releases on DB_OK and rolls back
 * otherwise; it returns rc, or DB_ERR if the commit fails. */
struct db_tx {
	int own;
};
int db_tx_enter(struct db *db, struct db_tx *tx, char *err, size_t errlen);
int db_tx_leave(struct db *db, struct db_tx *tx, int rc, char *err, size_t errlen);
/* Runs the write statement sid with the text arguments t[0..nt) bound to ?1.. and the
 * integers v[0..nv) bound after them, in its own transaction (or savepoint). *changes
 * (may be NULL) receives the number of rows changed. DB_OK or DB_ERR. */
int db_write_stmt(struct db *db, enum db_sid sid, const char *const *t, int nt, const long long *v,
		  int nv, long long *changes, char *err, size_t errlen);

/* Binding and reading helpers: NULL strings and 0 optional times bind SQL NULL. */
int db_bind_text(sqlite3_stmt *s, int i, const char *v);
int db_bind_opt_time(sqlite3_stmt *s, int i, long long v);
void db_col_copy(sqlite3_stmt *s, int i, char *dst, size_t size);
char *db_col_dup(sqlite3_stmt *s, int i, const char *if_null); /* NULL only on OOM */
long long db_col_time(sqlite3_stmt *s, int i);                 /* NULL reads 0 */

long long db_now(void);

/* Reads a run from the columns c.. of the current row: id, app_id, state, port, pid,
 * started_at, ended_at, expires_at, exit_code, reason (db_runs.c). */
void db_read_run(sqlite3_stmt *s, int c, struct db_run *r);

/* db_revisions.c: the SHA-256 of len bytes at p as 64 hex digits; and the connection's
 * SQL function af_sha256(text) the migrations use (registered before they run). */
void db_sha256_hex(const void *p, size_t len, char out[65]);
int db_register_functions(struct db *db, char *err, size_t errlen);

/* Runs a count(*) statement: text ?1 and ?2 when not NULL, integer ?3 when the
 * statement has one. */
int db_count(struct db *db, enum db_sid sid, const char *a, const char *b, long long c,
	     long long *n, char *err, size_t errlen);

/* Grows *arr (elements of size sz) to hold at least n + 1 elements. 0 or -1. */
int db_grow(void **arr, size_t *cap, size_t n, size_t sz);

/* How db_collect reads one kind of row: the element size, a reader that fills one
 * element from the current row (0, or -1 when out of memory), and how to free a
 * partial array (NULL: the elements own no memory, free() is enough). */
struct db_rows {
	size_t size;
	int (*read)(sqlite3_stmt *s, void *elem);
	void (*free_list)(void *arr, size_t n);
};

/* Steps the prepared, bound statement s to its end and collects every row. On DB_OK,
 * *out (malloc'ed, released as rows->free_list says) holds *n elements; on DB_ERR
 * nothing is returned. s is reset either way; what names the query in the message. */
int db_collect(struct db *db, sqlite3_stmt *s, const struct db_rows *rows, const char *what,
	       void **out, size_t *n, char *err, size_t errlen);

#endif
