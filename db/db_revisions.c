/* db_revisions.c: the history of an app's code (see db.h, "revisions").
 *
 * A revision maps each path to a blob: one row per distinct content of the app, keyed
 * by its SHA-256. Saving a file unchanged costs a row of hashes, never a copy. Blobs and
 * revisions cascade with their app, so deleting the app leaves nothing behind; an app
 * keeps its newest DB_REV_KEEP revisions, and pruning older ones deletes the blobs no
 * kept revision uses.
 * Also here: the app's generation column (the generator's understanding of it). */
#include "db_internal.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

void db_sha256_hex(const void *p, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)p, len);
	sodium_bin2hex(out, 65, h, sizeof h);
}

static void sql_sha256(sqlite3_context *c, int argc, sqlite3_value **argv)
{
	char hex[65];
	const unsigned char *t;

	(void)argc;
	t = sqlite3_value_text(argv[0]);
	if (!t) {
		sqlite3_result_null(c);
		return;
	}
	db_sha256_hex(t, (size_t)sqlite3_value_bytes(argv[0]), hex);
	sqlite3_result_text(c, hex, 64, SQLITE_TRANSIENT);
}

int db_register_functions(struct db *db, char *err, size_t errlen)
{
	int rc = sqlite3_create_function(db->h, "af_sha256", 1,
					 SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
					 NULL, sql_sha256, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "af_sha256", err, errlen);
	return DB_OK;
}

void db_revision_clear(struct db_revision *r)
{
	free(r->message);
	free(r->changes);
	memset(r, 0, sizeof *r);
}

void db_revision_list_free(struct db_revision *revs, size_t n)
{
	for (size_t i = 0; revs && i < n; i++)
		db_revision_clear(&revs[i]);
	free(revs);
}

static bool source_valid(const char *s)
{
	static const char *const ok[] = { "generate", "save", "iterate", "restore", "upload" };

	for (size_t i = 0; s && i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(s, ok[i]) == 0)
			return true;
	return false;
}

/* The newest revision number of the app (0: none). */
static int last_n(struct db *db, const char *app_id, long long *n, char *err, size_t errlen)
{
	sqlite3_stmt *s = db_stmt(db, S_REV_LAST, err, errlen);
	int rc;

	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, app_id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = db_fail(db, rc, "revision last", err, errlen);
		sqlite3_reset(s);
		return rc;
	}
	*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return DB_OK;
}

/* The path -> hash map of revision n (an empty object for n == 0). */
static int hashes_of(struct db *db, const char *app_id, long long n, struct json_object **out,
		     char *err, size_t errlen)
{
	sqlite3_stmt *s;
	struct json_object *o = json_object_new_object();
	int rc;

	*out = NULL;
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return DB_ERR;
	}
	if (n == 0) {
		*out = o;
		return DB_OK;
	}
	if (!(s = db_stmt(db, S_REVFILE_HASHES, err, errlen))) {
		json_object_put(o);
		return DB_ERR;
	}
	db_bind_text(s, 1, app_id);
	sqlite3_bind_int64(s, 2, n);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		json_object_object_add(o, (const char *)sqlite3_column_text(s, 0),
				       json_object_new_string(
					       (const char *)sqlite3_column_text(s, 1)));
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_object_put(o);
		return db_fail(db, rc, "revision hashes", err, errlen);
	}
	*out = o;
	return DB_OK;
}

static void change_add(struct json_object *arr, const char *path, const char *change)
{
	struct json_object *c = json_object_new_object();

	json_object_object_add(c, "path", json_object_new_string(path));
	json_object_object_add(c, "change", json_object_new_string(change));
	json_object_array_add(arr, c);
}

/* What the files are against the previous revision's path -> hash map prev: a new
 * JSON array of {path, change} (added, modified, deleted), or NULL on out of memory. */
static struct json_object *changes_of(struct json_object *files, struct json_object *prev)
{
	struct json_object *changes = json_object_new_array();
	char hex[65];

	if (!changes)
		return NULL;
	json_object_object_foreach (files, path, v) {
		struct json_object *old = NULL;
		db_sha256_hex(json_object_get_string(v), (size_t)json_object_get_string_len(v),
			      hex);
		if (!json_object_object_get_ex(prev, path, &old))
			change_add(changes, path, "added");
		else if (strcmp(json_object_get_string(old), hex) != 0)
			change_add(changes, path, "modified");
	}
	json_object_object_foreach (prev, opath, h) {
		(void)h;
		if (!json_object_object_get_ex(files, opath, NULL))
			change_add(changes, opath, "deleted");
	}
	return changes;
}

/* Stores one file of revision n: its blob unless the app has that content already,
 * and the path -> hash row. */
static int store_file(struct db *db, const char *app_id, long long n, const char *path,
		      struct json_object *v, char *err, size_t errlen)
{
	char hex[65];
	sqlite3_stmt *s;
	int rc;

