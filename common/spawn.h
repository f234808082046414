/* spawn.h: the one way appforge starts another program (fork, then execve), with the
 * hardening every such child needs.
 *
 * The child, in this order: PR_SET_PDEATHSIG(SIGKILL) when asked (and gone at once if
 * its parent already died); a new session or process group when asked; descriptors 0,
 * 1, 2 (and 3 when asked) set as requested, every other descriptor closed at exec
 * (close_range CLOEXEC: a pre_exec hook may still use its own until then); every
 * signal's disposition back to default and an empty signal mask (a worker blocks
 * SIGTERM and ignores SIGPIPE: a child must not inherit that); the working directory;
 * PR_SET_NO_NEW_PRIVS when asked; the caller's pre_exec hook; execve of argv[0], a
 * full path, never through a shell or a PATH search. An exec that fails is reported
 * to the parent (errno over a close-on-exec pipe) instead of as a mute exit 127.
 *
 * Error convention: -1 with a message in err (errfmt.h) unless a function says
 * otherwise. The caller owns every descriptor it passes; none is closed here. */
#ifndef AF_SPAWN_H
#define AF_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SPAWN_DEVNULL (-1) /* the child's descriptor is /dev/null */
#define SPAWN_INHERIT (-2) /* the child keeps the caller's descriptor of that number */
#define SPAWN_NONE (-3)    /* fd3 only: the child has no descriptor 3 */

struct spawn {
	char *const *argv; /* argv[0]: the program's full path */
	char *const *envp; /* the whole environment; NULL: the caller's (environ) */
	int fd[4];         /* the child's 0..3: a descriptor or SPAWN_*; spawn_init
				* sets stdin/stdout /dev/null, stderr inherited, no fd 3 */
	bool pdeathsig;    /* SIGKILL the child when the calling thread exits */
	bool new_pgroup;   /* setpgid(0, 0): spawn_kill reaches its descendants too */
	bool new_session;  /* setsid() (implies a new process group) */
	bool no_new_privs; /* PR_SET_NO_NEW_PRIVS before the exec */
	const char *cwd;   /* chdir before the exec; NULL: keep */
	/* Last step before execve, in the child: only async-signal-safe calls. A
	 * non-zero return ends the child with status 126. */
	int (*pre_exec)(void *arg);
	void *pre_exec_arg;
};

/* The defaults above for argv. */
void spawn_init(struct spawn *s, char *const argv[]);

/* Starts the program. Returns the child's pid (the caller reaps it: spawn_wait), or -1
 * when fork or the exec failed (the child then already reaped; err names argv[0] and
 * the reason). */
pid_t spawn_start(const struct spawn *s, char *err, size_t errlen);

/* Waits for pid to end, at most timeout_ms (< 0: no limit). 0 with its wait status in
 * *status; -1 when the time ran out (the child, and its process group when it has one
 * of its own, is then killed with SIGKILL and reaped) or waitpid failed. */
int spawn_wait(pid_t pid, int timeout_ms, int *status, char *err, size_t errlen);

/* SIGKILL to pid's process group (when it leads one) and to pid. */
void spawn_kill(pid_t pid);

/* spawn_start + spawn_wait: the program's exit status (0..255), or -1 when it could
 * not start, was killed by a signal, or ran out of time (err says which). */
int spawn_run(const struct spawn *s, int timeout_ms, char *err, size_t errlen);

/* spawn_run with the child's stdout and stderr captured (s->fd[1] and [2] are
 * replaced): up to outlen - 1 bytes into out (NUL-terminated; the rest is read and
 * dropped, so the child never blocks on a full pipe). */
int spawn_capture(const struct spawn *s, int timeout_ms, char *out, size_t outlen, char *err,
		  size_t errlen);

/* Starts the program detached: a new session, a grandchild of the caller (the middle
 * child is reaped here), so nothing is left for the caller to wait for and the program
 * outlives it. 0 once the exec succeeded, or -1. */
int spawn_detached(const struct spawn *s, char *err, size_t errlen);

#endif
