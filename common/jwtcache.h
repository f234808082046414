/* jwtcache.h: a per-process cache of verified JWTs, in front of afjwt_verify().
 *
 * Verifying a JWT costs a MAC or signature check and two JSON parses; a client sends
 * the same token with every request while it is valid. The cache remembers, for a
 * token that verified, its claims, keyed by the 128-bit SipHash-2-4 of the whole
 * token (a keyed PRF made for hash-table keys, several times cheaper than BLAKE2b on a
 * 200-byte token; its key is random per process, so nobody can aim a collision). It
 * is bounded (JWTCACHE_SLOTS entries, direct-mapped: a newer token evicts an older one
 * in its slot), holds only successes, and never serves an entry once the token would fail
 * afjwt_verify's expiry check (exp with the context's leeway). nbf and iat only get
 * "more valid" with time, so a token that passed them once passes them later too.
 *
 * What it does not cache: anything about the user. Callers still check, on every
 * request, that the subject exists, is not disabled, and take the role from the
 * database (fcgi/auth.c), so a revocation or role change takes effect at once.
 *
 * Not thread-safe (one cache per process; appforged workers are single-threaded).
 * Error convention: as afjwt_verify (0, or -1 with a message in err). */
#ifndef AF_JWTCACHE_H
#define AF_JWTCACHE_H

#include <stddef.h>

#include "afjwt.h"

#define JWTCACHE_SLOTS 256

/* afjwt_verify(), answered from the cache when this token verified before with the
 * same ctx and is not expired at now. */
int jwtcache_verify(const struct afjwt_ctx *ctx, const char *token, long long now,
		    struct afjwt_claims *claims, char *err, size_t errlen);

/* Drops every entry made with ctx (afjwt_ctx_free calls it: a later context at the
 * same address must not see them). */
void jwtcache_forget(const struct afjwt_ctx *ctx);

/* How many verifications the cache answered since the process started (tests). */
unsigned long jwtcache_hits(void);

#endif
