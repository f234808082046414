/* cgroup.c: creating, limiting, measuring and killing the cgroup of one sandbox, on
 * cgroup v1 (controllers mounted separately or together) and on the unified v2 tree.
 * See cgroup.h for the layout. */
#include "sandbox/cgroup.h"
#include "sandbox/cgroup_internal.h"
#include "common/errfmt.h"
#include "common/mkdirp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h> /* struct clone_args, CLONE_INTO_CGROUP */
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *const ctrl_name[CG_NCTRL] = { "memory", "pids", "cpu", "cpuacct", "freezer" };

const char *cgroup_root(void)
{
	const char *r = getenv("AF_CGROUP_ROOT");
	return r && *r ? r : "/sys/fs/cgroup";
}

int cgroup_detect(const char *root)
{
	char p[PATH_MAX];
	struct stat st;
	snprintf(p, sizeof p, "%s/cgroup.controllers", root);
	if (stat(p, &st) == 0)
		return 2;
	snprintf(p, sizeof p, "%s/memory", root);
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	snprintf(p, sizeof p, "%s/pids", root);
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	return -1;
}

static int read_u64(const char *path, uint64_t *v)
{
	char b[64];
	if (cg_read_text(path, b, sizeof b) < 0)
		return -1;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(b, &end, 10);
	if (errno || end == b)
		return -1;
	*v = x;
	return 0;
}

/* Finds "key N" in a flat-keyed cgroup file (cpu.stat, memory.events, oom_control). */
static int read_key(const char *path, const char *key, uint64_t *v)
{
	char b[4096];
	if (cg_read_text(path, b, sizeof b) < 0)
		return -1;
	size_t kl = strlen(key);
	for (char *line = b; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
			*v = strtoull(line + kl + 1, NULL, 10);
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -1;
}

/* The mount point and mount root of the v1 hierarchy holding controller c. */
static int v1_mount(const char *c, char *mnt, size_t mntlen, char *mroot, size_t mrootlen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	char line[4096];
	int found = -1;
	while (found < 0 && fgets(line, sizeof line, f)) {
		char *sep = strstr(line, " - ");
		if (!sep)
			continue;
		char fstype[64], src[256], opts[1024];
		if (sscanf(sep + 3, "%63s %255s %1023s", fstype, src, opts) != 3 ||
		    strcmp(fstype, "cgroup") != 0)
			continue;
		int match = 0;
		for (char *s, *t = strtok_r(opts, ",", &s); t; t = strtok_r(NULL, ",", &s))
			if (strcmp(t, c) == 0)
				match = 1;
		if (!match)
			continue;
		char root[PATH_MAX], mp[PATH_MAX];
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mp) != 2)
			continue;
		snprintf(mnt, mntlen, "%s", mp);
		snprintf(mroot, mrootlen, "%s", root);
		found = 0;
	}
	fclose(f);
	return found;
}

int cgroup_parent_dir(int version, enum cgroup_ctrl c, char *out, size_t outlen, char *err,
		      size_t errlen)
{
	char self[PATH_MAX];
	if (version == 2) {
		const char *base = cg_v2_base();
		if (base) {
			if ((size_t)snprintf(out, outlen, "%s/appforge", base) >= outlen)
				return errfmt(err, errlen, "cgroup path too long");
			return 0;
		}
		/* Before cgroup_setup: where it will put them, unless it has to ask
		 * systemd for a scope of our own first. */
		char own[PATH_MAX];
		if (cg_v2_own_dir(own, sizeof own, NULL, err, errlen) < 0)
			return -1;
		if ((size_t)snprintf(out, outlen, "%s/appforge", own) >= outlen)
			return errfmt(err, errlen, "cgroup path too long");
		return 0;
	}
	char mnt[PATH_MAX], mroot[PATH_MAX];
	if (v1_mount(ctrl_name[c], mnt, sizeof mnt, mroot, sizeof mroot) < 0)
		return errfmt(err, errlen, "cgroup v1 controller %s is not mounted", ctrl_name[c]);
	if (cg_self_path(ctrl_name[c], self, sizeof self) < 0)
		return errfmt(err, errlen, "cannot find our %s cgroup in /proc/self/cgroup",
			      ctrl_name[c]);
	/* The mount may show only a subtree (a cgroup namespace or a bind): strip its root. */
	const char *rel = self;
	size_t rl = strlen(mroot);
	if (strcmp(mroot, "/") != 0 && strncmp(self, mroot, rl) == 0)
		rel = self + rl;
	if (strcmp(rel, "/") == 0)
		rel = "";
	if ((size_t)snprintf(out, outlen, "%s%s/appforge", mnt, rel) >= outlen)
		return errfmt(err, errlen, "cgroup path too long");
	return 0;
}

