/* sandbox_netns.c: network namespaces made ahead of starts (sandbox.h
 * sandbox_netns_fill), and the loopback every sandbox's namespace gets.
 *
 * A sandbox's network namespace holds only "lo", up: the app's one socket to the
 * outside is the listening socket the caller binds on the host and passes in. Making a
 * network namespace is the dearest step of a start's clone (half a millisecond here,
 * more on a host whose netfilter modules set up state per namespace), and nothing in it
 * depends on the app. So a process that starts sandboxes (the supervisor) keeps a few
 * made in advance, outside any start: a helper cloned into a new network namespace
 * brings lo up, the parent opens /proc/<helper>/ns/net (the descriptor keeps the
 * namespace alive), and the helper exits. sandbox_start takes one (sandbox_netns_take)
 * and its child enters it with setns() as its first step instead of CLONE_NEWNET; each
 * is used by one sandbox only, and the parent's descriptor is closed once the child
 * holds it. An empty pool (the CLI, a start right after another) costs nothing but the
 * clone's own CLONE_NEWNET, as before. */
#include "sandbox/sandbox_internal.h"
#include "common/errfmt.h"
#include "common/sblimits.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int pool[SBLIM_NETNS_POOL_MAX];
static int pooled;

int sandbox_lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

/* One new network namespace with lo up: its descriptor, or -1. */
static int netns_make(char *err, size_t errlen)
{
	char path[64], b = 0;
	int sv[2], fd = -1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return errfmt(err, errlen, "socketpair: %s", strerror(errno));
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid == 0) {
		/* The helper: lo up, say so, stay until the parent holds the namespace. */
		close(sv[0]);
		b = sandbox_lo_up() == 0 ? 'k' : 'e';
		if (write(sv[1], &b, 1) == 1)
			while (read(sv[1], &b, 1) > 0)
				;
		_exit(0);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return errfmt(err, errlen, "clone(CLONE_NEWNET): %s", strerror(errno));
	}
	if (read(sv[0], &b, 1) == 1 && b == 'k') {
		snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			errfmt(err, errlen, "open %s: %s", path, strerror(errno));
	} else {
		errfmt(err, errlen, "the new network namespace's lo could not be brought up");
	}
	close(sv[0]); /* the helper reads EOF and exits */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

int sandbox_netns_fill(int want, char *err, size_t errlen)
{
	if (want > SBLIM_NETNS_POOL_MAX)
		want = SBLIM_NETNS_POOL_MAX;
	if (pooled >= want)
		return 0;
	int fd = netns_make(err, errlen);
	if (fd < 0)
		return -1;
	pool[pooled++] = fd;
	return pooled < want ? 1 : 0;
}

int sandbox_netns_take(void)
{
	return pooled > 0 ? pool[--pooled] : -1;
}

void sandbox_netns_drain(void)
{
	while (pooled > 0)
		close(pool[--pooled]);
}
