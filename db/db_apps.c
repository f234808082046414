/* db_apps.c: apps and their files (see db.h). */
#include "db_internal.h"
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void db_app_clear(struct db_app *a)
{
	free(a->name);
	free(a->prompt);
	free(a->error);
	free(a->scan_findings);
	memset(a, 0, sizeof *a);
}

void db_app_list_free(struct db_app *apps, size_t n)
{
	for (size_t i = 0; apps && i < n; i++)
		db_app_clear(&apps[i]);
	free(apps);
}

/* Columns: id, owner, name, prompt, status, error, scan_verdict, scan_findings,
 * created_at, updated_at, seq, visibility. Returns -1 on out of memory. */
static int read_app(sqlite3_stmt *s, struct db_app *a)
{
	memset(a, 0, sizeof *a);
	db_col_copy(s, 0, a->id, sizeof a->id);
	db_col_copy(s, 1, a->owner, sizeof a->owner);
	a->name = db_col_dup(s, 2, "");
	a->prompt = db_col_dup(s, 3, "");
	/* the schema's CHECK keeps the column inside the table of states.h */
	int st = app_status_parse((const char *)sqlite3_column_text(s, 4));
	a->status = st < 0 ? APP_FAILED : (enum app_status)st;
	a->error = db_col_dup(s, 5, NULL);
	db_col_copy(s, 6, a->scan_verdict, sizeof a->scan_verdict);
	a->scan_findings = db_col_dup(s, 7, "[]");
	a->created_at = sqlite3_column_int64(s, 8);
	a->updated_at = sqlite3_column_int64(s, 9);
	a->seq = sqlite3_column_int64(s, 10);
	db_col_copy(s, 11, a->visibility, sizeof a->visibility);
	if (!a->name || !a->prompt || !a->scan_findings ||
	    (!a->error && sqlite3_column_type(s, 5) != SQLITE_NULL)) {
		db_app_clear(a);
		return -1;
	}
	return 0;
}

static int insert_files(struct db *db, const char *id, struct json_object *files, char *err,
			size_t errlen)
{
	if (!files)
		return DB_OK;
	if (!json_object_is_type(files, json_type_object)) {
		snprintf(err, errlen, "files must be an object");
		return DB_ERR;
	}
	json_object_object_foreach (files, path, v) {
		sqlite3_stmt *s = db_stmt(db, S_FILE_INSERT, err, errlen);
		int rc;
		if (!s)
			return DB_ERR;
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(err, errlen, "file content must be a string");
			return DB_ERR;
		}
		db_bind_text(s, 1, id);
		db_bind_text(s, 2, path);
		sqlite3_bind_text(s, 3, json_object_get_string(v), json_object_get_string_len(v),
				  SQLITE_STATIC);
		if ((rc = db_step_done(db, s, err, errlen)) != DB_OK)
			return rc;
	}
	return DB_OK;
}

static int insert_row(struct db *db, const struct db_app *a, char *err, size_t errlen)
{
	sqlite3_stmt *s = db_stmt(db, S_APP_INSERT, err, errlen);

	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, a->id);
	db_bind_text(s, 2, a->owner);
	db_bind_text(s, 3, a->name ? a->name : "");
	db_bind_text(s, 4, a->prompt ? a->prompt : "");
	db_bind_text(s, 5, app_status_name(a->status));
	db_bind_text(s, 6, a->error);
	db_bind_text(s, 7, a->scan_verdict[0] ? a->scan_verdict : NULL);
	db_bind_text(s, 8, a->scan_findings ? a->scan_findings : "[]");
	sqlite3_bind_int64(s, 9, a->created_at);
	db_bind_text(s, 10, a->visibility[0] ? a->visibility : "private");
	return db_step_done(db, s, err, errlen);
}

int db_app_insert(struct db *db, struct db_app *a, struct json_object *files, char *err,
		  size_t errlen)
{
	struct db_tx tx;
	int rc;

	if (!id_valid_app(a->id)) {
		snprintf(err, errlen, "invalid app id");
		return DB_ERR;
	}
	a->created_at = a->updated_at = db_now();
	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	rc = insert_row(db, a, err, errlen);
	if (rc == DB_OK)
		rc = insert_files(db, a->id, files, err, errlen);
	return db_tx_leave(db, &tx, rc, err, errlen);
}

