/* db_runs.c: runs of apps and the append-only audit log (see db.h). */
#include "db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void db_read_run(sqlite3_stmt *s, int c, struct db_run *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, c);
	db_col_copy(s, c + 1, r->app_id, sizeof r->app_id);
	/* the schema's CHECK keeps the columns inside the tables of states.h */
	int st = run_state_parse((const char *)sqlite3_column_text(s, c + 2));
	r->state = st < 0 ? RUN_EXITED : (enum run_state)st;
	r->port = sqlite3_column_int(s, c + 3);
	r->pid = sqlite3_column_int(s, c + 4);
	r->started_at = db_col_time(s, c + 5);
	r->ended_at = db_col_time(s, c + 6);
	r->expires_at = db_col_time(s, c + 7);
	r->has_exit_code = sqlite3_column_type(s, c + 8) != SQLITE_NULL;
	r->exit_code = sqlite3_column_int(s, c + 8);
	int rs = run_reason_parse((const char *)sqlite3_column_text(s, c + 9));
	r->reason = rs < 0 ? RUN_REASON_NONE : (enum run_reason)rs;
}

static int row_run(sqlite3_stmt *s, void *elem)
{
	db_read_run(s, 0, elem);
	return 0;
}

static void bind_opt_int(sqlite3_stmt *s, int i, int present, int v)
{
	if (present)
		sqlite3_bind_int(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

int db_run_insert(struct db *db, struct db_run *r, char *err, size_t errlen)
{
	struct db_tx tx;
	sqlite3_stmt *s;
	int rc;

	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	if (!(s = db_stmt(db, S_RUN_INSERT, err, errlen))) {
		rc = DB_ERR;
	} else {
		db_bind_text(s, 1, r->app_id);
		db_bind_text(s, 2, run_state_name(r->state));
		bind_opt_int(s, 3, r->port != 0, r->port);
		bind_opt_int(s, 4, r->pid != 0, r->pid);
		sqlite3_bind_int64(s, 5, r->started_at ? r->started_at : db_now());
		db_bind_opt_time(s, 6, r->ended_at);
		db_bind_opt_time(s, 7, r->expires_at);
		bind_opt_int(s, 8, r->has_exit_code, r->exit_code);
		db_bind_text(s, 9, r->reason ? run_reason_name(r->reason) : NULL);
		rc = db_step_done(db, s, err, errlen);
		if (rc == DB_OK)
			r->id = sqlite3_last_insert_rowid(db->h);
	}
	return db_tx_leave(db, &tx, rc, err, errlen);
}

int db_run_update(struct db *db, const struct db_run *r, char *err, size_t errlen)
{
	struct db_tx tx;
	sqlite3_stmt *s;
	int rc;

	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	if (!(s = db_stmt(db, S_RUN_UPDATE, err, errlen))) {
		rc = DB_ERR;
	} else {
		sqlite3_bind_int64(s, 1, r->id);
		db_bind_text(s, 2, run_state_name(r->state));
		bind_opt_int(s, 3, r->port != 0, r->port);
		bind_opt_int(s, 4, r->pid != 0, r->pid);
		db_bind_opt_time(s, 5, r->ended_at);
		db_bind_opt_time(s, 6, r->expires_at);
		bind_opt_int(s, 7, r->has_exit_code, r->exit_code);
		db_bind_text(s, 8, r->reason ? run_reason_name(r->reason) : NULL);
		rc = db_step_done(db, s, err, errlen);
		if (rc == DB_OK && sqlite3_changes(db->h) == 0)
			rc = DB_NOTFOUND;
	}
	return db_tx_leave(db, &tx, rc, err, errlen);
}

int db_run_current(struct db *db, const char *app_id, struct db_run *out, char *err, size_t errlen)
{
	sqlite3_stmt *s = db_stmt(db, S_RUN_CURRENT, err, errlen);
	int rc;

	if (!s)
		return DB_ERR;
	db_bind_text(s, 1, app_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		db_read_run(s, 0, out);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return DB_OK;
	return rc == SQLITE_DONE ? DB_NOTFOUND : db_fail(db, rc, "run", err, errlen);
}

int db_run_list_active(struct db *db, struct db_run **out, size_t *n, char *err, size_t errlen)
{
	static const struct db_rows rows = { sizeof **out, row_run, NULL };
	sqlite3_stmt *s = db_stmt(db, S_RUN_LIST_ACTIVE, err, errlen);

	*out = NULL;
	*n = 0;
	if (!s)
		return DB_ERR;
	return db_collect(db, s, &rows, "run list", (void **)out, n, err, errlen);
}

int db_run_count_active_by_owner(struct db *db, const char *owner, long long *n, char *err,
				 size_t errlen)
{
	return db_count(db, S_RUN_COUNT_OWNER, owner, NULL, 0, n, err, errlen);
}

int db_audit_append(struct db *db, const char *request_id, const char *actor, const char *action,
		    const char *target, const char *detail_json, char *err, size_t errlen)
{
	struct db_audit *ev = NULL; /* only for the field sizes */
	struct db_tx tx;
	sqlite3_stmt *s;
	int rc;

	request_id = request_id ? request_id : "";
	actor = actor ? actor : "";
	target = target ? target : "";
	if (!action || !*action || strlen(action) >= sizeof ev->action ||
	    strlen(request_id) >= sizeof ev->request_id || strlen(actor) >= sizeof ev->actor ||
	    strlen(target) >= sizeof ev->target) {
		snprintf(err, errlen, "audit: field missing or too long");
		return DB_ERR;
	}
	if (db_tx_enter(db, &tx, err, errlen) != DB_OK)
		return DB_ERR;
	if (!(s = db_stmt(db, S_AUDIT_INSERT, err, errlen))) {
		rc = DB_ERR;
	} else {
		sqlite3_bind_int64(s, 1, db_now());
		db_bind_text(s, 2, request_id);
		db_bind_text(s, 3, actor);
		db_bind_text(s, 4, action);
		db_bind_text(s, 5, target);
		db_bind_text(s, 6, detail_json ? detail_json : "{}");
		rc = db_step_done(db, s, err, errlen);
	}
	return db_tx_leave(db, &tx, rc, err, errlen);
}

void db_audit_list_free(struct db_audit *ev, size_t n)
{
	for (size_t i = 0; ev && i < n; i++)
		free(ev[i].detail);
	free(ev);
}

static int read_audit(sqlite3_stmt *s, struct db_audit *e)
{
	memset(e, 0, sizeof *e);
	e->id = sqlite3_column_int64(s, 0);
	e->at = sqlite3_column_int64(s, 1);
	db_col_copy(s, 2, e->request_id, sizeof e->request_id);
	db_col_copy(s, 3, e->actor, sizeof e->actor);
	db_col_copy(s, 4, e->action, sizeof e->action);
	db_col_copy(s, 5, e->target, sizeof e->target);
	e->detail = db_col_dup(s, 6, "{}");
	return e->detail ? 0 : -1;
}

static int row_audit(sqlite3_stmt *s, void *elem)
{
	return read_audit(s, elem);
}

static void audit_list_free(void *arr, size_t n)
{
	db_audit_list_free(arr, n);
}

/* The statement for a filter: when `since` leaves only a few events, the time index
 * finds them all at once; otherwise the index of the actor and/or action filter (or
 * the table itself) is walked newest first until the limit, so the cost follows the
 * page size, not the size of the log. */
static enum db_sid audit_statement(struct db *db, const struct db_audit_filter *f, char *err,
				   size_t errlen)
{
	sqlite3_stmt *s;
	int few = 0;

	if (f->since > 0 && (s = db_stmt(db, S_AUDIT_SINCE_FEW, err, errlen))) {
		sqlite3_bind_int64(s, 1, f->since);
		few = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0);
		sqlite3_reset(s);
	}
	if (few)
		return S_AUDIT_LIST_SINCE;
	if (f->actor && f->action)
		return S_AUDIT_LIST_BOTH;
	if (f->actor)
		return S_AUDIT_LIST_ACTOR;
	return f->action ? S_AUDIT_LIST_ACTION : S_AUDIT_LIST;
}

int db_audit_list(struct db *db, const struct db_audit_filter *f, struct db_audit **out, size_t *n,
		  char *err, size_t errlen)
{
	static const struct db_rows rows = { sizeof **out, row_audit, audit_list_free };
	sqlite3_stmt *s;
	int limit = f->limit ? f->limit : 100;

	*out = NULL;
	*n = 0;
	if (limit < 1 || limit > DB_LIST_MAX) {
		snprintf(err, errlen, "limit must be between 1 and %d", DB_LIST_MAX);
		return DB_ERR;
	}
	if (!(s = db_stmt(db, audit_statement(db, f, err, errlen), err, errlen)))
		return DB_ERR;
	sqlite3_bind_int64(s, 1, f->since);
	db_bind_text(s, 2, f->actor);
	db_bind_text(s, 3, f->action);
	sqlite3_bind_int(s, 4, limit);
	return db_collect(db, s, &rows, "audit list", (void **)out, n, err, errlen);
}

int db_audit_count(struct db *db, const char *actor, const char *action, long long since,
		   long long *n, char *err, size_t errlen)
{
	return db_count(db, S_AUDIT_COUNT, actor, action, since, n, err, errlen);
}
