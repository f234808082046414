/* afjwt.c: issuing and verifying API JWTs with the algorithm pinned and every claim
 * checked by type and value (see afjwt.h: libjwt 1.10 checks no claim, accepts any
 * token when given a NULL key, and lets an HS256 token verify against an RSA PEM). */
#include "afjwt.h"
#include "conf.h"
#include "json.h"
#include "jwtcache.h"
#include "secretfile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYFILE_MAX 16384

static const char *const alg_names[] = { NULL, "HS256", "RS256", "ES256" };

int afjwt_alg_parse(const char *s)
{
	for (int i = AFJWT_HS256; s && i <= AFJWT_ES256; i++)
		if (strcmp(s, alg_names[i]) == 0)
			return i;
	return -1;
}

static jwt_alg_t lib_alg(enum afjwt_alg a)
{
	return a == AFJWT_HS256 ? JWT_ALG_HS256 : a == AFJWT_RS256 ? JWT_ALG_RS256 : JWT_ALG_ES256;
}

/* A PEM key must parse as a public key of the configured type: an RSA key configured
 * as ES256 (or the reverse) is a configuration error, not a runtime surprise. */
static int check_pem(enum afjwt_alg alg, const void *pem, size_t len, char *err, size_t errlen)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *pk = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	int want = alg == AFJWT_RS256 ? EVP_PKEY_RSA : EVP_PKEY_EC, rc = 0;

	if (!pk) {
		snprintf(err, errlen, "JWT public key: not a PEM public key");
		rc = -1;
	} else if (EVP_PKEY_get_base_id(pk) != want) {
		snprintf(err, errlen, "JWT public key: not an %s key",
			 alg == AFJWT_RS256 ? "RSA" : "EC");
		rc = -1;
	}
	EVP_PKEY_free(pk);
	BIO_free(bio);
	return rc;
}

