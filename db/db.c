/* db.c: the connection (pragmas, migrations), transactions and the statement cache
 * shared by the DAO files (see db.h). */
#include "db_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The columns of struct db_app_view (row_view in db_apps.c): the app's, its generation
 * as shown (kept by the schema beside the generation: GENERATION_SHOWN, schema.c), then its
 * newest run's (NULLs when it never ran; runs_app finds the newest). */
#define APP_VIEW_SELECT \
	"SELECT a.id, a.owner, a.name, a.prompt, a.status, a.error, a.scan_verdict," \
	" a.scan_findings, a.created_at, a.updated_at, a.seq, a.visibility," \
	" a.generation_shown," \
	" r.id, r.app_id, r.state, r.port, r.pid, r.started_at, r.ended_at, r.expires_at," \
	" r.exit_code, r.reason FROM apps a LEFT JOIN runs r" \
	" ON r.id = (SELECT max(id) FROM runs WHERE app_id = a.id)"

/* clang-format off */
static const char *const stmt_sql[S_COUNT_] = {
	[S_USER_INSERT] = "INSERT INTO users(id, username, password_hash, role, disabled, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_USER_GET] = "SELECT id, username, password_hash, role, disabled, created_at,"
		" tokens_after FROM users WHERE id = ?1",
	[S_USER_GET_NAME] = "SELECT id, username, password_hash, role, disabled, created_at,"
		" tokens_after FROM users WHERE username = ?1",
	[S_USER_LIST] = "SELECT id, username, password_hash, role, disabled, created_at,"
		" tokens_after FROM users ORDER BY created_at, id",
	[S_USER_DELETE] = "DELETE FROM users WHERE id = ?1",
	[S_USER_SET_ROLE] = "UPDATE users SET role = ?2 WHERE id = ?1",
	[S_USER_SET_DISABLED] = "UPDATE users SET disabled = ?2 WHERE id = ?1",
	[S_USER_COUNT] = "SELECT count(*) FROM users",
	[S_TOKEN_INSERT] = "INSERT INTO api_tokens(id, user_id, name, token_hash, prefix,"
		" created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_TOKEN_LOOKUP] = "SELECT t.id, t.user_id, t.name, t.prefix, t.created_at, t.expires_at,"
		" t.revoked_at, t.last_used_at, u.id, u.username, u.password_hash, u.role,"
		" u.disabled, u.created_at, u.tokens_after FROM api_tokens t JOIN users u"
		" ON u.id = t.user_id"
		" WHERE t.token_hash = ?1 AND t.revoked_at IS NULL"
		" AND (t.expires_at IS NULL OR t.expires_at > ?2) AND u.disabled = 0",
	[S_TOKEN_STALE] = "SELECT count(*) FROM api_tokens WHERE id = ?1"
		" AND (last_used_at IS NULL OR last_used_at < ?3 - 60)",
	[S_TOKEN_TOUCH] = "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1"
		" AND (last_used_at IS NULL OR last_used_at < ?2 - 60)",
	[S_TOKEN_LIST] = "SELECT id, user_id, name, prefix, created_at, expires_at, revoked_at,"
		" last_used_at FROM api_tokens WHERE user_id = ?1 ORDER BY created_at DESC, id DESC",
	[S_TOKEN_REVOKE] = "UPDATE api_tokens SET revoked_at = ?3"
		" WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
	[S_APP_INSERT] = "INSERT INTO apps(id, seq, owner, name, prompt, status, error,"
		" scan_verdict, scan_findings, created_at, updated_at, visibility) VALUES (?1,"
		" (SELECT coalesce(max(seq), 0) + 1 FROM apps), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9,"
		" ?10)",
	[S_APP_GET] = "SELECT id, owner, name, prompt, status, error, scan_verdict, scan_findings,"
		" created_at, updated_at, seq, visibility FROM apps WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)",
	[S_APP_LIST_OWNER] = "SELECT id, owner, name, prompt, status, error, scan_verdict,"
		" scan_findings, created_at, updated_at, seq, visibility FROM apps"
		" WHERE owner = ?1 AND (created_at, seq) < (?2, ?3)"
		" ORDER BY created_at DESC, seq DESC LIMIT ?4",
	[S_APP_LIST_ALL] = "SELECT id, owner, name, prompt, status, error, scan_verdict,"
		" scan_findings, created_at, updated_at, seq, visibility FROM apps"
		" WHERE (created_at, seq) < (?2, ?3)"
		" ORDER BY created_at DESC, seq DESC LIMIT ?4",
	[S_APP_COUNT_OWNER] = "SELECT count(*) FROM apps WHERE owner = ?1",
	[S_APP_SET_STATUS] = "UPDATE apps SET status = ?2, error = ?3, updated_at = ?4 WHERE id = ?1",
	[S_APP_SET_SCAN] = "UPDATE apps SET scan_verdict = ?2, scan_findings = ?3, updated_at = ?4"
		" WHERE id = ?1",
	[S_APP_SET_NAME] = "UPDATE apps SET name = ?2, updated_at = ?3 WHERE id = ?1",
	[S_APP_TOUCH] = "UPDATE apps SET updated_at = ?2 WHERE id = ?1",
	[S_APP_DELETE] = "DELETE FROM apps WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)",
	[S_FILE_INSERT] = "INSERT INTO app_files(app_id, path, content) VALUES (?1, ?2, ?3)",
	[S_FILES_GET] = "SELECT path, content FROM app_files WHERE app_id = ?1 ORDER BY path",
	[S_FILES_DELETE] = "DELETE FROM app_files WHERE app_id = ?1",
	[S_RUN_INSERT] = "INSERT INTO runs(app_id, state, port, pid, started_at, ended_at,"
		" expires_at, exit_code, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[S_RUN_UPDATE] = "UPDATE runs SET state = ?2, port = ?3, pid = ?4, ended_at = ?5,"
		" expires_at = ?6, exit_code = ?7, reason = ?8 WHERE id = ?1",
	[S_RUN_CURRENT] = "SELECT id, app_id, state, port, pid, started_at, ended_at, expires_at,"
		" exit_code, reason FROM runs WHERE app_id = ?1 ORDER BY id DESC LIMIT 1",
	[S_RUN_LIST_ACTIVE] = "SELECT id, app_id, state, port, pid, started_at, ended_at,"
		" expires_at, exit_code, reason FROM runs WHERE state IN ('starting', 'running')"
		" ORDER BY id",
	[S_RUN_COUNT_OWNER] = "SELECT count(*) FROM runs r JOIN apps a ON a.id = r.app_id"
		" WHERE a.owner = ?1 AND r.state IN ('starting', 'running')",
	[S_AUDIT_INSERT] = "INSERT INTO audit(at, request_id, actor, action, target, detail)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/* The audit list has one statement per filter, so each walks an index in id
	 * order and stops at the limit (db_audit_list picks one; bench/scale measures
	 * them over a million events). All take ?1 since, ?2 actor, ?3 action, ?4 limit. */
	[S_AUDIT_LIST] = "SELECT id, at, request_id, actor, action, target, detail FROM audit"
		" WHERE at >= ?1 AND ?2 IS NULL AND ?3 IS NULL ORDER BY id DESC LIMIT ?4",
	[S_AUDIT_SINCE_FEW] = "SELECT count(*) < " DB_AUDIT_FEW_STR " FROM (SELECT 1 FROM audit"
		" WHERE at >= ?1 LIMIT " DB_AUDIT_FEW_STR ")",
	[S_AUDIT_LIST_SINCE] = "SELECT id, at, request_id, actor, action, target, detail"
		" FROM audit INDEXED BY audit_at WHERE at >= ?1 AND (?2 IS NULL OR actor = ?2)"
		" AND (?3 IS NULL OR action = ?3) ORDER BY id DESC LIMIT ?4",
	[S_AUDIT_LIST_ACTOR] = "SELECT id, at, request_id, actor, action, target, detail"
		" FROM audit INDEXED BY audit_actor_id WHERE actor = ?2 AND ?3 IS NULL"
		" AND at >= ?1 ORDER BY id DESC LIMIT ?4",
	[S_AUDIT_LIST_ACTION] = "SELECT id, at, request_id, actor, action, target, detail"
		" FROM audit INDEXED BY audit_action_id WHERE ?2 IS NULL AND action = ?3"
		" AND at >= ?1 ORDER BY id DESC LIMIT ?4",
	/* db_read_begin/db_read_end, prepared once instead of parsed per request */
	[S_READ_BEGIN] = "BEGIN DEFERRED",
	[S_READ_COMMIT] = "COMMIT",
	[S_DATA_VERSION] = "PRAGMA data_version",
	[S_AUDIT_LIST_BOTH] = "SELECT id, at, request_id, actor, action, target, detail"
		" FROM audit INDEXED BY audit_actor_action_id WHERE actor = ?2 AND action = ?3"
		" AND at >= ?1 ORDER BY id DESC LIMIT ?4",
	[S_AUDIT_COUNT] = "SELECT count(*) FROM audit WHERE actor = ?1 AND action = ?2 AND at >= ?3",
	[S_APP_COUNT_STATUS] = "SELECT count(*) FROM apps WHERE status = ?1",
	[S_THROTTLE_GET] = "SELECT failures, last_failure, blocked_until FROM login_throttle"
		" WHERE kind = ?1 AND key = ?2",
	[S_THROTTLE_PUT] = "INSERT OR REPLACE INTO login_throttle(kind, key, failures,"
		" last_failure, blocked_until) VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_THROTTLE_CLEAR] = "DELETE FROM login_throttle WHERE kind = ?1 AND key = ?2",
	[S_THROTTLE_PRUNE] = "DELETE FROM login_throttle WHERE last_failure < ?1"
		" AND blocked_until <= ?2",
	[S_SESSION_INSERT] = "INSERT INTO sessions(id, user_id, token_hash, created_at,"
		" refreshed_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_SESSION_GET] = "SELECT id, user_id, token_hash, created_at, refreshed_at, expires_at,"
		" revoked_at, revoke_reason FROM sessions WHERE id = ?1",
	[S_SESSION_ROTATE] = "UPDATE sessions SET token_hash = ?3, refreshed_at = ?4"
		" WHERE id = ?1 AND token_hash = ?2 AND revoked_at IS NULL",
	[S_SESSION_REVOKE] = "UPDATE sessions SET revoked_at = ?3, revoke_reason = ?2"
		" WHERE id = ?1 AND revoked_at IS NULL",
	[S_SESSION_REVOKE_USER] = "UPDATE sessions SET revoked_at = ?3, revoke_reason = ?2"
		" WHERE user_id = ?1 AND revoked_at IS NULL",
	[S_SESSION_PRUNE_ENDED] = "DELETE FROM sessions WHERE expires_at <= ?1"
		" OR refreshed_at < ?2 OR revoked_at < ?3",
	[S_SESSION_PRUNE_LIMIT] = "UPDATE sessions SET revoked_at = ?3, revoke_reason = 'limit'"
		" WHERE user_id = ?1 AND revoked_at IS NULL AND id NOT IN (SELECT id FROM sessions"
		" WHERE user_id = ?1 AND revoked_at IS NULL"
		" ORDER BY refreshed_at DESC, rowid DESC LIMIT ?2)",
	[S_USER_SET_PASSWORD] = "UPDATE users SET password_hash = ?2, tokens_after = ?3"
		" WHERE id = ?1",
	/* revisions (db_revisions.c) */
	[S_REV_LAST] = "SELECT coalesce(max(n), 0) FROM revisions WHERE app_id = ?1",
	[S_BLOB_PUT] = "INSERT OR IGNORE INTO blobs(app_id, hash, content) VALUES (?1, ?2, ?3)",
	[S_REV_INSERT] = "INSERT INTO revisions(app_id, n, created_at, author, source, message,"
		" changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_REVFILE_INSERT] = "INSERT INTO revision_files(app_id, n, path, hash)"
		" VALUES (?1, ?2, ?3, ?4)",
	[S_REVFILE_HASHES] = "SELECT path, hash FROM revision_files WHERE app_id = ?1 AND n = ?2",
	[S_REV_FILES] = "SELECT f.path, b.content FROM revision_files f JOIN blobs b"
		" ON b.app_id = f.app_id AND b.hash = f.hash WHERE f.app_id = ?1 AND f.n = ?2"
		" ORDER BY f.path",
	[S_REV_GET] = "SELECT n, created_at, author, source, message, changes FROM revisions"
		" WHERE app_id = ?1 AND n = ?2",
	[S_REV_LIST] = "SELECT n, created_at, author, source, message, changes FROM revisions"
		" WHERE app_id = ?1 AND n < ?2 ORDER BY n DESC LIMIT ?3",
	[S_APP_SET_GENERATION] = "UPDATE apps SET generation = ?2 WHERE id = ?1",
	[S_APP_GET_GENERATION] = "SELECT generation FROM apps WHERE id = ?1",
	[S_APP_GET_GENERATION_SHOWN] = "SELECT generation_shown FROM apps WHERE id = ?1",
	[S_REV_PRUNE] = "DELETE FROM revisions WHERE app_id = ?1 AND n <= ?2",
	[S_APP_SET_VISIBILITY] = "UPDATE apps SET visibility = ?2, updated_at = ?3 WHERE id = ?1",
	/* the cookie of a private origin: live, of this app, of its owner or an admin who
	 * is still active (a revocation of the user's sessions deletes the grants) */
	[S_GRANT_COOKIE_OK] = "SELECT 1 FROM app_grants g JOIN users u ON u.id = g.user_id"
		" JOIN apps a ON a.id = g.app_id WHERE g.hash = ?1 AND g.kind = 'cookie'"
		" AND g.app_id = ?2 AND g.expires_at > ?3 AND u.disabled = 0"
		" AND (u.id = a.owner OR u.role = 'admin')",
	[S_BLOB_PRUNE] = "DELETE FROM blobs WHERE app_id = ?1 AND NOT EXISTS (SELECT 1"
		" FROM revision_files f WHERE f.app_id = blobs.app_id AND f.hash = blobs.hash)",
	/* An app as the API shows it, with its generation and newest run, in one query:
	 * the list costs one statement, not three per app. */
	[S_APP_VIEW_GET] = APP_VIEW_SELECT " WHERE a.id = ?1 AND (?2 IS NULL OR a.owner = ?2)",
	[S_APP_VIEW_LIST_OWNER] = APP_VIEW_SELECT
		" WHERE a.owner = ?1 AND (a.created_at, a.seq) < (?2, ?3)"
		" ORDER BY a.created_at DESC, a.seq DESC LIMIT ?4",
	[S_APP_VIEW_LIST_ALL] = APP_VIEW_SELECT
		" WHERE (a.created_at, a.seq) < (?2, ?3)"
		" ORDER BY a.created_at DESC, a.seq DESC LIMIT ?4",
};
/* clang-format on */

