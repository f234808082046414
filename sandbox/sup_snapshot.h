/* sup_snapshot.h: the supervisor's ops "snapshot" and "restore_data" (supproto.h): the
 * files through sandbox/snapshot.h, their rows through db/db_snapshots.h, both written
 * only here. The supervisor's loop calls these with what it alone knows: whether the
 * app has a live run. They run in the loop, synchronously: a copy of a data image is
 * a reflink or a sparse copy of its used blocks (milliseconds for the default 64 MiB),
 * and no start of the app can slip in between the check and the copy. */
#ifndef AF_SUP_SNAPSHOT_H
#define AF_SUP_SNAPSHOT_H

#include <stdbool.h>

struct conf;
struct db;
struct sup_reply;
struct sup_request;

/* Answers q (op snapshot or restore_data) in r: ok, or an error reply with code
 * running, no_data, too_large, not_found, db_unavailable or internal. */
void sup_snapshot_op(const struct conf *c, struct db *db, const struct sup_request *q,
		     bool live, struct sup_reply *r);

#endif
