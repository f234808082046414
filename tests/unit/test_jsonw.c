/* test_jsonw.c: the direct JSON writer prints exactly what json-c prints with the flags
 * of the API answers (PLAIN | NOSLASHESCAPE): escapes, UTF-8 (valid or not), integers,
 * times, null, and out of memory. */
#include "tap.h"
#include "jsonw.h"
#include "util.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const int FLAGS = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;

/* Whether jsonw_string_len prints s like json-c prints the same string. */
static int same_as_jsonc(const char *s, size_t len)
{
	struct strbuf b = { 0 };
	struct json_object *o = json_object_new_string_len(s, (int)len);
	const char *want = json_object_to_json_string_ext(o, FLAGS);
	char *got;
	int same;

	jsonw_string_len(&b, s, len);
	got = strbuf_take(&b);
	same = got && want && strcmp(got, want) == 0;
	if (!same)
		printf("# want %s\n# got  %s\n", want, got ? got : "(null)");
	free(got);
	json_object_put(o);
	return same;
}

static char *take(void (*w)(struct strbuf *, long long), long long v)
{
	struct strbuf b = { 0 };
	w(&b, v);
	return strbuf_take(&b);
}

static void test_escapes(void)
{
	int all = 1;
	char one[2] = { 0, 0 };
	char *got;
	struct strbuf b = { 0 };

	for (int c = 1; c < 256; c++) {
		one[0] = (char)c;
		all &= same_as_jsonc(one, 1);
	}
	ok(all, "each byte 1..255 alone is escaped as json-c escapes it");
	jsonw_string_len(&b, "a\"b\\c/d\n\t\x01\x1f\x7f", 12);
	got = strbuf_take(&b);
	ok(got && strcmp(got, "\"a\\\"b\\\\c/d\\n\\t\\u0001\\u001f\x7f\"") == 0,
	   "quote, backslash, slash kept, controls as \\u00xx lower case, DEL raw: %s", got);
	free(got);
	ok(same_as_jsonc("", 0), "the empty string");
	ok(same_as_jsonc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14),
	   "UTF-8 passes unchanged");
	ok(same_as_jsonc("\xc3\x28 \xa0\xa1 \xc0\xaf \xed\xa0\x80 \xff", 14),
	   "invalid UTF-8 (bad continuation, lone, overlong, surrogate, 0xff) passes as json-c passes it");
	ok(same_as_jsonc("a\0b", 3), "an embedded NUL in a counted string");
}

static void test_random(void)
{
	unsigned long long x = 0x9e3779b97f4a7c15ULL;
	char s[64];
	int all = 1;

	for (int i = 0; i < 20000 && all; i++) {
		size_t len = (size_t)(i % 64);
		for (size_t j = 0; j < len; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* half the bytes from the troublesome low range */
			s[j] = (char)(x & 1 ? (x >> 8) % 0x24 : (x >> 8) % 256);
		}
		all &= same_as_jsonc(s, len);
	}
	ok(all, "20000 random strings (controls, quotes, high bytes) match json-c");
}

static void test_values(void)
{
	static const long long ints[] = {
		0, 1, -1, 42, 65535, -2147483648LL, INT64_MAX, INT64_MIN
	};
	struct strbuf b = { 0 };
	char *got;
	int all = 1;

	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		struct json_object *o = json_object_new_int64(ints[i]);
		got = take(jsonw_int, ints[i]);
		all &= got && strcmp(got, json_object_to_json_string_ext(o, FLAGS)) == 0;
		free(got);
		json_object_put(o);
	}
	ok(all, "integers from INT64_MIN to INT64_MAX as json-c prints them");
	got = take(jsonw_time, 1795878245);
	ok(got && strcmp(got, "\"2026-11-28T15:04:05Z\"") == 0, "a time: %s", got);
	free(got);
	got = take(jsonw_time, 0);
	ok(got && strcmp(got, "null") == 0, "time 0 is null");
	free(got);
	jsonw_string(&b, NULL);
	got = strbuf_take(&b);
	ok(got && strcmp(got, "null") == 0, "a NULL string is null");
	free(got);
	{
		struct json_object *o =
			json_tokener_parse("{\"a\":[1,\"x/y\",null],\"b\":{\"c\":true}}");
		jsonw_object(&b, o);
		got = strbuf_take(&b);
		ok(got && strcmp(got, "{\"a\":[1,\"x/y\",null],\"b\":{\"c\":true}}") == 0,
		   "a json-c value inside: %s", got);
		free(got);
		json_object_put(o);
	}
}

static void test_oom(void)
{
	struct strbuf b = { 0 };

	b.oom = 1;
	jsonw_string(&b, "x");
	jsonw_int(&b, 5);
	ok(strbuf_take(&b) == NULL, "out of memory stays out of memory: no partial text");
}

int main(void)
{
	test_escapes();
	test_random();
	test_values();
	test_oom();
	return tap_done();
}
