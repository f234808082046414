/* handler_util.c: helpers shared by the API handlers (see handler.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "common/json.h"
#include "common/log.h"
#include "fcgi/handler.h"
#include "fcgi/jobs.h"
#include "fcgi/names.h"
#include "fcgi/readcache.h"

void h_internal(struct hctx *ctx, const char *what, const char *err)
{
	log_error("%s: %s", what, err ? err : "failed");
	response_error(ctx->resp, 500, "internal_error", "internal error");
}

int h_cpu_slot(struct hctx *ctx, enum cpuslot_class c, int wait_ms)
{
	int h = cpuslots_try(c);

	for (int waited = 0; h == -1 && waited < wait_ms; waited += 20) {
		usleep(20000);
		h = cpuslots_try(c);
	}
	if (h == -1) {
		log_info("all %s slots busy: 429", c == CPUSLOT_LOGIN ? "login" : "scan");
		response_header(ctx->resp, "Retry-After", "1");
		response_error(
			ctx->resp, 429, "rate_limited",
			"the server is busy with other requests of this kind; retry in a second");
	}
	return h;
}

void h_bad_request(struct hctx *ctx, const char *message)
{
	response_error(ctx->resp, 400, "invalid_request", message);
}

void h_not_found(struct hctx *ctx)
{
	response_error(ctx->resp, 404, "not_found", "not found");
}

void h_not_implemented(struct hctx *ctx, const char *what)
{
	char msg[160];
	snprintf(msg, sizeof msg, "%s is not available yet on this server", what);
	response_error(ctx->resp, 501, "not_implemented", msg);
}

/* "application/json" with optional parameters ("; charset=utf-8"). */
static bool json_content_type(const char *ct)
{
	size_t n = strlen("application/json");
	if (strncasecmp(ct, "application/json", n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == 0 || *ct == ';';
}

struct json_object *h_body_object(struct hctx *ctx)
{
	char err[256];
	struct json_object *o;
	const struct request *r = ctx->req;

	if (r->content_type && *r->content_type && !json_content_type(r->content_type)) {
		response_error(ctx->resp, 415, "unsupported_media_type",
			       "request body must be application/json");
		return NULL;
	}
	if (!r->body || r->content_length == 0) {
		h_bad_request(ctx, "request body must be a JSON object");
		return NULL;
	}
	o = json_parse_object(r->body, (size_t)r->content_length, (size_t)ctx->conf->max_body_bytes,
			      JSON_DEFAULT_MAX_DEPTH, err, sizeof err);
	if (!o)
		h_bad_request(ctx, err);
	return o;
}

void h_add_time(struct json_object *obj, const char *key, long long t)
{
	char buf[TIME_RFC3339_BUFSZ];
	if (t == 0 || util_time_format(t, buf, sizeof buf) < 0)
		json_object_object_add(obj, key, NULL);
	else
		json_object_object_add(obj, key, json_object_new_string(buf));
}

int h_audit(struct hctx *ctx, const char *action, const char *target, struct json_object *detail,
	    char *err, size_t errlen)
{
	const char *d = detail ? json_to_string(detail) : NULL;
	return db_audit_append(ctx->db, ctx->req->request_id,
			       ctx->who.present ? ctx->who.user_id : "anonymous", action,
			       target ? target : "", d, err, errlen);
}

int h_audit_commit(struct hctx *ctx, int rc, const char *action, const char *target,
		   struct json_object *detail, char *err, size_t errlen)
{
	if (rc == DB_OK)
		rc = h_audit(ctx, action, target, detail, err, errlen);
	if (rc == DB_OK)
		rc = db_commit(ctx->db, err, errlen);
	if (rc != DB_OK)
		db_rollback(ctx->db);
	return rc;
}

int h_own_app(struct hctx *ctx, struct db_app *a)
{
	char err[256];
	struct db_app local;
	struct db_app *into = a ? a : &local;
	int rc;

	memset(into, 0, sizeof *into);
	rc = db_app_get(ctx->db, ctx->param, ctx->who.user_id, into, err, sizeof err);
	if (!a)
		db_app_clear(&local);
	if (rc == DB_NOTFOUND)
		h_not_found(ctx);
	else if (rc != DB_OK)
		h_internal(ctx, "app get", err);
	return rc == DB_OK ? 0 : -1;
}

int h_display_name(struct hctx *ctx, const char *name)
{
	if (!name || names_display_valid(name))
		return 0;
	h_bad_request(ctx, "field 'name' must not contain control characters");
	return -1;
}

int h_query_limit(struct hctx *ctx, int def, int max, int *out)
{
	char buf[24];
	long long v;
	int rc = query_get(ctx->req->query, "limit", buf, sizeof buf);

	*out = def;
	if (rc == 0)
		return 0;
	if (rc < 0 || util_parse_ll(buf, 1, max, &v) < 0) {
		char msg[96];
		snprintf(msg, sizeof msg, "limit must be an integer from 1 to %d", max);
		h_bad_request(ctx, msg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

bool h_cached(struct hctx *ctx, const char *key)
{
	const char *body;
	size_t len;

	ctx->seen_ok = db_snapshot_version(ctx->db, &ctx->seen) == 0;
	if (!ctx->seen_ok || !readcache_get(key, &ctx->seen, &body, &len))
		return false;
	response_text(ctx->resp, 200, "application/json", body, len);
	log_debug("answered from the read cache");
	return true;
}

void h_cache_keep(struct hctx *ctx, const char *key)
{
	struct db_version now;

	if (!ctx->seen_ok || ctx->resp->status != 200 || !ctx->resp->body ||
	    db_snapshot_version(ctx->db, &now) < 0 || now.others != ctx->seen.others ||
	    now.own != ctx->seen.own)
		return;
	readcache_put(key, &ctx->seen, ctx->resp->body, ctx->resp->body_len);
}

void h_location(struct hctx *ctx, const char *id)
{
	char loc[64];
	snprintf(loc, sizeof loc, "/api/apps/%s", id);
	response_header(ctx->resp, "Location", loc);
}