int cgroup_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= 64 || name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
			return 0;
	}
	return 1;
}

/* Fills cg's paths for name, without creating anything. */
static int fill_paths(struct cgroup *cg, const char *name, char *err, size_t errlen)
{
	memset(cg, 0, sizeof *cg);
	if (!cgroup_name_valid(name))
		return errfmt(err, errlen, "invalid cgroup name '%s'", name);
	int v = cgroup_detect(cgroup_root());
	if (v < 0)
		return errfmt(err, errlen, "no cgroup file system found at %s", cgroup_root());
	cg->version = v;
	snprintf(cg->name, sizeof cg->name, "%s", name);
	for (int c = 0; c < CG_NCTRL; c++) {
		char parent[PATH_MAX], e2[256];
		if (cgroup_parent_dir(v, (enum cgroup_ctrl)c, parent, sizeof parent, e2,
				      sizeof e2) < 0) {
			if (c == CG_MEMORY || c == CG_PIDS)
				return errfmt(err, errlen, "%s", e2);
			continue; /* cpu, cpuacct, freezer are optional on v1 */
		}
		if ((size_t)snprintf(cg->dir[c], sizeof cg->dir[c], "%s/%s", parent, name) >=
		    sizeof cg->dir[c])
			return errfmt(err, errlen, "cgroup path too long");
	}
	return 0;
}

/* True when dir[c] is the first occurrence of that path (co-mounted controllers). */
static int first_of(const struct cgroup *cg, int c)
{
	if (!cg->dir[c][0])
		return 0;
	for (int i = 0; i < c; i++)
		if (strcmp(cg->dir[i], cg->dir[c]) == 0)
			return 0;
	return 1;
}

static const char *any_dir(const struct cgroup *cg)
{
	for (int c = 0; c < CG_NCTRL; c++)
		if (cg->dir[c][0])
			return cg->dir[c];
	return NULL;
}

int cgroup_open(struct cgroup *cg, const char *name, char *err, size_t errlen)
{
	if (fill_paths(cg, name, err, errlen) < 0)
		return -1;
	struct stat st;
	if (stat(cg->dir[CG_MEMORY], &st) < 0)
		return errfmt(err, errlen, "cgroup %s does not exist", name);
	char p[PATH_MAX + 32];
	snprintf(p, sizeof p, "%s/memory.memsw.limit_in_bytes", cg->dir[CG_MEMORY]);
	cg->has_memsw = cg->version == 1 && access(p, F_OK) == 0;
	return 0;
}

/* v2: no huge pages at all. They come from a pool the whole host shares, which one app
 * could drain; Node never asks for them. */
static int v2_no_hugetlb(const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d)
		return errfmt(err, errlen, "%s: %s", dir, strerror(errno));
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (strncmp(de->d_name, "hugetlb.", 8) != 0 || n < 12 ||
		    strcmp(de->d_name + n - 4, ".max") != 0 || strstr(de->d_name, ".rsvd."))
			continue;
		char p[PATH_MAX + 300];
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		if (cg_write_str(p, "0") < 0)
			rc = errfmt(err, errlen, "%s: %s", p, strerror(errno));
	}
	closedir(d);
	return rc;
}

