/* sup_snapshot.c: the supervisor's snapshot and restore_data ops (see sup_snapshot.h).
 *
 * A snapshot, in order: copy data.img to snapshots/<n>.img (snapshot.h: temp name,
 * fsync, rename); record its row and prune the rows beyond snapshots_per_app and
 * snapshots_app_mb in one transaction; then remove every file of snapshots/ that no
 * row names (the pruned images, a copy left by a crash, an image whose row went with
 * its revision). A crash between the steps leaves at worst a file without a row, which
 * the next snapshot of the app removes and nothing ever reads: a restore needs the
 * row. An image that alone takes more than the budget is not copied at all: its copy
 * would be pruned at once, and the copy runs in the supervisor's loop (bench/snapshots:
 * about 1.2 ms per MiB of used blocks on the development host). */
#include "sandbox/sup_snapshot.h"
#include "sandbox/snapshot.h"
#include "sandbox/supproto.h"

#include <stdio.h>
#include <string.h>

#include "common/conf.h"
#include "common/log.h"
#include "db/db.h"
#include "db/db_snapshots.h"

/* Removes the app's snapshot files that have no row. */
static void sweep(const struct conf *c, struct db *db, const char *app_id)
{
	struct db_snapshot rows[DB_SNAP_KEEP_MAX + 2];
	long long keep[DB_SNAP_KEEP_MAX + 2];
	char err[256];
	size_t n = 0;
	int removed;

	if (db_snap_list(db, app_id, rows, sizeof rows / sizeof rows[0], &n, err,
			 sizeof err) != DB_OK) {
		log_warn("app %s: snapshots not swept: %s", app_id, err);
		return;
	}
	for (size_t i = 0; i < n; i++)
		keep[i] = rows[i].n;
	removed = snapshot_sweep(c->apps_dir, app_id, keep, n, err, sizeof err);
	if (removed < 0)
		log_warn("app %s: snapshots not swept: %s", app_id, err);
	else if (removed > 0)
		log_info("app %s: %d snapshot file(s) removed", app_id, removed);
}

static bool in_list(long long n, const long long *list, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (list[i] == n)
			return true;
	return false;
}

static void take(const struct conf *c, struct db *db, const struct sup_request *q,
		 struct sup_reply *r)
{
	long long bytes = 0, pruned[DB_SNAP_KEEP_MAX + 2];
	size_t npruned = 0;
	char err[512];
	long long budget = (long long)c->snapshots_app_mb << 20;
	int rc = c->snapshots_per_app > 0
		 ? snapshot_take(c->apps_dir, q->app_id, q->rev, budget, &bytes, err, sizeof err) : 0;

	if (rc == SNAP_BUSY)
		return sup_reply_error(r, "running", "the app is running");
	if (rc == SNAP_NONE)
		return sup_reply_error(r, "no_data", "the app has no data image yet");
	if (rc == SNAP_TOO_BIG)
		return sup_reply_error(r, "too_large", "the data image takes %lld bytes, more than "
				       "snapshots_app_mb allows", bytes);
	if (rc < 0) {
		log_error("app %s: snapshot of revision %lld failed: %s", q->app_id, q->rev, err);
		sweep(c, db, q->app_id);
		return sup_reply_error(r, "internal", "the snapshot failed");
	}
	if (c->snapshots_per_app > 0 &&
	    db_snap_record(db, q->app_id, q->rev, bytes, c->snapshots_per_app,
			   budget, pruned, &npruned, err,
			   sizeof err) != DB_OK) {
		log_error("app %s: snapshot of revision %lld not recorded: %s", q->app_id, q->rev,
			  err);
		sweep(c, db, q->app_id);
		return sup_reply_error(r, "db_unavailable", "the snapshot cannot be recorded");
	}
	sweep(c, db, q->app_id);
	r->ok = true;
	r->rev = q->rev;
	r->bytes = bytes;
	r->kept = c->snapshots_per_app > 0 && !in_list(q->rev, pruned, npruned);
	log_info("app %s: snapshot of revision %lld: %lld bytes%s", q->app_id, q->rev, bytes,
		 r->kept ? "" : ", over the budget: not kept");
}

static void restore(const struct conf *c, struct db *db, const struct sup_request *q,
		    struct sup_reply *r)
{
	struct db_snapshot s;
	char err[512];
	int rc = db_snap_get(db, q->app_id, q->rev, &s, err, sizeof err);

	if (rc == DB_NOTFOUND)
		return sup_reply_error(r, "not_found", "revision %lld has no snapshot", q->rev);
	if (rc != DB_OK)
		return sup_reply_error(r, "db_unavailable", "snapshots cannot be read");
	rc = snapshot_restore(c->apps_dir, q->app_id, q->rev, err, sizeof err);
	if (rc == SNAP_BUSY)
		return sup_reply_error(r, "running", "the app is running");
	if (rc == SNAP_NONE)
		return sup_reply_error(r, "not_found", "the snapshot of revision %lld is missing",
				       q->rev);
	if (rc < 0) {
		log_error("app %s: restore of revision %lld's data failed: %s", q->app_id, q->rev,
			  err);
		return sup_reply_error(r, "internal", "the restore failed");
	}
	log_info("app %s: data image of revision %lld restored", q->app_id, q->rev);
	r->ok = true;
	r->rev = q->rev;
	r->bytes = s.bytes;
}

void sup_snapshot_op(const struct conf *c, struct db *db, const struct sup_request *q,
		     bool live, struct sup_reply *r)
{
	memset(r, 0, sizeof *r);
	if (live)
		return sup_reply_error(r, "running", "the app is running");
	if (!db)
		return sup_reply_error(r, "db_unavailable", "no database: snapshots cannot be "
				       "recorded");
	if (q->op == SUP_SNAPSHOT)
		take(c, db, q, r);
	else
		restore(c, db, q, r);
}
