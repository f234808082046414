/* db_extra.c: see db_extra.h. */
#include "db/db_extra.h"

#include <sqlite3.h>
#include <stdio.h>

#include "db/db.h"

int db_integrity_check(struct db *db, char *err, size_t errlen)
{
	sqlite3 *h = db_sqlite(db);
	sqlite3_stmt *st = NULL;
	int rc = DB_ERR;

	if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "integrity_check: %s", sqlite3_errmsg(h));
		return DB_ERR;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		if (r && r[0] == 'o' && r[1] == 'k' && r[2] == 0)
			rc = DB_OK;
		else
			snprintf(err, errlen, "integrity_check: %s", r ? r : "(no answer)");
	} else {
		snprintf(err, errlen, "integrity_check: %s", sqlite3_errmsg(h));
	}
	sqlite3_finalize(st);
	return rc;
}
