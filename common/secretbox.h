/* secretbox.h: encryption at rest of small secrets (an app's environment values).
 *
 * XChaCha20-Poly1305 (libsodium's IETF AEAD) under one 32-byte key kept in
 * <state_dir>/secrets.key (raw bytes, mode 0600, owned by the user appforged runs as;
 * made by `appforgectl init`). A sealed value is nonce (24 random bytes) || ciphertext
 * || tag (16 bytes); the additional data binds it to its place (the caller passes the
 * app id and the variable's name), so a sealed value moved to another app or name does
 * not open.
 *
 * Errors: -1 with a message in err (never holding key or plaintext bytes). The caller
 * owns every buffer; plaintexts returned are malloc'ed and should be wiped
 * (secretbox_free) when done. */
#ifndef AF_SECRETBOX_H
#define AF_SECRETBOX_H

#include <stddef.h>

#define SECRETBOX_KEY_BYTES 32
#define SECRETBOX_OVERHEAD (24 + 16) /* nonce + tag */

struct conf;

/* The key file's path for this configuration (into out, size bytes). 0 or -1. */
int secretbox_key_path(const struct conf *c, char *out, size_t size);

/* Creates the key file at path with fresh random bytes (O_EXCL: an existing file is an
 * error, the caller checks first). 0 or -1. */
int secretbox_key_create(const char *path, char *err, size_t errlen);

/* Loads the key: path must be a regular file of exactly SECRETBOX_KEY_BYTES bytes that
 * neither group nor others may read. 0 or -1. */
int secretbox_key_load(const char *path, unsigned char key[SECRETBOX_KEY_BYTES], char *err,
		       size_t errlen);

/* Seals len bytes of msg under key with ad (adlen bytes) as additional data. Returns the
 * sealed bytes (malloc'ed, *outlen = len + SECRETBOX_OVERHEAD) or NULL (out of memory, no
 * randomness). */
unsigned char *secretbox_seal(const unsigned char key[SECRETBOX_KEY_BYTES], const void *ad,
			      size_t adlen, const void *msg, size_t len, size_t *outlen);

/* Opens a sealed value: the plaintext (malloc'ed, NUL-terminated, *outlen bytes before
 * the NUL), or NULL when it is forged, truncated, sealed under another key or ad, or out
 * of memory. */
char *secretbox_open(const unsigned char key[SECRETBOX_KEY_BYTES], const void *ad, size_t adlen,
		     const unsigned char *in, size_t inlen, size_t *outlen);

/* Wipes and frees a plaintext of len bytes (NULL is fine). */
void secretbox_free(char *p, size_t len);

#endif
