/* worker.c: one appforged worker: serves FastCGI requests from the shared socket, many
 * per connection.
 *
 * Kept connections (nginx's fastcgi_keep_conn): a worker holds up to WORKER_CONNS_MAX
 * open connections and ppoll()s them together with the listening socket. When all its
 * slots are taken and another connection comes, it closes the one idle the longest
 * (between requests, like nginx closing an idle upstream connection): more kept
 * connections than slots never leave a new one waiting in the backlog. A kept
 * connection is never left waiting behind an idle worker: whoever owns it serves its
 * next request as soon as the request in hand is answered; new connections go to any
 * worker with a free slot. One request at a time per worker: a request is read,
 * answered and its input drained to the end of its stream before the next poll, so a
 * kept connection is always at a request boundary between polls. A connection whose
 * request came without FCGI_KEEP_CONN, whose stream failed, or whose body was too big
 * to drain, is closed after its answer.
 *
 * Waiting without stalling: a request that waits seconds for the sandbox supervisor
 * (POST /run for the start, POST /stop for the grace) says so (worker_serve_while_waiting)
 * and the supervisor client then waits in worker_wait, which serves the requests that
 * come on this worker's other kept connections meanwhile: nginx may have sent one on
 * any of them, even as this request was taken, and keeps using them. Such a nested
 * request runs like any other, on the same database connection, which must be idle
 * (db_idle: the outer request holds no transaction or statement; otherwise the wait is
 * a plain poll), so the outer request holds no lock a nested one could want (the start
 * lock is released before the wait). It may not wait in its turn: one level only, and
 * a nested POST /run answers 202 "starting" instead of waiting (worker_nested).
 *
 * Stopping without losing a request: SIGTERM is blocked at all times except inside
 * ppoll(). A SIGTERM that arrives while a request is handled stays pending until the
 * request is answered; the next ppoll() takes it. The worker then serves any request
 * already waiting on its connections, closes them and exits. The listening socket is
 * non-blocking, so when a sibling accepted a connection first, accept() says EAGAIN
 * instead of sleeping where the signal could not reach it. Connections are accepted
 * here, not by libfcgi, so the I/O timeout is set before the first byte is read: a
 * peer that connects and says nothing cannot pin a worker.
 *
 * The access line of each request is buffered (log_access): written when the worker
 * finds nothing to do, when the buffer fills, before any other log line, at exit, and
 * on a crash signal. */
#include "fcgi/daemon.h"

#include <errno.h>
#include <fcgiapp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/afjwt.h"
#include "common/clock.h"
#include "common/cpuslots.h"
#include "common/log.h"
#include "common/password.h"
#include "common/util.h"
#include "db/db.h"
#include "fcgi/handler.h"
#include "sandbox/supervisor_client.h"

#define WORKER_IO_TIMEOUT_S 30
#define WORKER_CONNS_MAX 256
/* Bytes of unread request body a worker reads away to keep a connection; past that it
 * closes the connection instead. */
#define WORKER_DRAIN_MAX (64 * 1024)

/* The I/O timeout: WORKER_IO_TIMEOUT_S, or $APPFORGED_IO_TIMEOUT (1..3600 seconds) so
 * that a test can watch a stalled peer being dropped without waiting half a minute. */
static struct timeval io_timeout_value(void)
{
	const char *e = getenv("APPFORGED_IO_TIMEOUT");
	long long v;
	struct timeval tv = { WORKER_IO_TIMEOUT_S, 0 };

	if (e && util_parse_ll(e, 1, 3600, &v) == 0)
		tv.tv_sec = (time_t)v;
	return tv;
}

static volatile sig_atomic_t stop_requested;

const struct afjwt_ctx *worker_jwt;

static void on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* A request's FastCGI parameters, read once: request_parse asks for about fifteen by
 * name, and FCGX_GetParam compares each name with every parameter in turn (nginx sends
 * forty or so), which showed in the profile. The index keeps each parameter's name
 * length, so a lookup compares lengths first. More parameters than PARAMS_INDEXED: the
 * rest are looked up by libfcgi, in order, so the first of equal names wins as there. */
