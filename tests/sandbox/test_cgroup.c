/* test_cgroup.c: cgroup v1/v2 detection on fake trees, the real create / limit /
 * attach / stats / freeze / kill / destroy cycle on this host's cgroups, and on a v1 host
 * the cgroup v2 rules (no internal processes, where the subtree starts) on a private
 * cgroup2 mount. */
#include "sandbox/cgroup.h"
#include "tests/tap.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
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
		if (read(go[0], &b, 1) != 1) /* forks only once it is in the cgroup */
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
		   strcmp(again.dir[CG_MEMORY], cg.dir[CG_MEMORY]) == 0,
	   "open finds the same cgroup");
	if (v == 2 || cg.dir[CG_FREEZER][0]) {
		char ev[256] = "";
		cgroup_freeze(&cg, 1);
		snprintf(p, sizeof p, v == 2 ? "%s/cgroup.events" : "%s/freezer.state",
			 v == 2 ? cg.dir[CG_MEMORY] : cg.dir[CG_FREEZER]);
		FILE *f = fopen(p, "r");
		size_t got = f ? fread(ev, 1, sizeof ev - 1, f) : 0;
		ev[got] = 0;
		if (f)
			fclose(f);
		ok(strstr(ev, v == 2 ? "frozen 1" : "FROZEN") != NULL, "freeze: the kernel says "
								       "frozen");
		cgroup_freeze(&cg, 0);
	}
	err[0] = 0;
	ok(cgroup_kill(&cg, err, sizeof err) == 0, "kill: %s", err);
	int status;
	ok(waitpid(child, &status, 0) == child && WIFSIGNALED(status) &&
		   WTERMSIG(status) == SIGKILL,
	   "the attached process died of SIGKILL");
	ok(cgroup_nprocs(&cg) == 0, "the cgroup is empty (stopped grandchild too)");
	err[0] = 0;
	ok(cgroup_destroy(&cg, err, sizeof err) == 0, "destroy: %s", err);
	ok(stat(cg.dir[CG_MEMORY], &st) < 0 && errno == ENOENT, "its directory is gone");
	ok(cgroup_destroy(&cg, err, sizeof err) == 0, "destroy again is harmless");
	ok(cgroup_open(&again, name, err, sizeof err) < 0, "open of a removed cgroup fails");
}

/* 1 when dir/file lists word. */
static int cg_has(const char *dir, const char *file, const char *word)
{
	char p[PATH_MAX + 64], line[512] = "";
	snprintf(p, sizeof p, "%s/%s", dir, file);
	if (read_first_line(p, line, sizeof line) < 0)
		return 0;
	return strstr(line, word) != NULL;
}

/* 1 when dir has hugetlb.*.max files and every one says 0. */
static int hugetlb_all_zero(const char *dir)
{
	static const char *const sizes[] = { "2MB", "1GB" };
	int seen = 0;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char p[3 * PATH_MAX], line[64] = "";
		snprintf(p, sizeof p, "%s/hugetlb.%s.max", dir, sizes[i]);
		if (read_first_line(p, line, sizeof line) < 0)
			continue;
		seen++;
		if (strtoull(line, NULL, 10) != 0 || line[0] != '0')
			return 0;
	}
	return seen > 0;
}

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int rc = fputs(s, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* Moves pid into the cgroup directory dir of a v2 mount. */
static int enter(const char *dir, pid_t pid)
{
	char p[PATH_MAX + 16], v[32];
	snprintf(p, sizeof p, "%s/cgroup.procs", dir);
	snprintf(v, sizeof v, "%d", (int)pid);
	return write_file(p, v);
}

static pid_t sleeper(void)
{
	pid_t p = fork();
	if (p == 0) {
		for (;;)
			pause();
	}
	return p;
}

static void rm_tree(const char *dir)
{
	static const char *const subs[] = { "appforge/afunit-sb", "appforge", "appforge-self",
					    "appforge-init", "" };
	char p[PATH_MAX + 32];
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, subs[i]);
		rmdir(p);
	}
}

/* In a forked child: what cgroup_setup and a sandbox cgroup do when this process starts
 * in cgroup dir (with root the mount AF_CGROUP_ROOT names); the result goes to fd as one
 * line: "ok" or the error. ns: first enter a new cgroup namespace rooted at dir, with a
 * cgroup2 mount of its own, as in a container. */
