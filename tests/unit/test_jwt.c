/* test_jwt.c: the JWT verification matrix: pinned algorithm, NULL-key and HS/RS
 * confusion attacks, signatures, every time claim, issuer, audience forms, claim types,
 * size cap, RS256/ES256 with keys generated here, key loading from files; the
 * per-process cache of verified tokens (jwtcache.h). */
#include "tap.h"
#include "afjwt.h"
#include "conf.h"
#include "appfiles.h"
#include "jwtcache.h"

#include <fcntl.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char secret[] = "0123456789abcdef0123456789abcdef-test-secret";
static char err[256];
static long long now;

/* Signs claims (a JSON object text) with alg and key using libjwt directly, the way
 * an attacker or an external IdP would. Caller frees. */
static char *sign(jwt_alg_t alg, const void *key, size_t keylen, const char *claims)
{
	jwt_t *j;
	char *t = NULL;

	if (jwt_new(&j) != 0)
		return NULL;
	if (jwt_add_grants_json(j, claims) == 0 &&
	    jwt_set_alg(j, alg, (const unsigned char *)key, (int)keylen) == 0)
		t = jwt_encode_str(j);
	jwt_free(j);
	return t;
}

/* A claims object from JSON value fragments; NULL leaves the claim out. Returns a
 * static buffer. */
static char *claims(const char *sub, const char *exp, const char *iat, const char *nbf,
		    const char *iss, const char *aud, const char *role)
{
	static char buf[1024];
	size_t o = 0;

	o += (size_t)snprintf(buf + o, sizeof buf - o, "{\"_\":0");
#define ADD(k, v) \
	if (v) \
	o += (size_t)snprintf(buf + o, sizeof buf - o, ",\"%s\":%s", k, v)
	ADD("sub", sub);
	ADD("exp", exp);
	ADD("iat", iat);
	ADD("nbf", nbf);
	ADD("iss", iss);
	ADD("aud", aud);
	ADD("role", role);
#undef ADD
	snprintf(buf + o, sizeof buf - o, "}");
	return buf;
}

static char T_NOW[32], T_EXP[32], T_PAST[32], T_SOON_PAST[32], T_FUTURE[32], T_NEAR[32];

static int verify_hs(const struct afjwt_ctx *ctx, const char *c)
{
	struct afjwt_claims cl;
	char *t = sign(JWT_ALG_HS256, secret, strlen(secret), c);
	int rc = t ? afjwt_verify(ctx, t, now, &cl, err, sizeof err) : -2;

	free(t);
	return rc;
}

static const char *GOOD_AUD = "\"appforge-api\"", *GOOD_ISS = "\"appforge\"", *SUB = "\"u_abc\"";

static void test_hs256(const struct afjwt_ctx *ctx)
{
	struct afjwt_claims cl;
	char *tok = NULL, *t;
	long long exp;

	ok(afjwt_issue(ctx, "u_abcdefghijklmnop", "admin", now, &tok, &exp, err, sizeof err) == 0 &&
		   exp == now + 3600,
	   "issue HS256");
	ok(tok && afjwt_verify(ctx, tok, now, &cl, err, sizeof err) == 0 &&
		   strcmp(cl.sub, "u_abcdefghijklmnop") == 0 && strcmp(cl.role, "admin") == 0 &&
		   cl.role_present && cl.exp == exp && cl.jti[0],
	   "valid HS256 verifies with its claims");
	/* bad signature: change one character of the signature */
	t = strdup(tok);
	t[strlen(t) - 2] = t[strlen(t) - 2] == 'A' ? 'B' : 'A';
	ok(afjwt_verify(ctx, t, now, &cl, err, sizeof err) < 0, "bad signature rejected");
	free(t);
	t = sign(JWT_ALG_HS256, "another-secret-another-secret-xx", 32,
		 claims(SUB, T_EXP, T_NOW, NULL, GOOD_ISS, GOOD_AUD, NULL));
	ok(afjwt_verify(ctx, t, now, &cl, err, sizeof err) < 0,
	   "token signed with another secret rejected");
	free(t);
	ok(afjwt_verify(ctx, tok, now + 3600 + 31, &cl, err, sizeof err) < 0 &&
		   afjwt_verify(ctx, tok, now + 3600 + 29, &cl, err, sizeof err) == 0,
	   "own token expires after exp + leeway");
	free(tok);
	ok(afjwt_issue(ctx, "u_x", "root", now, &tok, NULL, err, sizeof err) < 0,
	   "cannot issue role root");
}

