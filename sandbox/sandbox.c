/* sandbox.c: starting, watching and tearing down one confined app (see sandbox.h):
 * the public API and the parent side of a start. The child side is sandbox_child.c,
 * the data image sandbox_image.c, the log sandbox_log.c, the doctor sandbox_doctor.c.
 *
 * The order of a start, and why:
 *   parent (root)                         child (pid 1 of new pid/mount/net/ipc/uts ns)
 *   lock data dir, make data.img (the
 *   supervisor: keep it mounted, see
 *   datamount.h), open log, compile the
 *   seccomp filter (once per process),
 *   create cgroup, open its v1 "tasks"
 *   files (v2: its directory), clone
 *   (v2: clone3 into the cgroup; no
 *   CLONE_NEWNET when a network
 *   namespace made ahead is kept,
 *   sandbox_netns.c)                 --->  PDEATHSIG; setns into that namespace (lo is
 *                                         up in it); v1: join the cgroup by writing "0"
 *                                         to each tasks file (no global lock, see
 *                                         cgroup.h); still real root in the host user
 *                                         namespace: private mounts, tmpfs root,
 *                                         read-only binds, /data (the kept mount bound,
 *                                         or data.img loop-mounted), /tmp, /proc, /dev,
 *                                         pivot_root, lo up
 *   (v2 without clone3: move the child
 *   into its cgroup); "go"           --->  wait for "go" (EOF = parent died);
 *                                         unshare(cgroup ns): its cgroup becomes its "/"
 *                                   <---  setgroups(0); unshare(user ns); "U"
 *   write uid_map/gid_map           --->  "M"; caps bounding set dropped, uid/gid 1000
 *                                         inside = spec uid/gid outside, all caps
 *                                         cleared, no_new_privs, rlimits, setsid,
 *                                         fds 0-3 only, clean env, seccomp, execve init
 *   EOF on the sync socket = exec done (an error arrives as a message instead).
 *   Each step's moment goes into sb->marks (startmarks.h; the child's come with "U").
 *
 * The user namespace comes last on purpose: every other namespace and every mount
 * belongs to the host's user namespace, so even a process that regained all
 * capabilities inside its own user namespace could not mount, unmount or reconfigure
 * the network. The app's uid is unprivileged on the host as well. */
#include "sandbox/sandbox_internal.h"
#include "sandbox/seccomp.h"
#include "common/clock.h"
#include "common/errfmt.h"
#include "common/sblimits.h"
#include "sandbox/datamount.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef AF_PKGLIBEXECDIR
#define AF_PKGLIBEXECDIR "/usr/local/libexec/appforge"
#endif

void sandbox_limits_default(struct sandbox_limits *lim)
{
#define SBLIM_DEFAULT(name, kind, def, min, max, conf_def, conf_min, conf_max) lim->name = def;
	SBLIM_TABLE(SBLIM_DEFAULT)
#undef SBLIM_DEFAULT
	lim->log_rate = APPLOG_RATE_DEFAULT;
	lim->log_burst = APPLOG_BURST_DEFAULT;
}

/* ---------------------------------------------------------------------------------
 * The parent side. */

