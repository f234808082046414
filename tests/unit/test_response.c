/* test_response.c: building and serialising responses (fcgi/response.c). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "fcgi/response.h"
#include "tests/tap.h"

static char *ser(const struct response *r, size_t *len)
{
	return response_serialize(r, "rid-1", len);
}

int main(void)
{
	struct response r;
	size_t len = 0;
	char *out;

	memset(&r, 0, sizeof(r));
	response_error(&r, 404, "not_found", "no such \"thing\"");
	out = ser(&r, &len);
	ok(out && strncmp(out, "Status: 404 Not Found\r\n", 23) == 0, "status line");
	ok(out && strstr(out, "Content-Type: application/json\r\n"), "JSON content type");
	ok(out && strstr(out, "X-Request-Id: rid-1\r\n"), "X-Request-Id on every response");
	ok(out && strstr(out, "Cache-Control: no-store\r\n"), "Cache-Control: no-store");
	ok(out && strstr(out,
			 "\r\n\r\n{\"error\":{\"code\":\"not_found\",\"message\":\"no such \\\"thing\\\"\"}}"),
	   "error body shape, message escaped");
	ok(out && len == strlen(out), "length matches");
	{
		char want[48];
		snprintf(want, sizeof want, "Content-Length: %zu\r\n", r.body_len);
		ok(out && r.body_len > 0 && strstr(out, want), "Content-Length of the body");
	}
	ok(strcmp(r.error_code, "not_found") == 0, "error code kept for the access log");
	ok(out && !strstr(out, "WWW-Authenticate"), "no WWW-Authenticate on a 404");
	free(out);
	response_free(&r);

	response_error(&r, 401, "unauthorized", "x");
	out = ser(&r, &len);
	ok(out && strstr(out, "WWW-Authenticate: Bearer\r\n"),
	   "401 carries WWW-Authenticate: Bearer");
	free(out);
	response_free(&r);

	response_empty(&r, 204);
	response_header(&r, "X-Evil", "a\r\nSet-Cookie: x=1");
	response_header(&r, "Bad:Name", "v");
	response_header(&r, "Allow", "GET, DELETE");
	out = ser(&r, &len);
	ok(out && strncmp(out, "Status: 204 No Content\r\n", 24) == 0, "204");
	ok(out && !strstr(out, "\r\nContent-Type:"), "204 has no Content-Type");
	ok(out && !strstr(out, "Content-Length"), "204 has no Content-Length");
	ok(out && !strstr(out, "Set-Cookie") && !strstr(out, "X-Evil") && !strstr(out, "Bad:Name"),
	   "headers with CR/LF or ':' in the name are dropped");
	ok(out && strstr(out, "Allow: GET, DELETE\r\n"), "a normal header is kept");
	ok(out && len >= 4 && strcmp(out + len - 4, "\r\n\r\n") == 0,
	   "no body after the blank line");
	free(out);
	response_free(&r);

	{
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "url", json_object_new_string("https://a/b"));
		response_json(&r, 201, o);
		out = ser(&r, &len);
		ok(out && strstr(out, "{\"url\":\"https://a/b\"}"), "slashes are not escaped");
		ok(out && strncmp(out, "Status: 201 Created", 19) == 0, "201 Created");
		free(out);
		response_free(&r);
	}
	{
		struct strbuf b = { 0 };
		strbuf_puts(&b, "{\"apps\":[]}");
		response_json_text(&r, 200, &b);
		out = ser(&r, &len);
		ok(out && b.p == NULL && r.body_len == 11 &&
			   strstr(out, "Content-Type: application/json\r\n") && len > 11 &&
			   strcmp(out + len - 11, "{\"apps\":[]}") == 0,
		   "a body written as text is taken over as it is");
		free(out);
		response_free(&r);
		strbuf_puts(&b, "{\"half");
		b.oom = 1;
		response_json_text(&r, 200, &b);
		ok(r.status == 503 && r.body && strstr(r.body, "out of memory") && b.p == NULL,
		   "a body whose writing ran out of memory is the 503, never half a body");
		response_free(&r);
	}
	response_empty(&r, 200);
	r.content_type = "text/event-stream; charset=utf-8";
	r.stream = true;
	out = ser(&r, &len);
	ok(out && !strstr(out, "Content-Length"), "a stream's head has no Content-Length");
	free(out);
	response_free(&r);
	for (int i = 0; i < 200; i++)
		response_header(&r, "X-Filler", "0123456789012345678901234567890123456789");
	ok(strlen(r.headers) < RESPONSE_HEADERS_MAX, "header area never overflows");
	response_text(&r, 200, "text/plain; charset=utf-8", "a\0b", 3);
	out = ser(&r, &len);
	ok(out && len > 3 && memcmp(out + len - 3, "a\0b", 3) == 0, "binary-safe text body");
	free(out);
	response_free(&r);

	response_empty(&r, 0);
	out = ser(&r, &len);
	ok(out && strncmp(out, "Status: 500", 11) == 0, "a response nobody filled is a 500");
	free(out);
	response_free(&r);
	/* the head alone: the same bytes serialize puts before the body, exactly;
	 * nothing written past a buffer that is too small */
	{
		char head[RESPONSE_HEAD_MAX], small[64];
		size_t hl;

		response_text(&r, 201, "text/plain", "xyz", 3);
		response_header(&r, "Location", "/api/apps/a");
		hl = response_head(&r, "rid-2", head, sizeof head);
		out = response_serialize(&r, "rid-2", &len);
		ok(out && hl > 0 && len == hl + 3 && memcmp(out, head, hl) == 0 &&
			   memcmp(out + hl, "xyz", 3) == 0,
		   "the head is what serialize writes before the body");
		ok(out && strcmp(out,
				 "Status: 201 Created\r\nContent-Type: text/plain\r\n"
				 "Content-Length: 3\r\nX-Request-Id: rid-2\r\n"
				 "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
				 "Location: /api/apps/a\r\n\r\nxyz") == 0,
		   "a whole answer, byte for byte");
		free(out);
		memset(small, 'Z', sizeof small);
		ok(response_head(&r, "rid-2", small, sizeof small - 1) == 0 &&
			   small[sizeof small - 1] == 'Z',
		   "a head that does not fit: 0, nothing past the buffer");
		response_free(&r);
		r.status = 1234;
		hl = response_head(&r, "rid-3", head, sizeof head);
		ok(hl > 0 && strncmp(head, "Status: 500 ", 12) == 0,
		   "a status out of range is a 500");
		response_free(&r);
	}
	ok(strcmp(response_reason(413), "Content Too Large") == 0 &&
		   strcmp(response_reason(799), "Unknown") == 0,
	   "reason phrases");
	return tap_done();
}
