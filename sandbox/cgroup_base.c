/* cgroup_base.c: where this process may create sandbox cgroups, and the cap on all of
 * them together (cgroup_setup, see cgroup.h).
 *
 * cgroup v2 has two rules that decide where a sandbox's cgroup can go:
 *  - no internal processes: a cgroup that holds processes cannot give controllers
 *    (memory, pids, cpu) to its children; the kernel answers EBUSY. The root cgroup is
 *    the only exception.
 *  - delegation: under systemd, a cgroup belongs to systemd unless systemd delegated it
 *    (Delegate=yes on a service or scope); a process writes nowhere else.
 * So a process finds its subtree B once:
 *  1. B is our own cgroup. Under systemd (and on the real /sys/fs/cgroup), when B is not
 *     delegated (a shell's session scope, a service without Delegate=yes), we ask
 *     systemd for a transient scope with Delegate=yes holding only us, and B is that.
 *  2. Unless B is the root, we move ourselves into the leaf B/appforge-self. If other
 *     processes are still in B: when B is the root of our cgroup namespace (a
 *     container's "/"), they go into the leaf B/appforge-init, as a container's init
 *     does; anywhere else they are not ours to move, and we say how to fix it.
 *  3. Every controller a sandbox is limited by (memory, pids, cpu, hugetlb) that B
 *     offers is enabled in B and in B/appforge, the parent of every sandbox; the cap on
 *     all sandboxes together is written to B/appforge.
 * Nothing is written outside B. On v1 there is no such rule: appforge/ is created in
 * each hierarchy below our cgroup, and the cap written there. */
#include "sandbox/cgroup.h"
#include "sandbox/cgroup_internal.h"
#include "sandbox/systemd_scope.h"
#include "common/errfmt.h"
#include "common/mkdirp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define INIT_LEAF "appforge-init"

static char v2_base[PATH_MAX];

const char *cg_v2_base(void)
{
	return v2_base[0] ? v2_base : NULL;
}

int cg_v2_own_dir(char *out, size_t outlen, int *at_ns_root, char *err, size_t errlen)
{
	char self[PATH_MAX];
	if (cg_self_path(NULL, self, sizeof self) < 0)
		return errfmt(err, errlen, "cannot find our cgroup v2 path in /proc/self/cgroup");
	size_t sl = strlen(self), ll = strlen("/" CG_SELF_LEAF);
	if (sl >= ll && strcmp(self + sl - ll, "/" CG_SELF_LEAF) == 0)
		self[sl - ll] = 0;
	if (at_ns_root)
		*at_ns_root = self[0] == 0 || strcmp(self, "/") == 0;
	if (strcmp(self, "/") == 0)
		self[0] = 0;
	if ((size_t)snprintf(out, outlen, "%s%s", cgroup_root(), self) >= outlen)
		return errfmt(err, errlen, "cgroup path too long");
	return 0;
}

/* The real root cgroup has no cgroup.type; a namespace's root has one. */
static int is_root_cgroup(const char *dir)
{
	char p[PATH_MAX + 16];
	snprintf(p, sizeof p, "%s/cgroup.type", dir);
	return access(p, F_OK) != 0;
}

/* Moves pid into dir/leaf (created when missing). */
static int move_to_leaf(const char *dir, const char *leaf, pid_t pid, char *err, size_t errlen)
{
	char d[PATH_MAX + 32], p[PATH_MAX + 64], v[32];
	snprintf(d, sizeof d, "%s/%s", dir, leaf);
	if (mkdir(d, 0755) < 0 && errno != EEXIST)
		return errfmt(err, errlen, "mkdir %s: %s", d, strerror(errno));
	snprintf(p, sizeof p, "%s/cgroup.procs", d);
	snprintf(v, sizeof v, "%d", (int)pid);
	if (cg_write_str(p, v) < 0 && errno != ESRCH)
		return errfmt(err, errlen, "moving pid %d into %s: %s", (int)pid, d,
			      strerror(errno));
	return 0;
}

