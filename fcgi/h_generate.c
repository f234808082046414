/* h_generate.c: an app made from a prompt (POST /api/apps with "prompt"): the quotas,
 * then the template provider in the request, or a generation job (jobs.c) for the
 * others, answered 202 while it runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"
#include "fcgi/handler.h"
#include "fcgi/jobs.h"
#include "generator/generator.h"

#define GEN_WINDOW_S 3600
#define GEN_ACTION "app.generate"
#define PLACEHOLDER_NAME "Untitled app"

/* ---------------------------------------------------------------- generation ---- */

/* Quotas before a generation: apps per user (403) and generations per hour (429 with
 * Retry-After). Called outside and again inside the creating transaction (so the
 * counts hold across workers). 0, or -1 after answering. */
static int generation_quotas(struct hctx *ctx)
{
	char err[256], retry[24];
	/* The window is the last GEN_WINDOW_S seconds: an event at second t counts
	 * while now < t + GEN_WINDOW_S, so Retry-After never exceeds the window. */
	long long apps = 0, gens = 0, since = ctx->now - GEN_WINDOW_S + 1, wait = GEN_WINDOW_S;
	const struct conf *c = ctx->conf;

	if (db_app_count_by_owner(ctx->db, ctx->who.user_id, &apps, err, sizeof err) != DB_OK ||
	    db_audit_count(ctx->db, ctx->who.user_id, GEN_ACTION, since, &gens, err, sizeof err) !=
		    DB_OK) {
		h_internal(ctx, "generation quotas", err);
		return -1;
	}
	if (apps >= c->quota_apps) {
		response_error(ctx->resp, 403, "quota_exceeded",
			       "app quota reached: delete an app first");
		return -1;
	}
	/* The openai provider's jobs wait for one of openai_concurrency slots, each job a
	 * process: past openai_max_waiting of them, come back when a slot may be free. */
	if (strcmp(c->generator, "openai") == 0) {
		long long busy = 0;
		if (db_app_count_by_status(ctx->db, APP_GENERATING, &busy, err, sizeof err) !=
		    DB_OK) {
			h_internal(ctx, "generation quotas", err);
			return -1;
		}
		if (busy >= (long long)c->openai_concurrency + c->openai_max_waiting) {
			snprintf(retry, sizeof retry, "%d",
				 c->openai_timeout_seconds < 30 ? c->openai_timeout_seconds : 30);
			response_header(ctx->resp, "Retry-After", retry);
			response_error(ctx->resp, 429, "rate_limited",
				       "the generator is busy: too many generations are waiting, "
				       "try again shortly");
			return -1;
		}
	}
	if (gens < c->quota_generations_per_hour)
		return 0;
	if (c->quota_generations_per_hour > 0) {
		/* The window frees a slot when the quota-th newest generation leaves it. */
		struct db_audit_filter f = { .since = since,
					     .actor = ctx->who.user_id,
					     .action = GEN_ACTION,
					     .limit = c->quota_generations_per_hour };
		struct db_audit *ev = NULL;
		size_t n = 0;
		if (db_audit_list(ctx->db, &f, &ev, &n, err, sizeof err) == DB_OK && n > 0)
			wait = ev[n - 1].at + GEN_WINDOW_S - ctx->now;
		db_audit_list_free(ev, n);
		/* The events are stamped when written (db_now()), ctx->now when the request
		 * came in: another worker's generation written since may carry a later
		 * second than our now. No event is really newer than this moment. */
		if (wait > GEN_WINDOW_S)
			wait = GEN_WINDOW_S;
		if (wait < 1)
			wait = 1;
	}
	snprintf(retry, sizeof retry, "%lld", wait);
	response_header(ctx->resp, "Retry-After", retry);
	response_error(ctx->resp, 429, "rate_limited",
		       "too many generations in the last hour: try again later");
	return -1;
}

/* Inserts the app (files may be NULL for a pending generation) with its audit event
 * under the quotas. Returns 0, or -1 after answering. lockfd >= 0: created before the
 * commit, removed again when it fails. */
