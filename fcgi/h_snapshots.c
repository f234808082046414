/* h_snapshots.c: the app's data snapshots as the revision routes see them: which
 * revisions have one (the revision object's data_snapshot), the snapshot a new revision
 * gets when the app is stopped, and the data half of a restore ({"data": true}).
 *
 * The supervisor makes, keeps, prunes and restores the copies and writes their rows
 * (sandbox/snapshot.h, db/db_snapshots.h): the images are root's, and only it knows
 * for sure that the app is not running while it copies. Here we only ask and read.
 * A snapshot is "the data as it was when the revision was made": none is taken at a
 * stop (the data then holds what the revision's code wrote since). */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "common/json.h"
#include "common/log.h"
#include "db/db_snapshots.h"
#include "fcgi/handler.h"
#include "fcgi/sup_calls.h"

void h_snap_after_commit(struct hctx *ctx, long long rev)
{
	char err[512];
	int rc = lc_snapshot(ctx->conf, ctx->param, rev, err, sizeof(err));

	if (rc > 0)
		log_info("app %s: revision %lld has a data snapshot", ctx->param, rev);
	else if (rc == 0)
		log_debug("app %s: revision %lld has no data snapshot: %s", ctx->param, rev, err);
	else
		log_warn("app %s: no data snapshot for revision %lld: %s", ctx->param, rev, err);
}

int h_snap_set(struct hctx *ctx, struct h_snapset *set)
{
	char err[256];

	set->n = 0;
	if (db_snap_list(ctx->db, ctx->param, set->revs, H_SNAPSET_MAX, &set->n, err,
			 sizeof(err)) != DB_OK) {
		h_internal(ctx, "snapshot list", err);
		return -1;
	}
	return 0;
}

bool h_snap_has(const struct h_snapset *set, long long rev)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->revs[i].n == rev)
			return true;
	return false;
}

int h_snap_want_data(struct hctx *ctx, bool *data)
{
	static const char *const keys[] = { "data", NULL };
	struct json_object *body, *v;
	char err[256];

	*data = false;
	if (!ctx->req->body || ctx->req->content_length == 0)
		return 0; /* no body: code only, as before snapshots */
	if (!(body = h_body_object(ctx)))
		return -1;
	if (json_check_keys(body, keys, err, sizeof(err)) < 0) {
		json_object_put(body);
		h_bad_request(ctx, err);
		return -1;
	}
	if (json_object_object_get_ex(body, "data", &v)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			json_object_put(body);
			h_bad_request(ctx, "'data' must be a boolean");
			return -1;
		}
		*data = json_object_get_boolean(v);
	}
	json_object_put(body);
	return 0;
}

static void no_snapshot(struct hctx *ctx, long long n)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "revision %lld has no data snapshot: restore its code only", n);
	response_error(ctx->resp, 409, "no_snapshot", msg);
}

/* The data is back: audited in a transaction of its own (the code's revision comes
 * next, with its own event). 0, or -1 after answering 500. */
static int audit_restore(struct hctx *ctx, long long n)
{
	char err[256];
	struct json_object *d = json_object_new_object();
	int rc;

	log_info("app %s: data of revision %lld restored", ctx->param, n);
	json_object_object_add(d, "revision", json_object_new_int64(n));
	rc = db_begin(ctx->db, err, sizeof(err));
	if (rc == DB_OK)
		rc = h_audit(ctx, "app.data.restore", ctx->param, d, err, sizeof(err));
	if (rc == DB_OK)
		rc = db_commit(ctx->db, err, sizeof(err));
	json_object_put(d);
	if (rc != DB_OK) {
		db_rollback(ctx->db);
		h_internal(ctx, "data restore audit", err);
		return -1;
	}
	return 0;
}

int h_snap_restore_data(struct hctx *ctx, long long n)
{
	char err[512], code[32];
	int rc = db_snap_exists(ctx->db, ctx->param, n, err, sizeof(err));

	if (rc < 0) {
		h_internal(ctx, "snapshot get", err);
		return -1;
	}
	if (rc == 0) {
		no_snapshot(ctx, n);
		return -1;
	}
	rc = lc_restore_data(ctx->conf, ctx->param, n, code, sizeof(code), err, sizeof(err));
	if (rc == LC_SUP_OK)
		return audit_restore(ctx, n);
	if (rc == LC_SUP_REFUSED && strcmp(code, "running") == 0)
		response_error(ctx->resp, 409, "app_running",
			       "the app is running: stop it before restoring its data");
	else if (rc == LC_SUP_REFUSED && strcmp(code, "not_found") == 0)
		no_snapshot(ctx, n);
	else if (rc == LC_SUP_DOWN)
		response_error(ctx->resp, 503, "unavailable",
			       "the sandbox supervisor is unavailable");
	else
		h_internal(ctx, "data restore", err);
	return -1;
}
