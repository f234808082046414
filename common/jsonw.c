/* jsonw.c: JSON text into a strbuf (see jsonw.h). */
#include "common/jsonw.h"

#include <json-c/json.h>
#include <string.h>

#include "common/util.h"

/* The escape of byte c, or NULL when it goes out as it is. */
static const char *escape_of(unsigned char c, char tmp[7])
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\b': return "\\b";
	case '\f': return "\\f";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	default:
		if (c >= 0x20)
			return NULL;
		memcpy(tmp, "\\u00", 4);
		tmp[4] = hex[c >> 4];
		tmp[5] = hex[c & 0xf];
		tmp[6] = '\0';
		return tmp;
	}
}

void jsonw_string_len(struct strbuf *b, const char *s, size_t len)
{
	size_t run = 0;
	char tmp[7];

	strbuf_add(b, "\"", 1);
	/* Runs of bytes that need no escape are copied in one piece. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = c >= 0x20 && c != '"' && c != '\\' ? NULL : escape_of(c, tmp);

		if (!e)
			continue;
		strbuf_add(b, s + run, i - run);
		strbuf_puts(b, e);
		run = i + 1;
	}
	strbuf_add(b, s + run, len - run);
	strbuf_add(b, "\"", 1);
}

void jsonw_string(struct strbuf *b, const char *s)
{
	if (!s)
		strbuf_add(b, "null", 4);
	else
		jsonw_string_len(b, s, strlen(s));
}

void jsonw_int(struct strbuf *b, long long v)
{
	char digits[UTIL_UINT_BUFSZ];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	if (v < 0)
		strbuf_add(b, "-", 1);
	strbuf_add(b, digits, util_uint_format(u, digits));
}

void jsonw_time(struct strbuf *b, long long t)
{
	char buf[TIME_RFC3339_BUFSZ];

	if (t == 0 || util_time_format(t, buf, sizeof buf) < 0)
		strbuf_add(b, "null", 4);
	else
		jsonw_string(b, buf);
}

void jsonw_object(struct strbuf *b, struct json_object *o)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	if (!s)
		b->oom = 1;
	else
		strbuf_add(b, s, len);
}
