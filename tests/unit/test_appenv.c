/* test_appenv.c: the rules for app environment variables (common/appenv.h) and the
 * sealing of their values (common/secretbox.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/appenv.h"
#include "common/secretbox.h"
#include "tap.h"

static void names(void)
{
	ok(appenv_name_valid("API_KEY", 7), "API_KEY is a name");
	ok(appenv_name_valid("_X1", 3), "_X1 is a name");
	ok(!appenv_name_valid("", 0), "empty refused");
	ok(!appenv_name_valid("1A", 2), "leading digit refused");
	ok(!appenv_name_valid("A=B", 3), "= refused");
	ok(!appenv_name_valid("A\0B", 3), "NUL refused");
	ok(!appenv_name_valid("lower", 5), "lower case refused");
	char big[66];
	memset(big, 'A', sizeof big);
	ok(appenv_name_valid(big, 64), "64 bytes accepted");
	ok(!appenv_name_valid(big, 65), "65 bytes refused");
	const char *res[] = { "PORT",           "APP_ID",     "DATA_DIR",     "HOME",
			      "PATH",           "TMPDIR",     "NODE_OPTIONS", "NODE_ENV",
			      "LISTEN_FDS",     "LISTEN_PID", "LD_PRELOAD",   "APPFORGE_X",
			      "AF_SANDBOX_INIT" };
	for (size_t i = 0; i < sizeof res / sizeof res[0]; i++)
		ok(!appenv_name_valid(res[i], strlen(res[i])), "%s is the platform's", res[i]);
	ok(appenv_name_valid("PORTS", 5) && appenv_name_valid("NODEX", 5), "PORTS, NODEX are free");
}

static void values(void)
{
	ok(appenv_value_valid("", 0), "empty value");
	ok(appenv_value_valid("a\tb\nc\r", 6), "tab and newlines");
	ok(appenv_value_valid("caf\xc3\xa9 \xf0\x9f\x98\x80", 10), "UTF-8");
	ok(!appenv_value_valid("a\x01", 2), "control character refused");
	ok(!appenv_value_valid("a\x7f", 2), "DEL refused");
	ok(!appenv_value_valid("a\0b", 3), "NUL refused");
	ok(!appenv_value_valid("\xc3", 1), "truncated UTF-8 refused");
	ok(!appenv_value_valid("\xc0\xaf", 2), "overlong refused");
	ok(!appenv_value_valid("\xed\xa0\x80", 3), "surrogate refused");
	char *v = malloc(APPENV_VALUE_MAX + 1);
	memset(v, 'x', APPENV_VALUE_MAX + 1);
	ok(appenv_value_valid(v, APPENV_VALUE_MAX), "4096 bytes accepted");
	ok(!appenv_value_valid(v, APPENV_VALUE_MAX + 1), "4097 bytes refused");
	free(v);
}

static void packed(void)
{
	char err[128];
	ok(appenv_packed_check("A=1\0B=\0", 7, 2, err, sizeof err) == 0, "two entries");
	ok(appenv_packed_check("", 0, 0, err, sizeof err) == 0, "none");
	ok(appenv_packed_check("A=1\0A=2\0", 8, 2, err, sizeof err) < 0, "a name twice");
	ok(appenv_packed_check("A1\0", 3, 1, err, sizeof err) < 0, "no =");
	ok(appenv_packed_check("PORT=1\0", 7, 1, err, sizeof err) < 0, "PORT");
	ok(appenv_packed_check("A=1\0B=2\0", 8, 1, err, sizeof err) < 0, "trailing entry");
	ok(appenv_packed_check("A=1\0", 4, 2, err, sizeof err) < 0, "count past the end");
	ok(appenv_packed_check("A=1", 3, 1, err, sizeof err) < 0, "unterminated");
	ok(appenv_packed_check("A=1\0", 4, APPENV_MAX_VARS + 1, err, sizeof err) < 0, "too many");
}

static void seal(void)
{
	char dir[] = "/tmp/af-sbXXXXXX", path[64], err[256];
	unsigned char key[SECRETBOX_KEY_BYTES], other[SECRETBOX_KEY_BYTES];
	struct stat st;
	size_t slen = 0, olen = 0;

	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof path, "%s/secrets.key", dir);
	ok(secretbox_key_create(path, err, sizeof err) == 0, "key created");
	ok(stat(path, &st) == 0 && st.st_size == 32 && (st.st_mode & 0777) == 0600,
	   "32 bytes, 0600");
	ok(secretbox_key_create(path, err, sizeof err) < 0, "never overwritten");
	ok(secretbox_key_load(path, key, err, sizeof err) == 0, "key loaded");
	chmod(path, 0644);
	ok(secretbox_key_load(path, other, err, sizeof err) < 0, "a readable key refused");
	unlink(path);
	rmdir(dir);

	unsigned char *s = secretbox_seal(key, "app\0N", 5, "hunter22", 8, &slen);
	ok(s && slen == 8 + SECRETBOX_OVERHEAD, "sealed");
	ok(s && !memmem(s, slen, "hunter22", 8), "no clear text in it");
	char *p = secretbox_open(key, "app\0N", 5, s, slen, &olen);
	ok(p && olen == 8 && strcmp(p, "hunter22") == 0, "opens to the value");
	secretbox_free(p, olen);
	ok(!secretbox_open(key, "app\0M", 5, s, slen, &olen), "another name: does not open");
	memset(other, 7, sizeof other);
	ok(!secretbox_open(other, "app\0N", 5, s, slen, &olen), "another key: does not open");
	s[slen - 1] ^= 1;
	ok(!secretbox_open(key, "app\0N", 5, s, slen, &olen), "a flipped bit: does not open");
	ok(!secretbox_open(key, "app\0N", 5, s, 10, &olen), "truncated: does not open");
	free(s);
	s = secretbox_seal(key, "a", 1, "", 0, &slen);
	p = s ? secretbox_open(key, "a", 1, s, slen, &olen) : NULL;
	ok(p && olen == 0 && p[0] == 0, "an empty value round-trips");
	secretbox_free(p, olen);
	free(s);
}

int main(void)
{
	names();
	values();
	packed();
	seal();
	return tap_done();
}
