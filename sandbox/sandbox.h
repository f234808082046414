/* sandbox.h: running one app in a confined process tree.
 *
 * sandbox_start() creates the cgroup, the namespaces, the file system and the
 * credentials of a sandbox, and starts appforge-init as its pid 1 (which starts node,
 * or an exec command). The caller then drives it from its own event loop with the
 * descriptors in struct sandbox (pidfd readable = init exited, log_rfd readable = output)
 * and sandbox_tick() for the time limits, or simply calls sandbox_wait().
 *
 * Who does what: the calling process must be root. It binds the app's listening socket
 * and passes it in spec->listen_fd (it keeps its own copy). The sandbox's processes run
 * as spec->uid/gid on the host, which must be unprivileged (>= 1000).
 *
 * Error convention: int functions return 0 (or a documented positive value) on success
 * and -1 on error with a message in err. struct sandbox is owned by the caller; after a
 * successful sandbox_start it must end with sandbox_destroy(), which releases every
 * descriptor and removes the cgroup. */
#ifndef AF_SANDBOX_H
#define AF_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox/applog.h"
#include "sandbox/cgroup.h"
#include "sandbox/startmarks.h"

struct sandbox_limits {
	long memory_mb;   /* cgroup memory (no swap) */
	int pids;         /* cgroup pids.max, also RLIMIT_NPROC */
	int cpu_percent;  /* of one CPU */
	int cpu_boost_ms; /* the CPU quota applies this long after the start (0: at
				 * once), so node's start-up is not throttled; CPU time
				 * still counts against cpu_seconds */
	int wall_seconds; /* 0: none */
	int cpu_seconds;  /* CPU time of the whole cgroup; 0: none */
	long data_mb;     /* size of the /data file system */
	long tmp_mb;      /* size of /tmp */
	int nofile;       /* RLIMIT_NOFILE */
	long fsize_mb;    /* RLIMIT_FSIZE */
	long log_bytes;   /* log file cap; the file is rotated to <log>.1 beyond it */
	long log_rate;    /* log rate limit, bytes/s of app output (0: the default,
				 * APPLOG_RATE_DEFAULT); beyond it output is dropped and a
				 * "sys" record says how much */
	long log_burst;   /* bytes the app may log at once (0: APPLOG_BURST_DEFAULT) */
};

struct sandbox_spec {
	const char *app_id;      /* names the sandbox and its cgroup: cgroup_name_valid */
	const char *cgroup_name; /* NULL: app_id (the supervisor prefixes its instance tag) */
	const char *code_dir;    /* mounted read-only at /app */
	const char *data_dir;    /* holds data.img (the quota'd /data) and a lock file */
	const char *image_cache; /* NULL, or a root-only directory for empty file system
				 * images: a new data.img is then a sparse copy of one
				 * instead of a run of mkfs.ext4 */
	int keep_data_mount;     /* 1: data.img stays mounted between runs, in the caller's
				 * own mount namespace (datamount.h: the supervisor's),
				 * and the sandbox binds it; 0: mounted for this run only */
	const char *log_path;    /* the run's log file (appended to) */
	int listen_fd;           /* bound, listening TCP socket; becomes fd 3 inside */
	int port;                /* for PORT= */
	uid_t uid;               /* host uid/gid of the app's processes */
	gid_t gid;
	const char *node_path; /* NULL: AF_NODE */
	const char *init_path; /* NULL: found beside the program, else AF_PKGLIBEXECDIR */
	char *const *argv;     /* NULL: node server.js; else the command run by init */
	char *const *env;      /* NULL, or the app's own NAME=value entries (NULL-ended,
				 * at most APPENV_MAX_VARS, checked against common/appenv.h
				 * by the caller), put after the platform's variables */
	int echo_fd;           /* -1, or also copy the app's output here (exec mode) */
	struct sandbox_limits lim;
};

enum sandbox_state { SB_RUNNING, SB_EXITED };

struct sandbox {
	pid_t pid;          /* host pid of the sandbox's init */
	int pidfd;          /* readable when init exits */
	int log_rfd;        /* readable when the app has output (an epoll descriptor
				 * over out_fd and err_fd); -1 once both are at EOF */
	int out_fd, err_fd; /* read ends of the app's stdout and stderr pipes */
	int ready_fd;       /* read end (non-blocking) of the app's readiness pipe: its
			     * server's listen() writes "L" there (preload.js, through
			     * fd 4 and APPFORGE_READY_FD); the caller may read it, and
			     * close it (then -1) once it heard; -1: none */
	int log_fd;         /* the log file: records, see applog.h */
	int lock_fd;        /* flock on data_dir/lock: one run of an app at a time */
	int echo_fd;
	char log_path[4096];
	long log_bytes, log_written;
	char line[2][APPLOG_LINE_MAX]; /* a partial line of stdout, stderr */
	size_t linelen[2];
	struct applog_bucket bucket;
	unsigned long long dropped; /* bytes dropped and not reported yet */
	struct cgroup cg;
	int64_t started_ms; /* CLOCK_MONOTONIC */
	int wall_seconds, cpu_seconds;
	int64_t kill_at_ms;      /* stop requested: kill the cgroup at this time; 0: no */
	int64_t cpu_quota_at_ms; /* apply cpu_percent_later at this time; 0: done */
	int cpu_percent_later;
	enum sandbox_state state;
	/* the result, once state == SB_EXITED */
	int exit_code;      /* -1 when killed by a signal */
	int signal;         /* 0 when it exited */
	const char *reason; /* exited crashed memory timeout stopped */
	const char *forced; /* reason decided by us (timeout, stopped), or NULL */
	uint64_t cpu_usec, memory_peak;
	int64_t marks[SM_COUNT]; /* the start's marks (startmarks.h) seen here, 0 others */
};

