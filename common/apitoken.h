/* apitoken.h: long-lived API tokens ("afk_" + 43 base62 characters, 256 random bits).
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
#define APITOKEN_HASH_BUFSZ 65          /* 64 hex + NUL */
#define APITOKEN_SHOWN_LEN 10           /* "afk_" + 6 */
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

#endif
