/* app_json.c: an app as the API shows it (app_to_json, handler.h): its row, its current
 * run, its scan and its generation. Only reads: a handler settles an app whose
 * generation job died (jobs_settle) where it loads it, before this. */
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "fcgi/handler.h"

static struct json_object *run_to_json(struct hctx *ctx, const char *app_id)
{
	char err[256];
	struct db_run r;
	struct json_object *o = json_object_new_object();
	int rc = db_run_current(ctx->db, app_id, &r, err, sizeof err);

	if (rc != DB_OK) {
		if (rc != DB_NOTFOUND)
			log_warn("run of %s: %s", app_id, err);
		json_object_object_add(o, "state", json_object_new_string("stopped"));
		json_object_object_add(o, "port", NULL);
		json_object_object_add(o, "started_at", NULL);
		json_object_object_add(o, "expires_at", NULL);
		json_object_object_add(o, "exit_code", NULL);
		json_object_object_add(o, "reason", NULL);
		return o;
	}
	json_object_object_add(o, "state", json_object_new_string(run_state_name(r.state)));
	json_object_object_add(o, "port", r.port ? json_object_new_int(r.port) : NULL);
	h_add_time(o, "started_at", r.started_at);
	h_add_time(o, "expires_at", r.expires_at);
	json_object_object_add(o, "exit_code",
			       r.has_exit_code ? json_object_new_int(r.exit_code) : NULL);
	json_object_object_add(o, "reason",
			       json_new_string_or_null(r.reason ? run_reason_name(r.reason) : NULL));
	return o;
}

struct json_object *app_to_json(struct hctx *ctx, const struct db_app *a)
{
	char url[512];
	struct json_object *o = json_object_new_object(), *scan, *findings = NULL;
	const struct conf *c = ctx->conf;

	if (!o)
		return NULL;
	json_object_object_add(o, "id", json_object_new_string(a->id));
	json_object_object_add(o, "name", json_object_new_string(a->name ? a->name : ""));
	json_object_object_add(o, "owner", json_object_new_string(a->owner));
	json_object_object_add(o, "prompt",
			       json_new_string_or_null(a->prompt && *a->prompt ? a->prompt : NULL));
	json_object_object_add(o, "status", json_object_new_string(app_status_name(a->status)));
	if (a->error)
		json_object_object_add(o, "error", json_object_new_string(a->error));
	h_add_time(o, "created_at", a->created_at);
	h_add_time(o, "updated_at", a->updated_at);
	if (c->https_port == 443)
		snprintf(url, sizeof url, "https://%s.%s/", a->id, c->apps_domain);
	else
		snprintf(url, sizeof url, "https://%s.%s:%d/", a->id, c->apps_domain,
			 c->https_port);
	json_object_object_add(o, "url", json_object_new_string(url));

	scan = json_object_new_object();
	json_object_object_add(scan, "verdict",
			       json_new_string_or_null(a->scan_verdict[0] ? a->scan_verdict : NULL));
	/* our own stored JSON; most apps have none, and a parse costs a tokener */
	if (a->scan_findings && strcmp(a->scan_findings, "[]") != 0)
		findings = json_tokener_parse(a->scan_findings);
	if (!json_object_is_type(findings, json_type_array)) {
		json_object_put(findings);
		findings = json_object_new_array();
	}
	json_object_object_add(scan, "findings", findings);
	json_object_object_add(o, "scan", scan);
	json_object_object_add(o, "run", run_to_json(ctx, a->id));
	json_object_object_add(o, "generation", h_generation_json(ctx, a->id));
	return o;
}
