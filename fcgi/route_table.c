/* route_table.c: every API endpoint of API.md, with the authentication it needs.
 * Handlers are ids here so that the router and its table test without the handlers. */
#include "fcgi/route.h"

/* clang-format off */
const struct route route_table[] = {
	{ "GET",    "/api/health",               H_HEALTH,            ROUTE_AUTH_NONE },
	{ "POST",   "/api/auth/login",           H_LOGIN,             ROUTE_AUTH_NONE },
	{ "POST",   "/api/auth/refresh",         H_AUTH_REFRESH,      ROUTE_AUTH_NONE },
	{ "POST",   "/api/auth/logout",          H_AUTH_LOGOUT,       ROUTE_AUTH_NONE },
	{ "GET",    "/api/me",                   H_ME,                ROUTE_AUTH_USER },
	{ "POST",   "/api/me/password",          H_ME_PASSWORD,       ROUTE_AUTH_USER },
	{ "POST",   "/api/tokens",               H_TOKEN_CREATE,      ROUTE_AUTH_USER },
	{ "GET",    "/api/tokens",               H_TOKEN_LIST,        ROUTE_AUTH_USER },
	{ "DELETE", "/api/tokens/{id}",          H_TOKEN_DELETE,      ROUTE_AUTH_USER },
	{ "POST",   "/api/apps",                 H_APP_CREATE,        ROUTE_AUTH_USER },
	{ "GET",    "/api/apps",                 H_APP_LIST,          ROUTE_AUTH_USER },
	{ "GET",    "/api/apps/{app}",           H_APP_GET,           ROUTE_AUTH_USER },
	{ "DELETE", "/api/apps/{app}",           H_APP_DELETE,        ROUTE_AUTH_USER },
	{ "GET",    "/api/apps/{app}/files",     H_APP_FILES_GET,     ROUTE_AUTH_USER },
	{ "PUT",    "/api/apps/{app}/files",     H_APP_FILES_PUT,     ROUTE_AUTH_USER },
	{ "POST",   "/api/apps/{app}/run",       H_APP_RUN,           ROUTE_AUTH_USER },
	{ "POST",   "/api/apps/{app}/stop",      H_APP_STOP,          ROUTE_AUTH_USER },
	{ "GET",    "/api/apps/{app}/logs",      H_APP_LOGS,          ROUTE_AUTH_USER },
	{ "GET",    "/api/apps/{app}/logs/stream", H_APP_LOGS_STREAM, ROUTE_AUTH_USER },
	{ "GET",    "/api/apps/{app}/env",       H_APP_ENV_GET,       ROUTE_AUTH_USER },
	{ "PUT",    "/api/apps/{app}/env",       H_APP_ENV_PUT,       ROUTE_AUTH_USER },
	{ "GET",    "/api/apps/{app}/export",    H_APP_EXPORT,        ROUTE_AUTH_USER },
	{ "PATCH",  "/api/apps/{app}",           H_APP_PATCH,         ROUTE_AUTH_USER },
	{ "POST",   "/api/apps/{app}/duplicate", H_APP_DUPLICATE,     ROUTE_AUTH_USER },
	{ "GET",    "/api/templates",            H_TEMPLATES,         ROUTE_AUTH_USER },
	{ "POST",   "/api/apps/{app}/iterate",   H_APP_ITERATE,       ROUTE_AUTH_USER },
	{ "GET",    "/api/apps/{app}/revisions", H_REV_LIST,          ROUTE_AUTH_USER },
	{ "GET",    "/api/apps/{app}/revisions/{n}/files", H_REV_FILES, ROUTE_AUTH_USER },
	{ "GET",    "/api/apps/{app}/revisions/{n}/diff",  H_REV_DIFF,  ROUTE_AUTH_USER },
	{ "POST",   "/api/apps/{app}/revisions/{n}/restore", H_REV_RESTORE, ROUTE_AUTH_USER },
	{ "GET",    "/api/admin/users",          H_ADMIN_USERS_LIST,  ROUTE_AUTH_ADMIN },
	{ "POST",   "/api/admin/users",          H_ADMIN_USER_CREATE, ROUTE_AUTH_ADMIN },
	{ "DELETE", "/api/admin/users/{id}",     H_ADMIN_USER_DELETE, ROUTE_AUTH_ADMIN },
	{ "GET",    "/api/admin/apps",           H_ADMIN_APPS_LIST,   ROUTE_AUTH_ADMIN },
	{ "DELETE", "/api/admin/apps/{app}",     H_ADMIN_APP_DELETE,  ROUTE_AUTH_ADMIN },
	{ "GET",    "/api/admin/sandboxes",      H_ADMIN_SANDBOXES,   ROUTE_AUTH_ADMIN },
	{ "GET",    "/api/admin/audit",          H_ADMIN_AUDIT,       ROUTE_AUTH_ADMIN },
	/* nginx's auth_request for an app's origin; see h_internal.c for who may ask. */
	{ "GET",    "/internal/resolve",         H_INTERNAL_RESOLVE,  ROUTE_AUTH_NONE },
	{ "POST",   "/api/apps/{app}/open",      H_APP_OPEN,          ROUTE_AUTH_USER },
	/* a private app origin's /__appforge/session (nginx sets APP_ID); see h_private.c */
	{ "GET",    "/internal/app-session",     H_APP_SESSION,       ROUTE_AUTH_NONE },
	{ 0, 0, 0, 0 },
};
/* clang-format on */
