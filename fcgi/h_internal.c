/* h_internal.c: the answers nginx asks for on its own behalf.
 *
 * GET /internal/resolve is nginx's auth_request for <app-id>.<apps_domain>: 200 with
 * X-App-Upstream: 127.0.0.1:<port> when the app runs, 404 when there is no such app,
 * 403 when it is private and the request has no valid __Host-af_app cookie for it
 * (h_private.c; checked before the run, so a refused visitor learns nothing of it),
 * 503 when it exists but is not running. Only nginx's internal location sets the
 * FastCGI parameter APP_ID (a client can only produce HTTP_* parameters, and nginx
 * answers 404 to /internal/ from outside), so a request without it is a 404. */
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "fcgi/handler.h"

void h_internal_resolve(struct hctx *ctx)
{
	char err[256], upstream[32];
	const char *id = ctx->req->internal_app;
	struct db_app a;
	struct db_run r;
	struct json_object *o;
	bool private;
	int rc;

	if (!id || !id_valid_app(id)) {
		h_not_found(ctx);
		return;
	}
	memset(&a, 0, sizeof a);
	rc = db_app_get(ctx->db, id, NULL, &a, err, sizeof err);
	if (rc == DB_NOTFOUND) {
		h_not_found(ctx);
		return;
	}
	if (rc != DB_OK) {
		h_internal(ctx, "resolve", err);
		return;
	}
	private = strcmp(a.visibility, "public") != 0;
	db_app_clear(&a);
	if (private && h_private_admit(ctx, id) < 0)
		return;
	rc = db_run_current(ctx->db, id, &r, err, sizeof(err));
	if (rc != DB_OK && rc != DB_NOTFOUND) {
		h_internal(ctx, "resolve run", err);
		return;
	}
	if (rc == DB_NOTFOUND || r.state != RUN_RUNNING || r.port <= 0) {
		response_error(ctx->resp, 503, "not_running", "the app is not running");
		return;
	}
	/* The full upstream, not only a port: the door to apps on other hosts (DESIGN.md). */
	snprintf(upstream, sizeof upstream, "127.0.0.1:%d", r.port);
	o = json_object_new_object();
	json_object_object_add(o, "upstream", json_object_new_string(upstream));
	response_json(ctx->resp, 200, o);
	response_header(ctx->resp, "X-App-Upstream", upstream);
}
