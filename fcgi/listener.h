/* listener.h: the daemon's FastCGI listening socket and its single-instance guard.
 *
 * Either the socket comes from systemd socket activation (LISTEN_PID equals our pid and
 * LISTEN_FDS >= 1: fd 3), or we create the unix socket ourselves, mode 0660. In both
 * cases a lock file next to the socket (<socket>.lock, flock) makes a second instance
 * fail; and before creating the socket we try to connect to an existing one, because
 * an instance without our lock (or an old version) may serve it, and binding over it
 * would silently steal its clients.
 *
 * Error convention: 0 on success, -1 with a message in err. */
#ifndef AF_LISTENER_H
#define AF_LISTENER_H

#include <stdbool.h>
#include <stddef.h>

struct listener {
	int fd;         /* listening socket, non-blocking (see worker.c) */
	int lock_fd;    /* held flock on <socket>.lock */
	bool activated; /* the socket came from systemd; we must not unlink it */
	char path[108]; /* the socket path when we created it */
};

/* socket_path: where to create the socket (ignored when activated). */
int listener_open(struct listener *l, const char *socket_path, char *err, size_t errlen);

/* A second socket of the same instance (the resolve pool's): created by us, mode 0660,
 * non-blocking, with the same stale-socket check but no lock of its own (the main
 * socket's lock, taken first, guards the instance). */
int listener_open_extra(struct listener *l, const char *socket_path, char *err, size_t errlen);

/* Closes the socket and removes the path if we created it; releases the lock.
 * Only the master calls this, at the very end. */
void listener_close(struct listener *l);

#endif
