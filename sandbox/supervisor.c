/* supervisor.c: appforge-supervisor, the only parent of sandboxes and the only writer
 * of run state. This file: main, start-up and reconciling, signals, the control
 * socket and the event loop; the clients and their operations are sup_clients.c, the
 * run table sup_apps.c (what they share: sup_internal.h).
 *
 *   appforge-supervisor [--config FILE]
 *
 * One process, one epoll loop: the control socket (unix, conf supervisor_socket, mode
 * 0660 root:<group of run_as_user>, so only appforged and root reach it; 0600 root
 * while that user does not exist) speaking the typed protocol of supproto.h (one JSON
 * object per line), a signalfd, and per sandbox its pidfd (exit noticed at once), its
 * log pipe and its readiness probe.
 *
 * A run, end to end: `start` checks the app and the owner's quota of running apps,
 * takes a port and records the run as "starting" in one transaction, starts the
 * sandbox and replies at once. The loop then probes the app (one HTTP request at a
 * time on its port, never blocking): the first answer makes the run "running"; an exit
 * before that ends it "exited" with reason "crashed"; no answer within
 * sandbox_start_timeout_ms stops it, reason "start_timeout". `wait` requests (at most
 * a bounded number at once, from the worker count) are answered when the start is
 * over. A start of an app already live joins that run (single flight).
 *
 * Ports come from port_min..port_max. A port returns to the pool only once the
 * database says its run has ended: when that write fails, the app's record stays here
 * (state "ended", its port held) and the write is retried every second. A run's host
 * uid is sandbox_uid_base + (port - port_min), unique among live sandboxes.
 *
 * Lifetime: sandboxes die with the supervisor (their setup child has
 * PR_SET_PDEATHSIG(SIGKILL), kept for init, which takes its pid namespace along). On
 * start the supervisor reconciles: every cgroup of this instance (named
 * "<tag>-<app>", tag from the state directory) is killed and removed, and every run the
 * database still calls live is marked exited/crashed. SIGTERM/SIGINT: stop every
 * sandbox gracefully, then exit. */
#include "sandbox/sup_internal.h"
#include "sandbox/sup_snapshot.h"
#include "sandbox/sup_prepare.h"
#include "sandbox/datamount.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "db/db.h"
#include "log.h"
#include "util.h"
#include "common/clock.h"
#include "common/mkdirp.h"

struct conf conf;
struct db *db;
static int ep = -1;
struct port_alloc ports;
char image_cache[PATH_MAX]; /* <state_dir>/cache: empty data images */
int keep_data;              /* data file systems stay mounted between runs (datamount.h) */
struct app *apps;
struct client *clients;
int nclients;
long next_client_id = 1;
char tag[16];
int shutting_down;

/* ---- small helpers ---- */