int cg_set_limits(struct cgroup *cg, const struct cgroup_limits *lim, char *err, size_t errlen)
{
	char p[PATH_MAX + 64], v[64];
	if (cg->version == 2) {
		const char *d = cg->dir[CG_MEMORY];
		if (lim->memory_bytes) {
			snprintf(p, sizeof p, "%s/memory.max", d);
			snprintf(v, sizeof v, "%llu", (unsigned long long)lim->memory_bytes);
			if (cg_write_str(p, v) < 0)
				return errfmt(err, errlen, "%s: %s", p, strerror(errno));
			snprintf(p, sizeof p, "%s/memory.swap.max", d);
			if (access(p, F_OK) == 0 && cg_write_str(p, "0") < 0)
				return errfmt(err, errlen, "%s: %s", p, strerror(errno));
		}
		if (lim->pids) {
			snprintf(p, sizeof p, "%s/pids.max", d);
			snprintf(v, sizeof v, "%d", lim->pids);
			if (cg_write_str(p, v) < 0)
				return errfmt(err, errlen, "%s: %s", p, strerror(errno));
		}
		if (lim->no_hugetlb && v2_no_hugetlb(d, err, errlen) < 0)
			return -1;
		return lim->cpu_percent ? cgroup_set_cpu(cg, lim->cpu_percent, err, errlen) : 0;
	}
	if (lim->memory_bytes) {
		snprintf(v, sizeof v, "%llu", (unsigned long long)lim->memory_bytes);
		snprintf(p, sizeof p, "%s/memory.limit_in_bytes", cg->dir[CG_MEMORY]);
		if (cg_write_str(p, v) < 0)
			return errfmt(err, errlen, "%s: %s", p, strerror(errno));
		if (cg->has_memsw) {
			snprintf(p, sizeof p, "%s/memory.memsw.limit_in_bytes", cg->dir[CG_MEMORY]);
			if (cg_write_str(p, v) < 0)
				return errfmt(err, errlen, "%s: %s", p, strerror(errno));
		}
		snprintf(p, sizeof p, "%s/memory.swappiness", cg->dir[CG_MEMORY]);
		(void)cg_write_str(p, "0");
	}
	if (lim->pids) {
		snprintf(p, sizeof p, "%s/pids.max", cg->dir[CG_PIDS]);
		snprintf(v, sizeof v, "%d", lim->pids);
		if (cg_write_str(p, v) < 0)
			return errfmt(err, errlen, "%s: %s", p, strerror(errno));
	}
	return lim->cpu_percent ? cgroup_set_cpu(cg, lim->cpu_percent, err, errlen) : 0;
}

int cgroup_set_cpu(const struct cgroup *cg, int cpu_percent, char *err, size_t errlen)
{
	char p[PATH_MAX + 64], v[64];
	const char *d = cg->dir[CG_CPU];
	if (!d[0])
		return 0;
	if (cg->version == 2) {
		snprintf(p, sizeof p, "%s/cpu.max", d);
		if (access(p, F_OK) < 0)
			return 0; /* cpu not enabled here: no quota, as on v1 without it */
		if (cpu_percent)
			snprintf(v, sizeof v, "%d 100000", cpu_percent * 1000);
		else
			snprintf(v, sizeof v, "max 100000");
		if (cg_write_str(p, v) < 0)
			return errfmt(err, errlen, "%s: %s", p, strerror(errno));
		return 0;
	}
	snprintf(p, sizeof p, "%s/cpu.cfs_period_us", d);
	if (cg_write_str(p, "100000") < 0)
		return errfmt(err, errlen, "%s: %s", p, strerror(errno));
	snprintf(p, sizeof p, "%s/cpu.cfs_quota_us", d);
	snprintf(v, sizeof v, "%d", cpu_percent ? cpu_percent * 1000 : -1);
	if (cg_write_str(p, v) < 0)
		return errfmt(err, errlen, "%s: %s", p, strerror(errno));
	return 0;
}

/* v2: a limit needs its controller enabled for appforge/'s children (cgroup_setup
 * enables every one the parent offers); say which is missing, and why. */
