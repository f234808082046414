/* sup_snapshot.h: the supervisor's ops "snapshot" and "restore_data" (supproto.h): the
 * files through sandbox/snapshot.h, their rows through db/db_snapshots.h, both written
 * only here. The copy of an image runs in a child process (a job), so that the
 * supervisor's loop never waits for a disk: the client's reply is deferred until the
 * job reports (its pipe becomes readable: a W_SNAP watch). While a job runs, the app
 * can neither start (op_start answers "busy") nor get a second job. */
#ifndef AF_SUP_SNAPSHOT_H
#define AF_SUP_SNAPSHOT_H

#include <stdbool.h>

#include "sandbox/supproto.h"

struct watch;

/* Begins q (op snapshot or restore_data) for client client_id; live: the app has a
 * live run. 1: a job runs, the reply comes from sup_snapshot_end (defer the client);
 * 0: r holds the reply now (ok, or an error with code running, busy, no_data,
 * too_large, not_found, db_unavailable or internal). */
int sup_snapshot_begin(const struct sup_request *q, bool live, long client_id, struct sup_reply *r);

/* The job of watch w has reported (or died): ends it (records the snapshot's row and
 * sweeps, for a snapshot) and fills r, *client_id and *op for the deferred reply. */
void sup_snapshot_end(struct watch *w, struct sup_reply *r, long *client_id, enum sup_op *op);

/* Whether a job of app_id runs (app_id NULL: any job). */
bool sup_snapshot_busy(const char *app_id);

#endif