int ep_add(int fd, uint32_t events, struct watch *w)
{
	struct epoll_event e = { .events = events, .data.ptr = w };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

int ep_mod(int fd, uint32_t events, struct watch *w)
{
	struct epoll_event e = { .events = events, .data.ptr = w };
	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}

void ep_del(int fd)
{
	if (fd >= 0)
		(void)epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
}

/* In a job's child: every descriptor inherited from the supervisor (client sockets,
 * pidfds, probes, the epoll set) closed but stdio (the log) and keep, which becomes 3.
 * A child holding a client's socket would keep the client's watch in the epoll set after
 * the loop closed and freed it, and keep the client from seeing its connection close. */
static int child_fds(int keep)
{
	if (keep != 3 && dup2(keep, 3) < 0)
		return -1;
	if (close_range(4, ~0U, 0) < 0)
		for (int fd = 4; fd < 65536; fd++)
			(void)close(fd);
	return 3;
}

int job_spawn(struct job *j, void (*work)(void *arg, void *report), void *arg, size_t len,
	      char *err, size_t errlen)
{
	int p[2];

	if (len > PIPE_BUF)
		return snprintf(err, errlen, "a job's report exceeds PIPE_BUF"), -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
	j->pid = fork();
	if (j->pid == 0) {
		/* aligned for any report struct */
		static union {
			max_align_t align;
			char b[PIPE_BUF];
		} report;
		ssize_t w;
		int wfd;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		if ((wfd = child_fds(p[1])) < 0)
			_exit(1);
		memset(&report, 0, sizeof report);
		work(arg, report.b);
		do
			w = write(wfd, report.b, len);
		while (w < 0 && errno == EINTR);
		_exit(0);
	}
	close(p[1]);
	if (j->pid < 0 || ep_add(p[0], EPOLLIN, &j->w) < 0) {
		snprintf(err, errlen, "fork or epoll: %s", strerror(errno));
		close(p[0]);
		if (j->pid > 0) {
			kill(j->pid, SIGKILL);
			while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		return -1;
	}
	j->rfd = p[0];
	return 0;
}

int job_reap(struct job *j, void *report, size_t len)
{
	ssize_t n;

	do
		n = read(j->rfd, report, len);
	while (n < 0 && errno == EINTR);
	ep_del(j->rfd);
	close(j->rfd);
	while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
		;
	return n == (ssize_t)len ? 0 : -1;
}

struct app *find_app(const char *id)
{
	for (struct app *a = apps; a; a = a->next)
		if (strcmp(a->app_id, id) == 0)
			return a;
	return NULL;
}

struct client *find_client(long id)
{
	for (struct client *c = clients; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

/* How many requests may wait for a start at once: about a quarter of the workers, so
 * that a start never takes the workers cheap requests need; none with one worker. */
int wait_slots(void)
{
	int n = (conf.workers + 2) / 4;
	return conf.workers < 2 ? 0 : n < 1 ? 1 : n;
}

int nwaiting(void)
{
	int n = 0;
	for (struct client *c = clients; c; c = c->next)
		n += c->wait_app[0] != 0;
	return n;
}

/* ---- start-up ---- */

/* "<8 hex>": names this instance's cgroups, from its state directory. */
static void make_tag(void)
{
	uint32_t h = 2166136261u;
	for (const char *p = conf.state_dir; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(tag, sizeof tag, "s%08x", h);
}

static void reap_cgroup(const char *name, void *arg)
{
	(void)arg;
	size_t n = strlen(tag);
	if (strncmp(name, tag, n) != 0 || name[n] != '-')
		return;
	struct cgroup cg;
	char err[256];
	if (cgroup_open(&cg, name, err, sizeof err) < 0)
		return;
	int procs = cgroup_nprocs(&cg);
	if (cgroup_destroy(&cg, err, sizeof err) < 0)
		log_error("reconcile: cgroup %s: %s", name, err);
	else
		log_info("reconcile: removed leftover cgroup %s (%d processes killed)", name,
			 procs);
}

/* Our cgroup subtree (under systemd: a delegated scope named after this instance, so a
 * restarted supervisor replaces a leftover one), capped for all sandboxes together.
 * Done before anything forks. A failure is logged and every start then retries it (and
 * fails with the same explanation): the control socket still answers. */
static void setup_cgroups(void)
{
	struct cgroup_limits total;
	memset(&total, 0, sizeof total);
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (pages > 0 && psize > 0)
		total.memory_bytes = (uint64_t)pages * (uint64_t)psize / 100 *
				     (uint64_t)conf.sandbox_total_memory_percent;
	if (ncpu > 0)
		total.cpu_percent = (int)ncpu * conf.sandbox_total_cpu_percent;
	total.pids = conf.sandbox_total_pids;
	char scope[64], err[1024];
	snprintf(scope, sizeof scope, "appforge-%s", tag);
	if (cgroup_setup(scope, &total, err, sizeof err) < 0)
		log_error("cgroups: %s", err);
}

/* A live run of a previous supervisor is a dead one (our sandboxes never outlive us):
 * marked exited (crashed). One whose record fails keeps its port out of the pool until
 * the retry succeeds. */
static void reconcile_run(const struct db_run *r)
{
	struct app *a = calloc(1, sizeof *a);
	if (!a)
		return;
	util_copy(a->app_id, sizeof a->app_id, r->app_id);
	a->probe_fd = -1;
	a->gone = 1;
	a->row = *r;
	a->row.state = RUN_EXITED;
	a->row.reason = RUN_REASON_CRASHED;
	a->row.ended_at = time(NULL);
	if (r->port > 0 && port_alloc_take(&ports, r->port) == 0)
		a->port = r->port;
	a->next = apps;
	apps = a;
	log_info("reconcile: run %lld of %s marked exited (crashed)", r->id, r->app_id);
	settle(a);
}

static void reconcile(void)
{
	char err[256];
	if (cgroup_list(reap_cgroup, NULL, err, sizeof err) < 0)
		log_warn("reconcile: %s", err);
	if (!db)
		return;
	struct db_run *runs = NULL;
	size_t n = 0;
	if (db_run_list_active(db, &runs, &n, err, sizeof err) != DB_OK) {
		log_warn("reconcile: %s", err);
		return;
	}
	for (size_t i = 0; i < n; i++)
		reconcile_run(&runs[i]);
	free(runs);
}

/* Who may connect besides root: the group of run_as_user (appforged runs as that user).
 * Without such a user the socket stays root's alone (0600): nothing unprivileged can
 * reach it, and a root appforged still can. */
static int control_access(const char *path)
{
	struct passwd *pw = getpwnam(conf.run_as_user);

	if (!pw) {
		log_warn("user %s does not exist (appforgectl init creates it): %s stays 0600 root",
			 conf.run_as_user, path);
		return chmod(path, 0600);
	}
	if (chown(path, 0, pw->pw_gid) < 0)
		return -1;
	return chmod(path, 0660);
}

static int open_control(const char *path)
{
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a.sun_path) {
		log_error("supervisor_socket path too long");
		return -1;
	}
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
		log_error("another supervisor already listens on %s", path);
		close(fd);
		return -1;
	}
	unlink(path);
	mode_t old = umask(0077);
	int rc = bind(fd, (struct sockaddr *)&a, sizeof a);
	umask(old);
	if (rc < 0 || control_access(path) < 0 || listen(fd, 64) < 0) {
		log_error("control socket %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void on_signal(int sfd)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof si) == sizeof si)
		;
	if (!shutting_down)
		log_info("stopping every sandbox, then exiting");
	shutting_down = 1;
	for (struct app *a = apps; a; a = a->next) {
		if (a->gone)
			continue;
		if (!a->stop_reason)
			a->stop_reason = RUN_REASON_STOPPED;
		sandbox_request_stop(&a->sb, conf.sandbox_stop_grace_ms);
	}
}

static void on_client(struct client *c, uint32_t events)
{
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(c);
	if ((events & EPOLLOUT) && !c->closing && c->outlen)
		client_flush(c);
}

/* Runs what is due (start deadlines, probes, row retries) and returns the ms until
 * the loop must run again. */
static int run_timers(void)
{
	long long now = clock_mono_ms();
	int timeout = 1000;
	for (struct app *a = apps; a; a = a->next) {
		if (a->gone)
			continue;
		int t = sandbox_tick_ms(&a->sb);
		if (t < timeout)
			timeout = t;
	}
	for (struct client *c = clients; c; c = c->next)
		if (c->wait_app[0] && c->wait_deadline - now < timeout)
			timeout = c->wait_deadline - now < 0 ? 0 : (int)(c->wait_deadline - now);
	timeout = tick_starts(now, timeout);
	return tick_rows(now, timeout);
}

/* A start's first NETNS_QUIET_MS are node's boot: no namespace is made then, so that
 * the making (a clone and a helper process) never competes with it for the CPU. */
#define NETNS_QUIET_MS 100

/* Keeps conf.sandbox_netns_pool network namespaces made ahead of starts (sandbox.h
 * sandbox_netns_fill): at most one per turn of the loop, after the turn's replies went
 * out, and none within NETNS_QUIET_MS of a sandbox's start. Returns the ms until the
 * loop should call again (0: at once), or -1 when the pool is full. A failure is logged
 * and retried 10 s later; starts make their own namespace meanwhile. */
static int netns_refill(void)
{
	static long long retry_at;
	char err[256];
	long long now = clock_mono_ms(), quiet_at = 0;

	if (shutting_down || conf.sandbox_netns_pool == 0)
		return -1;
	for (struct app *a = apps; a; a = a->next)
		if (!a->gone && !a->answered && a->sb.started_ms + NETNS_QUIET_MS > quiet_at)
			quiet_at = a->sb.started_ms + NETNS_QUIET_MS;
	if (retry_at > quiet_at)
		quiet_at = retry_at;
	if (now < quiet_at)
		return (int)(quiet_at - now);
	int r = sandbox_netns_fill(conf.sandbox_netns_pool, err, sizeof err);
	if (r < 0) {
		log_warn("no network namespace made ahead: %s (again in 10 s)", err);
		retry_at = now + 10000;
		return 10000;
	}
	return r > 0 ? 0 : -1;
}

static void loop(int lfd, int sfd)
{
	int netns_in = 0; /* ms until netns_refill wants the loop again, -1: never */
	for (;;) {
		struct epoll_event evs[64];
		int timeout = run_timers();
		if (netns_in >= 0 && netns_in < timeout)
			timeout = netns_in;
		int n = epoll_wait(ep, evs, 64, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			struct watch *w = evs[i].data.ptr;
			if (w->kind == W_LISTEN)
				accept_clients(lfd);
			else if (w->kind == W_SIGNAL)
				on_signal(sfd);
			else if (w->kind == W_CLIENT)
				on_client(w->p, evs[i].events);
			else if (w->kind == W_LOG)
				sandbox_pump_log(&((struct app *)w->p)->sb);
			else if (w->kind == W_PROBE)
				probe_event(w->p, evs[i].events);
			else if (w->kind == W_READY)
				ready_event(w->p);
			/* W_PIDFD, W_SNAP and W_PREP are handled below, after the other
			 * events of this round (a W_SNAP or W_PREP watch is freed when
			 * handled) */
		}
		for (int i = 0; i < n; i++) {
			struct watch *w = evs[i].data.ptr;
			struct app *a = w->p;
			if (w->kind == W_SNAP)
				snapshot_done(w);
			else if (w->kind == W_PREP)
				sup_prepare_end(w);
			else if (w->kind == W_PIDFD && !a->gone && sandbox_reap(&a->sb))
				finish_app(a);
		}
		for (struct app *a = apps; a; a = a->next)
			if (!a->gone)
				sandbox_tick(&a->sb);
		expire_waiters(clock_mono_ms());
		for (struct client *c = clients, *next; c; c = next) {
			next = c->next;
			client_process(c); /* lines held back behind a deferred reply */
			if (c->closing)
				client_close(c);
		}
		netns_in = netns_refill();
		int live = 0;
		for (struct app *a = apps; a; a = a->next)
			live += !a->gone;
		if (shutting_down && !live && !sup_snapshot_busy(NULL) && !sup_prepare_busy(NULL))
			break; /* a snapshot job's copy is answered first, a prepare recorded */
	}
}

int main(int argc, char **argv)
{
	const char *cfg = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			cfg = argv[++i];
		} else {
			fprintf(stderr, "usage: appforge-supervisor [--config FILE]\n");
			return 2;
		}
	}
	log_init("appforge-supervisor", AF_LOG_INFO);
	char err[1024];
	if (!cfg)
		cfg = conf_default_path();
	if (conf_load(&conf, access(cfg, F_OK) == 0 ? cfg : NULL, err, sizeof err) < 0) {
		fprintf(stderr, "appforge-supervisor: %s\n", err);
		return 1;
	}
	int lvl = log_level_parse(conf.log_level);
	if (lvl >= 0)
		log_set_level((enum log_level)lvl);
	if (geteuid() != 0) {
		fprintf(stderr, "appforge-supervisor: must run as root\n");
		return 1;
	}
	if ((size_t)snprintf(image_cache, sizeof image_cache, "%s/cache", conf.state_dir) >=
		    sizeof image_cache ||
	    mkdir_p(conf.state_dir, 0750) < 0 || mkdir_p(conf.apps_dir, 0750) < 0) {
		fprintf(stderr, "appforge-supervisor: cannot create %s\n", conf.apps_dir);
		return 1;
	}
	keep_data = datamount_keep_init(err, sizeof err) == 0;
	if (!keep_data)
		log_warn("data file systems are mounted at each start: %s", err);
	if (port_alloc_init(&ports, conf.port_min, conf.port_max, err, sizeof err) < 0) {
		fprintf(stderr, "appforge-supervisor: %s\n", err);
		return 1;
	}
	if (db_open(&db, conf.db_path, err, sizeof err) != DB_OK) {
		log_warn("database %s: %s (no app can start)", conf.db_path, err);
		db = NULL;
	}
	make_tag();
	int sfd = sandbox_stop_signalfd();
	int lfd = open_control(conf.supervisor_socket);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || lfd < 0 || ep < 0) {
		fprintf(stderr, "appforge-supervisor: cannot start (see above)\n");
		return 1;
	}
	setup_cgroups();
	reconcile();
	struct watch wl = { W_LISTEN, NULL }, ws = { W_SIGNAL, NULL };
	ep_add(lfd, EPOLLIN, &wl);
	ep_add(sfd, EPOLLIN, &ws);
	log_info("listening on %s, ports %d..%d, cgroup tag %s, %d start waits",
		 conf.supervisor_socket, conf.port_min, conf.port_max, tag, wait_slots());
	printf("ready\n");
	fflush(stdout);
	loop(lfd, sfd);
	/* the end of every run is written before we go (settle retried above) */
	for (struct app *a = apps, *n; a; a = n) {
		n = a->next;
		if (a->row_dirty && row_write(a) < 0)
			log_error("run %lld of %s: its end is not recorded", a->row.id, a->app_id);
		release(a);
	}
	sandbox_netns_drain();
	unlink(conf.supervisor_socket);
	close(lfd);
	close(sfd);
	close(ep);
	port_alloc_free(&ports);
	db_close(db);
	conf_free(&conf);
	return 0;
}
