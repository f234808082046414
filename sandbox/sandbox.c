/* sandbox.c: starting, watching and tearing down one confined app (see sandbox.h).
 *
 * The order of a start, and why:
 *   parent (root)                         child (pid 1 of new pid/mount/net/ipc/uts ns)
 *   lock data dir, make data.img, open
 *   log, compile the seccomp filter (once
 *   per process), create cgroup, open its
 *   v1 "tasks" files, clone          --->  PDEATHSIG; v1: join the cgroup by writing "0"
 *                                         to each tasks file (no global lock, see
 *                                         cgroup.h); still real root in the host user
 *                                         namespace: private mounts, tmpfs root,
 *                                         read-only binds, loop-mount data.img, /tmp,
 *                                         /proc, /dev, pivot_root, lo up
 *   v2: attach child to cgroup; "go" --->  wait for "go" (EOF = parent died);
 *                                         unshare(cgroup ns): its cgroup becomes its "/"
 *                                   <---  setgroups(0); unshare(user ns); "U"
 *   write uid_map/gid_map           --->  "M"; caps bounding set dropped, uid/gid 1000
 *                                         inside = spec uid/gid outside, all caps
 *                                         cleared, no_new_privs, rlimits, setsid,
 *                                         fds 0-3 only, clean env, seccomp, execve init
 *   EOF on the sync socket = exec done (an error arrives as a message instead).
 *
 * The user namespace comes last on purpose: every other namespace and every mount
 * belongs to the host's user namespace, so even a process that regained all
 * capabilities inside its own user namespace could not mount, unmount or reconfigure
 * the network. The app's uid is unprivileged on the host as well. */
#include "sandbox/sandbox.h"
#include "sandbox/seccomp.h"
#include "common/appenv.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/loop.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_PKGLIBEXECDIR
#define AF_PKGLIBEXECDIR "/usr/local/libexec/appforge"
#endif
#ifndef AF_NODE
#define AF_NODE "/usr/bin/node"
#endif

#define APP_UID 1000                   /* the app's uid and gid inside its namespace */
#define NEWROOT "/run/appforge-sandbox"  /* mount point of the new root (in the child ns) */

extern const char sandbox_preload_js[];  /* preload.js, embedded at build time */

static void close_fd(int *fd);
static void log_sys(struct sandbox *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sandbox_limits_default(struct sandbox_limits *lim)
{
	lim->memory_mb = 256;
	lim->pids = 64;
	lim->cpu_percent = 50;
	lim->wall_seconds = 3600;
	lim->cpu_seconds = 600;
	lim->data_mb = 64;
	lim->tmp_mb = 32;
	lim->nofile = 256;
	lim->fsize_mb = 32;
	lim->log_bytes = 1L << 20;
	lim->log_rate = APPLOG_RATE_DEFAULT;
	lim->log_burst = APPLOG_BURST_DEFAULT;
}

int sandbox_valid_app_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------------------------
 * The child side. Everything here runs in the cloned child before execve; on error it
 * reports through the sync socket and exits. */

struct child_ctx {
	const struct sandbox_spec *spec;
	int sync_fd, out_wfd, err_wfd, listen_fd;
	int cg_fds[CG_NCTRL];   /* cgroup v1 "tasks" files to join through, or -1 */
	char code[PATH_MAX], data_img[PATH_MAX], node[PATH_MAX], init[PATH_MAX];
};

__attribute__((noreturn, format(printf, 2, 3)))
static void child_die(int sync_fd, const char *fmt, ...)
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

#define CHECK(cond, ...) do { errno = 0; if (!(cond)) child_die(c->sync_fd, __VA_ARGS__); } while (0)

static void sync_wait(struct child_ctx *c, char want)
{
	char b;
	ssize_t r;
	do
		r = read(c->sync_fd, &b, 1);
	while (r < 0 && errno == EINTR);
	if (r != 1)           /* the parent is gone: nothing to set up for */
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
		return;                 /* optional pieces (e.g. /lib64 on some arches) */
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

/* Attaches data.img to a free loop device (auto-cleared when its last mount goes away,
 * i.e. when this mount namespace dies) and mounts it at dst. */
static void mount_data(struct child_ctx *c, const char *dst)
{
	int img = open(c->data_img, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	CHECK(img >= 0, "open %s", c->data_img);
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	CHECK(ctl >= 0, "open /dev/loop-control");
	char dev[64];
	int loopfd = -1;
	for (int tries = 0; tries < 50 && loopfd < 0; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		CHECK(n >= 0, "LOOP_CTL_GET_FREE");
		snprintf(dev, sizeof dev, "/dev/loop%d", n);
		int fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {   /* no udev to create the node for us */
			if (mknod(dev, S_IFBLK | 0600, makedev(7, (unsigned)n)) < 0 && errno != EEXIST)
				child_die(c->sync_fd, "mknod %s", dev);
			fd = open(dev, O_RDWR | O_CLOEXEC);
		}
		CHECK(fd >= 0, "open %s", dev);
		struct loop_config cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.fd = (unsigned)img;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0) {
			loopfd = fd;
			break;
		}
		int e = errno;
		close(fd);
		if (e != EBUSY) {
			errno = e;
			child_die(c->sync_fd, "LOOP_CONFIGURE %s", dev);
		}
	}
	CHECK(loopfd >= 0, "no free loop device");
	CHECK(mount(dev, dst, "ext4", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME,
		    "errors=remount-ro") == 0, "mount %s (ext4) on /data", c->data_img);
	close(loopfd);
	close(ctl);
	close(img);
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
	snprintf(text + n, sizeof text - n, "intr 0\nctxt 0\nbtime %lld\nprocesses 0\n"
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
	CHECK(mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		    NULL) == 0, "mount /proc");
	/* Kernel-wide knobs and information: read-only or hidden, as container engines do. */
	static const char *const ro[] = { "sys", "irq", "bus", "fs", "sysrq-trigger" };
	/* Masked too: the host's disks and their live I/O (every app's loop device), its
	 * kernel configuration, interrupts, file locks and scheduler statistics. */
	static const char *const masked[] = { "kcore", "keys", "timer_list", "sched_debug",
		"kallsyms", "kmsg", "kpagecount", "kpageflags", "kpagecgroup", "diskstats",
		"partitions", "config.gz", "interrupts", "softirqs", "locks", "schedstat" };
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
		int e = errno;          /* CHECK clears errno before it tests */
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
			CHECK(mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				    "size=0,mode=0555") == 0, "mask %s", p);
	}
	neutral_proc(c);
}

