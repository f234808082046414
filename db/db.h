/* db.h: the database of appforge (SQLite, WAL) and its data-access functions.
 * Only db/ speaks SQL.
 *
 * One connection per process, opened AFTER fork (db_open applies busy_timeout 5 s,
 * journal_mode=WAL, foreign_keys=ON, synchronous=NORMAL, then the numbered migrations
 * in one transaction). Statements are prepared once per connection and cached.
 *
 * Transactions: every write runs inside BEGIN IMMEDIATE. A caller that needs several
 * writes to be atomic (e.g. insert an app and append its audit event) calls db_begin,
 * the DAO functions, then db_commit (or db_rollback on any error). A DAO write called
 * outside a transaction wraps itself in its own BEGIN IMMEDIATE ... COMMIT.
 *
 * Error convention: DB_OK (0) on success; DB_NOTFOUND when the row does not exist (or
 * is not visible to the given owner); DB_CONFLICT when a unique key is taken;
 * DB_ERR (-1) for anything else, with a message in err for the logs (never send it to
 * a client: it may name tables). Functions that fail leave *out untouched or zeroed.
 *
 * Ownership: structs with fixed-size fields own nothing. struct db_app owns its
 * heap strings: release with db_app_clear (one) or db_app_list_free (arrays). Arrays
 * returned through (**out, *n) are malloc'ed; free them as their comment says.
 * Timestamps are seconds since the epoch (format them with util_time_format); 0 means
 * "not set" for optional times. */
#ifndef AF_DB_H
#define AF_DB_H

#include <stdbool.h>
#include <stddef.h>
#include "states.h"
#include "util.h"

struct json_object;
struct db;

#define DB_OK 0
#define DB_ERR (-1)
#define DB_NOTFOUND (-2)
#define DB_CONFLICT (-3)

#define DB_USERNAME_MAX 64
#define DB_TOKEN_NAME_MAX 100
#define DB_CURSOR_BUFSZ 64
#define DB_LIST_MAX 1000 /* upper bound for every list limit */

/* ---- connection and transactions ---- */

/* Opens (creating if needed, mode 0600) the database at path and migrates it.
 * *out is owned by the caller: db_close(). DB_OK or DB_ERR. */
int db_open(struct db **out, const char *path, char *err, size_t errlen);
void db_close(struct db *db); /* NULL is fine; rolls back an open transaction */

int db_begin(struct db *db, char *err, size_t errlen); /* BEGIN IMMEDIATE */
int db_commit(struct db *db, char *err, size_t errlen);
void db_rollback(struct db *db); /* harmless when no transaction is open */

/* A read scope: the reads that follow share one read transaction (one snapshot, one
 * set of WAL read locks) instead of taking and dropping the locks per statement;
 * a request that only reads pays its locks once. It begins lazily (BEGIN DEFERRED) and
 * ends at db_read_end, or before any write (db_begin, a DAO write): a write never runs
 * inside the snapshot, it starts its own BEGIN IMMEDIATE as always. Never use it
 * around code that waits for another process's writes: the snapshot would not move.
 * db_read_begin does nothing inside a transaction. */
void db_read_begin(struct db *db);
void db_read_end(struct db *db);

/* True when the connection is between uses: no transaction or read scope open, no
 * statement stepped and not yet reset. Only then may another request use it while the
 * current one waits (an API worker serving its other connections, worker.c). */
bool db_idle(struct db *db);

/* Which state of the database a read scope sees: two scopes with equal versions saw
 * the same data. "others" is PRAGMA data_version (it moves when another connection,
 * in this process or another, commits; the statement also takes the scope's snapshot
 * if no read has yet), "own" the commits of this connection (which data_version
 * ignores), counted by a commit hook. A commit that fails after its hook moves "own"
 * too: a false "changed", never a false "same".
 * Returns 0, or -1 outside a read scope (no snapshot to describe) or on error. */
struct db_version {
	long long others, own;
};
int db_snapshot_version(struct db *db, struct db_version *v);

/* The schema version (PRAGMA user_version) and the newest this build knows. */
int db_schema_version(struct db *db);
int db_schema_latest(void);

/* Cheap liveness check for /api/health (a read of the schema). DB_OK or DB_ERR. */
int db_ping(struct db *db, char *err, size_t errlen);