static void test_claims(const struct afjwt_ctx *ctx)
{
	struct afjwt_claims cl;
	char *t;

	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, NULL, GOOD_ISS, GOOD_AUD, NULL)) == 0,
	   "minimal valid claims accepted");
	t = sign(JWT_ALG_HS256, secret, strlen(secret),
		 claims(SUB, T_EXP, T_NOW, NULL, GOOD_ISS, GOOD_AUD, NULL));
	ok(t && afjwt_verify(ctx, t, now, &cl, err, sizeof err) == 0 &&
		   strcmp(cl.role, "user") == 0 && !cl.role_present,
	   "role defaults to user");
	free(t);
	ok(verify_hs(ctx, claims(SUB, T_PAST, T_NOW, NULL, GOOD_ISS, GOOD_AUD, NULL)) < 0,
	   "expired rejected");
	ok(verify_hs(ctx, claims(SUB, T_SOON_PAST, T_NOW, NULL, GOOD_ISS, GOOD_AUD, NULL)) == 0,
	   "expired 10 s ago accepted within 30 s leeway");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, T_FUTURE, GOOD_ISS, GOOD_AUD, NULL)) < 0,
	   "nbf in the future rejected");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, T_NEAR, GOOD_ISS, GOOD_AUD, NULL)) == 0,
	   "nbf 10 s ahead accepted within leeway");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_FUTURE, NULL, GOOD_ISS, GOOD_AUD, NULL)) < 0,
	   "iat in the future rejected");
	ok(verify_hs(ctx, claims(SUB, T_EXP, NULL, NULL, GOOD_ISS, GOOD_AUD, NULL)) < 0,
	   "iat missing rejected");
	ok(verify_hs(ctx, claims(SUB, NULL, T_NOW, NULL, GOOD_ISS, GOOD_AUD, NULL)) < 0,
	   "exp missing rejected");
	ok(verify_hs(ctx, claims(NULL, T_EXP, T_NOW, NULL, GOOD_ISS, GOOD_AUD, NULL)) < 0,
	   "sub missing rejected");
	ok(verify_hs(ctx, claims("\"\"", T_EXP, T_NOW, NULL, GOOD_ISS, GOOD_AUD, NULL)) < 0,
	   "empty sub rejected");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, NULL, "\"evil\"", GOOD_AUD, NULL)) < 0,
	   "wrong iss rejected");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, NULL, NULL, GOOD_AUD, NULL)) < 0,
	   "iss missing rejected");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, NULL, GOOD_ISS, "[\"x\",\"appforge-api\"]",
				 NULL)) == 0,
	   "aud array containing the audience accepted");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, NULL, GOOD_ISS, "[\"x\",\"y\"]", NULL)) < 0,
	   "aud array not containing the audience rejected");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, NULL, GOOD_ISS, "\"other-api\"", NULL)) < 0,
	   "aud string of another audience rejected");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, NULL, GOOD_ISS, NULL, NULL)) < 0,
	   "aud missing rejected");
	ok(verify_hs(ctx, claims(SUB, "\"9999999999\"", T_NOW, NULL, GOOD_ISS, GOOD_AUD, NULL)) < 0,
	   "exp as string rejected");
	ok(verify_hs(ctx, claims(SUB, "9999999999.5", T_NOW, NULL, GOOD_ISS, GOOD_AUD, NULL)) < 0,
	   "exp as fraction rejected");
	ok(verify_hs(ctx, claims("12345", T_EXP, T_NOW, NULL, GOOD_ISS, GOOD_AUD, NULL)) < 0,
	   "sub as number rejected");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, NULL, GOOD_ISS, "42", NULL)) < 0,
	   "aud as number rejected");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, NULL, GOOD_ISS, "[42]", NULL)) < 0,
	   "aud array of numbers rejected");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, NULL, GOOD_ISS, GOOD_AUD, "\"root\"")) < 0,
	   "role root rejected");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, NULL, GOOD_ISS, GOOD_AUD, "true")) < 0,
	   "role of wrong type rejected");
	ok(verify_hs(ctx, claims(SUB, T_EXP, T_NOW, "\"0\"", GOOD_ISS, GOOD_AUD, NULL)) < 0,
	   "nbf as string rejected");
}

