/* readcache.h: a worker's answers to read-only requests, kept while the database they
 * were read from is unchanged.
 *
 * An entry is a body under a key the handler makes (what the answer depends on: the
 * route, the caller, the query) and the database version it was read at
 * (db_snapshot_version: any commit, by any connection, moves it). A lookup at another
 * version finds nothing, and the first one drops every entry, since they all
 * describe the same older state. So an answer is never older than the snapshot of the
 * request that asks; the handler still authenticates and authorises first, and only
 * answers that are a function of the database alone are kept (not a generating app,
 * whose state is settled from its job's lock file).
 *
 * Per process, no locking (a worker serves one request at a time). Bounded:
 * READCACHE_SLOTS entries and READCACHE_BYTES of bodies; the least recently used makes
 * room; a body over READCACHE_ENTRY_MAX, or a key over READCACHE_KEY_MAX, is not kept.
 * Freed bodies are wiped. */
#ifndef AF_READCACHE_H
#define AF_READCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"

#define READCACHE_SLOTS 64
#define READCACHE_BYTES (2u * 1024 * 1024)
#define READCACHE_ENTRY_MAX (256u * 1024)
#define READCACHE_KEY_MAX 600

/* The body kept under key at version v: true with *body (valid until the next call of
 * this module) and *len. */
bool readcache_get(const char *key, const struct db_version *v, const char **body, size_t *len);

/* Keeps a copy of body under key at version v (replacing an entry of the same key).
 * Out of memory or over a bound: not kept, silently. */
void readcache_put(const char *key, const struct db_version *v, const char *body, size_t len);

/* Drops every entry (tests, and a worker that reopens its database). */
void readcache_clear(void);

/* Entries and body bytes held (tests). */
void readcache_usage(size_t *entries, size_t *bytes);

#endif