/* The raw handle, for unit tests and diagnostics only (type: sqlite3 *). */
void *db_sqlite(struct db *db);

/* ---- users ---- */

struct db_user {
	char id[ID_MAX_BUFSZ]; /* "u_..." */
	char username[DB_USERNAME_MAX + 1];
	char password_hash[128];
	char role[8]; /* "user" | "admin" */
	int disabled;
	long long created_at;
	long long tokens_after; /* JWTs issued before are refused (0: none) */
};

/* Inserts u (caller fills id, username, password_hash, role, disabled); sets
 * u->created_at. DB_CONFLICT if the username or id is taken. */
int db_user_insert(struct db *db, struct db_user *u, char *err, size_t errlen);
int db_user_get(struct db *db, const char *id, struct db_user *out, char *err, size_t errlen);
int db_user_get_by_name(struct db *db, const char *username, struct db_user *out, char *err,
			size_t errlen);
/* All users, oldest first; *out freed with free(). */
int db_user_list(struct db *db, struct db_user **out, size_t *n, char *err, size_t errlen);
/* Deletes the user and, by cascade, their tokens, apps, files and runs. Audit rows stay.
 * DB_NOTFOUND if no such user. */
int db_user_delete(struct db *db, const char *id, char *err, size_t errlen);
int db_user_set_role(struct db *db, const char *id, const char *role, char *err, size_t errlen);
int db_user_set_disabled(struct db *db, const char *id, int disabled, char *err, size_t errlen);
int db_user_count(struct db *db, long long *n, char *err, size_t errlen);

/* ---- API tokens ---- */

struct db_token {
	char id[ID_MAX_BUFSZ]; /* "tok_..." */
	char user_id[ID_MAX_BUFSZ];
	char name[DB_TOKEN_NAME_MAX * 4 + 1]; /* UTF-8, up to 100 characters */
	char prefix[16];                      /* non-secret "afk_xxxxxx" */
	long long created_at;
	long long expires_at;   /* 0: never */
	long long revoked_at;   /* 0: not revoked */
	long long last_used_at; /* 0: never used */
};

/* Inserts t (caller fills id, user_id, name, prefix, expires_at) with the token's
 * SHA-256 hex; sets t->created_at. */
int db_token_insert(struct db *db, struct db_token *t, const char *token_hash, char *err,
		    size_t errlen);
/* Finds the live token with this hash and its user: DB_NOTFOUND if there is none, or it
 * is revoked, expired at now, or its user is disabled. Read-only. */
int db_token_lookup(struct db *db, const char *token_hash, long long now, struct db_token *tok,
		    struct db_user *user, char *err, size_t errlen);
/* Records use at now, at most once a minute per token: a read decides, so the common
 * case takes no write lock. */
int db_token_touch(struct db *db, const char *id, long long now, char *err, size_t errlen);
/* The user's tokens (revoked ones included), newest first; *out freed with free(). */
int db_token_list(struct db *db, const char *user_id, struct db_token **out, size_t *n, char *err,
		  size_t errlen);
/* Revokes the token id of user_id at now. DB_NOTFOUND if it is not theirs or already
 * revoked. */
int db_token_revoke(struct db *db, const char *id, const char *user_id, long long now, char *err,
		    size_t errlen);

/* ---- apps ---- */

struct db_app {
	char id[ID_APP_BUFSZ];
	char owner[ID_MAX_BUFSZ];
	char *name;             /* heap, never NULL after a get */
	char *prompt;           /* heap, "" for apps created from files */
	enum app_status status; /* common/states.h */
	char *error;            /* heap or NULL */
	char scan_verdict[8];   /* "" (not scanned) | pass | warn | block */
	char *scan_findings;    /* heap JSON array text, "[]" when none */
	long long created_at, updated_at;
	long long seq;      /* insertion order (set by the db; pagination key) */
	char visibility[8]; /* "private" | "public"; "" at insert means private */
};

/* Frees the heap strings of a and zeroes it. */
void db_app_clear(struct db_app *a);
void db_app_list_free(struct db_app *apps, size_t n);

/* Inserts a (caller fills id, owner, name, prompt, status, optional error,
 * scan_verdict, scan_findings) and its files (object path -> string, may be NULL)
 * in one transaction; sets created_at and updated_at. The files are NOT validated
 * here: validate with appfiles_validate first. DB_CONFLICT if the id exists. */
