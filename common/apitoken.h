/* apitoken.h: the opaque secrets of the API: long-lived API tokens ("afk_" + 43 base62
 * characters, 256 random bits) and the refresh tokens of browser sessions (below).
 *
 * The secret is shown once to its owner; the database keeps only its SHA-256 (hex) and
 * a short non-secret prefix for listings ("afk_" + 6 characters).
 *
 * Error convention: 0 on success, -1 on failure. No allocation. */
#ifndef AF_APITOKEN_H
#define AF_APITOKEN_H

#include <stddef.h>

#define APITOKEN_PREFIX "afk_"
#define APITOKEN_RANDOM_CHARS 43
#define APITOKEN_LEN (4 + APITOKEN_RANDOM_CHARS)
#define APITOKEN_BUFSZ (APITOKEN_LEN + 1)
#define APITOKEN_HASH_BUFSZ 65 /* 64 hex + NUL */
#define APITOKEN_SHOWN_LEN 10  /* "afk_" + 6 */
#define APITOKEN_SHOWN_BUFSZ (APITOKEN_SHOWN_LEN + 1)

/* Creates a new token: the secret into token, its hash into hash_hex, its listing
 * prefix into shown. The caller must wipe token after handing it out. 0 or -1. */
int apitoken_new(char token[APITOKEN_BUFSZ], char hash_hex[APITOKEN_HASH_BUFSZ],
		 char shown[APITOKEN_SHOWN_BUFSZ]);

/* 1 if s has the exact shape of an API token (prefix, length, alphabet), else 0.
 * A bearer value that is not shaped like this is treated as a JWT. */
int apitoken_looks_valid(const char *s);

/* Hashes a presented token for lookup. -1 if it is not shaped like a token. */
int apitoken_hash(const char *token, char hash_hex[APITOKEN_HASH_BUFSZ]);

/* Refresh tokens (the __Host-af_refresh cookie): "afr_" + the session id (16 base62
 * characters, not secret: it names the family of tokens) + 43 base62 random characters.
 * Only the SHA-256 (hex) of the whole token is stored. A rotation keeps the session id
 * and draws a new secret. */
#define REFRESH_PREFIX "afr_"
#define REFRESH_SID_CHARS 16
#define REFRESH_SID_BUFSZ (REFRESH_SID_CHARS + 1)
#define REFRESH_LEN (4 + REFRESH_SID_CHARS + APITOKEN_RANDOM_CHARS)
#define REFRESH_BUFSZ (REFRESH_LEN + 1)

/* A new refresh token of session sid, or of a new session when sid[0] is NUL (then sid
 * receives the new id). hash_hex receives the token's hash. The caller wipes token
 * after use. 0 or -1. */
int refresh_token_new(char sid[REFRESH_SID_BUFSZ], char token[REFRESH_BUFSZ],
		      char hash_hex[APITOKEN_HASH_BUFSZ]);

/* Splits a presented refresh token: its session id and its hash. -1 if it is not
 * shaped like a refresh token (exact length, prefix, alphabet). */
int refresh_token_parse(const char *token, char sid[REFRESH_SID_BUFSZ],
			char hash_hex[APITOKEN_HASH_BUFSZ]);

/* The secrets of a private app's origin, shaped like API tokens (a 4-character prefix +
 * 43 base62 characters, 256 random bits) with a prefix of their own: the one-time code
 * of POST /api/apps/{id}/open and the __Host-af_app cookie it is exchanged for. */
#define APPCODE_PREFIX "afo_"
#define APPCOOKIE_PREFIX "afa_"

/* A new secret with prefix (4 characters) into token and its hash into hash_hex. The
 * caller wipes token after handing it out. 0 or -1. */
int apisecret_new(const char *prefix, char token[APITOKEN_BUFSZ],
		  char hash_hex[APITOKEN_HASH_BUFSZ]);
/* Hashes a presented secret of that prefix. -1 if it is not shaped like one. */
int apisecret_hash(const char *prefix, const char *token, char hash_hex[APITOKEN_HASH_BUFSZ]);

#endif
