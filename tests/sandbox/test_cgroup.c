/* test_cgroup.c: cgroup v1/v2 detection on fake trees, and the real create / limit /
 * attach / stats / kill / destroy cycle on this host's cgroups. */
#include "sandbox/cgroup.h"
#include "tests/tap.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void touch(const char *p)
{
	FILE *f = fopen(p, "w");
	if (f)
		fclose(f);
}

static int read_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int r = fgets(buf, (int)len, f) ? 0 : -1;
	fclose(f);
	return r;
}

static int listed;

static void count_name(const char *n, void *arg)
{
	if (strcmp(n, (const char *)arg) == 0)
		listed++;
}

/* The whole cycle on the cgroup tree cgroup_root() names, version v. */
static void cycle(int v, const struct cgroup_limits *lim)
{
	listed = 0;
	char name[64], err[512], p[PATH_MAX + 64];
	struct cgroup cg;
	snprintf(name, sizeof name, "afunit-%d", (int)getpid());
	err[0] = 0;
	ok(cgroup_create(&cg, name, lim, err, sizeof err) == 0, "create %s (v%d): %s", name, v,
	   err);
	struct stat st;
	ok(stat(cg.dir[CG_MEMORY], &st) == 0 && S_ISDIR(st.st_mode), "its directory exists");
	char line[128] = "";
	if (!lim->memory_bytes) {
		ok(1, "no limits asked: none written");
	} else if (v == 1) {
		snprintf(p, sizeof p, "%s/memory.limit_in_bytes", cg.dir[CG_MEMORY]);
		read_first_line(p, line, sizeof line);
		ok(strtoull(line, NULL, 10) == 64ull << 20, "memory limit written (%s)", line);
		snprintf(p, sizeof p, "%s/pids.max", cg.dir[CG_PIDS]);
		read_first_line(p, line, sizeof line);
		ok(atoi(line) == 16, "pids limit written");
		if (cg.dir[CG_CPU][0]) {
			snprintf(p, sizeof p, "%s/cpu.cfs_quota_us", cg.dir[CG_CPU]);
			read_first_line(p, line, sizeof line);
			ok(atoi(line) == 25000, "cpu quota 25%% written");
		}
	} else {
		snprintf(p, sizeof p, "%s/memory.max", cg.dir[CG_MEMORY]);
		read_first_line(p, line, sizeof line);
		ok(strtoull(line, NULL, 10) == 64ull << 20, "memory.max written (%s)", line);
		snprintf(p, sizeof p, "%s/pids.max", cg.dir[CG_PIDS]);
		read_first_line(p, line, sizeof line);
		ok(atoi(line) == 16, "pids.max written");
	}

	/* a child that forks a grandchild and stops itself: all must die */
	int go[2];
	ok(pipe(go) == 0, "pipe");
	pid_t child = fork();
	if (child == 0) {
		char b;
		close(go[1]);
		if (read(go[0], &b, 1) != 1)    /* forks only once it is in the cgroup */
			_exit(1);
		if (fork() == 0) {
			raise(SIGSTOP);
			_exit(0);
		}
		for (;;)
			pause();
	}
	err[0] = 0;
	ok(cgroup_attach(&cg, child, err, sizeof err) == 0, "attach a process: %s", err);
	close(go[0]);
	ok(write(go[1], "g", 1) == 1, "let the child fork");
	close(go[1]);
	/* the grandchild appears whenever the child gets the CPU: wait for it (up to 30 s
	 * on a loaded machine) instead of guessing a fixed delay */
	for (int i = 0; i < 3000 && cgroup_nprocs(&cg) < 2; i++)
		usleep(10000);
	ok(cgroup_nprocs(&cg) == 2, "two processes counted in the cgroup (%d)", cgroup_nprocs(&cg));
	struct cgroup_stats s;
	cgroup_stats(&cg, &s);
	if (lim->memory_bytes)
		ok(s.pids == 2 && s.memory_bytes > 0, "stats: pids %d, memory %llu", s.pids,
		   (unsigned long long)s.memory_bytes);
	struct cgroup again;
	ok(cgroup_list(count_name, name, err, sizeof err) >= 1 && listed == 1,
	   "list names it once");
	ok(cgroup_open(&again, name, err, sizeof err) == 0 &&
	   strcmp(again.dir[CG_MEMORY], cg.dir[CG_MEMORY]) == 0, "open finds the same cgroup");
	err[0] = 0;
	ok(cgroup_kill(&cg, err, sizeof err) == 0, "kill: %s", err);
	int status;
	ok(waitpid(child, &status, 0) == child && WIFSIGNALED(status) &&
	   WTERMSIG(status) == SIGKILL, "the attached process died of SIGKILL");
	ok(cgroup_nprocs(&cg) == 0, "the cgroup is empty (stopped grandchild too)");
	err[0] = 0;
	ok(cgroup_destroy(&cg, err, sizeof err) == 0, "destroy: %s", err);
	ok(stat(cg.dir[CG_MEMORY], &st) < 0 && errno == ENOENT, "its directory is gone");
	ok(cgroup_destroy(&cg, err, sizeof err) == 0, "destroy again is harmless");
	ok(cgroup_open(&again, name, err, sizeof err) < 0, "open of a removed cgroup fails");
}