int sandbox_find_init(const struct sandbox_spec *spec, char *out, size_t outlen, char *err,
		      size_t errlen)
{
	if (spec->init_path) {
		if (!realpath(spec->init_path, out))
			return errfmt(err, errlen, "init %s: %s", spec->init_path, strerror(errno));
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
	return errfmt(err, errlen, "appforge-init not found (beside %s or in %s)", self,
		      AF_PKGLIBEXECDIR);
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

int sandbox_read_child(int fd, char *err, size_t errlen, int timeout_ms, void *payload,
		       size_t paylen)
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
	/* A child that exits with a message of ours unread (its error came before it read
	 * 'G') leaves ECONNRESET on our end, and the kernel reports it before the queue:
	 * that first read fails, and the child's last message is still there to read. */
	if (n < 0 && errno == ECONNRESET)
		n = read(fd, msg, sizeof msg - 1);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	msg[n] = 0;
	if (payload && (size_t)n == 1 + paylen)
		memcpy(payload, msg + 1, paylen);
	if (msg[0] == 'E')
		errfmt(err, errlen, "sandbox setup: %s", msg + 1);
	return (unsigned char)msg[0];
}

static int check_spec(const struct sandbox_spec *s, char *err, size_t errlen)
{
	if (!s->app_id || !cgroup_name_valid(s->app_id))
		return errfmt(err, errlen, "invalid sandbox name (use 1-63 of [A-Za-z0-9_.-])");
	if (!s->code_dir || !s->data_dir || !s->log_path)
		return errfmt(err, errlen, "code dir, data dir and log path are required");
	if (s->uid < 1000 || s->gid < 1000 || s->uid == (uid_t)-1 || s->gid == (gid_t)-1)
		return errfmt(err, errlen, "sandbox uid/gid must be unprivileged (>= 1000)");
	if (s->listen_fd < 0)
		return errfmt(err, errlen, "a listening socket is required");
	if (s->port < 1 || s->port > 65535)
		return errfmt(err, errlen, "invalid port %d", s->port);
	const struct sandbox_limits *l = &s->lim;
	if (l->memory_mb < 16 || l->memory_mb > 1L << 20)
		return errfmt(err, errlen, "memory limit must be 16 MiB .. 1 TiB");
	if (l->pids < 4 || l->pids > 1 << 20)
		return errfmt(err, errlen, "pids limit must be 4 .. 1048576");
	if (l->cpu_percent < 1 || l->cpu_percent > 100 * 1024)
		return errfmt(err, errlen, "cpu percent must be 1 .. 102400");
	if (l->wall_seconds < 0 || l->cpu_seconds < 0 || l->cpu_boost_ms < 0 ||
	    l->cpu_boost_ms > 600000)
		return errfmt(err, errlen, "time limits must not be negative (cpu boost <= 600 s)");
	if (l->data_mb < 2 || l->data_mb > 1L << 20 || l->tmp_mb < 1 || l->tmp_mb > 1L << 20)
		return errfmt(err, errlen, "data must be 2 MiB .. 1 TiB, tmp 1 MiB .. 1 TiB");
	if (l->nofile < 16 || l->nofile > 1 << 20 || l->fsize_mb < 1 || l->fsize_mb > 1L << 30)
		return errfmt(err, errlen, "nofile must be 16 .. 1048576, fsize at least 1 MiB");
	if (l->log_bytes < 1024)
		return errfmt(err, errlen, "log cap must be at least 1 KiB");
	return 0;
}

static void sb_init(struct sandbox *sb)
{
	memset(sb, 0, sizeof *sb);
	sb->pid = -1;
	sb->pidfd = sb->log_rfd = sb->log_fd = sb->lock_fd = sb->echo_fd = -1;
	sb->out_fd = sb->err_fd = sb->ready_fd = -1;
}

/* Takes the per-app lock and opens the log. */
static int open_files(const struct sandbox_spec *spec, const char *data_dir, struct sandbox *sb,
		      char *err, size_t errlen)
{
	char p[PATH_MAX + 16];
	snprintf(p, sizeof p, "%s/lock", data_dir);
	sb->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sb->lock_fd < 0)
		return errfmt(err, errlen, "open %s: %s", p, strerror(errno));
	if (flock(sb->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return errfmt(err, errlen,
			      errno == EWOULDBLOCK ? "app %s is already running" : "lock %s failed",
			      spec->app_id);
	if ((size_t)snprintf(sb->log_path, sizeof sb->log_path, "%s", spec->log_path) >=
	    sizeof sb->log_path)
		return errfmt(err, errlen, "log path too long");
	sb->log_fd =
		open(spec->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (sb->log_fd < 0)
		return errfmt(err, errlen, "open log %s: %s", spec->log_path, strerror(errno));
	struct stat st;
	sb->log_written = fstat(sb->log_fd, &st) == 0 ? st.st_size : 0;
	sb->log_bytes = spec->lim.log_bytes;
	return 0;
}

/* Takes the read ends of the app's stdout and stderr pipes (outp[0], errp[0]) into sb,
 * behind one epoll descriptor (log_rfd) that the caller's event loop watches. */
static int watch_output(struct sandbox *sb, int *outp, int *errp, const struct sandbox_limits *lim,
			char *err, size_t errlen)
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
		return errfmt(err, errlen, "epoll for the app's output: %s", strerror(errno));
	applog_bucket_init(&sb->bucket, lim->log_rate, lim->log_burst, clock_mono_ms());
	return 0;
}

/* Talks the child through its setup; 0 once init has been exec'ed. */
static int drive_child(struct sandbox *sb, int sync_fd, const struct sandbox_spec *spec,
		       int in_cgroup, char *err, size_t errlen)
{
	if (!in_cgroup && cgroup_attach(&sb->cg, sb->pid, err, errlen) < 0)
		return -1;
	if (write(sync_fd, "G", 1) != 1)
		return errfmt(err, errlen, "sync with the sandbox: %s", strerror(errno));
	int64_t cm[SM_CHILD_LAST - SM_CHILD_FIRST + 1];
	memset(cm, 0, sizeof cm);
	int m = sandbox_read_child(sync_fd, err, errlen, 20000, cm, sizeof cm);
	if (m != 'U')
		return m == 'E' ? -1 : errfmt(err, errlen, "sandbox setup died (%d)", m);
	memcpy(sb->marks + SM_CHILD_FIRST, cm, sizeof cm);
	sb->marks[SM_USERNS] = startmark_now();
	char map[64];
	snprintf(map, sizeof map, "%d %u 1\n", APP_UID, (unsigned)spec->uid);
	if (write_map(sb->pid, "uid_map", map) < 0)
		return errfmt(err, errlen, "writing uid_map: %s", strerror(errno));
	if (write_map(sb->pid, "setgroups", "deny") < 0)
		return errfmt(err, errlen, "writing setgroups: %s", strerror(errno));
	snprintf(map, sizeof map, "%d %u 1\n", APP_UID, (unsigned)spec->gid);
	if (write_map(sb->pid, "gid_map", map) < 0)
		return errfmt(err, errlen, "writing gid_map: %s", strerror(errno));
	if (write(sync_fd, "M", 1) != 1)
		return errfmt(err, errlen, "sync with the sandbox: %s", strerror(errno));
	m = sandbox_read_child(sync_fd, err, errlen, 20000, NULL, 0);
	if (m != 0)
		return m == 'E' ? -1 : errfmt(err, errlen, "sandbox setup: unexpected '%c'", m);
	return 0;
}

int sandbox_prepare_data(const struct sandbox_spec *spec, char *img, size_t imglen, char *err,
			 size_t errlen)
{
	char data_dir[PATH_MAX], kept[PATH_MAX], lock[PATH_MAX + 16];
	int fd, rc;

	if (!spec->app_id || !cgroup_name_valid(spec->app_id) || !spec->data_dir ||
	    spec->lim.data_mb < 2 || spec->lim.data_mb > 1L << 20)
		return errfmt(err, errlen, "invalid app id, data dir or data size");
	if (!realpath(spec->data_dir, data_dir))
		return errfmt(err, errlen, "data dir %s: %s", spec->data_dir, strerror(errno));
	snprintf(lock, sizeof lock, "%s/lock", data_dir);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errfmt(err, errlen, "open %s: %s", lock, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK
			     ? 0
			     : errfmt(err, errlen, "lock %s: %s", lock, strerror(errno));
		close(fd);
		return rc; /* running: its start made and mounted the image */
	}
	rc = sandbox_ensure_image(data_dir, spec, img, imglen, err, errlen);
	if (rc == 0 && spec->keep_data_mount)
		rc = datamount_keep_mount(spec->app_id, img, kept, sizeof kept, err, errlen) < 0
			     ? -1
			     : 1;
	close(fd);
	return rc;
}

int sandbox_start(const struct sandbox_spec *spec, struct sandbox *sb, char *err, size_t errlen)
{
	struct child_ctx c;
	char data_dir[PATH_MAX];
	int sync[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 },
	    readyp[2] = { -1, -1 };
	sb_init(sb);
	memset(&c, 0, sizeof c);
	c.spec = spec;
	c.netns_fd = -1;
	for (int i = 0; i < CG_NCTRL; i++)
		c.cg_fds[i] = -1;
	if (check_spec(spec, err, errlen) < 0)
		return -1;
	if (geteuid() != 0)
		return errfmt(err, errlen, "the sandbox must be started as root");
	if (!realpath(spec->code_dir, c.code))
		return errfmt(err, errlen, "code dir %s: %s", spec->code_dir, strerror(errno));
	if (!realpath(spec->data_dir, data_dir))
		return errfmt(err, errlen, "data dir %s: %s", spec->data_dir, strerror(errno));
	const char *node = spec->node_path ? spec->node_path : AF_NODE;
	if (!realpath(node, c.node) || access(c.node, X_OK) < 0)
		return errfmt(err, errlen, "node %s: %s", node, strerror(errno));
	if (sandbox_find_init(spec, c.init, sizeof c.init, err, errlen) < 0 ||
	    sandbox_seccomp_prepare(err, errlen) < 0)
		return -1;
	if (open_files(spec, data_dir, sb, err, errlen) < 0)
		goto fail_files;
	sb->marks[SM_PREPARED] = startmark_now();
	if (sandbox_ensure_image(data_dir, spec, c.data_img, sizeof c.data_img, err, errlen) < 0)
		goto fail_files;
	if (spec->keep_data_mount && datamount_keep_get(spec->app_id, c.data_img, c.data_kept,
							sizeof c.data_kept, err, errlen) < 0)
		goto fail_files;
	sb->marks[SM_IMAGE] = startmark_now();
	if (mkdir(NEWROOT, 0700) < 0 && errno != EEXIST) {
		errfmt(err, errlen, "mkdir %s: %s", NEWROOT, strerror(errno));
		goto fail_files;
	}
	/* With a boost the quota comes later (sandbox_tick): node starts unthrottled. */
	struct cgroup_limits cl = { (uint64_t)spec->lim.memory_mb << 20, spec->lim.pids,
				    spec->lim.cpu_boost_ms > 0 ? 0 : spec->lim.cpu_percent, 0 };
	if (cgroup_create(&sb->cg, spec->cgroup_name ? spec->cgroup_name : spec->app_id, &cl, err,
			  errlen) < 0)
		goto fail_files;
	int self_attached = cgroup_open_self_attach(&sb->cg, c.cg_fds, err, errlen);
	if (self_attached < 0)
		goto fail_cg;
	sb->marks[SM_CGROUP] = startmark_now();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0 ||
	    pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    pipe2(readyp, O_CLOEXEC) < 0 || fcntl(readyp[0], F_SETFL, O_NONBLOCK) < 0) {
		errfmt(err, errlen, "socketpair/pipe: %s", strerror(errno));
		goto fail_cg;
	}
	c.sync_fd = sync[1];
	c.out_wfd = outp[1];
	c.err_wfd = errp[1];
	c.ready_wfd = readyp[1];
	c.listen_fd = spec->listen_fd;
	c.netns_fd = sandbox_netns_take();
	fflush(NULL);
	int born_in;
	pid_t pid = cgroup_clone(&sb->cg,
				 CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
					 (c.netns_fd < 0 ? CLONE_NEWNET : 0),
				 &born_in);
	if (pid < 0) {
		errfmt(err, errlen, "clone: %s", strerror(errno));
		goto fail_cg;
	}
	if (pid == 0) {
		close(sync[0]);
		close(outp[0]);
		close(errp[0]);
		close(readyp[0]);
		sandbox_child_main(&c);
	}
	close_fd(&c.netns_fd); /* the child's copy is the namespace's hold now */
	sb->pid = pid;
	sb->marks[SM_CLONED] = startmark_now();
	cgroup_close_self_attach(c.cg_fds);
	close_fd(&sync[1]);
	close_fd(&outp[1]);
	close_fd(&errp[1]);
	close_fd(&readyp[1]);
	if (watch_output(sb, outp, errp, &spec->lim, err, errlen) < 0)
		goto fail_child;
	sb->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (sb->pidfd < 0) {
		errfmt(err, errlen, "pidfd_open: %s", strerror(errno));
		goto fail_child;
	}
	if (drive_child(sb, sync[0], spec, self_attached > 0 || born_in, err, errlen) < 0)
		goto fail_child;
	close_fd(&sync[0]);
	sb->ready_fd = readyp[0];
	sb->marks[SM_EXEC] = startmark_now();
	sb->echo_fd = spec->echo_fd;
	sb->started_ms = clock_mono_ms();
	if (spec->lim.cpu_boost_ms > 0) {
		sb->cpu_percent_later = spec->lim.cpu_percent;
		sb->cpu_quota_at_ms = sb->started_ms + spec->lim.cpu_boost_ms;
	}
	sb->wall_seconds = spec->lim.wall_seconds;
	sb->cpu_seconds = spec->lim.cpu_seconds;
	sb->state = SB_RUNNING;
	sandbox_log_sys(sb, "run started (port %d)", spec->port);
	return 0;

fail_child:
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	sb->pid = -1;
fail_cg:
	close_fd(&c.netns_fd);
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
	close_fd(&readyp[0]);
	close_fd(&readyp[1]);
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

static void kill_all(struct sandbox *sb)
{
	char e[256];
	(void)cgroup_kill(&sb->cg, e, sizeof e);
	if (sb->pid > 0 && sb->state == SB_RUNNING)
		kill(sb->pid, SIGKILL); /* pid 1 dying takes its whole pid namespace along */
}

void sandbox_tick(struct sandbox *sb)
{
	if (sb->state != SB_RUNNING)
		return;
	int64_t now = clock_mono_ms();
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
	int64_t t = 250, now = clock_mono_ms();
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
	int64_t at = clock_mono_ms() + grace_ms;
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
	int64_t until = clock_mono_ms() + 2000;
	while (sb->log_rfd >= 0 && clock_mono_ms() < until) {
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
	sandbox_log_end(sb);
	sandbox_log_sys(sb, "run ended: %s%s%d, cpu %llu ms", sb->reason ? sb->reason : "stopped",
			sb->signal ? ", signal " : ", exit code ",
			sb->signal ? sb->signal : sb->exit_code,
			(unsigned long long)(sb->cpu_usec / 1000));
	close_fd(&sb->pidfd);
	close_fd(&sb->log_rfd);
	close_fd(&sb->out_fd);
	close_fd(&sb->err_fd);
	close_fd(&sb->ready_fd);
	close_fd(&sb->log_fd);
	close_fd(&sb->lock_fd);
	return rc;
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
