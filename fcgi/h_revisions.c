/* h_revisions.c: the history of an app's code: list, files, diff and restore of its
 * revisions, and h_files_commit, the one path by which a request changes an app's
 * files (save, restore, iterate) together with the revision that records it. The data
 * snapshots (each revision's data_snapshot, the snapshot after a change, the data half
 * of a restore) are h_snapshots.c's.
 *
 * Revision numbers come from the route's "{n}" placeholder, which the router has
 * checked (1..999999999): a malformed number is a 404 before any lookup. A revision of
 * an app the caller does not own is a 404, as the app is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/appfiles.h"
#include "common/json.h"
#include "common/linediff.h"
#include "common/log.h"
#include "fcgi/handler.h"
#include "fcgi/appdisk.h"
#include "fcgi/jobs.h"

#define REV_LIST_MAX 100
#define REV_N_MAX 999999999LL

/* The route's revision number (already validated by the router). */
static long long route_n(struct hctx *ctx)
{
	long long n = 0;

	if (util_parse_ll(ctx->param2, 1, REV_N_MAX, &n) < 0)
		return 0;
	return n;
}

static struct json_object *rev_to_json(const struct db_revision *r, bool snapshot)
{
	struct json_object *o = json_object_new_object(), *ch = json_tokener_parse(r->changes);

	json_object_object_add(o, "n", json_object_new_int64(r->n));
	h_add_time(o, "created_at", r->created_at);
	json_object_object_add(o, "author",
			       json_new_string_or_null(r->author[0] ? r->author : NULL));
	json_object_object_add(o, "source", json_object_new_string(r->source));
	json_object_object_add(o, "message", json_object_new_string(r->message));
	if (!json_object_is_type(ch, json_type_array)) {
		json_object_put(ch);
		ch = json_object_new_array();
	}
	json_object_object_add(o, "changes", ch);
	json_object_object_add(o, "data_snapshot", json_object_new_boolean(snapshot));
	return o;
}

/* rev_to_json for one revision of the route's app: NULL after answering 500. */
static struct json_object *rev_json_one(struct hctx *ctx, const struct db_revision *r)
{
	struct h_snapset set;

	if (h_snap_set(ctx, &set) < 0)
		return NULL;
	return rev_to_json(r, h_snap_has(&set, r->n));
}

/* Loads revision n of the route's app: 0, or -1 after answering 404/500. */
static int load_rev(struct hctx *ctx, long long n, struct db_revision *r)
{
	char err[256];
	int rc = db_rev_get(ctx->db, ctx->param, n, r, err, sizeof err);

	if (rc == DB_NOTFOUND) {
		response_error(ctx->resp, 404, "not_found", "no such revision");
		return -1;
	}
	if (rc != DB_OK) {
		h_internal(ctx, "revision get", err);
		return -1;
	}
	return 0;
}

/* ?cursor=: the number below which the page starts (we hand out the last n of a
 * page). 0 for none; -1 after answering 400. */
static int query_cursor(struct hctx *ctx, long long *before)
{
	char buf[32];
	int rc = query_get(ctx->req->query, "cursor", buf, sizeof buf);

	*before = 0;
	if (rc == 0 || (rc == 1 && buf[0] == 0))
		return 0;
	if (rc < 0 || util_parse_ll(buf, 1, REV_N_MAX, before) < 0) {
		h_bad_request(ctx, "invalid cursor");
		return -1;
	}
	return 0;
}

void h_rev_list(struct hctx *ctx)
{
	char err[256], next[32] = "";
	struct db_revision *revs = NULL;
	struct json_object *o, *arr;
	struct h_snapset set;
	long long before;
	size_t n = 0;
	int limit;

	if (h_own_app(ctx, NULL) < 0 || h_query_limit(ctx, 20, REV_LIST_MAX, &limit) < 0 ||
	    query_cursor(ctx, &before) < 0 || h_snap_set(ctx, &set) < 0)
		return;
	if (db_rev_list(ctx->db, ctx->param, before, limit, &revs, &n, err, sizeof err) != DB_OK) {
		h_internal(ctx, "revision list", err);
		return;
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, rev_to_json(&revs[i], h_snap_has(&set, revs[i].n)));
	if (n == (size_t)limit && revs[n - 1].n > 1)
		snprintf(next, sizeof next, "%lld", revs[n - 1].n);
	db_revision_list_free(revs, n);
	o = json_object_new_object();
	json_object_object_add(o, "revisions", arr);
	json_object_object_add(o, "next_cursor", json_new_string_or_null(next[0] ? next : NULL));
	response_json(ctx->resp, 200, o);
}

