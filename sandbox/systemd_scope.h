/* systemd_scope.h: asking systemd for a cgroup subtree of our own.
 *
 * Under systemd every cgroup belongs to systemd, except the subtrees it delegated
 * (systemd's "Control Group APIs and Delegation"): a service with Delegate=yes, or a
 * transient scope started with Delegate=yes. A process that needs to create cgroups and
 * was not started in such a subtree (a shell, a login session, a service without
 * Delegate=yes) asks systemd's manager for a transient scope that holds only itself.
 *
 * Error convention: 0 on success, -1 with a message in err. */
#ifndef AF_SYSTEMD_SCOPE_H
#define AF_SYSTEMD_SCOPE_H

#include <stddef.h>

/* 1 when systemd is the init system of this host (/run/systemd/system exists). */
int systemd_booted(void);

/* 1 when systemd marked the cgroup directory dir as delegated (the trusted.delegate or
 * user.delegate extended attribute is "1"; systemd 251+ sets it on every cgroup it
 * delegates). */
int systemd_cgroup_delegated(const char *dir);

/* Moves the calling process into a new transient scope unit "<name>.scope" with
 * Delegate=yes, and waits (up to 10 s) until /proc/self/cgroup shows it. When a unit of
 * that name is still there (a previous process of ours that died with processes left
 * in it), it is stopped first, which kills what it holds. Talks to the manager's private
 * socket as root (works without a D-Bus daemon), else to the system bus. */
int systemd_enter_delegated_scope(const char *name, char *err, size_t errlen);

#endif
