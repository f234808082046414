/* h_iterate.c: POST /api/apps/{id}/iterate {"prompt"}: changes an existing app by
 * asking. The generator edits what it understood of the app (its generation object,
 * kept in apps.generation) and renders new files; they are scanned as always and
 * stored with a revision (source "iterate") whose message says what changed. An
 * instruction the generator does not understand is a 422 generation_failed with the
 * reason, and changes nothing. A change by the model (openai) runs in the request and
 * counts against the generations quota. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "fcgi/handler.h"
#include "generator/generator.h"

#define ITERATE_PROMPT_MAX 2000
#define ITERATE_MODEL_ACTION "app.iterate.model" /* audited; counted by model_quota */

/* The app's generation object and current files, for the caller's app that is not
 * generating. 0, or -1 after answering (404, 409, 422, 500). */
static int load_state(struct hctx *ctx, struct json_object **gen, struct json_object **files)
{
	char err[256], *text = NULL;
	struct db_app a;
	int rc;

	*gen = *files = NULL;
	memset(&a, 0, sizeof a);
	rc = db_app_get(ctx->db, ctx->param, ctx->who.user_id, &a, err, sizeof err);
	if (rc == DB_NOTFOUND) {
		h_not_found(ctx);
		return -1;
	}
	if (rc == DB_OK && a.status == APP_GENERATING) {
		db_app_clear(&a);
		response_error(ctx->resp, 409, "conflict", "the app is still being generated");
		return -1;
	}
	db_app_clear(&a);
	if (rc != DB_OK ||
	    db_app_get_generation(ctx->db, ctx->param, &text, err, sizeof err) != DB_OK ||
	    db_app_files_get(ctx->db, ctx->param, files, err, sizeof err) != DB_OK) {
		free(text);
		h_internal(ctx, "iterate", err);
		return -1;
	}
	/* our own stored JSON */
	*gen = text ? json_tokener_parse(text) : NULL;
	free(text);
	if (!*gen) {
		json_object_put(*files);
		*files = NULL;
		response_error(ctx->resp, 422, "generation_failed",
			       "this app was not made by the generator (it was created from files, "
			       "or before apps kept what the generator understood): it cannot be "
			       "changed by asking");
		return -1;
	}
	return 0;
}

/* A model's change costs what a generation costs: the caller's generations and
 * model iterations of the last hour share quota_generations_per_hour. 0, or -1 after
 * answering 429 (or 500). */
static int model_quota(struct hctx *ctx)
{
	char err[256];
	long long gens = 0, its = 0, since = ctx->now - 3600;
	int q = ctx->conf->quota_generations_per_hour;

	if (db_audit_count(ctx->db, ctx->who.user_id, "app.generate", since, &gens, err,
			   sizeof err) != DB_OK ||
	    db_audit_count(ctx->db, ctx->who.user_id, ITERATE_MODEL_ACTION, since, &its, err,
			   sizeof err) != DB_OK) {
		h_internal(ctx, "iterate quota", err);
		return -1;
	}
	if (gens + its < q)
		return 0;
	response_header(ctx->resp, "Retry-After", "60");
	response_error(
		ctx->resp, 429, "rate_limited",
		"too many generations and changes by the model in the last hour: try again later");
	return -1;
}

static bool by_model(struct json_object *gen)
{
	struct json_object *p = NULL;
	return json_object_object_get_ex(gen, "provider", &p) &&
	       strcmp(json_object_get_string(p), "openai") == 0;
}

/* Generates, scans and stores the change; answers. */
static void iterate(struct hctx *ctx, const char *prompt)
{
	char err[512], verdict[8], *findings = NULL, *gen_text = NULL, *summary = NULL;
	struct json_object *gen = NULL, *cur = NULL, *files = NULL, *extra;
	long long rev = 0;
	bool model;
	int rc;

	if (load_state(ctx, &gen, &cur) < 0)
		return;
	model = by_model(gen);
	if (model && model_quota(ctx) < 0) {
		json_object_put(gen);
		json_object_put(cur);
		return;
	}
	rc = generator_iterate(ctx->conf, gen, cur, prompt, &files, &gen_text, &summary, err,
			       sizeof err);
	json_object_put(gen);
	json_object_put(cur);
	if (rc == -2) {
		response_error(ctx->resp, 409, "conflict", err);
		return;
	}
	if (rc < 0) {
		response_error(ctx->resp, 422, "generation_failed", err);
		return;
	}
	{
		struct h_change ch = { "iterate", summary,
				       model ? ITERATE_MODEL_ACTION : "app.iterate", gen_text };
		if (h_scan_files(ctx, files, verdict, &findings) == 0 &&
		    h_files_commit(ctx, files, verdict, findings, &ch, &rev) == 0) {
			log_info("app %s iterated as revision %lld", ctx->param, rev);
			extra = json_object_new_object();
			json_object_object_add(extra, "explanation",
					       json_object_new_string(summary));
			h_answer_change(ctx, 200, rev, extra);
		}
	}
	json_object_put(files);
	free(findings);
	free(gen_text);
	free(summary);
}

void h_app_iterate(struct hctx *ctx)
{
	static const char *const keys[] = { "prompt", NULL };
	char err[256];
	const char *prompt = NULL;
	struct json_object *body;

	if (!(body = h_body_object(ctx)))
		return;
	if (json_check_keys(body, keys, err, sizeof err) < 0 ||
	    json_get_string(body, "prompt", JSON_REQUIRED | JSON_NONEMPTY, ITERATE_PROMPT_MAX,
			    &prompt, NULL, err, sizeof err) < 0) {
		h_bad_request(ctx, err);
		json_object_put(body);
		return;
	}
	iterate(ctx, prompt);
	json_object_put(body);
}
