/* db_extra.h: the database check only appforgectl runs (PRAGMA integrity_check), kept
 * apart from db.h, which the daemon and the supervisor link too. Same conventions as
 * db.h. */
#ifndef AF_DB_EXTRA_H
#define AF_DB_EXTRA_H

#include <stddef.h>

struct db;

/* Runs PRAGMA integrity_check. DB_OK when the answer is "ok"; DB_ERR with the first
 * problem (or the SQLite error) in err otherwise. */
int db_integrity_check(struct db *db, char *err, size_t errlen);

#endif
