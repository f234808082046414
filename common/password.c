/* password.c: argon2id password hashes via libsodium, and a constant-shape failure
 * path for unknown users (see password.h). */
#include "password.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

/* A hash of a random password with the same parameters as real ones, so verifying
 * against it costs what a real verification costs. */
static char dummy_hash[crypto_pwhash_STRBYTES];

int password_init(char *err, size_t errlen)
{
	char pw[33];

	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium initialisation failed");
		return -1;
	}
	if (dummy_hash[0])
		return 0;
	if (util_random_chars(pw, sizeof pw - 1, "abcdefghijklmnopqrstuvwxyz0123456789") < 0 ||
	    crypto_pwhash_str(dummy_hash, pw, strlen(pw), OPS, MEM) != 0) {
		dummy_hash[0] = '\0';
		snprintf(err, errlen, "cannot prepare the password hasher (out of memory?)");
		return -1;
	}
	return 0;
}

int password_check_policy(const char *pw, char *err, size_t errlen)
{
	size_t n = pw ? strnlen(pw, PASSWORD_MAX_LEN + 1) : 0;

	if (n < PASSWORD_MIN_LEN || n > PASSWORD_MAX_LEN) {
		snprintf(err, errlen, "password must be %d to %d characters long", PASSWORD_MIN_LEN,
			 PASSWORD_MAX_LEN);
		return -1;
	}
	if (!util_utf8_valid(pw, n)) {
		snprintf(err, errlen, "password must be valid UTF-8");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)pw[i] < 0x20 || pw[i] == 0x7f) {
			snprintf(err, errlen, "password must not contain control characters");
			return -1;
		}
	return 0;
}

int password_hash(const char *pw, char out[PASSWORD_HASH_BUFSZ], char *err, size_t errlen)
{
	if (!pw || strnlen(pw, PASSWORD_MAX_LEN + 1) > PASSWORD_MAX_LEN) {
		snprintf(err, errlen, "password too long");
		return -1;
	}
	if (sodium_init() < 0 || crypto_pwhash_str(out, pw, strlen(pw), OPS, MEM) != 0) {
		snprintf(err, errlen, "password hashing failed (out of memory?)");
		return -1;
	}
	return 0;
}

int password_verify(const char *hash, const char *pw)
{
	if (!hash || !pw || strnlen(pw, PASSWORD_MAX_LEN + 1) > PASSWORD_MAX_LEN ||
	    strnlen(hash, PASSWORD_HASH_BUFSZ) >= PASSWORD_HASH_BUFSZ ||
	    strncmp(hash, "$argon2id$", 10) != 0)
		return 0;
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

int password_burn(const char *pw)
{
	char err[128];

	if (!dummy_hash[0] && password_init(err, sizeof err) < 0)
		return 0;
	(void)password_verify(dummy_hash, pw ? pw : "");
	return 0;
}
