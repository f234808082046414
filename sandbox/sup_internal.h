/* sup_internal.h: what the three files of appforge-supervisor share, private to it:
 * its tables (clients, apps), the process's globals and the functions one file calls in
 * another.
 *   supervisor.c  main, start-up, signals, the control socket and the event loop
 *   sup_clients.c the clients: their connections, replies and the operations (op_*)
 *   sup_apps.c    the run table: a run's row, start waiters, readiness probe, end
 *   sup_snapshot.c the snapshot and restore_data jobs (its own header, sup_snapshot.h) */
#ifndef AF_SUP_INTERNAL_H
#define AF_SUP_INTERNAL_H

#include "sandbox/sandbox.h"
#include "sandbox/ports.h"
#include "sandbox/supproto.h"

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "db/db.h"
#include "util.h"

#define MAX_CLIENTS 256
#define MAX_STOP_WAITERS 8
#define PROBE_RETRY_MS 50
#define ROW_RETRY_MS 1000

enum wkind {
	W_LISTEN,
	W_SIGNAL,
	W_CLIENT,
	W_PIDFD,
	W_LOG,
	W_PROBE,
	W_READY, /* the app's readiness pipe (sandbox.h: ready_fd) */
	W_SNAP,  /* a snapshot job's report (sup_snapshot.h) */
	W_PREP   /* a prepare job's report (sup_prepare.h) */
};

struct watch {
	enum wkind kind;
	void *p;
};

struct client {
	struct watch w;
	int fd;
	long id;
	char in[SUP_LINE_MAX + 1];
	size_t inlen;
	char *out;
	size_t outlen;
	int closing;
	int deferred;                /* a stop or wait whose reply comes later */
	char wait_app[ID_APP_BUFSZ]; /* wait: the app, until the deadline */
	char held_app[ID_APP_BUFSZ]; /* the next line waits for this app's prepare job */
	long long wait_deadline;
	struct client *next;
};

struct app {
	struct watch wpid, wlog, wprobe, wready;
	char app_id[ID_APP_BUFSZ];
	char cgname[64];
	char log_path[PATH_MAX];
	struct sandbox sb;
	int port;
	uid_t uid;
	struct db_run row; /* what the database is to say about the run */
	int row_dirty;     /* row not written yet: retried at row_retry_at */
	long long row_retry_at;
	int gone;                    /* the sandbox is gone; only the row may be pending */
	enum run_reason stop_reason; /* RUN_REASON_STOPPED/DELETED once a stop came */
	int start_timed_out;
	long long start_deadline; /* CLOCK_MONOTONIC ms */
	int probe_fd, probe_sent;
	int answered; /* the probe's request was answered: the start is over */
	long long probe_at;
	int64_t marks[SM_COUNT]; /* this run's start marks (startmarks.h) */
	long stop_waiters[MAX_STOP_WAITERS];
	int nstop_waiters;
	struct app *next;
};

/* supervisor.c: the process's state (the loop is single-threaded). */
extern struct conf conf;
extern struct db *db;
extern struct port_alloc ports;
extern char image_cache[PATH_MAX]; /* <state_dir>/cache: empty data images */
extern int keep_data;              /* data file systems stay mounted between runs */
extern struct app *apps;
extern struct client *clients;
extern int nclients;
extern long next_client_id;
extern char tag[16];
extern int shutting_down;

/* supervisor.c */
int ep_add(int fd, uint32_t events, struct watch *w);
int ep_mod(int fd, uint32_t events, struct watch *w);
/* Takes fd out of the epoll set; call it before closing a watched fd. close() alone
 * leaves the registration while a copy of the descriptor lives in another process (a
 * job's child), and its events would then name a freed watch. */
void ep_del(int fd);

/* A job: a child process that does one slow thing off the loop (a copy, a mount) and
 * reports once through a pipe, which the loop watches (w, whose kind and owner the
 * caller sets). The child keeps no descriptor of the supervisor's but stdio. */
struct job {
	struct watch w;
	pid_t pid;
	int rfd;
};
/* Forks the child, which runs work(arg, report) on a zeroed report of len bytes (at
 * most PIPE_BUF), writes it and exits; watches its pipe. 0, or -1 with err. */
int job_spawn(struct job *j, void (*work)(void *arg, void *report), void *arg, size_t len,
	      char *err, size_t errlen);
/* Once its pipe is readable: reads the report, stops watching, reaps the child. 0, or
 * -1 when the child died without a whole report. */
int job_reap(struct job *j, void *report, size_t len);
struct app *find_app(const char *id);
struct client *find_client(long id);
int wait_slots(void);
int nwaiting(void);

/* sup_clients.c */
void client_close(struct client *c);
void client_flush(struct client *c);
void reply_app(struct client *c, enum sup_op op, struct app *a, int already);
void reply_not_running(struct client *c, enum sup_op op, const char *id);
void client_process(struct client *c);
void client_read(struct client *c);
void accept_clients(int lfd);
/* A snapshot job has reported: its deferred reply goes to its client. */
void snapshot_done(struct watch *w);
__attribute__((format(printf, 3, 4))) void reply_error(struct client *c, const char *code,
						       const char *fmt, ...);

/* sup_apps.c */
int row_write(struct app *a);
void release(struct app *a);
void settle(struct app *a);
void expire_waiters(long long now);
void probe_event(struct app *a, uint32_t events);
/* Watches a started app's readiness pipe (sandbox.h ready_fd), or closes it. */
void ready_watch(struct app *a);
void ready_event(struct app *a);
int tick_starts(long long now, int cap);
int tick_rows(long long now, int cap);
void finish_app(struct app *a);
int grab_port(int *port_out);
int check_dir(const char *path, char *real, const char *what, char *err, size_t errlen);
int record_start(struct client *c, const char *id, int port, struct db_run *row);
void fill_spec(struct sandbox_spec *s, struct app *a, const char *code, const char *data, int lfd);
struct app *new_app(struct client *c, const char *id);

#endif
