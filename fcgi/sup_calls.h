/* sup_calls.h: the workers' side of appforge-supervisor: typed requests over its
 * control socket (sandbox/supervisor_client.h underneath), the ping of the health
 * check, a stop, data snapshots (sandbox/snapshot.h), and the purge of a deleted app (its sandbox stopped, then everything
 * common/applayout.h lists removed). The supervisor itself is sandbox/supervisor.c;
 * its client library, for every process, sandbox/supervisor_client.c.
 *
 * Error convention: 0 on success, -1 with a message in err (for the logs). */
#ifndef AF_SUP_CALLS_H
#define AF_SUP_CALLS_H

#include <stdbool.h>
#include <stddef.h>

struct conf;
struct sup_reply;
struct sup_request;
struct sup_run;

enum { LC_SUP_OK = 0, LC_SUP_REFUSED = 1, LC_SUP_DOWN = -1 };

/* What a quick request (status, list) may take: the supervisor answers from memory. */
#define LC_SUP_TIMEOUT_MS 5000

/* Sends q to the supervisor and waits up to timeout_ms. LC_SUP_OK: rep is its reply.
 * LC_SUP_REFUSED: it answered ok:false, rep->code and rep->message say why (also
 * copied to err). LC_SUP_DOWN: no answer (err says why). Clear rep in every case. */
int lc_sup(const struct conf *c, const struct sup_request *q, struct sup_reply *rep, int timeout_ms,
	   char *err, size_t errlen);

/* The run of an app, as the supervisor holds it: LC_SUP_OK with run filled, or
 * LC_SUP_DOWN (err says why). */
int lc_sup_status(const struct conf *c, const char *app_id, struct sup_run *run, char *err,
		  size_t errlen);

/* {"op":"ping"}: 0 when the supervisor answers. */
int lc_sup_ping(const struct conf *c, char *err, size_t errlen);

/* Stops every process of the app (deleted: reason "deleted", else "stopped"), waiting
 * until they are gone and the run's end is recorded. 0 also when it was not running;
 * -1 when the supervisor did not answer. */
int lc_sup_stop(const struct conf *c, const char *app_id, bool deleted, int grace_ms, char *err,
		size_t errlen);

/* Asks the supervisor to make the new app's data image and mount it, so that its first
 * start only binds it (sandbox/datamount.h). Sends the request without waiting for the
 * work (sup_send): the caller's answer is not delayed. Best effort: a failure is logged
 * and the first start does the work instead. */
void lc_sup_prepare(const struct conf *c, const char *app_id);

/* Asks the supervisor for a snapshot of the app's data image as revision rev (sent
 * after the revision is committed). 1: taken and kept; 0: none for this revision (the
 * app runs, has no data yet, or snapshots are off or over their budget), with the
 * reason in err; -1: failed (err says why; the revision stands without one). */
int lc_snapshot(const struct conf *c, const char *app_id, long long rev, char *err, size_t errlen);

/* Asks the supervisor to replace the app's data image by the snapshot of revision rev.
 * LC_SUP_OK, LC_SUP_REFUSED (code "running": the app runs; "not_found": no such
 * snapshot; copied to code) or LC_SUP_DOWN; err says why. */
int lc_restore_data(const struct conf *c, const char *app_id, long long rev, char *code,
		    size_t codelen, char *err, size_t errlen);

/* Everything of a deleted app outside the database: kills its sandbox (reason
 * "deleted"), then applayout_purge (its directory, logs and job lock). Best effort:
 * problems are logged. Call after the app's row is gone, so no new run can start. */
void lc_app_purge(const struct conf *c, const char *app_id);

#endif
