/* test_conf.c: the configuration table: defaults, parsing, every kind of error with
 * FILE:LINE, cross-key rules, the dump round trip, and the documented example file. */
#include "tap.h"
#include "conf.h"
#include "appfiles.h"
#include "sblimits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/af-test-conf-XXXXXX", path[128], err[512];

static void write_conf(const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* Loads text; returns 0 or -1 and leaves the message in err. */
static int load(const char *text, struct conf *c)
{
	write_conf(text);
	return conf_load(c, path, err, sizeof err);
}

static void refused(const char *text, const char *expect, const char *what)
{
	struct conf c;
	char want[256];

	snprintf(want, sizeof want, expect, path);
	ok(load(text, &c) < 0 && strstr(err, want), "%s: \"%s\"", what, err);
}

static void test_defaults(void)
{
	struct conf c;

	ok(conf_load(&c, NULL, err, sizeof err) == 0, "defaults load");
	ok(c.state_dir[0] == '/' && strstr(c.state_dir, "/state") && !strstr(c.state_dir, "./"),
	   "state_dir absolute (%s)", c.state_dir);
	ok(c.workers == 4 && c.https_port == 8443 && c.http_port == 8080 && c.port_min == 9000 &&
		   c.port_max == 9999 && c.max_body_bytes == 1048576,
	   "daemon and port defaults");
	ok(c.sandbox_memory_mb == 256 && c.sandbox_pids == 128 && c.sandbox_cpu_percent == 50 &&
		   c.sandbox_wall_seconds == 3600 && c.sandbox_cpu_seconds == 600 &&
		   c.sandbox_data_mb == 64 && c.sandbox_tmp_mb == 32 &&
		   c.sandbox_uid_base == 200000,
	   "sandbox defaults");
	ok(strcmp(c.jwt_alg, "HS256") == 0 && strcmp(c.jwt_issuer, "appforge") == 0 &&
		   strcmp(c.jwt_audience, "appforge-api") == 0 && c.jwt_ttl_seconds == 3600 &&
		   c.jwt_leeway_seconds == 30,
	   "JWT defaults");
	ok(strcmp(c.generator, "template") == 0 && strcmp(c.scan_policy, "block") == 0 &&
		   c.quota_apps == 20 && c.quota_running == 3 &&
		   c.quota_generations_per_hour == 30 &&
		   strcmp(c.cors_origins, "https://localhost:8443") == 0,
	   "generator, scanner, quota, CORS defaults");
	ok(strncmp(c.db_path, c.state_dir, strlen(c.state_dir)) == 0 &&
		   strstr(c.db_path, "appforge.db") && strstr(c.socket_path, "appforged.sock") &&
		   strstr(c.jwt_secret_file, "jwt.secret") && strstr(c.apps_dir, "/apps"),
	   "derived paths under state_dir");
	ok(strcmp(c.run_as_user, "appforge") == 0 && strcmp(c.socket_group, "www-data") == 0,
	   "privilege defaults: run as appforge, socket group www-data");
	conf_free(&c);
}

static void test_values(void)
{
	struct conf c;
	char text[512];

	snprintf(
		text, sizeof text,
		"# comment\n\n  workers = 8   # inline comment\n"
		"state_dir=%s/st\nlog_level = debug\ncors_origins = https://a.example https://b.example:8443\n"
		"db_path = /var/lib/x#y.db\njwt_alg = ES256\njwt_public_key_file = /etc/k.pem\r\n",
		dir);
	ok(load(text, &c) == 0, "a file with comments, spacing and CRLF loads (%s)", err);
	ok(c.workers == 8 && strcmp(c.log_level, "debug") == 0 && strcmp(c.jwt_alg, "ES256") == 0,
	   "values applied");
	ok(strcmp(c.db_path, "/var/lib/x#y.db") == 0, "'#' inside a value is kept");
	ok(strstr(c.socket_path, "/st/appforged.sock") != NULL, "derived paths follow state_dir");
	conf_free(&c);
}

static void test_errors(void)
{
	struct conf c;
	char longline[9000];

	refused("workers = 4\nfrobnicate = 1\n", "%s:2: unknown key 'frobnicate'", "unknown key");
	refused("workers = four\n",
		"%s:1: bad value for 'workers': must be an integer between 1 and 64",
		"non-numeric");
	refused("workers = 65\n", "%s:1: bad value for 'workers'", "above the maximum");
	refused("workers = 0\n", "%s:1: bad value for 'workers'", "below the minimum");
	refused("workers = 4x\n", "%s:1: bad value", "trailing garbage");
	refused("workers = \n", "%s:1: bad value", "empty number");
	refused("\nworkers = 2\nworkers = 3\n", "%s:3: duplicate key 'workers'", "duplicate key");
	refused("workers 4\n", "%s:1: expected \"key = value\"", "missing '='");
	refused("log_level = loud\n", "%s:1: bad value for 'log_level': must be one of",
		"bad enum");
	refused("jwt_alg = none\n", "bad value for 'jwt_alg'", "alg none is not configurable");
	refused("jwt_leeway_seconds = 61\n", "bad value for 'jwt_leeway_seconds'",
		"leeway over 60");
	refused("apps_domain = evil.com;include /etc\n", "bad value for 'apps_domain'",
		"host with ';'");
	refused("state_dir = /tmp/a b\n", "bad value for 'state_dir'", "path with a space");
	refused("run_as_user = Root\n", "bad value for 'run_as_user'", "user name with a capital");
	refused("run_as_user = 1abc\n", "bad value for 'run_as_user'",
		"user name starting with a digit");
	refused("socket_group = a b\n", "bad value for 'socket_group'", "group name with a space");
	refused("run_as_user = \n", "bad value for 'run_as_user'", "empty user name");
	refused("cors_origins = *\n", "bad value for 'cors_origins'", "wildcard origin");
	refused("cors_origins = https://a.example/path\n", "bad value for 'cors_origins'",
		"origin with a path");
	refused("openai_base_url = ftp://x\n", "bad value for 'openai_base_url'", "non-http URL");
	refused("port_min = 9500\nport_max = 9100\n", "port_min must not be greater",
		"port range reversed");
	refused("https_port = 9001\n", "outside port_min..port_max",
		"frontend port inside the app range");
	refused("jwt_alg = RS256\n", "needs jwt_public_key_file", "RS256 without a key");
	memset(longline, 'a', sizeof longline - 2);
	longline[sizeof longline - 2] = '\n';
	longline[sizeof longline - 1] = '\0';
	refused(longline, "%s:1: line too long", "overlong line");
	ok(conf_load(&c, "/nonexistent/appforge.conf", err, sizeof err) < 0 &&
		   strstr(err, "/nonexistent/appforge.conf"),
	   "missing file names the file");
}

static void test_dump_and_example(void)
{
	struct conf c, d;
	char dpath[160], line[512];
	const char *src = getenv("AF_SRCDIR");
	FILE *f, *in;
	int keys = 0, dumped = 0;

	snprintf(dpath, sizeof dpath, "%s/dump.conf", dir);
	if (conf_load(&c, NULL, err, sizeof err) < 0)
		return;
	f = fopen(dpath, "w");
	conf_dump(&c, fileno(f));
	fclose(f);
	f = fopen(dpath, "r");
	while (fgets(line, sizeof line, f))
		dumped++;
	fclose(f);
	ok(conf_load(&d, dpath, err, sizeof err) == 0 && d.workers == c.workers &&
		   strcmp(d.db_path, c.db_path) == 0,
	   "the dump loads back unchanged (%d keys)", dumped);
	conf_free(&d);
	conf_free(&c);
	if (!src) {
		skip("AF_SRCDIR not set: example file not checked");
		return;
	}
	snprintf(line, sizeof line, "%s/etc/appforge.conf.example", src);
	in = fopen(line, "r");
	f = fopen(path, "w");
	while (in && fgets(line, sizeof line, in)) {
		char key[64];
		if (sscanf(line, "# %63[a-z_] =", key) == 1 && strstr(line, " =")) {
			fputs(line + 2, f);
			keys++;
		}
	}
	if (in)
		fclose(in);
	fclose(f);
	ok(keys == dumped && conf_load(&c, path, err, sizeof err) == 0,
	   "the example documents every key (%d of %d) with valid defaults", keys, dumped);
	if (keys == dumped)
		conf_free(&c);
}

/* The sandbox_* limits come from the one table (sblimits.h): its defaults, and its
 * bounds refuse one step beyond them. */
static void test_sandbox_limits_table(void)
{
	struct conf c;
	char text[128];
	int defaults_ok = 1, bounds_ok = 1;

	if (conf_load(&c, NULL, err, sizeof err) < 0) {
		ok(0, "defaults load (%s)", err);
		return;
	}
#define CHECK_DEF(name, kind, def, min, max, conf_def, conf_min, conf_max) \
	defaults_ok &= c.sandbox_##name == conf_def;
	SBLIM_TABLE(CHECK_DEF)
#undef CHECK_DEF
	conf_free(&c);
	ok(defaults_ok, "sandbox_* defaults are the table's");
#define CHECK_BOUNDS(name, kind, def, min, max, conf_def, conf_min, conf_max) \
	snprintf(text, sizeof text, "sandbox_" #name " = %lld\n", (long long)(conf_min)-1); \
	bounds_ok &= load(text, &c) < 0; \
	snprintf(text, sizeof text, "sandbox_" #name " = %lld\n", (long long)(conf_max) + 1); \
	bounds_ok &= load(text, &c) < 0; \
	snprintf(text, sizeof text, "sandbox_" #name " = %lld\n", (long long)(conf_max)); \
	if (load(text, &c) == 0) \
		conf_free(&c); \
	else \
		bounds_ok = 0;
	SBLIM_TABLE(CHECK_BOUNDS)
#undef CHECK_BOUNDS
	ok(bounds_ok, "sandbox_* bounds are the table's (max taken, one beyond refused)");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(path, sizeof path, "%s/appforge.conf", dir);
	test_defaults();
	test_values();
	test_errors();
	test_dump_and_example();
	test_sandbox_limits_table();
	setenv("APPFORGE_CONFIG", "/x/y.conf", 1);
	ok(strcmp(conf_default_path(), "/x/y.conf") == 0, "APPFORGE_CONFIG names the default path");
	appfiles_remove_tree(dir, err, sizeof err);
	return tap_done();
}