void h_rev_files(struct hctx *ctx)
{
	char err[256];
	struct db_revision r;
	struct json_object *files = NULL, *o, *rj;
	long long n = route_n(ctx);

	if (h_own_app(ctx, NULL) < 0 || load_rev(ctx, n, &r) < 0)
		return;
	if (!(rj = rev_json_one(ctx, &r))) {
		db_revision_clear(&r);
		return;
	}
	if (db_rev_files(ctx->db, ctx->param, n, &files, err, sizeof(err)) != DB_OK) {
		db_revision_clear(&r);
		json_object_put(rj);
		h_internal(ctx, "revision files", err);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "revision", rj);
	json_object_object_add(o, "files", files);
	db_revision_clear(&r);
	response_json(ctx->resp, 200, o);
}

/* ?against=m: a revision number, or absent for the one before n (0: nothing). 0, or
 * -1 after answering 400. */
static int query_against(struct hctx *ctx, long long n, long long *m)
{
	char buf[32];
	int rc = query_get(ctx->req->query, "against", buf, sizeof buf);

	*m = n - 1;
	if (rc == 0)
		return 0;
	if (rc < 0 || util_parse_ll(buf, 1, REV_N_MAX, m) < 0 || (buf[0] == '0')) {
		h_bad_request(ctx, "'against' must be a revision number");
		return -1;
	}
	return 0;
}

/* Appends the diff of one path (old or new may be NULL) to out. -1 on out of memory. */
static int diff_path(struct json_object *out, const char *path, struct json_object *old,
		     struct json_object *new_)
{
	char la[APPFILES_MAX_DEPTH * (APPFILES_MAX_NAME + 1) + 8];
	char lb[sizeof la];
	char *d;
	struct json_object *f;

	snprintf(la, sizeof la, "a/%s", path);
	snprintf(lb, sizeof lb, "b/%s", path);
	d = linediff_unified(old ? json_object_get_string(old) : NULL,
			     new_ ? json_object_get_string(new_) : NULL, la, lb);
	if (!d)
		return -1;
	if (*d) {
		f = json_object_new_object();
		json_object_object_add(f, "path", json_object_new_string(path));
		json_object_object_add(f, "change",
				       json_object_new_string(!old    ? "added"
							      : !new_ ? "deleted"
								      : "modified"));
		json_object_object_add(f, "diff", json_object_new_string(d));
		json_object_array_add(out, f);
	}
	free(d);
	return 0;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The per-file diffs from files a (revision m) to b (revision n), sorted by path.
 * NULL on out of memory. */
static struct json_object *diff_files(struct json_object *a, struct json_object *b)
{
	const char *paths[2 * APPFILES_MAX_COUNT];
	size_t np = 0;
	struct json_object *out = json_object_new_array();

