/* appdisk.h: an app's files beside the database as the workers handle them: the start
 * lock, the code materialised from the database for a run, the tail of its log. Every
 * path comes from common/applayout.h.
 *
 * Error convention: 0 on success, -1 with a message in err (for the logs). */
#ifndef AF_APPDISK_H
#define AF_APPDISK_H

#include <stdbool.h>
#include <stddef.h>

struct conf;
struct json_object;

/* Holds apps_dir/<id>/start.lock (flock) while the caller looks at the app's run and
 * starts it, so that only one caller writes the code of a start. Waits at most a few
 * seconds for another holder. Returns the lock's descriptor (close it to unlock) or
 * -1 (err says why). */
int lc_start_lock(const struct conf *c, const char *app_id, char *err, size_t errlen);

/* The stamp of a set of files: the SHA-256 (hex) of their paths and contents and of
 * this boot, as apps_dir/<id>/code.sum holds it for the tree written from them; "" when
 * it cannot be computed (a set appfiles_validate refuses, no boot id). */
struct lc_code_stamp {
	char sum[65];
};

/* Whether apps_dir/<id>/code is a tree lc_materialise wrote from exactly these files
 * (its stamp matches): then a start need not write it again, nor ask whether the app
 * runs before writing. Anything else (no stamp, another sum, no tree): false. The
 * files' stamp goes into *st either way, for lc_materialise. */
bool lc_code_current(const struct conf *c, const char *app_id, struct json_object *files,
		     struct lc_code_stamp *st);

/* Writes files (validated again) to apps_dir/<id>/code through a temporary directory
 * that replaces the old code in one rename, and creates apps_dir/<id>/data. Only for
 * an app that is not running (its sandbox would otherwise see the old tree vanish).
 * The tree's stamp, apps_dir/<id>/code.sum, is removed before the tree is replaced and
 * written after it: st is the stamp lc_code_current gave for these same files. */
int lc_materialise(const struct conf *c, const char *app_id, struct json_object *files,
		   const struct lc_code_stamp *st, char *err, size_t errlen);

/* The last `lines` lines of the app's log (the rotated file first), as a malloc'ed
 * string in *out with its length; an app that never logged gives "". 0 or -1. */
int lc_log_tail(const struct conf *c, const char *app_id, int lines, char **out, size_t *outlen,
		char *err, size_t errlen);

#endif
