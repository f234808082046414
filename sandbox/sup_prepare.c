/* sup_prepare.c: a new app's data image made and kept mounted by a child process (see
 * sup_prepare.h). */
#include "sandbox/sup_internal.h"
#include "sandbox/sup_prepare.h"
#include "sandbox/datamount.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "common/clock.h"

/* What a job's child reports: one write, well under PIPE_BUF, then it exits. */
struct prepres {
	int rc; /* sandbox_prepare_data's */
	char img[1024];
	char err[512];
};

struct prepjob {
	struct watch w; /* W_PREP on rfd */
	char app_id[ID_APP_BUFSZ];
	long long began; /* CLOCK_MONOTONIC ms */
	pid_t pid;
	int rfd;
	struct prepjob *next;
};

static struct prepjob *jobs;

static struct prepjob *find_job(const char *app_id)
{
	for (struct prepjob *j = jobs; j; j = j->next)
		if (!app_id || strcmp(j->app_id, app_id) == 0)
			return j;
	return NULL;
}

bool sup_prepare_busy(const char *app_id)
{
	return find_job(app_id) != NULL;
}

__attribute__((noreturn)) static void child(const struct sandbox_spec *spec, int wfd)
{
	struct prepres res;
	ssize_t w;

	memset(&res, 0, sizeof res);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((wfd = job_child_fds(wfd)) < 0)
		_exit(1);
	res.rc = sandbox_prepare_data(spec, res.img, sizeof res.img, res.err, sizeof res.err);
	do
		w = write(wfd, &res, sizeof res);
	while (w < 0 && errno == EINTR);
	_exit(0);
}

int sup_prepare_begin(const struct sandbox_spec *spec, char *err, size_t errlen)
{
	struct prepjob *j;
	int p[2];

	if (sup_prepare_busy(spec->app_id) || datamount_keep_has(spec->app_id))
		return 0;
	if (!(j = calloc(1, sizeof *j)))
		return snprintf(err, errlen, "out of memory"), -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(j);
		return -1;
	}
	j->w = (struct watch){ W_PREP, j };
	util_copy(j->app_id, sizeof j->app_id, spec->app_id);
	j->began = clock_mono_ms();
	j->pid = fork();
	if (j->pid == 0) {
		close(p[0]);
		child(spec, p[1]);
	}
	close(p[1]);
	if (j->pid < 0 || ep_add(p[0], EPOLLIN, &j->w) < 0) {
		snprintf(err, errlen, "fork or epoll: %s", strerror(errno));
		close(p[0]);
		if (j->pid > 0) {
			kill(j->pid, SIGKILL);
			while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		free(j);
		return -1;
	}
	j->rfd = p[0];
	j->next = jobs;
	jobs = j;
	return 0;
}

/* Reads the report (the pipe is readable: the child wrote it, or died), reaps the child,
 * takes the job off the list, records its mount, lets the lines held for it go on. */
static void end(struct prepjob *j)
{
	struct prepres res;
	struct prepjob **pp;
	char err[512];
	ssize_t n;

	do
		n = read(j->rfd, &res, sizeof res);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof res) {
		memset(&res, 0, sizeof res);
		res.rc = -1;
		snprintf(res.err, sizeof res.err, "the preparing process died");
	}
	res.img[sizeof res.img - 1] = res.err[sizeof res.err - 1] = 0;
	ep_del(j->rfd);
	close(j->rfd);
	while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
		;
	for (pp = &jobs; *pp && *pp != j; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = j->next;
	if (res.rc < 0)
		log_warn("prepare of %s failed: %s", j->app_id, res.err);
	else if (res.rc > 0 && datamount_keep_adopt(j->app_id, res.img, err, sizeof err) < 0)
		log_warn("prepare of %s: its mount not kept: %s", j->app_id, err);
	else
		log_debug("app %s prepared in %lld ms", j->app_id, clock_mono_ms() - j->began);
	/* the lines held for it go on (client_process, later in this round of the loop) */
	for (struct client *c = clients; c; c = c->next)
		if (strcmp(c->held_app, j->app_id) == 0)
			c->held_app[0] = 0;
	free(j);
}

void sup_prepare_end(struct watch *w)
{
	end(w->p);
}
