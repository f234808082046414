/* supervisor_client.h: how workers and tools talk to appforge-supervisor.
 *
 * The protocol is one JSON object per line over the supervisor's unix socket (mode
 * 0600): requests {"op":"start"|"stop"|"status"|"list"|"ping", ...}, replies
 * {"ok":true,...} or {"ok":false,"error":{"code","message"}}. See supervisor.c.
 *
 * supervisor_call sends req (borrowed) and waits up to timeout_ms for the reply line.
 * On success returns 0 and *resp is a new reference (json_object_put it), whatever its
 * "ok" says. On a transport failure (no supervisor, timeout, garbage) returns -1 with a
 * message in err and *resp = NULL. Opens and closes its own connection. */
#ifndef AF_SUPERVISOR_CLIENT_H
#define AF_SUPERVISOR_CLIENT_H

#include <stddef.h>

struct json_object;

int supervisor_call(const char *sock, struct json_object *req, struct json_object **resp,
		    int timeout_ms, char *err, size_t errlen);

#endif
