/* sup_snapshot.c: the supervisor's snapshot and restore_data ops (see sup_snapshot.h).
 *
 * A snapshot, in order: a child process copies data.img to snapshots/<n>.img
 * (snapshot.h: temp name, fsync, rename) and reports through a pipe; the loop then
 * records its row and prunes the rows beyond snapshots_per_app and snapshots_app_mb in
 * one transaction, and removes every file of snapshots/ that no row names (the pruned
 * images, a copy left by a crash, an image whose row went with its revision). A crash
 * between the steps leaves at worst a file without a row, which the next snapshot of
 * the app removes and nothing ever reads: a restore needs the row. An image that alone
 * takes more than the budget is not copied at all (its copy would be pruned at once).
 * A copy takes about 1.2 ms per MiB of used blocks on the development host
 * (bench/snapshots); the child holds the app's data lock meanwhile, as a run would. */
#include "sandbox/sup_internal.h"
#include "sandbox/sup_snapshot.h"
#include "sandbox/datamount.h"
#include "sandbox/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "db/db_snapshots.h"

/* What a job's child reports (one write on its pipe, then it exits). */
struct snapres {
	int rc; /* snapshot_take / snapshot_restore's */
	long long bytes;
	char err[256];
};

/* A copy under way in a child process. */
struct snapjob {
	struct job job; /* W_SNAP */
	enum sup_op op;
	char app_id[ID_APP_BUFSZ];
	long long rev;
	long client_id;
	struct snapjob *next;
};

static struct snapjob *jobs;

bool sup_snapshot_busy(const char *app_id)
{
	for (struct snapjob *j = jobs; j; j = j->next)
		if (!app_id || strcmp(j->app_id, app_id) == 0)
			return true;
	return false;
}

