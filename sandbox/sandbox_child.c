/* sandbox_child.c: everything the cloned child does before it becomes init: the mounts
 * of its root (/app, /data, /tmp, /proc, /dev, /etc), the loopback, the user namespace
 * and the app's identity, rlimits, descriptors, seccomp and the execve (the order and
 * its reasons are in sandbox.c). Nothing here returns on error: the message goes to the
 * parent through the sync socket and the child exits. */
#include "sandbox/sandbox_internal.h"
#include "sandbox/seccomp.h"
#include "sandbox/datamount.h"
#include "common/appenv.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

extern const char sandbox_preload_js[]; /* preload.js, embedded at build time */

__attribute__((noreturn, format(printf, 2, 3))) static void child_die(int sync_fd, const char *fmt,
								      ...)
{
	char msg[512];
	int e = errno;
	va_list ap;
	msg[0] = 'E';
	va_start(ap, fmt);
	int n = vsnprintf(msg + 1, sizeof msg - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	size_t len = 1 + ((size_t)n < sizeof msg - 1 ? (size_t)n : sizeof msg - 2);
	if (e && len + 2 < sizeof msg)
		len += (size_t)snprintf(msg + len, sizeof msg - len, ": %s", strerror(e));
	if (len >= sizeof msg)
		len = sizeof msg - 1;
	(void)!write(sync_fd, msg, len);
	_exit(127);
}

/* The child's start marks (startmarks.h), sent to the parent with 'U'. */
#define MARK(c, m) ((c)->marks[(m)-SM_CHILD_FIRST] = startmark_now())

#define CHECK(cond, ...) \
	do { \
		errno = 0; \
		if (!(cond)) \
			child_die(c->sync_fd, __VA_ARGS__); \
	} while (0)

static void sync_wait(struct child_ctx *c, char want)
{
	char b;
	ssize_t r;
	do
		r = read(c->sync_fd, &b, 1);
	while (r < 0 && errno == EINTR);
	if (r != 1) /* the parent is gone: nothing to set up for */
		_exit(127);
	if (b != want)
		child_die(c->sync_fd, "protocol error: got '%c', wanted '%c'", b, want);
}

static void write_file(struct child_ctx *c, const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	CHECK(fd >= 0, "create %s", path);
	size_t n = strlen(text);
	CHECK(write(fd, text, n) == (ssize_t)n, "write %s", path);
	close(fd);
}

/* Bind-mounts src on dst (which must exist), then makes it read-only, nosuid, nodev
 * (unless dev), noexec (when noexec). A bind ignores flags until it is remounted. */
static void bind_ro(struct child_ctx *c, const char *src, const char *dst, int dev, int noexec)
{
	CHECK(mount(src, dst, NULL, MS_BIND, NULL) == 0, "bind %s", src);
	unsigned long fl = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID;
	if (!dev)
		fl |= MS_NODEV;
	if (noexec)
		fl |= MS_NOEXEC;
	CHECK(mount(NULL, dst, NULL, fl, NULL) == 0, "remount %s read-only", dst);
}

/* Creates dst as an empty file or directory like src, then binds src read-only. */
static void bind_path(struct child_ctx *c, const char *src, const char *dst, int dev)
{
	struct stat st;
	if (lstat(src, &st) < 0)
		return; /* optional pieces (e.g. /lib64 on some arches) */
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(src, target, sizeof target - 1);
		CHECK(n > 0, "readlink %s", src);
		target[n] = 0;
		CHECK(symlink(target, dst) == 0, "symlink %s", dst);
		return;
	}
	if (S_ISDIR(st.st_mode))
		CHECK(mkdir(dst, 0755) == 0 || errno == EEXIST, "mkdir %s", dst);
	else
		write_file(c, dst, "", 0444);
	bind_ro(c, src, dst, dev, 0);
}

static void mkdirs(struct child_ctx *c, const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		CHECK(mkdir(tmp, 0755) == 0 || errno == EEXIST, "mkdir %s", tmp);
		*s = '/';
	}
	CHECK(mkdir(tmp, 0755) == 0 || errno == EEXIST, "mkdir %s", tmp);
}

static uid_t chown_uid;
static gid_t chown_gid;

