/* supervisor_client.c: request/reply exchanges with appforge-supervisor (see
 * supervisor_client.h): one transport, a typed and a raw front. */
#include "sandbox/supervisor_client.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

static sup_waiter waiter;

void sup_set_waiter(sup_waiter w)
{
	waiter = w;
}

int sup_wait_poll(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - clock_mono_ms();
		if (left <= 0)
			return -1;
		struct pollfd p = { fd, events, 0 };
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* Waits for fd to be ready for events before the deadline; 0 ready, -1 timeout/error. */
static int wait_fd(int fd, short events, long long deadline)
{
	return (waiter ? waiter : sup_wait_poll)(fd, events, deadline);
}

/* Connects to sock and sends line (len bytes, ending in '\n') by deadline: the
 * connected descriptor (the caller closes it), or -1. */
static int send_line(const char *sock, const char *line, size_t len, long long deadline, char *err,
		     size_t errlen)
{
	struct sockaddr_un a;
	size_t off = 0;
	int fd;

	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (!sock || strlen(sock) >= sizeof a.sun_path) {
		snprintf(err, errlen, "invalid supervisor socket path");
		return -1;
	}
	strcpy(a.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
		snprintf(err, errlen, "supervisor at %s: %s", sock, strerror(errno));
		close(fd);
		return -1;
	}
	while (off < len) {
		if (wait_fd(fd, POLLOUT, deadline) < 0) {
			snprintf(err, errlen, "supervisor: timeout sending the request");
			close(fd);
			return -1;
		}
		ssize_t w = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0) {
			snprintf(err, errlen, "supervisor: %s", strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return fd;
}

/* Sends line (len bytes, ending in '\n') and reads one reply line into *reply
 * (malloc'ed, NUL instead of its '\n'). 0 or -1. */
static int exchange(const char *sock, const char *line, size_t len, char **reply, size_t *rlen,
		    int timeout_ms, char *err, size_t errlen)
{
	long long deadline = clock_mono_ms() + timeout_ms;
	size_t cap = 4096, have = 0;
	char *buf = NULL;
	int fd, rc = -1;

	*reply = NULL;
	fd = send_line(sock, line, len, deadline, err, errlen);
	if (fd < 0)
		return -1;
	if (!(buf = malloc(cap))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (;;) {
		char *nl = have ? memchr(buf, '\n', have) : NULL;
		if (nl) {
			*nl = 0;
			*rlen = (size_t)(nl - buf);
			break;
		}
		if (have + 1 >= cap) {
			char *nb = cap < SUP_REPLY_MAX ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				snprintf(err, errlen, "supervisor: reply too long");
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		if (wait_fd(fd, POLLIN, deadline) < 0) {
			snprintf(err, errlen, "supervisor: no reply within %d ms", timeout_ms);
			goto out;
		}
		ssize_t r = recv(fd, buf + have, cap - have - 1, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "supervisor closed the connection");
			goto out;
		}
		have += (size_t)r;
	}
	*reply = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

int sup_send(const char *sock, const struct sup_request *req, int timeout_ms, char *err,
	     size_t errlen)
{
	size_t len = 0;
	char *line = sup_request_encode(req, &len, err, errlen);
	int fd;

	if (!line)
		return -1;
	fd = send_line(sock, line, len, clock_mono_ms() + timeout_ms, err, errlen);
	free(line);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int sup_call(const char *sock, const struct sup_request *req, struct sup_reply *rep, int timeout_ms,
	     char *err, size_t errlen)
{
	size_t len = 0, rlen = 0;
	char *line, *reply = NULL;
	int rc;

	memset(rep, 0, sizeof *rep);
	if (!(line = sup_request_encode(req, &len, err, errlen)))
		return -1;
	rc = exchange(sock, line, len, &reply, &rlen, timeout_ms, err, errlen);
	explicit_bzero(line, len); /* a start carries the app's secrets in clear */
	free(line);
	if (rc == 0)
		rc = sup_reply_decode(req->op, reply, rlen, rep, err, errlen);
	free(reply);
	return rc;
}

int supervisor_call(const char *sock, struct json_object *req, struct json_object **resp,
		    int timeout_ms, char *err, size_t errlen)
{
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t n = strlen(s), rlen = 0;
	char *line = malloc(n + 1), *reply = NULL;
	int rc = -1;

	*resp = NULL;
	if (!line) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(line, s, n);
	line[n] = '\n';
	if (exchange(sock, line, n + 1, &reply, &rlen, timeout_ms, err, errlen) == 0) {
		struct json_object *o = json_tokener_parse(reply);
		if (o && json_object_is_type(o, json_type_object)) {
			*resp = o;
			rc = 0;
		} else {
			json_object_put(o);
			snprintf(err, errlen, "supervisor sent a malformed reply");
		}
	}
	free(line);
	free(reply);
	return rc;
}
