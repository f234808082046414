/* db_users.c: users and API tokens (see db.h). */
#include "db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void read_user(sqlite3_stmt *s, int c, struct db_user *u)
{
	memset(u, 0, sizeof *u);
	db_col_copy(s, c + 0, u->id, sizeof u->id);
	db_col_copy(s, c + 1, u->username, sizeof u->username);
	db_col_copy(s, c + 2, u->password_hash, sizeof u->password_hash);
	db_col_copy(s, c + 3, u->role, sizeof u->role);
	u->disabled = sqlite3_column_int(s, c + 4);
	u->created_at = sqlite3_column_int64(s, c + 5);
	u->tokens_after = sqlite3_column_int64(s, c + 6);
}

static int too_long(const char *v, size_t max, const char *what, char *err, size_t errlen)
{
	if (v && strlen(v) <= max)
		return 0;
	snprintf(err, errlen, "%s missing or too long", what);
	return 1;
}

int db_user_insert(struct db *db, struct db_user *u, char *err, size_t errlen)
{
	struct db_tx tx;
	sqlite3_stmt *s;
	int rc;

	if (too_long(u->id, ID_MAX_BUFSZ - 1, "user id", err, errlen) ||
	    too_long(u->username, DB_USERNAME_MAX, "username", err, errlen) ||
	    too_long(u->password_hash, sizeof u->password_hash - 1, "password hash", err, errlen))
		return DB_ERR;
	u->created_at = db_now();
	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	s = db_stmt(db, S_USER_INSERT, err, errlen);
	if (!s) {
		rc = DB_ERR;
	} else {
		db_bind_text(s, 1, u->id);
		db_bind_text(s, 2, u->username);
		db_bind_text(s, 3, u->password_hash);
		db_bind_text(s, 4, u->role);
		sqlite3_bind_int(s, 5, u->disabled ? 1 : 0);
		sqlite3_bind_int64(s, 6, u->created_at);
		rc = db_step_done(db, s, err, errlen);
	}
	return db_tx_leave(db, &tx, rc, err, errlen);
}

static int user_get(struct db *db, enum db_sid sid, const char *key, struct db_user *out, char *err,
		    size_t errlen)
{
	sqlite3_stmt *s = db_stmt(db, sid, err, errlen);
	int rc;

	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read_user(s, 0, out);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return DB_OK;
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	return db_fail(db, rc, "user", err, errlen);
}

int db_user_get(struct db *db, const char *id, struct db_user *out, char *err, size_t errlen)
{
	return user_get(db, S_USER_GET, id, out, err, errlen);
}

int db_user_get_by_name(struct db *db, const char *username, struct db_user *out, char *err,
			size_t errlen)
{
	return user_get(db, S_USER_GET_NAME, username, out, err, errlen);
}

int db_grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, *cap * sz);
	if (!p)
		return -1;
	*arr = p;
	return 0;
}

int db_collect(struct db *db, sqlite3_stmt *s, const struct db_rows *rows, const char *what,
	       void **out, size_t *n, char *err, size_t errlen)
{
	char *arr = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (db_grow((void **)&arr, &cap, cnt, rows->size) < 0 ||
		    rows->read(s, arr + cnt * rows->size) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		cnt++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		if (rows->free_list)
			rows->free_list(arr, cnt);
		else
			free(arr);
		return db_fail(db, rc, what, err, errlen);
	}
	*out = arr;
	*n = cnt;
	return DB_OK;
}

static int row_user(sqlite3_stmt *s, void *elem)
{
	read_user(s, 0, elem);
	return 0;
}

int db_user_list(struct db *db, struct db_user **out, size_t *n, char *err, size_t errlen)
{
	static const struct db_rows rows = { sizeof **out, row_user, NULL };
	sqlite3_stmt *s = db_stmt(db, S_USER_LIST, err, errlen);

	*out = NULL;
	*n = 0;
	if (!s)
		return DB_ERR;
	return db_collect(db, s, &rows, "user list", (void **)out, n, err, errlen);
}

/* db_write_stmt, with DB_NOTFOUND when no row changed. */
static int write_one(struct db *db, enum db_sid sid, const char *const *t, int nt,
		     const long long *v, int nv, char *err, size_t errlen)
{
	long long n = 0;
	int rc = db_write_stmt(db, sid, t, nt, v, nv, &n, err, errlen);

	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}

int db_user_delete(struct db *db, const char *id, char *err, size_t errlen)
{
	return write_one(db, S_USER_DELETE, &id, 1, NULL, 0, err, errlen);
}

int db_user_set_role(struct db *db, const char *id, const char *role, char *err, size_t errlen)
{
	const char *t[] = { id, role };

	return write_one(db, S_USER_SET_ROLE, t, 2, NULL, 0, err, errlen);
}

