/* db_snapshots.h: which revisions of an app have a snapshot of its data image (table
 * snapshots, migration 8). The supervisor, which writes the image files, is the only
 * writer of these rows (sandbox/snapshot.h); appforged reads them. A row goes with its
 * revision and its app (ON DELETE CASCADE). Same conventions as db.h; the statements
 * are prepared per call (a few per revision made). */
#ifndef AF_DB_SNAPSHOTS_H
#define AF_DB_SNAPSHOTS_H

#include <stddef.h>

struct db;

#define DB_SNAP_KEEP_MAX 100 /* the most snapshots an app may keep (conf bound) */

struct db_snapshot {
	long long n;     /* the revision */
	long long bytes; /* the space its copy takes on disk */
	long long created_at;
};

/* The app's snapshots, newest first: at most max (1..DB_SNAP_KEEP_MAX + 1) in out[].
 * *n receives how many. DB_OK or DB_ERR. */
int db_snap_list(struct db *db, const char *app_id, struct db_snapshot *out, size_t max, size_t *n,
		 char *err, size_t errlen);

/* The snapshot of revision rev; DB_NOTFOUND when it has none. */
int db_snap_get(struct db *db, const char *app_id, long long rev, struct db_snapshot *out,
		char *err, size_t errlen);

/* Records the snapshot of revision rev (bytes on disk; replaces an older row of it),
 * then keeps the newest snapshots that fit both keep (how many) and budget (their bytes
 * together) and deletes the other rows, all in one transaction (or savepoint). The
 * numbers of the deleted rows go to pruned[0..*npruned) (room for DB_SNAP_KEEP_MAX + 1:
 * an app never has more rows than keep + 1). rev itself may be among them (it alone is
 * over the budget). DB_ERR also when revision rev does not exist. */
int db_snap_record(struct db *db, const char *app_id, long long rev, long long bytes, int keep,
		   long long budget, long long *pruned, size_t *npruned, char *err, size_t errlen);

/* Whether revision rev's snapshot is recorded: 1, 0, or -1 on a database error. */
int db_snap_exists(struct db *db, const char *app_id, long long rev, char *err, size_t errlen);

#endif
