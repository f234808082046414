/* apitoken.c: API token secrets, their SHA-256 for storage and their shown prefix
 * (see apitoken.h). */
#include "apitoken.h"
#include "util.h"

#include <sodium.h>
#include <string.h>

static const char b62[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

int apitoken_looks_valid(const char *s)
{
	if (!s || strnlen(s, APITOKEN_LEN + 1) != APITOKEN_LEN ||
	    strncmp(s, APITOKEN_PREFIX, 4) != 0)
		return 0;
	for (size_t i = 4; i < APITOKEN_LEN; i++)
		if (!strchr(b62, s[i]))
			return 0;
	return 1;
}

int apitoken_hash(const char *token, char hash_hex[APITOKEN_HASH_BUFSZ])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	if (!apitoken_looks_valid(token) || sodium_init() < 0)
		return -1;
	crypto_hash_sha256(h, (const unsigned char *)token, APITOKEN_LEN);
	util_hex_encode(h, sizeof h, hash_hex);
	return 0;
}

int apitoken_new(char token[APITOKEN_BUFSZ], char hash_hex[APITOKEN_HASH_BUFSZ],
		 char shown[APITOKEN_SHOWN_BUFSZ])
{
	memcpy(token, APITOKEN_PREFIX, 4);
	/* 43 characters of 62: 256.1 bits */
	if (util_random_chars(token + 4, APITOKEN_RANDOM_CHARS, b62) < 0 ||
	    apitoken_hash(token, hash_hex) < 0)
		return -1;
	memcpy(shown, token, APITOKEN_SHOWN_LEN);
	shown[APITOKEN_SHOWN_LEN] = '\0';
	return 0;
}