static void test_attacks(const struct afjwt_ctx *ctx)
{
	struct afjwt_claims cl;
	struct afjwt_ctx zero;
	char *t, big[AFJWT_MAX_TOKEN + 100];
	const char *c = claims(SUB, T_EXP, T_NOW, NULL, GOOD_ISS, GOOD_AUD, "\"admin\"");

	t = sign(JWT_ALG_NONE, NULL, 0, c);
	ok(t && afjwt_verify(ctx, t, now, &cl, err, sizeof err) < 0, "alg none rejected");
	/* alg none, but an attacker also appends a bogus signature */
	if (t) {
		char *t2 = malloc(strlen(t) + 8);
		sprintf(t2, "%sAAAA", t);
		ok(afjwt_verify(ctx, t2, now, &cl, err, sizeof err) < 0,
		   "alg none with a signature rejected");
		free(t2);
	}
	memset(&zero, 0, sizeof zero);
	zero.alg = AFJWT_HS256;
	zero.issuer = (char *)"appforge";
	zero.audience = (char *)"appforge-api";
	ok(t && afjwt_verify(&zero, t, now, &cl, err, sizeof err) < 0,
	   "NULL key: unsigned token rejected, not verified without a key");
	free(t);
	t = sign(JWT_ALG_HS256, secret, strlen(secret), c);
	ok(afjwt_verify(&zero, t, now, &cl, err, sizeof err) < 0,
	   "NULL key: even a well-signed token rejected");
	free(t);
	ok(afjwt_ctx_init(&zero, AFJWT_HS256, NULL, 0, "a", "b", 0, 60, err, sizeof err) < 0 &&
		   afjwt_ctx_init(&zero, AFJWT_HS256, "", 0, "a", "b", 0, 60, err, sizeof err) < 0,
	   "a context with a NULL or empty key cannot be built");
	ok(afjwt_ctx_init(&zero, AFJWT_HS256, "short", 5, "a", "b", 0, 60, err, sizeof err) < 0,
	   "HS256 secret shorter than 32 bytes refused");
	ok(afjwt_ctx_init(&zero, AFJWT_HS256, secret, strlen(secret), "a", "b", 61, 60, err,
			  sizeof err) < 0,
	   "leeway over 60 s refused");
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[100] = '.';
	big[200] = '.';
	ok(afjwt_verify(ctx, big, now, &cl, err, sizeof err) < 0 && strstr(err, "oversized"),
	   "oversized token rejected before decoding");
	ok(afjwt_verify(ctx, "", now, &cl, err, sizeof err) < 0 &&
		   afjwt_verify(ctx, NULL, now, &cl, err, sizeof err) < 0 &&
		   afjwt_verify(ctx, "a.b", now, &cl, err, sizeof err) < 0 &&
		   afjwt_verify(ctx, "a.b.c d", now, &cl, err, sizeof err) < 0 &&
		   afjwt_verify(ctx, "not-a-jwt..", now, &cl, err, sizeof err) < 0,
	   "malformed tokens rejected");
}