int afjwt_ctx_init(struct afjwt_ctx *ctx, enum afjwt_alg alg, const void *key, size_t keylen,
		   const char *issuer, const char *audience, int leeway, int ttl, char *err,
		   size_t errlen)
{
	memset(ctx, 0, sizeof *ctx);
	if (alg < AFJWT_HS256 || alg > AFJWT_ES256 || !key || keylen == 0 || keylen > KEYFILE_MAX) {
		snprintf(err, errlen, "JWT: invalid algorithm or empty key");
		return -1;
	}
	if (alg == AFJWT_HS256 && keylen < AFJWT_MIN_SECRET) {
		snprintf(err, errlen, "JWT secret shorter than %d bytes", AFJWT_MIN_SECRET);
		return -1;
	}
	if (alg != AFJWT_HS256 && check_pem(alg, key, keylen, err, errlen) < 0)
		return -1;
	if (leeway < 0 || leeway > 60 || ttl <= 0 || !issuer || !audience) {
		snprintf(err, errlen, "JWT: leeway must be 0..60 and issuer/audience set");
		return -1;
	}
	ctx->key = malloc(keylen + 1);
	ctx->issuer = strdup(issuer);
	ctx->audience = strdup(audience);
	if (!ctx->key || !ctx->issuer || !ctx->audience) {
		afjwt_ctx_free(ctx);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(ctx->key, key, keylen);
	ctx->key[keylen] = '\0';
	ctx->keylen = keylen;
	ctx->alg = alg;
	ctx->leeway = leeway;
	ctx->ttl = ttl;
	return 0;
}

void afjwt_ctx_free(struct afjwt_ctx *ctx)
{
	jwtcache_forget(ctx);
	if (ctx->key) {
		explicit_bzero(ctx->key, ctx->keylen);
		free(ctx->key);
	}
	free(ctx->issuer);
	free(ctx->audience);
	memset(ctx, 0, sizeof *ctx);
}

/* Reads a whole key file (at most KEYFILE_MAX bytes). secret: refuse a file that
 * group or others can read. *out is malloc'ed; the caller wipes and frees it. */
static int read_keyfile(const char *path, int secret, unsigned char **out, size_t *len, char *err,
			size_t errlen)
{
	struct stat st;
	unsigned char *buf = NULL;
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > KEYFILE_MAX || (secret && (st.st_mode & 077))) {
		snprintf(err, errlen, "%s: must be a regular file of at most %d bytes%s", path,
			 KEYFILE_MAX, secret ? ", readable by its owner only (chmod 600)" : "");
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || (n = read(fd, buf, (size_t)st.st_size)) != st.st_size) {
		snprintf(err, errlen, "%s: short read", path);
		goto fail;
	}
	close(fd);
	*out = buf;
	*len = (size_t)n;
	return 0;
fail:
	if (buf) {
		explicit_bzero(buf, (size_t)st.st_size);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

int afjwt_ctx_load(struct afjwt_ctx *ctx, const struct conf *c, char *err, size_t errlen)
{
	int alg = afjwt_alg_parse(c->jwt_alg), rc;
	unsigned char *key;
	size_t len;
	const char *path = alg == AFJWT_HS256 ? c->jwt_secret_file : c->jwt_public_key_file;

	memset(ctx, 0, sizeof *ctx);
	if (alg < 0) {
		snprintf(err, errlen, "jwt_alg: unsupported algorithm");
		return -1;
	}
	if (!path || !*path) {
		snprintf(err, errlen, "no JWT key file configured");
		return -1;
	}
	if (read_keyfile(path, alg == AFJWT_HS256, &key, &len, err, errlen) < 0)
		return -1;
	if (alg == AFJWT_HS256)
		while (len > 0 && (key[len - 1] == '\n' || key[len - 1] == '\r' ||
				   key[len - 1] == ' ' || key[len - 1] == '\t'))
			len--;
	rc = afjwt_ctx_init(ctx, (enum afjwt_alg)alg, key, len, c->jwt_issuer, c->jwt_audience,
			    c->jwt_leeway_seconds, c->jwt_ttl_seconds, err, errlen);
	explicit_bzero(key, len);
	free(key);
	return rc;
}

int afjwt_issue(const struct afjwt_ctx *ctx, const char *sub, const char *role, long long now,
		char **out, long long *exp_out, char *err, size_t errlen)
{
	jwt_t *j = NULL;
	char jti[23];
	long long exp = now + ctx->ttl;
	int rc = -1;

	*out = NULL;
	if (ctx->alg != AFJWT_HS256 || !ctx->key) {
		snprintf(err, errlen, "JWT: tokens can only be issued with an HS256 secret");
		return -1;
	}
	if (!sub || !*sub || strlen(sub) > AFJWT_SUB_MAX || !role ||
	    (strcmp(role, "user") != 0 && strcmp(role, "admin") != 0)) {
		snprintf(err, errlen, "JWT: invalid subject or role");
		return -1;
	}
	if (util_random_chars(jti, sizeof jti - 1,
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") <
		    0 ||
	    jwt_new(&j) != 0) {
		snprintf(err, errlen, "JWT: out of resources");
		return -1;
	}
	if (jwt_add_grant(j, "sub", sub) || jwt_add_grant(j, "role", role) ||
	    jwt_add_grant(j, "iss", ctx->issuer) || jwt_add_grant(j, "aud", ctx->audience) ||
	    jwt_add_grant(j, "jti", jti) || jwt_add_grant_int(j, "iat", (long)now) ||
	    jwt_add_grant_int(j, "nbf", (long)now) || jwt_add_grant_int(j, "exp", (long)exp) ||
	    jwt_set_alg(j, JWT_ALG_HS256, ctx->key, (int)ctx->keylen)) {
		snprintf(err, errlen, "JWT: cannot build token");
		goto out;
	}
	*out = jwt_encode_str(j);
	if (!*out) {
		snprintf(err, errlen, "JWT: cannot encode token");
		goto out;
	}
	if (exp_out)
		*exp_out = exp;
	rc = 0;
out:
	jwt_free(j);
	return rc;
}

/* header.payload.signature of base64url characters, nothing else. */
static int token_shape_ok(const char *t, size_t len)
{
	int dots = 0;

	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (c == '.')
			dots++;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return dots == 2;
}

static int claim_int(struct json_object *g, const char *k, int required, long long *out, char *err,
		     size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(g, k, &v)) {
		if (required)
			snprintf(err, errlen, "JWT: claim '%s' missing", k);
		return required ? -1 : 0;
	}
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "JWT: claim '%s' must be an integer", k);
		return -1;
	}
	*out = json_object_get_int64(v);
	return 1;
}

static int claim_str(struct json_object *g, const char *k, int required, size_t max,
		     const char **out, char *err, size_t errlen)
{
	struct json_object *v;
	size_t n;

	if (!json_object_object_get_ex(g, k, &v)) {
		if (required)
			snprintf(err, errlen, "JWT: claim '%s' missing", k);
		return required ? -1 : 0;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    (n = (size_t)json_object_get_string_len(v)) == 0 || n > max) {
		snprintf(err, errlen,
			 "JWT: claim '%s' must be a non-empty string of at most %zu bytes", k, max);
		return -1;
	}
	*out = json_object_get_string(v);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)(*out)[i] < 0x20) {
			snprintf(err, errlen, "JWT: claim '%s' contains control characters", k);
			return -1;
		}
	return 1;
}

static int check_aud(const struct afjwt_ctx *ctx, struct json_object *g, char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(g, "aud", &v)) {
		snprintf(err, errlen, "JWT: claim 'aud' missing");
		return -1;
	}
	if (json_object_is_type(v, json_type_string)) {
		if (strcmp(json_object_get_string(v), ctx->audience) == 0)
			return 0;
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v), hit = 0;
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(v, i);
			if (!json_object_is_type(e, json_type_string)) {
				snprintf(err, errlen, "JWT: claim 'aud' must hold strings only");
				return -1;
			}
			hit |= strcmp(json_object_get_string(e), ctx->audience) == 0;
		}
		if (hit)
			return 0;
	} else {
		snprintf(err, errlen, "JWT: claim 'aud' must be a string or an array of strings");
		return -1;
	}
	snprintf(err, errlen, "JWT: audience does not match");
	return -1;
}

