/* test_route.c: the router (fcgi/route.c over the real table), request parsing
 * (fcgi/request.c) and app id validation as the router uses it. */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "fcgi/request.h"
#include "fcgi/route.h"
#include "tests/tap.h"

#define APP "k3v9q2m8x1c7d4fa"

static enum route_result rm(const char *method, const char *path, struct route_match *m)
{
	return route_match(route_table, method, path, m);
}

static int found(const char *method, const char *path, enum route_handler h, const char *param)
{
	struct route_match m;
	return rm(method, path, &m) == ROUTE_FOUND && m.route->handler == h &&
	       strcmp(m.param, param) == 0;
}

static int not_found(const char *method, const char *path)
{
	struct route_match m;
	return rm(method, path, &m) == ROUTE_NOT_FOUND && m.route == NULL;
}

static void test_router(void)
{
	struct route_match m;

	ok(found("GET", "/api/health", H_HEALTH, ""), "GET /api/health");
	ok(found("POST", "/api/auth/login", H_LOGIN, ""), "POST /api/auth/login");
	ok(found("GET", "/api/me", H_ME, ""), "GET /api/me");
	ok(found("POST", "/api/apps", H_APP_CREATE, ""), "POST /api/apps");
	ok(found("GET", "/api/apps", H_APP_LIST, ""), "GET /api/apps");
	ok(found("GET", "/api/apps/" APP, H_APP_GET, APP), "GET one app, id captured");
	ok(found("DELETE", "/api/apps/" APP, H_APP_DELETE, APP), "DELETE one app");
	ok(found("GET", "/api/apps/" APP "/files", H_APP_FILES_GET, APP), "GET files");
	ok(found("PUT", "/api/apps/" APP "/files", H_APP_FILES_PUT, APP), "PUT files");
	ok(found("POST", "/api/apps/" APP "/run", H_APP_RUN, APP), "run");
	ok(found("POST", "/api/apps/" APP "/stop", H_APP_STOP, APP), "stop");
	ok(found("GET", "/api/apps/" APP "/logs", H_APP_LOGS, APP), "logs");
	ok(found("GET", "/api/apps/" APP "/logs/stream", H_APP_LOGS_STREAM, APP), "logs stream");
	ok(found("DELETE", "/api/tokens/tok_abcdefghij012345", H_TOKEN_DELETE,
		 "tok_abcdefghij012345"),
	   "DELETE token");
	ok(found("DELETE", "/api/admin/users/u_0123456789abcdef", H_ADMIN_USER_DELETE,
		 "u_0123456789abcdef"),
	   "DELETE admin user");
	ok(found("DELETE", "/api/admin/apps/" APP, H_ADMIN_APP_DELETE, APP), "DELETE admin app");
	ok(found("GET", "/api/admin/audit", H_ADMIN_AUDIT, ""), "admin audit");
	ok(found("GET", "/internal/resolve", H_INTERNAL_RESOLVE, ""), "nginx's resolve");

	/* auth levels come from the table */
	rm("GET", "/api/health", &m);
	ok(m.route->auth == ROUTE_AUTH_NONE, "health needs no auth");
	rm("GET", "/api/apps", &m);
	ok(m.route->auth == ROUTE_AUTH_USER, "apps need a user");
	rm("GET", "/api/admin/users", &m);
	ok(m.route->auth == ROUTE_AUTH_ADMIN, "admin routes need an admin");
	{
		int all_admin = 1;
		for (const struct route *r = route_table; r->method; r++)
			if (strncmp(r->pattern, "/api/admin/", 11) == 0 &&
			    r->auth != ROUTE_AUTH_ADMIN)
				all_admin = 0;
		ok(all_admin, "every /api/admin/ route is admin-only");
	}

	/* invalid app ids: 404 without a handler */
	ok(not_found("GET", "/api/apps/K3V9Q2M8X1C7D4FA"), "upper-case app id is 404");
	ok(not_found("GET", "/api/apps/k3v9q2m8x1c7d4f"), "15-char app id is 404");
	ok(not_found("GET", "/api/apps/k3v9q2m8x1c7d4fab"), "17-char app id is 404");
	ok(not_found("GET", "/api/apps/1k3v9q2m8x1c7d4f"), "app id starting with a digit is 404");
	ok(not_found("GET", "/api/apps/..%2f..%2fetc"), "traversal-looking id is 404");
	ok(not_found("GET", "/api/apps/../apps"), "dot segments are 404");
	ok(not_found("DELETE", "/api/apps/k3v9q2m8x1c7d4f;"), "punctuation in id is 404");
	ok(not_found("POST", "/api/apps/bad/run"), "bad id on a sub-resource is 404");
	ok(not_found("PUT", "/api/apps/bad/files"), "bad id with a wrong method is 404, not 405");
	ok(not_found("DELETE", "/api/tokens/a%20b"), "bad generic id is 404");
	{
		char longid[200];
		memset(longid, 'a', sizeof(longid));
		memcpy(longid, "/api/tokens/", 12);
		longid[sizeof(longid) - 1] = 0;
		ok(not_found("DELETE", longid), "over-long generic id is 404");
	}

	/* unknown paths and shapes */
	ok(not_found("GET", "/api/nope"), "unknown path is 404");
	ok(not_found("GET", "/api/apps/"), "trailing slash is 404");
	ok(not_found("GET", "/api//apps"), "empty segment is 404");
	ok(not_found("GET", "/api/apps/" APP "/files/x"), "extra segment is 404");
	ok(not_found("GET", ""), "empty path is 404");
	ok(not_found("GET", "api/health"), "relative path is 404");
	ok(not_found("GET", "/"), "root is 404");
	ok(not_found("GET", "/API/HEALTH"), "paths are case-sensitive");

	/* 405 with Allow */
	ok(rm("DELETE", "/api/health", &m) == ROUTE_METHOD_NOT_ALLOWED &&
		   strcmp(m.allow, "GET") == 0,
	   "DELETE /api/health is 405, Allow: GET");
	ok(rm("PATCH", "/api/apps", &m) == ROUTE_METHOD_NOT_ALLOWED &&
		   strcmp(m.allow, "POST, GET") == 0,
	   "PATCH /api/apps: Allow: POST, GET (got '%s')", m.allow);
	ok(rm("POST", "/api/apps/" APP, &m) == ROUTE_METHOD_NOT_ALLOWED &&
		   strcmp(m.allow, "GET, DELETE, PATCH") == 0,
	   "POST on one app: Allow: GET, DELETE, PATCH (got '%s')", m.allow);
	ok(rm("GET", "/api/apps/" APP "/run", &m) == ROUTE_METHOD_NOT_ALLOWED &&
		   strcmp(m.allow, "POST") == 0,
	   "GET run is 405");
	ok(rm("get", "/api/health", &m) == ROUTE_METHOD_NOT_ALLOWED, "methods are case-sensitive");
}

