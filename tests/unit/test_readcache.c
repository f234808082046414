/* test_readcache.c: a worker's read cache (fcgi/readcache.h) answers only at the version
 * an entry was kept at, drops everything at a new version, keeps keys apart, and stays
 * within its bounds (slots, bytes, entry size, key size) by dropping the least recently
 * used. */
#include "tests/tap.h"
#include "fcgi/readcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether key has an entry at v: any body when want is NULL, else exactly want. */
static bool has(const char *key, const struct db_version *v, const char *want)
{
	const char *body;
	size_t len;

	if (!readcache_get(key, v, &body, &len))
		return false;
	return !want || (len == strlen(want) && memcmp(body, want, len) == 0);
}

int main(void)
{
	struct db_version v1 = { 5, 0 }, v2 = { 6, 0 }, v3 = { 6, 1 };
	size_t n, bytes;
	char key[READCACHE_KEY_MAX + 2], *big;

	ok(!has("a", &v1, NULL), "empty: nothing");
	readcache_put("a", &v1, "{\"x\":1}", 7);
	readcache_put("b", &v1, "[]", 2);
	ok(has("a", &v1, "{\"x\":1}") && has("b", &v1, "[]"), "kept under their keys");
	ok(!has("c", &v1, NULL) && !has("a ", &v1, NULL), "another key: nothing");
	readcache_put("a", &v1, "{\"x\":2}", 7);
	readcache_usage(&n, &bytes);
	ok(has("a", &v1, "{\"x\":2}") && n == 2 && bytes == 9,
	   "a key kept again replaces (%zu, %zu)", n, bytes);

	ok(!has("a", &v2, NULL), "another database version: nothing");
	readcache_usage(&n, &bytes);
	ok(n == 0 && bytes == 0, "and every entry of the older version is gone");
	ok(!has("a", &v1, NULL), "going back to the old version finds nothing either");
	readcache_put("a", &v2, "2", 1);
	ok(!has("a", &v3, NULL), "own commits count: {6,0} is not {6,1}");

	/* slots: the least recently used goes */
	for (int i = 0; i < READCACHE_SLOTS; i++) {
		snprintf(key, sizeof key, "k%d", i);
		readcache_put(key, &v1, key, strlen(key));
	}
	ok(has("k0", &v1, "k0"), "k0 used last");
	readcache_put("new", &v1, "n", 1);
	readcache_usage(&n, &bytes);
	ok(n == READCACHE_SLOTS && has("new", &v1, "n") && has("k0", &v1, "k0") &&
		   !has("k1", &v1, NULL),
	   "full: a new entry takes the least recently used slot (k1), not k0 (%zu)", n);

	/* bytes: entries over READCACHE_ENTRY_MAX are not kept; the total stays within
	 * READCACHE_BYTES */
	readcache_clear();
	big = malloc(READCACHE_ENTRY_MAX + 1);
	if (!big)
		return 1;
	memset(big, 'x', READCACHE_ENTRY_MAX + 1);
	readcache_put("huge", &v1, big, READCACHE_ENTRY_MAX + 1);
	ok(!has("huge", &v1, NULL), "a body over the entry bound is not kept");
	for (int i = 0; i < 12; i++) {
		snprintf(key, sizeof key, "big%d", i);
		readcache_put(key, &v1, big, READCACHE_ENTRY_MAX);
	}
	readcache_usage(&n, &bytes);
	ok(bytes <= READCACHE_BYTES && n == READCACHE_BYTES / READCACHE_ENTRY_MAX,
	   "bytes stay within the bound (%zu entries, %zu bytes)", n, bytes);
	{
		const char *b;
		size_t l;
		ok(readcache_get("big11", &v1, &b, &l) && l == READCACHE_ENTRY_MAX,
		   "the newest big one is there");
		ok(!readcache_get("big0", &v1, &b, &l), "the oldest made room");
	}
	free(big);

	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = 0;
	readcache_put(key, &v1, "x", 1);
	ok(!has(key, &v1, NULL), "a key over the key bound is not kept");
	readcache_clear();
	readcache_usage(&n, &bytes);
	ok(n == 0 && bytes == 0, "clear empties it");
	return tap_done();
}
