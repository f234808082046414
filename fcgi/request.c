/* request.c: parsing and bounding of a request's parameters (see request.h). */
#include "fcgi/request.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

bool request_id_valid(const char *s)
{
	size_t n = 0;
	if (!s)
		return false;
	for (; s[n]; n++) {
		char c = s[n];
		if (n >= REQUEST_ID_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return n > 0;
}

void request_id_generate(char *out)
{
	static const char hex[] = "0123456789abcdef";
	static unsigned long counter;
	unsigned char raw[16];
	ssize_t n;

	do
		n = getrandom(raw, sizeof raw, GRND_NONBLOCK);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof raw) {
		/* Only before the pool is seeded at boot. A request id is no secret: unique
		 * is enough, so pid, time and a counter do. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(out, 33, "%08x%08lx%08lx%08lx", (unsigned)getpid(),
			 (unsigned long)ts.tv_sec & 0xffffffffUL,
			 (unsigned long)ts.tv_nsec & 0xffffffffUL, ++counter & 0xffffffffUL);
		return;
	}
	for (size_t i = 0; i < sizeof raw; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[32] = 0;
}

int request_content_length(const char *s, long max, long *out)
{
	long v = 0;

	*out = 0;
	if (!s || !*s)
		return 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || p - s > 18)
			return -1;
		v = v * 10 + (*p - '0');
		if (v > max)
			return -2;
	}
	*out = v;
	return 0;
}

static int dup_checked(char **dst, const char *s)
{
	*dst = NULL;
	if (!s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -1;
}

int request_parse(struct request *r, request_getter get, void *ctx, long max_body, char *err,
		  size_t errlen)
{
	const char *method = get(ctx, "REQUEST_METHOD");
	const char *uri = get(ctx, "REQUEST_URI");
	const char *query = get(ctx, "QUERY_STRING");
	const char *rid = get(ctx, "REQUEST_ID");
	int rc;

	memset(r, 0, sizeof(*r));
	r->conn_fd = -1;
	if (request_id_valid(rid))
		snprintf(r->request_id, sizeof r->request_id, "%s", rid);
	else
		request_id_generate(r->request_id);

	if (!method || !*method || strlen(method) >= sizeof r->method) {
		snprintf(err, errlen, "missing or invalid request method");
		return 400;
	}
	strcpy(r->method, method);

	if (!uri || !*uri) {
		/* Without REQUEST_URI (a non-nginx client), SCRIPT_NAME + PATH_INFO. */
		const char *sn = get(ctx, "SCRIPT_NAME"), *pi = get(ctx, "PATH_INFO");
		size_t a = sn ? strlen(sn) : 0, b = pi ? strlen(pi) : 0;
		if (a + b == 0) {
			snprintf(err, errlen, "missing request path");
			return 400;
		}
		if (a + b > REQUEST_URI_MAX) {
			snprintf(err, errlen, "request URI too long");
			return 414;
		}
		r->path = malloc(a + b + 1);
		if (!r->path)
			goto nomem;
		memcpy(r->path, sn ? sn : "", a);
		memcpy(r->path + a, pi ? pi : "", b);
		r->path[a + b] = 0;
		r->query = strdup(query ? query : "");
	} else {
		size_t n = strlen(uri);
		if (n > REQUEST_URI_MAX) {
			snprintf(err, errlen, "request URI too long");
			return 414;
		}
		const char *q = strchr(uri, '?');
		size_t pl = q ? (size_t)(q - uri) : n;
		r->path = strndup(uri, pl);
		r->query = strdup(q ? q + 1 : "");
	}
	if (!r->path || !r->query)
		goto nomem;

	if (dup_checked(&r->host, get(ctx, "HTTP_HOST")) ||
	    dup_checked(&r->authorization, get(ctx, "HTTP_AUTHORIZATION")) ||
	    dup_checked(&r->origin, get(ctx, "HTTP_ORIGIN")) ||
	    dup_checked(&r->content_type, get(ctx, "CONTENT_TYPE")) ||
	    dup_checked(&r->remote_addr, get(ctx, "REMOTE_ADDR")) ||
	    dup_checked(&r->internal_app, get(ctx, "APP_ID")) ||
	    dup_checked(&r->cookie, get(ctx, "HTTP_COOKIE")) ||
	    dup_checked(&r->requested_with, get(ctx, "HTTP_X_REQUESTED_WITH")) ||
	    dup_checked(&r->last_event_id, get(ctx, "HTTP_LAST_EVENT_ID")))
		goto nomem;

	rc = request_content_length(get(ctx, "CONTENT_LENGTH"), max_body, &r->content_length);
	if (rc == -1) {
		snprintf(err, errlen, "invalid Content-Length");
		return 400;
	}
	if (rc == -2) {
		snprintf(err, errlen, "request body larger than %ld bytes", max_body);
		return 413;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return 503;
}

void request_free(struct request *r)
{
	free(r->path);
	free(r->query);
	free(r->host);
	free(r->authorization);
	free(r->origin);
	free(r->content_type);
	free(r->remote_addr);
	free(r->internal_app);
	free(r->cookie);
	free(r->requested_with);
	free(r->last_event_id);
	free(r->body);
	memset(r, 0, sizeof *r);
}

/* Percent-decodes s[0..n) into out; -1 when malformed, a NUL, or too long. */
static int decode(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;
			if (i + 2 >= n)
				return -1;
			hi = util_hexval(s[i + 1]);
			lo = util_hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == 0 || o + 1 >= outlen)
			return -1;
		out[o++] = c;
	}
	if (outlen == 0)
		return -1;
	out[o] = 0;
	return 0;
}

int query_get(const char *query, const char *key, char *out, size_t outlen)
{
	char name[64];
	int found = 0;
	const char *p = query ? query : "";

	while (*p) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		size_t kl = eq ? (size_t)(eq - p) : len;
		if (len > 0) {
			if (decode(p, kl, name, sizeof name) < 0) {
				p += len;
				if (*p)
					p++;
				continue; /* a key we cannot read is not ours */
			}
			if (strcmp(name, key) == 0) {
				if (found)
					return -1;
				found = 1;
				if (decode(eq ? eq + 1 : p + len, eq ? len - kl - 1 : 0, out,
					   outlen) < 0)
					return -1;
			}
		}
		p += len;
		if (*p)
			p++;
	}
	return found;
}

const char *request_bearer(const char *authz)
{
	const char *t;
	if (!authz || strncasecmp(authz, "Bearer", 6) != 0 || (authz[6] != ' '))
		return NULL;
	t = authz + 6;
	while (*t == ' ')
		t++;
	if (!*t)
		return NULL;
	for (const char *p = t; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || strchr("-._~+/=", c);
		if (!ok)
			return NULL;
	}
	return t;
}

int request_cookie(const char *header, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	int found = 0;

	for (const char *p = header; p && *p;) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		while (len && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			if (found || len - nl - 1 >= outlen)
				return -1; /* twice, or longer than any value we set */
			memcpy(out, p + nl + 1, len - nl - 1);
			out[len - nl - 1] = 0;
			found = 1;
		}
		p = end ? end + 1 : NULL;
	}
	return found;
}
