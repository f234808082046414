/* doctor.c: host checks for `appforgectl doctor` (see doctor.h). Each check looks at
 * the real thing (creating namespaces in a child, reading mounts, running the
 * binaries) rather than guessing from versions. */
#include "tools/doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <libpsl.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/privsep.h"
#include "common/spawn.h"
#include "scanner/confine.h"
#include "db/db.h"
#include "db/db_extra.h"
#include "sandbox/cgroup.h"

static int failures;

__attribute__((format(printf, 2, 3))) static void report(int good, const char *fmt, ...)
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
__attribute__((format(printf, 1, 2))) static void warn(const char *fmt, ...)
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
		report(0, "apps_domain %s: no Public Suffix List to check it against",
		       c->apps_domain);
		return;
	}
	if (strcmp(c->apps_domain, "localhost") == 0)
		report(1, "apps_domain localhost: each app is a site of its own (development)");
	else if (psl_is_public_suffix2(psl, c->apps_domain, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
		report(1,
		       "apps_domain %s: on the Public Suffix List, each app is a site of its own",
		       c->apps_domain);
	else
		report(0,
		       "apps_domain %s: not on the Public Suffix List, so apps can set cookies for "
		       "each other (have it added, as hosting sites do for user content)",
		       c->apps_domain);
	const char *pub = psl_registrable_domain(psl, c->public_host);
	const char *apps = psl_registrable_domain(psl, c->apps_domain);
	if (pub && apps && strcmp(pub, apps) == 0)
		warn("apps_domain %s and public_host %s share the registrable domain %s: apps are "
		     "same-site with the frontend",
		     c->apps_domain, c->public_host, pub);
	psl_free(own);
}

/* Can a child create a user, pid, net and mount namespace? */
static void check_namespaces(void)
{
	static const struct {
		int flag;
		const char *name;
	} ns[] = {
		{ CLONE_NEWUSER, "user" },
		{ CLONE_NEWPID, "pid" },
		{ CLONE_NEWNET, "net" },
		{ CLONE_NEWNS, "mount" },
	};
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		int st = -1;
		pid_t pid = fork();
		if (pid == 0)
			_exit(unshare(ns[i].flag) == 0 ? 0 : 1);
		if (pid > 0)
			waitpid(pid, &st, 0);
		report(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "kernel: %s namespaces",
		       ns[i].name);
	}
}

/* What a start does, for real (the sandbox module's own trial): a cgroup created where
 * a sandbox's would go, limited, read back and removed. */
static void check_cgroups(void)
{
	char msg[PATH_MAX + 1200];
	int okay = cgroup_doctor(msg, sizeof msg) == 0;
	report(okay, "cgroups: %s", msg);
}

static void check_seccomp(void)
{
	int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	struct stat st;
	report(mode >= 0 && stat("/proc/sys/kernel/seccomp/actions_avail", &st) == 0,
	       "kernel: seccomp filters (mode now %d)", mode);
}

/* Runs argv (a full path) for at most 10 s and captures up to size-1 bytes of its
 * stdout+stderr. Exit status or -1. */
static int capture(char *const argv[], char *out, size_t size)
{
	char err[256];
	struct spawn s;

	spawn_init(&s, argv);
	return spawn_capture(&s, 10000, out, size, err, sizeof err);
}

static void check_node(const struct conf *c)
{
	char out[256] = "";
	char *argv[] = { c->node_path, "--version", NULL };
	int rc = access(c->node_path, X_OK) == 0 ? capture(argv, out, sizeof out) : -1;
	int major = 0;
	out[strcspn(out, "\n")] = 0;
	if (rc == 0 && out[0] == 'v')
		major = atoi(out + 1);
	report(rc == 0 && major >= 18, "node: %s %s%s", c->node_path,
	       rc == 0 ? out : "not runnable", rc == 0 && major < 18 ? " (need >= 18)" : "");
}

static const char *find_nginx(void)
{
	static const char *const cands[] = { AF_NGINX_PATH, "/usr/sbin/nginx",
					     "/usr/local/sbin/nginx", "/usr/bin/nginx", NULL };
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
	rc = capture(argv, out, sizeof out);
	report(rc == 0, "nginx: %s runs", ng);
	if (rc != 0)
		return;
	report(strstr(out, "--with-http_auth_request_module") != NULL,
	       "nginx: auth_request module");
	report(strstr(out, "--with-http_v2_module") != NULL, "nginx: http_v2 module");
	report(strstr(out, "--with-http_ssl_module") != NULL, "nginx: ssl module");
}

/* The owner the state should have: run_as_user when it exists and we are root (init
 * gave it the state), else whoever runs this. */
static uid_t state_owner(const struct conf *c)
{
	struct passwd *pw = getpwnam(c->run_as_user);
	return pw && geteuid() == 0 ? pw->pw_uid : geteuid();
}

/* other_bits: the mode bits that must be clear (the state dir lets nginx's group
 * traverse it; secrets let nobody but their owner in). */
static void check_mode(const char *what, const char *path, int must_exist, uid_t owner,
		       mode_t other_bits)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		report(!must_exist, "%s %s: %s", what, path, strerror(errno));
		return;
	}
	report((st.st_mode & other_bits) == 0 && st.st_uid == owner,
	       "%s %s: mode %04o, owner uid %u", what, path, (unsigned)(st.st_mode & 07777),
	       (unsigned)st.st_uid);
}

/* ---- processes: who runs as whom ---- */

struct proc_ids {
	long uid; /* effective */
	unsigned long long capeff;
	char name[64];
};