static int v2_check_controllers(const struct cgroup *cg, const struct cgroup_limits *lim, char *err,
				size_t errlen)
{
	char parent[PATH_MAX], p[PATH_MAX + 32];
	snprintf(parent, sizeof parent, "%s", cg->dir[CG_MEMORY]);
	*strrchr(parent, '/') = 0;
	snprintf(p, sizeof p, "%s/cgroup.subtree_control", parent);
	if (lim->memory_bytes && !cg_file_has_word(p, "memory"))
		return errfmt(err, errlen,
			      "the cgroup v2 memory controller is not available "
			      "in %s: a memory limit cannot be set (see `appforge-sandbox doctor`)",
			      parent);
	if (lim->pids && !cg_file_has_word(p, "pids"))
		return errfmt(err, errlen,
			      "the cgroup v2 pids controller is not available in "
			      "%s: a process limit cannot be set (see `appforge-sandbox doctor`)",
			      parent);
	return 0;
}

int cgroup_create(struct cgroup *cg, const char *name, const struct cgroup_limits *lim, char *err,
		  size_t errlen)
{
	if (fill_paths(cg, name, err, errlen) < 0)
		return -1;
	if (cg->version == 2 &&
	    (cg_v2_ensure(err, errlen) < 0 || fill_paths(cg, name, err, errlen) < 0))
		return -1;
	if (cg->version == 2 && v2_check_controllers(cg, lim, err, errlen) < 0)
		return -1;
	struct stat st;
	if (stat(cg->dir[CG_MEMORY], &st) == 0) {
		/* A live sandbox of that name is never touched; an empty leftover of a run
		 * that died with its parent is cleared first. */
		if (cgroup_nprocs(cg) > 0)
			return errfmt(err, errlen, "cgroup %s is in use by a running sandbox",
				      name);
		char e2[256];
		struct cgroup old = *cg;
		if (cgroup_destroy(&old, e2, sizeof e2) < 0)
			return errfmt(err, errlen, "stale cgroup %s: %s", name, e2);
	}
	for (int c = 0; c < CG_NCTRL; c++) {
		if (!first_of(cg, c))
			continue;
		if (mkdir_p(cg->dir[c], 0755) < 0) {
			int e = errno;
			char e2[256];
			cgroup_destroy(cg, e2, sizeof e2);
			return errfmt(err, errlen, "mkdir %s: %s", cg->dir[c], strerror(e));
		}
	}
	char p[PATH_MAX + 32];
	snprintf(p, sizeof p, "%s/memory.memsw.limit_in_bytes", cg->dir[CG_MEMORY]);
	cg->has_memsw = cg->version == 1 && access(p, F_OK) == 0;
	struct cgroup_limits l = *lim;
	l.no_hugetlb = cg->version == 2;
	if (cg_set_limits(cg, &l, err, errlen) < 0) {
		char e2[256];
		cgroup_destroy(cg, e2, sizeof e2);
		return -1;
	}
	return 0;
}

int cgroup_attach(const struct cgroup *cg, pid_t pid, char *err, size_t errlen)
{
	char p[PATH_MAX + 32], v[32];
	snprintf(v, sizeof v, "%d", (int)pid);
	for (int c = 0; c < CG_NCTRL; c++) {
		if (!first_of(cg, c))
			continue;
		snprintf(p, sizeof p, "%s/cgroup.procs", cg->dir[c]);
		if (cg_write_str(p, v) < 0)
			return errfmt(err, errlen, "attaching %d to %s: %s", (int)pid, p,
				      strerror(errno));
	}
	return 0;
}

int cgroup_open_self_attach(const struct cgroup *cg, int fds[CG_NCTRL], char *err, size_t errlen)
{
	char p[PATH_MAX + 16];
	int n = 0;
	for (int c = 0; c < CG_NCTRL; c++)
		fds[c] = -1;
	if (cg->version != 1)
		return 0;
	for (int c = 0; c < CG_NCTRL; c++) {
		if (!first_of(cg, c))
			continue;
		snprintf(p, sizeof p, "%s/tasks", cg->dir[c]);
		if ((fds[c] = open(p, O_WRONLY | O_CLOEXEC)) < 0) {
			int e = errno;
			cgroup_close_self_attach(fds);
			return errfmt(err, errlen, "opening %s: %s", p, strerror(e));
		}
		n++;
	}
	return n;
}