/* PEM text of a fresh key pair (private and public); caller frees both. */
static int keypair(const char *type, char **priv, char **pub)
{
	EVP_PKEY *pk = strcmp(type, "RSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
						: EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	BIO *a = BIO_new(BIO_s_mem()), *b = BIO_new(BIO_s_mem());
	char *p;
	long n;
	int rc = -1;

	if (pk && a && b && PEM_write_bio_PrivateKey(a, pk, NULL, NULL, 0, NULL, NULL) &&
	    PEM_write_bio_PUBKEY(b, pk)) {
		n = BIO_get_mem_data(a, &p);
		*priv = strndup(p, (size_t)n);
		n = BIO_get_mem_data(b, &p);
		*pub = strndup(p, (size_t)n);
		rc = 0;
	}
	EVP_PKEY_free(pk);
	BIO_free(a);
	BIO_free(b);
	return rc;
}

static void test_asymmetric(void)
{
	struct afjwt_ctx rs, es;
	struct afjwt_claims cl;
	char *rpriv, *rpub, *epriv, *epub, *t;
	const char *c = claims(SUB, T_EXP, T_NOW, NULL, GOOD_ISS, "[\"appforge-api\"]", NULL);

	if (keypair("RSA", &rpriv, &rpub) < 0 || keypair("EC", &epriv, &epub) < 0) {
		skip("cannot generate keys with libcrypto");
		return;
	}
	ok(afjwt_ctx_init(&rs, AFJWT_RS256, rpub, strlen(rpub), "appforge", "appforge-api", 30,
			  3600, err, sizeof err) == 0,
	   "RS256 context from a public key");
	ok(afjwt_ctx_init(&es, AFJWT_ES256, epub, strlen(epub), "appforge", "appforge-api", 30,
			  3600, err, sizeof err) == 0,
	   "ES256 context from a public key");
	t = sign(JWT_ALG_RS256, rpriv, strlen(rpriv), c);
	ok(t && afjwt_verify(&rs, t, now, &cl, err, sizeof err) == 0, "valid RS256 token accepted");
	ok(t && afjwt_verify(&es, t, now, &cl, err, sizeof err) < 0,
	   "RS256 token rejected by an ES256 verifier");
	free(t);
	t = sign(JWT_ALG_ES256, epriv, strlen(epriv), c);
	ok(t && afjwt_verify(&es, t, now, &cl, err, sizeof err) == 0, "valid ES256 token accepted");
	ok(t && afjwt_verify(&rs, t, now, &cl, err, sizeof err) < 0,
	   "ES256 token rejected by an RS256 verifier");
	free(t);
	/* algorithm confusion: HS256 keyed with the RSA public key PEM */
	t = sign(JWT_ALG_HS256, rpub, strlen(rpub), c);
	ok(t && afjwt_verify(&rs, t, now, &cl, err, sizeof err) < 0,
	   "HS256 token signed with the RS public key PEM rejected by the RS256 verifier");
	free(t);
	t = sign(JWT_ALG_RS256, rpriv, strlen(rpriv),
		 claims(SUB, T_PAST, T_NOW, NULL, GOOD_ISS, GOOD_AUD, NULL));
	ok(t && afjwt_verify(&rs, t, now, &cl, err, sizeof err) < 0,
	   "expired RS256 token rejected");
	free(t);
	ok(afjwt_issue(&rs, "u_x", "user", now, &t, NULL, err, sizeof err) < 0,
	   "cannot issue with a public-key context");
	{
		struct afjwt_ctx bad;
		ok(afjwt_ctx_init(&bad, AFJWT_ES256, rpub, strlen(rpub), "a", "b", 0, 60, err,
				  sizeof err) < 0 &&
			   afjwt_ctx_init(&bad, AFJWT_RS256, "not a pem key", 13, "a", "b", 0, 60,
					  err, sizeof err) < 0,
		   "an RSA key configured as ES256, or garbage as a key, is refused");
	}
	afjwt_ctx_free(&rs);
	afjwt_ctx_free(&es);
	free(rpriv);
	free(rpub);
	free(epriv);
	free(epub);
}

static void test_load(void)
{
	char dir[] = "/tmp/af-test-jwt-XXXXXX", path[128], cpath[160];
	struct conf c;
	struct afjwt_ctx ctx;
	struct afjwt_claims cl;
	char *tok = NULL;
	FILE *f;

	if (!mkdtemp(dir)) {
		skip("mkdtemp failed");
		return;
	}
	snprintf(path, sizeof path, "%s/jwt.secret", dir);
	snprintf(cpath, sizeof cpath, "%s/appforge.conf", dir);
	f = fopen(cpath, "w");
	fprintf(f, "state_dir = %s\njwt_secret_file = %s\n", dir, path);
	fclose(f);
	ok(afjwt_secret_create(path, err, sizeof err) == 0, "secret file created");
	ok(afjwt_secret_create(path, err, sizeof err) < 0,
	   "an existing secret is never overwritten");
	ok(conf_load(&c, cpath, err, sizeof err) == 0, "configuration loads");
	ok(afjwt_ctx_load(&ctx, &c, err, sizeof err) == 0 && ctx.keylen == 64 &&
		   ctx.alg == AFJWT_HS256,
	   "context loaded from the configuration");
	ok(afjwt_issue(&ctx, "u_load", "user", now, &tok, NULL, err, sizeof err) == 0 &&
		   afjwt_verify(&ctx, tok, now, &cl, err, sizeof err) == 0,
	   "round trip through the loaded secret");
	free(tok);
	afjwt_ctx_free(&ctx);
	chmod(path, 0644);
	ok(afjwt_ctx_load(&ctx, &c, err, sizeof err) < 0 && strstr(err, "600"),
	   "a secret readable by others is refused");
	conf_free(&c);
	appfiles_remove_tree(dir, err, sizeof err);
}

/* The cache answers a token it verified, never a changed or expired one, and never
 * one verified with another context. */
static void test_cache(const struct afjwt_ctx *ctx)
{
	struct afjwt_ctx other;
	struct afjwt_claims cl;
	char *tok = NULL, *t;
	unsigned long h0;
	long long exp;

	ok(afjwt_issue(ctx, "u_cachecachecache", "user", now, &tok, &exp, err, sizeof err) == 0,
	   "cache: issue a token");
	h0 = jwtcache_hits();
	ok(jwtcache_verify(ctx, tok, now, &cl, err, sizeof err) == 0 && jwtcache_hits() == h0,
	   "cache: first verification is a miss");
	memset(&cl, 0, sizeof cl);
	ok(jwtcache_verify(ctx, tok, now + 1, &cl, err, sizeof err) == 0 &&
		   jwtcache_hits() == h0 + 1 && strcmp(cl.sub, "u_cachecachecache") == 0 &&
		   cl.exp == exp,
	   "cache: second verification is a hit with the same claims");
	t = strdup(tok);
	t[strlen(t) - 2] = t[strlen(t) - 2] == 'A' ? 'B' : 'A';
	ok(jwtcache_verify(ctx, t, now, &cl, err, sizeof err) < 0 && jwtcache_hits() == h0 + 1,
	   "cache: a token with a changed signature is verified, and rejected");
	free(t);
	ok(jwtcache_verify(ctx, tok, exp + 31, &cl, err, sizeof err) < 0 &&
		   jwtcache_hits() == h0 + 1,
	   "cache: never serves a token past exp + leeway");
	ok(jwtcache_verify(ctx, tok, exp + 29, &cl, err, sizeof err) == 0,
	   "cache: ... and still accepts it within the leeway, as afjwt_verify does");
	if (afjwt_ctx_init(&other, AFJWT_HS256, "another-secret-another-secret-xx", 32, "appforge",
			   "appforge-api", 30, 3600, err, sizeof err) == 0) {
		h0 = jwtcache_hits();
		ok(jwtcache_verify(&other, tok, now, &cl, err, sizeof err) < 0 &&
			   jwtcache_hits() == h0,
		   "cache: a token cached for one key is checked again with another");
		afjwt_ctx_free(&other);
	} else {
		ok(0, "cache: second context: %s", err);
	}
	free(tok);
}

int main(void)
{
	struct afjwt_ctx ctx;

	now = (long long)time(NULL);
	snprintf(T_NOW, sizeof T_NOW, "%lld", now);
	snprintf(T_EXP, sizeof T_EXP, "%lld", now + 600);
	snprintf(T_PAST, sizeof T_PAST, "%lld", now - 100);
	snprintf(T_SOON_PAST, sizeof T_SOON_PAST, "%lld", now - 10);
	snprintf(T_FUTURE, sizeof T_FUTURE, "%lld", now + 100);
	snprintf(T_NEAR, sizeof T_NEAR, "%lld", now + 10);
	if (afjwt_ctx_init(&ctx, AFJWT_HS256, secret, strlen(secret), "appforge", "appforge-api",
			   30, 3600, err, sizeof err) < 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	test_hs256(&ctx);
	test_claims(&ctx);
	test_attacks(&ctx);
	test_cache(&ctx);
	afjwt_ctx_free(&ctx);
	test_asymmetric();
	test_load();
	return tap_done();
}
