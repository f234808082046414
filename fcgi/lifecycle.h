/* lifecycle.h: what the daemon does with an app beyond its rows: the sandbox
 * supervisor's control socket, the app's directory on disk (code, data), its log, and
 * the asynchronous generation jobs.
 *
 * Layout under the configuration's directories:
 *   apps_dir/<id>/code        the files of the last run, materialised from the database
 *   apps_dir/<id>/data        the app's DATA_DIR (the supervisor makes /data from it)
 *   log_dir/apps/<id>.log     stdout+stderr of its runs (the supervisor writes it), .1 rotated
 *   state_dir/jobs/<id>.lock  held (flock) by a running generation job of the app
 *
 * Error convention: 0 on success, -1 with a message in err (for the logs). */
#ifndef AF_LIFECYCLE_H
#define AF_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct conf;
struct db;
struct json_object;
struct sup_reply;
struct sup_request;

/* ---- the supervisor (sandbox/supervisor_client.h underneath) ---- */

enum { LC_SUP_OK = 0, LC_SUP_REFUSED = 1, LC_SUP_DOWN = -1 };

/* Sends q to the supervisor and waits up to timeout_ms. LC_SUP_OK: rep is its reply.
 * LC_SUP_REFUSED: it answered ok:false, rep->code and rep->message say why (also
 * copied to err). LC_SUP_DOWN: no answer (err says why). Clear rep in every case. */
int lc_sup(const struct conf *c, const struct sup_request *q, struct sup_reply *rep,
	   int timeout_ms, char *err, size_t errlen);

/* {"op":"ping"}: 0 when the supervisor answers. */
int lc_sup_ping(const struct conf *c, char *err, size_t errlen);

/* Stops every process of the app (deleted: reason "deleted", else "stopped"), waiting
 * until they are gone and the run's end is recorded. 0 also when it was not running;
 * -1 when the supervisor did not answer. */
int lc_sup_stop(const struct conf *c, const char *app_id, bool deleted, int grace_ms,
		char *err, size_t errlen);

/* Asks the supervisor to make the new app's data image and mount it, so that its first
 * start only binds it (sandbox/datamount.h). Sends the request without waiting for the
 * work (sup_send): the caller's answer is not delayed. Best effort: a failure is logged
 * and the first start does the work instead. */
void lc_sup_prepare(const struct conf *c, const char *app_id);

/* Holds apps_dir/<id>/start.lock (flock) while the caller looks at the app's run and
 * starts it, so that only one caller writes the code of a start. Waits at most a few
 * seconds for another holder. Returns the lock's descriptor (close it to unlock) or
 * -1 (err says why). */
int lc_start_lock(const struct conf *c, const char *app_id, char *err, size_t errlen);

/* ---- disk ---- */

/* apps_dir/<id> (and /code, /data). */
int lc_app_dir(const struct conf *c, const char *app_id, const char *sub, char *out,
	       size_t outlen);
/* log_dir/apps/<id>.log */
int lc_log_path(const struct conf *c, const char *app_id, char *out, size_t outlen);

/* Writes files (validated again) to apps_dir/<id>/code through a temporary directory
 * that replaces the old code in one rename, and creates apps_dir/<id>/data. Only for
 * an app that is not running (its sandbox would otherwise see the old tree vanish). */
int lc_materialise(const struct conf *c, const char *app_id, struct json_object *files,
		   char *err, size_t errlen);

/* The last `lines` lines of the app's log (the rotated file first), as a malloc'ed
 * string in *out with its length; an app that never logged gives "". 0 or -1. */
int lc_log_tail(const struct conf *c, const char *app_id, int lines, char **out,
		size_t *outlen, char *err, size_t errlen);

/* Everything of a deleted app outside the database: kills its sandbox (reason
 * "deleted"), removes apps_dir/<id>, its logs and its job lock. Best effort: every
 * problem is logged. Call after the app's row is gone, so no new run can start. */
void lc_app_purge(const struct conf *c, const char *app_id);

/* ---- generation jobs (jobs.c) ---- */

/* Creates and locks state_dir/jobs/<id>.lock; returns its descriptor (the lock lives as
 * long as a copy of it is open) or -1. */
int jobs_lock_create(const struct conf *c, const char *app_id, char *err, size_t errlen);
void jobs_lock_remove(const struct conf *c, const char *app_id);

/* Starts the generation of an app whose row exists with status "generating", in a
 * detached process (double fork, then a fresh `appforged --generation-job ID`: nothing
 * for the worker to reap later, no state shared with it) that inherits lockfd as fd 3.
 * keep_name: the user named the app; else the generator's name replaces the
 * placeholder. Closes lockfd in the caller. 0 or -1. */
int jobs_generation_start(const struct conf *c, const char *app_id, bool keep_name,
			  int lockfd, char *err, size_t errlen);

/* The job itself (appforged --generation-job): reads the app's prompt, generates,
 * scans, stores files + scan + status ready/blocked, or status failed with the
 * user-safe reason; then removes the lock. Returns the process exit status. */
int jobs_run(const struct conf *c, const char *app_id, bool keep_name);

/* Marks "failed" every app still "generating" whose job is gone (its lock is free).
 * Returns how many, or -1. main() runs it once before the workers start (jobs of a
 * previous daemon); afterwards jobs_check_one() does it for each app anyone looks at. */
int jobs_sweep(const struct conf *c, struct db *db, char *err, size_t errlen);

/* The message a failed generation carries when its job died. */
#define JOBS_INTERRUPTED "the generation was interrupted (the server stopped or the job died); try again"

/* For one app seen "generating": 1 when its job is gone and it is now marked failed
 * (with JOBS_INTERRUPTED), 0 when its job lives (or it changed meanwhile). */
int jobs_check_one(const struct conf *c, struct db *db, const char *app_id);

/* The configuration file the daemon was started with (NULL: built-in defaults); set by
 * main() before master_run, handed to the generation jobs. */
extern const char *master_config_path;

#endif
