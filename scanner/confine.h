/* confine.h: the jail of the code scanner's Node process (it parses hostile JavaScript).
 *
 * Who it runs as: the scanner is a child of an appforged worker or generation job, so
 * it runs as run_as_user (appforge), without capabilities and with no_new_privs. A uid
 * of its own would need CAP_SETUID somewhere on appforged's side (or a round trip
 * through the root supervisor for every scan), which is more privilege than it takes
 * away; instead what that uid could reach is taken from the process itself:
 *   - seccomp: socket() fails for every family (no network, and no unix socket either:
 *     not the supervisor's, not appforged's own), no new processes (fork, vfork, clone
 *     without CLONE_THREAD fail; clone3 answers ENOSYS so glibc falls back to clone),
 *     no io_uring (it can open sockets), nothing that changes namespaces, mounts, keys,
 *     BPF, ptrace or the kernel;
 *   - Landlock, where the kernel has it: read-only access to /usr, /lib*, /etc, /proc,
 *     /sys, /dev/null, /dev/urandom and the directory of scan.js; nothing else, so the
 *     state directory (database, jwt.secret, openai.key, apps) is out of reach although
 *     it is appforge's; nothing writable anywhere;
 *   - its rlimits (scanner.c) stay as they were.
 *
 * Use: scan_jail_prepare() in the parent before fork (it allocates), scan_jail_enter()
 * in the child (only system calls: safe after fork), scan_jail_release() in the parent
 * afterwards.
 *
 * Error convention: 0 on success, -1 with a message in err. */
#ifndef AF_SCAN_CONFINE_H
#define AF_SCAN_CONFINE_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

struct scan_jail {
	struct sock_fprog prog; /* the seccomp filter, compiled */
	int ruleset_fd;         /* Landlock ruleset, or -1 where the kernel has none */
};

/* script: the scan.js that Node will read (its directory becomes readable). */
int scan_jail_prepare(struct scan_jail *j, const char *script, char *err, size_t errlen);

/* In the forked child, just before execve: no_new_privs, Landlock, seccomp. On failure
 * returns -1 and the child must _exit without running Node. */
int scan_jail_enter(const struct scan_jail *j);

void scan_jail_release(struct scan_jail *j);

/* Whether this kernel enforces Landlock (for tests and doctor). */
bool scan_jail_has_landlock(void);

#endif