/* Step 2: leaves dir without processes of its own. */
static int empty_subtree_root(const char *dir, int at_ns_root, char *err, size_t errlen)
{
	if (move_to_leaf(dir, CG_SELF_LEAF, getpid(), err, errlen) < 0)
		return -1;
	pid_t pids[256];
	for (int round = 0; round < 20; round++) {
		int n = cg_read_procs(dir, pids, 256);
		if (n < 0)
			return errfmt(err, errlen, "%s/cgroup.procs: %s", dir, strerror(errno));
		if (n == 0)
			return 0;
		if (!at_ns_root)
			return errfmt(
				err, errlen,
				"cgroup %s also holds other processes (pid %d), and cgroup v2 "
				"lets such a cgroup give no controllers to its children: start "
				"appforge-supervisor as a systemd service with Delegate=yes "
				"(etc/appforge-supervisor.service), under `systemd-run --scope "
				"-p Delegate=yes`, or in a cgroup of its own",
				dir, (int)pids[0]);
		for (int i = 0; i < n; i++)
			if (move_to_leaf(dir, INIT_LEAF, pids[i], err, errlen) < 0)
				return -1;
	}
	return errfmt(err, errlen, "processes keep appearing in %s", dir);
}

/* Step 3: hands every controller we limit by, that dir offers, to its children. */
static int enable_controllers(const char *dir, char *err, size_t errlen)
{
	static const char *const want[] = { "memory", "pids", "cpu", "hugetlb" };
	char avail[PATH_MAX + 32], ctl[PATH_MAX + 32], w[32];
	snprintf(avail, sizeof avail, "%s/cgroup.controllers", dir);
	snprintf(ctl, sizeof ctl, "%s/cgroup.subtree_control", dir);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (!cg_file_has_word(avail, want[i]) || cg_file_has_word(ctl, want[i]))
			continue;
		snprintf(w, sizeof w, "+%s", want[i]);
		if (cg_write_str(ctl, w) < 0)
			return errfmt(
				err, errlen, "enabling %s in %s: %s%s", want[i], ctl,
				strerror(errno),
				errno == EBUSY
					? " (the cgroup holds processes: see `appforge-sandbox doctor`)"
					: "");
	}
	return 0;
}

static int v2_setup(const char *scope_name, const struct cgroup_limits *total, char *err,
		    size_t errlen)
{
	char dir[PATH_MAX];
	int at_ns_root;
	if (cg_v2_own_dir(dir, sizeof dir, &at_ns_root, err, errlen) < 0)
		return -1;
	int real_tree = strcmp(cgroup_root(), "/sys/fs/cgroup") == 0;
	if (real_tree && systemd_booted() && !is_root_cgroup(dir) &&
	    !systemd_cgroup_delegated(dir)) {
		char name[128], e2[512];
		if (scope_name)
			snprintf(name, sizeof name, "%s", scope_name);
		else
			snprintf(name, sizeof name, "appforge-sandbox-%d", (int)getpid());
		if (systemd_enter_delegated_scope(name, e2, sizeof e2) < 0)
			return errfmt(err, errlen,
				      "%s is systemd's, not delegated to us, and %s; "
				      "start appforge-supervisor as a systemd service with "
				      "Delegate=yes",
				      dir, e2);
		if (cg_v2_own_dir(dir, sizeof dir, &at_ns_root, err, errlen) < 0)
			return -1;
		at_ns_root = 0;
	}
	if (!is_root_cgroup(dir) && empty_subtree_root(dir, at_ns_root, err, errlen) < 0)
		return -1;
	char parent[PATH_MAX];
	if ((size_t)snprintf(parent, sizeof parent, "%s/appforge", dir) >= sizeof parent)
		return errfmt(err, errlen, "cgroup path too long");
	if (enable_controllers(dir, err, errlen) < 0)
		return -1;
	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		return errfmt(err, errlen, "mkdir %s: %s", parent, strerror(errno));
	if (enable_controllers(parent, err, errlen) < 0)
		return -1;
	if (total) {
		struct cgroup cg;
		memset(&cg, 0, sizeof cg);
		cg.version = 2;
		for (int c = 0; c < CG_NCTRL; c++)
			snprintf(cg.dir[c], sizeof cg.dir[c], "%s", parent);
		if (cg_set_limits(&cg, total, err, errlen) < 0)
			return -1;
	}
	snprintf(v2_base, sizeof v2_base, "%s", dir);
	return 0;
}

