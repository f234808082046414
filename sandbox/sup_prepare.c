/* sup_prepare.c: a new app's data image made and kept mounted by a child process (see
 * sup_prepare.h). */
#include "sandbox/sup_internal.h"
#include "sandbox/sup_prepare.h"
#include "sandbox/datamount.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "common/clock.h"

/* What a job's child reports: one write, well under PIPE_BUF, then it exits. */
struct prepres {
	int rc; /* sandbox_prepare_data's */
	char img[1024];
	char err[512];
};

struct prepjob {
	struct job job; /* W_PREP */
	char app_id[ID_APP_BUFSZ];
	long long began; /* CLOCK_MONOTONIC ms */
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

/* The child's work (job_spawn): arg the spec, report a struct prepres. */
static void prepare(void *arg, void *report)
{
	struct prepres *res = report;

	res->rc = sandbox_prepare_data(arg, res->img, sizeof res->img, res->err, sizeof res->err);
}

int sup_prepare_begin(const struct sandbox_spec *spec, char *err, size_t errlen)
{
	struct prepjob *j;

	if (sup_prepare_busy(spec->app_id) || datamount_keep_has(spec->app_id))
		return 0;
	if (!(j = calloc(1, sizeof *j)))
		return snprintf(err, errlen, "out of memory"), -1;
	j->job.w = (struct watch){ W_PREP, j };
	util_copy(j->app_id, sizeof j->app_id, spec->app_id);
	j->began = clock_mono_ms();
	if (job_spawn(&j->job, prepare, (void *)spec, sizeof(struct prepres), err, errlen) < 0) {
		free(j);
		return -1;
	}
	j->next = jobs;
	jobs = j;
	return 0;
}

/* The report is there (or the child died): the child reaped, the job off the list, its
 * mount recorded, the lines held for it let go. */
static void end(struct prepjob *j)
{
	struct prepres res;
	struct prepjob **pp;
	char err[512];

	if (job_reap(&j->job, &res, sizeof res) < 0) {
		memset(&res, 0, sizeof res);
		res.rc = -1;
		snprintf(res.err, sizeof res.err, "the preparing process died");
	}
	res.img[sizeof res.img - 1] = res.err[sizeof res.err - 1] = 0;
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
