/* cgroup.h: the control groups of sandboxes, on cgroup v1 and v2.
 *
 * Every sandbox gets one cgroup named after it, under a parent "appforge" directory
 * placed below the cgroup the calling process already lives in:
 *   v2: <mount>/<our subtree>/appforge/<name>, the subtree being our own cgroup, or a
 *       systemd scope delegated to us (cgroup_setup); we live in <subtree>/appforge-self
 *   v1: <controller mount>/<our cgroup in that hierarchy>/appforge/<name>, for each of
 *       memory, pids, cpu, cpuacct and freezer (co-mounted controllers share a dir).
 *
 * Error convention: functions returning int give 0 on success and -1 on error with a
 * message in err (never NULL-terminated garbage). struct cgroup holds only paths; it owns
 * no descriptor and no memory, so it can be copied and dropped freely. */
#ifndef AF_CGROUP_H
#define AF_CGROUP_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum cgroup_ctrl { CG_MEMORY, CG_PIDS, CG_CPU, CG_CPUACCT, CG_FREEZER, CG_NCTRL };

struct cgroup {
	int version; /* 1 or 2 */
	char name[64];
	char dir[CG_NCTRL][PATH_MAX]; /* v1: per controller ("" when missing); v2: all equal */
	int has_memsw;                /* v1: memory.memsw.* exists (swap accounting) */
	uint64_t peak_seen;           /* largest memory usage sampled (when no peak file) */
};

struct cgroup_limits {
	uint64_t memory_bytes; /* 0: no limit */
	int pids;              /* 0: no limit */
	int cpu_percent;       /* of one CPU; 0: no limit */
	int no_hugetlb;        /* v2: hugetlb.*.max = 0 (set for every sandbox) */
};

struct cgroup_stats {
	uint64_t cpu_usec;
	uint64_t memory_bytes;
	uint64_t memory_peak;
	int pids;
	uint64_t oom_kills; /* processes killed by the OOM killer in this cgroup */
};

/* The cgroup file system root, "/sys/fs/cgroup" unless $AF_CGROUP_ROOT says otherwise
 * (tests only). Never NULL. */
const char *cgroup_root(void);

/* 2 when root is a cgroup v2 unified mount (root/cgroup.controllers exists), 1 when it
 * holds v1 controller hierarchies (root/memory/ or root/pids/), -1 otherwise. */
int cgroup_detect(const char *root);

/* Prepares, once per process, the place where this process creates sandbox cgroups;
 * cgroup_create calls it when nobody did. Call it before anything else that forks or
 * starts threads (it may move the calling process to another cgroup).
 *   v2: finds the subtree this process may manage, and obeys cgroup v2's two rules
 *       (see cgroup_base.c): under systemd it asks for a delegated scope named
 *       scope_name (NULL: "appforge-sandbox-<pid>") unless it already runs in a
 *       delegated cgroup; it moves itself into a leaf, so that the subtree holds no
 *       process; it enables every controller a sandbox is limited by.
 *   v1: creates the appforge/ parent in each hierarchy.
 * total (NULL: none) caps all sandboxes together, on appforge/ itself. */
int cgroup_setup(const char *scope_name, const struct cgroup_limits *total, char *err,
		 size_t errlen);

/* Tries what a start does, in a child process: cgroup_setup, then a cgroup with a
 * memory, pids and CPU limit, read back, then removed. 0 with a line saying where, or -1
 * with what is wrong and how to fix it, in out. */
int cgroup_doctor(char *out, size_t outlen);

/* The directory that holds our sandboxes' cgroups for controller c (v2: any c), written
 * to out. -1 when the controller is unavailable. */
int cgroup_parent_dir(int version, enum cgroup_ctrl c, char *out, size_t outlen, char *err,
		      size_t errlen);

/* 1 when name may name a cgroup (and so a sandbox: sandbox_spec.app_id): 1 to 63 of
 * [A-Za-z0-9_.-], not starting with '.'. The one rule for sandbox names; app ids have
 * their own (util.h id_valid_app), checked where they enter. */