static void mount_dev(struct child_ctx *c)
{
	CHECK(mount("tmpfs", NEWROOT "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
		    "size=64k,nr_inodes=64,mode=0755") == 0, "mount /dev");
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
		    "size=64k,nr_inodes=64,mode=0755") == 0, "remount /dev read-only");
}

static void make_etc(struct child_ctx *c)
{
	mkdirs(c, NEWROOT "/etc");
	write_file(c, NEWROOT "/etc/passwd",
		   "root:x:0:0:root:/:/usr/sbin/nologin\n"
		   "app:x:1000:1000:app:/tmp:/usr/sbin/nologin\n"
		   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", 0644);
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
		    "size=1m,nr_inodes=512,mode=0755") == 0, "mount root tmpfs");
	static const char *const dirs[] = { "usr", "app", "data", "tmp", "proc", "dev",
		"sandbox", ".oldroot" };
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
	mount_data(c, NEWROOT "/data");
	snprintf(opts, sizeof opts, "size=%ldm,nr_inodes=%ld,mode=1777",
		 s->lim.tmp_mb, s->lim.tmp_mb * 256 + 64);
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
		    "size=1m,nr_inodes=512,mode=0755") == 0, "remount / read-only");
}

static void loopback_up(struct child_ctx *c)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0, "socket");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	CHECK(ioctl(fd, SIOCGIFFLAGS, &ifr) == 0, "SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	CHECK(ioctl(fd, SIOCSIFFLAGS, &ifr) == 0, "SIOCSIFFLAGS lo");
	close(fd);
}

/* Enters a user namespace where uid/gid APP_UID are spec->uid/gid on the host, and
 * gives up every capability. */
static void become_app(struct child_ctx *c)
{
	CHECK(setgroups(0, NULL) == 0, "setgroups");     /* before: the host's root groups */
	CHECK(unshare(CLONE_NEWUSER) == 0, "unshare(CLONE_NEWUSER)");
	CHECK(write(c->sync_fd, "U", 1) == 1, "sync");
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
	if (l->cpu_seconds) {     /* per process and only a backstop: the cgroup is counted */
		struct rlimit rl = { (rlim_t)l->cpu_seconds + 2, (rlim_t)l->cpu_seconds + 4 };
		CHECK(setrlimit(RLIMIT_CPU, &rl) == 0, "setrlimit CPU");
	}
}

/* fds: 0 /dev/null, 1 the stdout pipe, 2 the stderr pipe, 3 the listener, 4 the sync
 * socket (close-on-exec). */
static void arrange_fds(struct child_ctx *c)
{
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK(nul >= 0, "open /dev/null");
	int hi_out = fcntl(c->out_wfd, F_DUPFD_CLOEXEC, 16);
	int hi_err = fcntl(c->err_wfd, F_DUPFD_CLOEXEC, 16);
	int hi_lis = fcntl(c->listen_fd, F_DUPFD_CLOEXEC, 16);
	int hi_sync = fcntl(c->sync_fd, F_DUPFD_CLOEXEC, 16);
	int hi_nul = fcntl(nul, F_DUPFD_CLOEXEC, 16);
	CHECK(hi_out >= 0 && hi_err >= 0 && hi_lis >= 0 && hi_sync >= 0 && hi_nul >= 0, "dup");
	c->sync_fd = hi_sync;
	CHECK(dup2(hi_nul, 0) == 0 && dup2(hi_out, 1) == 1 && dup2(hi_err, 2) == 2 &&
	      dup2(hi_lis, 3) == 3, "dup2");
	CHECK(dup3(hi_sync, 4, O_CLOEXEC) == 4, "dup3");
	c->sync_fd = 4;
	if (syscall(SYS_close_range, 5U, ~0U, 0U) < 0)
		for (int fd = 5; fd < 65536; fd++)
			close(fd);
}

__attribute__((noreturn))
static void child_main(struct child_ctx *c)
{
	const struct sandbox_spec *s = c->spec;
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	CHECK(prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == 0, "PR_SET_PDEATHSIG");
	/* On cgroup v1 we join our cgroup ourselves, first thing (see cgroup.h); on v2
	 * the parent moves us while the root is built. Either way nothing of the app runs
	 * before 'G', and the cgroup namespace is made only once we are inside. */
	CHECK(cgroup_self_attach(c->cg_fds) == 0, "joining the cgroup");
	CHECK(sethostname("app", 3) == 0, "sethostname");
	setup_root(c);
	loopback_up(c);
	CHECK(chdir("/app") == 0, "chdir /app");
	sync_wait(c, 'G');      /* in the cgroup now; EOF here means the parent died */
	CHECK(unshare(CLONE_NEWCGROUP) == 0, "unshare(CLONE_NEWCGROUP)");
	become_app(c);
	CHECK(setsid() >= 0, "setsid");
	arrange_fds(c);
	set_rlimits(c);

	char e_port[32], e_app[96];
	snprintf(e_port, sizeof e_port, "PORT=%d", s->port);
	snprintf(e_app, sizeof e_app, "APP_ID=%s", s->app_id);
	char *envp[8 + APPENV_MAX_VARS] = { e_port, e_app, "DATA_DIR=/data",
		"NODE_ENV=production", "HOME=/tmp", "PATH=/usr/local/bin:/usr/bin:/bin",
		"LISTEN_FDS=1", NULL };
	for (int i = 0, k = 7; s->env && s->env[i] && i < APPENV_MAX_VARS; i++)
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

/* ---------------------------------------------------------------------------------
 * The parent side. */

static int find_init(const struct sandbox_spec *spec, char *out, size_t outlen, char *err,
		     size_t errlen)
{
	if (spec->init_path) {
		if (!realpath(spec->init_path, out))
			return fail(err, errlen, "init %s: %s", spec->init_path, strerror(errno));
		return 0;
	}
	const char *env = getenv("AF_SANDBOX_INIT");
	if (env && *env && realpath(env, out))
		return 0;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			char cand[PATH_MAX + 32];
			*slash = 0;
			snprintf(cand, sizeof cand, "%s/appforge-init", self);
			if (access(cand, X_OK) == 0 && realpath(cand, out))
				return 0;
			/* libtool-less test binaries live in tests/...; the init in sandbox/ */
			snprintf(cand, sizeof cand, "%s/../../sandbox/appforge-init", self);
			if (access(cand, X_OK) == 0 && realpath(cand, out))
				return 0;
		}
	}
	if (realpath(AF_PKGLIBEXECDIR "/appforge-init", out) && access(out, X_OK) == 0)
		return 0;
	(void)outlen;
	return fail(err, errlen, "appforge-init not found (beside %s or in %s)", self,
		    AF_PKGLIBEXECDIR);
}

