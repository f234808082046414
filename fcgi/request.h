/* request.h: what a worker keeps of one FastCGI request, parsed and bounded.
 *
 * Pure: the parameters come through a getter callback so that this file unit-tests
 * without FastCGI. Every string is a private copy (FastCGI's die at the next accept).
 * The struct owns its strings and body; request_free() releases them. */
#ifndef AF_REQUEST_H
#define AF_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#define REQUEST_ID_MAX 64    /* longest X-Request-Id we accept or make */
#define REQUEST_URI_MAX 8192 /* longer: 414 */

struct request {
	char method[16];
	char *path;           /* without the query string, never NULL after parse */
	char *query;          /* after '?', "" when none */
	char *host;           /* may be NULL */
	char *authorization;  /* may be NULL */
	char *origin;         /* may be NULL */
	char *content_type;   /* may be NULL */
	char *remote_addr;    /* may be NULL */
	char *internal_app;   /* APP_ID: set only by nginx's internal resolve location */
	char *cookie;         /* the Cookie header, may be NULL */
	char *requested_with; /* X-Requested-With, may be NULL */
	char *last_event_id;  /* Last-Event-ID (server-sent events), may be NULL */
	int conn_fd;          /* the FastCGI connection (set by the worker; -1 else) */
	int fcgi_id;          /* its FastCGI request id (set by the worker) */
	char request_id[REQUEST_ID_MAX + 1];
	long content_length; /* 0 when absent */
	char *body;          /* content_length bytes + a NUL, or NULL when 0 */
};

typedef const char *(*request_getter)(void *ctx, const char *name);

/* Fills r from the parameters (REQUEST_METHOD, REQUEST_URI or SCRIPT_NAME+PATH_INFO,
 * QUERY_STRING, HTTP_HOST, HTTP_AUTHORIZATION, HTTP_ORIGIN, CONTENT_TYPE, CONTENT_LENGTH,
 * REMOTE_ADDR, REQUEST_ID, APP_ID, HTTP_COOKIE, HTTP_X_REQUESTED_WITH). Returns 0, or the
 * HTTP status to answer with (400, 413, 414)
 * with a message in err; r is then still safe to free. The request id is taken from
 * REQUEST_ID when valid, else generated. The body is NOT read here. */
int request_parse(struct request *r, request_getter get, void *ctx, long max_body, char *err,
		  size_t errlen);
void request_free(struct request *r);

/* "123" -> 123. Returns 0; -1 for anything that is not a plain decimal (400);
 * -2 when larger than max (413). */
int request_content_length(const char *s, long max, long *out);

/* Accepts 1..REQUEST_ID_MAX characters of [A-Za-z0-9._-]. */
bool request_id_valid(const char *s);

/* Writes 32 random hex characters and a NUL into out (33 bytes). */
void request_id_generate(char *out);

/* Looks for key in a query string (a=1&b=x%20y). Returns 1 and the percent-decoded
 * value in out; 0 when absent; -1 when malformed (bad escape, NUL, too long for out,
 * or the key given twice). */
int query_get(const char *query, const char *key, char *out, size_t outlen);

/* If authz is "Bearer <token>" (scheme case-insensitive), returns a pointer to the
 * token inside authz; else NULL. The token must be token68 characters. */
const char *request_bearer(const char *authz);

/* Looks for the cookie name in a Cookie header ("a=1; b=2"). Returns 1 with its value
 * in out; 0 when absent (or header is NULL); -1 when it is there twice or its value
 * does not fit in out. */
int request_cookie(const char *header, const char *name, char *out, size_t outlen);

#endif