int cgroup_name_valid(const char *name);

/* Creates the cgroup "name" and applies the limits. An empty leftover of that name is
 * removed first; one that still holds processes is an error (never killed here: use
 * cgroup_destroy for that). On error nothing is left behind. */
int cgroup_create(struct cgroup *cg, const char *name, const struct cgroup_limits *lim, char *err,
		  size_t errlen);

/* Fills cg for an existing cgroup "name" without touching the kernel state; -1 when it
 * does not exist. */
int cgroup_open(struct cgroup *cg, const char *name, char *err, size_t errlen);

/* Sets (or, with 0, lifts) the CPU quota: cpu_percent of one CPU. A no-op without a
 * cpu controller (v1: no cpu hierarchy; v2: cpu not enabled). */
int cgroup_set_cpu(const struct cgroup *cg, int cpu_percent, char *err, size_t errlen);
/* Moves pid into every hierarchy of cg. */
int cgroup_attach(const struct cgroup *cg, pid_t pid, char *err, size_t errlen);
/* A faster way in for a single-threaded child, on cgroup v1: the parent opens the
 * "tasks" file of every hierarchy of cg (close-on-exec) into fds[] (unused slots -1)
 * before forking and gets how many it opened; the child calls cgroup_self_attach.
 * Writing "0" there moves the calling thread, which the kernel does without the global
 * threadgroup lock a cgroup.procs write takes (that lock waits for an RCU grace
 * period: 5-15 ms per start on this kind of host). Returns 0 with every fd -1 on v2,
 * where cgroup_clone is the way in. */
int cgroup_open_self_attach(const struct cgroup *cg, int fds[CG_NCTRL], char *err, size_t errlen);
/* Clones a child (fork-like: it returns 0 on a copy of the caller's stack) with flags
 * (CLONE_NEW* and the like; SIGCHLD is added). On cgroup v2 the child is born in cg
 * (clone3, CLONE_INTO_CGROUP, Linux 5.7): nothing has to move it, and no global lock is
 * taken (a cgroup.procs write on v2 waits for the same RCU grace period as on v1); then
 * *born_in is 1. Otherwise (v1, or clone3 refused: an older kernel, a seccomp filter
 * that answers ENOSYS as systemd's do) a plain clone, *born_in 0, and the child is not
 * in cg yet (cgroup_self_attach on v1, cgroup_attach on v2). -1 with errno as clone. */
pid_t cgroup_clone(const struct cgroup *cg, unsigned long flags, int *born_in);
/* In the forked child: writes "0" to each open fd and closes it. Async-signal-safe.
 * 0, or -1 with errno set. */
int cgroup_self_attach(int fds[CG_NCTRL]);
/* Closes the fds cgroup_open_self_attach opened (in the parent, after forking). */
void cgroup_close_self_attach(int fds[CG_NCTRL]);

/* Reads the counters; fields that cannot be read stay 0. Updates cg->peak_seen. */
void cgroup_stats(struct cgroup *cg, struct cgroup_stats *st);

/* Number of processes in the cgroup (0 when empty or gone). */
int cgroup_nprocs(const struct cgroup *cg);

/* Freezes (frozen 1, waiting up to ~1 s until the kernel says so) or thaws the cgroup:
 * v2 cgroup.freeze, v1 the freezer hierarchy (a no-op without one). */
void cgroup_freeze(const struct cgroup *cg, int frozen);

/* Kills every process in the cgroup, including stopped ones and ones that fork while
 * being killed, and waits (up to ~2 s) until it is empty. */
int cgroup_kill(const struct cgroup *cg, char *err, size_t errlen);

/* cgroup_kill, then removes the directories (with retries). Safe on a cgroup that is
 * already gone. */
int cgroup_destroy(struct cgroup *cg, char *err, size_t errlen);

/* Calls fn for every cgroup name under our parent (for reconciliation). Returns the
 * number of names, or -1. */
int cgroup_list(void (*fn)(const char *name, void *arg), void *arg, char *err, size_t errlen);

#endif