/* Default limits (the conf.h defaults). */
void sandbox_limits_default(struct sandbox_limits *lim);

/* Ahead of a first start: makes spec->data_dir's data.img (spec: app_id, data_dir,
 * image_cache, lim.data_mb, uid/gid; its path in img) and, with spec->keep_data_mount,
 * mounts it at its kept path (datamount_keep_mount), so that the start only binds it.
 * Runs in a job of the supervisor's (sup_prepare.h): 1 when it mounted the image (the
 * supervisor then records it, datamount_keep_adopt), 0 when there is nothing to record
 * (no keeping, or a run holds the data directory: its start made and mounted the
 * image), -1 with err. */
int sandbox_prepare_data(const struct sandbox_spec *spec, char *img, size_t imglen, char *err,
			 size_t errlen);

/* Starts the sandbox. On error nothing is left: no process, no cgroup, no mount. Its
 * network namespace is one made ahead (sandbox_netns_fill) when there is one, else a
 * new one made by the clone. */
int sandbox_start(const struct sandbox_spec *spec, struct sandbox *sb, char *err, size_t errlen);

/* Network namespaces made ahead of starts (sandbox_netns.c), for a process that starts
 * many sandboxes: makes one (lo up) unless `want` (at most 16) are kept already.
 * Returns 1 when more are wanted (call again, e.g. at the loop's next turn), 0 when
 * the pool is full, -1 with err (the pool is left as it was). Blocks for about as
 * long as CLONE_NEWNET takes; call it outside a start. sandbox_netns_drain closes the
 * kept ones (their namespaces go with them). */
int sandbox_netns_fill(int want, char *err, size_t errlen);
void sandbox_netns_drain(void);

/* Moves the app's pending output to the log as records (call when log_rfd is
 * readable), within the log rate limit. Returns 1 at end of output (log_rfd is then
 * closed and set to -1), else 0. The log also gets a "sys" record when the run
 * starts, when output was dropped, and when the run ends (sandbox_destroy). It uses
 * static buffers: one thread drives every sandbox of a process (as the supervisor's
 * loop and the CLI do). */
int sandbox_pump_log(struct sandbox *sb);

/* Enforces the wall-clock and CPU limits and the stop grace period; call at least every
 * sandbox_tick_ms(). Never blocks for long. */
void sandbox_tick(struct sandbox *sb);
int sandbox_tick_ms(const struct sandbox *sb);

/* Non-blocking: if init has exited, reaps it, classifies the exit, kills what is left
 * of the cgroup and returns 1; else returns 0. */
int sandbox_reap(struct sandbox *sb);

/* Asks the app to stop: SIGTERM to init (forwarded to node), and the whole cgroup is
 * killed grace_ms later by sandbox_tick(). Reason "stopped". Non-blocking. */
void sandbox_request_stop(struct sandbox *sb, int grace_ms);

/* Blocks until the sandbox has exited, driving logs and limits. If stop_fd >= 0 (e.g. a
 * signalfd) becomes readable, a stop with grace_ms is requested (stop_fd is not read). */
int sandbox_wait(struct sandbox *sb, int stop_fd, int grace_ms);

/* sandbox_request_stop + sandbox_wait. */
int sandbox_stop(struct sandbox *sb, int grace_ms);

/* Current counters of the running sandbox. */
void sandbox_stats(struct sandbox *sb, struct cgroup_stats *st);

/* Kills anything left, removes the cgroup, closes every descriptor. Safe to call once
 * after a successful start, whatever the state. */
int sandbox_destroy(struct sandbox *sb, char *err, size_t errlen);

/* The host features the sandbox needs, for "doctor": writes lines "name: ok|missing
 * (why)" to fd; returns 0 when everything needed is there. */
int sandbox_doctor(int fd);

/* Binds and listens on 127.0.0.1:port in the host's network namespace: the socket a
 * sandbox gets as fd 3. Returns the descriptor (O_CLOEXEC, owned by the caller), or -1
 * with errno set (EADDRINUSE when the port is taken). */
int sandbox_listen_loopback(int port);

/* For the processes that own sandboxes: blocks SIGTERM, SIGINT and SIGHUP (the stop
 * requests), ignores SIGPIPE, and returns a non-blocking signalfd that reads the three,
 * or -1 with errno set. */
int sandbox_stop_signalfd(void);

/* Copies the regular file open as in (from its start) into out, an empty regular file
 * open for writing: a reflink (FICLONE) where the file system shares extents, else a
 * sparse copy of the data extents only (holes stay holes). The one copy of data images:
 * new images from the cache, snapshots and their restores (snapshot.h). 0, or -1 with
 * err; out is left for the caller to remove. */
int sandbox_image_copy(int in, int out, char *err, size_t errlen);

#endif