#define PARAMS_INDEXED 96

struct params {
	const char *kv[PARAMS_INDEXED];
	size_t namelen[PARAMS_INDEXED];
	int n;
	char **rest; /* the parameters past the index, NULL when none */
};

static void params_index(struct params *p, char **envp)
{
	p->n = 0;
	p->rest = NULL;
	for (char **e = envp; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (p->n == PARAMS_INDEXED) {
			p->rest = e;
			break;
		}
		if (!eq)
			continue; /* never matched by FCGX_GetParam either */
		p->kv[p->n] = *e;
		p->namelen[p->n++] = (size_t)(eq - *e);
	}
}

static const char *get_param(void *ctx, const char *name)
{
	const struct params *p = ctx;
	size_t len = strlen(name);

	for (int i = 0; i < p->n; i++)
		if (p->namelen[i] == len && memcmp(p->kv[i], name, len) == 0)
			return p->kv[i] + len + 1;
	/* none among the indexed ones, which come first: the rest, in order */
	return p->rest ? FCGX_GetParam(name, p->rest) : NULL;
}

/* Reads the whole body; a short read (client gone, lying length) is an error. */
static int read_body(FCGX_Request *fr, struct request *r)
{
	int got;
	if (r->content_length <= 0)
		return 0;
	r->body = malloc((size_t)r->content_length + 1);
	if (!r->body)
		return -1;
	got = FCGX_GetStr(r->body, (int)r->content_length, fr->in);
	if (got != r->content_length)
		return -1;
	r->body[r->content_length] = 0;
	return 0;
}

/* Serves the request in hand. Returns true when its handler handed the connection to
 * another process (a log stream, logstream.h): nothing was written to it. */
static bool serve_one(const struct worker_state *ws, FCGX_Request *fr)
{
	struct request req;
	struct response resp;
	char err[256], head[RESPONSE_HEAD_MAX];
	struct params params; /* not static: a nested request has its own (worker_wait) */
	size_t len = 0;
	long long t0 = clock_mono_ms();
	int st;
	bool handed_off;

	memset(&resp, 0, sizeof(resp));
	params_index(&params, fr->envp);
	st = request_parse(&req, get_param, &params, ws->conf->max_body_bytes, err, sizeof(err));
	req.conn_fd = fr->ipcFd;
	req.fcgi_id = fr->requestId;
	log_set_request_id(req.request_id);
	if (st == 413)
		response_error(&resp, 413, "payload_too_large", err);
	else if (st == 414)
		response_error(&resp, 414, "uri_too_long", err);
	else if (st)
		response_error(&resp, st, st == 503 ? "unavailable" : "invalid_request", err);
	else {
		log_debug("%s %s: reading %ld body bytes", req.method, req.path,
			  req.content_length);
		if (read_body(fr, &req) < 0)
			response_error(&resp, 400, "invalid_request",
				       "request body shorter than its Content-Length");
		else
			handle_request(ws, &req, &resp);
	}

	handed_off = resp.handed_off;
	/* The head, then the body as it is: libfcgi's buffer is the only copy. */
	if (!handed_off &&
	    (!(len = response_head(&resp, req.request_id, head, sizeof head)) ||
	     FCGX_PutStr(head, (int)len, fr->out) < 0 ||
	     (resp.body_len && FCGX_PutStr(resp.body, (int)resp.body_len, fr->out) < 0)))
		log_info("response not delivered (client gone)");
	if (resp.body)
		explicit_bzero(resp.body, resp.body_len);
	log_access("%s %s %d %lldms%s%s", req.method[0] ? req.method : "-",
		   req.path ? req.path : "-", resp.status, clock_mono_ms() - t0,
		   resp.error_code[0] ? " " : "", resp.error_code);
	response_free(&resp);
	if (req.body)
		explicit_bzero(req.body, (size_t)req.content_length); /* may hold a password */
	request_free(&req);
	log_set_request_id(NULL);
	return handed_off;
}

