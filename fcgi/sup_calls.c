/* sup_calls.c: the supervisor's control socket as the workers use it (typed, through
 * sandbox/supervisor_client.h): requests, ping, stop, and the purge of a deleted app.
 * See sup_calls.h. */
#include "fcgi/sup_calls.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/applayout.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/util.h"
#include "sandbox/supervisor_client.h"

#define LC_PING_TIMEOUT_MS 2000
#define LC_PREPARE_TIMEOUT_MS 1000 /* to send it: the supervisor reads as it goes */

int lc_sup(const struct conf *c, const struct sup_request *q, struct sup_reply *rep, int timeout_ms,
	   char *err, size_t errlen)
{
	if (sup_call(c->supervisor_socket, q, rep, timeout_ms, err, errlen) < 0)
		return LC_SUP_DOWN;
	if (rep->ok)
		return LC_SUP_OK;
	snprintf(err, errlen, "%.31s: %.400s", rep->code, rep->message);
	return LC_SUP_REFUSED;
}

int lc_sup_status(const struct conf *c, const char *app_id, struct sup_run *run, char *err,
		  size_t errlen)
{
	struct sup_request q;
	struct sup_reply rep;
	int rc;

	sup_request_init(&q, SUP_STATUS);
	util_copy(q.app_id, sizeof q.app_id, app_id);
	rc = lc_sup(c, &q, &rep, LC_SUP_TIMEOUT_MS, err, errlen);
	*run = rep.run;
	sup_reply_clear(&rep);
	return rc == LC_SUP_OK ? LC_SUP_OK : LC_SUP_DOWN;
}

int lc_sup_ping(const struct conf *c, char *err, size_t errlen)
{
	struct sup_request q;
	struct sup_reply rep;
	int rc;

	sup_request_init(&q, SUP_PING);
	rc = lc_sup(c, &q, &rep, LC_PING_TIMEOUT_MS, err, errlen);
	sup_reply_clear(&rep);
	return rc == LC_SUP_OK ? 0 : -1;
}

int lc_sup_stop(const struct conf *c, const char *app_id, bool deleted, int grace_ms, char *err,
		size_t errlen)
{
	struct sup_request q;
	struct sup_reply rep;
	int rc;

	sup_request_init(&q, SUP_STOP);
	util_copy(q.app_id, sizeof q.app_id, app_id);
	q.grace_ms = grace_ms;
	q.deleted = deleted;
	/* The supervisor answers once the whole tree is gone: grace, then the kill. */
	rc = lc_sup(c, &q, &rep, grace_ms + 15000, err, errlen);
	sup_reply_clear(&rep);
	return rc == LC_SUP_OK ? 0 : -1;
}

void lc_sup_prepare(const struct conf *c, const char *app_id)
{
	char err[1024], base[4096], data[4096];
	struct sup_request q;

	if (applayout_path(c, app_id, APP_PATH_DIR, base, sizeof base) < 0 ||
	    applayout_path(c, app_id, APP_PATH_DATA, data, sizeof data) < 0)
		return;
	/* as lc_materialise makes them: the app's directory only traversable */
	if ((mkdir(base, 0711) < 0 && errno != EEXIST) ||
	    (mkdir(data, 0700) < 0 && errno != EEXIST)) {
		log_warn("app %s: mkdir for its data: %s", app_id, strerror(errno));
		return;
	}
	sup_request_init(&q, SUP_PREPARE);
	util_copy(q.app_id, sizeof q.app_id, app_id);
	util_copy(q.data_dir, sizeof q.data_dir, data);
	/* Sent, not waited for: the supervisor carries it out after we have answered. */
	if (sup_send(c->supervisor_socket, &q, LC_PREPARE_TIMEOUT_MS, err, sizeof err) < 0)
		log_warn("app %s: data not prepared ahead of its first start: %s", app_id, err);
}

/* A copy of a 64 MiB image takes milliseconds; the bound is for a slow disk. */
#define LC_SNAPSHOT_TIMEOUT_MS 60000

int lc_snapshot(const struct conf *c, const char *app_id, long long rev, char *err, size_t errlen)
{
	struct sup_request q;
	struct sup_reply rep;
	int rc;

	if (c->snapshots_per_app == 0) {
		snprintf(err, errlen, "snapshots are off (snapshots_per_app = 0)");
		return 0;
	}
	sup_request_init(&q, SUP_SNAPSHOT);
	util_copy(q.app_id, sizeof(q.app_id), app_id);
	q.rev = rev;
	rc = lc_sup(c, &q, &rep, LC_SNAPSHOT_TIMEOUT_MS, err, errlen);
	if (rc == LC_SUP_OK && !rep.kept)
		snprintf(err, errlen, "over the snapshot budget (snapshots_app_mb)");
	if (rc == LC_SUP_OK)
		rc = rep.kept ? 1 : 0;
	else if (rc == LC_SUP_REFUSED &&
		 (strcmp(rep.code, "running") == 0 || strcmp(rep.code, "no_data") == 0 ||
		  strcmp(rep.code, "too_large") == 0))
		rc = 0;
	else
		rc = -1;
	sup_reply_clear(&rep);
	return rc;
}

int lc_restore_data(const struct conf *c, const char *app_id, long long rev, char *code,
		    size_t codelen, char *err, size_t errlen)
{
	struct sup_request q;
	struct sup_reply rep;
	int rc;

	sup_request_init(&q, SUP_RESTORE_DATA);
	util_copy(q.app_id, sizeof(q.app_id), app_id);
	q.rev = rev;
	rc = lc_sup(c, &q, &rep, LC_SNAPSHOT_TIMEOUT_MS, err, errlen);
	util_copy(code, codelen, rc == LC_SUP_REFUSED ? rep.code : "");
	sup_reply_clear(&rep);
	return rc;
}

void lc_app_purge(const struct conf *c, const char *app_id)
{
	char err[512];

	if (lc_sup_stop(c, app_id, true, 0, err, sizeof err) < 0)
		log_error("app %s: the supervisor did not stop it: %s", app_id, err);
	if (applayout_purge(c, app_id, err, sizeof err) < 0)
		log_warn("app %s: %s", app_id, err);
}
