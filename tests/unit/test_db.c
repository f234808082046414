/* test_db.c: the database layer: migrations, users, tokens, apps, files, runs, audit,
 * foreign-key cascades, append-only audit, cursor pagination, concurrent writers. */
#include "tap.h"
#include "db.h"
#include "db_internal.h"
#include "db_snapshots.h"
#include "json.h"
#include "appfiles.h"
#include "util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64], path[128], race_path[128], err[512];

static long long count_rows(struct db *db, const char *sql)
{
	sqlite3_stmt *s;
	long long n = -1;

	if (sqlite3_prepare_v2(db_sqlite(db), sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void make_user(struct db *db, struct db_user *u, const char *name, const char *role)
{
	memset(u, 0, sizeof *u);
	id_new_user(u->id);
	snprintf(u->username, sizeof u->username, "%s", name);
	snprintf(u->password_hash, sizeof u->password_hash, "$argon2id$dummy");
	snprintf(u->role, sizeof u->role, "%s", role);
	ok(db_user_insert(db, u, err, sizeof err) == DB_OK, "insert user %s", name);
}

static struct json_object *files_of(const char *server_js)
{
	struct json_object *f = json_object_new_object();
	json_object_object_add(f, "server.js", json_object_new_string(server_js));
	json_object_object_add(f, "public/index.html", json_object_new_string("<h1>hi</h1>"));
	return f;
}

static void make_app(struct db *db, struct db_app *a, const char *owner, const char *name)
{
	struct json_object *f = files_of("require('http')");
	memset(a, 0, sizeof *a);
	id_new_app(a->id);
	snprintf(a->owner, sizeof a->owner, "%s", owner);
	a->name = (char *)name;
	a->prompt = (char *)"a todo list";
	a->status = APP_READY;
	if (db_app_insert(db, a, f, err, sizeof err) != DB_OK)
		printf("# %s\n", err);
	a->name = a->prompt = NULL;
	json_object_put(f);
}

static void test_migrations(void)
{
	struct db *db;

	ok(db_open(&db, path, err, sizeof err) == DB_OK, "open creates and migrates");
	ok(db_schema_version(db) == db_schema_latest() && db_schema_latest() >= 1,
	   "schema at latest version %d", db_schema_latest());
	ok(db_ping(db, err, sizeof err) == DB_OK, "ping");
	db_close(db);
	ok(db_open(&db, path, err, sizeof err) == DB_OK &&
		   db_schema_version(db) == db_schema_latest(),
	   "reopen is idempotent");
	ok(count_rows(db, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode='wal'") == 1,
	   "journal_mode is WAL");
	ok(count_rows(db, "PRAGMA foreign_keys") == 1, "foreign keys on");
	ok(count_rows(db, "PRAGMA busy_timeout") == 5000, "busy_timeout 5000");
	db_close(db);
}

/* Migration 5 on a database at version 4: apps with files get revision 1 from them,
 * one blob per distinct content, keyed by its SHA-256. */
static void test_migration_revisions(void)
{
	static const char *const seed_sql =
		"INSERT INTO users(id, username, password_hash, role, created_at)"
		"  VALUES ('u_0000000000000001', 'old', 'x', 'user', 1);"
		"INSERT INTO apps(id, seq, owner, name, prompt, status, created_at, updated_at)"
		"  VALUES ('k3v9q2m8x1c7d4fa', 1, 'u_0000000000000001', 'A', '', 'ready', 5, 7),"
		"         ('k3v9q2m8x1c7d4fb', 2, 'u_0000000000000001', 'B', 'a poll', 'ready', 5, 8),"
		"         ('k3v9q2m8x1c7d4fc', 3, 'u_0000000000000001', 'C', 'x', 'generating', 5, 9);"
		"INSERT INTO app_files VALUES ('k3v9q2m8x1c7d4fa', 'server.js', 'same'),"
		"  ('k3v9q2m8x1c7d4fa', 'b.js', 'same'), ('k3v9q2m8x1c7d4fb', 'server.js', 'abc');";
	char p[160], hex[65];
	sqlite3 *h;
	struct db *db;
	int okay = 1;

	snprintf(p, sizeof p, "%s/v4.db", dir);
	okay = sqlite3_open(p, &h) == SQLITE_OK;
	for (int v = 1; okay && v <= 4; v++)
		okay = sqlite3_exec(h, db_migration_sql(v), NULL, NULL, NULL) == SQLITE_OK;
	okay = okay && sqlite3_exec(h, seed_sql, NULL, NULL, NULL) == SQLITE_OK &&
	       sqlite3_exec(h, "PRAGMA user_version = 4", NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_close(h);
	ok(okay, "a version 4 database with three apps");
	ok(db_open(&db, p, err, sizeof err) == DB_OK, "it migrates (%s)", err);
	ok(count_rows(db, "SELECT count(*) FROM revisions") == 2 &&
		   count_rows(
			   db,
			   "SELECT count(*) FROM revisions WHERE app_id = 'k3v9q2m8x1c7d4fa' AND n = 1"
			   " AND source = 'upload' AND created_at = 7 AND author = 'u_0000000000000001'") ==
			   1 &&
		   count_rows(db,
			      "SELECT count(*) FROM revisions WHERE app_id = 'k3v9q2m8x1c7d4fb'"
			      " AND source = 'generate' AND json_array_length(changes) = 1") == 1,
	   "apps with files get revision 1 (upload or generate); a generating app none");
	db_sha256_hex("abc", 3, hex);
	ok(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0 &&
		   count_rows(
			   db,
			   "SELECT count(*) FROM revision_files f JOIN blobs b USING (app_id, hash)"
			   " WHERE f.app_id = 'k3v9q2m8x1c7d4fb' AND b.hash ="
			   " 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'") ==
			   1,
	   "blobs are keyed by the SHA-256 of their content");
	ok(count_rows(db, "SELECT count(*) FROM blobs WHERE app_id = 'k3v9q2m8x1c7d4fa'") == 1 &&
		   count_rows(
			   db,
			   "SELECT count(*) FROM revision_files WHERE app_id = 'k3v9q2m8x1c7d4fa'") ==
			   2,
	   "two files of one content: one blob, two revision files");
	ok(count_rows(db, "SELECT count(*) FROM apps WHERE visibility = 'public'") == 3,
	   "migration 7: the apps that existed stay public (open to anyone, as they were)");
	{
		struct db_app a = { .id = "k3v9q2m8x1c7d4fd",
				    .owner = "u_0000000000000001",
				    .name = "new",
				    .status = APP_READY };
		struct db_app got;

		memset(&got, 0, sizeof got);
		ok(db_app_insert(db, &a, NULL, err, sizeof err) == DB_OK &&
			   db_app_get(db, a.id, NULL, &got, err, sizeof err) == DB_OK &&
			   strcmp(got.visibility, "private") == 0,
		   "a new app is private (%s)", err);
		db_app_clear(&got);
		ok(db_app_set_visibility(db, a.id, "public", err, sizeof err) == DB_OK &&
			   db_app_get(db, a.id, NULL, &got, err, sizeof err) == DB_OK &&
			   strcmp(got.visibility, "public") == 0 &&
			   db_app_set_visibility(db, a.id, "hidden", err, sizeof err) == DB_ERR,
		   "visibility: public or private, nothing else");
		db_app_clear(&got);
	}
	db_close(db);
}

/* Migration 9 on a database at version 8: each app's generation as shown (without its
 * "spec"; NULL for none or a non-object), and kept so by whoever writes it. */
static void test_migration_generation(void)
{
	static const char *const seed_sql =
		"INSERT INTO users(id, username, password_hash, role, created_at)"
		"  VALUES ('u_0000000000000001', 'old', 'x', 'user', 1);"
		"INSERT INTO apps(id, seq, owner, name, prompt, status, created_at, updated_at,"
		"  generation)"
		"  VALUES ('k3v9q2m8x1c7d4fa', 1, 'u_0000000000000001', 'A', 'p', 'ready', 5, 7,"
		"          '{\"kind\": \"notes\", \"spec\": {\"x\": 1}, \"fields\": {\"spec\": 2}}'),"
		"         ('k3v9q2m8x1c7d4fb', 2, 'u_0000000000000001', 'B', 'p', 'ready', 5, 8,"
		"          '[1, 2]'),"
		"         ('k3v9q2m8x1c7d4fc', 3, 'u_0000000000000001', 'C', '', 'ready', 5, 9, NULL);";
	char p[160], *shown = NULL;
	sqlite3 *h;
	struct db *db;
	int okay, rc;

	snprintf(p, sizeof p, "%s/v8.db", dir);
	/* made at the latest version, then taken back to 8 (migration 6 needs a function
	 * db_open registers) */
	okay = db_open(&db, p, err, sizeof err) == DB_OK;
	if (okay)
		db_close(db);
	okay = okay && sqlite3_open(p, &h) == SQLITE_OK;
	okay = okay &&
	       sqlite3_exec(h,
			    "DROP TRIGGER apps_generation_shown_insert;"
			    "DROP TRIGGER apps_generation_shown_update;"
			    "ALTER TABLE apps DROP COLUMN generation_shown;"
			    "PRAGMA user_version = 8;",
			    NULL, NULL, NULL) == SQLITE_OK &&
	       sqlite3_exec(h, seed_sql, NULL, NULL, NULL) == SQLITE_OK;
	if (!okay)
		printf("# %s\n", sqlite3_errmsg(h));
	sqlite3_close(h);
	ok(okay, "a version 8 database with three generations");
	if (db_open(&db, p, err, sizeof err) != DB_OK) {
		ok(0, "it migrates (%s)", err);
		return;
	}
	rc = db_app_get_generation_shown(db, "k3v9q2m8x1c7d4fa", &shown, err, sizeof err);
	ok(rc == DB_OK && shown &&
		   strcmp(shown, "{\"kind\":\"notes\",\"fields\":{\"spec\":2}}") == 0,
	   "migrated: the object without its top-level spec (%s)", shown ? shown : "NULL");
	free(shown);
	shown = NULL;
	ok(count_rows(db, "SELECT count(*) FROM apps WHERE generation_shown IS NULL") == 2,
	   "migrated: an array and no generation show NULL");
	ok(db_app_set_generation(db, "k3v9q2m8x1c7d4fc", "{\"kind\":\"todo\",\"spec\":[]}", err,
				 sizeof err) == DB_OK &&
		   db_app_get_generation_shown(db, "k3v9q2m8x1c7d4fc", &shown, err, sizeof err) ==
			   DB_OK &&
		   shown && strcmp(shown, "{\"kind\":\"todo\"}") == 0,
	   "a generation written after: shown at once");
	free(shown);
	shown = NULL;
	ok(sqlite3_exec(db_sqlite(db), "UPDATE apps SET generation = NULL WHERE seq = 3", NULL,
			NULL, NULL) == SQLITE_OK &&
		   db_app_get_generation_shown(db, "k3v9q2m8x1c7d4fc", &shown, err, sizeof err) ==
			   DB_OK &&
		   shown == NULL,
	   "written by plain SQL (cleared): shown follows");
	db_close(db);
}

/* An app keeps its newest DB_REV_KEEP revisions; pruning deletes the contents only
 * the pruned ones used, and keeps those still in use. */
static void test_revision_pruning(struct db *db)
{
	struct db_user u;
	struct db_app a;
	struct json_object *files;
	long long n = 0;
	char text[64];
	int good = 1;

	make_user(db, &u, "pruner", "user");
	memset(&a, 0, sizeof a);
	id_new_app(a.id);
	util_copy(a.owner, sizeof a.owner, u.id);
	a.name = (char *)"p";
	a.prompt = (char *)"";
	a.status = APP_READY;
	ok(db_app_insert(db, &a, NULL, err, sizeof err) == DB_OK, "an app for pruning");
	for (int i = 1; good && i <= DB_REV_KEEP + 5; i++) {
		files = json_object_new_object();
		snprintf(text, sizeof text, "version %d", i);
		json_object_object_add(files, "server.js",
				       json_object_new_string("always the same"));
		json_object_object_add(files, "v.txt", json_object_new_string(text));
		good = db_rev_add(db, a.id, u.id, "save", "", files, &n, err, sizeof err) == DB_OK;
		json_object_put(files);
	}
	ok(good && n == DB_REV_KEEP + 5, "%d revisions added (%s)", DB_REV_KEEP + 5,
	   good ? "" : err);
	snprintf(text, sizeof text, "SELECT min(n) FROM revisions WHERE app_id = '%s'", a.id);
	ok(count_rows(db, text) == 6, "the oldest five are pruned: history starts at 6");
	snprintf(text, sizeof text, "SELECT count(*) FROM blobs WHERE app_id = '%s'", a.id);
	ok(count_rows(db, text) == DB_REV_KEEP + 1,
	   "their contents went with them; the shared one stayed (%lld blobs)",
	   count_rows(db, text));
	ok(db_rev_get(db, a.id, 5, &(struct db_revision){ 0 }, err, sizeof err) == DB_NOTFOUND,
	   "a pruned revision is not found");
	ok(db_app_delete(db, a.id, NULL, err, sizeof err) == DB_OK && count_rows(db, text) == 0,
	   "deleting the app deletes every blob");
}

static void test_open_errors(void)
{
	struct db *db;
	char p[160];
	FILE *f;
	struct stat st;

	ok(db_open(&db, "/nonexistent-dir/x.db", err, sizeof err) == DB_ERR && db == NULL &&
		   strstr(err, "/nonexistent-dir/x.db"),
	   "open in a missing directory fails with the path");
	snprintf(p, sizeof p, "%s/garbage.db", dir);
	f = fopen(p, "w");
	for (int i = 0; i < 200; i++)
		fputs("this is not an sqlite database ", f);
	fclose(f);
	ok(db_open(&db, p, err, sizeof err) == DB_ERR && db == NULL,
	   "a file that is not a database is refused");
	snprintf(p, sizeof p, "%s/newer.db", dir);
	if (db_open(&db, p, err, sizeof err) == DB_OK) {
		sqlite3_exec(db_sqlite(db), "PRAGMA user_version = 999", NULL, NULL, NULL);
		db_close(db);
	}
	ok(db_open(&db, p, err, sizeof err) == DB_ERR && strstr(err, "999"),
	   "a schema newer than this build is refused");
	ok(stat(p, &st) == 0 && (st.st_mode & 077) == 0, "database file is private (0600)");
}

static void test_users_tokens(struct db *db)
{
	struct db_user u, v, got, *list;
	struct db_token t, tt, *toks;
	size_t n;
	long long now = time(NULL), cnt;

	make_user(db, &u, "alice", "user");
	memset(&v, 0, sizeof v);
	id_new_user(v.id);
	strcpy(v.username, "alice");
	strcpy(v.password_hash, "x");
	strcpy(v.role, "user");
	ok(db_user_insert(db, &v, err, sizeof err) == DB_CONFLICT,
	   "duplicate username is DB_CONFLICT");
	strcpy(v.username, "mallory");
	strcpy(v.role, "root");
	ok(db_user_insert(db, &v, err, sizeof err) == DB_ERR, "role outside the CHECK is refused");
	ok(db_user_get_by_name(db, "alice", &got, err, sizeof err) == DB_OK &&
		   strcmp(got.id, u.id) == 0 && strcmp(got.role, "user") == 0 && got.created_at > 0,
	   "user by name");
	ok(db_user_get(db, "u_nobody", &got, err, sizeof err) == DB_NOTFOUND, "missing user");
	ok(db_user_set_role(db, u.id, "admin", err, sizeof err) == DB_OK &&
		   db_user_get(db, u.id, &got, err, sizeof err) == DB_OK &&
		   strcmp(got.role, "admin") == 0,
	   "set role");
	ok(db_user_list(db, &list, &n, err, sizeof err) == DB_OK && n == 1, "list users");
	free(list);
	ok(db_user_count(db, &cnt, err, sizeof err) == DB_OK && cnt == 1, "count users");

	memset(&t, 0, sizeof t);
	id_new_token(t.id);
	strcpy(t.user_id, u.id);
	strcpy(t.name, "ci");
	strcpy(t.prefix, "afk_abcdef");
	ok(db_token_insert(db, &t, "aa11", err, sizeof err) == DB_OK, "insert token");
	ok(db_token_lookup(db, "aa11", now, &tt, &got, err, sizeof err) == DB_OK &&
		   strcmp(tt.id, t.id) == 0 && strcmp(got.username, "alice") == 0,
	   "lookup token with user");
	ok(db_token_touch(db, t.id, now, err, sizeof err) == DB_OK &&
		   db_token_touch(db, t.id, now + 30, err, sizeof err) == DB_OK &&
		   db_token_list(db, u.id, &toks, &n, err, sizeof err) == DB_OK && n == 1 &&
		   toks[0].last_used_at == now,
	   "touch records use at most once a minute");
	free(toks);
	ok(db_token_touch(db, t.id, now + 61, err, sizeof err) == DB_OK &&
		   db_token_list(db, u.id, &toks, &n, err, sizeof err) == DB_OK && n == 1 &&
		   toks[0].last_used_at == now + 61,
	   "touch after a minute updates last_used_at");
	free(toks);
	ok(db_token_lookup(db, "bb22", now, &tt, &got, err, sizeof err) == DB_NOTFOUND,
	   "unknown hash");
	ok(db_user_set_disabled(db, u.id, 1, err, sizeof err) == DB_OK &&
		   db_token_lookup(db, "aa11", now, &tt, &got, err, sizeof err) == DB_NOTFOUND,
	   "token of a disabled user is not found");
	db_user_set_disabled(db, u.id, 0, err, sizeof err);

	id_new_token(t.id);
	t.expires_at = now + 10;
	ok(db_token_insert(db, &t, "cc33", err, sizeof err) == DB_OK &&
		   db_token_lookup(db, "cc33", now, &tt, &got, err, sizeof err) == DB_OK &&
		   db_token_lookup(db, "cc33", now + 10, &tt, &got, err, sizeof err) == DB_NOTFOUND,
	   "token expires at expires_at");
	ok(db_token_insert(db, &t, "dd44", err, sizeof err) == DB_CONFLICT, "duplicate token id");
	ok(db_token_revoke(db, t.id, "u_other", now, err, sizeof err) == DB_NOTFOUND,
	   "another user cannot revoke");
	ok(db_token_revoke(db, t.id, u.id, now, err, sizeof err) == DB_OK &&
		   db_token_lookup(db, "cc33", now, &tt, &got, err, sizeof err) == DB_NOTFOUND &&
		   db_token_revoke(db, t.id, u.id, now, err, sizeof err) == DB_NOTFOUND,
	   "revoked token stops working, revoking twice is not found");
	ok(db_token_list(db, u.id, &toks, &n, err, sizeof err) == DB_OK && n == 2 &&
		   (toks[0].revoked_at == now) + (toks[1].revoked_at == now) == 1,
	   "list tokens, the revoked one with revoked_at");
	free(toks);
}

static void test_apps_runs(struct db *db)
{
	struct db_user u, w;
	struct db_app a, got;
	struct db_run r, cur, *runs;
	struct json_object *files, *nf;
	size_t n;
	long long cnt;
	char sql[256];

	make_user(db, &u, "bob", "user");
	make_user(db, &w, "eve", "user");
	make_app(db, &a, u.id, "Todo");
	ok(db_app_get(db, a.id, u.id, &got, err, sizeof err) == DB_OK &&
		   strcmp(got.name, "Todo") == 0 && strcmp(got.scan_findings, "[]") == 0 &&
		   got.error == NULL && got.scan_verdict[0] == '\0',
	   "get own app");
	db_app_clear(&got);
	ok(db_app_get(db, a.id, w.id, &got, err, sizeof err) == DB_NOTFOUND,
	   "another user's app is not found");
	ok(db_app_get(db, a.id, NULL, &got, err, sizeof err) == DB_OK,
	   "admin (owner NULL) sees it");
	db_app_clear(&got);
	ok(db_app_get(db, "../../etc/passwd", NULL, &got, err, sizeof err) == DB_NOTFOUND,
	   "malformed id is not found");
	ok(db_app_files_get(db, a.id, &files, err, sizeof err) == DB_OK &&
		   json_object_object_length(files) == 2,
	   "files stored with the app");
	json_object_put(files);
	nf = json_object_new_object();
	json_object_object_add(nf, "server.js", json_object_new_string("v2"));
	ok(db_app_files_replace(db, a.id, nf, err, sizeof err) == DB_OK &&
		   db_app_files_get(db, a.id, &files, err, sizeof err) == DB_OK &&
		   json_object_object_length(files) == 1,
	   "files replaced");
	json_object_put(files);
	ok(db_app_files_replace(db, "bbbbbbbbbbbbbbbb", nf, err, sizeof err) == DB_NOTFOUND,
	   "replace files of a missing app");
	json_object_put(nf);
	ok(db_app_set_status(db, a.id, APP_FAILED, "model timed out", err, sizeof err) == DB_OK &&
		   db_app_set_scan(db, a.id, "block", "[{\"rule\":\"eval\"}]", err, sizeof err) ==
			   DB_OK &&
		   db_app_get(db, a.id, u.id, &got, err, sizeof err) == DB_OK &&
		   got.status == APP_FAILED && strcmp(got.error, "model timed out") == 0 &&
		   strcmp(got.scan_verdict, "block") == 0,
	   "status and scan set");
	db_app_clear(&got);
	ok(db_app_set_status(db, a.id, (enum app_status)99, NULL, err, sizeof err) == DB_ERR,
	   "unknown status refused by CHECK");
	ok(db_app_set_scan(db, a.id, "pass", "not json", err, sizeof err) == DB_ERR,
	   "findings must be JSON");
	ok(db_app_count_by_owner(db, u.id, &cnt, err, sizeof err) == DB_OK && cnt == 1,
	   "count apps");

	memset(&r, 0, sizeof r);
	strcpy(r.app_id, a.id);
	r.state = RUN_RUNNING;
	r.port = 9001;
	r.pid = 4242;
	ok(db_run_insert(db, &r, err, sizeof err) == DB_OK && r.id > 0, "insert run");
	cur = r;
	cur.id = 0;
	ok(db_run_insert(db, &cur, err, sizeof err) == DB_CONFLICT,
	   "a second live run of one app conflicts");
	ok(db_run_count_active_by_owner(db, u.id, &cnt, err, sizeof err) == DB_OK && cnt == 1,
	   "one running app for the owner");
	ok(db_run_list_active(db, &runs, &n, err, sizeof err) == DB_OK && n == 1 &&
		   runs[0].id == r.id && runs[0].port == 9001 && runs[0].pid == 4242 &&
		   !runs[0].has_exit_code,
	   "the live run is listed");
	free(runs);
	ok(db_app_set_name(db, a.id, "Renamed", err, sizeof err) == DB_OK &&
		   db_app_get(db, a.id, u.id, &got, err, sizeof err) == DB_OK &&
		   strcmp(got.name, "Renamed") == 0,
	   "rename");
	db_app_clear(&got);
	r.has_exit_code = 1;
	r.exit_code = 137;
	r.state = RUN_EXITED;
	r.reason = RUN_REASON_MEMORY;
	r.ended_at = time(NULL);
	ok(db_run_update(db, &r, err, sizeof err) == DB_OK &&
		   db_run_current(db, a.id, &cur, err, sizeof err) == DB_OK &&
		   cur.exit_code == 137 && cur.has_exit_code && cur.reason == RUN_REASON_MEMORY,
	   "run exited with code and reason");
	r.reason = RUN_REASON_START_TIMEOUT;
	ok(db_run_update(db, &r, err, sizeof err) == DB_OK &&
		   db_run_current(db, a.id, &cur, err, sizeof err) == DB_OK &&
		   cur.reason == RUN_REASON_START_TIMEOUT && cur.state == RUN_EXITED,
	   "migration 2: a run may end with reason start_timeout");
	ok(db_run_list_active(db, &runs, &n, err, sizeof err) == DB_OK && n == 0, "no active runs");
	free(runs);

	/* cascade: deleting the app removes files and runs */
	ok(db_app_delete(db, a.id, w.id, err, sizeof err) == DB_NOTFOUND, "others cannot delete");
	ok(db_app_delete(db, a.id, u.id, err, sizeof err) == DB_OK, "owner deletes");
	snprintf(sql, sizeof sql,
		 "SELECT (SELECT count(*) FROM app_files WHERE app_id='%s')"
		 " + (SELECT count(*) FROM runs WHERE app_id='%s')",
		 a.id, a.id);
	ok(count_rows(db, sql) == 0, "files and runs cascade with the app");

	/* cascade from the user; audit rows stay */
	make_app(db, &a, u.id, "Second");
	ok(db_audit_append(db, "rid1", u.id, "app.create", a.id, "{\"x\":1}", err, sizeof err) ==
		   DB_OK,
	   "audit append");
	ok(db_user_delete(db, u.id, err, sizeof err) == DB_OK, "delete user");
	snprintf(sql, sizeof sql,
		 "SELECT (SELECT count(*) FROM apps WHERE owner='%s')"
		 " + (SELECT count(*) FROM app_files WHERE app_id='%s')"
		 " + (SELECT count(*) FROM api_tokens WHERE user_id='%s')",
		 u.id, a.id, u.id);
	ok(count_rows(db, sql) == 0, "apps, files and tokens cascade with the user");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE actor='%s'", u.id);
	ok(count_rows(db, sql) == 1, "audit rows outlive the user");
	ok(db_user_delete(db, u.id, err, sizeof err) == DB_NOTFOUND, "delete twice: not found");
}

static void test_audit(struct db *db)
{
	struct db_audit_filter f = { 0 };
	struct db_audit *ev;
	size_t n;
	long long cnt;
	char *msg = NULL;

	int rc = sqlite3_exec(db_sqlite(db), "UPDATE audit SET action='x'", NULL, NULL, &msg);
	ok(rc != SQLITE_OK && msg && strstr(msg, "append-only"), "audit UPDATE refused by trigger");
	sqlite3_free(msg);
	msg = NULL;
	rc = sqlite3_exec(db_sqlite(db), "DELETE FROM audit", NULL, NULL, &msg);
	ok(rc != SQLITE_OK && msg && strstr(msg, "append-only"), "audit DELETE refused by trigger");
	sqlite3_free(msg);
	ok(db_audit_append(db, "r2", "u_x", "user.login", "", NULL, err, sizeof err) == DB_OK &&
		   db_audit_append(db, "r3", "u_y", "user.login", "", NULL, err, sizeof err) ==
			   DB_OK,
	   "two more events");
	ok(db_audit_append(db, "r4", "u_y", "app.create", "", "not json", err, sizeof err) ==
		   DB_ERR,
	   "detail must be JSON");
	f.action = "user.login";
	ok(db_audit_list(db, &f, &ev, &n, err, sizeof err) == DB_OK && n == 2 &&
		   strcmp(ev[0].request_id, "r3") == 0 && strcmp(ev[0].detail, "{}") == 0,
	   "filter by action, newest first");
	db_audit_list_free(ev, n);
	f.actor = "u_x";
	ok(db_audit_list(db, &f, &ev, &n, err, sizeof err) == DB_OK && n == 1, "filter by actor");
	db_audit_list_free(ev, n);
	f.actor = NULL;
	f.action = NULL;
	f.since = time(NULL) + 100;
	ok(db_audit_list(db, &f, &ev, &n, err, sizeof err) == DB_OK && n == 0, "filter by since");
	db_audit_list_free(ev, n);
	ok(db_audit_count(db, "u_y", "user.login", 0, &cnt, err, sizeof err) == DB_OK && cnt == 1,
	   "count events");
}

static void test_throttle_sessions(struct db *db)
{
	struct db_user u;
	struct db_throttle th = { 3, 1000, 1004 }, got;
	struct db_session se, back;
	long long n = -1;
	char h1[65], h2[65];

	ok(db_throttle_get(db, "user", "nobody", &got, err, sizeof err) == DB_NOTFOUND &&
		   got.failures == 0,
	   "throttle: an unknown key has no state");
	ok(db_throttle_put(db, "user", "tom", &th, err, sizeof err) == DB_OK &&
		   db_throttle_get(db, "user", "tom", &got, err, sizeof err) == DB_OK &&
		   got.failures == 3 && got.last_failure == 1000 && got.blocked_until == 1004,
	   "throttle: put then get");
	ok(db_throttle_get(db, "addr", "tom", &got, err, sizeof err) == DB_NOTFOUND,
	   "throttle: kinds are separate");
	ok(db_throttle_put(db, "other", "tom", &th, err, sizeof err) == DB_ERR,
	   "throttle: an unknown kind is refused");
	ok(db_throttle_prune(db, 1001, 1003, err, sizeof err) == DB_OK &&
		   db_throttle_get(db, "user", "tom", &got, err, sizeof err) == DB_OK,
	   "throttle: a key still waiting is not pruned");
	ok(db_throttle_prune(db, 1001, 1004, err, sizeof err) == DB_OK &&
		   db_throttle_get(db, "user", "tom", &got, err, sizeof err) == DB_NOTFOUND,
	   "throttle: a quiet key that waits for nothing is pruned");
	ok(db_throttle_put(db, "addr", "::1", &th, err, sizeof err) == DB_OK &&
		   db_throttle_clear(db, "addr", "::1", err, sizeof err) == DB_OK &&
		   db_throttle_clear(db, "addr", "::1", err, sizeof err) == DB_OK &&
		   db_throttle_get(db, "addr", "::1", &got, err, sizeof err) == DB_NOTFOUND,
	   "throttle: clear, twice");

	make_user(db, &u, "sessy", "user");
	memset(h1, 'a', 64);
	memset(h2, 'b', 64);
	h1[64] = h2[64] = 0;
	memset(&se, 0, sizeof se);
	strcpy(se.id, "AAAAAAAAAAAAAAAA");
	strcpy(se.user_id, u.id);
	strcpy(se.token_hash, h1);
	se.created_at = se.refreshed_at = 5000;
	se.expires_at = 9000;
	ok(db_session_insert(db, &se, err, sizeof err) == DB_OK &&
		   db_session_get(db, se.id, &back, err, sizeof err) == DB_OK &&
		   strcmp(back.token_hash, h1) == 0 && back.expires_at == 9000 &&
		   back.revoked_at == 0,
	   "session: insert then get");
	ok(db_session_rotate(db, se.id, h2, h1, 5001, err, sizeof err) == DB_NOTFOUND,
	   "session: a rotation from a hash that is not the current one changes nothing");
	ok(db_session_rotate(db, se.id, h1, h2, 5002, err, sizeof err) == DB_OK &&
		   db_session_get(db, se.id, &back, err, sizeof err) == DB_OK &&
		   strcmp(back.token_hash, h2) == 0 && back.refreshed_at == 5002,
	   "session: rotation replaces the hash");
	strcpy(se.id, "BBBBBBBBBBBBBBBB");
	ok(db_session_insert(db, &se, err, sizeof err) == DB_OK &&
		   db_session_revoke_user(db, u.id, "password", 5003, &n, err, sizeof err) ==
			   DB_OK &&
		   n == 2,
	   "session: revoking a user's sessions revokes all of them");
	ok(db_session_get(db, se.id, &back, err, sizeof err) == DB_OK && back.revoked_at == 5003 &&
		   strcmp(back.revoke_reason, "password") == 0 &&
		   db_session_rotate(db, se.id, h1, h2, 5004, err, sizeof err) == DB_NOTFOUND &&
		   db_session_revoke(db, se.id, "logout", 5004, err, sizeof err) == DB_NOTFOUND,
	   "session: a revoked session neither rotates nor is revoked again");
	ok(db_session_prune(db, u.id, 5005, 0, 5004, 20, err, sizeof err) == DB_OK &&
		   count_rows(db, "SELECT count(*) FROM sessions") == 0,
	   "session: prune deletes revoked sessions");
	for (int i = 0; i < 4; i++) {
		snprintf(se.id, sizeof se.id, "CCCCCCCCCCCCCCC%d", i);
		se.refreshed_at = 6000 + i;
		db_session_insert(db, &se, err, sizeof err);
	}
	ok(db_session_prune(db, u.id, 6010, 0, 0, 2, err, sizeof err) == DB_OK &&
		   count_rows(db, "SELECT count(*) FROM sessions WHERE revoked_at IS NULL") == 2 &&
		   count_rows(db, "SELECT count(*) FROM sessions WHERE revoke_reason = 'limit'"
				  " AND refreshed_at < 6002") == 2,
	   "session: beyond the limit, the least recently refreshed are revoked");
	ok(db_session_prune(db, u.id, 9000, 0, 0, 20, err, sizeof err) == DB_OK &&
		   count_rows(db, "SELECT count(*) FROM sessions") == 0,
	   "session: prune deletes expired sessions");
	ok(u.tokens_after == 0 &&
		   db_user_set_password(db, u.id, "$argon2id$new", 7000, err, sizeof err) ==
			   DB_OK &&
		   db_user_get(db, u.id, &u, err, sizeof err) == DB_OK &&
		   strcmp(u.password_hash, "$argon2id$new") == 0 && u.tokens_after == 7000 &&
		   db_user_set_password(db, "u_nobody", "x", 7000, err, sizeof err) == DB_NOTFOUND,
	   "user: set password, and the time before which its access tokens are refused");
	db_session_insert(db, &se, err, sizeof err);
	ok(db_user_delete(db, u.id, err, sizeof err) == DB_OK &&
		   count_rows(db, "SELECT count(*) FROM sessions") == 0,
	   "session: deleting the user deletes their sessions");
}

/* The ids the audit list should give, by brute force over the whole table. */
static int audit_expected(struct db *db, const struct db_audit_filter *f, long long *ids, int max)
{
	sqlite3_stmt *s;
	int n = 0;

	if (sqlite3_prepare_v2(db_sqlite(db),
			       "SELECT id FROM audit NOT INDEXED WHERE at >= ?1"
			       " AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR action = ?3)"
			       " ORDER BY id DESC LIMIT ?4",
			       -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, f->since);
	if (f->actor)
		sqlite3_bind_text(s, 2, f->actor, -1, SQLITE_STATIC);
	if (f->action)
		sqlite3_bind_text(s, 3, f->action, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, f->limit);
	while (n < max && sqlite3_step(s) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* Every statement of the audit list (a `since` with few events, each filter over many)
 * gives exactly what a full scan gives. */
static void test_audit_plans(struct db *db)
{
	static const char *const actors[] = { NULL, "u_a", "u_rare" };
	static const char *const actions[] = { NULL, "app.run", "app.rare" };
	long long now = time(NULL), sinces[] = { 0, 1, now - 10, now + 100 }, want[200];
	int bad = 0, cases = 0;
	char sql[300];

	for (int i = 0; i < 1500; i++) {
		int old = i < 1400;
		snprintf(sql, sizeof sql,
			 "INSERT INTO audit(at, actor, action) VALUES (%lld, '%s', '%s')",
			 old ? 1000 + i : now,
			 i % 300 == 7 ? "u_rare"
			 : i % 2      ? "u_a"
				      : "u_b",
			 i % 500 == 3 ? "app.rare"
			 : i % 3      ? "app.run"
				      : "app.stop");
		if (sqlite3_exec(db_sqlite(db), sql, NULL, NULL, NULL) != SQLITE_OK)
			bad++;
	}
	for (size_t a = 0; a < 3; a++)
		for (size_t b = 0; b < 3; b++)
			for (size_t c = 0; c < 4; c++) {
				struct db_audit_filter f = { sinces[c], actors[a], actions[b], 50 };
				struct db_audit *ev;
				size_t n;
				int m = audit_expected(db, &f, want, 200);

				cases++;
				if (db_audit_list(db, &f, &ev, &n, err, sizeof err) != DB_OK ||
				    m < 0 || (size_t)m != n) {
					bad++;
					continue;
				}
				for (size_t k = 0; k < n; k++)
					bad += ev[k].id != want[k];
				db_audit_list_free(ev, n);
			}
	ok(bad == 0, "audit list: %d filter combinations give what a full scan gives (%d wrong)",
	   cases, bad);
}

/* A read scope gives its reads one snapshot; a write in it ends the scope and runs in
 * its own transaction, even when another connection wrote meanwhile (no stale
 * snapshot upgrade, no SQLITE_BUSY_SNAPSHOT). */
static void test_read_scope(struct db *db)
{
	struct db *other;
	long long before = 0, during = 0, after = 0;

	if (db_open(&other, path, err, sizeof err) != DB_OK) {
		ok(0, "read scope: second connection: %s", err);
		return;
	}
	db_read_begin(db);
	db_audit_count(db, "scope", "w", 0, &before, err, sizeof err);
	ok(db_audit_append(other, "", "scope", "w", "", NULL, err, sizeof err) == DB_OK,
	   "read scope: another connection writes");
	db_audit_count(db, "scope", "w", 0, &during, err, sizeof err);
	err[0] = 0;
	ok(during == before, "read scope: its reads keep their snapshot (%lld, %lld)", before,
	   during);
	ok(db_audit_append(db, "", "scope", "w", "", NULL, err, sizeof err) == DB_OK,
	   "read scope: a write inside it succeeds %s", err);
	db_audit_count(db, "scope", "w", 0, &after, err, sizeof err);
	ok(after == before + 2, "read scope: after the write both rows are seen (%lld)", after);
	db_read_end(db);
	db_read_begin(db);
	db_read_end(db);
	ok(sqlite3_get_autocommit(db_sqlite(db)) != 0, "read scope: ended, no transaction left");
	db_close(other);
}

/* db_snapshot_version: the same between read scopes that saw the same data; another
 * connection's commit and this connection's own commit both move it; a scope that only
 * read does not; outside a scope there is none. */
static bool same_version(const struct db_version *a, const struct db_version *b)
{
	return a->others == b->others && a->own == b->own;
}

static void test_snapshot_version(struct db *db)
{
	struct db *other;
	struct db_version v1, v2, v3, v4, v5;

	ok(db_snapshot_version(db, &v1) < 0, "version: none outside a read scope");
	if (db_open(&other, path, err, sizeof err) != DB_OK) {
		ok(0, "version: second connection: %s", err);
		return;
	}
	db_read_begin(db);
	ok(db_snapshot_version(db, &v1) == 0, "version: read in a scope");
	db_read_end(db);
	db_read_begin(db);
	int rc = db_snapshot_version(db, &v2);
	ok(rc == 0 && same_version(&v1, &v2),
	   "version: unchanged after a scope that only read (%lld/%lld, %lld/%lld)", v1.others,
	   v1.own, v2.others, v2.own);
	db_read_end(db);
	ok(db_audit_append(other, "", "version", "w", "", NULL, err, sizeof err) == DB_OK,
	   "version: another connection writes");
	db_read_begin(db);
	ok(db_snapshot_version(db, &v3) == 0 && !same_version(&v2, &v3),
	   "version: another connection's commit moves it");
	db_read_end(db);
	ok(db_audit_append(db, "", "version", "w", "", NULL, err, sizeof err) == DB_OK,
	   "version: this connection writes");
	db_read_begin(db);
	ok(db_snapshot_version(db, &v4) == 0 && !same_version(&v3, &v4),
	   "version: this connection's own commit moves it");
	/* taken at the scope's first read: a commit after it is not in this snapshot */
	db_audit_append(other, "", "version", "w", "", NULL, err, sizeof err);
	ok(db_snapshot_version(db, &v5) == 0 && same_version(&v4, &v5),
	   "version: a scope keeps the version of its snapshot");
	db_read_end(db);
	db_read_begin(db);
	ok(db_snapshot_version(db, &v5) == 0 && !same_version(&v4, &v5),
	   "version: the next scope sees that commit");
	db_read_end(db);
	db_close(other);
}

/* db_idle: only between uses may another request borrow the connection (worker.c's
 * wait): not in a read scope, a transaction, or with a statement stepped and not reset. */
static void test_idle(struct db *db)
{
	sqlite3_stmt *s = NULL;

	ok(db_idle(db), "idle: between uses");
	db_read_begin(db);
	ok(!db_idle(db), "idle: not inside a read scope");
	db_read_end(db);
	ok(db_begin(db, err, sizeof err) == DB_OK && !db_idle(db),
	   "idle: not inside a transaction");
	db_rollback(db);
	ok(db_idle(db), "idle: again after the rollback");
	ok(sqlite3_prepare_v2(db_sqlite(db), "SELECT 1 UNION ALL SELECT 2", -1, &s, NULL) ==
		   SQLITE_OK,
	   "idle: a statement prepared");
	ok(db_idle(db), "idle: a prepared statement not yet stepped");
	ok(sqlite3_step(s) == SQLITE_ROW && !db_idle(db), "idle: not while a statement is stepped");
	sqlite3_reset(s);
	ok(db_idle(db), "idle: again once it is reset");
	sqlite3_finalize(s);
}

static void test_pagination(struct db *db)
{
	struct db_user u;
	struct db_app a, *page;
	char cursor[DB_CURSOR_BUFSZ] = "", ids[25][ID_APP_BUFSZ];
	size_t n, total = 0;
	int pages = 0, order_ok = 1, dup = 0;
	long long last_seq = 0;

	make_user(db, &u, "carol", "user");
	db_begin(db, err, sizeof err);
	for (int i = 0; i < 25; i++) {
		make_app(db, &a, u.id, "app");
		strcpy(ids[i], a.id);
	}
	ok(db_commit(db, err, sizeof err) == DB_OK, "25 apps in one caller transaction");
	do {
		char next[DB_CURSOR_BUFSZ];
		if (db_app_list(db, u.id, cursor, 10, &page, &n, next, err, sizeof err) != DB_OK)
			break;
		for (size_t i = 0; i < n; i++) {
			if (last_seq && page[i].seq >= last_seq)
				order_ok = 0;
			last_seq = page[i].seq;
			for (size_t j = 0; j < 25; j++)
				if (strcmp(ids[j], page[i].id) == 0 && j != 24 - total)
					dup = 1;
			total++;
		}
		db_app_list_free(page, n);
		strcpy(cursor, next);
		pages++;
	} while (cursor[0] && pages < 10);
	ok(pages == 3 && total == 25, "25 apps in 3 pages of 10");
	ok(order_ok && !dup, "newest first, each app exactly once, in insertion order");
	ok(db_app_list(db, u.id, "zz", 10, &page, &n, cursor, err, sizeof err) == DB_ERR &&
		   strstr(err, "cursor"),
	   "garbage cursor refused");
	ok(db_app_list(db, u.id, NULL, 0, &page, &n, cursor, err, sizeof err) == DB_ERR,
	   "limit 0 refused");
	ok(db_app_list(db, NULL, NULL, 1000, &page, &n, cursor, err, sizeof err) == DB_OK &&
		   n == 25 && cursor[0] == '\0',
	   "admin list of everything, last page has no cursor");
	db_app_list_free(page, n);
}

/* Each child opens a database nobody created yet (so the four race on creation, WAL
 * and migration), then runs 200 read-modify-write transactions that read a count and
 * append the next number. With BEGIN IMMEDIATE every one commits and none repeats. */
static int writer(void)
{
	struct db *db;
	char e[256], detail[64];
	long long c;

	if (db_open(&db, race_path, e, sizeof e) != DB_OK) {
		fprintf(stderr, "writer: open: %s\n", e);
		return 1;
	}
	for (int i = 0; i < 200; i++) {
		if (db_begin(db, e, sizeof e) != DB_OK ||
		    db_audit_count(db, "counter", "incr", 0, &c, e, sizeof e) != DB_OK)
			return 2;
		snprintf(detail, sizeof detail, "{\"n\":%lld}", c + 1);
		if (db_audit_append(db, "", "counter", "incr", "", detail, e, sizeof e) != DB_OK ||
		    db_commit(db, e, sizeof e) != DB_OK) {
			fprintf(stderr, "writer: %s\n", e);
			return 3;
		}
	}
	db_close(db);
	return 0;
}

static void test_concurrency(void)
{
	struct db *db;
	struct db_audit_filter f = { .actor = "counter", .action = "incr", .limit = 1000 };
	struct db_audit *ev;
	size_t n;
	int all_ok = 1, seen[801] = { 0 }, unique = 1;
	pid_t pids[4];

	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(writer());
	}
	for (int i = 0; i < 4; i++) {
		int st;
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			all_ok = 0;
	}
	ok(all_ok,
	   "4 forked processes created one database and ran 200 BEGIN IMMEDIATE transactions each");
	if (db_open(&db, race_path, err, sizeof err) != DB_OK)
		return;
	ok(db_schema_version(db) == db_schema_latest(),
	   "the raced database was migrated once, correctly");
	n = 0;
	if (db_audit_list(db, &f, &ev, &n, err, sizeof err) != DB_OK)
		n = 0;
	ok(n == 800, "all 800 increments committed (%zu)", n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_parse_object(ev[i].detail, strlen(ev[i].detail), 100,
							  4, err, sizeof err);
		int64_t v = 0;
		if (!o || json_get_int(o, "n", JSON_REQUIRED, 1, 800, &v, err, sizeof err) != 1 ||
		    seen[v]++)
			unique = 0;
		json_object_put(o);
	}
	ok(unique, "read-modify-write never lost an update (values 1..800 each once)");
	db_audit_list_free(ev, n);
	db_close(db);
}

/* Snapshot rows: kept to the newest `keep` and within the byte budget; the pruned ones
 * named; a revision's pruning or the app's deletion takes its row along. */
static void test_snapshots(struct db *db)
{
	struct db_user u;
	struct db_app a;
	struct db_snapshot rows[DB_SNAP_KEEP_MAX + 2];
	long long pruned[DB_SNAP_KEEP_MAX + 2], n = 0;
	size_t np = 0, nr = 0;
	char q[128];
	int good = 1;

	make_user(db, &u, "snapper", "user");
	make_app(db, &a, u.id, "snap");
	for (int i = 1; good && i <= 7; i++) {
		struct json_object *f = files_of(i % 2 ? "odd" : "even");
		good = db_rev_add(db, a.id, u.id, "save", "", f, &n, err, sizeof err) == DB_OK;
		json_object_put(f);
	}
	ok(good && n == 7, "seven revisions (%s)", good ? "" : err);
	for (long long r = 1; good && r <= 6; r++)
		good = db_snap_record(db, a.id, r, 1000, 5, 1 << 20, pruned, &np, err,
				      sizeof err) == DB_OK &&
		       np == (r == 6 ? 1u : 0u);
	ok(good && pruned[0] == 1, "six snapshots with keep 5: the sixth prunes revision 1 (%s)",
	   err);
	ok(db_snap_list(db, a.id, rows, 10, &nr, err, sizeof err) == DB_OK && nr == 5 &&
		   rows[0].n == 6 && rows[4].n == 2 && rows[0].bytes == 1000,
	   "the newest five remain, newest first");
	ok(db_snap_exists(db, a.id, 1, err, sizeof err) == 0 &&
		   db_snap_exists(db, a.id, 4, err, sizeof err) == 1,
	   "exists: 1 pruned, 4 kept");
	good = db_snap_record(db, a.id, 7, 2500, 5, 5000, pruned, &np, err, sizeof err) == DB_OK;
	ok(good && np == 3 && pruned[0] == 4 && pruned[1] == 3 && pruned[2] == 2,
	   "2500 bytes more under a budget of 5000: 7, 6 and 5 (4500) stay, 4, 3 and 2 go (%zu)",
	   np);
	ok(db_snap_record(db, a.id, 7, 9000, 5, 5000, pruned, &np, err, sizeof err) == DB_OK &&
		   np == 3 && pruned[0] == 7,
	   "one alone over the budget is pruned itself");
	ok(db_snap_record(db, a.id, 99, 1, 5, 5000, pruned, &np, err, sizeof err) == DB_ERR,
	   "a snapshot of a revision that does not exist is refused");
	ok(db_snap_record(db, a.id, 3, 1, 5, 5000, pruned, &np, err, sizeof err) == DB_OK,
	   "again for revision 3");
	snprintf(q, sizeof q, "SELECT count(*) FROM snapshots WHERE app_id = '%s'", a.id);
	ok(db_app_delete(db, a.id, NULL, err, sizeof err) == DB_OK && count_rows(db, q) == 0,
	   "deleting the app deletes its snapshot rows");
}

int main(void)
{
	struct db *db;

	snprintf(dir, sizeof dir, "/tmp/af-test-db-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/t.db", dir);
	snprintf(race_path, sizeof race_path, "%s/race.db", dir);
	test_migrations();
	test_open_errors();
	test_migration_revisions();
	test_migration_generation();
	if (db_open(&db, path, err, sizeof err) != DB_OK) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	test_users_tokens(db);
	test_apps_runs(db);
	test_audit(db);
	test_throttle_sessions(db);
	test_audit_plans(db);
	test_read_scope(db);
	test_snapshot_version(db);
	test_idle(db);
	test_pagination(db);
	test_revision_pruning(db);
	test_snapshots(db);
	db_close(db);
	test_concurrency();
	appfiles_remove_tree(dir, err, sizeof err);
	return tap_done();
}
