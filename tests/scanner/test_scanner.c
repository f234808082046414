/* test_scanner.c: scanner_scan() against the real scan.js (policies block, warn, off)
 * and against fake scanners written to a temporary directory (one that sleeps, ones
 * that print malformed results, one that crashes, one that refuses), checking that
 * timeouts kill, bad output is rejected and nothing is taken on trust. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tap.h"
#include "scanner.h"
#include "confine.h"
#include "conf.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/af-scanner-test-XXXXXX";
static char real_js[4096];

static const char *write_script(const char *name, const char *body)
{
	static char path[8][4200];
	static int next;
	char *p = path[next++ % 8];
	FILE *f;

	snprintf(p, sizeof path[0], "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	if (!f || fputs(body, f) < 0 || fclose(f) != 0) {
		perror(p);
		exit(1);
	}
	return p;
}

static struct json_object *files_of(const char *name, const char *content)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, name, json_object_new_string(content));
	return o;
}

static const char *verdict_of(struct json_object *r)
{
	struct json_object *v;

	return r && json_object_object_get_ex(r, "verdict", &v) ? json_object_get_string(v) : "";
}

static int nfindings(struct json_object *r)
{
	struct json_object *v;

	return r && json_object_object_get_ex(r, "findings", &v) ? (int)json_object_array_length(v)
								 : -1;
}

static const char *finding_field(struct json_object *r, int i, const char *key)
{
	struct json_object *v, *f, *x;

	if (!r || !json_object_object_get_ex(r, "findings", &v))
		return "";
	f = json_object_array_get_idx(v, (size_t)i);
	return f && json_object_object_get_ex(f, key, &x) ? json_object_get_string(x) : "";
}

/* Runs one scan; returns rc, fills *res (caller puts) and err. */
static int scan(const char *policy, const char *script, const struct scanner_limits *lim,
		struct json_object *files, struct json_object **res, char *err, size_t errlen)
{
	struct conf c;
	int rc;

	memset(&c, 0, sizeof c);
	c.scan_policy = (char *)policy;
	c.node_path = getenv("AF_NODE");
	setenv("AF_SCANNER_JS", script, 1);
	*res = NULL;
	err[0] = 0;
	rc = scanner_scan_ex(&c, lim, files, res, err, errlen);
	return rc;
}

static void test_real(void)
{
	struct json_object *bad =
		files_of("server.js",
			 "// child_process\nconst cp = require('child' + '_process');\n");
	struct json_object *good = files_of(
		"server.js",
		"require('http').createServer((q, s) => s.end('eval is evil')).listen(process.env.PORT);\n");
	struct json_object *warn = files_of("server.js", "fetch('https://example.com/');\n");
	struct json_object *res;
	char err[256];
	int rc;

	rc = scan("block", real_js, NULL, bad, &res, err, sizeof err);
	ok(rc == 0 && strcmp(verdict_of(res), "block") == 0 && nfindings(res) == 1,
	   "policy block: child_process blocks (%s)", err);
	ok(strcmp(finding_field(res, 0, "rule"), "child-process") == 0 &&
		   strcmp(finding_field(res, 0, "line"), "2") == 0,
	   "the finding names the rule and line 2");
	ok(scanner_validate_result(res, err, sizeof err) == 0, "result passes its own validation");
	json_object_put(res);

	rc = scan(NULL, real_js, NULL, bad, &res, err, sizeof err);
	ok(rc == 0 && strcmp(verdict_of(res), "block") == 0, "no policy set means block");
	json_object_put(res);

	rc = scan("warn", real_js, NULL, bad, &res, err, sizeof err);
	ok(rc == 0 && strcmp(verdict_of(res), "warn") == 0 && nfindings(res) == 1 &&
		   strcmp(finding_field(res, 0, "severity"), "block") == 0,
	   "policy warn: verdict warn, the block finding still listed");
	json_object_put(res);

	rc = scan("block", real_js, NULL, good, &res, err, sizeof err);
	ok(rc == 0 && strcmp(verdict_of(res), "pass") == 0 && nfindings(res) == 0,
	   "a clean app passes");
	json_object_put(res);

	rc = scan("block", real_js, NULL, warn, &res, err, sizeof err);
	ok(rc == 0 && strcmp(verdict_of(res), "warn") == 0, "a warn finding gives verdict warn");
	json_object_put(res);

	rc = scan("off", "/nonexistent/scan.js", NULL, bad, &res, err, sizeof err);
	ok(rc == 0 && strcmp(verdict_of(res), "pass") == 0 && nfindings(res) == 0,
	   "policy off: pass with no findings, without running the scanner");
	json_object_put(res);

	rc = scan("strict", real_js, NULL, bad, &res, err, sizeof err);
	ok(rc == -1 && strstr(err, "scan_policy") && !res, "an unknown policy is an error (%s)",
	   err);

	{
		struct json_object *arr = json_object_new_array();
		struct json_object *num = json_object_new_object();

		json_object_object_add(num, "a.js", json_object_new_int(1));
		ok(scan("block", real_js, NULL, arr, &res, err, sizeof err) == -1 &&
			   strstr(err, "object"),
		   "files that are not an object are refused");
		ok(scan("block", real_js, NULL, num, &res, err, sizeof err) == -1 &&
			   strstr(err, "string"),
		   "a file that is not a string is refused");
		json_object_put(arr);
		json_object_put(num);
	}
	{
		struct scanner_limits lim = { 10000,           10,           64, SCANNER_MAX_OUTPUT,
					      SCANNER_HEAP_MB, SCANNER_AS_MB };

		rc = scan("block", real_js, &lim, good, &res, err, sizeof err);
		ok(rc == 0 && strcmp(verdict_of(res), "block") == 0 &&
			   strcmp(finding_field(res, 0, "rule"), "scan-failed") == 0 &&
			   strstr(finding_field(res, 0, "message"), "too large"),
		   "files over the input cap fail closed without running node");
		json_object_put(res);
	}
	rc = scan("block", "/nonexistent/scan.js", NULL, good, &res, err, sizeof err);
	ok(rc == -1 && strstr(err, "/nonexistent/scan.js"),
	   "a missing scan.js is an error naming it (%s)", err);

	json_object_put(bad);
	json_object_put(good);
	json_object_put(warn);
}

