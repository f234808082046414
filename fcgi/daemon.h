/* daemon.h: the appforged processes: the master that supervises a pool of preforked
 * FastCGI workers, and the worker loop itself.
 *
 * The master holds the two listening sockets (listener.h: the API's and the resolve
 * socket), forks `workers` processes that accept on the first and `resolve_workers` on
 * the second, replaces any worker that dies (with a growing delay when they die at
 * once), and on SIGTERM/SIGINT asks every worker to finish its in-flight request and
 * exit, waits up to DAEMON_STOP_TIMEOUT_S, then exits. */
#ifndef AF_DAEMON_H
#define AF_DAEMON_H

#include "common/conf.h"

struct afjwt_ctx;

/* Set by main() before master_run: the process-wide JWT context, loaded before fork
 * (NULL when no key is configured: every bearer JWT is then refused). */
extern const struct afjwt_ctx *worker_jwt;

#define DAEMON_STOP_TIMEOUT_S 20

/* The two pools. The resolve pool answers only nginx's app-origin lookups
 * (/internal/resolve) on a socket of its own, so an app's origin never waits behind
 * API work, however busy the API workers are. */
enum worker_pool {
	WORKER_POOL_API,
	WORKER_POOL_RESOLVE,
	/* one process, no FastCGI socket: serves the live log streams the API workers
	 * hand to it (logstream.h) */
	WORKER_POOL_STREAM
};

/* Runs the master until a stop signal. api_fd (conf workers) and resolve_fd (conf
 * resolve_workers) are inherited by the workers of each pool; FCGX_Init has been
 * called. Returns the process exit status (0 on a clean stop). */
int master_run(const struct conf *c, int api_fd, int resolve_fd);

/* The body of one worker process: opens its own database connection, then accepts and
 * answers requests on listen_fd until asked to stop. Never returns: exits with 0 on a
 * clean stop. */
__attribute__((noreturn)) void worker_main(const struct conf *c, int listen_fd,
					   enum worker_pool pool);

#endif
