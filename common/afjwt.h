/* afjwt.h: JSON Web Tokens for the API, on libjwt 1.10 (named afjwt.h so it never
 * shadows libjwt's <jwt.h>).
 *
 * Verification pins the algorithm from the configuration (HS256 with the secret in
 * jwt_secret_file; RS256/ES256 with the PEM public key in jwt_public_key_file), never
 * passes a NULL or empty key to libjwt, rejects a header alg that differs, then
 * checks every claim and its JSON type itself (libjwt 1.10 checks none):
 *   sub: non-empty string (<= AFJWT_SUB_MAX bytes); exp, iat: integers, required;
 *   nbf: integer, optional, honoured; iss: string equal to jwt_issuer;
 *   aud: string equal to jwt_audience, or array of strings containing it;
 *   role: optional, "user" or "admin"; jti: optional string.
 * Clock leeway (conf jwt_leeway_seconds, <= 60) applies to exp, nbf and iat (an iat
 * in the future beyond leeway is rejected). Tokens longer than AFJWT_MAX_TOKEN bytes
 * are rejected before decoding.
 *
 * Error convention: 0 on success, -1 with a message in err. Messages are for logs; the
 * API answers every failure with the same 401. Secrets never appear in messages. */
#ifndef AF_AFJWT_H
#define AF_AFJWT_H

#include <stddef.h>

struct conf;

#define AFJWT_MAX_TOKEN 8192
#define AFJWT_SUB_MAX 127
#define AFJWT_MIN_SECRET 32 /* bytes of HS256 secret */

enum afjwt_alg { AFJWT_HS256 = 1, AFJWT_RS256, AFJWT_ES256 };

/* Verification/issuing context, loaded once per process. Owns its key material;
 * afjwt_ctx_free() wipes and frees it. */
struct afjwt_ctx {
	enum afjwt_alg alg;
	unsigned char *key; /* HS256 secret bytes or public key PEM */
	size_t keylen;
	char *issuer;
	char *audience;
	int leeway; /* seconds, 0..60 */
	int ttl;    /* lifetime of tokens we issue, seconds */
};

/* Claims of a verified token (copied; the struct owns nothing on the heap). */
struct afjwt_claims {
	char sub[AFJWT_SUB_MAX + 1];
	char role[8];     /* "user" or "admin"; "user" when the claim is absent */
	int role_present; /* 1 if the token carried a role claim */
	long long iat, exp;
	long long nbf; /* 0 when absent */
	char jti[64];  /* "" when absent */
};

/* Parses "HS256"/"RS256"/"ES256". Returns the alg or -1. */
int afjwt_alg_parse(const char *s);

/* Loads the key named by the configuration (secret file for HS256: its content with
 * trailing whitespace removed, at least AFJWT_MIN_SECRET bytes; a file readable by
 * group/other is refused; PEM public key for RS256/ES256, checked to parse as a key of
 * the right type). Copies issuer, audience, leeway, ttl. 0 or -1 (ctx then holds
 * nothing to free). */
int afjwt_ctx_load(struct afjwt_ctx *ctx, const struct conf *c, char *err, size_t errlen);

/* Same from explicit values (tests, tools). key is copied. 0 or -1. */
int afjwt_ctx_init(struct afjwt_ctx *ctx, enum afjwt_alg alg, const void *key, size_t keylen,
		   const char *issuer, const char *audience, int leeway, int ttl, char *err,
		   size_t errlen);

void afjwt_ctx_free(struct afjwt_ctx *ctx);

/* Issues an HS256 token for sub with role ("user"/"admin") valid from now for ctx->ttl
 * seconds, with iss, aud, iat, nbf, exp and a random jti. Only possible with an HS256
 * context (external IdPs issue RS/ES tokens). *out is malloc'ed: the caller frees it.
 * *exp_out (may be NULL) receives exp. 0 or -1. */
int afjwt_issue(const struct afjwt_ctx *ctx, const char *sub, const char *role, long long now,
		char **out, long long *exp_out, char *err, size_t errlen);

/* Verifies token at time now; fills *claims on success. 0 or -1. */
int afjwt_verify(const struct afjwt_ctx *ctx, const char *token, long long now,
		 struct afjwt_claims *claims, char *err, size_t errlen);

/* Creates a new HS256 secret file at path (64 hex characters from 32 random bytes),
 * mode 0600, failing if it already exists. 0 or -1. */
int afjwt_secret_create(const char *path, char *err, size_t errlen);

#endif
