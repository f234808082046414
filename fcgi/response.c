/* response.c: building and serialising one response (see response.h). */
#include "fcgi/response.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/util.h"

static const char oom_body[] =
	"{\"error\":{\"code\":\"unavailable\",\"message\":\"out of memory\"}}";

const char *response_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

static void set_body(struct response *r, int status, const char *ctype, const char *data,
		     size_t len)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
	r->status = status;
	r->content_type = ctype;
	if (!data)
		return;
	r->body = malloc(len + 1);
	if (!r->body) {
		r->status = 503;
		r->content_type = "application/json";
		r->body = strdup(oom_body);
		r->body_len = r->body ? strlen(oom_body) : 0;
		return;
	}
	memcpy(r->body, data, len);
	r->body[len] = 0;
	r->body_len = len;
}

void response_json(struct response *r, int status, struct json_object *obj)
{
	size_t len = 0;
	const char *s = obj ? json_object_to_json_string_length(obj,
								JSON_C_TO_STRING_NOSLASHESCAPE |
									JSON_C_TO_STRING_PLAIN,
								&len)
			    : NULL;
	if (!s)
		set_body(r, 503, "application/json", oom_body, strlen(oom_body));
	else
		set_body(r, status, "application/json", s, len);
	json_object_put(obj);
}

void response_json_text(struct response *r, int status, struct strbuf *b)
{
	size_t len = b->len;
	char *text = strbuf_take(b);

	if (!text) {
		set_body(r, 503, "application/json", oom_body, strlen(oom_body));
		return;
	}
	set_body(r, status, "application/json", NULL, 0);
	r->body = text;
	r->body_len = len;
}

void response_error(struct response *r, int status, const char *code, const char *message)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();
	if (o && e) {
		json_object_object_add(e, "code", json_object_new_string(code));
		json_object_object_add(e, "message", json_object_new_string(message));
		json_object_object_add(o, "error", e);
		e = NULL;
	}
	json_object_put(e);
	response_json(r, status, o);
	snprintf(r->error_code, sizeof r->error_code, "%s", code);
	if (status == 401)
		response_header(r, "WWW-Authenticate", "Bearer");
}

void response_text(struct response *r, int status, const char *content_type, const char *data,
		   size_t len)
{
	set_body(r, status, content_type, data ? data : "", data ? len : 0);
}

void response_empty(struct response *r, int status)
{
	set_body(r, status, NULL, NULL, 0);
}

void response_header(struct response *r, const char *name, const char *value)
{
	size_t n = strlen(r->headers);
	int w;
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return;
	w = snprintf(r->headers + n, sizeof r->headers - n, "%s: %s\r\n", name, value);
	if (w < 0 || (size_t)w >= sizeof r->headers - n)
		r->headers[n] = 0;
}

/* Appends n bytes at *p when they fit before end; a miss makes *p NULL for good. */
static void put(char **p, const char *end, const char *s, size_t n)
{
	if (!*p || (size_t)(end - *p) < n) {
		*p = NULL;
		return;
	}
	memcpy(*p, s, n);
	*p += n;
}

static void put_str(char **p, const char *end, const char *s)
{
	put(p, end, s, strlen(s));
}

static void put_uint(char **p, const char *end, unsigned long long v)
{
	char digits[UTIL_UINT_BUFSZ];

	put(p, end, digits, util_uint_format(v, digits));
}

#define PUT_LIT(p, end, lit) put((p), (end), lit, sizeof(lit) - 1)

/* Put together by hand: snprintf's format parsing was a visible part of a small
 * answer's cost. */
size_t response_head(const struct response *r, const char *request_id, char *out, size_t size)
{
	int status = r->status ? r->status : 500;
	char *p = out;
	const char *end = out + size;

	if (status < 100 || status > 999)
		status = 500;
	PUT_LIT(&p, end, "Status: ");
	put_uint(&p, end, (unsigned)status);
	PUT_LIT(&p, end, " ");
	put_str(&p, end, response_reason(status));
	PUT_LIT(&p, end, "\r\n");
	if (r->content_type) {
		PUT_LIT(&p, end, "Content-Type: ");
		put_str(&p, end, r->content_type);
		PUT_LIT(&p, end, "\r\n");
	}
	/* With its length, nginx passes the body on as it is instead of in chunks. */
	if (!r->stream && status != 204 && status != 304) {
		PUT_LIT(&p, end, "Content-Length: ");
		put_uint(&p, end, r->body_len);
		PUT_LIT(&p, end, "\r\n");
	}
	PUT_LIT(&p, end, "X-Request-Id: ");
	put_str(&p, end, request_id);
	PUT_LIT(&p, end, "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n");
	put_str(&p, end, r->headers);
	PUT_LIT(&p, end, "\r\n");
	return p ? (size_t)(p - out) : 0;
}

char *response_serialize(const struct response *r, const char *request_id, size_t *len)
{
	char head[RESPONSE_HEAD_MAX];
	size_t hl = response_head(r, request_id, head, sizeof head);
	char *out;

	if (!hl)
		return NULL;
	out = malloc(hl + r->body_len + 1);
	if (!out)
		return NULL;
	memcpy(out, head, hl);
	if (r->body_len)
		memcpy(out + hl, r->body, r->body_len);
	out[hl + r->body_len] = 0;
	*len = hl + r->body_len;
	return out;
}

void response_free(struct response *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
}
