/* startmarks.h: the moments of one app start, from the supervisor's start request to the
 * app's first answer, on CLOCK_MONOTONIC in microseconds (the clock Python's
 * time.monotonic() and Node's process.hrtime() read, namespaces or not), so that
 * bench/sandbox and bench/lifecycle can put every stage of a start on one time line.
 *
 * The supervisor carries them in its start, wait and status replies as "timings"
 * (supproto.h); they never reach an API client. A mark of 0 was not reached, or not
 * measured in this process (the CLI has no supervisor marks). Header only: the
 * sandbox library, the supervisor and the protocol share it without a link between
 * them. */
#ifndef AF_STARTMARKS_H
#define AF_STARTMARKS_H

#include <stdint.h>
#include "common/clock.h"

enum startmark {
	SM_RECEIVED, /* supervisor: the start request read from its socket */
	SM_RECORDED, /* supervisor: checked, port taken, run recorded "starting" */
	SM_PREPARED, /* sandbox_start: spec checked, paths resolved, lock and log open */
	SM_IMAGE,    /* the app's data image exists */
	SM_CGROUP,   /* its cgroup exists, limits written */
	SM_CLONED,   /* clone() returned in the parent */
	SM_CHILD,    /* the child's first instruction (new namespaces made) */
	SM_JOINED,   /* the child is in its cgroup */
	SM_BINDS,    /* root tmpfs, /usr, /etc and the code bound */
	SM_DATA,     /* /data loop-mounted (and handed to the app's uid) */
	SM_ROOT,     /* /tmp, /dev, /proc, init, pivot_root, / read-only */
	SM_NET,      /* lo up, in /app */
	SM_USERNS,   /* parent: the child entered its user namespace */
	SM_EXEC,     /* parent: init exec'ed (the sync socket closed) */
	SM_REPLIED,  /* supervisor: the start reply queued */
	SM_PROBE,    /* supervisor: the probe (an HTTP request) that was answered began */
	SM_READY,    /* supervisor: the app listens (its notice) or answered; "running" */
	SM_WOKEN,    /* supervisor: the wait requests for it answered */
	SM_ANSWER,   /* supervisor: the probe's answer (after SM_READY when the app's
		      * listen notice came first) */
	SM_COUNT
};

/* The child's marks (SM_CHILD..SM_NET) travel to the parent in one message. */
#define SM_CHILD_FIRST SM_CHILD
#define SM_CHILD_LAST SM_NET

static inline const char *startmark_name(enum startmark m)
{
	static const char *const names[SM_COUNT] = {
		"received", "recorded", "prepared", "image", "cgroup", "cloned", "child",
		"joined",   "binds",    "data",     "root",  "net",    "userns", "exec",
		"replied",  "probe",    "ready",    "woken", "answer",
	};
	return (unsigned)m < SM_COUNT ? names[m] : "?";
}

/* Now on CLOCK_MONOTONIC, in microseconds. */
static inline int64_t startmark_now(void)
{
	return clock_mono_us();
}

#endif