/* Expensive work (argon2 logins, scans) gets at most half of the API workers. Without
 * the lock file nothing is limited: logged, never fatal. */
static void open_cpuslots(const struct conf *c)
{
	char path[4096], err[256] = "state_dir too long";
	int n = cpuslots_default_limit(c->workers);
	const int limits[CPUSLOT__COUNT] = { [CPUSLOT_LOGIN] = n, [CPUSLOT_SCAN] = n };

	if (snprintf(path, sizeof path, "%s/cpu-slots.lock", c->state_dir) >= (int)sizeof path ||
	    cpuslots_open(path, limits, err, sizeof err) < 0)
		log_error("worker: expensive work is not limited: %s", err);
}

/* The connections a worker holds. fr[i].ipcFd < 0: a free slot. listen_sock is -1 in
 * every request, so libfcgi never accepts by itself: when it meets the end of a kept
 * connection it closes it and returns -EBADF instead of blocking in accept(). */
struct conns {
	FCGX_Request fr[WORKER_CONNS_MAX];
	unsigned long used[WORKER_CONNS_MAX]; /* when each slot last served: a counter */
	unsigned long clock;
	struct timeval io_timeout;
	int open;
	int max; /* slots in use at most: WORKER_CONNS_MAX, or less for tests */
};

/* $APPFORGED_MAX_CONNS (1..WORKER_CONNS_MAX) lets a test reach the limit with a few
 * connections. */
static int max_conns(void)
{
	const char *e = getenv("APPFORGED_MAX_CONNS");
	long long v;

	if (e && util_parse_ll(e, 1, WORKER_CONNS_MAX, &v) == 0)
		return (int)v;
	return WORKER_CONNS_MAX;
}

static void conns_init(struct conns *cs)
{
	memset(cs, 0, sizeof *cs);
	for (int i = 0; i < WORKER_CONNS_MAX; i++)
		FCGX_InitRequest(&cs->fr[i], -1, FCGI_FAIL_ACCEPT_ON_INTR);
	cs->io_timeout = io_timeout_value();
	cs->max = max_conns();
}

/* Closes slot i without libfcgi's lingering close (which waits up to 2 s for the peer's
 * EOF): only ever called between requests. */
static void conn_close(struct conns *cs, int i)
{
	FCGX_Request *fr = &cs->fr[i];

	FCGX_Free(fr, 0);
	if (fr->ipcFd >= 0) {
		close(fr->ipcFd);
		fr->ipcFd = -1;
		cs->open--;
	}
}

/* A free slot; when every slot is taken, frees the one idle the longest. We are
 * between requests: every kept connection is idle. */
static int free_slot(struct conns *cs)
{
	int lru = -1;

	for (int i = 0; i < cs->max; i++) {
		if (cs->fr[i].ipcFd < 0)
			return i;
		if (lru < 0 || cs->used[i] < cs->used[lru])
			lru = i;
	}
	log_debug("all %d connection slots taken: closing the one idle the longest", cs->max);
	conn_close(cs, lru);
	return lru;
}

/* Accepts one connection into a free slot. Returns 0, or -1 when there was none
 * (a sibling took it) or accept failed. */
static int conn_accept(struct conns *cs, int listen_fd)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC), i;

	if (fd < 0) {
		/* EAGAIN: a sibling took it. Anything else (EMFILE...) would spin on a
		 * readable socket: breathe a little. */
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			usleep(10000);
		return -1;
	}
	i = free_slot(cs);
	/* A peer that stalls mid-request or stops reading cannot hold this worker
	 * forever: reads and writes give up after the I/O timeout. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &cs->io_timeout, sizeof cs->io_timeout);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &cs->io_timeout, sizeof cs->io_timeout);
	cs->fr[i].ipcFd = fd;
	cs->used[i] = ++cs->clock;
	/* FCGX_Accept_r begins by finishing "the previous request": keepConnection makes
	 * that keep the fd we just gave it. */
	cs->fr[i].keepConnection = 1;
	cs->open++;
	return 0;
}