/* The cursor is the hex of "created_at:seq" of the last app of a page: opaque to
 * clients, strictly parsed here. */
static void cursor_make(char out[DB_CURSOR_BUFSZ], long long created, long long seq)
{
	char raw[DB_CURSOR_BUFSZ / 2];
	int n = snprintf(raw, sizeof raw, "%lld:%lld", created, seq);

	util_hex_encode(raw, (size_t)n, out);
}

static int cursor_parse(const char *c, long long *created, long long *seq)
{
	char raw[DB_CURSOR_BUFSZ / 2], *colon;
	size_t len = strnlen(c, DB_CURSOR_BUFSZ);

	if (len == 0 || len % 2 || len >= DB_CURSOR_BUFSZ - 1 ||
	    util_hex_decode(c, raw, len / 2) < 0)
		return -1;
	raw[len / 2] = '\0';
	colon = strchr(raw, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	return util_parse_ll(raw, 0, INT64_MAX, created) < 0 ||
			       util_parse_ll(colon + 1, 1, INT64_MAX, seq) < 0
		       ? -1
		       : 0;
}

static int row_app(sqlite3_stmt *s, void *elem)
{
	return read_app(s, elem);
}

static void list_free_apps(void *arr, size_t n)
{
	db_app_list_free(arr, n);
}

/* Columns of an app (read_app's), then generation, then a run (db_read_run's) or
 * NULLs when the app never ran. */
static int row_view(sqlite3_stmt *s, void *elem)
{
	struct db_app_view *v = elem;

	memset(v, 0, sizeof *v);
	if (read_app(s, &v->app) < 0)
		return -1;
	if (sqlite3_column_type(s, 12) != SQLITE_NULL &&
	    !(v->generation = db_col_dup(s, 12, NULL))) {
		db_app_clear(&v->app);
		return -1;
	}
	v->has_run = sqlite3_column_type(s, 13) != SQLITE_NULL;
	if (v->has_run)
		db_read_run(s, 13, &v->run);
	return 0;
}

/* One app (row reads it into out) by id, of owner unless owner is NULL. */
static int get_one(struct db *db, enum db_sid sid, const char *id, const char *owner,
		   int (*row)(sqlite3_stmt *, void *), void *out, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc, mem = 0;

	if (!id_valid_app(id))
		return DB_NOTFOUND;
	if (!(s = db_stmt(db, sid, err, errlen)))
		return DB_ERR;
	db_bind_text(s, 1, id);
	db_bind_text(s, 2, owner);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		mem = row(s, out);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW && mem == 0)
		return DB_OK;
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	return db_fail(db, mem ? SQLITE_NOMEM : rc, "app", err, errlen);
}

int db_app_get(struct db *db, const char *id, const char *owner, struct db_app *out, char *err,
	       size_t errlen)
{
	return get_one(db, S_APP_GET, id, owner, row_app, out, err, errlen);
}

static void list_free_views(void *arr, size_t n)
{
	db_app_view_list_free(arr, n);
}

/* A kind of app list: how its rows are read and freed, how one element is cleared,
 * and its two statements (one owner's apps, every app). */
struct list_kind {
	struct db_rows rows;
	void (*clear)(void *elem);
	enum db_sid by_owner, all;
};

/* One page of a list in the order of apps_owner_order / apps_order. The elements
 * begin with a struct db_app (the cursor is read from it); the one row fetched past
 * limit (it only tells that a next page exists) is dropped. */