int db_user_set_disabled(struct db *db, const char *id, int disabled, char *err, size_t errlen)
{
	const long long v = disabled ? 1 : 0;

	return write_one(db, S_USER_SET_DISABLED, &id, 1, &v, 1, err, errlen);
}

int db_count(struct db *db, enum db_sid sid, const char *a, const char *b, long long c,
	     long long *n, char *err, size_t errlen)
{
	sqlite3_stmt *s = db_stmt(db, sid, err, errlen);
	int rc;

	if (!s)
		return DB_ERR;
	if (a)
		db_bind_text(s, 1, a);
	if (b)
		db_bind_text(s, 2, b);
	if (sqlite3_bind_parameter_count(s) >= 3)
		sqlite3_bind_int64(s, 3, c);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? DB_OK : db_fail(db, rc, "count", err, errlen);
}

int db_user_count(struct db *db, long long *n, char *err, size_t errlen)
{
	return db_count(db, S_USER_COUNT, NULL, NULL, 0, n, err, errlen);
}

static void read_token(sqlite3_stmt *s, struct db_token *t)
{
	memset(t, 0, sizeof *t);
	db_col_copy(s, 0, t->id, sizeof t->id);
	db_col_copy(s, 1, t->user_id, sizeof t->user_id);
	db_col_copy(s, 2, t->name, sizeof t->name);
	db_col_copy(s, 3, t->prefix, sizeof t->prefix);
	t->created_at = db_col_time(s, 4);
	t->expires_at = db_col_time(s, 5);
	t->revoked_at = db_col_time(s, 6);
	t->last_used_at = db_col_time(s, 7);
}

static int row_token(sqlite3_stmt *s, void *elem)
{
	read_token(s, elem);
	return 0;
}

int db_token_insert(struct db *db, struct db_token *t, const char *token_hash, char *err,
		    size_t errlen)
{
	struct db_tx tx;
	sqlite3_stmt *s;
	int rc;

	if (too_long(t->id, ID_MAX_BUFSZ - 1, "token id", err, errlen) ||
	    too_long(t->name, sizeof t->name - 1, "token name", err, errlen) ||
	    too_long(t->prefix, sizeof t->prefix - 1, "token prefix", err, errlen) ||
	    too_long(token_hash, 64, "token hash", err, errlen))
		return DB_ERR;
	t->created_at = db_now();
	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	s = db_stmt(db, S_TOKEN_INSERT, err, errlen);
	if (!s) {
		rc = DB_ERR;
	} else {
		db_bind_text(s, 1, t->id);
		db_bind_text(s, 2, t->user_id);
		db_bind_text(s, 3, t->name);
		db_bind_text(s, 4, token_hash);
		db_bind_text(s, 5, t->prefix);
		sqlite3_bind_int64(s, 6, t->created_at);
		db_bind_opt_time(s, 7, t->expires_at);
		rc = db_step_done(db, s, err, errlen);
	}
	return db_tx_leave(db, &tx, rc, err, errlen);
}

int db_token_lookup(struct db *db, const char *token_hash, long long now, struct db_token *tok,
		    struct db_user *user, char *err, size_t errlen)
{
	sqlite3_stmt *s = db_stmt(db, S_TOKEN_LOOKUP, err, errlen);
	int rc;

	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, token_hash);
	sqlite3_bind_int64(s, 2, now);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		read_token(s, tok);
		read_user(s, 8, user);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return DB_OK;
	return rc == SQLITE_DONE ? DB_NOTFOUND : db_fail(db, rc, "token", err, errlen);
}

int db_token_touch(struct db *db, const char *id, long long now, char *err, size_t errlen)
{
	long long stale = 0;
	int rc;

	/* a read first: on the hot path of every token request, no write lock is taken
	 * unless the minute has passed */
	if (db_count(db, S_TOKEN_STALE, id, NULL, now, &stale, err, errlen) != DB_OK)
		return DB_ERR;
	if (stale == 0)
		return DB_OK;
	rc = write_one(db, S_TOKEN_TOUCH, &id, 1, &now, 1, err, errlen);

	return rc == DB_NOTFOUND ? DB_OK : rc; /* touched recently: nothing to do */
}

int db_token_list(struct db *db, const char *user_id, struct db_token **out, size_t *n, char *err,
		  size_t errlen)
{
	static const struct db_rows rows = { sizeof **out, row_token, NULL };
	sqlite3_stmt *s = db_stmt(db, S_TOKEN_LIST, err, errlen);

	*out = NULL;
	*n = 0;
	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, user_id);
	return db_collect(db, s, &rows, "token list", (void **)out, n, err, errlen);
}

int db_token_revoke(struct db *db, const char *id, const char *user_id, long long now, char *err,
		    size_t errlen)
{
	const char *t[] = { id, user_id };

	return write_one(db, S_TOKEN_REVOKE, t, 2, &now, 1, err, errlen);
}
