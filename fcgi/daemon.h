/* daemon.h: the appforged processes: the master that supervises a pool of preforked
 * FastCGI workers, and the worker loop itself.
 *
 * The master owns the listening socket (listener.h), forks `workers` processes that
 * each accept on it, replaces any worker that dies (with a growing delay when they die
 * at once), and on SIGTERM/SIGINT asks every worker to finish its in-flight request and
 * exit, waits up to DAEMON_STOP_TIMEOUT_S, then exits. */
#ifndef AF_DAEMON_H
#define AF_DAEMON_H

#include "common/conf.h"

struct afjwt_ctx;

/* Set by main() before master_run: the process-wide JWT context, loaded before fork
 * (NULL when no key is configured: every bearer JWT is then refused). */
extern const struct afjwt_ctx *worker_jwt;

#define DAEMON_STOP_TIMEOUT_S 20

/* Runs the master until a stop signal. listen_fd is inherited by workers; FCGX_Init has
 * been called. Returns the process exit status (0 on a clean stop). */
int master_run(const struct conf *c, int listen_fd);

/* The body of one worker process: opens its own database connection, then accepts and
 * answers requests until asked to stop. Never returns: exits with 0 on a clean stop. */
__attribute__((noreturn)) void worker_main(const struct conf *c, int listen_fd);

#endif
