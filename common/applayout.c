/* applayout.c: an app's paths outside the database, and their purge (applayout.h). */
#include "common/applayout.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/appfiles.h"
#include "common/conf.h"
#include "common/errfmt.h"

/* n: what snprintf returned for a buffer of outlen bytes. */
static int put(size_t outlen, int n)
{
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int applayout_path(const struct conf *c, const char *app_id, enum app_path what, char *out,
		   size_t outlen)
{
	const char *a = c->apps_dir, *l = c->log_dir, *s = c->state_dir, *id = app_id;

	switch (what) {
	case APP_PATH_DIR: return put(outlen, snprintf(out, outlen, "%s/%s", a, id));
	case APP_PATH_CODE: return put(outlen, snprintf(out, outlen, "%s/%s/code", a, id));
	case APP_PATH_CODE_SUM: return put(outlen, snprintf(out, outlen, "%s/%s/code.sum", a, id));
	case APP_PATH_DATA: return put(outlen, snprintf(out, outlen, "%s/%s/data", a, id));
	case APP_PATH_START_LOCK:
		return put(outlen, snprintf(out, outlen, "%s/%s/start.lock", a, id));
	case APP_PATH_LOG: return put(outlen, snprintf(out, outlen, "%s/apps/%s.log", l, id));
	case APP_PATH_LOG_OLD: return put(outlen, snprintf(out, outlen, "%s/apps/%s.log.1", l, id));
	case APP_PATH_JOB_LOCK: return put(outlen, snprintf(out, outlen, "%s/jobs/%s.lock", s, id));
	}
	return -1;
}

int applayout_dir(const struct conf *c, enum app_shared_dir what, char *out, size_t outlen)
{
	switch (what) {
	case APP_DIR_LOGS: return put(outlen, snprintf(out, outlen, "%s/apps", c->log_dir));
	case APP_DIR_JOBS: return put(outlen, snprintf(out, outlen, "%s/jobs", c->state_dir));
	}
	return -1;
}

/* Unlinks one file of the app; a missing one is fine. Records the first problem. */
static void remove_file(const struct conf *c, const char *app_id, enum app_path what, int *rc,
			char *err, size_t errlen)
{
	char path[4200];

	if (applayout_path(c, app_id, what, path, sizeof path) < 0) {
		if (*rc == 0)
			errfmt(err, errlen, "app %s: path too long", app_id);
		*rc = -1;
	} else if (unlink(path) < 0 && errno != ENOENT) {
		if (*rc == 0)
			errfmt(err, errlen, "%s not removed: %s", path, strerror(errno));
		*rc = -1;
	}
}

int applayout_purge(const struct conf *c, const char *app_id, char *err, size_t errlen)
{
	char path[4200], why[512];
	int rc = 0;

	if (applayout_path(c, app_id, APP_PATH_DIR, path, sizeof path) < 0) {
		errfmt(err, errlen, "app %s: path too long", app_id);
		rc = -1;
	} else if (appfiles_remove_tree(path, why, sizeof why) < 0) {
		errfmt(err, errlen, "directory not removed: %s", why);
		rc = -1;
	}
	remove_file(c, app_id, APP_PATH_LOG, &rc, err, errlen);
	remove_file(c, app_id, APP_PATH_LOG_OLD, &rc, err, errlen);
	remove_file(c, app_id, APP_PATH_JOB_LOCK, &rc, err, errlen);
	return rc;
}