	json_object_object_foreach (b, pb, vb) {
		(void)vb;
		if (np < 2 * APPFILES_MAX_COUNT)
			paths[np++] = pb;
	}
	json_object_object_foreach (a, pa, va) {
		(void)va;
		if (!json_object_object_get_ex(b, pa, NULL) && np < 2 * APPFILES_MAX_COUNT)
			paths[np++] = pa;
	}
	qsort(paths, np, sizeof paths[0], path_cmp);
	for (size_t i = 0; out && i < np; i++) {
		struct json_object *old = NULL, *new_ = NULL;
		json_object_object_get_ex(a, paths[i], &old);
		json_object_object_get_ex(b, paths[i], &new_);
		if (diff_path(out, paths[i], old, new_) < 0) {
			json_object_put(out);
			out = NULL;
		}
	}
	return out;
}

/* Loads the files of revision n (0: none) into *files: 0, or -1 after answering. */
static int rev_files_or_empty(struct hctx *ctx, long long n, struct json_object **files)
{
	char err[256];
	int rc;

	if (n == 0) {
		*files = json_object_new_object();
		return 0;
	}
	rc = db_rev_files(ctx->db, ctx->param, n, files, err, sizeof err);
	if (rc == DB_NOTFOUND) {
		response_error(ctx->resp, 404, "not_found", "no such revision");
		return -1;
	}
	if (rc != DB_OK) {
		h_internal(ctx, "revision files", err);
		return -1;
	}
	return 0;
}

void h_rev_diff(struct hctx *ctx)
{
	struct json_object *a = NULL, *b = NULL, *files, *o;
	long long n = route_n(ctx), m;

	if (h_own_app(ctx, NULL) < 0 || query_against(ctx, n, &m) < 0 ||
	    rev_files_or_empty(ctx, n, &b) < 0)
		return;
	if (rev_files_or_empty(ctx, m, &a) < 0) {
		json_object_put(b);
		return;
	}
	files = diff_files(a, b);
	json_object_put(a);
	json_object_put(b);
	if (!files) {
		h_internal(ctx, "revision diff", "out of memory");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "from", m ? json_object_new_int64(m) : NULL);
	json_object_object_add(o, "to", json_object_new_int64(n));
	json_object_object_add(o, "files", files);
	response_json(ctx->resp, 200, o);
}

/* The rows of h_files_commit, inside its transaction. */
static int commit_rows(struct hctx *ctx, struct json_object *files, const char *verdict,
		       const char *findings, const struct h_change *ch, long long *rev, char *err,
		       size_t errlen)
{
	struct json_object *d = json_object_new_object();
	int rc;

	json_object_object_add(d, "files",
			       json_object_new_int((int)json_object_object_length(files)));
	json_object_object_add(d, "verdict", json_object_new_string(verdict));
	rc = db_app_files_replace(ctx->db, ctx->param, files, err, errlen);
	if (rc == DB_OK)
		rc = db_app_set_scan(ctx->db, ctx->param, verdict, findings, err, errlen);
	if (rc == DB_OK)
		rc = db_app_set_status(ctx->db, ctx->param, h_status_for(verdict), NULL, err,
				       errlen);
	if (rc == DB_OK)
		rc = db_rev_add(ctx->db, ctx->param, ctx->who.user_id, ch->source, ch->message,
				files, rev, err, errlen);
	if (rc == DB_OK && ch->generation)
		rc = db_app_set_generation(ctx->db, ctx->param, ch->generation, err, errlen);
	if (rc == DB_OK) {
		json_object_object_add(d, "revision", json_object_new_int64(*rev));
		rc = h_audit(ctx, ch->action, ctx->param, d, err, errlen);
	}
	json_object_put(d);
	return rc;
}

int h_files_commit(struct hctx *ctx, struct json_object *files, const char *verdict,
		   const char *findings, const struct h_change *ch, long long *rev)
{
	char err[256];
	struct db_app a;
	int rc;

	if (db_begin(ctx->db, err, sizeof err) != DB_OK) {
		h_internal(ctx, ch->action, err);
		return -1;
	}
	memset(&a, 0, sizeof a);
	rc = db_app_get(ctx->db, ctx->param, ctx->who.user_id, &a, err, sizeof err);
	if (rc == DB_NOTFOUND) {
		db_rollback(ctx->db);
		h_not_found(ctx);
		return -1;
	}
	if (rc == DB_OK && a.status == APP_GENERATING) {
		db_app_clear(&a);
		db_rollback(ctx->db);
		response_error(ctx->resp, 409, "conflict", "the app is still being generated");
		return -1;
	}
	db_app_clear(&a);
	/* The files, scan, status and history change here; a running app is restarted
	 * with the new code once they are committed (below, and API.md). */
	if (rc != DB_OK ||
	    commit_rows(ctx, files, verdict, findings, ch, rev, err, sizeof err) != DB_OK ||
	    db_commit(ctx->db, err, sizeof err) != DB_OK) {
		db_rollback(ctx->db);
		h_internal(ctx, ch->action, err);
		return -1;
	}
	/* a snapshot of the data first (only a stopped app has one), then the new code
	 * replaces a live run: save, iterate and restore alike */
	h_snap_after_commit(ctx, *rev);
	h_run_restart_if_live(ctx, ctx->param);
	return 0;
}

/* {"app": the app object, "revision": revision rev} with status. */
void h_answer_change(struct hctx *ctx, int status, long long rev, struct json_object *extra)
{
	char err[256];
	struct db_app a;
	struct db_revision r;
	struct json_object *o, *rj;

	memset(&a, 0, sizeof a);
	if (db_app_get(ctx->db, ctx->param, ctx->who.user_id, &a, err, sizeof err) != DB_OK ||
	    db_rev_get(ctx->db, ctx->param, rev, &r, err, sizeof err) != DB_OK) {
		db_app_clear(&a);
		json_object_put(extra);
		h_internal(ctx, "change reload", err);
		return;
	}
	jobs_settle(ctx->conf, ctx->db, &a);
	if (!(rj = rev_json_one(ctx, &r))) {
		db_app_clear(&a);
		db_revision_clear(&r);
		json_object_put(extra);
		return;
	}
	o = extra ? extra : json_object_new_object();
	json_object_object_add(o, "app", app_to_json(ctx, &a));
	json_object_object_add(o, "revision", rj);
	db_app_clear(&a);
	db_revision_clear(&r);
	response_json(ctx->resp, status, o);
}

/* The data half of a restore, under the app's start lock (no run may start between
 * the data coming back and the code's revision): 0 with *lockfd, or -1 after answering. */
static int restore_data_locked(struct hctx *ctx, long long n, int *lockfd)
{
	char err[512];

	*lockfd = lc_start_lock(ctx->conf, ctx->param, err, sizeof(err));
	if (*lockfd < 0) {
		log_warn("app %s: restore: %s", ctx->param, err);
		response_error(ctx->resp, 503, "unavailable",
			       "the app is busy starting; try again");
		return -1;
	}
	if (h_snap_restore_data(ctx, n) < 0) {
		close(*lockfd);
		*lockfd = -1;
		return -1;
	}
	return 0;
}

void h_rev_restore(struct hctx *ctx)
{
	char err[256], verdict[8], *findings = NULL, msg[64];
	struct json_object *files = NULL;
	long long n = route_n(ctx), rev = 0;
	struct h_change ch = { "restore", msg, "app.revision.restore", NULL };
	bool data = false;
	int rc, lockfd = -1;

	/* A missing app or revision must not cost a scan: look first. */
	if (h_own_app(ctx, NULL) < 0 || h_snap_want_data(ctx, &data) < 0)
		return;
	rc = db_rev_files(ctx->db, ctx->param, n, &files, err, sizeof err);
	if (rc == DB_NOTFOUND) {
		response_error(ctx->resp, 404, "not_found", "no such revision");
		return;
	}
	if (rc != DB_OK) {
		h_internal(ctx, "revision files", err);
		return;
	}
	snprintf(msg, sizeof(msg), "restored revision %lld%s", n, data ? " with its data" : "");
	/* scanned like a save (the policy may have changed since that revision), before
	 * the data is touched: a refused scan changes nothing */
	if (h_scan_files(ctx, files, verdict, &findings) == 0 &&
	    (!data || restore_data_locked(ctx, n, &lockfd) == 0) &&
	    h_files_commit(ctx, files, verdict, findings, &ch, &rev) == 0) {
		log_info("app %s: revision %lld restored as %lld%s", ctx->param, n, rev,
			 data ? " with its data" : "");
		h_answer_change(ctx, 200, rev, NULL);
	}
	if (lockfd >= 0)
		close(lockfd);
	json_object_put(files);
	free(findings);
}