long long db_now(void)
{
	return (long long)time(NULL);
}

int db_fail(struct db *db, int rc, const char *what, char *err, size_t errlen)
{
	int ext = db ? sqlite3_extended_errcode(db->h) : rc;

	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
		snprintf(err, errlen, "%s: already exists", what);
		return DB_CONFLICT;
	}
	snprintf(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
	return DB_ERR;
}

sqlite3_stmt *db_stmt(struct db *db, enum db_sid id, char *err, size_t errlen)
{
	sqlite3_stmt *s = db->stmt[id];
	int rc;

	if (!s) {
		rc = sqlite3_prepare_v3(db->h, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
					&db->stmt[id], NULL);
		if (rc != SQLITE_OK) {
			db_fail(db, rc, "prepare", err, errlen);
			return NULL;
		}
		return db->stmt[id];
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

int db_step_done(struct db *db, sqlite3_stmt *s, char *err, size_t errlen)
{
	int rc, out = DB_OK;

	db_read_end(db); /* a write never runs inside a read scope's snapshot */
	rc = sqlite3_step(s);

	if (rc != SQLITE_DONE)
		out = db_fail(db, rc, "write", err, errlen);
	sqlite3_reset(s);
	return out;
}

static int exec(struct db *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%.40s: %s", sql, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return DB_ERR;
	}
	return DB_OK;
}

/* Runs a cached statement without result rows (BEGIN, COMMIT). SQLITE_DONE or an
 * sqlite3 error code. */
static int run_cached(struct db *db, enum db_sid id)
{
	char err[128];
	sqlite3_stmt *s = db_stmt(db, id, err, sizeof(err));
	int rc;

	if (!s)
		return SQLITE_ERROR;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc;
}

void db_read_begin(struct db *db)
{
	if (db->read_scope || !sqlite3_get_autocommit(db->h))
		return;
	if (run_cached(db, S_READ_BEGIN) == SQLITE_DONE)
		db->read_scope = 1;
}

void db_read_end(struct db *db)
{
	if (!db->read_scope)
		return;
	db->read_scope = 0;
	/* Nothing was written: COMMIT only drops the read locks. */
	if (!sqlite3_get_autocommit(db->h) && run_cached(db, S_READ_COMMIT) != SQLITE_DONE)
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

bool db_idle(struct db *db)
{
	if (db->read_scope || !sqlite3_get_autocommit(db->h))
		return false;
	for (sqlite3_stmt *s = sqlite3_next_stmt(db->h, NULL); s; s = sqlite3_next_stmt(db->h, s))
		if (sqlite3_stmt_busy(s))
			return false;
	return true;
}

int db_snapshot_version(struct db *db, struct db_version *v)
{
	char err[128];
	sqlite3_stmt *s;
	int rc;

	/* Outside a read scope there is no snapshot for the number to describe: a later
	 * statement may see a newer state than the one it names. */
	if (!db->read_scope || sqlite3_get_autocommit(db->h))
		return -1;
	s = db_stmt(db, S_DATA_VERSION, err, sizeof(err));
	if (!s)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		v->others = sqlite3_column_int64(s, 0);
		v->own = db->own_commits;
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

int db_begin(struct db *db, char *err, size_t errlen)
{
	db_read_end(db);
	return exec(db, "BEGIN IMMEDIATE", err, errlen);
}

int db_commit(struct db *db, char *err, size_t errlen)
{
	if (exec(db, "COMMIT", err, errlen) == DB_OK)
		return DB_OK;
	db_rollback(db);
	return DB_ERR;
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int db_tx_enter(struct db *db, struct db_tx *tx, char *err, size_t errlen)
{
	db_read_end(db);
	tx->own = sqlite3_get_autocommit(db->h);
	if (tx->own)
		return db_begin(db, err, errlen);
	return exec(db, "SAVEPOINT dao", err, errlen);
}

int db_tx_leave(struct db *db, struct db_tx *tx, int rc, char *err, size_t errlen)
{
	if (tx->own) {
		if (rc != DB_OK) {
			db_rollback(db);
			return rc;
		}
		return db_commit(db, err, errlen);
	}
	if (rc != DB_OK)
		sqlite3_exec(db->h, "ROLLBACK TO dao", NULL, NULL, NULL);
	sqlite3_exec(db->h, "RELEASE dao", NULL, NULL, NULL);
	return rc;
}

/* Runs the write statement sid with the text arguments t[0..nt) bound to ?1.. and the
 * integers v[0..nv) bound after them, in its own transaction (or savepoint). *changes
 * (may be NULL) receives the number of rows changed. */
int db_write_stmt(struct db *db, enum db_sid sid, const char *const *t, int nt, const long long *v,
		  int nv, long long *changes, char *err, size_t errlen)
{
	struct db_tx tx;
	sqlite3_stmt *s;
	int rc;

	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	s = db_stmt(db, sid, err, errlen);
	if (!s) {
		rc = DB_ERR;
	} else {
		for (int i = 0; i < nt; i++)
			db_bind_text(s, i + 1, t[i]);
		for (int i = 0; i < nv; i++)
			sqlite3_bind_int64(s, nt + i + 1, v[i]);
		rc = db_step_done(db, s, err, errlen);
		if (rc == DB_OK && changes)
			*changes = sqlite3_changes(db->h);
	}
	return db_tx_leave(db, &tx, rc, err, errlen);
}

int db_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
}

int db_bind_opt_time(sqlite3_stmt *s, int i, long long v)
{
	return v ? sqlite3_bind_int64(s, i, v) : sqlite3_bind_null(s, i);
}

void db_col_copy(sqlite3_stmt *s, int i, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	util_copy(dst, size, t ? (const char *)t : "");
}

char *db_col_dup(sqlite3_stmt *s, int i, const char *if_null)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	if (!t && !if_null)
		return NULL;
	return strdup(t ? (const char *)t : if_null);
}

long long db_col_time(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, i);
}

int db_schema_version(struct db *db)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Applies the missing migrations in one IMMEDIATE transaction; the version is read
 * again inside it so processes opening the database together migrate it once. */
static int migrate(struct db *db, char *err, size_t errlen)
{
	int v, latest = db_schema_latest();
	char sql[64];

	if (db_begin(db, err, errlen) != DB_OK)
		return DB_ERR;
	v = db_schema_version(db);
	if (v < 0 || v > latest) {
		snprintf(err, errlen,
			 "database schema version %d unknown to this build (latest %d)", v, latest);
		goto fail;
	}
	for (int i = v + 1; i <= latest; i++)
		if (exec(db, db_migration_sql(i), err, errlen) != DB_OK)
			goto fail;
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", latest);
	if (v != latest && exec(db, sql, err, errlen) != DB_OK)
		goto fail;
	return db_commit(db, err, errlen);
fail:
	db_rollback(db);
	return DB_ERR;
}

/* journal_mode answers with a row: read it to be sure WAL is really on. Processes that
 * open a new database at the same moment can find it locked by another one switching
 * it (the busy handler does not cover this): retry for up to the busy timeout. */
static int set_wal(struct db *db, char *err, size_t errlen)
{
	for (int attempt = 0; attempt < 250; attempt++) {
		sqlite3_stmt *s;
		int ok = 0;

		if (sqlite3_prepare_v2(db->h, "PRAGMA journal_mode=WAL", -1, &s, NULL) ==
			    SQLITE_OK &&
		    sqlite3_step(s) == SQLITE_ROW) {
			const unsigned char *m = sqlite3_column_text(s, 0);
			ok = m && strcmp((const char *)m, "wal") == 0;
		}
		sqlite3_finalize(s);
		if (ok)
			return DB_OK;
		usleep(20 * 1000);
	}
	snprintf(err, errlen, "cannot switch the database to WAL mode: %s", sqlite3_errmsg(db->h));
	return DB_ERR;
}

/* Creates the file with mode 0600 first: SQLite would use 0644 (the -wal and -shm
 * files copy the main file's mode). */
static int create_private(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return DB_ERR;
	}
	close(fd);
	return DB_OK;
}