static void setup_child(const char *dir, int ns, int fd)
{
	char err[1024] = "", line[1100];
	if (enter(dir, getpid()) < 0) {
		snprintf(err, sizeof err, "cannot enter %s", dir);
	} else if (ns) {
		char mnt[] = "/tmp/af-cgns-XXXXXX";
		if (unshare(CLONE_NEWCGROUP | CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || !mkdtemp(mnt) ||
		    mount("none", mnt, "cgroup2", 0, NULL) < 0)
			snprintf(err, sizeof err, "cgroup namespace: %s", strerror(errno));
		else
			setenv("AF_CGROUP_ROOT", mnt, 1);
	}
	if (!err[0]) {
		struct cgroup_limits none = { 0, 0, 0, 0 };
		struct cgroup cg;
		if (cgroup_setup(NULL, NULL, err, sizeof err) == 0 &&
		    cgroup_create(&cg, "afunit-sb", &none, err, sizeof err) == 0)
			snprintf(err, sizeof err, "ok");
	}
	snprintf(line, sizeof line, "%s\n", err);
	if (write(fd, line, strlen(line)) < 0)
		_exit(1);
	_exit(0);
}

static void run_setup_child(const char *dir, int ns, char *out, size_t outlen)
{
	int pp[2];
	out[0] = 0;
	if (pipe(pp) < 0)
		return;
	pid_t c = fork();
	if (c == 0) {
		close(pp[0]);
		setup_child(dir, ns, pp[1]);
	}
	close(pp[1]);
	ssize_t n = read(pp[0], out, outlen - 1);
	out[n > 0 ? n : 0] = 0;
	out[strcspn(out, "\n")] = 0;
	close(pp[0]);
	waitpid(c, NULL, 0);
}

static int proc_in(pid_t pid, const char *suffix)
{
	char p[64], line[PATH_MAX];
	snprintf(p, sizeof p, "/proc/%d/cgroup", (int)pid);
	FILE *f = fopen(p, "r");
	int found = 0;
	while (f && !found && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		size_t n = strlen(line), sl = strlen(suffix);
		found = strncmp(line, "0::", 3) == 0 && n >= sl &&
			strcmp(line + n - sl, suffix) == 0;
	}
	if (f)
		fclose(f);
	return found;
}

/* cgroup v2's "no internal processes" rule, for real: a process started in a non-root
 * cgroup with a controller to hand down. hugetlb is the one controller the v1
 * hierarchies of this kind of host leave to v2, and the sandboxes use it (no huge
 * pages). */
static void v2_rules(const char *mnt)
{
	char p[2 * PATH_MAX], t[PATH_MAX], res[1100], ctl[256] = "";
	snprintf(p, sizeof p, "%s/cgroup.controllers", mnt);
	read_first_line(p, ctl, sizeof ctl);
	if (!strstr(ctl, "hugetlb")) {
		skip("cgroup v2 rules: no controller is free for cgroup v2 on this host");
		return;
	}
	snprintf(p, sizeof p, "%s/cgroup.subtree_control", mnt);
	char rootctl[256] = "";
	read_first_line(p, rootctl, sizeof rootctl);
	int enabled_here = !strstr(rootctl, "hugetlb");
	ok(write_file(p, "+hugetlb") == 0, "hugetlb handed down from the root (root is exempt)");

	/* 1. We start alone in a cgroup (a service with Delegate=yes): we move into a leaf
	 *    and the subtree gets the controller. */
	snprintf(t, sizeof t, "%s/afunit-alone-%d", mnt, (int)getpid());
	ok(mkdir(t, 0755) == 0, "a cgroup for a process of its own");
	pid_t s = sleeper();
	ok(enter(t, s) == 0, "a process in it");
	snprintf(p, sizeof p, "%s/cgroup.subtree_control", t);
	ok(write_file(p, "+hugetlb") < 0 && errno == EBUSY,
	   "the kernel refuses controllers to a cgroup with a process (EBUSY)");
	kill(s, SIGKILL);
	waitpid(s, NULL, 0);
	run_setup_child(t, 0, res, sizeof res);
	ok(strcmp(res, "ok") == 0,
	   "a process started in that cgroup sets up and creates a "
	   "sandbox cgroup: %s",
	   res);
	ok(cg_has(t, "cgroup.subtree_control", "hugetlb"), "its subtree has hugetlb");
	snprintf(p, sizeof p, "%s/appforge", t);
	ok(cg_has(p, "cgroup.subtree_control", "hugetlb"), "so does appforge/");
	snprintf(p, sizeof p, "%s/appforge/afunit-sb", t);
	ok(hugetlb_all_zero(p), "the sandbox cgroup may use no huge pages");
	rm_tree(t);

	/* 2. Another process shares our cgroup (a session scope, a service without
	 *    Delegate=yes): not ours to move; a clear error, and nothing written above. */
	snprintf(t, sizeof t, "%s/afunit-shared-%d", mnt, (int)getpid());
	ok(mkdir(t, 0755) == 0, "a cgroup shared with another process");
	s = sleeper();
	enter(t, s);
	char before[256] = "", after[256] = "";
	snprintf(p, sizeof p, "%s/cgroup.subtree_control", mnt);
	read_first_line(p, before, sizeof before);
	run_setup_child(t, 0, res, sizeof res);
	ok(strstr(res, "other processes") && strstr(res, "Delegate=yes"),
	   "refused, saying why and how to fix it: %s", res);
	read_first_line(p, after, sizeof after);
	ok(strcmp(before, after) == 0, "nothing changed outside that cgroup");
	ok(proc_in(s, t + strlen(mnt)), "the other process was left where it was");
	kill(s, SIGKILL);
	waitpid(s, NULL, 0);
	rm_tree(t);

	/* 3. We are the root of a cgroup namespace with other processes (a container):
	 *    they move into a leaf of their own, as a container's init does. */
	snprintf(t, sizeof t, "%s/afunit-ns-%d", mnt, (int)getpid());
	ok(mkdir(t, 0755) == 0, "a cgroup for a container");
	s = sleeper();
	enter(t, s);
	run_setup_child(t, 1, res, sizeof res);
	ok(strcmp(res, "ok") == 0, "at a cgroup namespace's root with another process: %s", res);
	ok(proc_in(s, "/appforge-init"), "the other process moved into appforge-init");
	ok(cg_has(t, "cgroup.subtree_control", "hugetlb"), "the container's cgroup hands "
							   "hugetlb down");
	kill(s, SIGKILL);
	waitpid(s, NULL, 0);
	rm_tree(t);

	if (enabled_here) {
		snprintf(p, sizeof p, "%s/cgroup.subtree_control", mnt);
		write_file(p, "-hugetlb");
	}
}

/* cgroup_clone: on v2 the child is born in the cgroup (clone3 CLONE_INTO_CGROUP), on
 * v1 it is not in it until it joins (the sandbox's child writes its tasks files). */
static void clone_into(int v)
{
	struct cgroup cg;
	struct cgroup_limits none = { 0, 0, 0, 0 };
	char err[512];
	int go[2], born = -1;
	if (cgroup_create(&cg, "afunit-clone", &none, err, sizeof err) < 0 || pipe(go) < 0) {
		ok(0, "v%d: a cgroup to clone into: %s", v, err);
		return;
	}
	pid_t pid = cgroup_clone(&cg, 0, &born);
	if (pid == 0) {
		char c;
		close(go[1]);
		_exit(read(go[0], &c, 1) == 0 ? 0 : 1);
	}
	close(go[0]);
	int in = pid > 0 && proc_in(pid, "/appforge/afunit-clone");
	close(go[1]);
	int st = -1;
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (v == 2)
		ok(pid > 0 && born == 1 && in && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		   "v2: cgroup_clone's child is born in its cgroup (clone3 CLONE_INTO_CGROUP)");
	else
		ok(pid > 0 && born == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		   "v1: cgroup_clone is a plain clone, the child joins on its own");
	ok(cgroup_destroy(&cg, err, sizeof err) == 0, "v%d: the cgroup cloned into removed: %s", v,
	   err);
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
	struct cgroup_limits none = { 0, 0, 0, 0 };
	cycle(2, &none);
	clone_into(2);
	struct cgroup cg;
	char err[512];
	struct cgroup_limits mem = { 64ull << 20, 16, 0, 0 };
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
			   strstr(err, "memory"),
		   "v2 without a memory controller: a memory limit is an "
		   "error naming it: %s",
		   err);
	}
	v2_rules(d);
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
	struct cgroup_limits lim = { 64ull << 20, 16, 25, 0 };
	ok(cgroup_create(&cg, "../evil", &lim, err, sizeof err) < 0 && strstr(err, "invalid"),
	   "a cgroup name with a slash is refused: %s", err);
	ok(cgroup_create(&cg, "", &lim, err, sizeof err) < 0, "an empty cgroup name is refused");

	int v = cgroup_detect(cgroup_root());
	if (geteuid() != 0 || v < 0) {
		skip("needs root and a cgroup file system");
		return tap_done();
	}
	struct cgroup_limits mine = { 64ull << 20, 16, 25, 0 };
	cycle(v, &mine);
	clone_into(v);
	if (v == 1)
		v2_on_v1_host();
	return tap_done();
}