int db_app_insert(struct db *db, struct db_app *a, struct json_object *files, char *err,
		  size_t errlen);
/* The app id if owner is NULL (admin) or owns it; DB_NOTFOUND otherwise. *out is
 * filled (caller db_app_clear()s it). */
int db_app_get(struct db *db, const char *id, const char *owner, struct db_app *out, char *err,
	       size_t errlen);
/* Apps of owner (NULL: every user's), newest first (created_at DESC, then insertion
 * order DESC), at most limit (1..DB_LIST_MAX) after the opaque cursor (NULL or "" for
 * the first page). next_cursor receives "" at the end, else the cursor for the next
 * page. An invalid cursor or limit is DB_ERR with "invalid cursor" / "limit must be
 * between 1 and 1000" in err (safe to show a client); never DB_NOTFOUND.
 * *out freed with db_app_list_free(). */
int db_app_list(struct db *db, const char *owner, const char *cursor, int limit,
		struct db_app **out, size_t *n, char next_cursor[DB_CURSOR_BUFSZ], char *err,
		size_t errlen);
int db_app_count_by_owner(struct db *db, const char *owner, long long *n, char *err, size_t errlen);
/* Apps of every user whose status is status (APP_GENERATING, ...). */
int db_app_count_by_status(struct db *db, enum app_status status, long long *n, char *err,
			   size_t errlen);
/* The files as a new object path -> content (caller json_object_put()s it). */
int db_app_files_get(struct db *db, const char *id, struct json_object **files, char *err,
		     size_t errlen);
/* Replaces all files of the app (and bumps updated_at). */
int db_app_files_replace(struct db *db, const char *id, struct json_object *files, char *err,
			 size_t errlen);
/* Sets status and error (NULL clears it); bumps updated_at. */
int db_app_set_status(struct db *db, const char *id, enum app_status status, const char *error,
		      char *err, size_t errlen);
/* Sets scan verdict (pass|warn|block) and findings (JSON array text); bumps updated_at. */
int db_app_set_scan(struct db *db, const char *id, const char *verdict, const char *findings_json,
		    char *err, size_t errlen);
/* Sets the name; bumps updated_at. */
int db_app_set_name(struct db *db, const char *id, const char *name, char *err, size_t errlen);
/* Sets the visibility ("private" | "public", else DB_ERR); bumps updated_at. */
int db_app_set_visibility(struct db *db, const char *id, const char *visibility, char *err,
			  size_t errlen);
bool db_visibility_valid(const char *v);
/* Deletes the app (files and runs cascade) if owner is NULL or owns it. */
int db_app_delete(struct db *db, const char *id, const char *owner, char *err, size_t errlen);

/* ---- runs ---- */

struct db_run {
	long long id; /* set by db_run_insert */
	char app_id[ID_APP_BUFSZ];
	enum run_state state; /* common/states.h */
	int port;             /* 0: none */
	int pid;              /* 0: none (host pid of the sandbox init) */
	long long started_at;
	long long ended_at;   /* 0: not ended */
	long long expires_at; /* 0: no limit */
	int exit_code;
	int has_exit_code;      /* 0: exit_code is NULL */
	enum run_reason reason; /* RUN_REASON_NONE is NULL in the table */
};

/* Inserts r (caller fills everything but id; started_at 0 means now); sets r->id.
 * The schema allows one live (starting/running) run per app and per port:
 * DB_CONFLICT if the app already has one or the port serves another live run. */
int db_run_insert(struct db *db, struct db_run *r, char *err, size_t errlen);
/* Writes state, port, pid, ended_at, expires_at, exit_code, reason of run r->id
 * (same DB_CONFLICT rule; DB_NOTFOUND if there is no such run). */
int db_run_update(struct db *db, const struct db_run *r, char *err, size_t errlen);
/* The newest run of the app; DB_NOTFOUND if it never ran. */
int db_run_current(struct db *db, const char *app_id, struct db_run *out, char *err, size_t errlen);
/* Every run in state starting or running, oldest first; *out freed with free(). */
int db_run_list_active(struct db *db, struct db_run **out, size_t *n, char *err, size_t errlen);
/* Number of the owner's apps with a run starting or running. */
int db_run_count_active_by_owner(struct db *db, const char *owner, long long *n, char *err,
				 size_t errlen);