/* Counts this connection's commits for db_snapshot_version. A commit that then fails
 * counts too: a false "changed", never a false "same". */
static int count_commit(void *arg)
{
	((struct db *)arg)->own_commits++;
	return 0; /* let it commit */
}

int db_open(struct db **out, const char *path, char *err, size_t errlen)
{
	struct db *db;
	int rc;

	*out = NULL;
	if (create_private(path, err, errlen) != DB_OK)
		return DB_ERR;
	db = calloc(1, sizeof *db);
	if (!db) {
		snprintf(err, errlen, "out of memory");
		return DB_ERR;
	}
	rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
			 db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, 5000);
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_commit_hook(db->h, count_commit, db);
	if (set_wal(db, err, errlen) != DB_OK ||
	    exec(db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL", err, errlen) != DB_OK ||
	    db_register_functions(db, err, errlen) != DB_OK || migrate(db, err, errlen) != DB_OK)
		goto fail;
	*out = db;
	return DB_OK;
fail:
	db_close(db);
	return DB_ERR;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->h)
		db_rollback(db);
	for (int i = 0; i < S_COUNT_; i++)
		sqlite3_finalize(db->stmt[i]);
	sqlite3_close(db->h);
	free(db);
}

int db_ping(struct db *db, char *err, size_t errlen)
{
	if (!db || db_schema_version(db) != db_schema_latest()) {
		snprintf(err, errlen, "database not available");
		return DB_ERR;
	}
	return DB_OK;
}

void *db_sqlite(struct db *db)
{
	return db->h;
}
