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
	char name[64];
	snprintf(name, sizeof name, "afunit-%d", (int)getpid());
	err[0] = 0;
	ok(cgroup_create(&cg, name, &lim, err, sizeof err) == 0, "create %s (v%d): %s", name, v,
	   err);
	struct stat st;
	ok(stat(cg.dir[CG_MEMORY], &st) == 0 && S_ISDIR(st.st_mode), "its directory exists");
	char line[128] = "";
	if (v == 1) {
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
	ok(s.pids == 2 && s.memory_bytes > 0, "stats: pids %d, memory %llu", s.pids,
	   (unsigned long long)s.memory_bytes);
	struct cgroup again;
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
	return tap_done();
}