/* A fake FastCGI parameter set. */
struct fake {
	const char *const *kv;
};

static const char *fake_get(void *ctx, const char *name)
{
	const struct fake *f = ctx;
	for (const char *const *p = f->kv; *p; p += 2)
		if (strcmp(p[0], name) == 0)
			return p[1];
	return NULL;
}

static int parse(const char *const *kv, long max, struct request *r)
{
	struct fake f = { kv };
	char err[256];
	return request_parse(r, fake_get, &f, max, err, sizeof(err));
}

static void test_request(void)
{
	struct request r;
	long v;
	char buf[32];

	{
		const char *kv[] = { "REQUEST_METHOD",
				     "GET",
				     "REQUEST_URI",
				     "/api/apps?limit=5&cursor=ab",
				     "HTTP_HOST",
				     "localhost:8443",
				     "HTTP_AUTHORIZATION",
				     "Bearer x.y.z",
				     "REQUEST_ID",
				     "0123456789abcdef0123456789abcdef",
				     NULL };
		ok(parse(kv, 1024, &r) == 0, "plain GET parses");
		ok(strcmp(r.path, "/api/apps") == 0 && strcmp(r.query, "limit=5&cursor=ab") == 0,
		   "path and query split at '?'");
		ok(strcmp(r.request_id, "0123456789abcdef0123456789abcdef") == 0,
		   "valid REQUEST_ID from nginx is kept");
		ok(r.host && strcmp(r.host, "localhost:8443") == 0, "Host copied");
		ok(r.content_length == 0 && r.body == NULL, "no body");
		request_free(&r);
	}
	{
		const char *kv[] = { "REQUEST_METHOD", "POST",       "REQUEST_URI",
				     "/api/apps",      "REQUEST_ID", "bad id\r\nX-Evil: 1",
				     "CONTENT_LENGTH", "10",         NULL };
		ok(parse(kv, 1024, &r) == 0, "POST with a body length parses");
		ok(request_id_valid(r.request_id) && strlen(r.request_id) == 32 &&
			   !strchr(r.request_id, ' '),
		   "invalid REQUEST_ID replaced by a generated one");
		ok(r.content_length == 10, "Content-Length read");
		request_free(&r);
	}
	{
		const char *kv[] = { "REQUEST_METHOD", "POST", "REQUEST_URI", "/api/apps",
				     "CONTENT_LENGTH", "1025", NULL };
		ok(parse(kv, 1024, &r) == 413, "body over the cap is 413");
		request_free(&r);
	}
	{
		const char *kv[] = { "REQUEST_METHOD", "POST", "REQUEST_URI", "/api/apps",
				     "CONTENT_LENGTH", "-1",   NULL };
		ok(parse(kv, 1024, &r) == 400, "negative Content-Length is 400");
		request_free(&r);
	}
	{
		const char *kv[] = { "REQUEST_URI", "/api/apps", NULL };
		ok(parse(kv, 1024, &r) == 400, "missing method is 400");
		request_free(&r);
	}
	{
		const char *kv[] = { "REQUEST_METHOD", "GET",       "SCRIPT_NAME",
				     "/api",           "PATH_INFO", "/health",
				     "QUERY_STRING",   "a=1",       NULL };
		ok(parse(kv, 1024, &r) == 0 && strcmp(r.path, "/api/health") == 0 &&
			   strcmp(r.query, "a=1") == 0,
		   "SCRIPT_NAME+PATH_INFO without REQUEST_URI");
		request_free(&r);
	}
	{
		static char big[REQUEST_URI_MAX + 10];
		memset(big, 'a', sizeof(big) - 1);
		big[0] = '/';
		const char *kv[] = { "REQUEST_METHOD", "GET", "REQUEST_URI", big, NULL };
		ok(parse(kv, 1024, &r) == 414, "over-long URI is 414");
		request_free(&r);
	}

	ok(request_content_length("0", 10, &v) == 0 && v == 0, "length 0");
	ok(request_content_length("", 10, &v) == 0 && v == 0, "empty length is 0");
	ok(request_content_length("12a", 100, &v) == -1, "garbage length rejected");
	ok(request_content_length("+5", 100, &v) == -1, "signed length rejected");
	ok(request_content_length("99999999999999999999999", 100, &v) == -2,
	   "huge length is too large");
	ok(request_content_length("1048576", 1048576, &v) == 0 && v == 1048576,
	   "length at the cap");

	ok(request_id_valid("abc-DEF_1.2"), "request id charset");
	ok(!request_id_valid(""), "empty request id rejected");
	ok(!request_id_valid("a b"), "space in request id rejected");
	{
		char l[80];
		memset(l, 'a', 65);
		l[65] = 0;
		ok(!request_id_valid(l), "65-char request id rejected");
		l[64] = 0;
		ok(request_id_valid(l), "64-char request id accepted");
	}

	ok(query_get("limit=5&cursor=x", "limit", buf, sizeof(buf)) == 1 && strcmp(buf, "5") == 0,
	   "query_get finds a key");
	ok(query_get("limit=5", "cursor", buf, sizeof(buf)) == 0, "query_get: absent key");
	ok(query_get("a=x%20y+z", "a", buf, sizeof(buf)) == 1 && strcmp(buf, "x y z") == 0,
	   "query_get percent- and plus-decodes");
	ok(query_get("a=%zz", "a", buf, sizeof(buf)) == -1, "bad escape rejected");
	ok(query_get("a=%2", "a", buf, sizeof(buf)) == -1, "truncated escape rejected");
	ok(query_get("a=%00", "a", buf, sizeof(buf)) == -1, "NUL rejected");
	ok(query_get("a=1&a=2", "a", buf, sizeof(buf)) == -1, "duplicate key rejected");
	ok(query_get("a=0123456789012345678901234567890123456789", "a", buf, sizeof(buf)) == -1,
	   "value too long for the buffer rejected");
	ok(query_get("a", "a", buf, sizeof(buf)) == 1 && buf[0] == 0, "key without value is empty");
	ok(query_get("", "a", buf, sizeof(buf)) == 0, "empty query");

	ok(request_bearer("Bearer abc.def") &&
		   strcmp(request_bearer("Bearer abc.def"), "abc.def") == 0,
	   "Bearer token extracted");
	ok(request_bearer("bearer   afk_x") != NULL, "scheme is case-insensitive");
	ok(request_bearer("Basic dXNlcjpw") == NULL, "Basic is not bearer");
	ok(request_bearer("Bearer") == NULL && request_bearer("Bearer ") == NULL, "empty bearer");
	ok(request_bearer("Bearer a b") == NULL, "space inside the token rejected");
	ok(request_bearer("Bearerabc") == NULL, "no separator rejected");

	ok(request_cookie("a=1; __Host-af_refresh=afr_x; b=2", "__Host-af_refresh", buf,
			  sizeof(buf)) == 1 &&
		   strcmp(buf, "afr_x") == 0,
	   "request_cookie finds a cookie");
	ok(request_cookie("x__Host-af_refresh=1;af_refresh=2", "__Host-af_refresh", buf,
			  sizeof(buf)) == 0,
	   "request_cookie matches whole names only");
	ok(request_cookie("  __Host-af_refresh=v  ;", "__Host-af_refresh", buf, sizeof(buf)) == 1 &&
		   strcmp(buf, "v") == 0,
	   "request_cookie trims spaces");
	ok(request_cookie("__Host-af_refresh=1; __Host-af_refresh=2", "__Host-af_refresh", buf,
			  sizeof(buf)) == -1,
	   "a cookie given twice is refused");
	ok(request_cookie("n=0123456789012345678901234567890123456789012345678901234567890123", "n",
			  buf, sizeof(buf)) == -1,
	   "a value too long for the buffer is refused");
	ok(request_cookie(NULL, "n", buf, sizeof(buf)) == 0 && request_cookie("", "n", buf, 8) == 0,
	   "no Cookie header: absent");
	ok(request_cookie("n=", "n", buf, sizeof(buf)) == 1 && buf[0] == 0, "an empty value");
}

