/* ports.h: the app-port allocator of the supervisor (port_min..port_max).
 *
 * A port is handed out by port_alloc_get and comes back only through port_alloc_put,
 * which the supervisor calls once the sandbox that used it is gone; ports are handed
 * out round-robin so a just-freed port is the last to be reused. Pure bookkeeping: no
 * socket is touched (the caller binds, and marks a port it could not bind with
 * port_alloc_get's next call after put-ting nothing back).
 *
 * Error convention: -1 (and a message) on error. The struct owns its array: free it
 * with port_alloc_free. */
#ifndef AF_PORTS_H
#define AF_PORTS_H

#include <stddef.h>

struct port_alloc {
	int min, max;
	int next; /* where the round-robin search starts */
	int nused;
	unsigned char *used; /* one byte per port in min..max */
};

int port_alloc_init(struct port_alloc *pa, int min, int max, char *err, size_t errlen);
void port_alloc_free(struct port_alloc *pa);

/* A free port, now marked used; -1 when every port is taken. */
int port_alloc_get(struct port_alloc *pa);

/* Marks a given port used (e.g. one a reconciled run still holds). -1 if out of range
 * or already used. */
int port_alloc_take(struct port_alloc *pa, int port);

/* Gives a port back. -1 if it was not in use (a bug in the caller). */
int port_alloc_put(struct port_alloc *pa, int port);

int port_alloc_in_use(const struct port_alloc *pa, int port);

#endif