static int proc_read(pid_t pid, struct proc_ids *p)
{
	char path[64], line[256];
	FILE *f;
	long r, e;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	p->uid = -1;
	p->capeff = 0;
	p->name[0] = 0;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "Uid: %ld %ld", &r, &e) == 2)
			p->uid = e;
		else if (strncmp(line, "CapEff:", 7) == 0)
			p->capeff = strtoull(line + 7, NULL, 16);
		else if (strncmp(line, "Name:", 5) == 0 && sscanf(line, "Name: %63s", p->name) != 1)
			p->name[0] = 0;
	}
	fclose(f);
	return p->uid < 0 ? -1 : 0;
}

static pid_t pid_from_file(const char *path)
{
	char buf[32];
	FILE *f = fopen(path, "re");
	long pid = 0;
	if (!f)
		return 0;
	if (fgets(buf, sizeof buf, f))
		pid = strtol(buf, NULL, 10);
	fclose(f);
	return pid > 0 && pid < 1L << 22 ? (pid_t)pid : 0;
}

/* The process listening on a unix socket (the supervisor), through SO_PEERCRED. */
static pid_t pid_from_socket(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct ucred cr;
	socklen_t len = sizeof cr;
	pid_t pid = 0;
	int fd;

	if (strlen(path) >= sizeof a.sun_path)
		return 0;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0)
		pid = cr.pid;
	close(fd);
	return pid;
}

/* One line for a process: root (or any capability) where it is not needed is a
 * warning; a process that needs root and lacks it is a failure. */
static void report_proc(const char *what, pid_t pid, int needs_root)
{
	struct proc_ids p;
	struct passwd *pw;

	if (pid <= 0 || proc_read(pid, &p) < 0) {
		printf("--   %s: not running\n", what);
		return;
	}
	pw = getpwuid((uid_t)p.uid);
	if (needs_root)
		report(p.uid == 0, "%s pid %d (%s): uid %ld (%s)%s", what, (int)pid, p.name, p.uid,
		       pw ? pw->pw_name : "?",
		       p.uid == 0 ? ", root as it needs" : ", it needs root");
	else if (p.uid == 0 || p.capeff)
		warn("%s pid %d (%s): uid %ld (%s) with capabilities %llx: it needs no root", what,
		     (int)pid, p.name, p.uid, pw ? pw->pw_name : "?", p.capeff);
	else
		report(1, "%s pid %d (%s): uid %ld (%s), no capabilities", what, (int)pid, p.name,
		       p.uid, pw ? pw->pw_name : "?");
}

/* Every child of pid (its workers), as report_proc lines. */
static void report_children(const char *what, pid_t pid)
{
	char path[64];
	FILE *f;
	int child;

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = pid > 0 ? fopen(path, "re") : NULL;
	if (!f)
		return;
	while (fscanf(f, "%d", &child) == 1)
		report_proc(what, child, 0);
	fclose(f);
}

static void check_processes(const struct conf *c, const char *nginx_pidfile)
{
	char path[4200];
	pid_t pid;

	snprintf(path, sizeof path, "%s/appforged.pid", c->state_dir);
	pid = pid_from_file(path);
	report_proc("appforged master", pid, 0);
	report_children("appforged worker", pid);
	pid = pid_from_socket(c->supervisor_socket);
	if (!pid) {
		snprintf(path, sizeof path, "%s/supervisor.pid", c->state_dir);
		pid = pid_from_file(path);
	}
	report_proc("appforge-supervisor", pid, 1);
	if (nginx_pidfile)
		snprintf(path, sizeof path, "%s", nginx_pidfile);
	else
		snprintf(path, sizeof path, "%s/nginx/nginx.pid", c->state_dir);
	pid = pid_from_file(path);
	/* nginx's master binds the ports and reads the TLS key: root is its due. */
	if (pid > 0)
		printf("ok   nginx master pid %d: root is expected (ports, TLS key)\n", (int)pid);
	else
		printf("--   nginx: not running (no %s)\n", path);
	report_children("nginx worker", pid);
}

static void check_privsep(const struct conf *c)
{
	struct privsep_ids ids;
	char err[256];

	if (privsep_lookup(c, &ids, err, sizeof err) < 0)
		report(0, "user: %s", err);
	else
		report(1, "user: appforged runs as %s (uid %d gid %d)", c->run_as_user,
		       (int)ids.uid, (int)ids.gid);
	if (scan_jail_has_landlock())
		report(1, "kernel: Landlock (the scanner reads nothing of the state directory)");
	else
		warn("kernel: no Landlock: the scanner is confined by seccomp only and could read "
		     "what %s may read",
		     c->run_as_user);
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
	if (db_open(&db, c->db_path, err, sizeof err) != DB_OK) {
		report(0, "database %s: %s", c->db_path, err);
		return;
	}
	if (db_integrity_check(db, err, sizeof err) == DB_OK)
		report(1, "database %s: integrity_check ok, schema %d of %d", c->db_path,
		       db_schema_version(db), db_schema_latest());
	else
		report(0, "database %s: %s", c->db_path, err);
	db_close(db);
}

int doctor_run(const struct conf *c, const char *nginx_pidfile)
{
	uid_t owner = state_owner(c);

	failures = 0;
	check_namespaces();
	check_cgroups();
	check_seccomp();
	check_node(c);
	check_nginx();
	check_privsep(c);
	check_apps_domain(c);
	check_mode("state dir", c->state_dir, 1, owner, 007);
	check_db(c);
	if (strcmp(c->jwt_alg, "HS256") == 0)
		check_mode("JWT secret", c->jwt_secret_file, 1, owner, 077);
	else
		report(access(c->jwt_public_key_file, R_OK) == 0, "JWT public key %s readable",
		       c->jwt_public_key_file);
	check_processes(c, nginx_pidfile);
	printf("%s\n", failures ? "doctor: some checks FAILED" : "doctor: all checks passed");
	return failures ? 1 : 0;
}
