/* confine.c: the code scanner's jail: seccomp and Landlock (see confine.h for why these
 * and not a uid of its own). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "confine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

/* Stands for the child's own pid in the compiled filter until scan_jail_enter() knows
 * it (a value no pid takes: pid_max is at most 2^22). */
#define OWN_PID_PLACEHOLDER 0x7ead5a1dU

/* Refused with EPERM: what a parser never needs and an attacker would. */
/* clang-format off */
static const char *const denied[] = {
	"socket", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev",
	"mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "bpf",
	"perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd", "kexec_load",
	"kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
	"swapon", "swapoff", "acct", "quotactl", "open_by_handle_at", "name_to_handle_at",
	"fsopen", "fsmount", "fsconfig", "fspick", "move_mount", "open_tree", "mount_setattr",
	"pidfd_open", "pidfd_getfd", "pidfd_send_signal", "tkill", "syslog",
	"personality", "uselib", "vhangup", "iopl", "ioperm", "lookup_dcookie",
};
/* clang-format on */

/* Answered ENOSYS, so the caller falls back: clone3 (glibc then uses clone, filtered
 * below) and io_uring (libuv then uses threads; io_uring could open sockets). */
static const char *const absent[] = {
	"clone3",
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
};

static int add_rules(scmp_filter_ctx ctx)
{
	int rc = 0;

	for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr != __NR_SCMP_ERROR)
			rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
		int nr = seccomp_syscall_resolve_name(absent[i]);
		if (nr != __NR_SCMP_ERROR)
			rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
	}
	/* Threads only: a clone without CLONE_THREAD would be a new process. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
			       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
	/* Signals only to itself and its threads: the workers and the master run as the
	 * same uid. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(kill), 1,
			       SCMP_A0(SCMP_CMP_NE, OWN_PID_PLACEHOLDER));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(tgkill), 1,
			       SCMP_A0(SCMP_CMP_NE, OWN_PID_PLACEHOLDER));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(rt_sigqueueinfo), 1,
			       SCMP_A0(SCMP_CMP_NE, OWN_PID_PLACEHOLDER));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(rt_tgsigqueueinfo), 1,
			       SCMP_A0(SCMP_CMP_NE, OWN_PID_PLACEHOLDER));
	return rc ? -1 : 0;
}

/* Compiles the filter into j->prog (malloc'ed), through a memfd: libseccomp 2.5 exports
 * BPF only to a descriptor. */
static int compile(struct scan_jail *j, char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int fd = -1, rc = -1;
	off_t len;

	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	/* Other architectures' system calls (int 0x80, x32) are killed by default. */
	if (add_rules(ctx) < 0) {
		snprintf(err, errlen, "seccomp rules refused");
		goto out;
	}
	fd = memfd_create("scan-seccomp", MFD_CLOEXEC);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0 || (len = lseek(fd, 0, SEEK_END)) <= 0 ||
	    len % sizeof(struct sock_filter) || len > 65536) {
		snprintf(err, errlen, "seccomp export failed");
		goto out;
	}
	j->prog.filter = malloc((size_t)len);
	if (!j->prog.filter || pread(fd, j->prog.filter, (size_t)len, 0) != len) {
		snprintf(err, errlen, "seccomp export read failed");
		goto out;
	}
	j->prog.len = (unsigned short)(len / sizeof(struct sock_filter));
	rc = 0;
out:
	if (rc < 0) {
		free(j->prog.filter);
		j->prog.filter = NULL;
	}
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return rc;
}

static int landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return v < 0 ? 0 : (int)v;
}

bool scan_jail_has_landlock(void)
{
	return landlock_abi() >= 1;
}

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_EXEC (FS_READ | LANDLOCK_ACCESS_FS_EXECUTE)

/* Allows access (masked to what the ruleset handles and what a file can take) beneath
 * path; a path this host lacks is skipped. */
static int allow(int rfd, const char *path, __u64 access, __u64 handled)
{
	struct landlock_path_beneath_attr pb;
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
			  LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_TRUNCATE;
	pb.allowed_access = access & handled;
	pb.parent_fd = fd;
	long rc = syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(fd);
	return rc < 0 ? -1 : 0;
}

/* The ruleset: read (and run) the system, Node's libraries and scan.js's directory (it
 * requires its scan_*.js modules from there); nothing else. */
static int make_ruleset(const char *script, char *err, size_t errlen)
{
	int abi = landlock_abi();
	struct landlock_ruleset_attr attr;
	char dir[4096];
	int rfd;

	if (abi < 1)
		return -1;
	memset(&attr, 0, sizeof attr);
	attr.handled_access_fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* every ABI 1 right */
	if (abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
	if (rfd < 0) {
		snprintf(err, errlen, "landlock_create_ruleset: %s", strerror(errno));
		return -2;
	}
	snprintf(dir, sizeof dir, "%s", script);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	__u64 h = attr.handled_access_fs;
	if (allow(rfd, "/usr", FS_EXEC, h) || allow(rfd, "/lib", FS_EXEC, h) ||
	    allow(rfd, "/lib64", FS_EXEC, h) || allow(rfd, "/bin", FS_EXEC, h) ||
	    allow(rfd, "/etc", FS_READ, h) || allow(rfd, "/proc", FS_READ, h) ||
	    allow(rfd, "/sys", FS_READ, h) || allow(rfd, "/dev/urandom", FS_READ, h) ||
	    allow(rfd, "/dev/null", FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE, h) ||
	    allow(rfd, dir, FS_READ, h)) {
		snprintf(err, errlen, "landlock_add_rule: %s", strerror(errno));
		close(rfd);
		return -2;
	}
	return rfd;
}

int scan_jail_prepare(struct scan_jail *j, const char *script, char *err, size_t errlen)
{
	memset(j, 0, sizeof *j);
	j->ruleset_fd = make_ruleset(script, err, errlen);
	if (j->ruleset_fd == -2)
		return -1;
	if (compile(j, err, errlen) < 0) {
		scan_jail_release(j);
		return -1;
	}
	return 0;
}

int scan_jail_enter(const struct scan_jail *j)
{
	unsigned int self = (unsigned int)getpid();

	/* Our pid replaces the placeholder: the copy-on-write copy is this child's own. */
	for (unsigned short i = 0; i < j->prog.len; i++)
		if (j->prog.filter[i].k == OWN_PID_PLACEHOLDER)
			j->prog.filter[i].k = self;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	if (j->ruleset_fd >= 0 && syscall(SYS_landlock_restrict_self, j->ruleset_fd, 0) < 0)
		return -1;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &j->prog, 0, 0) < 0)
		return -1;
	return 0;
}

void scan_jail_release(struct scan_jail *j)
{
	free(j->prog.filter);
	j->prog.filter = NULL;
	j->prog.len = 0;
	if (j->ruleset_fd >= 0)
		close(j->ruleset_fd);
	j->ruleset_fd = -1;
}