/* Removes the app's snapshot files that have no row. */
static void sweep(const char *app_id)
{
	struct db_snapshot rows[DB_SNAP_KEEP_MAX + 2];
	long long keep[DB_SNAP_KEEP_MAX + 2];
	char err[256];
	size_t n = 0;
	int removed;

	if (db_snap_list(db, app_id, rows, sizeof rows / sizeof rows[0], &n, err, sizeof err) !=
	    DB_OK) {
		log_warn("app %s: snapshots not swept: %s", app_id, err);
		return;
	}
	for (size_t i = 0; i < n; i++)
		keep[i] = rows[i].n;
	removed = snapshot_sweep(conf.apps_dir, app_id, keep, n, err, sizeof err);
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

/* The child's work (job_spawn): arg the job, report a struct snapres. */
static void copy(void *arg, void *report)
{
	const struct snapjob *j = arg;
	struct snapres *res = report;

	if (j->op == SUP_SNAPSHOT)
		res->rc = snapshot_take(conf.apps_dir, j->app_id, j->rev,
					(long long)conf.snapshots_app_mb << 20, &res->bytes,
					res->err, sizeof res->err);
	else
		res->rc = snapshot_restore(conf.apps_dir, j->app_id, j->rev, res->err,
					   sizeof res->err);
}

/* What can be answered before any copy: 1 to go on, 0 with r filled. */
static int precheck(const struct sup_request *q, bool live, struct sup_reply *r)
{
	struct db_snapshot s;
	char err[256];
	int rc;

	if (live)
		return sup_reply_error(r, "running", "the app is running"), 0;
	if (!db)
		return sup_reply_error(r, "db_unavailable",
				       "no database: snapshots cannot be "
				       "recorded"),
		       0;
	if (sup_snapshot_busy(q->app_id))
		return sup_reply_error(r, "busy", "a snapshot or restore of the app is under way"),
		       0;
	if (q->op == SUP_SNAPSHOT && conf.snapshots_per_app == 0) {
		sweep(q->app_id); /* off: what earlier snapshots left goes */
		r->ok = true;
		r->rev = q->rev;
		return 0;
	}
	if (q->op == SUP_SNAPSHOT) {
		/* An app that never ran has at most the empty image prepared at its creation
		 * (datamount.h): nothing worth a copy. */
		struct db_run run;
		rc = db_run_current(db, q->app_id, &run, err, sizeof err);
		if (rc == DB_NOTFOUND)
			return sup_reply_error(r, "no_data", "the app has not run yet"), 0;
		if (rc != DB_OK)
			return sup_reply_error(r, "db_unavailable", "runs cannot be read"), 0;
		return 1;
	}
	rc = db_snap_get(db, q->app_id, q->rev, &s, err, sizeof err);
	if (rc == DB_NOTFOUND)
		return sup_reply_error(r, "not_found", "revision %lld has no snapshot", q->rev), 0;
	if (rc != DB_OK)
		return sup_reply_error(r, "db_unavailable", "snapshots cannot be read"), 0;
	return 1;
}

int sup_snapshot_begin(const struct sup_request *q, bool live, long client_id, struct sup_reply *r)
{
	struct snapjob *j;
	char err[256];

	memset(r, 0, sizeof *r);
	if (!precheck(q, live, r))
		return 0;
	/* The file system may be kept mounted between runs (datamount.h): unmounting it
	 * writes back what the last run left in memory, so the copy sees all of it, and a
	 * restore never replaces an image under a live mount. The next start mounts it
	 * again. */
	datamount_keep_drop(q->app_id);
	if (!(j = calloc(1, sizeof *j))) {
		sup_reply_error(r, "internal", "out of memory");
		return 0;
	}
	j->job.w = (struct watch){ W_SNAP, j };
	j->op = q->op;
	util_copy(j->app_id, sizeof j->app_id, q->app_id);
	j->rev = q->rev;
	j->client_id = client_id;
	if (job_spawn(&j->job, copy, j, sizeof(struct snapres), err, sizeof err) < 0) {
		sup_reply_error(r, "internal", "%s", err);
		free(j);
		return 0;
	}
	j->next = jobs;
	jobs = j;
	return 1;
}

/* A snapshot's copy is done (res): its row, the pruning, the sweep; the reply in r. */
static void end_take(const struct snapjob *j, const struct snapres *res, struct sup_reply *r)
{
	long long pruned[DB_SNAP_KEEP_MAX + 2];
	size_t npruned = 0;
	char err[512];

	if (res->rc == SNAP_BUSY)
		return sup_reply_error(r, "running", "the app is running");
	if (res->rc == SNAP_NONE)
		return sup_reply_error(r, "no_data", "the app has no data image yet");
	if (res->rc == SNAP_TOO_BIG)
		return sup_reply_error(r, "too_large",
				       "the data image takes %lld bytes, more than "
				       "snapshots_app_mb allows",
				       res->bytes);
	if (res->rc < 0) {
		log_error("app %s: snapshot of revision %lld failed: %s", j->app_id, j->rev,
			  res->err);
		sweep(j->app_id);
		return sup_reply_error(r, "internal", "the snapshot failed");
	}
	if (db_snap_record(db, j->app_id, j->rev, res->bytes, conf.snapshots_per_app,
			   (long long)conf.snapshots_app_mb << 20, pruned, &npruned, err,
			   sizeof err) != DB_OK) {
		log_error("app %s: snapshot of revision %lld not recorded: %s", j->app_id, j->rev,
			  err);
		sweep(j->app_id);
		return sup_reply_error(r, "db_unavailable", "the snapshot cannot be recorded");
	}
	sweep(j->app_id);
	r->ok = true;
	r->rev = j->rev;
	r->bytes = res->bytes;
	r->kept = !in_list(j->rev, pruned, npruned);
	log_info("app %s: snapshot of revision %lld: %lld bytes%s", j->app_id, j->rev, res->bytes,
		 r->kept ? "" : ", over the budget: not kept");
}

/* A restore's copy is done (res): the reply in r. */
static void end_restore(const struct snapjob *j, const struct snapres *res, struct sup_reply *r)
{
	if (res->rc == SNAP_BUSY)
		return sup_reply_error(r, "running", "the app is running");
	if (res->rc == SNAP_NONE)
		return sup_reply_error(r, "not_found", "the snapshot of revision %lld is missing",
				       j->rev);
	if (res->rc < 0) {
		log_error("app %s: restore of revision %lld's data failed: %s", j->app_id, j->rev,
			  res->err);
		return sup_reply_error(r, "internal", "the restore failed");
	}
	log_info("app %s: data image of revision %lld restored", j->app_id, j->rev);
	r->ok = true;
	r->rev = j->rev;
}

void sup_snapshot_end(struct watch *w, struct sup_reply *r, long *client_id, enum sup_op *op)
{
	struct snapjob *j = w->p, **pp;
	struct snapres res;

	memset(r, 0, sizeof *r);
	if (job_reap(&j->job, &res, sizeof res) < 0) {
		memset(&res, 0, sizeof res);
		res.rc = -1;
		snprintf(res.err, sizeof res.err, "the copying process died");
	}
	res.err[sizeof res.err - 1] = 0;
	for (pp = &jobs; *pp && *pp != j; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = j->next;
	if (j->op == SUP_SNAPSHOT)
		end_take(j, &res, r);
	else
		end_restore(j, &res, r);
	*client_id = j->client_id;
	*op = j->op;
	free(j);
}
