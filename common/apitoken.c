/* apitoken.c: API token and refresh token secrets, their SHA-256 for storage and the
 * shown prefix of API tokens (see apitoken.h). */
#include "apitoken.h"
#include "util.h"

#include <sodium.h>
#include <string.h>

static const char b62[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* 1 if s is prefix (4 characters) followed by exactly len - 4 base62 characters. */
static int shaped(const char *s, const char *prefix, size_t len)
{
	if (!s || strnlen(s, len + 1) != len || strncmp(s, prefix, 4) != 0)
		return 0;
	for (size_t i = 4; i < len; i++)
		if (!s[i] || !strchr(b62, s[i]))
			return 0;
	return 1;
}

static int sha256_hex(const char *s, size_t len, char hash_hex[APITOKEN_HASH_BUFSZ])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	if (sodium_init() < 0)
		return -1;
	crypto_hash_sha256(h, (const unsigned char *)s, len);
	util_hex_encode(h, sizeof h, hash_hex);
	return 0;
}

int apitoken_looks_valid(const char *s)
{
	return shaped(s, APITOKEN_PREFIX, APITOKEN_LEN);
}

int apitoken_hash(const char *token, char hash_hex[APITOKEN_HASH_BUFSZ])
{
	if (!apitoken_looks_valid(token))
		return -1;
	return sha256_hex(token, APITOKEN_LEN, hash_hex);
}

int refresh_token_new(char sid[REFRESH_SID_BUFSZ], char token[REFRESH_BUFSZ],
		      char hash_hex[APITOKEN_HASH_BUFSZ])
{
	if (!sid[0] && util_random_chars(sid, REFRESH_SID_CHARS, b62) < 0)
		return -1;
	if (strlen(sid) != REFRESH_SID_CHARS)
		return -1;
	memcpy(token, REFRESH_PREFIX, 4);
	memcpy(token + 4, sid, REFRESH_SID_CHARS);
	if (util_random_chars(token + 4 + REFRESH_SID_CHARS, APITOKEN_RANDOM_CHARS, b62) < 0)
		return -1;
	return refresh_token_parse(token, sid, hash_hex);
}

int refresh_token_parse(const char *token, char sid[REFRESH_SID_BUFSZ],
			char hash_hex[APITOKEN_HASH_BUFSZ])
{
	if (!shaped(token, REFRESH_PREFIX, REFRESH_LEN))
		return -1;
	memcpy(sid, token + 4, REFRESH_SID_CHARS);
	sid[REFRESH_SID_CHARS] = '\0';
	return sha256_hex(token, REFRESH_LEN, hash_hex);
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

int apisecret_hash(const char *prefix, const char *token, char hash_hex[APITOKEN_HASH_BUFSZ])
{
	if (strlen(prefix) != 4 || !shaped(token, prefix, APITOKEN_LEN))
		return -1;
	return sha256_hex(token, APITOKEN_LEN, hash_hex);
}

int apisecret_new(const char *prefix, char token[APITOKEN_BUFSZ],
		  char hash_hex[APITOKEN_HASH_BUFSZ])
{
	if (strlen(prefix) != 4)
		return -1;
	memcpy(token, prefix, 4);
	if (util_random_chars(token + 4, APITOKEN_RANDOM_CHARS, b62) < 0)
		return -1;
	token[APITOKEN_LEN] = '\0';
	return apisecret_hash(prefix, token, hash_hex);
}
