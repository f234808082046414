/* supervisor_client.c: one request/reply exchange with appforge-supervisor. */
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

#define REPLY_MAX (1 << 20)

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to be ready for events before the deadline; 0 ready, -1 timeout/error. */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - mono_ms();
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

int supervisor_call(const char *sock, struct json_object *req, struct json_object **resp,
		    int timeout_ms, char *err, size_t errlen)
{
	*resp = NULL;
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (!sock || strlen(sock) >= sizeof a.sun_path) {
		snprintf(err, errlen, "invalid supervisor socket path");
		return -1;
	}
	strcpy(a.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	long long deadline = mono_ms() + timeout_ms;
	char *buf = NULL;
	int rc = -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
		snprintf(err, errlen, "supervisor at %s: %s", sock, strerror(errno));
		goto out;
	}
	const char *line = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(line), off = 0;
	while (off <= len) {
		const char *p = off < len ? line + off : "\n";
		size_t n = off < len ? len - off : 1;
		if (wait_fd(fd, POLLOUT, deadline) < 0) {
			snprintf(err, errlen, "supervisor: timeout sending the request");
			goto out;
		}
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0) {
			snprintf(err, errlen, "supervisor: %s", strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	size_t cap = 4096, have = 0;
	buf = malloc(cap);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (;;) {
		char *nl = have ? memchr(buf, '\n', have) : NULL;
		if (nl) {
			*nl = 0;
			break;
		}
		if (have + 1 >= cap) {
			if (cap >= REPLY_MAX) {
				snprintf(err, errlen, "supervisor: reply too long");
				goto out;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				snprintf(err, errlen, "out of memory");
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
	struct json_object *o = json_tokener_parse(buf);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		snprintf(err, errlen, "supervisor sent a malformed reply");
		goto out;
	}
	*resp = o;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}
