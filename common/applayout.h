/* applayout.h: where an app lives on disk outside the database, and removing all of it
 * (the purge). The one owner of these paths: appforged, appforgectl and the supervisor
 * build every one of them here, never by hand.
 *
 *   apps_dir/<id>/               the app's directory (0711, appforge)
 *   apps_dir/<id>/code           the files of the last run, materialised from the db
 *   apps_dir/<id>/code.sum       the SHA-256 of the files that tree was written from
 *                                (fcgi/appdisk.h: a tree that matches is not rewritten)
 *   apps_dir/<id>/data           its DATA_DIR (the supervisor makes /data from it)
 *   apps_dir/<id>/start.lock     flock'ed by the worker that starts it
 *   apps_dir/<id>/snapshots/     the data image per revision (sandbox/snapshot.c, which
 *                                walks these paths itself with openat, never following
 *                                a link: see snapshot.h)
 *   log_dir/apps/<id>.log        stdout+stderr of its runs (the supervisor writes it)
 *   log_dir/apps/<id>.log.1      the rotated log
 *   state_dir/jobs/<id>.lock     flock'ed by a running generation job of the app
 *
 * A new kind of per-app file gets its enum value here and, unless it lives under
 * apps_dir/<id>/ (then the purge removes it with the directory), a line in
 * applayout_purge.
 *
 * App ids are checked by the caller (util.h id_valid_app) before they get here.
 * Error convention: 0, or -1 (a path that does not fit; err says why where there is
 * one). */
#ifndef AF_APPLAYOUT_H
#define AF_APPLAYOUT_H

#include <stddef.h>

struct conf;

enum app_path {
	APP_PATH_DIR,        /* apps_dir/<id> */
	APP_PATH_CODE,       /* apps_dir/<id>/code */
	APP_PATH_CODE_SUM,   /* apps_dir/<id>/code.sum */
	APP_PATH_DATA,       /* apps_dir/<id>/data */
	APP_PATH_START_LOCK, /* apps_dir/<id>/start.lock */
	APP_PATH_LOG,        /* log_dir/apps/<id>.log */
	APP_PATH_LOG_OLD,    /* log_dir/apps/<id>.log.1 */
	APP_PATH_JOB_LOCK,   /* state_dir/jobs/<id>.lock */
};

/* The directories shared by every app. */
enum app_shared_dir {
	APP_DIR_LOGS, /* log_dir/apps */
	APP_DIR_JOBS, /* state_dir/jobs */
};

/* The path of one of app_id's files into out (outlen bytes). 0, or -1 when it does not
 * fit. */
int applayout_path(const struct conf *c, const char *app_id, enum app_path what, char *out,
		   size_t outlen);

/* The path of a shared directory into out. 0 or -1. */
int applayout_dir(const struct conf *c, enum app_shared_dir what, char *out, size_t outlen);

/* Removes everything of app_id outside the database: apps_dir/<id> (code, data,
 * locks, whatever else is under it), both logs and the job lock. Call after the app's
 * row is gone and its sandbox stopped (nothing may write there any more). Goes on
 * after a failure; 0 when everything is gone (or was never there), else -1 with the
 * first problem in err. */
int applayout_purge(const struct conf *c, const char *app_id, char *err, size_t errlen);

#endif
