/* cpuslots.h: a bounded share of the workers for expensive work, across processes.
 *
 * An argon2id login costs tens of milliseconds of CPU and 64 MiB; a scan runs Node.
 * If every worker could do them at once, a crowd of anonymous clients sending wrong
 * passwords would leave no worker for cheap requests. So each kind of expensive work
 * has a number of slots, fewer than the workers, shared by all the processes of one
 * instance: slot i of class c is a one-byte POSIX record lock at offset c * 64 + i of
 * one lock file. The kernel drops a process's locks when it dies, so a worker killed
 * while holding a slot never leaks it. Taking a slot never waits: when all are busy
 * the caller answers at once (the API: 429 rate_limited, Retry-After: 1).
 *
 * POSIX record locks belong to the process: a process holds at most one slot at a
 * time here (one request at a time per worker), and keeps the lock file open for its
 * whole life (closing any descriptor of that file would drop its locks).
 * Error convention: 0 on success, -1 with a message in err. */
#ifndef AF_CPUSLOTS_H
#define AF_CPUSLOTS_H

#include <stddef.h>

enum cpuslot_class { CPUSLOT_LOGIN = 0, CPUSLOT_SCAN = 1, CPUSLOT__COUNT };

#define CPUSLOTS_MAX 64 /* slots per class */

/* Opens (creating, mode 0600) the lock file at path in this process, with limits[c]
 * slots for class c (1..CPUSLOTS_MAX). Call after fork, once per process. */
int cpuslots_open(const char *path, const int limits[CPUSLOT__COUNT], char *err, size_t errlen);

/* Takes a free slot of class c. Returns its handle (>= 0), -1 when all are busy, or
 * -2 when the slots are not open in this process (nothing is limited then; the
 * caller may go on). */
int cpuslots_try(enum cpuslot_class c);

/* Gives back a slot taken by cpuslots_try (a negative handle is ignored). */
void cpuslots_release(int handle);

/* The default share for a pool of `workers`: half of them, at least 1. */
int cpuslots_default_limit(int workers);

#endif