/* Runs argv with an empty environment and no stdin; stderr kept for its message. */
static int run_tool(char *const argv[], char *err, size_t errlen)
{
	pid_t pid = fork();
	if (pid < 0)
		return fail(err, errlen, "fork: %s", strerror(errno));
	if (pid == 0) {
		char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
		}
		execve(argv[0], argv, envp);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return fail(err, errlen, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return fail(err, errlen, "%s failed (status %d)", argv[0], st);
	return 0;
}

/* mkfs.ext4 of data_mb on path (a new file); owner as "root_owner=U:G". */
static int make_ext4(const char *path, long data_mb, const char *owner, char *err,
		     size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fail(err, errlen, "create %s: %s", path, strerror(errno));
	if (ftruncate(fd, (off_t)data_mb << 20) < 0) {
		int e = errno;
		close(fd);
		unlink(path);
		return fail(err, errlen, "size %s: %s", path, strerror(e));
	}
	close(fd);
	const char *mkfs = access("/usr/sbin/mkfs.ext4", X_OK) == 0 ? "/usr/sbin/mkfs.ext4"
			 : "/sbin/mkfs.ext4";
	char *argv[] = { (char *)mkfs, "-q", "-F", "-m", "0", "-E", (char *)owner,
			 (char *)path, NULL };
	if (run_tool(argv, err, errlen) < 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

/* Copies the regular file src to the new file dst, holes kept (in the kernel, by
 * copy_file_range over the data extents). */
static int sparse_copy(const char *src, const char *dst, char *err, size_t errlen)
{
	int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), out = -1, rc = -1;
	struct stat st;
	if (in < 0 || fstat(in, &st) < 0) {
		fail(err, errlen, "open %s: %s", src, strerror(errno));
		goto done;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0 || ftruncate(out, st.st_size) < 0) {
		fail(err, errlen, "create %s: %s", dst, strerror(errno));
		goto done;
	}
	off_t pos = 0;
	while (pos < st.st_size) {
		off_t data = lseek(in, pos, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;                  /* only a hole is left */
		off_t hole = data < 0 ? -1 : lseek(in, data, SEEK_HOLE);
		if (data < 0 || hole < 0) {
			fail(err, errlen, "seek %s: %s", src, strerror(errno));
			goto done;
		}
		off_t a = data, b = data;
		while (a < hole) {
			ssize_t n = copy_file_range(in, &a, out, &b, (size_t)(hole - a), 0);
			if (n <= 0) {
				fail(err, errlen, "copy %s: %s", src, n < 0 ? strerror(errno) :
				     "unexpected end");
				goto done;
			}
		}
		pos = hole;
	}
	rc = 0;
done:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && rc == 0)
		rc = fail(err, errlen, "close %s: %s", dst, strerror(errno));
	if (rc < 0 && out >= 0)
		unlink(dst);
	return rc;
}

/* The empty image of data_mb in the cache, made once (mkfs to a unique name, then a
 * rename, so concurrent makers never see half of one). Its root belongs to root: the
 * first mount hands the file system to the app's uid (mount_data). */
static int cached_image(const char *cache, long data_mb, char *out, size_t outlen,
			char *err, size_t errlen)
{
	struct stat st;
	if ((size_t)snprintf(out, outlen, "%s/data-ext4-v1-%ldm.img", cache, data_mb) >= outlen)
		return fail(err, errlen, "image cache path too long");
	if (lstat(out, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == (off_t)data_mb << 20)
		return 0;
	if (mkdir(cache, 0700) < 0 && errno != EEXIST)
		return fail(err, errlen, "mkdir %s: %s", cache, strerror(errno));
	char tmp[PATH_MAX + 64];
	snprintf(tmp, sizeof tmp, "%s.%d.new", out, (int)getpid());
	unlink(tmp);
	if (make_ext4(tmp, data_mb, "root_owner=0:0", err, errlen) < 0)
		return -1;
	if (rename(tmp, out) < 0) {
		unlink(tmp);
		return fail(err, errlen, "rename %s: %s", out, strerror(errno));
	}
	return 0;
}

/* Makes data_dir/data.img (an ext4 file system of data_mb) unless it exists. The image
 * is the quota: the app can fill it and get ENOSPC, never the host's disk. With an
 * image cache it is a sparse copy of the cached empty image (about 1 ms instead of a
 * 10-60 ms mkfs.ext4); the copies share the file system UUID, which ext4 ignores. */
static int ensure_image(const char *data_dir, const struct sandbox_spec *spec, char *img,
			size_t imglen, char *err, size_t errlen)
{
	if ((size_t)snprintf(img, imglen, "%s/data.img", data_dir) >= imglen)
		return fail(err, errlen, "data dir path too long");
	struct stat st;
	if (lstat(img, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return fail(err, errlen, "%s is not a regular file", img);
		return 0;
	}
	char tmp[PATH_MAX + 16];
	snprintf(tmp, sizeof tmp, "%s.new", img);
	unlink(tmp);
	if (spec->image_cache) {
		char tpl[PATH_MAX];
		if (cached_image(spec->image_cache, spec->lim.data_mb, tpl, sizeof tpl, err,
				 errlen) < 0 ||
		    sparse_copy(tpl, tmp, err, errlen) < 0)
			return -1;
	} else {
		char owner[64];
		snprintf(owner, sizeof owner, "root_owner=%u:%u", (unsigned)spec->uid,
			 (unsigned)spec->gid);
		if (make_ext4(tmp, spec->lim.data_mb, owner, err, errlen) < 0)
			return -1;
	}
	if (rename(tmp, img) < 0) {
		unlink(tmp);
		return fail(err, errlen, "rename %s: %s", img, strerror(errno));
	}
	return 0;
}

static int write_map(pid_t pid, const char *file, const char *text)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/%s", (int)pid, file);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Waits for one message from the child: returns its first byte, 0 at EOF, -1 on a
 * timeout or error; an error message ("E...") is copied to err. */
static int read_child(int fd, char *err, size_t errlen, int timeout_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	char msg[512];
	ssize_t n = read(fd, msg, sizeof msg - 1);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	msg[n] = 0;
	if (msg[0] == 'E')
		fail(err, errlen, "sandbox setup: %s", msg + 1);
	return (unsigned char)msg[0];
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int check_spec(const struct sandbox_spec *s, char *err, size_t errlen)
{
	if (!sandbox_valid_app_id(s->app_id))
		return fail(err, errlen, "invalid app id (use 1-63 of [A-Za-z0-9_-])");
	if (!s->code_dir || !s->data_dir || !s->log_path)
		return fail(err, errlen, "code dir, data dir and log path are required");
	if (s->uid < 1000 || s->gid < 1000 || s->uid == (uid_t)-1 || s->gid == (gid_t)-1)
		return fail(err, errlen, "sandbox uid/gid must be unprivileged (>= 1000)");
	if (s->listen_fd < 0)
		return fail(err, errlen, "a listening socket is required");
	if (s->port < 1 || s->port > 65535)
		return fail(err, errlen, "invalid port %d", s->port);
	const struct sandbox_limits *l = &s->lim;
	if (l->memory_mb < 16 || l->memory_mb > 1L << 20)
		return fail(err, errlen, "memory limit must be 16 MiB .. 1 TiB");
	if (l->pids < 4 || l->pids > 1 << 20)
		return fail(err, errlen, "pids limit must be 4 .. 1048576");
	if (l->cpu_percent < 1 || l->cpu_percent > 100 * 1024)
		return fail(err, errlen, "cpu percent must be 1 .. 102400");
	if (l->wall_seconds < 0 || l->cpu_seconds < 0 || l->cpu_boost_ms < 0 ||
	    l->cpu_boost_ms > 600000)
		return fail(err, errlen, "time limits must not be negative (cpu boost <= 600 s)");
	if (l->data_mb < 2 || l->data_mb > 1L << 20 || l->tmp_mb < 1 || l->tmp_mb > 1L << 20)
		return fail(err, errlen, "data must be 2 MiB .. 1 TiB, tmp 1 MiB .. 1 TiB");
	if (l->nofile < 16 || l->nofile > 1 << 20 || l->fsize_mb < 1 || l->fsize_mb > 1L << 30)
		return fail(err, errlen, "nofile must be 16 .. 1048576, fsize at least 1 MiB");
	if (l->log_bytes < 1024)
		return fail(err, errlen, "log cap must be at least 1 KiB");
	return 0;
}

static void sb_init(struct sandbox *sb)
{
	memset(sb, 0, sizeof *sb);
	sb->pid = -1;
	sb->pidfd = sb->log_rfd = sb->log_fd = sb->lock_fd = sb->echo_fd = -1;
	sb->out_fd = sb->err_fd = -1;
}

/* Takes the per-app lock and opens the log. */
static int open_files(const struct sandbox_spec *spec, const char *data_dir,
		      struct sandbox *sb, char *err, size_t errlen)
{
	char p[PATH_MAX + 16];
	snprintf(p, sizeof p, "%s/lock", data_dir);
	sb->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sb->lock_fd < 0)
		return fail(err, errlen, "open %s: %s", p, strerror(errno));
	if (flock(sb->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return fail(err, errlen, errno == EWOULDBLOCK ? "app %s is already running"
			    : "lock %s failed", spec->app_id);
	if ((size_t)snprintf(sb->log_path, sizeof sb->log_path, "%s", spec->log_path) >=
	    sizeof sb->log_path)
		return fail(err, errlen, "log path too long");
	sb->log_fd = open(spec->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			  0640);
	if (sb->log_fd < 0)
		return fail(err, errlen, "open log %s: %s", spec->log_path, strerror(errno));
	struct stat st;
	sb->log_written = fstat(sb->log_fd, &st) == 0 ? st.st_size : 0;
	sb->log_bytes = spec->lim.log_bytes;
	return 0;
}

/* Takes the read ends of the app's stdout and stderr pipes (outp[0], errp[0]) into sb,
 * behind one epoll descriptor (log_rfd) that the caller's event loop watches. */
static int watch_output(struct sandbox *sb, int *outp, int *errp,
			const struct sandbox_limits *lim, char *err, size_t errlen)
{
	sb->out_fd = outp[0];
	sb->err_fd = errp[0];
	outp[0] = errp[0] = -1;
	fcntl(sb->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(sb->err_fd, F_SETFL, O_NONBLOCK);
	sb->log_rfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event eo = { .events = EPOLLIN, .data.fd = sb->out_fd };
	struct epoll_event ee = { .events = EPOLLIN, .data.fd = sb->err_fd };
	if (sb->log_rfd < 0 || epoll_ctl(sb->log_rfd, EPOLL_CTL_ADD, sb->out_fd, &eo) < 0 ||
	    epoll_ctl(sb->log_rfd, EPOLL_CTL_ADD, sb->err_fd, &ee) < 0)
		return fail(err, errlen, "epoll for the app's output: %s", strerror(errno));
	applog_bucket_init(&sb->bucket, lim->log_rate, lim->log_burst, now_ms());
	return 0;
}

/* Talks the child through its setup; 0 once init has been exec'ed. */
static int drive_child(struct sandbox *sb, int sync_fd, const struct sandbox_spec *spec,
		       int self_attached, char *err, size_t errlen)
{
	if (!self_attached && cgroup_attach(&sb->cg, sb->pid, err, errlen) < 0)
		return -1;
	if (write(sync_fd, "G", 1) != 1)
		return fail(err, errlen, "sync with the sandbox: %s", strerror(errno));
	int m = read_child(sync_fd, err, errlen, 20000);
	if (m != 'U')
		return m == 'E' ? -1 : fail(err, errlen, "sandbox setup died (%d)", m);
	char map[64];
	snprintf(map, sizeof map, "%d %u 1\n", APP_UID, (unsigned)spec->uid);
	if (write_map(sb->pid, "uid_map", map) < 0)
		return fail(err, errlen, "writing uid_map: %s", strerror(errno));
	if (write_map(sb->pid, "setgroups", "deny") < 0)
		return fail(err, errlen, "writing setgroups: %s", strerror(errno));
	snprintf(map, sizeof map, "%d %u 1\n", APP_UID, (unsigned)spec->gid);
	if (write_map(sb->pid, "gid_map", map) < 0)
		return fail(err, errlen, "writing gid_map: %s", strerror(errno));
	if (write(sync_fd, "M", 1) != 1)
		return fail(err, errlen, "sync with the sandbox: %s", strerror(errno));
	m = read_child(sync_fd, err, errlen, 20000);
	if (m != 0)
		return m == 'E' ? -1 : fail(err, errlen, "sandbox setup: unexpected '%c'", m);
	return 0;
}

int sandbox_start(const struct sandbox_spec *spec, struct sandbox *sb, char *err,
		  size_t errlen)
{
	struct child_ctx c;
	char data_dir[PATH_MAX];
	int sync[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	sb_init(sb);
	memset(&c, 0, sizeof c);
	c.spec = spec;
	for (int i = 0; i < CG_NCTRL; i++)
		c.cg_fds[i] = -1;
	if (check_spec(spec, err, errlen) < 0)
		return -1;
	if (geteuid() != 0)
		return fail(err, errlen, "the sandbox must be started as root");
	if (!realpath(spec->code_dir, c.code))
		return fail(err, errlen, "code dir %s: %s", spec->code_dir, strerror(errno));
	if (!realpath(spec->data_dir, data_dir))
		return fail(err, errlen, "data dir %s: %s", spec->data_dir, strerror(errno));
	const char *node = spec->node_path ? spec->node_path : AF_NODE;
	if (!realpath(node, c.node) || access(c.node, X_OK) < 0)
		return fail(err, errlen, "node %s: %s", node, strerror(errno));
	if (find_init(spec, c.init, sizeof c.init, err, errlen) < 0 ||
	    sandbox_seccomp_prepare(err, errlen) < 0)
		return -1;
	if (open_files(spec, data_dir, sb, err, errlen) < 0)
		goto fail_files;
	if (ensure_image(data_dir, spec, c.data_img, sizeof c.data_img, err, errlen) < 0)
		goto fail_files;
	if (mkdir(NEWROOT, 0700) < 0 && errno != EEXIST) {
		fail(err, errlen, "mkdir %s: %s", NEWROOT, strerror(errno));
		goto fail_files;
	}
	/* With a boost the quota comes later (sandbox_tick): node starts unthrottled. */
	struct cgroup_limits cl = { (uint64_t)spec->lim.memory_mb << 20, spec->lim.pids,
				    spec->lim.cpu_boost_ms > 0 ? 0 : spec->lim.cpu_percent, 0 };
	if (cgroup_create(&sb->cg, spec->cgroup_name ? spec->cgroup_name : spec->app_id, &cl,
			  err, errlen) < 0)
		goto fail_files;
	int self_attached = cgroup_open_self_attach(&sb->cg, c.cg_fds, err, errlen);
	if (self_attached < 0)
		goto fail_cg;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0 ||
	    pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		fail(err, errlen, "socketpair/pipe: %s", strerror(errno));
		goto fail_cg;
	}
	c.sync_fd = sync[1];
	c.out_wfd = outp[1];
	c.err_wfd = errp[1];
	c.listen_fd = spec->listen_fd;
	fflush(NULL);
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET |
				   CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0) {
		fail(err, errlen, "clone: %s", strerror(errno));
		goto fail_cg;
	}
	if (pid == 0) {
		close(sync[0]);
		close(outp[0]);
		close(errp[0]);
		child_main(&c);
	}
	sb->pid = pid;
	cgroup_close_self_attach(c.cg_fds);
	close_fd(&sync[1]);
	close_fd(&outp[1]);
	close_fd(&errp[1]);
	if (watch_output(sb, outp, errp, &spec->lim, err, errlen) < 0)
		goto fail_child;
	sb->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (sb->pidfd < 0) {
		fail(err, errlen, "pidfd_open: %s", strerror(errno));
		goto fail_child;
	}
	if (drive_child(sb, sync[0], spec, self_attached > 0, err, errlen) < 0)
		goto fail_child;
	close_fd(&sync[0]);
	sb->echo_fd = spec->echo_fd;
	sb->started_ms = now_ms();
	if (spec->lim.cpu_boost_ms > 0) {
		sb->cpu_percent_later = spec->lim.cpu_percent;
		sb->cpu_quota_at_ms = sb->started_ms + spec->lim.cpu_boost_ms;
	}
	sb->wall_seconds = spec->lim.wall_seconds;
	sb->cpu_seconds = spec->lim.cpu_seconds;
	sb->state = SB_RUNNING;
	log_sys(sb, "run started (port %d)", spec->port);
	return 0;

fail_child:
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	sb->pid = -1;
fail_cg:
	cgroup_close_self_attach(c.cg_fds);
	{
		char e2[256];
		cgroup_destroy(&sb->cg, e2, sizeof e2);
	}
	close_fd(&sync[0]);
	close_fd(&sync[1]);
	close_fd(&outp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&sb->out_fd);
	close_fd(&sb->err_fd);
	close_fd(&sb->pidfd);
	close_fd(&sb->log_rfd);
fail_files:
	close_fd(&sb->log_fd);
	close_fd(&sb->lock_fd);
	return -1;
}

/* ---------------------------------------------------------------------------------
 * Running. */

static int64_t unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void log_rotate(struct sandbox *sb)
{
	char old[sizeof sb->log_path + 4];
	snprintf(old, sizeof old, "%s.1", sb->log_path);
	close_fd(&sb->log_fd);
	(void)rename(sb->log_path, old);
	sb->log_fd = open(sb->log_path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC |
			  O_NOFOLLOW, 0640);
	sb->log_written = 0;
}

/* Records queued for one write of the log file. */
struct recbuf {
	struct sandbox *sb;
	int64_t at;             /* the time they get (unix ms) */
	size_t len;
	char buf[65536];
};

static void rec_flush(struct recbuf *w)
{
	struct sandbox *sb = w->sb;
	size_t off = 0;
	while (off < w->len && sb->log_fd >= 0) {
		ssize_t r = write(sb->log_fd, w->buf + off, w->len - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;          /* a full disk loses log lines, never the app */
		off += (size_t)r;
	}
	sb->log_written += (long)w->len;
	w->len = 0;
}

/* Queues one record. Beyond the cap the file is rotated, at a record boundary. */
static void rec_add(struct recbuf *w, enum applog_stream st, const char *text, size_t n)
{
	struct sandbox *sb = w->sb;
	size_t need = APPLOG_PREFIX_LEN + n + 1;
	if (sb->log_written + (long)(w->len + need) > sb->log_bytes &&
	    sb->log_written + (long)w->len > 0) {
		rec_flush(w);
		log_rotate(sb);
	}
	if (w->len + need > sizeof w->buf)
		rec_flush(w);
	applog_prefix(w->buf + w->len, st, w->at);
	memcpy(w->buf + w->len + APPLOG_PREFIX_LEN, text, n);
	w->buf[w->len + need - 1] = '\n';
	w->len += need;
}

/* The partial line of stream s (0 stdout, 1 stderr), if any, as a record of its own. */
static void flush_partial(struct recbuf *w, int s)
{
	struct sandbox *sb = w->sb;
	if (sb->linelen[s]) {
		rec_add(w, s ? APPLOG_ERR : APPLOG_OUT, sb->line[s], sb->linelen[s]);
		sb->linelen[s] = 0;
	}
}

__attribute__((format(printf, 2, 3)))
static void rec_sys(struct recbuf *w, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n > 0)
		rec_add(w, APPLOG_SYS, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

static void report_drops(struct recbuf *w)
{
	struct sandbox *sb = w->sb;
	if (!sb->dropped)
		return;
	rec_sys(w, "%llu bytes dropped (log rate limit: %ld bytes/s, bursts of %ld)",
		sb->dropped, sb->bucket.rate, sb->bucket.burst);
	sb->dropped = 0;
}

/* Output bytes of stream s: every complete line (or APPLOG_LINE_MAX bytes of one)
 * becomes a record; the rest waits in the stream's partial line. */
static void take_output(struct recbuf *w, int s, const char *p, size_t n)
{
	struct sandbox *sb = w->sb;
	enum applog_stream st = s ? APPLOG_ERR : APPLOG_OUT;
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n, room = APPLOG_LINE_MAX - sb->linelen[s];
		int full = k >= room;
		if (full)
			k = room;
		if (!full && !nl) {
			memcpy(sb->line[s] + sb->linelen[s], p, k);
			sb->linelen[s] += k;
			return;
		}
		if (sb->linelen[s]) {
			memcpy(sb->line[s] + sb->linelen[s], p, k);
			rec_add(w, st, sb->line[s], sb->linelen[s] + k);
			sb->linelen[s] = 0;
		} else {
			rec_add(w, st, p, k);
		}
		size_t used = k + (k < n && p[k] == '\n');
		p += used;
		n -= used;
	}
}

/* Throws away what the pipe holds, without copying it where the kernel can help. */
static ssize_t drop_output(int fd, char *buf, size_t bufsz)
{
	static int devnull = -1;
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull >= 0) {
		ssize_t r = splice(fd, NULL, devnull, NULL, 1 << 20, SPLICE_F_NONBLOCK);
		if (r >= 0 || errno != EINVAL)
			return r;
	}
	return read(fd, buf, bufsz);
}

/* Reads what stream s has now, within the rate limit; while the budget is spent the
 * output is dropped and counted. At EOF the stream's descriptor is closed. */
static void pump_stream(struct sandbox *sb, struct recbuf *w, int s, char *buf, size_t bufsz)
{
	int *fd = s ? &sb->err_fd : &sb->out_fd;
	for (int rounds = 0; *fd >= 0 && rounds < 16; rounds++) {
		size_t allow = applog_bucket_take(&sb->bucket, bufsz, now_ms());
		ssize_t r;
		if (allow == 0) {
			r = drop_output(*fd, buf, bufsz);
			if (r > 0) {
				flush_partial(w, s);    /* its line is cut here */
				sb->dropped += (unsigned long long)r;
				continue;
			}
		} else {
			r = read(*fd, buf, allow);
			sb->bucket.tokens += (long)allow - (r > 0 ? (long)r : 0);
			if (r > 0) {
				report_drops(w);
				take_output(w, s, buf, (size_t)r);
				if (sb->echo_fd >= 0)
					(void)!write(sb->echo_fd, buf, (size_t)r);
				continue;
			}
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return;         /* EAGAIN: nothing more for now */
		flush_partial(w, s);
		epoll_ctl(sb->log_rfd, EPOLL_CTL_DEL, *fd, NULL);
		close_fd(fd);
	}
}

int sandbox_pump_log(struct sandbox *sb)
{
	static char buf[65536];
	static struct recbuf w;
	if (sb->log_rfd < 0)
		return 1;
	w.sb = sb;
	w.len = 0;
	w.at = unix_ms();
	pump_stream(sb, &w, 0, buf, sizeof buf);
	pump_stream(sb, &w, 1, buf, sizeof buf);
	rec_flush(&w);
	if (sb->out_fd >= 0 || sb->err_fd >= 0)
		return 0;
	close_fd(&sb->log_rfd);
	return 1;
}

/* A "sys" record, e.g. "run started". */
__attribute__((format(printf, 2, 3)))
static void log_sys(struct sandbox *sb, const char *fmt, ...)
{
	static struct recbuf w;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	w.sb = sb;
	w.len = 0;
	w.at = unix_ms();
	rec_add(&w, APPLOG_SYS, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	rec_flush(&w);
}

/* The output is over: partial lines and the count of dropped bytes go to the log. */
static void log_end(struct sandbox *sb)
{
	static struct recbuf w;
	w.sb = sb;
	w.len = 0;
	w.at = unix_ms();
	flush_partial(&w, 0);
	flush_partial(&w, 1);
	report_drops(&w);
	rec_flush(&w);
}

static void kill_all(struct sandbox *sb)
{
	char e[256];
	(void)cgroup_kill(&sb->cg, e, sizeof e);
	if (sb->pid > 0 && sb->state == SB_RUNNING)
		kill(sb->pid, SIGKILL);   /* pid 1 dying takes its whole pid namespace along */
}

void sandbox_tick(struct sandbox *sb)
{
	if (sb->state != SB_RUNNING)
		return;
	int64_t now = now_ms();
	if (sb->cpu_quota_at_ms && now >= sb->cpu_quota_at_ms) {
		char err[256];
		sb->cpu_quota_at_ms = 0;
		/* Fail closed: an app whose quota cannot be set does not run on without it. */
		if (cgroup_set_cpu(&sb->cg, sb->cpu_percent_later, err, sizeof err) < 0 &&
		    !sb->forced) {
			sb->forced = "crashed";
			kill_all(sb);
			return;
		}
	}
	if (sb->kill_at_ms && now >= sb->kill_at_ms) {
		sb->kill_at_ms = 0;
		kill_all(sb);
		return;
	}
	if (sb->forced)
		return;
	if (sb->wall_seconds && now - sb->started_ms >= (int64_t)sb->wall_seconds * 1000) {
		sb->forced = "timeout";
		kill_all(sb);
		return;
	}
	if (sb->cpu_seconds) {
		struct cgroup_stats st;
		cgroup_stats(&sb->cg, &st);
		if (st.cpu_usec >= (uint64_t)sb->cpu_seconds * 1000000u) {
			sb->forced = "timeout";
			kill_all(sb);
		}
	}
}

int sandbox_tick_ms(const struct sandbox *sb)
{
	int64_t t = 250, now = now_ms();
	if (sb->cpu_quota_at_ms)
		t = sb->cpu_quota_at_ms - now < t ? sb->cpu_quota_at_ms - now : t;
	if (sb->kill_at_ms)
		t = sb->kill_at_ms - now < t ? sb->kill_at_ms - now : t;
	if (sb->wall_seconds) {
		int64_t left = sb->started_ms + (int64_t)sb->wall_seconds * 1000 - now;
		t = left < t ? left : t;
	}
	return t < 0 ? 0 : (int)t;
}

static void classify(struct sandbox *sb, int status)
{
	struct cgroup_stats st;
	cgroup_stats(&sb->cg, &st);
	sb->cpu_usec = st.cpu_usec;
	sb->memory_peak = st.memory_peak;
	sb->exit_code = -1;
	sb->signal = 0;
	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);
		/* init reports a signal death of the app as 128+signal, like a shell */
		if (code > 128 && code < 128 + 65)
			sb->signal = code - 128;
		else
			sb->exit_code = code;
	} else if (WIFSIGNALED(status)) {
		sb->signal = WTERMSIG(status);
	}
	if (sb->forced)
		sb->reason = sb->forced;
	else if (st.oom_kills > 0)
		sb->reason = "memory";
	else if (sb->exit_code == 0)
		sb->reason = "exited";
	else
		sb->reason = "crashed";
}

int sandbox_reap(struct sandbox *sb)
{
	if (sb->state != SB_RUNNING)
		return 1;
	int status;
	pid_t r = waitpid(sb->pid, &status, WNOHANG);
	if (r == 0 || (r < 0 && errno == EINTR))
		return 0;
	if (r < 0)
		status = 0;
	classify(sb, status);
	sb->state = SB_EXITED;
	char e[256];
	(void)cgroup_kill(&sb->cg, e, sizeof e);
	close_fd(&sb->pidfd);
	return 1;
}

void sandbox_request_stop(struct sandbox *sb, int grace_ms)
{
	if (sb->state != SB_RUNNING)
		return;
	if (!sb->forced)
		sb->forced = "stopped";
	if (grace_ms <= 0) {
		kill_all(sb);
		return;
	}
	kill(sb->pid, SIGTERM);
	int64_t at = now_ms() + grace_ms;
	if (!sb->kill_at_ms || at < sb->kill_at_ms)
		sb->kill_at_ms = at;
}

int sandbox_wait(struct sandbox *sb, int stop_fd, int grace_ms)
{
	int stop_seen = 0;
	while (sb->state == SB_RUNNING) {
		struct pollfd p[3];
		int n = 0;
		p[n++] = (struct pollfd){ sb->pidfd, POLLIN, 0 };
		int li = -1, si = -1;
		if (sb->log_rfd >= 0) {
			li = n;
			p[n++] = (struct pollfd){ sb->log_rfd, POLLIN, 0 };
		}
		if (stop_fd >= 0 && !stop_seen) {
			si = n;
			p[n++] = (struct pollfd){ stop_fd, POLLIN, 0 };
		}
		int r = poll(p, (nfds_t)n, sandbox_tick_ms(sb));
		if (r < 0 && errno != EINTR)
			return -1;
		if (li >= 0 && p[li].revents)
			sandbox_pump_log(sb);
		if (si >= 0 && p[si].revents) {
			stop_seen = 1;
			sandbox_request_stop(sb, grace_ms);
		}
		sandbox_tick(sb);
		if (p[0].revents)
			sandbox_reap(sb);
	}
	/* Every writer is dead now: drain the rest of the output. */
	int64_t until = now_ms() + 2000;
	while (sb->log_rfd >= 0 && now_ms() < until) {
		struct pollfd p = { sb->log_rfd, POLLIN, 0 };
		if (poll(&p, 1, 100) > 0 && sandbox_pump_log(sb))
			break;
	}
	return 0;
}

int sandbox_stop(struct sandbox *sb, int grace_ms)
{
	sandbox_request_stop(sb, grace_ms);
	return sandbox_wait(sb, -1, grace_ms);
}

void sandbox_stats(struct sandbox *sb, struct cgroup_stats *st)
{
	cgroup_stats(&sb->cg, st);
}

int sandbox_destroy(struct sandbox *sb, char *err, size_t errlen)
{
	int rc = 0;
	if (sb->state == SB_RUNNING && sb->pid > 0) {
		if (!sb->forced)
			sb->forced = "stopped";
		kill_all(sb);
		int status;
		while (waitpid(sb->pid, &status, 0) < 0 && errno == EINTR)
			;
		classify(sb, status);
		sb->state = SB_EXITED;
	}
	if (sb->cg.name[0] && cgroup_destroy(&sb->cg, err, errlen) < 0)
		rc = -1;
	if (sb->log_rfd >= 0)
		sandbox_pump_log(sb);
	log_end(sb);
	log_sys(sb, "run ended: %s%s%d, cpu %llu ms", sb->reason ? sb->reason : "stopped",
		sb->signal ? ", signal " : ", exit code ", sb->signal ? sb->signal : sb->exit_code,
		(unsigned long long)(sb->cpu_usec / 1000));
	close_fd(&sb->pidfd);
	close_fd(&sb->log_rfd);
	close_fd(&sb->out_fd);
	close_fd(&sb->err_fd);
	close_fd(&sb->log_fd);
	close_fd(&sb->lock_fd);
	return rc;
}

/* ---------------------------------------------------------------------------------
 * doctor */

static void say(int fd, int okay, const char *what, const char *detail)
{
	dprintf(fd, "%-14s %s%s%s\n", what, okay ? "ok" : "MISSING", detail ? "  " : "",
		detail ? detail : "");
}

static int try_userns(void)
{
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS |
				   CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(0);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int sandbox_doctor(int fd)
{
	int bad = 0;
	int root = geteuid() == 0;
	say(fd, root, "root", root ? NULL : "the sandbox tool must run as root");
	bad |= !root;
	int ns = try_userns() == 0;
	say(fd, ns, "namespaces", ns ? "user pid mount net ipc uts" : strerror(errno));
	bad |= !ns;
	/* What a start does, for real: a cgroup made where a sandbox's would go, limited,
	 * then removed. */
	char cgmsg[1200];
	int cg_ok = cgroup_doctor(cgmsg, sizeof cgmsg) == 0;
	say(fd, cg_ok, "cgroup", cgmsg);
	bad |= !cg_ok;
	int sc = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	say(fd, sc, "seccomp", sc ? "filter mode (libseccomp)" : strerror(errno));
	bad |= !sc;
	int loop = access("/dev/loop-control", R_OK | W_OK) == 0;
	say(fd, loop, "loop", loop ? "/dev/loop-control" : "no /dev/loop-control (data quota)");
	bad |= !loop;
	int mk = access("/usr/sbin/mkfs.ext4", X_OK) == 0 || access("/sbin/mkfs.ext4", X_OK) == 0;
	say(fd, mk, "mkfs.ext4", mk ? NULL : "install e2fsprogs");
	bad |= !mk;
	int nd = access(AF_NODE, X_OK) == 0;
	say(fd, nd, "node", AF_NODE);
	bad |= !nd;
	struct sandbox_spec s;
	memset(&s, 0, sizeof s);
	char init[PATH_MAX], e[PATH_MAX + 128];
	int in = find_init(&s, init, sizeof init, e, sizeof e) == 0;
	say(fd, in, "init", in ? init : e);
	bad |= !in;
	/* Optional: without it (kernels before 6.3) an app can still execute a memfd. */
	int mx = access("/proc/sys/vm/memfd_noexec", F_OK) == 0;
	say(fd, 1, "memfd_noexec", mx ? "executable memfds refused in sandboxes"
				       : "not in this kernel (6.3+): an app could execute a memfd");
	int pfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	say(fd, pfd >= 0, "pidfd", pfd >= 0 ? NULL : "kernel >= 5.3 needed");
	bad |= pfd < 0;
	if (pfd >= 0)
		close(pfd);
	return bad ? -1 : 0;
}

/* ---------------------------------------------------------------------------------
 * the app's listening socket */

int sandbox_listen_loopback(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 511) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int sandbox_stop_signalfd(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}
