/* db_env.h: an app's environment variables in the database (table app_env). Values
 * are stored sealed only (common/secretbox.h): this layer never sees a clear value.
 * Same conventions as db.h; the statements are prepared per call (rare requests). */
#ifndef AF_DB_ENV_H
#define AF_DB_ENV_H

#include <stddef.h>

#include "common/appenv.h"

struct db;

struct db_env_var {
	char name[APPENV_NAME_MAX + 1];
	unsigned char *sealed; /* malloc'ed in lists read from the database */
	size_t sealed_len;
	long long set_at;
};

/* The app's variables, by name; *out freed with db_env_list_free. An app without any
 * gives *n = 0 (and *out NULL). DB_OK or DB_ERR. */
int db_env_list(struct db *db, const char *app_id, struct db_env_var **out, size_t *n, char *err,
		size_t errlen);
void db_env_list_free(struct db_env_var *v, size_t n);

/* Replaces all of the app's variables by vars[0..n) (the caller fills every field; the
 * sealed bytes are only read). Atomic (db_tx). DB_OK or DB_ERR. */
int db_env_replace(struct db *db, const char *app_id, const struct db_env_var *vars, size_t n,
		   char *err, size_t errlen);

#endif
