/* dispatch.c: one request through the router, authentication and its handler. */
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "fcgi/handler.h"

typedef void (*handler_fn)(struct hctx *);

/* clang-format off */
static const handler_fn handlers[H__COUNT] = {
	[H_HEALTH] = h_health,
	[H_LOGIN] = h_login,
	[H_ME] = h_me,
	[H_TOKEN_CREATE] = h_token_create,
	[H_TOKEN_LIST] = h_token_list,
	[H_TOKEN_DELETE] = h_token_delete,
	[H_APP_CREATE] = h_app_create,
	[H_APP_LIST] = h_app_list,
	[H_APP_GET] = h_app_get,
	[H_APP_DELETE] = h_app_delete,
	[H_APP_FILES_GET] = h_app_files_get,
	[H_APP_FILES_PUT] = h_app_files_put,
	[H_APP_RUN] = h_app_run,
	[H_APP_STOP] = h_app_stop,
	[H_APP_LOGS] = h_app_logs,
	[H_ADMIN_USERS_LIST] = h_admin_users_list,
	[H_ADMIN_USER_CREATE] = h_admin_user_create,
	[H_ADMIN_USER_DELETE] = h_admin_user_delete,
	[H_ADMIN_APPS_LIST] = h_admin_apps_list,
	[H_ADMIN_APP_DELETE] = h_admin_app_delete,
	[H_ADMIN_SANDBOXES] = h_admin_sandboxes,
	[H_ADMIN_AUDIT] = h_admin_audit,
	[H_INTERNAL_RESOLVE] = h_internal_resolve,
	[H_AUTH_REFRESH] = h_auth_refresh,
	[H_AUTH_LOGOUT] = h_auth_logout,
	[H_ME_PASSWORD] = h_me_password,
	[H_APP_ENV_GET] = h_app_env_get,
	[H_APP_ENV_PUT] = h_app_env_put,
	[H_APP_EXPORT] = h_app_export,
	[H_APP_PATCH] = h_app_patch,
	[H_APP_DUPLICATE] = h_app_duplicate,
	[H_TEMPLATES] = h_templates,
	[H_REV_LIST] = h_rev_list,
	[H_REV_FILES] = h_rev_files,
	[H_REV_DIFF] = h_rev_diff,
	[H_REV_RESTORE] = h_rev_restore,
	[H_APP_ITERATE] = h_app_iterate,
	[H_APP_OPEN] = h_app_open,
	[H_APP_SESSION] = h_app_session,
	[H_APP_LOGS_STREAM] = h_app_logs_stream,
};
/* clang-format on */

/* Handlers that only read the database and wait for nobody: their reads share one read
 * transaction (db_read_begin). A handler that waits for another process's writes (a
 * run's start, the supervisor) must not be listed: its snapshot would not move. */
/* clang-format off */
static const bool reads_only[H__COUNT] = {
	[H_HEALTH] = true,
	[H_ME] = true,
	[H_TOKEN_LIST] = true,
	[H_APP_LIST] = true,
	[H_APP_GET] = true,
	[H_APP_FILES_GET] = true,
	[H_ADMIN_USERS_LIST] = true,
	[H_ADMIN_APPS_LIST] = true,
	[H_ADMIN_AUDIT] = true,
	[H_INTERNAL_RESOLVE] = true,
	[H_APP_ENV_GET] = true,
	[H_APP_EXPORT] = true,
	[H_REV_LIST] = true,
	[H_REV_FILES] = true,
	[H_REV_DIFF] = true,
};
/* clang-format on */

/* Authenticates and authorises a routed request, then runs its handler. */
static void dispatch_routed(struct hctx *ctx, const struct route *route)
{
	if (route->auth != ROUTE_AUTH_NONE) {
		if (auth_authenticate(ctx) < 0)
			return;
		if (route->auth == ROUTE_AUTH_ADMIN && !ctx->who.admin) {
			response_error(ctx->resp, 403, "forbidden", "administrator role required");
			return;
		}
	}
	handlers[route->handler](ctx);
}

void handle_request(const struct worker_state *ws, struct request *req, struct response *resp)
{
	struct route_match m;
	struct hctx ctx;

	memset(&ctx, 0, sizeof ctx);
	ctx.conf = ws->conf;
	ctx.jwt = ws->jwt;
	ctx.db = ws->db;
	ctx.req = req;
	ctx.resp = resp;
	ctx.now = (long long)time(NULL);

	switch (route_match(route_table, req->method, req->path, &m)) {
	case ROUTE_NOT_FOUND: response_error(resp, 404, "not_found", "no such resource"); return;
	case ROUTE_METHOD_NOT_ALLOWED:
		response_error(resp, 405, "method_not_allowed",
			       "method not allowed on this resource");
		response_header(resp, "Allow", m.allow);
		return;
	case ROUTE_FOUND: break;
	}
	if (ws->internal_only && m.route->handler != H_INTERNAL_RESOLVE) {
		response_error(resp, 404, "not_found", "no such resource");
		return;
	}
	ctx.param = m.param;
	ctx.param2 = m.param2;
	if (reads_only[m.route->handler])
		db_read_begin(ctx.db);
	dispatch_routed(&ctx, m.route);
	db_read_end(ctx.db);
	if (!resp->status) {
		/* A handler that forgot to answer is a bug; never leave the client hanging. */
		log_error("handler for %s %s gave no response", req->method, req->path);
		response_error(resp, 500, "internal_error", "internal error");
	}
}
