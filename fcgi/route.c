/* route.c: matches a request's method and path against a route table (see route.h). */
#include "fcgi/route.h"

#include <stdbool.h>
#include <string.h>

#include "common/util.h"

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* A generic identifier in an "{id}" position (user ids, token ids). */
static bool generic_id_valid(const char *s, size_t n)
{
	if (n == 0 || n >= ROUTE_PARAM_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!id_char(s[i]))
			return false;
	return true;
}

/* A revision number in an "{n}" position: 1..999999999, no leading zero. */
static bool number_valid(const char *s, size_t n)
{
	if (n == 0 || n > 9 || s[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool placeholder_valid(const char *p, size_t pl, const char *s, size_t sl, const char *copy)
{
	if (pl == 5 && memcmp(p, "{app}", 5) == 0)
		return sl < ROUTE_PARAM_MAX && id_valid_app(copy);
	if (pl == 3 && memcmp(p, "{n}", 3) == 0)
		return number_valid(s, sl);
	return generic_id_valid(s, sl);
}

/* Does path have the shape of pattern? On a shape match, *param (and *param2, for a
 * second placeholder) get the placeholder values and the return says whether they are
 * valid. */
enum shape { SHAPE_NO, SHAPE_BAD_PARAM, SHAPE_OK };

static enum shape match_shape(const char *pattern, const char *path, char *param, char *param2)
{
	const char *p = pattern, *s = path;
	bool bad = false;
	int nparams = 0;

	param[0] = param2[0] = 0;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return SHAPE_NO;
		p++, s++;
		size_t pl = strcspn(p, "/"), sl = strcspn(s, "/");
		if (pl > 2 && p[0] == '{' && p[pl - 1] == '}') {
			char *dst = nparams++ == 0 ? param : param2;
			if (sl == 0)
				return SHAPE_NO;
			if (sl < ROUTE_PARAM_MAX) {
				memcpy(dst, s, sl);
				dst[sl] = 0;
			}
			if (!placeholder_valid(p, pl, s, sl, dst))
				bad = true;
		} else if (pl != sl || memcmp(p, s, pl) != 0) {
			return SHAPE_NO;
		}
		p += pl, s += sl;
	}
	if (*p || *s)
		return SHAPE_NO;
	return bad ? SHAPE_BAD_PARAM : SHAPE_OK;
}

static void allow_add(char *allow, const char *method)
{
	size_t n = strlen(allow), m = strlen(method);
	/* A method already listed (two routes, same method, different placeholder
	 * validity) is not repeated. */
	if (strstr(allow, method))
		return;
	if (n + m + 3 > ROUTE_ALLOW_MAX)
		return;
	if (n) {
		memcpy(allow + n, ", ", 2);
		n += 2;
	}
	memcpy(allow + n, method, m + 1);
}

enum route_result route_match(const struct route *table, const char *method, const char *path,
			      struct route_match *m)
{
	char param[ROUTE_PARAM_MAX], param2[ROUTE_PARAM_MAX];
	bool shape_ok = false;

	memset(m, 0, sizeof *m);
	if (!method || !path || path[0] != '/')
		return ROUTE_NOT_FOUND;
	for (const struct route *r = table; r->method; r++) {
		enum shape sh = match_shape(r->pattern, path, param, param2);
		if (sh != SHAPE_OK)
			continue;
		shape_ok = true;
		if (strcmp(r->method, method) == 0) {
			m->route = r;
			memcpy(m->param, param, sizeof param);
			memcpy(m->param2, param2, sizeof param2);
			m->allow[0] = 0;
			return ROUTE_FOUND;
		}
		allow_add(m->allow, r->method);
	}
	if (shape_ok)
		return ROUTE_METHOD_NOT_ALLOWED;
	m->allow[0] = 0;
	return ROUTE_NOT_FOUND;
}