pid_t cgroup_clone(const struct cgroup *cg, unsigned long flags, int *born_in)
{
	int fd = cg->version == 2 ? open(cg->dir[CG_MEMORY], O_RDONLY | O_DIRECTORY | O_CLOEXEC)
				  : -1;
	*born_in = 0;
	if (fd >= 0) {
		struct clone_args ca;
		memset(&ca, 0, sizeof ca);
		ca.flags = flags | CLONE_INTO_CGROUP;
		ca.exit_signal = SIGCHLD;
		ca.cgroup = (uint64_t)fd;
		long pid = syscall(SYS_clone3, &ca, sizeof ca);
		int e = errno;
		close(fd);
		if (pid >= 0) {
			*born_in = 1;
			return (pid_t)pid;
		}
		errno = e;
	}
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
}

int cgroup_self_attach(int fds[CG_NCTRL])
{
	int rc = 0;
	for (int c = 0; c < CG_NCTRL; c++) {
		if (fds[c] < 0)
			continue;
		if (rc == 0 && write(fds[c], "0", 1) != 1)
			rc = -1;
		int e = errno;
		close(fds[c]);
		fds[c] = -1;
		errno = e;
	}
	return rc;
}

void cgroup_close_self_attach(int fds[CG_NCTRL])
{
	for (int c = 0; c < CG_NCTRL; c++) {
		if (fds[c] >= 0)
			close(fds[c]);
		fds[c] = -1;
	}
}

void cgroup_stats(struct cgroup *cg, struct cgroup_stats *st)
{
	char p[PATH_MAX + 64];
	uint64_t v;
	memset(st, 0, sizeof *st);
	if (cg->version == 2) {
		const char *d = cg->dir[CG_MEMORY];
		snprintf(p, sizeof p, "%s/cpu.stat", d);
		if (read_key(p, "usage_usec", &v) == 0)
			st->cpu_usec = v;
		snprintf(p, sizeof p, "%s/memory.current", d);
		if (read_u64(p, &v) == 0)
			st->memory_bytes = v;
		snprintf(p, sizeof p, "%s/memory.peak", d);
		if (read_u64(p, &v) == 0)
			st->memory_peak = v;
		snprintf(p, sizeof p, "%s/memory.events", d);
		if (read_key(p, "oom_kill", &v) == 0)
			st->oom_kills = v;
		snprintf(p, sizeof p, "%s/pids.current", d);
		if (read_u64(p, &v) == 0)
			st->pids = (int)v;
	} else {
		if (cg->dir[CG_CPUACCT][0]) {
			snprintf(p, sizeof p, "%s/cpuacct.usage", cg->dir[CG_CPUACCT]);
			if (read_u64(p, &v) == 0)
				st->cpu_usec = v / 1000;
		}
		snprintf(p, sizeof p, "%s/memory.usage_in_bytes", cg->dir[CG_MEMORY]);
		if (read_u64(p, &v) == 0)
			st->memory_bytes = v;
		snprintf(p, sizeof p, "%s/memory.max_usage_in_bytes", cg->dir[CG_MEMORY]);
		if (read_u64(p, &v) == 0)
			st->memory_peak = v;
		snprintf(p, sizeof p, "%s/memory.oom_control", cg->dir[CG_MEMORY]);
		if (read_key(p, "oom_kill", &v) == 0)
			st->oom_kills = v;
		snprintf(p, sizeof p, "%s/pids.current", cg->dir[CG_PIDS]);
		if (read_u64(p, &v) == 0)
			st->pids = (int)v;
	}
	if (st->memory_bytes > cg->peak_seen)
		cg->peak_seen = st->memory_bytes;
	if (st->memory_peak < cg->peak_seen)
		st->memory_peak = cg->peak_seen;
}

int cgroup_nprocs(const struct cgroup *cg)
{
	pid_t pids[64];
	int total = 0;
	for (int c = 0; c < CG_NCTRL; c++) {
		if (!first_of(cg, c))
			continue;
		int n = cg_read_procs(cg->dir[c], pids, 64);
		if (n > total)
			total = n;
	}
	return total;
}