/* ---- an app as the API shows it (read only) ---- */

/* The app, its generation and its newest run, read in one statement. */
struct db_app_view {
	struct db_app app; /* first: a view is read as an app by the list's cursor */
	char *generation;  /* heap JSON text as shown (no "spec"), or NULL */
	int has_run;       /* 0: it never ran (run is zeroed) */
	struct db_run run; /* the newest run */
};

void db_app_view_clear(struct db_app_view *v);
void db_app_view_list_free(struct db_app_view *v, size_t n);
/* As db_app_get (owner NULL: any owner's), with the generation and the newest run. */
int db_app_view_get(struct db *db, const char *id, const char *owner, struct db_app_view *out,
		    char *err, size_t errlen);
/* As db_app_list (same order, cursors and errors), with each app's generation and
 * newest run; *out freed with db_app_view_list_free(). */
int db_app_view_list(struct db *db, const char *owner, const char *cursor, int limit,
		     struct db_app_view **out, size_t *n, char next_cursor[DB_CURSOR_BUFSZ],
		     char *err, size_t errlen);

/* ---- audit (append-only: the schema refuses UPDATE and DELETE) ---- */

struct db_audit {
	long long id;
	long long at;
	char request_id[64];
	char actor[ID_MAX_BUFSZ + 32]; /* a user id, "cli:<name>", "system"... ("" none) */
	char action[48];               /* e.g. "app.create", "user.delete" */
	char target[96];
	char *detail; /* heap JSON object text, "{}" when none */
};

/* Appends an event at now (time(NULL)); detail_json NULL means "{}". Inside the
 * caller's transaction if one is open. Strings longer than the fields are DB_ERR. */
int db_audit_append(struct db *db, const char *request_id, const char *actor, const char *action,
		    const char *target, const char *detail_json, char *err, size_t errlen);

struct db_audit_filter {
	long long since;    /* 0: no bound; else events with at >= since */
	const char *actor;  /* NULL: any */
	const char *action; /* NULL: any */
	int limit;          /* 1..DB_LIST_MAX; 0 means 100 */
};
/* Matching events, newest first; *out freed with db_audit_list_free(). */
int db_audit_list(struct db *db, const struct db_audit_filter *f, struct db_audit **out, size_t *n,
		  char *err, size_t errlen);
void db_audit_list_free(struct db_audit *ev, size_t n);
/* Counts events of actor with action at >= since (e.g. generations in the last hour). */
int db_audit_count(struct db *db, const char *actor, const char *action, long long since,
		   long long *n, char *err, size_t errlen);

/* ---- login throttling and refresh sessions (db_sessions.c) ---- */

struct db_throttle {
	long long failures;
	long long last_failure;
	long long blocked_until;
};

/* The state of key (at most 512 bytes) of kind "user" or "addr"; DB_NOTFOUND when it
 * has none (a zeroed *out). */
int db_throttle_get(struct db *db, const char *kind, const char *key, struct db_throttle *out,
		    char *err, size_t errlen);
/* Writes (inserts or replaces) the state of key. */
int db_throttle_put(struct db *db, const char *kind, const char *key, const struct db_throttle *t,
		    char *err, size_t errlen);
/* Forgets key (after a successful login). DB_OK even when there was nothing. */
int db_throttle_clear(struct db *db, const char *kind, const char *key, char *err, size_t errlen);
/* Deletes every row whose last failure is before quiet_since and which waits for
 * nothing at now: the table holds only recent failures. */
int db_throttle_prune(struct db *db, long long quiet_since, long long now, char *err,
		      size_t errlen);

#define DB_SESSION_ID_BUFSZ 17

/* A browser session: one family of refresh tokens, of which only the current one's
 * hash is kept. */
struct db_session {
	char id[DB_SESSION_ID_BUFSZ];
	char user_id[ID_MAX_BUFSZ];
	char token_hash[65];
	long long created_at;
	long long refreshed_at; /* last rotation (creation at first) */
	long long expires_at;   /* absolute end of the family */
	long long revoked_at;   /* 0: live */
	char revoke_reason[12]; /* logout | reuse | password | limit */
};

