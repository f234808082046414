/* test_password_token.c: argon2id hashing and verification, the dummy path for unknown
 * users, the password policy, and API token generation and hashing. */
#include "tap.h"
#include "password.h"
#include "apitoken.h"

#include <string.h>

int main(void)
{
	char err[128], h[PASSWORD_HASH_BUFSZ], h2[PASSWORD_HASH_BUFSZ];
	char tok[APITOKEN_BUFSZ], hash[APITOKEN_HASH_BUFSZ], shown[APITOKEN_SHOWN_BUFSZ];
	char tok2[APITOKEN_BUFSZ], hash2[APITOKEN_HASH_BUFSZ], again[APITOKEN_HASH_BUFSZ];

	ok(password_init(err, sizeof err) == 0, "init");
	ok(password_hash("correct horse", h, err, sizeof err) == 0 &&
		   strncmp(h, "$argon2id$", 10) == 0,
	   "argon2id hash");
	ok(password_hash("correct horse", h2, err, sizeof err) == 0 && strcmp(h, h2) != 0,
	   "salted");
	ok(password_verify(h, "correct horse") == 1, "right password verifies");
	ok(password_verify(h, "correct horsE") == 0 && password_verify(h, "") == 0,
	   "wrong password fails");
	ok(password_verify("$2b$10$abcdefghijklmnopqrstuv", "x") == 0 &&
		   password_verify(NULL, "x") == 0 && password_verify(h, NULL) == 0 &&
		   password_verify("garbage", "x") == 0,
	   "malformed or foreign hashes fail closed");
	ok(password_burn("whatever") == 0, "burn for unknown users");
	ok(password_check_policy("short", err, sizeof err) < 0 && strstr(err, "8"), "too short");
	ok(password_check_policy("has\ttab inside", err, sizeof err) < 0,
	   "control characters refused");
	ok(password_check_policy("long enough \xc3\xa9", err, sizeof err) == 0,
	   "UTF-8 password allowed");
	ok(password_check_policy("bad utf8 \xc0\xaf!!", err, sizeof err) < 0,
	   "invalid UTF-8 refused");

	ok(apitoken_new(tok, hash, shown) == 0 && strncmp(tok, "afk_", 4) == 0 &&
		   strlen(tok) == APITOKEN_LEN,
	   "token afk_ + 43 characters");
	ok(strlen(hash) == 64 && strncmp(shown, tok, APITOKEN_SHOWN_LEN) == 0 &&
		   strlen(shown) == 10,
	   "sha-256 hex and a 10-character prefix");
	ok(apitoken_hash(tok, again) == 0 && strcmp(again, hash) == 0, "hash is deterministic");
	ok(apitoken_new(tok2, hash2, shown) == 0 && strcmp(tok, tok2) != 0 &&
		   strcmp(hash, hash2) != 0,
	   "tokens differ");
	ok(strstr(hash, tok + 4) == NULL, "the hash does not contain the secret");
	ok(apitoken_looks_valid(tok) && !apitoken_looks_valid("afk_short") &&
		   !apitoken_looks_valid("eyJhbGciOiJIUzI1NiJ9.e30.x") &&
		   !apitoken_looks_valid(NULL),
	   "shape check");
	tok[10] = '-';
	ok(!apitoken_looks_valid(tok) && apitoken_hash(tok, again) < 0,
	   "foreign characters refused");

	{
		char sid[REFRESH_SID_BUFSZ] = "", sid2[REFRESH_SID_BUFSZ], rt[REFRESH_BUFSZ];
		char rt2[REFRESH_BUFSZ], rh[APITOKEN_HASH_BUFSZ], rh2[APITOKEN_HASH_BUFSZ];

		ok(refresh_token_new(sid, rt, rh) == 0 && strlen(rt) == REFRESH_LEN &&
			   strncmp(rt, "afr_", 4) == 0 && strlen(sid) == REFRESH_SID_CHARS &&
			   strncmp(rt + 4, sid, REFRESH_SID_CHARS) == 0 && strlen(rh) == 64,
		   "refresh token: afr_ + session id + secret, and its hash");
		ok(refresh_token_parse(rt, sid2, rh2) == 0 && strcmp(sid2, sid) == 0 &&
			   strcmp(rh2, rh) == 0,
		   "parsing gives back the session id and the hash");
		ok(refresh_token_new(sid2, rt2, rh2) == 0 && strcmp(sid2, sid) == 0 &&
			   strcmp(rt2, rt) != 0 && strcmp(rh2, rh) != 0,
		   "a rotation keeps the session id and draws a new secret");
		ok(refresh_token_parse("afr_short", sid2, rh2) < 0 &&
			   refresh_token_parse(tok2, sid2, rh2) < 0 &&
			   refresh_token_parse(NULL, sid2, rh2) < 0,
		   "an API token or a short value is not a refresh token");
		rt[30] = ';';
		ok(refresh_token_parse(rt, sid2, rh2) < 0,
		   "foreign characters in a refresh token refused");
		strcpy(sid2, "short");
		ok(refresh_token_new(sid2, rt2, rh2) < 0, "a malformed session id is refused");
	}
	{
		char c[APITOKEN_BUFSZ], c2[APITOKEN_BUFSZ], sh[APITOKEN_HASH_BUFSZ];
		char sh2[APITOKEN_HASH_BUFSZ];

		ok(apisecret_new(APPCODE_PREFIX, c, sh) == 0 && strlen(c) == APITOKEN_LEN &&
			   strncmp(c, "afo_", 4) == 0 &&
			   apisecret_hash(APPCODE_PREFIX, c, sh2) == 0 && strcmp(sh, sh2) == 0 &&
			   strlen(sh) == 64,
		   "app code: afo_ + 43 characters, its hash");
		ok(apisecret_new(APPCODE_PREFIX, c2, sh2) == 0 && strcmp(c, c2) != 0 &&
			   strcmp(sh, sh2) != 0,
		   "two codes differ");
		ok(apisecret_hash(APPCOOKIE_PREFIX, c, sh2) < 0 &&
			   apisecret_hash(APPCODE_PREFIX, tok2, sh2) < 0 &&
			   apisecret_hash(APPCODE_PREFIX, "afo_short", sh2) < 0 &&
			   apisecret_hash("afo", c, sh2) < 0 &&
			   apisecret_new("toolong_", c2, sh2) < 0,
		   "a secret of another prefix, an API token, a short value, a bad prefix: refused");
		c[20] = '%';
		ok(apisecret_hash(APPCODE_PREFIX, c, sh2) < 0,
		   "foreign characters in a code refused");
	}
	return tap_done();
}