static int insert_generated(struct hctx *ctx, struct db_app *a, struct json_object *files,
			    const char *provider, const char *explanation, const char *generation)
{
	char err[256];
	struct json_object *d;

	if (db_begin(ctx->db, err, sizeof err) != DB_OK) {
		h_internal(ctx, "app generate", err);
		return -1;
	}
	if (generation_quotas(ctx) < 0) {
		db_rollback(ctx->db);
		return -1;
	}
	d = json_object_new_object();
	json_object_object_add(d, "name", json_object_new_string(a->name));
	json_object_object_add(d, "provider", json_object_new_string(provider));
	if (a->scan_verdict[0])
		json_object_object_add(d, "verdict", json_object_new_string(a->scan_verdict));
	if (db_app_insert(ctx->db, a, files, err, sizeof err) != DB_OK ||
	    (files && db_rev_add(ctx->db, a->id, a->owner, "generate", explanation, files, NULL,
				 err, sizeof err) != DB_OK) ||
	    (generation &&
	     db_app_set_generation(ctx->db, a->id, generation, err, sizeof err) != DB_OK) ||
	    h_audit(ctx, GEN_ACTION, a->id, d, err, sizeof err) != DB_OK ||
	    db_commit(ctx->db, err, sizeof err) != DB_OK) {
		db_rollback(ctx->db);
		json_object_put(d);
		h_internal(ctx, "app generate", err);
		return -1;
	}
	json_object_put(d);
	return 0;
}

/* The template provider is fast and offline: generate, scan and store in the request. */
static void generate_now(struct hctx *ctx, struct db_app *a, const char *prompt, const char *name,
			 bool start)
{
	char err[512], verdict[8], *gname = NULL, *assumption = NULL, *findings = NULL;
	char *generation = NULL;
	struct json_object *files = NULL;

	if (generator_generate(ctx->conf, prompt, name, &files, &gname, &assumption, err,
			       sizeof err) < 0) {
		response_error(ctx->resp, 422, "generation_failed", err);
		return;
	}
	if (h_scan_files(ctx, files, verdict, &findings) < 0)
		goto out;
	a->name = name ? (char *)name : gname;
	a->status = h_status_for(verdict);
	util_copy(a->scan_verdict, sizeof a->scan_verdict, verdict);
	a->scan_findings = findings;
	/* what the generator understood, kept for iterate (NULL: the app simply has none) */
	generation = generator_describe(ctx->conf, prompt, name, assumption);
	if (insert_generated(ctx, a, files, "template", assumption, generation) < 0)
		goto out;
	log_info("app %s generated for %s (template, scan: %s)", a->id, a->owner, verdict);
	if (a->status == APP_READY)
		h_run_prepare(ctx, a->id, files);
	h_location(ctx, a->id);
	h_answer_started(ctx, 201, a->id, start && a->status == APP_READY);
out:
	json_object_put(files);
	free(gname);
	free(assumption);
	free(findings);
	free(generation);
}

/* A model may take minutes: store the app as "generating" (with its prompt), answer
 * 202, let a job finish it (jobs.c). */
static void generate_later(struct hctx *ctx, struct db_app *a, const char *name, bool start)
{
	char err[512];
	int lockfd;

	a->name = (char *)(name ? name : PLACEHOLDER_NAME);
	a->status = APP_GENERATING;
	a->scan_verdict[0] = 0;
	a->scan_findings = (char *)"[]";
	/* The job's lock exists before the row: a sweep never sees a generating app without
	 * either a live lock or a dead job. */
	lockfd = jobs_lock_create(ctx->conf, a->id, err, sizeof err);
	if (lockfd < 0) {
		h_internal(ctx, "generation job", err);
		return;
	}
	if (insert_generated(ctx, a, NULL, "openai", NULL, NULL) < 0) {
		jobs_lock_remove(ctx->conf, a->id);
		close(lockfd);
		return;
	}
	if (jobs_generation_start(ctx->conf, a->id, name != NULL, start, lockfd, err, sizeof(err)) <
	    0) {
		log_error("app %s: generation job not started: %s", a->id, err);
		db_app_set_status(ctx->db, a->id, APP_FAILED,
				  "the generation could not be started; try again", err,
				  sizeof err);
		jobs_lock_remove(ctx->conf, a->id);
	} else {
		log_info("app %s: generation started for %s (openai)", a->id, a->owner);
	}
	h_location(ctx, a->id);
	h_answer_app(ctx, 202, a->id);
}

void h_app_create_prompt(struct hctx *ctx, const char *prompt, const char *name, bool start)
{
	char err[512];
	struct db_app a;

	if (generator_check_input(prompt, name, err, sizeof err) < 0) {
		h_bad_request(ctx, err);
		return;
	}
	/* Cheap checks first: a refused request costs no generation. */
	if (generation_quotas(ctx) < 0)
		return;
	memset(&a, 0, sizeof a);
	if (id_new_app(a.id) < 0) {
		h_internal(ctx, "app generate", "no randomness");
		return;
	}
	util_copy(a.owner, sizeof a.owner, ctx->who.user_id);
	a.prompt = (char *)prompt;
	if (strcmp(ctx->conf->generator, "template") == 0)
		generate_now(ctx, &a, prompt, name, start);
	else
		generate_later(ctx, &a, name, start);
}
