/* secretbox.c: encryption at rest of small secrets (see secretbox.h). */
#include "common/secretbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/secretfile.h"
#include "common/util.h"

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG crypto_aead_xchacha20poly1305_ietf_ABYTES

_Static_assert(NONCE + TAG == SECRETBOX_OVERHEAD, "overhead");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == SECRETBOX_KEY_BYTES, "key");

int secretbox_key_path(const struct conf *c, char *out, size_t size)
{
	return (size_t)snprintf(out, size, "%s/secrets.key", c->state_dir) < size ? 0 : -1;
}

int secretbox_key_create(const char *path, char *err, size_t errlen)
{
	unsigned char raw[SECRETBOX_KEY_BYTES];
	int rc;

	if (util_random_bytes(raw, sizeof raw) < 0) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	rc = secretfile_create(path, raw, sizeof raw, err, errlen);
	sodium_memzero(raw, sizeof raw);
	return rc;
}

int secretbox_key_load(const char *path, unsigned char key[SECRETBOX_KEY_BYTES], char *err,
		       size_t errlen)
{
	unsigned char buf[SECRETBOX_KEY_BYTES + 1];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s (appforgectl init makes it)", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file of mode 0600", path);
		return -1;
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n != SECRETBOX_KEY_BYTES) {
		sodium_memzero(buf, sizeof buf);
		snprintf(err, errlen, "%s: not %d bytes", path, SECRETBOX_KEY_BYTES);
		return -1;
	}
	memcpy(key, buf, SECRETBOX_KEY_BYTES);
	sodium_memzero(buf, sizeof buf);
	return 0;
}

unsigned char *secretbox_seal(const unsigned char key[SECRETBOX_KEY_BYTES], const void *ad,
			      size_t adlen, const void *msg, size_t len, size_t *outlen)
{
	unsigned char *out;
	unsigned long long clen;

	if (sodium_init() < 0 || len > (size_t)1 << 30 || !(out = malloc(len + NONCE + TAG)))
		return NULL;
	if (util_random_bytes(out, NONCE) < 0) {
		free(out);
		return NULL;
	}
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE, &clen, msg, len, ad, adlen, NULL,
						   out, key);
	*outlen = NONCE + (size_t)clen;
	return out;
}

char *secretbox_open(const unsigned char key[SECRETBOX_KEY_BYTES], const void *ad, size_t adlen,
		     const unsigned char *in, size_t inlen, size_t *outlen)
{
	unsigned long long mlen;
	char *out;

	if (sodium_init() < 0 || inlen < NONCE + TAG || !(out = malloc(inlen - NONCE - TAG + 1)))
		return NULL;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &mlen, NULL,
						       in + NONCE, inlen - NONCE, ad, adlen, in,
						       key) != 0) {
		free(out);
		return NULL;
	}
	out[mlen] = 0;
	*outlen = (size_t)mlen;
	return out;
}

void secretbox_free(char *p, size_t len)
{
	if (p) {
		sodium_memzero(p, len);
		free(p);
	}
}
