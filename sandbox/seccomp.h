/* seccomp.h: the system-call allowlist applied last before the sandbox's init runs.
 *
 * Allowed: what Node.js, libuv, V8 and a shell need. Refused with EPERM: mount, ptrace,
 * keyctl, bpf, io_uring (libuv then falls back to its thread pool), namespace creation,
 * module loading and the like. Unknown system calls fail with ENOSYS (clone3 too, so
 * glibc falls back to clone, whose namespace flags are filtered). Foreign architectures
 * (i386, x32) kill the process.
 *
 * Returns 0, or -1 with a message in err. Not async-signal-safe (allocates). */
#ifndef AF_SECCOMP_H
#define AF_SECCOMP_H

#include <stddef.h>

int sandbox_seccomp_load(char *err, size_t errlen);

#endif
