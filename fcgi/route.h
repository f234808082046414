/* route.h: the API's routing table and the pure matcher over it.
 *
 * A route is {method, pattern, handler id, auth level}. Patterns are literal segments
 * and placeholders: "{app}" must be a valid app id (util.h id_valid_app), "{id}" any
 * other identifier ([A-Za-z0-9_-], 1..ROUTE_PARAM_MAX-1 chars), "{n}" a revision number
 * (1..999999999, no leading zero). A pattern has at most two placeholders. One that does
 * not validate makes the whole path unknown (404) without any lookup.
 *
 * No FastCGI, no database: this file is unit-tested on its own (tests/unit/test_route.c). */
#ifndef AF_ROUTE_H
#define AF_ROUTE_H

#include <stddef.h>

enum route_auth { ROUTE_AUTH_NONE, ROUTE_AUTH_USER, ROUTE_AUTH_ADMIN };

/* One handler per route; dispatch.c maps each id to a function. */
enum route_handler {
	H_HEALTH,
	H_LOGIN,
	H_ME,
	H_TOKEN_CREATE,
	H_TOKEN_LIST,
	H_TOKEN_DELETE,
	H_APP_CREATE,
	H_APP_LIST,
	H_APP_GET,
	H_APP_DELETE,
	H_APP_FILES_GET,
	H_APP_FILES_PUT,
	H_APP_RUN,
	H_APP_STOP,
	H_APP_LOGS,
	H_ADMIN_USERS_LIST,
	H_ADMIN_USER_CREATE,
	H_ADMIN_USER_DELETE,
	H_ADMIN_APPS_LIST,
	H_ADMIN_APP_DELETE,
	H_ADMIN_SANDBOXES,
	H_ADMIN_AUDIT,
	H_INTERNAL_RESOLVE,
	H_AUTH_REFRESH,
	H_AUTH_LOGOUT,
	H_ME_PASSWORD,
	H_APP_ENV_GET,
	H_APP_ENV_PUT,
	H_APP_EXPORT,
	H_APP_PATCH,
	H_APP_DUPLICATE,
	H_TEMPLATES,
	H_REV_LIST,
	H_REV_FILES,
	H_REV_DIFF,
	H_REV_RESTORE,
	H_APP_ITERATE,
	H_APP_OPEN,
	H_APP_SESSION,
	H_APP_LOGS_STREAM,
	H__COUNT
};

struct route {
	const char *method;
	const char *pattern;
	enum route_handler handler;
	enum route_auth auth;
};

#define ROUTE_PARAM_MAX 65 /* longest placeholder value + NUL */
#define ROUTE_ALLOW_MAX 64 /* "GET, POST, PUT, DELETE" fits easily */

enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_METHOD_NOT_ALLOWED };

struct route_match {
	const struct route *route;    /* ROUTE_FOUND: the matched route */
	char param[ROUTE_PARAM_MAX];  /* the placeholder's value ("" when none) */
	char param2[ROUTE_PARAM_MAX]; /* a second placeholder's value ("" when none) */
	char allow[ROUTE_ALLOW_MAX];  /* ROUTE_METHOD_NOT_ALLOWED: "GET, DELETE" */
};

/* The API's table (route_table.c), terminated by a NULL method. */
extern const struct route route_table[];

/* Matches method+path (the path only, no query string) against table. Never fails
 * otherwise; m is filled as described above. */
enum route_result route_match(const struct route *table, const char *method, const char *path,
			      struct route_match *m);

#endif
