/* seccomp.c: the sandbox's system-call allowlist (see seccomp.h for the policy). */
#include "sandbox/seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

/* What Node.js (libuv, V8, OpenSSL), glibc and /bin/sh use. Names unknown to this
 * architecture are skipped. */
/* clang-format off */
static const char *const allowed[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
	"preadv2", "pwritev2", "open", "openat", "close", "close_range", "creat",
	"stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
	"access", "faccessat", "faccessat2", "lseek", "getdents", "getdents64",
	"readlink", "readlinkat", "getcwd", "chdir", "fchdir",
	"mkdir", "mkdirat", "rmdir", "rename", "renameat", "renameat2", "link", "linkat",
	"unlink", "unlinkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat",
	"chown", "fchown", "lchown", "fchownat", "umask", "truncate", "ftruncate",
	"fallocate", "fadvise64", "fsync", "fdatasync", "sync", "syncfs", "sync_file_range",
	"flock", "fcntl", "dup", "dup2", "dup3", "pipe", "pipe2", "ioctl",
	"utime", "utimes", "utimensat", "futimesat",
	"getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
	"sendfile", "copy_file_range", "splice", "tee",
	"mmap", "munmap", "mprotect", "mremap", "msync", "mincore", "madvise", "brk",
	"mlock", "munlock", "mlock2", "membarrier", "memfd_create",
	"poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1",
	"epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
	"eventfd", "eventfd2", "timerfd_create", "timerfd_settime", "timerfd_gettime",
	"signalfd", "signalfd4", "inotify_init", "inotify_init1", "inotify_add_watch",
	"inotify_rm_watch",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
	"rt_sigtimedwait", "rt_sigsuspend", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
	"sigaltstack", "pause", "kill", "tgkill", "tkill", "restart_syscall",
	"nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday",
	"time", "times", "getitimer", "setitimer", "alarm",
	"futex", "futex_waitv", "set_robust_list", "get_robust_list", "set_tid_address",
	"rseq", "arch_prctl", "prctl", "sched_yield", "sched_getaffinity",
	"sched_setaffinity", "sched_getparam", "sched_getscheduler",
	"sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
	"getpriority", "setpriority", "getrandom", "uname", "sysinfo",
	"getrlimit", "setrlimit", "prlimit64", "getrusage",
	"getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid",
	"getresuid", "getresgid", "getgroups", "getpgrp", "getpgid", "setpgid",
	"getsid", "setsid", "capget",
	"fork", "vfork", "execve", "execveat", "wait4", "waitid", "exit", "exit_group",
	"pidfd_open", "pidfd_send_signal",
	"connect", "accept", "accept4", "bind", "listen", "shutdown", "sendto",
	"recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "getsockname",
	"getpeername", "setsockopt", "getsockopt", "socketpair",
	"shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semctl", "semtimedop",
	"msgget", "msgsnd", "msgrcv", "msgctl",
};
/* clang-format on */

/* Refused with EPERM by name, so that the error is explicit (not the default ENOSYS). */
/* clang-format off */
static const char *const refused[] = {
	"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
	"fsconfig", "fsmount", "fspick", "mount_setattr",
	"ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "kcmp",
	"keyctl", "add_key", "request_key", "bpf", "userfaultfd", "perf_event_open",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	"unshare", "setns", "init_module", "finit_module", "delete_module",
	"kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct",
	"quotactl", "quotactl_fd", "open_by_handle_at", "name_to_handle_at",
	"mknod", "mknodat", "setuid", "setgid", "setreuid", "setregid", "setresuid",
	"setresgid", "setgroups", "setfsuid", "setfsgid", "capset", "personality",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname",
	"setdomainname", "syslog", "vhangup", "iopl", "ioperm", "lookup_dcookie",
	"fanotify_init", "pidfd_getfd", "mbind", "set_mempolicy", "migrate_pages",
	"move_pages", "landlock_create_ruleset",
};
/* clang-format on */

/* ioctl requests an app may make: what Node, libuv, glibc (isatty), Python and a shell
 * use on pipes, sockets, files and (never present here) terminals. Everything else,
 * SIOCGIFCONF and the other SIOC* on the inherited listening socket first, fails with
 * ENOTTY, the kernel's own answer to a request a descriptor does not know. */
static const unsigned int ioctl_allowed[] = {
	FIONBIO, FIONREAD, FIOCLEX, FIONCLEX, TCGETS, TIOCGWINSZ, TIOCGPGRP,
};

#if defined(__x86_64__)
#define AF_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AF_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "the ioctl filter knows x86_64 and aarch64 only"
#endif

#define IOCTL_ALLOWED_N (sizeof ioctl_allowed / sizeof ioctl_allowed[0])

/* The second filter, hand-written because libseccomp cannot say "ioctl with any
 * request but these": it returns ALLOW for every other system call (the first filter
 * decides those) and for the requests above, ENOTTY for the rest. The kernel runs
 * both filters and keeps the stricter answer. The request is compared on all 64 bits
 * (the kernel reads 32): a request with high bits set is refused. */
static struct sock_filter ioctl_insns[9 + IOCTL_ALLOWED_N];
static unsigned short ioctl_len;