static int check_times(const struct afjwt_ctx *ctx, struct json_object *g, long long now,
		       struct afjwt_claims *c, char *err, size_t errlen)
{
	int r;

	if (claim_int(g, "exp", 1, &c->exp, err, errlen) < 0 ||
	    claim_int(g, "iat", 1, &c->iat, err, errlen) < 0 ||
	    (r = claim_int(g, "nbf", 0, &c->nbf, err, errlen)) < 0)
		return -1;
	if (c->exp <= now - ctx->leeway) {
		snprintf(err, errlen, "JWT: expired");
		return -1;
	}
	if (r == 1 && c->nbf > now + ctx->leeway) {
		snprintf(err, errlen, "JWT: not valid yet (nbf)");
		return -1;
	}
	if (c->iat > now + ctx->leeway) {
		snprintf(err, errlen, "JWT: issued in the future (iat)");
		return -1;
	}
	return 0;
}

static int check_claims(const struct afjwt_ctx *ctx, struct json_object *g, long long now,
			struct afjwt_claims *c, char *err, size_t errlen)
{
	const char *sub, *iss, *role = "user", *jti = "";
	int r;

	if (claim_str(g, "sub", 1, AFJWT_SUB_MAX, &sub, err, errlen) < 0 ||
	    claim_str(g, "iss", 1, 1024, &iss, err, errlen) < 0 ||
	    claim_str(g, "jti", 0, sizeof c->jti - 1, &jti, err, errlen) < 0 ||
	    (r = claim_str(g, "role", 0, 16, &role, err, errlen)) < 0)
		return -1;
	if (strcmp(iss, ctx->issuer) != 0) {
		snprintf(err, errlen, "JWT: issuer does not match");
		return -1;
	}
	if (strcmp(role, "user") != 0 && strcmp(role, "admin") != 0) {
		snprintf(err, errlen, "JWT: claim 'role' must be \"user\" or \"admin\"");
		return -1;
	}
	if (check_aud(ctx, g, err, errlen) < 0 || check_times(ctx, g, now, c, err, errlen) < 0)
		return -1;
	util_copy(c->sub, sizeof c->sub, sub);
	util_copy(c->role, sizeof c->role, role);
	util_copy(c->jti, sizeof c->jti, jti);
	c->role_present = r == 1;
	return 0;
}

int afjwt_verify(const struct afjwt_ctx *ctx, const char *token, long long now,
		 struct afjwt_claims *claims, char *err, size_t errlen)
{
	struct afjwt_claims c;
	struct json_object *g = NULL;
	jwt_t *j = NULL;
	char *grants = NULL;
	size_t len = token ? strnlen(token, AFJWT_MAX_TOKEN + 1) : 0;
	int rc = -1;

	memset(&c, 0, sizeof c);
	if (!ctx->key || ctx->keylen == 0) {
		/* never let libjwt see a NULL key: it would skip the signature check */
		snprintf(err, errlen, "JWT: no verification key loaded");
		return -1;
	}
	if (len == 0 || len > AFJWT_MAX_TOKEN || !token_shape_ok(token, len)) {
		snprintf(err, errlen, "JWT: malformed or oversized token");
		return -1;
	}
	if (jwt_decode(&j, token, ctx->key, (int)ctx->keylen) != 0 || !j) {
		snprintf(err, errlen, "JWT: bad signature or format");
		goto out;
	}
	if (jwt_get_alg(j) != lib_alg(ctx->alg)) {
		snprintf(err, errlen, "JWT: algorithm not accepted");
		goto out;
	}
	grants = jwt_get_grants_json(j, NULL);
	g = grants ? json_parse_object(grants, strlen(grants), AFJWT_MAX_TOKEN, 8, err, errlen)
		   : NULL;
	if (!g) {
		snprintf(err, errlen, "JWT: claims are not a JSON object");
		goto out;
	}
	if (check_claims(ctx, g, now, &c, err, errlen) < 0)
		goto out;
	*claims = c;
	rc = 0;
out:
	json_object_put(g);
	free(grants);
	if (j)
		jwt_free(j);
	return rc;
}

int afjwt_secret_create(const char *path, char *err, size_t errlen)
{
	unsigned char raw[32];
	char hex[65];
	int rc;

	if (util_random_bytes(raw, sizeof raw) < 0) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	util_hex_encode(raw, sizeof raw, hex);
	explicit_bzero(raw, sizeof raw);
	hex[64] = '\n';
	rc = secretfile_create(path, hex, sizeof hex, err, errlen);
	explicit_bzero(hex, sizeof hex);
	return rc;
}