static int chown_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	return lchown(path, chown_uid, chown_gid) < 0 ? -1 : 0;
}

/* /data: the supervisor's kept mount of data.img bound here, or data.img mounted for
 * this run only (its loop device clears itself when this mount namespace dies). */
static void mount_data(struct child_ctx *c, const char *dst)
{
	char err[512];
	if (c->data_kept[0]) {
		CHECK(mount(c->data_kept, dst, NULL, MS_BIND, NULL) == 0, "bind the kept /data");
		CHECK(mount(NULL, dst, NULL,
			    MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME,
			    NULL) == 0,
		      "remount /data");
	} else if (datamount_loop_ext4(c->data_img, dst, err, sizeof err) < 0) {
		errno = 0; /* err says why already */
		child_die(c->sync_fd, "/data: %s", err);
	}
	/* The uid may differ from the one the files were made with (the supervisor gives a
	 * run the uid of its slot): hand the whole file system over. It is small and
	 * bounded by its inode count. */
	struct stat st;
	CHECK(stat(dst, &st) == 0, "stat /data");
	if (st.st_uid != c->spec->uid || st.st_gid != c->spec->gid) {
		chown_uid = c->spec->uid;
		chown_gid = c->spec->gid;
		CHECK(nftw(dst, chown_one, 16, FTW_PHYS | FTW_MOUNT) == 0, "chown /data");
	}
	CHECK(chmod(dst, 0750) == 0, "chmod /data");
}

/* /proc/stat and /proc/loadavg stay readable, since Node's os.cpus() and os.loadavg()
 * (and ps, top) parse them, but say nothing of the host: one line per CPU this
 * sandbox may run on, every counter zero, the real boot time (which /proc/uptime gives
 * anyway), and a load of zero. The files live in the root tmpfs (read-only later). */
static void neutral_proc(struct child_ctx *c)
{
	char text[8192];
	size_t n = 0;
	cpu_set_t set;
	struct timespec rt, up;
	if (sched_getaffinity(0, sizeof set, &set) < 0)
		CPU_ZERO(&set);
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &up);
	n += (size_t)snprintf(text + n, sizeof text - n, "cpu  0 0 0 0 0 0 0 0 0 0\n");
	for (int cpu = 0; cpu < CPU_SETSIZE && n < sizeof text - 64; cpu++)
		if (CPU_ISSET(cpu, &set))
			n += (size_t)snprintf(text + n, sizeof text - n,
					      "cpu%d 0 0 0 0 0 0 0 0 0 0\n", cpu);
	snprintf(text + n, sizeof text - n,
		 "intr 0\nctxt 0\nbtime %lld\nprocesses 0\n"
		 "procs_running 1\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
		 (long long)(rt.tv_sec - up.tv_sec));
	write_file(c, NEWROOT "/sandbox/proc-stat", text, 0444);
	write_file(c, NEWROOT "/sandbox/proc-loadavg", "0.00 0.00 0.00 0/0 0\n", 0444);
	bind_ro(c, NEWROOT "/sandbox/proc-stat", NEWROOT "/proc/stat", 0, 1);
	bind_ro(c, NEWROOT "/sandbox/proc-loadavg", NEWROOT "/proc/loadavg", 0, 1);
}