static int list_page(struct db *db, const struct list_kind *k, const char *owner,
		     const char *cursor, int limit, void **out, size_t *n,
		     char next_cursor[DB_CURSOR_BUFSZ], char *err, size_t errlen)
{
	long long created = INT64_MAX, seq = INT64_MAX;
	sqlite3_stmt *s;
	const struct db_app *last;
	int rc;

	*out = NULL;
	*n = 0;
	next_cursor[0] = '\0';
	if (limit < 1 || limit > DB_LIST_MAX) {
		snprintf(err, errlen, "limit must be between 1 and %d", DB_LIST_MAX);
		return DB_ERR;
	}
	if (cursor && *cursor && cursor_parse(cursor, &created, &seq) < 0) {
		snprintf(err, errlen, "invalid cursor");
		return DB_ERR;
	}
	if (!(s = db_stmt(db, owner ? k->by_owner : k->all, err, errlen)))
		return DB_ERR;
	if (owner)
		db_bind_text(s, 1, owner);
	sqlite3_bind_int64(s, 2, created);
	sqlite3_bind_int64(s, 3, seq);
	sqlite3_bind_int(s, 4, limit + 1);
	rc = db_collect(db, s, &k->rows, "app list", out, n, err, errlen);
	if (rc != DB_OK || *n <= (size_t)limit)
		return rc;
	k->clear((char *)*out + (size_t)limit * k->rows.size);
	*n = (size_t)limit;
	last = (const struct db_app *)((const char *)*out + (size_t)(limit - 1) * k->rows.size);
	cursor_make(next_cursor, last->created_at, last->seq);
	return DB_OK;
}

static void clear_app(void *elem)
{
	db_app_clear(elem);
}

static void clear_view(void *elem)
{
	db_app_view_clear(elem);
}

int db_app_list(struct db *db, const char *owner, const char *cursor, int limit,
		struct db_app **out, size_t *n, char next_cursor[DB_CURSOR_BUFSZ], char *err,
		size_t errlen)
{
	static const struct list_kind k = { { sizeof **out, row_app, list_free_apps },
					    clear_app,
					    S_APP_LIST_OWNER,
					    S_APP_LIST_ALL };
	return list_page(db, &k, owner, cursor, limit, (void **)out, n, next_cursor, err, errlen);
}

int db_app_view_list(struct db *db, const char *owner, const char *cursor, int limit,
		     struct db_app_view **out, size_t *n, char next_cursor[DB_CURSOR_BUFSZ],
		     char *err, size_t errlen)
{
	static const struct list_kind k = { { sizeof **out, row_view, list_free_views },
					    clear_view,
					    S_APP_VIEW_LIST_OWNER,
					    S_APP_VIEW_LIST_ALL };
	return list_page(db, &k, owner, cursor, limit, (void **)out, n, next_cursor, err, errlen);
}

int db_app_view_get(struct db *db, const char *id, const char *owner, struct db_app_view *out,
		    char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	return get_one(db, S_APP_VIEW_GET, id, owner, row_view, out, err, errlen);
}

void db_app_view_clear(struct db_app_view *v)
{
	db_app_clear(&v->app);
	free(v->generation);
	memset(v, 0, sizeof *v);
}

void db_app_view_list_free(struct db_app_view *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		db_app_view_clear(&v[i]);
	free(v);
}

int db_app_count_by_owner(struct db *db, const char *owner, long long *n, char *err, size_t errlen)
{
	return db_count(db, S_APP_COUNT_OWNER, owner, NULL, 0, n, err, errlen);
}

int db_app_count_by_status(struct db *db, enum app_status status, long long *n, char *err,
			   size_t errlen)
{
	return db_count(db, S_APP_COUNT_STATUS, app_status_name(status), NULL, 0, n, err, errlen);
}

