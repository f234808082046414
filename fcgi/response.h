/* response.h: one HTTP response built in memory, then written out in one piece.
 *
 * Handlers fill a struct response; the worker serialises it with the headers every
 * API answer carries (X-Request-Id, Cache-Control: no-store). Building never fails
 * visibly: on out-of-memory the response degrades to a fixed 503 JSON error.
 * The struct owns its body; response_free() releases it. */
#ifndef AF_RESPONSE_H
#define AF_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

#define RESPONSE_HEADERS_MAX 1024

struct response {
	int status;               /* 0 until a handler answers */
	const char *content_type; /* static string */
	char *body;               /* owned, may be NULL */
	size_t body_len;
	char headers[RESPONSE_HEADERS_MAX]; /* extra "Name: value\r\n" lines */
	char error_code[48];                /* for the access log: the error code, if any */
	bool handed_off;                    /* the connection went to another process (a log
	                                     stream): the worker writes nothing */
	bool stream;                        /* only the head: an unbounded body follows, so
	                                     no Content-Length (else it is always sent) */
};

/* The reason phrase of a status ("Not Found"); "Unknown" for others. */
const char *response_reason(int status);

/* Serialises obj (JSON_C_TO_STRING_NOSLASHESCAPE) as the body. Takes ownership of obj
 * (it is put) in every case. */
void response_json(struct response *r, int status, struct json_object *obj);

/* A JSON body already written as text into b (common/jsonw.h): taken over without a
 * copy; b is left empty. Out of memory in b (strbuf's sticky flag) answers the 503. */
struct strbuf;
void response_json_text(struct response *r, int status, struct strbuf *b);

/* {"error":{"code":code,"message":message}}. 401 adds WWW-Authenticate: Bearer. */
void response_error(struct response *r, int status, const char *code, const char *message);

/* A body of another type (copied). */
void response_text(struct response *r, int status, const char *content_type, const char *data,
		   size_t len);

/* No body (204). */
void response_empty(struct response *r, int status);

/* Adds a header line; name and value must be free of CR/LF (checked: such a header
 * is dropped). Silently dropped when the header area is full. */
void response_header(struct response *r, const char *name, const char *value);

/* The head of the FastCGI output: "Status: ...\r\n", the headers, the blank line,
 * into out. Returns its length, or 0 when it does not fit in size (RESPONSE_HEAD_MAX
 * always fits; a request id is at most REQUEST_ID_MAX). */
#define RESPONSE_HEAD_MAX (RESPONSE_HEADERS_MAX + 512)
size_t response_head(const struct response *r, const char *request_id, char *out, size_t size);

/* The full FastCGI output: the head, then the body. Returns a malloc'ed buffer the
 * caller frees, and its length in *len; NULL on out-of-memory. */
char *response_serialize(const struct response *r, const char *request_id, size_t *len);

void response_free(struct response *r);

#endif