/* cgroup v2 on a host whose controllers are all taken by v1 hierarchies: a private
 * mount of the unified hierarchy has none of them, but creating, attaching, counting,
 * killing (cgroup.kill) and removing work the same there. */
static void v2_on_v1_host(void)
{
	char tmpl[] = "/tmp/af-cg2-XXXXXX", p[PATH_MAX + 32];
	char *d = mkdtemp(tmpl);
	if (!d || mount("none", d, "cgroup2", 0, NULL) < 0) {
		char why[160];
		snprintf(why, sizeof why, "cgroup v2 cycle: cannot mount cgroup2 here (%s)",
			 strerror(errno));
		skip(why);
		if (d)
			rmdir(d);
		return;
	}
	setenv("AF_CGROUP_ROOT", d, 1);
	ok(cgroup_detect(cgroup_root()) == 2, "a private cgroup2 mount is detected as v2");
	struct cgroup_limits none = { 0, 0, 0 };
	cycle(2, &none);
	struct cgroup cg;
	char err[512];
	struct cgroup_limits mem = { 64ull << 20, 16, 0 };
	snprintf(p, sizeof p, "%s/cgroup.controllers", d);
	FILE *f = fopen(p, "re");
	char ctl[256] = "";
	if (f) {
		if (!fgets(ctl, sizeof ctl, f))
			ctl[0] = 0;
		fclose(f);
	}
	if (!strstr(ctl, "memory")) {
		ok(cgroup_create(&cg, "afunit-v2-nomem", &mem, err, sizeof err) < 0 &&
		   strstr(err, "memory"), "v2 without a memory controller: a memory limit is an "
		   "error naming it: %s", err);
	}
	/* appforge/ (and a leaf we may have moved into) go with the mount's last user. */
	char leaf[PATH_MAX];
	snprintf(leaf, sizeof leaf, "%s/appforge-self", d);
	rmdir(leaf);
	snprintf(leaf, sizeof leaf, "%s/appforge", d);
	ok(rmdir(leaf) == 0 || errno == ENOENT, "the v2 appforge/ directory removed");
	unsetenv("AF_CGROUP_ROOT");
	umount2(d, MNT_DETACH);
	rmdir(d);
}

int main(void)
{
	char tmpl[] = "/tmp/af-cgtest-XXXXXX", p[PATH_MAX + 64];
	char *t = mkdtemp(tmpl);
	ok(t != NULL, "temp dir");

	ok(cgroup_detect(t) == -1, "an empty directory is no cgroup tree");
	snprintf(p, sizeof p, "%s/memory", t);
	mkdir(p, 0755);
	ok(cgroup_detect(t) == 1, "memory/ beside others: cgroup v1");
	snprintf(p, sizeof p, "%s/cgroup.controllers", t);
	touch(p);
	ok(cgroup_detect(t) == 2, "cgroup.controllers at the root: cgroup v2 (wins over v1 dirs)");
	unlink(p);
	snprintf(p, sizeof p, "%s/memory", t);
	rmdir(p);
	snprintf(p, sizeof p, "%s/pids", t);
	mkdir(p, 0755);
	ok(cgroup_detect(t) == 1, "pids/ alone: cgroup v1");
	rmdir(p);
	rmdir(t);

	struct cgroup cg;
	char err[512];
	struct cgroup_limits lim = { 64ull << 20, 16, 25 };
	ok(cgroup_create(&cg, "../evil", &lim, err, sizeof err) < 0 && strstr(err, "invalid"),
	   "a cgroup name with a slash is refused: %s", err);
	ok(cgroup_create(&cg, "", &lim, err, sizeof err) < 0, "an empty cgroup name is refused");

	int v = cgroup_detect(cgroup_root());
	if (geteuid() != 0 || v < 0) {
		skip("needs root and a cgroup file system");
		return tap_done();
	}
	struct cgroup_limits mine = { 64ull << 20, 16, 25 };
	cycle(v, &mine);
	if (v == 1)
		v2_on_v1_host();
	return tap_done();
}
