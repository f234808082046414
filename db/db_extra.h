/* db_extra.h: data-access functions the daemon/CLI needed beyond db.h (written by the
 * "daemon" helper in a separate file so that db.c stays core's; fold into db.c later).
 * Same conventions as db.h. */
#ifndef AF_DB_EXTRA_H
#define AF_DB_EXTRA_H

#include <stddef.h>

struct db;

/* Runs PRAGMA integrity_check. DB_OK when the answer is "ok"; DB_ERR with the first
 * problem (or the SQLite error) in err otherwise. */
int db_integrity_check(struct db *db, char *err, size_t errlen);

#endif