static int v1_setup(const struct cgroup_limits *total, char *err, size_t errlen)
{
	struct cgroup cg;
	memset(&cg, 0, sizeof cg);
	cg.version = 1;
	for (int c = 0; c < CG_NCTRL; c++) {
		char e2[256];
		if (cgroup_parent_dir(1, (enum cgroup_ctrl)c, cg.dir[c], sizeof cg.dir[c], e2,
				      sizeof e2) < 0) {
			if (c == CG_MEMORY || c == CG_PIDS)
				return errfmt(err, errlen, "%s", e2);
			cg.dir[c][0] = 0;
			continue;
		}
		if (mkdir_p(cg.dir[c], 0755) < 0)
			return errfmt(err, errlen, "mkdir %s: %s", cg.dir[c], strerror(errno));
	}
	if (!total)
		return 0;
	char p[PATH_MAX + 32];
	snprintf(p, sizeof p, "%s/memory.memsw.limit_in_bytes", cg.dir[CG_MEMORY]);
	cg.has_memsw = access(p, F_OK) == 0;
	return cg_set_limits(&cg, total, err, errlen);
}

/* What the first cgroup_setup was asked, for cg_v2_ensure to ask again. */
static char saved_scope[128];
static struct cgroup_limits saved_total;
static int have_scope, have_total;

int cgroup_setup(const char *scope_name, const struct cgroup_limits *total, char *err,
		 size_t errlen)
{
	if (scope_name) {
		snprintf(saved_scope, sizeof saved_scope, "%s", scope_name);
		have_scope = 1;
	}
	if (total) {
		saved_total = *total;
		have_total = 1;
	}
	int v = cgroup_detect(cgroup_root());
	if (v < 0)
		return errfmt(err, errlen, "no cgroup file system found at %s", cgroup_root());
	if (v == 1)
		return v1_setup(total, err, errlen);
	v2_base[0] = 0;
	return v2_setup(scope_name, total, err, errlen);
}

int cg_v2_ensure(char *err, size_t errlen)
{
	if (v2_base[0]) {
		struct stat st;
		char p[PATH_MAX + 16];
		snprintf(p, sizeof p, "%s/appforge", v2_base);
		if (stat(p, &st) == 0)
			return 0;
		v2_base[0] = 0;
	}
	return v2_setup(have_scope ? saved_scope : NULL, have_total ? &saved_total : NULL, err,
			errlen);
}

/* The trial of cgroup_doctor, in a child of its own (cgroup_setup may move the process
 * into another cgroup or a systemd scope: a doctor must not move its caller). */
static void doctor_child(int fd)
{
	char err[1024] = "", msg[PATH_MAX + 1200];
	struct cgroup cg;
	struct cgroup_limits lim = { 64ull << 20, 16, 10, 0 };
	char name[64];
	snprintf(name, sizeof name, "afdoctor-%d", (int)getpid());
	int v = cgroup_detect(cgroup_root());
	if (cgroup_setup(NULL, NULL, err, sizeof err) == 0 &&
	    cgroup_create(&cg, name, &lim, err, sizeof err) == 0) {
		char p[PATH_MAX + 32], got[64] = "";
		_Static_assert(sizeof err > 64, "room for the message");
		snprintf(p, sizeof p, v == 2 ? "%s/memory.max" : "%s/memory.limit_in_bytes",
			 cg.dir[CG_MEMORY]);
		if (cg_read_text(p, got, sizeof got) < 0 || strtoull(got, NULL, 10) != 64ull << 20)
			snprintf(err, sizeof err, "a memory limit written to %.900s did not hold",
				 p);
		else if (cgroup_destroy(&cg, err, sizeof err) == 0) {
			*strrchr(cg.dir[CG_MEMORY], '/') = 0;
			snprintf(msg, sizeof msg,
				 "ok v%d: created, limited and removed a cgroup in %s", v,
				 cg.dir[CG_MEMORY]);
		}
		if (err[0])
			cgroup_destroy(&cg, NULL, 0);
	}
	if (err[0])
		snprintf(msg, sizeof msg, "FAIL %s", err);
	if (write(fd, msg, strlen(msg)) < 0)
		_exit(1);
	_exit(0);
}

int cgroup_doctor(char *out, size_t outlen)
{
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		return errfmt(out, outlen, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(pp[0]);
		close(pp[1]);
		return errfmt(out, outlen, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(pp[0]);
		doctor_child(pp[1]);
	}
	close(pp[1]);
	char buf[PATH_MAX + 1200];
	size_t got = 0;
	ssize_t n;
	while (got + 1 < sizeof buf && (n = read(pp[0], buf + got, sizeof buf - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	close(pp[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (strncmp(buf, "ok ", 3) == 0) {
		snprintf(out, outlen, "%s", buf + 3);
		return 0;
	}
	return errfmt(out, outlen, "%s",
		      strncmp(buf, "FAIL ", 5) == 0 ? buf + 5 : "the trial died");
}