/* Inserts s (caller fills everything but revoked_at). DB_CONFLICT if the id exists. */
int db_session_insert(struct db *db, const struct db_session *s, char *err, size_t errlen);
int db_session_get(struct db *db, const char *id, struct db_session *out, char *err, size_t errlen);
/* Replaces the current token hash old_hash of the live session id by new_hash at now.
 * DB_NOTFOUND if the session is revoked or its hash is no longer old_hash. */
int db_session_rotate(struct db *db, const char *id, const char *old_hash, const char *new_hash,
		      long long now, char *err, size_t errlen);
/* Revokes the session id (DB_NOTFOUND if there is no live one). */
int db_session_revoke(struct db *db, const char *id, const char *reason, long long now, char *err,
		      size_t errlen);
/* Revokes every live session of user_id; *n (may be NULL) receives how many. The
 * user's grants of private app origins (db_grants.h) are deleted with them. */
int db_session_revoke_user(struct db *db, const char *user_id, const char *reason, long long now,
			   long long *n, char *err, size_t errlen);
/* Keeps the table bounded: deletes sessions that ended (expired at now, idle since
 * before idle_since, or revoked before revoked_since), and revokes ("limit") the live
 * sessions of user_id beyond its keep most recently refreshed. */
int db_session_prune(struct db *db, const char *user_id, long long now, long long idle_since,
		     long long revoked_since, int keep, char *err, size_t errlen);

/* ---- revisions of an app's code (db_revisions.c) ---- */

#define DB_REV_SOURCE_BUFSZ 12
#define DB_REV_KEEP 200 /* revisions kept per app: older ones are pruned */

/* One revision: who made it, how, and which files it changed against the one before. */
struct db_revision {
	long long n; /* 1, 2, ... per app */
	long long created_at;
	char author[ID_MAX_BUFSZ];        /* a user id ("" unknown) */
	char source[DB_REV_SOURCE_BUFSZ]; /* generate|save|iterate|restore|upload */
	char *message;                    /* heap, never NULL after a read */
	char *changes;                    /* heap JSON array [{path, change}] text */
};

void db_revision_clear(struct db_revision *r);
void db_revision_list_free(struct db_revision *revs, size_t n);

/* Records files (object path -> string: the app's files as they now are) as the next
 * revision of app_id, in the caller's transaction (or its own). Only contents the app
 * never had are stored; changes lists what was added, modified or deleted against the
 * previous revision. *n (may be NULL) receives the new number. source must be one of
 * the five above (DB_ERR otherwise). Only the newest DB_REV_KEEP revisions are kept:
 * older ones, and the contents no kept revision uses, are deleted here. */
int db_rev_add(struct db *db, const char *app_id, const char *author, const char *source,
	       const char *message, struct json_object *files, long long *n, char *err,
	       size_t errlen);
/* Revision n of app_id; DB_NOTFOUND if there is none. Clear *out with
 * db_revision_clear. */
int db_rev_get(struct db *db, const char *app_id, long long n, struct db_revision *out, char *err,
	       size_t errlen);
/* The revisions of app_id older than before (0: from the newest), newest first, at
 * most limit (1..DB_LIST_MAX). *out freed with db_revision_list_free. */
int db_rev_list(struct db *db, const char *app_id, long long before, int limit,
		struct db_revision **out, size_t *n, char *err, size_t errlen);
/* The files of revision n as a new object path -> content (caller json_object_put()s
 * it); DB_NOTFOUND if there is no such revision. */
int db_rev_files(struct db *db, const char *app_id, long long n, struct json_object **files,
		 char *err, size_t errlen);

/* The generator's understanding of the app (JSON object text, or NULL to clear). */
int db_app_set_generation(struct db *db, const char *id, const char *json_text, char *err,
			  size_t errlen);
/* *out: heap JSON text, or NULL when the app has none. DB_NOTFOUND without the app. */
int db_app_get_generation(struct db *db, const char *id, char **out, char *err, size_t errlen);
/* The same as the API shows it: without its "spec", NULL unless a JSON object (the
 * generation of struct db_app_view). */
int db_app_get_generation_shown(struct db *db, const char *id, char **out, char *err,
				size_t errlen);

/* Replaces the password hash of user id and sets its tokens_after to now. DB_NOTFOUND
 * if there is no such user. */
int db_user_set_password(struct db *db, const char *id, const char *hash, long long now, char *err,
			 size_t errlen);

#endif