/* The jail (scanner/confine.h): a probe standing in for scan.js tries the network, a
 * unix socket, a new process, a secret outside its directory, a write, a signal to its
 * parent, and reports each outcome in its one finding's message. */
static void test_jail(const char *src)
{
	char probe_src[4200], secret[sizeof tmpdir + 16], targets[4400], msg[1024], err[256];
	static char body[65536];
	struct json_object *files = files_of("a.js", "x"), *res;
	FILE *f;
	size_t n;
	int rc, landlock = scan_jail_has_landlock();

	snprintf(probe_src, sizeof probe_src, "%s/tests/scanner/jail_probe.js", src ? src : ".");
	f = fopen(probe_src, "r");
	n = f ? fread(body, 1, sizeof body - 1, f) : 0;
	if (f)
		fclose(f);
	body[n] = 0;
	snprintf(secret, sizeof secret, "%s.secret", tmpdir);
	f = fopen(secret, "w");
	if (f) {
		fputs("s3cret\n", f);
		fclose(f);
	}
	snprintf(targets, sizeof targets, "[\"%s\"]", secret);
	write_script("targets.json", targets);
	rc = scan("block", write_script("jail_probe.js", body), NULL, files, &res, err, sizeof err);
	snprintf(msg, sizeof msg, "%s ", finding_field(res, 0, "message"));
	ok(rc == 0 && n > 0 && strcmp(verdict_of(res), "warn") == 0,
	   "the probe runs in the jail and answers (%s) %s", err, msg);
	ok(strstr(msg, "tcp=EPERM ") && strstr(msg, "udp=EPERM "),
	   "no network socket: TCP and UDP refused");
	ok(strstr(msg, "unix=EPERM "), "no unix socket either (the supervisor's, appforged's)");
	ok(strstr(msg, "spawn=EPERM "), "no new process");
	ok(strstr(msg, "kill=EPERM "), "no signal to its parent (same uid as the workers)");
	ok(strstr(msg, "nnp=1 ") && strstr(msg, "seccomp=2 "), "no_new_privs and a seccomp filter");
	if (landlock) {
		ok(strstr(msg, "read0=EACCES "),
		   "Landlock: a file outside its directory is out of reach");
		ok(strstr(msg, "write=EACCES "), "Landlock: nothing writable");
	} else {
		skip("this kernel has no Landlock: the jail is seccomp only (read)");
		skip("this kernel has no Landlock: the jail is seccomp only (write)");
	}
	json_object_put(res);
	json_object_put(files);
	unlink(secret);
}

