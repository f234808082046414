/* listener.c: the FastCGI socket: socket activation or our own bind, single instance. */
#include "fcgi/listener.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"

#define SD_LISTEN_FDS_START 3

/* Returns 1 and the fd when systemd passed us a listening socket, 0 when not
 * activated, -1 on a malformed activation environment. */
static int activated_fd(int *fd, char *err, size_t errlen)
{
	const char *lp = getenv("LISTEN_PID"), *lf = getenv("LISTEN_FDS");
	char *end;
	long pid, n;
	int acc = 0;
	socklen_t sl = sizeof acc;

	if (!lp || !lf)
		return 0;
	errno = 0;
	pid = strtol(lp, &end, 10);
	if (errno || *end || pid <= 0)
		return 0;
	if (pid != (long)getpid())
		return 0; /* meant for another process (our parent) */
	n = strtol(lf, &end, 10);
	if (errno || *end || n < 1) {
		snprintf(err, errlen, "socket activation: invalid LISTEN_FDS '%s'", lf);
		return -1;
	}
	if (n > 1)
		log_warn("socket activation: %ld sockets passed, using only fd 3", n);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_ACCEPTCONN, &acc, &sl) < 0 || !acc) {
		snprintf(err, errlen, "socket activation: fd 3 is not a listening socket");
		return -1;
	}
	*fd = SD_LISTEN_FDS_START;
	return 1;
}

static int take_lock(struct listener *l, const char *socket_path, char *err, size_t errlen)
{
	char lock[sizeof l->path + 8];

	if (snprintf(lock, sizeof lock, "%s.lock", socket_path) >= (int)sizeof lock) {
		snprintf(err, errlen, "socket path too long: %s", socket_path);
		return -1;
	}
	l->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (l->lock_fd < 0) {
		snprintf(err, errlen, "cannot open lock file %s: %s", lock, strerror(errno));
		return -1;
	}
	if (flock(l->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen, "another appforged is running (lock %s is held)",
				 lock);
		else
			snprintf(err, errlen, "cannot lock %s: %s", lock, strerror(errno));
		close(l->lock_fd);
		l->lock_fd = -1;
		return -1;
	}
	return 0;
}

/* 1 when something accepts connections on path, 0 when not (stale or absent). */
static int socket_alive(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;
	if (fd < 0)
		return 0;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
	close(fd);
	return rc == 0;
}

static int bind_socket(struct listener *l, const char *socket_path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(socket_path) >= sizeof sa.sun_path) {
		snprintf(err, errlen, "socket path too long: %s", socket_path);
		return -1;
	}
	strcpy(sa.sun_path, socket_path);

	if (lstat(socket_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", socket_path);
			return -1;
		}
		if (socket_alive(&sa)) {
			snprintf(err, errlen, "another process is serving %s", socket_path);
			return -1;
		}
		if (unlink(socket_path) < 0) {
			snprintf(err, errlen, "cannot remove stale socket %s: %s", socket_path,
				 strerror(errno));
			return -1;
		}
	}
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* The umask makes the socket 0660 from birth: no window with a wider mode. */
	old = umask(0117);
	if (bind(l->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		umask(old);
		snprintf(err, errlen, "cannot bind %s: %s", socket_path, strerror(errno));
		return -1;
	}
	umask(old);
	strcpy(l->path, socket_path);
	if (chmod(socket_path, 0660) < 0 || listen(l->fd, SOMAXCONN) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", socket_path, strerror(errno));
		return -1;
	}
	return 0;
}

static int set_nonblocking(int fd, char *err, size_t errlen)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "fcntl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int listener_open_extra(struct listener *l, const char *socket_path, char *err, size_t errlen)
{
	memset(l, 0, sizeof *l);
	l->fd = -1;
	l->lock_fd = -1;
	if (bind_socket(l, socket_path, err, errlen) < 0 ||
	    set_nonblocking(l->fd, err, errlen) < 0) {
		listener_close(l);
		return -1;
	}
	return 0;
}

int listener_open(struct listener *l, const char *socket_path, char *err, size_t errlen)
{
	int fd = -1, act;

	memset(l, 0, sizeof *l);
	l->fd = -1;
	l->lock_fd = -1;
	act = activated_fd(&fd, err, errlen);
	if (act < 0)
		return -1;
	if (take_lock(l, socket_path, err, errlen) < 0)
		goto fail;
	if (act) {
		l->fd = fd;
		l->activated = true;
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	} else if (bind_socket(l, socket_path, err, errlen) < 0) {
		goto fail;
	}
	/* Non-blocking: a worker polls, then accepts; when a sibling won the connection,
	 * accept says EAGAIN instead of blocking where a SIGTERM could not reach it. */
	if (set_nonblocking(l->fd, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	if (act > 0 && !l->activated)
		close(fd);
	listener_close(l);
	return -1;
}

void listener_close(struct listener *l)
{
	if (l->fd >= 0) {
		close(l->fd);
		l->fd = -1;
	}
	if (l->path[0] && !l->activated) {
		unlink(l->path);
		l->path[0] = 0;
	}
	if (l->lock_fd >= 0) {
		close(l->lock_fd);
		l->lock_fd = -1;
	}
}
