/* jobs.h: generation jobs, the generations that outlive their request (the openai
 * provider): each a detached `appforged --generation-job ID` holding
 * state_dir/jobs/<id>.lock (common/applayout.h) until its result is stored, and the
 * sweep that fails the ones whose process died.
 *
 * Error convention: 0 on success, -1 with a message in err (for the logs). */
#ifndef AF_JOBS_H
#define AF_JOBS_H

#include <stdbool.h>
#include <stddef.h>

struct conf;
struct db;

/* Creates and locks state_dir/jobs/<id>.lock; returns its descriptor (the lock lives as
 * long as a copy of it is open) or -1. */
int jobs_lock_create(const struct conf *c, const char *app_id, char *err, size_t errlen);
void jobs_lock_remove(const struct conf *c, const char *app_id);

/* Starts the generation of an app whose row exists with status "generating", in a
 * detached process (double fork, then a fresh `appforged --generation-job ID`: nothing
 * for the worker to reap later, no state shared with it) that inherits lockfd as fd 3.
 * keep_name: the user named the app; else the generator's name replaces the
 * placeholder. start: the app is started once generated (h_run_start). Closes lockfd in
 * the caller. 0 or -1. */
int jobs_generation_start(const struct conf *c, const char *app_id, bool keep_name, bool start,
			  int lockfd, char *err, size_t errlen);

/* The job itself (appforged --generation-job): reads the app's prompt, generates,
 * scans, stores files + scan + status ready/blocked, or status failed with the
 * user-safe reason; then removes the lock, and with start starts a ready app. Returns
 * the process exit status. */
int jobs_run(const struct conf *c, const char *app_id, bool keep_name, bool start);

/* Marks "failed" every app still "generating" whose job is gone (its lock is free).
 * Returns how many, or -1. main() runs it once before the workers start (jobs of a
 * previous daemon); afterwards jobs_settle() does it for each app anyone looks at. */
int jobs_sweep(const struct conf *c, struct db *db, char *err, size_t errlen);

/* The message a failed generation carries when its job died. */
#define JOBS_INTERRUPTED \
	"the generation was interrupted (the server stopped or the job died); try again"

/* For one app seen "generating": 1 when its job is gone and it is now marked failed
 * (with JOBS_INTERRUPTED), 0 when its job lives (or it changed meanwhile). */
int jobs_check_one(const struct conf *c, struct db *db, const char *app_id);

/* For an app just loaded: when it is "generating" and its job is gone, marks it failed
 * (jobs_check_one: a write) and updates a to what was stored. The handlers call it
 * where they load an app to show it, so that app_to_json itself only reads. 1 when
 * it did, else 0. */
struct db_app;
int jobs_settle(const struct conf *c, struct db *db, struct db_app *a);

/* The configuration file the daemon was started with (NULL: built-in defaults); set by
 * main() before master_run, handed to the generation jobs. */
extern const char *master_config_path;

#endif