/* Revision routes: a second placeholder "{n}" that must be a revision number. */
static void test_revision_routes(void)
{
	struct route_match m;
	static const char *const bad[] = { "0", "01", "-1", "1x", "abc", "1234567890", "%31" };

	ok(rm("GET", "/api/apps/" APP "/revisions/12/files", &m) == ROUTE_FOUND &&
		   m.route->handler == H_REV_FILES && strcmp(m.param, APP) == 0 &&
		   strcmp(m.param2, "12") == 0,
	   "revision files: app and number captured");
	ok(rm("GET", "/api/apps/" APP "/revisions/999999999/diff", &m) == ROUTE_FOUND &&
		   m.route->handler == H_REV_DIFF && strcmp(m.param2, "999999999") == 0,
	   "revision diff: the largest number");
	ok(rm("POST", "/api/apps/" APP "/revisions/1/restore", &m) == ROUTE_FOUND &&
		   m.route->handler == H_REV_RESTORE && m.route->auth == ROUTE_AUTH_USER,
	   "restore");
	ok(found("GET", "/api/apps/" APP "/revisions", H_REV_LIST, APP), "revision list");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[128];
		snprintf(path, sizeof path, "/api/apps/" APP "/revisions/%s/files", bad[i]);
		ok(not_found("GET", path), "revision number '%s': not found", bad[i]);
	}
	ok(not_found("GET", "/api/apps/BAD/revisions/1/files"), "a bad app id with a good number");
	ok(rm("GET", "/api/apps/" APP "/files", &m) == ROUTE_FOUND && m.param2[0] == 0,
	   "one placeholder leaves param2 empty");
}

static void test_app_ids(void)
{
	char id[ID_APP_BUFSZ];
	int all = 1;
	for (int i = 0; i < 200; i++)
		if (id_new_app(id) < 0 || !id_valid_app(id))
			all = 0;
	ok(all, "200 fresh app ids validate");
	ok(id_valid_app(APP), "the API.md example id is valid");
	ok(!id_valid_app(NULL) && !id_valid_app(""), "NULL and empty are invalid");
	ok(!id_valid_app("k3v9q2m8x1c7d4f-"), "'-' is invalid");
}

int main(void)
{
	test_router();
	test_revision_routes();
	test_request();
	test_app_ids();
	return tap_done();
}