void cgroup_freeze(const struct cgroup *cg, int frozen)
{
	char p[PATH_MAX + 32];
	if (cg->version == 2) {
		snprintf(p, sizeof p, "%s/cgroup.freeze", cg->dir[CG_MEMORY]);
		if (cg_write_str(p, frozen ? "1" : "0") < 0 || !frozen)
			return;
		snprintf(p, sizeof p, "%s/cgroup.events", cg->dir[CG_MEMORY]);
		for (int i = 0; i < 100; i++) { /* at most ~1 s */
			char ev[256];
			if (cg_read_text(p, ev, sizeof ev) < 0 || strstr(ev, "frozen 1"))
				return;
			cg_sleep_ms(10);
		}
		return;
	}
	if (!cg->dir[CG_FREEZER][0])
		return;
	snprintf(p, sizeof p, "%s/freezer.state", cg->dir[CG_FREEZER]);
	if (cg_write_str(p, frozen ? "FROZEN" : "THAWED") < 0 || !frozen)
		return;
	for (int i = 0; i < 100; i++) { /* FREEZING -> FROZEN, at most ~1 s */
		char st[32];
		if (cg_read_text(p, st, sizeof st) < 0 || strncmp(st, "FROZEN", 6) == 0)
			return;
		cg_sleep_ms(10);
	}
}

int cgroup_kill(const struct cgroup *cg, char *err, size_t errlen)
{
	struct stat st;
	const char *d = any_dir(cg);
	if (!d || stat(d, &st) < 0)
		return 0;
	if (cg->version == 2) {
		char p[PATH_MAX + 32];
		snprintf(p, sizeof p, "%s/cgroup.kill", d);
		(void)cg_write_str(p, "1");
	}
	pid_t pids[4096];
	for (int round = 0; round < 200; round++) {
		int any = 0;
		cgroup_freeze(cg, 1);
		for (int c = 0; c < CG_NCTRL; c++) {
			if (!first_of(cg, c))
				continue;
			int n = cg_read_procs(cg->dir[c], pids, 4096);
			for (int i = 0; i < n; i++) {
				kill(pids[i], SIGKILL);
				any = 1;
			}
		}
		cgroup_freeze(cg, 0);
		if (!any)
			return 0;
		cg_sleep_ms(10);
	}
	return errfmt(err, errlen, "processes of cgroup %s do not die", cg->name);
}

int cgroup_destroy(struct cgroup *cg, char *err, size_t errlen)
{
	if (!any_dir(cg))
		return 0;
	if (cgroup_kill(cg, err, errlen) < 0)
		return -1;
	for (int c = CG_NCTRL - 1; c >= 0; c--) {
		if (!first_of(cg, c))
			continue;
		int tries;
		for (tries = 0; tries < 100; tries++) {
			if (rmdir(cg->dir[c]) == 0 || errno == ENOENT)
				break;
			if (errno != EBUSY)
				return errfmt(err, errlen, "rmdir %s: %s", cg->dir[c],
					      strerror(errno));
			(void)cgroup_kill(cg, err, errlen);
			cg_sleep_ms(20);
		}
		if (tries == 100)
			return errfmt(err, errlen, "rmdir %s: still busy", cg->dir[c]);
	}
	return 0;
}

int cgroup_list(void (*fn)(const char *name, void *arg), void *arg, char *err, size_t errlen)
{
	int v = cgroup_detect(cgroup_root());
	if (v < 0)
		return errfmt(err, errlen, "no cgroup file system found at %s", cgroup_root());
	char parent[PATH_MAX];
	if (cgroup_parent_dir(v, CG_MEMORY, parent, sizeof parent, err, errlen) < 0)
		return -1;
	DIR *d = opendir(parent);
	if (!d)
		return errno == ENOENT ? 0 : errfmt(err, errlen, "%s: %s", parent, strerror(errno));
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !cgroup_name_valid(de->d_name))
			continue;
		fn(de->d_name, arg);
		n++;
	}
	closedir(d);
	return n;
}
