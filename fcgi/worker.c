/* worker.c: one appforged worker: a FastCGI accept loop over the shared socket.
 *
 * Stopping without losing a request: SIGTERM is blocked at all times except inside
 * ppoll(), which waits for the listening socket to become readable. A SIGTERM that
 * arrives while a request is handled stays pending until the request is answered;
 * the next ppoll() takes it, and the worker exits. The socket is non-blocking, so when a
 * sibling accepted the connection first, FCGX_Accept_r returns at once instead of
 * sleeping in accept() where the signal could not reach it. */
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
#include "common/log.h"
#include "common/password.h"
#include "common/util.h"
#include "db/db.h"
#include "fcgi/handler.h"

#define WORKER_IO_TIMEOUT_S 30

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

static const char *get_param(void *ctx, const char *name)
{
	return FCGX_GetParam(name, ((FCGX_Request *)ctx)->envp);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

static void serve_one(const struct worker_state *ws, FCGX_Request *fr)
{
	struct request req;
	struct response resp;
	char err[256], *out;
	size_t len = 0;
	long long t0 = now_ms();
	int st;

	memset(&resp, 0, sizeof(resp));
	st = request_parse(&req, get_param, fr, ws->conf->max_body_bytes, err, sizeof(err));
	log_set_request_id(req.request_id);
	if (st == 413)
		response_error(&resp, 413, "payload_too_large", err);
	else if (st == 414)
		response_error(&resp, 414, "uri_too_long", err);
	else if (st)
		response_error(&resp, st, st == 503 ? "unavailable" : "invalid_request", err);
	else {
		log_debug("%s %s: reading %ld body bytes", req.method, req.path, req.content_length);
		if (read_body(fr, &req) < 0)
			response_error(&resp, 400, "invalid_request",
				       "request body shorter than its Content-Length");
		else
			handle_request(ws, &req, &resp);
	}

	out = response_serialize(&resp, req.request_id, &len);
	if (!out || FCGX_PutStr(out, (int)len, fr->out) < 0)
		log_info("response not delivered (client gone or out of memory)");
	if (out) {
		explicit_bzero(out, len); /* may hold a freshly issued token */
		free(out);
	}
	if (resp.body)
		explicit_bzero(resp.body, resp.body_len);
	log_info("%s %s %d %lldms%s%s", req.method[0] ? req.method : "-",
		 req.path ? req.path : "-", resp.status, now_ms() - t0,
		 resp.error_code[0] ? " " : "", resp.error_code);
	response_free(&resp);
	if (req.body)
		explicit_bzero(req.body, (size_t)req.content_length); /* may hold a password */
	request_free(&req);
	log_set_request_id(NULL);
}

void worker_main(const struct conf *c, int listen_fd)
{
	struct worker_state ws;
	struct db *db = NULL;
	char err[256];
	FCGX_Request fr;
	struct sigaction sa;
	sigset_t block, waitmask;
	pid_t master = getppid();
	const struct timeval io_timeout = io_timeout_value();

	/* A worker never outlives its master. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master)
		_exit(0);

	memset(&sa, 0, sizeof(sa));
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

	if (password_init(err, sizeof(err)) < 0) {
		log_error("worker: %s", err);
		_exit(1);
	}
	if (db_open(&db, c->db_path, err, sizeof(err)) != DB_OK) {
		log_error("worker: database: %s", err);
		_exit(1);
	}
	ws.conf = c;
	ws.jwt = worker_jwt;
	ws.db = db;
	if (FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_error("worker: FCGX_InitRequest failed");
		_exit(1);
	}
	log_debug("worker ready");
	while (!stop_requested) {
		struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
		int rc = ppoll(&pfd, 1, NULL, &waitmask);
		if (stop_requested)
			break;
		if (rc < 0) {
			if (errno != EINTR) {
				log_error("worker: poll: %s", strerror(errno));
				break;
			}
			continue;
		}
		if (pfd.revents & (POLLERR | POLLNVAL)) {
			log_error("worker: listening socket failed");
			break;
		}
		rc = FCGX_Accept_r(&fr);
		if (rc < 0) {
			/* -EAGAIN: a sibling took it. Anything else (EMFILE...) would spin on
			 * a readable socket: breathe a little. */
			if (rc != -EAGAIN && rc != -EWOULDBLOCK)
				usleep(10000);
			continue;
		}
		/* A peer that stalls mid-body or stops reading cannot hold this worker
		 * forever: reads and writes give up after the I/O timeout. */
		setsockopt(fr.ipcFd, SOL_SOCKET, SO_RCVTIMEO, &io_timeout, sizeof(io_timeout));
		setsockopt(fr.ipcFd, SOL_SOCKET, SO_SNDTIMEO, &io_timeout, sizeof(io_timeout));
		serve_one(&ws, &fr);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 0);
	db_close(db);
	_exit(0);
}