	db_sha256_hex(json_object_get_string(v), (size_t)json_object_get_string_len(v), hex);
	if (!(s = db_stmt(db, S_BLOB_PUT, err, errlen)))
		return DB_ERR;
	db_bind_text(s, 1, app_id);
	db_bind_text(s, 2, hex);
	sqlite3_bind_text(s, 3, json_object_get_string(v), json_object_get_string_len(v),
			  SQLITE_STATIC);
	if ((rc = db_step_done(db, s, err, errlen)) != DB_OK)
		return rc;
	if (!(s = db_stmt(db, S_REVFILE_INSERT, err, errlen)))
		return DB_ERR;
	db_bind_text(s, 1, app_id);
	sqlite3_bind_int64(s, 2, n);
	db_bind_text(s, 3, path);
	db_bind_text(s, 4, hex);
	return db_step_done(db, s, err, errlen);
}

static int insert_rev(struct db *db, const char *app_id, long long n, const char *author,
		      const char *source, const char *message, struct json_object *changes,
		      char *err, size_t errlen)
{
	sqlite3_stmt *s = db_stmt(db, S_REV_INSERT, err, errlen);
	const char *text =
		json_object_to_json_string_ext(changes, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, app_id);
	sqlite3_bind_int64(s, 2, n);
	sqlite3_bind_int64(s, 3, db_now());
	db_bind_text(s, 4, author ? author : "");
	db_bind_text(s, 5, source);
	db_bind_text(s, 6, message ? message : "");
	db_bind_text(s, 7, text ? text : "[]");
	return db_step_done(db, s, err, errlen);
}

static int files_valid(struct json_object *files, char *err, size_t errlen)
{
	if (!json_object_is_type(files, json_type_object)) {
		snprintf(err, errlen, "files must be an object");
		return DB_ERR;
	}
	json_object_object_foreach (files, path, v) {
		(void)path;
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(err, errlen, "file content must be a string");
			return DB_ERR;
		}
	}
	return DB_OK;
}

/* Deletes the revisions up to n of the app and the contents only they used. */
static int prune(struct db *db, const char *app_id, long long n, char *err, size_t errlen)
{
	sqlite3_stmt *s = db_stmt(db, S_REV_PRUNE, err, errlen);
	int rc;

	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, app_id);
	sqlite3_bind_int64(s, 2, n);
	if ((rc = db_step_done(db, s, err, errlen)) != DB_OK)
		return rc;
	if (!(s = db_stmt(db, S_BLOB_PRUNE, err, errlen)))
		return DB_ERR;
	db_bind_text(s, 1, app_id);
	return db_step_done(db, s, err, errlen);
}

/* The body of db_rev_add, inside its transaction. */
static int rev_add(struct db *db, const char *app_id, const char *author, const char *source,
		   const char *message, struct json_object *files, long long *out_n, char *err,
		   size_t errlen)
{
	struct json_object *prev = NULL, *changes = NULL;
	long long n = 0;
	int rc;

	rc = last_n(db, app_id, &n, err, errlen);
	if (rc == DB_OK)
		rc = hashes_of(db, app_id, n, &prev, err, errlen);
	n++;
	if (rc == DB_OK && !(changes = changes_of(files, prev))) {
		snprintf(err, errlen, "out of memory");
		rc = DB_ERR;
	}
	/* the revision row first: its files refer to it */
	if (rc == DB_OK)
		rc = insert_rev(db, app_id, n, author, source, message, changes, err, errlen);
	if (rc == DB_OK) {
		json_object_object_foreach (files, path, v) {
			rc = store_file(db, app_id, n, path, v, err, errlen);
			if (rc != DB_OK)
				break;
		}
	}
	json_object_put(prev);
	json_object_put(changes);
	if (rc == DB_OK && n > DB_REV_KEEP)
		rc = prune(db, app_id, n - DB_REV_KEEP, err, errlen);
	if (rc == DB_OK && out_n)
		*out_n = n;
	return rc;
}

int db_rev_add(struct db *db, const char *app_id, const char *author, const char *source,
	       const char *message, struct json_object *files, long long *n, char *err,
	       size_t errlen)
{
	struct db_tx tx;
	int rc;

	if (!source_valid(source)) {
		snprintf(err, errlen, "unknown revision source");
		return DB_ERR;
	}
	if (files_valid(files, err, errlen) != DB_OK)
		return DB_ERR;
	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	rc = rev_add(db, app_id, author, source, message, files, n, err, errlen);
	return db_tx_leave(db, &tx, rc, err, errlen);
}

