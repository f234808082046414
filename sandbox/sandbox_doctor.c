/* sandbox_doctor.c: sandbox_doctor(), which checks for real what a start needs of the
 * host (root, namespaces, cgroups, seccomp, loop devices, mkfs.ext4, node, init,
 * pidfd) and prints one line per check. */
#include "sandbox/sandbox_internal.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void say(int fd, int okay, const char *what, const char *detail)
{
	dprintf(fd, "%-14s %s%s%s\n", what, okay ? "ok" : "MISSING", detail ? "  " : "",
		detail ? detail : "");
}

static int try_userns(void)
{
	pid_t pid =
		(pid_t)syscall(SYS_clone,
			       CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | SIGCHLD,
			       NULL, NULL, NULL, 0);
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(0);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int sandbox_doctor(int fd)
{
	int bad = 0;
	int root = geteuid() == 0;
	say(fd, root, "root", root ? NULL : "the sandbox tool must run as root");
	bad |= !root;
	int ns = try_userns() == 0;
	say(fd, ns, "namespaces", ns ? "user pid mount net ipc uts" : strerror(errno));
	bad |= !ns;
	/* What a start does, for real: a cgroup made where a sandbox's would go, limited,
	 * then removed. */
	char cgmsg[1200];
	int cg_ok = cgroup_doctor(cgmsg, sizeof cgmsg) == 0;
	say(fd, cg_ok, "cgroup", cgmsg);
	bad |= !cg_ok;
	int sc = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	say(fd, sc, "seccomp", sc ? "filter mode (libseccomp)" : strerror(errno));
	bad |= !sc;
	int loop = access("/dev/loop-control", R_OK | W_OK) == 0;
	say(fd, loop, "loop", loop ? "/dev/loop-control" : "no /dev/loop-control (data quota)");
	bad |= !loop;
	int mk = access("/usr/sbin/mkfs.ext4", X_OK) == 0 || access("/sbin/mkfs.ext4", X_OK) == 0;
	say(fd, mk, "mkfs.ext4", mk ? NULL : "install e2fsprogs");
	bad |= !mk;
	int nd = access(AF_NODE, X_OK) == 0;
	say(fd, nd, "node", AF_NODE);
	bad |= !nd;
	struct sandbox_spec s;
	memset(&s, 0, sizeof s);
	char init[PATH_MAX], e[PATH_MAX + 128];
	int in = sandbox_find_init(&s, init, sizeof init, e, sizeof e) == 0;
	say(fd, in, "init", in ? init : e);
	bad |= !in;
	/* Optional: without it (kernels before 6.3) an app can still execute a memfd. */
	int mx = access("/proc/sys/vm/memfd_noexec", F_OK) == 0;
	say(fd, 1, "memfd_noexec",
	    mx ? "executable memfds refused in sandboxes"
	       : "not in this kernel (6.3+): an app could execute a memfd");
	int pfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	say(fd, pfd >= 0, "pidfd", pfd >= 0 ? NULL : "kernel >= 5.3 needed");
	bad |= pfd < 0;
	if (pfd >= 0)
		close(pfd);
	return bad ? -1 : 0;
}
