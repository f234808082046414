/* doctor.c: host checks for `appforgectl doctor` (see doctor.h). Each check looks at
 * the real thing (creating namespaces in a child, reading mounts, running the
 * binaries) rather than guessing from versions. */
#include "tools/doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <libpsl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/conf.h"
#include "db/db.h"
#include "db/db_extra.h"

static int failures;

__attribute__((format(printf, 2, 3)))
static void report(int good, const char *fmt, ...)
{
	va_list ap;
	printf("%s ", good ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!good)
		failures++;
}

/* What works but is weak: a "warn" line, not a failure. */
__attribute__((format(printf, 1, 2)))
static void warn(const char *fmt, ...)
{
	va_list ap;
	printf("warn ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Each app must be a site of its own for cookies, so apps_domain must be a public
 * suffix: `localhost` in development (browsers treat it as one: an app on <id>.localhost
 * cannot set a cookie for localhost or a sibling), otherwise a suffix on the Public
 * Suffix List itself (not only by the implicit "*" rule). Checked with libpsl and the
 * newest list on this host (Debian's publicsuffix package, or libpsl's built-in one). */
static void check_apps_domain(const struct conf *c)
{
	psl_ctx_t *own = psl_latest(NULL);
	const psl_ctx_t *psl = own ? own : psl_builtin();
	if (!psl) {
		report(0, "apps_domain %s: no Public Suffix List to check it against", c->apps_domain);
		return;
	}
	if (strcmp(c->apps_domain, "localhost") == 0)
		report(1, "apps_domain localhost: each app is a site of its own (development)");
	else if (psl_is_public_suffix2(psl, c->apps_domain, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
		report(1, "apps_domain %s: on the Public Suffix List, each app is a site of its own",
		       c->apps_domain);
	else
		report(0, "apps_domain %s: not on the Public Suffix List, so apps can set cookies for "
		       "each other (have it added, as hosting sites do for user content)", c->apps_domain);
	const char *pub = psl_registrable_domain(psl, c->public_host);
	const char *apps = psl_registrable_domain(psl, c->apps_domain);
	if (pub && apps && strcmp(pub, apps) == 0)
		warn("apps_domain %s and public_host %s share the registrable domain %s: apps are "
		     "same-site with the frontend", c->apps_domain, c->public_host, pub);
	psl_free(own);
}

/* Can a child create a user, pid, net and mount namespace? */
static void check_namespaces(void)
{
	static const struct { int flag; const char *name; } ns[] = {
		{ CLONE_NEWUSER, "user" }, { CLONE_NEWPID, "pid" },
		{ CLONE_NEWNET, "net" }, { CLONE_NEWNS, "mount" },
	};
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		int st = -1;
		pid_t pid = fork();
		if (pid == 0)
			_exit(unshare(ns[i].flag) == 0 ? 0 : 1);
		if (pid > 0)
			waitpid(pid, &st, 0);
		report(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "kernel: %s namespaces", ns[i].name);
	}
}

static int file_has_word(const char *path, const char *word)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (char *t = strtok(buf, " \n"); t; t = strtok(NULL, " \n"))
		if (strcmp(t, word) == 0)
			return 1;
	return 0;
}

static void check_cgroups(void)
{
	static const char *const ctl[] = { "memory", "pids", "cpu" };
	FILE *f = fopen("/proc/self/mounts", "r");
	char line[1024];
	int v2 = 0, v1[3] = { 0, 0, 0 };

	if (!f) {
		report(0, "cgroups: cannot read /proc/self/mounts");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char dev[256], dir[512], type[64], opts[512];
		if (sscanf(line, "%255s %511s %63s %511s", dev, dir, type, opts) != 4)
			continue;
		if (strcmp(type, "cgroup2") == 0 && strcmp(dir, "/sys/fs/cgroup") == 0)
			v2 = 1;
		if (strcmp(type, "cgroup") == 0)
			for (char *t = strtok(opts, ","); t; t = strtok(NULL, ","))
				for (int i = 0; i < 3; i++)
					if (strcmp(t, ctl[i]) == 0)
						v1[i] = 1;
	}
	fclose(f);
	if (v2) {
		for (int i = 0; i < 3; i++)
			report(file_has_word("/sys/fs/cgroup/cgroup.controllers", ctl[i]),
			       "cgroups: v2, %s controller", ctl[i]);
		return;
	}
	if (v1[0] || v1[1] || v1[2]) {
		for (int i = 0; i < 3; i++)
			report(v1[i], "cgroups: v1, %s controller mounted", ctl[i]);
		return;
	}
	report(0, "cgroups: neither v2 at /sys/fs/cgroup nor v1 controllers mounted");
}

static void check_seccomp(void)
{
	int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	struct stat st;
	report(mode >= 0 && stat("/proc/sys/kernel/seccomp/actions_avail", &st) == 0,
	       "kernel: seccomp filters (mode now %d)", mode);
}

/* Runs argv and captures up to size-1 bytes of its stdout+stderr. Exit status or -1. */
static int capture(char *const argv[], char *out, size_t size)
{
	int p[2], st;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	out[0] = 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while ((r = read(p[0], out + n, size - 1 - n)) > 0 && n + (size_t)r < size - 1)
		n += (size_t)r;
	if (r > 0)
		n += (size_t)r;
	out[n] = 0;
	while (read(p[0], &st, sizeof(st)) > 0)
		; /* drain the rest so the child does not block */
	close(p[0]);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void check_node(const struct conf *c)
{
	char out[256];
	char *argv[] = { c->node_path, "--version", NULL };
	int rc = access(c->node_path, X_OK) == 0 ? capture(argv, out, sizeof(out)) : -1;
	int major = 0;
	out[strcspn(out, "\n")] = 0;
	if (rc == 0 && out[0] == 'v')
		major = atoi(out + 1);
	report(rc == 0 && major >= 18, "node: %s %s%s", c->node_path, rc == 0 ? out : "not runnable",
	       rc == 0 && major < 18 ? " (need >= 18)" : "");
}

static const char *find_nginx(void)
{
	static const char *const cands[] = { AF_NGINX_PATH, "/usr/sbin/nginx", "/usr/local/sbin/nginx",
					     "/usr/bin/nginx", NULL };
	const char *env = getenv("AF_NGINX");
	if (env && access(env, X_OK) == 0)
		return env;
	for (int i = 0; cands[i]; i++)
		if (access(cands[i], X_OK) == 0)
			return cands[i];
	return NULL;
}

static void check_nginx(void)
{
	static char out[16384];
	const char *ng = find_nginx();
	char *argv[] = { (char *)ng, "-V", NULL };
	int rc;

	if (!ng) {
		report(0, "nginx: not found");
		return;
	}
	rc = capture(argv, out, sizeof(out));
	report(rc == 0, "nginx: %s runs", ng);
	if (rc != 0)
		return;
	report(strstr(out, "--with-http_auth_request_module") != NULL, "nginx: auth_request module");
	report(strstr(out, "--with-http_v2_module") != NULL, "nginx: http_v2 module");
	report(strstr(out, "--with-http_ssl_module") != NULL, "nginx: ssl module");
}

static void check_mode(const char *what, const char *path, int must_exist)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		report(!must_exist, "%s %s: %s", what, path, strerror(errno));
		return;
	}
	report((st.st_mode & 077) == 0 && st.st_uid == geteuid(),
	       "%s %s: mode %04o, owner uid %u", what, path, (unsigned)(st.st_mode & 07777),
	       (unsigned)st.st_uid);
}

static void check_db(const struct conf *c)
{
	char err[512];
	struct db *db = NULL;
	struct stat st;

	if (stat(c->db_path, &st) < 0) {
		report(0, "database %s: missing (run appforgectl init)", c->db_path);
		return;
	}
	if (db_open(&db, c->db_path, err, sizeof(err)) != DB_OK) {
		report(0, "database %s: %s", c->db_path, err);
		return;
	}
	if (db_integrity_check(db, err, sizeof(err)) == DB_OK)
		report(1, "database %s: integrity_check ok, schema %d of %d", c->db_path,
		       db_schema_version(db), db_schema_latest());
	else
		report(0, "database %s: %s", c->db_path, err);
	db_close(db);
}

int doctor_run(const struct conf *c)
{
	failures = 0;
	check_namespaces();
	check_cgroups();
	check_seccomp();
	check_node(c);
	check_nginx();
	check_apps_domain(c);
	check_mode("state dir", c->state_dir, 1);
	check_db(c);
	if (strcmp(c->jwt_alg, "HS256") == 0)
		check_mode("JWT secret", c->jwt_secret_file, 1);
	else
		report(access(c->jwt_public_key_file, R_OK) == 0, "JWT public key %s readable",
		       c->jwt_public_key_file);
	printf("%s\n", failures ? "doctor: some checks FAILED" : "doctor: all checks passed");
	return failures ? 1 : 0;
}
