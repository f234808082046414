/* password.h: password hashing with argon2id (libsodium crypto_pwhash_str, the
 * "interactive" limits) and constant-shape verification.
 *
 * Error convention: 0 on success, -1 with a message in err. Passwords are never
 * logged or copied anywhere but libsodium's buffers. */
#ifndef AF_PASSWORD_H
#define AF_PASSWORD_H

#include <stddef.h>

#define PASSWORD_HASH_BUFSZ 128 /* crypto_pwhash_STRBYTES */
#define PASSWORD_MIN_LEN 8
#define PASSWORD_MAX_LEN 1024

/* Initialises libsodium and prepares the dummy hash used by password_burn().
 * Call once per process (after fork is fine; calling again is harmless). 0 or -1. */
int password_init(char *err, size_t errlen);

/* Checks the policy: PASSWORD_MIN_LEN..PASSWORD_MAX_LEN bytes, valid UTF-8, no control
 * characters. Client-facing message. 0 or -1. */
int password_check_policy(const char *pw, char *err, size_t errlen);

/* Hashes pw into out ("$argon2id$v=19$..."). 0 or -1. */
int password_hash(const char *pw, char out[PASSWORD_HASH_BUFSZ], char *err, size_t errlen);

/* 1 if pw matches hash, 0 if not (including a malformed hash or NULL arguments). */
int password_verify(const char *hash, const char *pw);

/* Spends the same time as a password_verify() against a real hash and returns 0:
 * used when the user does not exist so a failed login looks the same either way. */
int password_burn(const char *pw);

#endif