static void mount_proc(struct child_ctx *c)
{
	/* No hidepid: every process in this pid namespace is the app's own. */
	CHECK(mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0,
	      "mount /proc");
	/* Kernel-wide knobs and information: read-only or hidden, as container engines do. */
	static const char *const ro[] = { "sys", "irq", "bus", "fs", "sysrq-trigger" };
	/* Masked too: the host's disks and their live I/O (every app's loop device), its
	 * kernel configuration, interrupts, file locks and scheduler statistics. */
	static const char *const masked[] = {
		"kcore",      "keys",       "timer_list",  "sched_debug", "kallsyms",   "kmsg",
		"kpagecount", "kpageflags", "kpagecgroup", "diskstats",   "partitions", "config.gz",
		"interrupts", "softirqs",   "locks",       "schedstat"
	};
	static const char *const masked_dirs[] = { "acpi", "scsi", "driver", "pressure" };
	char p[PATH_MAX];
	/* No executable memfds in this pid namespace (kernel 6.3+; a child namespace can
	 * only raise it): code that never sat on a mount could otherwise run, past the
	 * noexec of /data and /tmp. Set before /proc/sys turns read-only. */
	int fd = open(NEWROOT "/proc/sys/vm/memfd_noexec", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		CHECK(write(fd, "2", 1) == 1, "vm.memfd_noexec");
		close(fd);
	} else {
		int e = errno; /* CHECK clears errno before it tests */
		CHECK(e == ENOENT, "open vm.memfd_noexec: %s", strerror(e));
	}
	for (size_t i = 0; i < sizeof ro / sizeof ro[0]; i++) {
		snprintf(p, sizeof p, NEWROOT "/proc/%s", ro[i]);
		if (access(p, F_OK) == 0)
			bind_ro(c, p, p, 0, 1);
	}
	/* A plain bind of /dev/null, as runc masks: writing to it does nothing, and the
	 * read-only remount each would cost a system call more per start. */
	for (size_t i = 0; i < sizeof masked / sizeof masked[0]; i++) {
		snprintf(p, sizeof p, NEWROOT "/proc/%s", masked[i]);
		if (access(p, F_OK) == 0)
			CHECK(mount("/dev/null", p, NULL, MS_BIND, NULL) == 0, "mask %s", p);
	}
	for (size_t i = 0; i < sizeof masked_dirs / sizeof masked_dirs[0]; i++) {
		snprintf(p, sizeof p, NEWROOT "/proc/%s", masked_dirs[i]);
		if (access(p, F_OK) == 0)
			CHECK(mount("tmpfs", p, "tmpfs",
				    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				    "size=0,mode=0555") == 0,
			      "mask %s", p);
	}
	neutral_proc(c);
}

static void mount_dev(struct child_ctx *c)
{
	CHECK(mount("tmpfs", NEWROOT "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
		    "size=64k,nr_inodes=64,mode=0755") == 0,
	      "mount /dev");
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom" };
	char src[64], dst[PATH_MAX];
	for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++) {
		snprintf(src, sizeof src, "/dev/%s", devs[i]);
		snprintf(dst, sizeof dst, NEWROOT "/dev/%s", devs[i]);
		write_file(c, dst, "", 0666);
		bind_ro(c, src, dst, 1, 1);
	}
	CHECK(symlink("/proc/self/fd", NEWROOT "/dev/fd") == 0, "symlink /dev/fd");
	CHECK(symlink("/proc/self/fd/0", NEWROOT "/dev/stdin") == 0, "symlink /dev/stdin");
	CHECK(symlink("/proc/self/fd/1", NEWROOT "/dev/stdout") == 0, "symlink /dev/stdout");
	CHECK(symlink("/proc/self/fd/2", NEWROOT "/dev/stderr") == 0, "symlink /dev/stderr");
	CHECK(mount(NULL, NEWROOT "/dev", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
		    "size=64k,nr_inodes=64,mode=0755") == 0,
	      "remount /dev read-only");
}

static void make_etc(struct child_ctx *c)
{
	mkdirs(c, NEWROOT "/etc");
	write_file(c, NEWROOT "/etc/passwd",
		   "root:x:0:0:root:/:/usr/sbin/nologin\n"
		   "app:x:1000:1000:app:/tmp:/usr/sbin/nologin\n"
		   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
		   0644);
	write_file(c, NEWROOT "/etc/group", "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n", 0644);
	write_file(c, NEWROOT "/etc/nsswitch.conf",
		   "passwd: files\ngroup: files\nhosts: files\nnetworks: files\n", 0644);
	write_file(c, NEWROOT "/etc/hosts", "127.0.0.1 localhost\n::1 localhost\n", 0644);
	write_file(c, NEWROOT "/etc/hostname", "app\n", 0644);
	write_file(c, NEWROOT "/etc/resolv.conf", "# no network in the sandbox\n", 0644);
	bind_path(c, "/etc/ld.so.cache", NEWROOT "/etc/ld.so.cache", 0);
	/* OpenSSL's configuration and the public certificates; never /etc/ssl/private. */
	mkdirs(c, NEWROOT "/etc/ssl");
	bind_path(c, "/etc/ssl/openssl.cnf", NEWROOT "/etc/ssl/openssl.cnf", 0);
	bind_path(c, "/etc/ssl/certs", NEWROOT "/etc/ssl/certs", 0);
	bind_path(c, "/etc/ca-certificates", NEWROOT "/etc/ca-certificates", 0);
	bind_path(c, "/etc/localtime", NEWROOT "/etc/localtime", 0);
	bind_path(c, "/etc/alternatives", NEWROOT "/etc/alternatives", 0);
}