/* Reads what is left of the request's input up to its end-of-stream record, so the next
 * read on a kept connection starts at the next request. A body too big to drain, or a
 * broken stream, makes the connection close after this request. */
static void drain_input(FCGX_Request *fr)
{
	char buf[4096];
	long total = 0;
	int n;

	while ((n = FCGX_GetStr(buf, sizeof buf, fr->in)) > 0) {
		total += n;
		if (total > WORKER_DRAIN_MAX) {
			fr->keepConnection = 0;
			return;
		}
	}
	if (FCGX_GetError(fr->in) != 0)
		fr->keepConnection = 0;
}

/* The request in hand: its worker, connections and slot (for worker_wait), whether it
 * lets the worker serve others while it waits, and whether it is itself nested in
 * another's wait. */
struct serving {
	const struct worker_state *ws;
	struct conns *cs;
	int slot;
	bool others;
	bool nested;
};
static struct serving serving = { .slot = -1 };

bool worker_nested(void)
{
	return serving.nested;
}

void worker_serve_while_waiting(bool on)
{
	serving.others = on && serving.cs && !serving.nested;
}

static void conn_serve(const struct worker_state *ws, struct conns *cs, int i);

/* Appends a POLLIN entry for each open connection but slot `skip` (-1: none) to pfd
 * from index n on, its slot to slot[]; returns the new count. */
static int conns_pollfds(const struct conns *cs, int skip, struct pollfd *pfd, int *slot, int n)
{
	for (int i = 0; i < WORKER_CONNS_MAX; i++)
		if (i != skip && cs->fr[i].ipcFd >= 0) {
			slot[n] = i;
			pfd[n++] = (struct pollfd){ .fd = cs->fr[i].ipcFd, .events = POLLIN };
		}
	return n;
}

/* The supervisor client's waiter (sup_set_waiter): waits for fd while serving the
 * requests that arrive on this worker's other kept connections. */
static int worker_wait(int fd, short events, long long deadline)
{
	struct pollfd pfd[WORKER_CONNS_MAX + 1];
	int slot[WORKER_CONNS_MAX + 1];
	char rid[LOG_RID_BUFSZ];
	const struct worker_state *ws = serving.ws;
	struct conns *cs = serving.cs;
	int outer = serving.slot, rc = -1;

	if (!serving.others || !db_idle(ws->db))
		return sup_wait_poll(fd, events, deadline);
	util_copy(rid, sizeof rid, log_request_id());
	for (;;) {
		/* Past the deadline (a nested request took long), one last look at fd. */
		long long left = deadline - clock_mono_ms();
		int n = 0, r;

		if (left < 0)
			left = 0;
		pfd[n++] = (struct pollfd){ .fd = fd, .events = events };
		n = conns_pollfds(cs, outer, pfd, slot, n);
		r = poll(pfd, (nfds_t)n, (int)left);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && pfd[0].revents) {
			rc = 0;
			break;
		}
		if (left == 0)
			break;
		for (int k = 1; r > 0 && k < n; k++) {
			if (!pfd[k].revents)
				continue;
			struct serving outer_req = serving;
			serving = (struct serving){ .slot = -1, .nested = true };
			log_debug("serving a request of another kept connection while waiting");
			conn_serve(ws, cs, slot[k]);
			serving = outer_req;
			log_set_request_id(rid);
		}
	}
	return rc;
}

/* Serves the next request waiting on slot i; closes the connection when the peer ended
 * it, when it broke, or when the peer did not ask to keep it. */
static void conn_serve(const struct worker_state *ws, struct conns *cs, int i)
{
	FCGX_Request *fr = &cs->fr[i];

	if (FCGX_Accept_r(fr) < 0) {
		/* End of the connection or a protocol error: libfcgi closed the fd. */
		if (fr->ipcFd >= 0)
			close(fr->ipcFd);
		fr->ipcFd = -1;
		cs->open--;
		return;
	}
	cs->used[i] = ++cs->clock;
	serving.ws = ws;
	serving.cs = cs;
	serving.slot = i;
	serving.others = false;
	bool handed_off = serve_one(ws, fr);
	serving = (struct serving){ .slot = -1 };
	if (handed_off) {
		/* The streamer holds the connection now: forget it without a word. */
		conn_close(cs, i);
		return;
	}
	drain_input(fr);
	FCGX_Finish_r(fr); /* closes the fd unless kept and healthy */
	if (fr->ipcFd < 0)
		cs->open--;
}