static void test_fakes(void)
{
	struct json_object *files = files_of("server.js", "console.log(1);\n");
	/* hang: for the scripts that never finish; fast: for the others, with room for a
	 * slow start of node on a loaded machine. */
	struct scanner_limits hang = { 1500, 30, 1 << 20, 4096, 256, SCANNER_AS_MB };
	struct scanner_limits fast = { 60000, 30, 1 << 20, 4096, 256, SCANNER_AS_MB };
	struct scanner_limits cpu = { 60000, 1, 1 << 20, 4096, 256, SCANNER_AS_MB };
	struct json_object *res;
	char err[256];
	const char *js;
	int rc;

	js = write_script("sleep.js", "process.stdin.resume(); setTimeout(() => {}, 600000);\n");
	rc = scan("block", js, &hang, files, &res, err, sizeof err);
	ok(rc == 0 && strcmp(verdict_of(res), "block") == 0 &&
		   strcmp(finding_field(res, 0, "rule"), "scan-failed") == 0 &&
		   strstr(finding_field(res, 0, "message"), "did not finish"),
	   "a scanner that hangs is killed at the timeout and the scan fails closed");
	json_object_put(res);
	rc = scan("warn", js, &hang, files, &res, err, sizeof err);
	ok(rc == 0 && strcmp(verdict_of(res), "warn") == 0,
	   "a timeout under policy warn gives warn");
	json_object_put(res);

	js = write_script("busy.js", "for (;;) {}\n");
	rc = scan("block", js, &hang, files, &res, err, sizeof err);
	ok(rc == 0 && strcmp(finding_field(res, 0, "rule"), "scan-failed") == 0,
	   "a scanner spinning without reading its input is killed too");
	json_object_put(res);

	rc = scan("block", js, &cpu, files, &res, err, sizeof err);
	ok(rc == 0 && strcmp(finding_field(res, 0, "rule"), "scan-failed") == 0 &&
		   strstr(finding_field(res, 0, "message"), "CPU time"),
	   "a scanner spinning past its CPU limit is stopped (%s)",
	   finding_field(res, 0, "message"));
	json_object_put(res);

	js = write_script(
		"closed.js",
		"process.stdout.end(); process.stderr.end(); setTimeout(() => {}, 600000);\n");
	rc = scan("block", js, &hang, files, &res, err, sizeof err);
	ok(rc == 0 && strcmp(finding_field(res, 0, "rule"), "scan-failed") == 0,
	   "a scanner that closes its output but never exits is killed");
	json_object_put(res);

	static const struct {
		const char *out;
		const char *what;
	} bad[] = {
		{ "not json", "not JSON" },
		{ "", "empty output" },
		{ "{\"verdict\":\"pass\"}", "no findings" },
		{ "{\"verdict\":\"ok\",\"findings\":[]}", "an unknown verdict" },
		{ "{\"verdict\":\"pass\",\"findings\":[]} {}", "trailing data" },
		{ "{\"verdict\":\"pass\",\"findings\":[],\"extra\":1}", "an extra key" },
		{ "{\"verdict\":\"pass\",\"findings\":[{\"rule\":\"eval\",\"severity\":\"block\",\"file\":\"a.js\",\"line\":1,\"column\":1,\"message\":\"m\"}]}",
		  "a verdict that hides a block finding" },
		{ "{\"verdict\":\"block\",\"findings\":[{\"rule\":\"Eval!\",\"severity\":\"block\",\"file\":\"a.js\",\"line\":1,\"column\":1,\"message\":\"m\"}]}",
		  "a bad rule id" },
		{ "{\"verdict\":\"block\",\"findings\":[{\"rule\":\"eval\",\"severity\":\"block\",\"file\":\"a.js\",\"line\":\"1\",\"column\":1,\"message\":\"m\"}]}",
		  "a line that is a string" },
		{ "{\"verdict\":\"block\",\"findings\":[{\"rule\":\"eval\",\"severity\":\"block\",\"file\":\"a.js\",\"line\":-3,\"column\":1,\"message\":\"m\"}]}",
		  "a negative line" },
		{ "{\"verdict\":\"warn\",\"findings\":[{\"rule\":\"eval\",\"severity\":\"fatal\",\"file\":\"a.js\",\"line\":1,\"column\":1,\"message\":\"m\"}]}",
		  "an unknown severity" },
		{ "{\"verdict\":\"warn\",\"findings\":[{\"rule\":\"eval\",\"severity\":\"warn\",\"file\":\"a.js\",\"line\":1,\"column\":1}]}",
		  "a finding without message" },
		{ "{\"verdict\":\"pass\",\"findings\":{}}", "findings not an array" },
		{ "[\"pass\"]", "an array" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char body[1024];

		snprintf(
			body, sizeof body,
			"process.stdin.resume(); process.stdin.on('end', () => process.stdout.write(%s",
			"Buffer.from('");
		/* The output goes through hex so no quoting can go wrong. */
		{
			size_t n = strlen(body);
			for (const char *s = bad[i].out; *s && n + 3 < sizeof body; s++)
				n += (size_t)snprintf(body + n, sizeof body - n, "%02x",
						      (unsigned char)*s);
			snprintf(body + n, sizeof body - n, "', 'hex')));\n");
		}
		js = write_script("bad.js", body);
		rc = scan("block", js, &fast, files, &res, err, sizeof err);
		ok(rc == -1 && !res && strstr(err, "malformed"), "rejects %s (rc %d, %s, %s)",
		   bad[i].what, rc, err, res ? json_object_to_json_string(res) : "-");
		json_object_put(res);
	}

	js = write_script("flood.js", "process.stdout.write('x'.repeat(1 << 20));\n");
	rc = scan("block", js, &fast, files, &res, err, sizeof err);
	ok(rc == -1 && strstr(err, "larger than"), "rejects output over the cap (%s)", err);

	js = write_script(
		"refuse.js",
		"process.stderr.write('scan.js: acorn not found\\n'); process.exit(2);\n");
	rc = scan("block", js, &fast, files, &res, err, sizeof err);
	ok(rc == -1 && strstr(err, "acorn not found"),
	   "a refusal (exit 2) is an error with its message (%s)", err);
	{
		char *big = malloc(1 << 19);
		struct json_object *bigfiles;

		memset(big, 'a', (1 << 19) - 1);
		big[(1 << 19) - 1] = 0;
		bigfiles = files_of("server.js", big);
		rc = scan("block", js, &fast, bigfiles, &res, err, sizeof err);
		ok(rc == -1 && strstr(err, "acorn not found"),
		   "a scanner exiting before reading 512 KB of input: no SIGPIPE, its message kept (rc %d, %s, %s)",
		   rc, err, res ? json_object_to_json_string(res) : "-");
		json_object_put(bigfiles);
		free(big);
	}

	js = write_script("abort.js", "process.abort();\n");
	rc = scan("block", js, &fast, files, &res, err, sizeof err);
	ok(rc == 0 && strcmp(finding_field(res, 0, "rule"), "scan-failed") == 0 &&
		   strstr(finding_field(res, 0, "message"), "signal"),
	   "a crash fails closed");
	json_object_put(res);

	js = write_script(
		"env.js",
		"process.stdin.resume(); process.stdin.on('end', () => { const bad = process.env.NODE_OPTIONS || process.env.AF_SECRET;"
		" process.stdout.write(JSON.stringify({verdict: bad ? 'warn' : 'pass', findings: bad ? [{rule: 'leak', severity: 'warn', file: '', line: 0, column: 0, message: 'env'}] : []})); });\n");
	setenv("NODE_OPTIONS", "--require /nonexistent-preload.js", 1);
	setenv("AF_SECRET", "s3cret", 1);
	rc = scan("block", js, &fast, files, &res, err, sizeof err);
	ok(rc == 0 && strcmp(verdict_of(res), "pass") == 0,
	   "the scanner gets a clean environment (%s)", err);
	json_object_put(res);
	unsetenv("NODE_OPTIONS");
	unsetenv("AF_SECRET");

	json_object_put(files);
}

int main(void)
{
	const char *src = getenv("AF_SRCDIR");
	char cmd[4200];

	signal(SIGPIPE, SIG_DFL);
	snprintf(real_js, sizeof real_js, "%s/scanner/scan.js", src ? src : ".");
	if (access("/usr/share/nodejs/acorn/package.json", R_OK) < 0) {
		printf("1..0 # SKIP Debian's node-acorn is not installed\n");
		return 0;
	}
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_real();
	test_jail(src);
	test_fakes();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return tap_done();
}