/* Makes node visible when it lives outside /usr (e.g. /opt/node/bin/node). */
static void bind_node(struct child_ctx *c)
{
	if (strncmp(c->node, "/usr/", 5) == 0)
		return;
	char dir[PATH_MAX], dst[PATH_MAX + 64];
	snprintf(dir, sizeof dir, "%s", c->node);
	*strrchr(dir, '/') = 0;
	snprintf(dst, sizeof dst, NEWROOT "%s", dir);
	mkdirs(c, dst);
	bind_ro(c, dir, dst, 0, 0);
}

/* init is never bound (a bind shows the installation's path in /proc/self/mountinfo):
 * installed under /usr it is already visible through the /usr bind, and /sandbox/init
 * is a symbolic link to it; anywhere else (a build tree) it is copied into the root
 * tmpfs (tens of KiB, charged to the app's cgroup). */
static void copy_init(struct child_ctx *c)
{
	char buf[65536];
	if (strncmp(c->init, "/usr/", 5) == 0) {
		CHECK(symlink(c->init, NEWROOT "/sandbox/init") == 0, "symlink /sandbox/init");
		return;
	}
	int in = open(c->init, O_RDONLY | O_CLOEXEC);
	CHECK(in >= 0, "open %s", c->init);
	int out = open(NEWROOT "/sandbox/init", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0555);
	CHECK(out >= 0, "create /sandbox/init");
	for (;;) {
		ssize_t r = read(in, buf, sizeof buf);
		CHECK(r >= 0, "read %s", c->init);
		if (r == 0)
			break;
		CHECK(write(out, buf, (size_t)r) == r, "write /sandbox/init");
	}
	close(in);
	close(out);
}

static void setup_root(struct child_ctx *c)
{
	const struct sandbox_spec *s = c->spec;
	char opts[128];
	CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "make / private");
	CHECK(mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV,
		    "size=1m,nr_inodes=512,mode=0755") == 0,
	      "mount root tmpfs");
	static const char *const dirs[] = { "usr",  "app", "data",    "tmp",
					    "proc", "dev", "sandbox", ".oldroot" };
	char p[PATH_MAX];
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(p, sizeof p, NEWROOT "/%s", dirs[i]);
		CHECK(mkdir(p, 0755) == 0, "mkdir %s", p);
	}
	bind_ro(c, "/usr", NEWROOT "/usr", 0, 0);
	static const char *const top[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
	for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
		char src[64];
		snprintf(src, sizeof src, "/%s", top[i]);
		snprintf(p, sizeof p, NEWROOT "/%s", top[i]);
		bind_path(c, src, p, 0);
	}
	make_etc(c);
	bind_node(c);
	bind_ro(c, c->code, NEWROOT "/app", 0, 1);
	MARK(c, SM_BINDS);
	mount_data(c, NEWROOT "/data");
	MARK(c, SM_DATA);
	snprintf(opts, sizeof opts, "size=%ldm,nr_inodes=%ld,mode=1777", s->lim.tmp_mb,
		 s->lim.tmp_mb * 256 + 64);
	CHECK(mount("tmpfs", NEWROOT "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) == 0,
	      "mount /tmp");
	mount_dev(c);
	mount_proc(c);
	copy_init(c);
	write_file(c, NEWROOT "/sandbox/preload.js", sandbox_preload_js, 0444);

	CHECK(chdir(NEWROOT) == 0, "chdir new root");
	CHECK(syscall(SYS_pivot_root, ".", ".oldroot") == 0, "pivot_root");
	CHECK(chdir("/") == 0, "chdir /");
	CHECK(umount2("/.oldroot", MNT_DETACH) == 0, "detach the old root");
	CHECK(rmdir("/.oldroot") == 0, "rmdir /.oldroot");
	CHECK(mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
		    "size=1m,nr_inodes=512,mode=0755") == 0,
	      "remount / read-only");
	MARK(c, SM_ROOT);
}