/* One ppoll() over the listening socket (while a slot is free) and every connection;
 * then serves each connection with a request waiting and accepts one new connection.
 * Returns -1 when the worker must stop because the listening socket failed. */
static int poll_round(const struct worker_state *ws, struct conns *cs, int listen_fd,
		      const sigset_t *waitmask, const struct timespec *timeout)
{
	struct pollfd pfd[WORKER_CONNS_MAX + 1];
	int slot[WORKER_CONNS_MAX + 1], n = 0, rc;
	bool listening = listen_fd >= 0;

	if (listening)
		pfd[n++] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
	n = conns_pollfds(cs, -1, pfd, slot, n);
	rc = 0;
	if (!timeout && log_pending()) {
		/* Busy: the access lines wait. Idle (nothing ready now): write them first. */
		const struct timespec zero = { 0, 0 };
		rc = ppoll(pfd, (nfds_t)n, &zero, waitmask);
		if (rc == 0)
			log_flush();
	}
	if (rc == 0)
		rc = ppoll(pfd, (nfds_t)n, timeout, waitmask);
	if (rc < 0) {
		if (errno == EINTR)
			return 0;
		log_error("worker: poll: %s", strerror(errno));
		return -1;
	}
	for (int k = listening ? 1 : 0; k < n; k++)
		if (pfd[k].revents)
			conn_serve(ws, cs, slot[k]);
	if (listening && (pfd[0].revents & (POLLERR | POLLNVAL))) {
		log_error("worker: listening socket failed");
		return -1;
	}
	if (listening && (pfd[0].revents & POLLIN))
		conn_accept(cs, listen_fd);
	return 0;
}

/* Between requests, with a stop pending: answers what already waits on the kept
 * connections (no new connection is accepted), then closes them. */
static void conns_finish(const struct worker_state *ws, struct conns *cs, const sigset_t *waitmask)
{
	const struct timespec zero = { 0, 0 };

	if (cs->open > 0)
		poll_round(ws, cs, -1, waitmask, &zero);
	for (int i = 0; i < WORKER_CONNS_MAX; i++)
		conn_close(cs, i);
}

void worker_main(const struct conf *c, int listen_fd, enum worker_pool pool)
{
	static struct conns cs;
	struct worker_state ws;
	struct db *db = NULL;
	char err[256];
	struct sigaction sa;
	sigset_t block, waitmask;
	pid_t master = getppid();

	/* A worker never outlives its master. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master)
		_exit(0);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGINT, SIG_IGN); /* a terminal's ^C reaches the master, which stops us */
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);

	if (password_init(err, sizeof err) < 0) {
		log_error("worker: %s", err);
		_exit(1);
	}
	if (db_open(&db, c->db_path, err, sizeof err) != DB_OK) {
		log_error("worker: database: %s", err);
		_exit(1);
	}
	memset(&ws, 0, sizeof ws);
	ws.conf = c;
	ws.jwt = worker_jwt;
	ws.db = db;
	ws.internal_only = pool == WORKER_POOL_RESOLVE;
	if (!ws.internal_only)
		open_cpuslots(c);
	conns_init(&cs);
	log_buffering(1);
	log_flush_on_crash();
	sup_set_waiter(worker_wait);
	log_debug("worker ready (%s pool)", ws.internal_only ? "resolve" : "API");
	while (!stop_requested)
		if (poll_round(&ws, &cs, listen_fd, &waitmask, NULL) < 0)
			break;
	/* A signal taken by ppoll() above lands here, between requests. */
	conns_finish(&ws, &cs, &waitmask);
	db_close(db);
	log_flush();
	_exit(0);
}