static void build_ioctl_filter(void)
{
	const unsigned short n = (unsigned short)IOCTL_ALLOWED_N;
	unsigned short i = 0;
	struct sock_filter *f = ioctl_insns;
	/* foreign architectures: the first filter kills them */
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_AUDIT_ARCH, 0,
					      (unsigned char)(n + 6));
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0,
					      (unsigned char)(n + 4));
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, args[1]) + 4);
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0,
					      (unsigned char)(n + 1));
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, args[1]));
	for (unsigned short k = 0; k < n; k++)
		f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ioctl_allowed[k],
						      (unsigned char)(n - k), 0);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTTY);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	ioctl_len = i;
}

/* The compiled program, built once per process: libseccomp takes a few milliseconds to
 * turn the rules into BPF, which would otherwise be paid by every start. */
static struct sock_filter *prog_insns;
static unsigned short prog_len;

/* Exports ctx's BPF into prog_insns (through a memfd: libseccomp 2.5 writes to an fd). */
static int export_prog(scmp_filter_ctx ctx)
{
	int fd = memfd_create("af-seccomp", MFD_CLOEXEC), rc = -EIO;
	struct stat st;
	if (fd < 0)
		return -errno;
	if ((rc = seccomp_export_bpf(ctx, fd)) < 0)
		goto out;
	rc = -EIO;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		goto out;
	struct sock_filter *insns = malloc((size_t)st.st_size);
	if (!insns) {
		rc = -ENOMEM;
		goto out;
	}
	if (pread(fd, insns, (size_t)st.st_size, 0) != st.st_size) {
		free(insns);
		goto out;
	}
	prog_insns = insns;
	prog_len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	rc = 0;
out:
	close(fd);
	return rc;
}

int sandbox_seccomp_prepare(char *err, size_t errlen)
{
	if (prog_insns)
		return 0;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
	int rc = -1, r = 0;
	const char *what = "seccomp_init";
	if (!ctx)
		goto out;
	what = "attributes";
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) < 0 ||
	    /* A binary tree of the syscall numbers, not a linear chain: installing the
	     * filter (the kernel runs it for every syscall number to build its cache of
	     * constant answers) took 0.46 ms per start, now 0.14; each call's check is
	     * shorter too. Same rules, same answers. */
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
		goto out;
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		what = allowed[i];
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0)
			goto out;
	}
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		int nr = seccomp_syscall_resolve_name(refused[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		what = refused[i];
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0)) < 0)
			goto out;
	}
	/* clone: threads and plain forks only; any namespace flag is refused. clone3 passes
	 * its flags in memory a filter cannot read, so it gets ENOSYS and glibc falls back. */
	const unsigned long nsflags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
				      CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | 0x00000080UL
		/* CLONE_NEWTIME */;
	what = "clone";
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				  SCMP_A0(SCMP_CMP_MASKED_EQ, nsflags, 0))) < 0 ||
	    0)
		goto out;
	for (int bit = 0; bit < 64; bit++) {
		unsigned long f = 1UL << bit;
		if ((nsflags & f) &&
		    (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
					  SCMP_A0(SCMP_CMP_MASKED_EQ, f, f))) < 0)
			goto out;
	}
	/* clone3 is left to the default action, ENOSYS. */
	/* socket: unix sockets, and TCP/UDP over IPv4/IPv6 (the inherited listener; the
	 * empty network namespace reaches nothing). Netlink only for NETLINK_ROUTE, which
	 * getifaddrs() and so os.networkInterfaces() need: it lists this namespace's lone
	 * "lo", and changing anything asks for CAP_NET_ADMIN over a namespace the host's
	 * user namespace owns. No other netlink family, no packet or raw sockets. */
	what = "socket";
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				  SCMP_A0(SCMP_CMP_EQ, AF_UNIX))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
				  SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
				  SCMP_A2(SCMP_CMP_EQ, NETLINK_ROUTE))) < 0)
		goto out;
	/* INET sockets: stream with protocol 0 or TCP, datagram with 0 or UDP. Nothing
	 * else (MPTCP, UDP-Lite, SCTP, ICMP "ping" sockets...): each is more kernel code
	 * an app could reach for no need of its own. */
	static const int fams[] = { AF_INET, AF_INET6 };
	static const struct {
		int type, proto;
	} kinds[] = {
		{ SOCK_STREAM, 0 },
		{ SOCK_STREAM, IPPROTO_TCP },
		{ SOCK_DGRAM, 0 },
		{ SOCK_DGRAM, IPPROTO_UDP },
	};
	for (int f = 0; f < 2; f++)
		for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
			if ((r = seccomp_rule_add(
				     ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
				     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fams[f]),
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff, (scmp_datum_t)kinds[k].type),
				     SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)kinds[k].proto))) < 0)
				goto out;
	what = "export";
	if ((r = export_prog(ctx)) < 0)
		goto out;
	build_ioctl_filter();
	rc = 0;
out:
	if (rc < 0)
		snprintf(err, errlen, "seccomp (%s): %s", what, r < 0 ? strerror(-r) : "failed");
	if (ctx)
		seccomp_release(ctx);
	return rc;
}

int sandbox_seccomp_apply(void)
{
	struct sock_fprog fp = { prog_len, prog_insns };
	if (!prog_insns) {
		errno = EINVAL;
		return -1;
	}
	struct sock_fprog io = { ioctl_len, ioctl_insns };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	/* seccomp() itself is not in the main allowlist: that one goes on last */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &io) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp);
}