int db_app_files_get(struct db *db, const char *id, struct json_object **files, char *err,
		     size_t errlen)
{
	sqlite3_stmt *s = db_stmt(db, S_FILES_GET, err, errlen);
	struct json_object *o;
	int rc;

	*files = NULL;
	if (!s || !(o = json_object_new_object())) {
		snprintf(err, errlen, "out of memory");
		return DB_ERR;
	}
	db_bind_text(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct json_object *v =
			json_object_new_string_len((const char *)sqlite3_column_text(s, 1),
						   sqlite3_column_bytes(s, 1));
		if (!v ||
		    json_object_object_add(o, (const char *)sqlite3_column_text(s, 0), v) < 0) {
			json_object_put(v);
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_object_put(o);
		return db_fail(db, rc, "files", err, errlen);
	}
	*files = o;
	return DB_OK;
}

/* Sets updated_at of id; DB_NOTFOUND if there is no such app. */
static int touch(struct db *db, const char *id, char *err, size_t errlen)
{
	sqlite3_stmt *s = db_stmt(db, S_APP_TOUCH, err, errlen);
	int rc;

	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, id);
	sqlite3_bind_int64(s, 2, db_now());
	rc = db_step_done(db, s, err, errlen);
	return rc == DB_OK && sqlite3_changes(db->h) == 0 ? DB_NOTFOUND : rc;
}

int db_app_files_replace(struct db *db, const char *id, struct json_object *files, char *err,
			 size_t errlen)
{
	struct db_tx tx;
	sqlite3_stmt *s;
	int rc;

	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	rc = touch(db, id, err, errlen);
	if (rc == DB_OK && !(s = db_stmt(db, S_FILES_DELETE, err, errlen)))
		rc = DB_ERR;
	if (rc == DB_OK) {
		db_bind_text(s, 1, id);
		rc = db_step_done(db, s, err, errlen);
	}
	if (rc == DB_OK)
		rc = insert_files(db, id, files, err, errlen);
	return db_tx_leave(db, &tx, rc, err, errlen);
}

/* One UPDATE of apps binding ?1 id, text ?2 and ?3 (NULL allowed) and ?4/?3 now. */
static int app_update(struct db *db, enum db_sid sid, const char *id, const char *a, const char *b,
		      int nargs, char *err, size_t errlen)
{
	struct db_tx tx;
	sqlite3_stmt *s;
	int rc;

	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	if (!(s = db_stmt(db, sid, err, errlen))) {
		rc = DB_ERR;
	} else {
		db_bind_text(s, 1, id);
		db_bind_text(s, 2, a);
		if (nargs == 3)
			db_bind_text(s, 3, b);
		sqlite3_bind_int64(s, nargs + 1, db_now());
		rc = db_step_done(db, s, err, errlen);
		if (rc == DB_OK && sqlite3_changes(db->h) == 0)
			rc = DB_NOTFOUND;
	}
	return db_tx_leave(db, &tx, rc, err, errlen);
}

int db_app_set_status(struct db *db, const char *id, enum app_status status, const char *error,
		      char *err, size_t errlen)
{
	/* an out-of-range value names "?", which the schema's CHECK refuses */
	return app_update(db, S_APP_SET_STATUS, id, app_status_name(status), error, 3, err, errlen);
}

int db_app_set_scan(struct db *db, const char *id, const char *verdict, const char *findings_json,
		    char *err, size_t errlen)
{
	return app_update(db, S_APP_SET_SCAN, id, verdict && *verdict ? verdict : NULL,
			  findings_json ? findings_json : "[]", 3, err, errlen);
}

int db_app_set_name(struct db *db, const char *id, const char *name, char *err, size_t errlen)
{
	return app_update(db, S_APP_SET_NAME, id, name, NULL, 2, err, errlen);
}

int db_app_set_visibility(struct db *db, const char *id, const char *visibility, char *err,
			  size_t errlen)
{
	if (!db_visibility_valid(visibility)) {
		snprintf(err, errlen, "invalid visibility");
		return DB_ERR;
	}
	return app_update(db, S_APP_SET_VISIBILITY, id, visibility, NULL, 2, err, errlen);
}

bool db_visibility_valid(const char *v)
{
	return v && (strcmp(v, "private") == 0 || strcmp(v, "public") == 0);
}

int db_app_delete(struct db *db, const char *id, const char *owner, char *err, size_t errlen)
{
	const char *t[] = { id, owner };
	long long n = 0;
	int rc;

	if (!id_valid_app(id))
		return DB_NOTFOUND;
	rc = db_write_stmt(db, S_APP_DELETE, t, 2, NULL, 0, &n, err, errlen);
	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}
