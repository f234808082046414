/* sandbox_internal.h: what the files of one sandbox run share among themselves, and
 * nothing else (private to sandbox/, not installed): the child's setup context, three
 * small helpers and the functions one of those files calls in another.
 *   sandbox.c        the public API and the parent side of a start
 *   sandbox_child.c  everything that runs in the cloned child before execve
 *   sandbox_image.c  the data image (data.img, the empty-image cache)
 *   sandbox_log.c    the output pump and the app log's records
 *   sandbox_doctor.c what a host needs for sandboxes, checked
 *   sandbox_netns.c  network namespaces made ahead, lo up */
#ifndef AF_SANDBOX_INTERNAL_H
#define AF_SANDBOX_INTERNAL_H

#include "sandbox/sandbox.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_NODE
#define AF_NODE "/usr/bin/node"
#endif

#define APP_UID 1000                    /* the app's uid and gid inside its namespace */
#define NEWROOT "/run/appforge-sandbox" /* mount point of the new root (in the child ns) */

/* What the child needs for its setup, filled by sandbox_start before the clone. */
struct child_ctx {
	const struct sandbox_spec *spec;
	int sync_fd, out_wfd, err_wfd, listen_fd, ready_wfd;
	int cg_fds[CG_NCTRL]; /* cgroup v1 "tasks" files to join through, or -1 */
	char code[PATH_MAX], data_img[PATH_MAX], node[PATH_MAX], init[PATH_MAX];
	char data_kept[PATH_MAX]; /* "" or where data.img is kept mounted (datamount.h) */
	int netns_fd;             /* a network namespace made ahead to enter, or -1 (the
				   * clone made a new one) */
	int64_t marks[SM_CHILD_LAST - SM_CHILD_FIRST + 1]; /* the child's, sent with 'U' */
};

static inline void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* sandbox_child.c: pid 1 of the new namespaces, from the clone to the execve of init;
 * on error it reports through c->sync_fd and exits. */
__attribute__((noreturn)) void sandbox_child_main(struct child_ctx *c);

/* sandbox.c: waits up to timeout_ms for one message from the child on the sync socket
 * fd: returns its first byte, 0 at EOF, -1 on a timeout or error; the payload of a
 * message of exactly 1 + paylen bytes is copied to payload, and an error message
 * ("E<text>") becomes err. */
int sandbox_read_child(int fd, char *err, size_t errlen, int timeout_ms, void *payload,
		       size_t paylen);

/* sandbox.c: the real path of appforge-init into out (spec->init_path, $AF_SANDBOX_INIT,
 * beside the executable, or the installed one). */
int sandbox_find_init(const struct sandbox_spec *spec, char *out, size_t outlen, char *err,
		      size_t errlen);

/* sandbox_image.c: makes data_dir/data.img unless it exists; its path into img. */
int sandbox_ensure_image(const char *data_dir, const struct sandbox_spec *spec, char *img,
			 size_t imglen, char *err, size_t errlen);

/* sandbox_netns.c: brings the calling process's "lo" up: 0, or -1 with errno. */
int sandbox_lo_up(void);
/* sandbox_netns.c: a network namespace made ahead (its descriptor, the caller's to
 * close), or -1 when none is kept. */
int sandbox_netns_take(void);

/* sandbox_log.c: a "sys" record, e.g. "run started"; and the end of the output (partial
 * lines and the count of dropped bytes). */
__attribute__((format(printf, 2, 3))) void sandbox_log_sys(struct sandbox *sb, const char *fmt,
							   ...);
void sandbox_log_end(struct sandbox *sb);

#endif