/* Enters a user namespace where uid/gid APP_UID are spec->uid/gid on the host, and
 * gives up every capability. */
static void become_app(struct child_ctx *c)
{
	CHECK(setgroups(0, NULL) == 0, "setgroups"); /* before: the host's root groups */
	CHECK(unshare(CLONE_NEWUSER) == 0, "unshare(CLONE_NEWUSER)");
	char msg[1 + sizeof c->marks];
	msg[0] = 'U';
	memcpy(msg + 1, c->marks, sizeof c->marks);
	CHECK(write(c->sync_fd, msg, sizeof msg) == (ssize_t)sizeof msg, "sync");
	sync_wait(c, 'M');
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			child_die(c->sync_fd, "PR_CAPBSET_DROP %d", cap);
	CHECK(setresgid(APP_UID, APP_UID, APP_UID) == 0, "setresgid");
	CHECK(setresuid(APP_UID, APP_UID, APP_UID) == 0, "setresuid");
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	CHECK(syscall(SYS_capset, &h, d) == 0, "capset");
	CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == 0 || errno == EINVAL,
	      "clear ambient capabilities");
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "no_new_privs");
	CHECK(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0, "dumpable");
	/* A uid change cleared the parent-death signal: set it again, then make sure the
	 * parent did not die in between (its end of the sync socket would be closed). */
	CHECK(prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == 0, "PR_SET_PDEATHSIG");
	struct pollfd p = { c->sync_fd, POLLIN, 0 };
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)))
		_exit(127);
}

static void set_limit(struct child_ctx *c, int res, rlim_t v, const char *name)
{
	struct rlimit rl = { v, v };
	CHECK(setrlimit(res, &rl) == 0, "setrlimit %s", name);
}

static void set_rlimits(struct child_ctx *c)
{
	const struct sandbox_limits *l = &c->spec->lim;
	set_limit(c, RLIMIT_CORE, 0, "CORE");
	set_limit(c, RLIMIT_FSIZE, (rlim_t)l->fsize_mb << 20, "FSIZE");
	set_limit(c, RLIMIT_NOFILE, (rlim_t)l->nofile, "NOFILE");
	/* Our uid is this app's own, so a per-uid process cap is meaningful. */
	if (l->pids)
		set_limit(c, RLIMIT_NPROC, (rlim_t)l->pids + 8, "NPROC");
	if (l->cpu_seconds) { /* per process and only a backstop: the cgroup is counted */
		struct rlimit rl = { (rlim_t)l->cpu_seconds + 2, (rlim_t)l->cpu_seconds + 4 };
		CHECK(setrlimit(RLIMIT_CPU, &rl) == 0, "setrlimit CPU");
	}
}

/* The app's descriptors, as arrange_fds leaves them: 0 /dev/null, 1 the stdout pipe, 2
 * the stderr pipe, FD_LISTEN the listener (LISTEN_FDS=1: systemd's first is 3),
 * FD_READY the readiness pipe (its number in APPFORGE_READY_FD), FD_SYNC the sync
 * socket (close-on-exec); nothing above. */
#define FD_LISTEN 3
#define FD_READY 4
#define FD_SYNC 5
#define FD_STR_(n) #n
#define FD_STR(n) FD_STR_(n)

