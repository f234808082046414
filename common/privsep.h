/* privsep.h: who owns what, and dropping root (privilege separation).
 *
 * Only appforge-supervisor keeps root. appforged (master, workers), its generation jobs
 * and the code scanner run as the system user `run_as_user` (default appforge) with no
 * capabilities. This module is the one owner of that split:
 *   - the identities: the user, its group, and `socket_group` (nginx's workers' group);
 *   - the state directory's ownership and modes (privsep_own_state), applied by
 *     `appforgectl init` and again by appforged while it is still root;
 *   - creating the system user and group (privsep_ensure_user, appforgectl init only);
 *   - the drop itself (privsep_drop), checked afterwards through the kernel's view.
 *
 * Layout it enforces (owner appforge unless said):
 *   state_dir              0710 appforge:<socket_group>  nginx's workers only traverse it
 *   db_path, -wal, -shm    0600   appforged and the supervisor (root) both open it
 *   jwt.secret, openai.key 0600   read by appforged / its generation jobs only
 *   apps_dir               0711   the apps' code is read by the sandbox uids
 *   log_dir                0750
 *   log_dir/apps           02750 appforge:appforge  setgid: the supervisor's run logs
 *                                 (root, 0640) are readable by appforged
 *   state_dir/jobs         0700
 *   socket_path.lock       0600   the single-instance lock
 * The supervisor's socket and image cache and the TLS key stay root's.
 *
 * Error convention: 0 on success, -1 with a message in err. */
#ifndef AF_PRIVSEP_H
#define AF_PRIVSEP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct conf;

struct privsep_ids {
	uid_t uid;        /* run_as_user */
	gid_t gid;        /* its primary group */
	gid_t socket_gid; /* socket_group, or gid when that group does not exist */
	bool socket_group_found;
};

/* Looks the user and groups up. -1 when run_as_user does not exist or is root. */
int privsep_lookup(const struct conf *c, struct privsep_ids *ids, char *err, size_t errlen);

/* Creates the group and system user run_as_user when missing (groupadd, useradd
 * --system --no-create-home --shell /usr/sbin/nologin). Needs root. */
int privsep_ensure_user(const struct conf *c, char *err, size_t errlen);

/* Applies the layout above to whatever of it exists (missing files are skipped,
 * symlinks never followed); creates log_dir/apps. A state from before privilege
 * separation is adopted: root-owned entries under apps_dir (but the contents of each
 * app's data/, the supervisor's), jobs/ and the run logs' group, walked by descriptor,
 * skipping links. Needs root. */
int privsep_own_state(const struct conf *c, const struct privsep_ids *ids, char *err,
		      size_t errlen);

/* Gives a socket file to user:socket_group, mode 0660 (the FastCGI socket). Works as
 * root, or unprivileged when the process is in socket_group. */
int privsep_own_socket(const char *path, const struct privsep_ids *ids, char *err, size_t errlen);

/* For good, in this process and every child: supplementary groups = none, gid, uid;
 * every capability gone (effective, permitted, inheritable, ambient, bounding set);
 * PR_SET_NO_NEW_PRIVS. Then checks it: root cannot be regained and no capability is
 * left. -1 means the process must not go on. */
int privsep_drop(const struct privsep_ids *ids, char *err, size_t errlen);

/* Marks the process not dumpable (kept across fork, reset by exec): its /proc/PID/mem,
 * environ and fds become root's, so another process of the same uid (a hijacked
 * scanner) cannot read the keys in its memory. */
int privsep_undumpable(char *err, size_t errlen);

/* Whether this process holds no capability in any set (effective, permitted,
 * inheritable, ambient, bounding). */
bool privsep_no_caps(void);

#endif
