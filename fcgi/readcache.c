/* readcache.c: see readcache.h. A small array searched by hash: READCACHE_SLOTS is
 * small enough that a scan of 64 hashes costs less than a request's one SQLite
 * statement. */
#include "fcgi/readcache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	uint64_t hash;
	char *key;
	char *body;
	size_t len;
	unsigned long used; /* clock of its last use; 0: a free slot */
};

static struct entry slots[READCACHE_SLOTS];
static struct db_version version; /* of every entry held */
static size_t bytes, count;
static unsigned long clock_now;

static uint64_t hash_of(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void drop(struct entry *e)
{
	if (!e->used)
		return;
	explicit_bzero(e->body, e->len);
	free(e->body);
	free(e->key);
	bytes -= e->len;
	count--;
	memset(e, 0, sizeof *e);
}

void readcache_clear(void)
{
	for (size_t i = 0; i < READCACHE_SLOTS; i++)
		drop(&slots[i]);
}

/* Entries of another version are all stale: gone before anything else. */
static void at_version(const struct db_version *v)
{
	if (v->others == version.others && v->own == version.own)
		return;
	readcache_clear();
	version = *v;
}

static struct entry *find(const char *key, uint64_t h)
{
	for (size_t i = 0; i < READCACHE_SLOTS; i++) {
		struct entry *e = &slots[i];
		if (e->used && e->hash == h && strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

bool readcache_get(const char *key, const struct db_version *v, const char **body, size_t *len)
{
	size_t klen = strnlen(key, READCACHE_KEY_MAX + 1);
	struct entry *e;

	at_version(v);
	if (klen > READCACHE_KEY_MAX || !count)
		return false;
	e = find(key, hash_of(key, klen));
	if (!e)
		return false;
	e->used = ++clock_now;
	*body = e->body;
	*len = e->len;
	return true;
}

/* A slot for a new entry of len bytes: a free one, or the least recently used ones
 * dropped until the bytes fit. */
static struct entry *make_room(size_t len)
{
	for (;;) {
		struct entry *free_slot = NULL, *lru = NULL;
		for (size_t i = 0; i < READCACHE_SLOTS; i++) {
			struct entry *e = &slots[i];
			if (!e->used) {
				if (!free_slot)
					free_slot = e;
			} else if (!lru || e->used < lru->used) {
				lru = e;
			}
		}
		if (free_slot && bytes + len <= READCACHE_BYTES)
			return free_slot;
		if (!lru)
			return NULL;
		drop(lru);
	}
}

void readcache_put(const char *key, const struct db_version *v, const char *body, size_t len)
{
	size_t klen = strnlen(key, READCACHE_KEY_MAX + 1);
	uint64_t h;
	struct entry *e;
	char *kcopy, *bcopy;

	if (klen > READCACHE_KEY_MAX || len > READCACHE_ENTRY_MAX)
		return;
	at_version(v);
	h = hash_of(key, klen);
	e = find(key, h);
	if (e)
		drop(e);
	e = make_room(len);
	if (!e)
		return;
	kcopy = malloc(klen + 1);
	bcopy = malloc(len ? len : 1);
	if (!kcopy || !bcopy) {
		free(kcopy);
		free(bcopy);
		return;
	}
	memcpy(kcopy, key, klen + 1);
	memcpy(bcopy, body, len);
	*e = (struct entry){
		.hash = h, .key = kcopy, .body = bcopy, .len = len, .used = ++clock_now
	};
	bytes += len;
	count++;
}

void readcache_usage(size_t *entries, size_t *nbytes)
{
	*entries = count;
	*nbytes = bytes;
}