static void arrange_fds(struct child_ctx *c)
{
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK(nul >= 0, "open /dev/null");
	int hi_out = fcntl(c->out_wfd, F_DUPFD_CLOEXEC, 16);
	int hi_err = fcntl(c->err_wfd, F_DUPFD_CLOEXEC, 16);
	int hi_lis = fcntl(c->listen_fd, F_DUPFD_CLOEXEC, 16);
	int hi_ready = fcntl(c->ready_wfd, F_DUPFD_CLOEXEC, 16);
	int hi_sync = fcntl(c->sync_fd, F_DUPFD_CLOEXEC, 16);
	int hi_nul = fcntl(nul, F_DUPFD_CLOEXEC, 16);
	CHECK(hi_out >= 0 && hi_err >= 0 && hi_lis >= 0 && hi_ready >= 0 && hi_sync >= 0 &&
		      hi_nul >= 0,
	      "dup");
	c->sync_fd = hi_sync;
	CHECK(dup2(hi_nul, 0) == 0 && dup2(hi_out, 1) == 1 && dup2(hi_err, 2) == 2 &&
		      dup2(hi_lis, FD_LISTEN) == FD_LISTEN && dup2(hi_ready, FD_READY) == FD_READY,
	      "dup2");
	CHECK(dup3(hi_sync, FD_SYNC, O_CLOEXEC) == FD_SYNC, "dup3");
	c->sync_fd = FD_SYNC;
	if (syscall(SYS_close_range, FD_SYNC + 1U, ~0U, 0U) < 0)
		for (int fd = FD_SYNC + 1; fd < 65536; fd++)
			close(fd);
}

__attribute__((noreturn)) void sandbox_child_main(struct child_ctx *c)
{
	const struct sandbox_spec *s = c->spec;
	sigset_t all;
	MARK(c, SM_CHILD);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	CHECK(prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == 0, "PR_SET_PDEATHSIG");
	/* A network namespace made ahead (sandbox_netns.c, lo up already) instead of the
	 * clone's own: entered before anything else happens in here. */
	bool net_made_ahead = c->netns_fd >= 0;
	if (net_made_ahead) {
		CHECK(setns(c->netns_fd, CLONE_NEWNET) == 0, "setns(network namespace)");
		close_fd(&c->netns_fd);
	}
	/* On cgroup v1 we join our cgroup ourselves, at once (see cgroup.h); on v2 we
	 * were born in it (clone3), or, where clone3 was refused, the parent moves us while
	 * the root is built. Either way nothing of the app runs before 'G', and the cgroup
	 * namespace is made only once we are inside. */
	CHECK(cgroup_self_attach(c->cg_fds) == 0, "joining the cgroup");
	MARK(c, SM_JOINED);
	CHECK(sethostname("app", 3) == 0, "sethostname");
	setup_root(c);
	if (!net_made_ahead)
		CHECK(sandbox_lo_up() == 0, "lo up");
	CHECK(chdir("/app") == 0, "chdir /app");
	MARK(c, SM_NET);
	sync_wait(c, 'G'); /* in the cgroup now; EOF here means the parent died */
	CHECK(unshare(CLONE_NEWCGROUP) == 0, "unshare(CLONE_NEWCGROUP)");
	become_app(c);
	CHECK(setsid() >= 0, "setsid");
	arrange_fds(c);
	set_rlimits(c);

	char e_port[32], e_app[96];
	snprintf(e_port, sizeof e_port, "PORT=%d", s->port);
	snprintf(e_app, sizeof e_app, "APP_ID=%s", s->app_id);
	char *envp[9 + APPENV_MAX_VARS] = { e_port,
					    e_app,
					    "DATA_DIR=/data",
					    "NODE_ENV=production",
					    "HOME=/tmp",
					    "PATH=/usr/local/bin:/usr/bin:/bin",
					    "LISTEN_FDS=1",
					    "APPFORGE_READY_FD=" FD_STR(FD_READY),
					    NULL };
	size_t k = 0;
	while (envp[k])
		k++;
	for (int i = 0; s->env && s->env[i] && i < APPENV_MAX_VARS; i++)
		envp[k++] = s->env[i], envp[k] = NULL;
	char *argv[256];
	int n = 0;
	argv[n++] = "/sandbox/init";
	if (s->argv) {
		for (int i = 0; s->argv[i] && n < 254; i++)
			argv[n++] = s->argv[i];
	} else {
		argv[n++] = c->node;
		argv[n++] = "--require";
		argv[n++] = "/sandbox/preload.js";
		argv[n++] = "/app/server.js";
	}
	argv[n] = NULL;

	CHECK(sandbox_seccomp_apply() == 0, "seccomp");
	execve("/sandbox/init", argv, envp);
	child_die(c->sync_fd, "execve /sandbox/init");
}