/* Columns: n, created_at, author, source, message, changes. -1 on out of memory. */
static int read_rev(sqlite3_stmt *s, void *elem)
{
	struct db_revision *r = elem;

	memset(r, 0, sizeof *r);
	r->n = sqlite3_column_int64(s, 0);
	r->created_at = sqlite3_column_int64(s, 1);
	db_col_copy(s, 2, r->author, sizeof r->author);
	db_col_copy(s, 3, r->source, sizeof r->source);
	r->message = db_col_dup(s, 4, "");
	r->changes = db_col_dup(s, 5, "[]");
	if (!r->message || !r->changes) {
		db_revision_clear(r);
		return -1;
	}
	return 0;
}

static void rev_list_free(void *arr, size_t n)
{
	db_revision_list_free(arr, n);
}

int db_rev_get(struct db *db, const char *app_id, long long n, struct db_revision *out, char *err,
	       size_t errlen)
{
	static const struct db_rows rows = { sizeof(struct db_revision), read_rev, rev_list_free };
	struct db_revision *arr = NULL;
	size_t cnt = 0;
	sqlite3_stmt *s = db_stmt(db, S_REV_GET, err, errlen);
	int rc;

	memset(out, 0, sizeof *out);
	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, app_id);
	sqlite3_bind_int64(s, 2, n);
	rc = db_collect(db, s, &rows, "revision get", (void **)&arr, &cnt, err, errlen);
	if (rc != DB_OK)
		return rc;
	if (cnt == 0) {
		free(arr);
		return DB_NOTFOUND;
	}
	*out = arr[0];
	free(arr);
	return DB_OK;
}

int db_rev_list(struct db *db, const char *app_id, long long before, int limit,
		struct db_revision **out, size_t *n, char *err, size_t errlen)
{
	static const struct db_rows rows = { sizeof(struct db_revision), read_rev, rev_list_free };
	sqlite3_stmt *s;

	*out = NULL;
	*n = 0;
	if (limit < 1 || limit > DB_LIST_MAX) {
		snprintf(err, errlen, "limit must be between 1 and %d", DB_LIST_MAX);
		return DB_ERR;
	}
	if (!(s = db_stmt(db, S_REV_LIST, err, errlen)))
		return DB_ERR;
	db_bind_text(s, 1, app_id);
	sqlite3_bind_int64(s, 2, before > 0 ? before : INT64_MAX);
	sqlite3_bind_int(s, 3, limit);
	return db_collect(db, s, &rows, "revision list", (void **)out, n, err, errlen);
}

int db_rev_files(struct db *db, const char *app_id, long long n, struct json_object **files,
		 char *err, size_t errlen)
{
	struct db_revision r;
	struct json_object *o;
	sqlite3_stmt *s;
	int rc = db_rev_get(db, app_id, n, &r, err, errlen);

	*files = NULL;
	if (rc != DB_OK)
		return rc;
	db_revision_clear(&r);
	if (!(s = db_stmt(db, S_REV_FILES, err, errlen)))
		return DB_ERR;
	if (!(o = json_object_new_object())) {
		snprintf(err, errlen, "out of memory");
		return DB_ERR;
	}
	db_bind_text(s, 1, app_id);
	sqlite3_bind_int64(s, 2, n);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		json_object_object_add(
			o, (const char *)sqlite3_column_text(s, 0),
			json_object_new_string_len((const char *)sqlite3_column_text(s, 1),
						   sqlite3_column_bytes(s, 1)));
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_object_put(o);
		return db_fail(db, rc, "revision files", err, errlen);
	}
	*files = o;
	return DB_OK;
}

int db_app_set_generation(struct db *db, const char *id, const char *json_text, char *err,
			  size_t errlen)
{
	const char *t[] = { id, json_text };
	long long n = 0;
	int rc = db_write_stmt(db, S_APP_SET_GENERATION, t, 2, NULL, 0, &n, err, errlen);

	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}

static int get_generation(struct db *db, enum db_sid sid, const char *id, char **out, char *err,
			  size_t errlen)
{
	sqlite3_stmt *s = db_stmt(db, sid, err, errlen);
	int rc;

	*out = NULL;
	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(s, 0) != SQLITE_NULL && !(*out = db_col_dup(s, 0, NULL))) {
			snprintf(err, errlen, "out of memory");
			rc = DB_ERR;
		} else {
			rc = DB_OK;
		}
	} else if (rc == SQLITE_DONE) {
		rc = DB_NOTFOUND;
	} else {
		rc = db_fail(db, rc, "generation get", err, errlen);
	}
	sqlite3_reset(s);
	return rc;
}

int db_app_get_generation(struct db *db, const char *id, char **out, char *err, size_t errlen)
{
	return get_generation(db, S_APP_GET_GENERATION, id, out, err, errlen);
}

int db_app_get_generation_shown(struct db *db, const char *id, char **out, char *err, size_t errlen)
{
	return get_generation(db, S_APP_GET_GENERATION_SHOWN, id, out, err, errlen);
}
