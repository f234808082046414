/* seccomp.h: the system-call allowlist applied last before the sandbox's init runs.
 *
 * Allowed: what Node.js, libuv, V8 and a shell need. Refused with EPERM: mount, ptrace,
 * keyctl, bpf, io_uring (libuv then falls back to its thread pool), namespace creation,
 * module loading and the like. Unknown system calls fail with ENOSYS (clone3 too, so
 * glibc falls back to clone, whose namespace flags are filtered). Sockets: unix,
 * INET stream (0/TCP) and datagram (0/UDP), NETLINK_ROUTE. ioctl: a short list of
 * requests (FIONBIO, TCGETS...), ENOTTY for the rest, by a second filter. Foreign
 * architectures (i386, x32) kill the process.
 *
 * sandbox_seccomp_prepare() compiles the filter once per process (later calls return at
 * once): 0, or -1 with a message in err. Not async-signal-safe (allocates); call it
 * before forking the sandbox. sandbox_seccomp_apply() installs the compiled filters on
 * the calling thread with no_new_privs: one system call, no allocation, so the child
 * can call it just before execve. 0, or -1 with errno. */
#ifndef AF_SECCOMP_H
#define AF_SECCOMP_H

#include <stddef.h>

int sandbox_seccomp_prepare(char *err, size_t errlen);
int sandbox_seccomp_apply(void);

#endif
