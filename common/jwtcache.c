/* jwtcache.c: the per-process cache of verified JWTs (see jwtcache.h). */
#include "jwtcache.h"

#include <sodium.h>
#include <string.h>

#define KEYLEN crypto_shorthash_siphashx24_BYTES

struct entry {
	unsigned char key[KEYLEN];   /* keyed hash of the token */
	const struct afjwt_ctx *ctx; /* NULL: empty */
	struct afjwt_claims claims;
};

static struct entry slots[JWTCACHE_SLOTS];
static unsigned char salt[crypto_shorthash_siphashx24_KEYBYTES];
static int salted;
static unsigned long hits;

static int token_key(const char *token, size_t len, unsigned char key[KEYLEN])
{
	if (!salted) {
		if (sodium_init() < 0)
			return -1;
		randombytes_buf(salt, sizeof salt);
		salted = 1;
	}
	return crypto_shorthash_siphashx24(key, (const unsigned char *)token, len, salt);
}

int jwtcache_verify(const struct afjwt_ctx *ctx, const char *token, long long now,
		    struct afjwt_claims *claims, char *err, size_t errlen)
{
	unsigned char key[KEYLEN];
	size_t len = token ? strnlen(token, AFJWT_MAX_TOKEN + 1) : 0;
	struct entry *e;

	if (len == 0 || len > AFJWT_MAX_TOKEN || token_key(token, len, key) != 0)
		return afjwt_verify(ctx, token, now, claims, err, errlen);
	e = &slots[(key[0] | (unsigned)key[1] << 8) % JWTCACHE_SLOTS];
	if (e->ctx == ctx && sodium_memcmp(e->key, key, KEYLEN) == 0) {
		if (e->claims.exp > now - ctx->leeway) {
			*claims = e->claims;
			hits++;
			return 0;
		}
		e->ctx = NULL; /* expired: afjwt_verify says so below */
	}
	if (afjwt_verify(ctx, token, now, claims, err, errlen) < 0)
		return -1;
	memcpy(e->key, key, KEYLEN);
	e->ctx = ctx;
	e->claims = *claims;
	return 0;
}

void jwtcache_forget(const struct afjwt_ctx *ctx)
{
	for (size_t i = 0; i < JWTCACHE_SLOTS; i++)
		if (slots[i].ctx == ctx)
			memset(&slots[i], 0, sizeof slots[i]);
}

unsigned long jwtcache_hits(void)
{
	return hits;
}
