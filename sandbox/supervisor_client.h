/* supervisor_client.h: the one client of appforge-supervisor, for workers, tools and
 * tests. The protocol (typed requests and replies) is sandbox/supproto.h.
 *
 * sup_call encodes req, sends it on a new connection, waits up to timeout_ms for the
 * reply and decodes it into rep (clear it with sup_reply_clear). Returns 0 when a reply
 * came, whatever rep->ok says; -1 on a transport failure (no supervisor, timeout,
 * garbage) with a message in err.
 *
 * sup_send only sends req (within timeout_ms) and closes the connection without reading
 * a reply: for a request that is carried out whether or not its reply is read (the
 * supervisor handles each line as it reads it), such as prepare. 0 once sent, or -1.
 *
 * While a call waits for its socket (to send, or for the reply), it polls it, or calls
 * the waiter a process set with sup_set_waiter: an API worker serves its other kept
 * connections meanwhile instead of leaving their requests behind a start (worker.c).
 * A waiter returns 0 once fd is ready for events, -1 at the deadline (clock_mono_ms())
 * or on an error. NULL restores sup_wait_poll, the plain poll() of fd alone.
 *
 * supervisor_call is the raw form for `appforge-sandbox call` (a debugging tool): any
 * JSON object out, the reply object back (*resp a new reference, put it). 0 or -1. */
#ifndef AF_SUPERVISOR_CLIENT_H
#define AF_SUPERVISOR_CLIENT_H

#include <stddef.h>

#include "sandbox/supproto.h"

struct json_object;

typedef int (*sup_waiter)(int fd, short events, long long deadline);
void sup_set_waiter(sup_waiter w);
int sup_wait_poll(int fd, short events, long long deadline);

int sup_call(const char *sock, const struct sup_request *req, struct sup_reply *rep, int timeout_ms,
	     char *err, size_t errlen);

int sup_send(const char *sock, const struct sup_request *req, int timeout_ms, char *err,
	     size_t errlen);

int supervisor_call(const char *sock, struct json_object *req, struct json_object **resp,
		    int timeout_ms, char *err, size_t errlen);

#endif
