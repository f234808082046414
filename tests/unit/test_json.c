/* test_json.c: strict parsing of hostile bodies and the typed getters' messages. */
#include "tap.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

static char err[256];

static int rejects(const char *body, size_t len, const char *what)
{
	struct json_object *o = json_parse_strict(body, len, 1 << 20, 16, err, sizeof err);
	int r = o == NULL && err[0];

	json_object_put(o);
	return ok(r, "rejects %s (%s)", what, r ? err : "accepted");
}

static int accepts(const char *body, const char *what)
{
	struct json_object *o = json_parse_strict(body, strlen(body), 1 << 20, 16, err, sizeof err);
	int r = o != NULL;

	json_object_put(o);
	return ok(r, "accepts %s", what);
}

#define REJ(s, what) rejects(s, sizeof(s) - 1, what)

static void test_parse(void)
{
	char *deep, *big;

	accepts("{\"a\":1,\"b\":[true,null,\"x\\u00e9\"],\"c\":{\"d\":-2.5e3}}",
		"a normal document");
	accepts("  [1, 2]  \n", "an array with surrounding whitespace");
	accepts("{\"k\":\"it's fine: 'quotes' inside strings\"}", "single quotes inside a string");
	accepts("{\"a\":{\"x\":1},\"b\":{\"x\":2}}", "the same key in different objects");
	REJ("", "an empty body");
	REJ("{\"a\":1", "a truncated object");
	REJ("42", "a bare number at top level");
	REJ("{\"a\":1} {\"b\":2}", "two documents");
	REJ("{\"a\":1}\0{\"b\":2}", "an embedded NUL after the value");
	REJ("{\"a\":NaN}", "NaN");
	REJ("{\"a\":Infinity}", "Infinity");
	REJ("{\"a\":-Infinity}", "-Infinity");
	REJ("{\"a\":1e999}", "a number overflowing to infinity");
	REJ("{\"a\":99999999999999999999999}", "an integer json-c would saturate");
	REJ("{'a':1}", "a single-quoted key");
	REJ("{\"a\":'x'}", "a single-quoted value");
	REJ("{\"a\":1,\"a\":2}", "a duplicate key");
	REJ("{\"o\":{\"a\":{\"x\":1},\"a\":{\"y\":2,\"z\":3}}}", "a nested duplicate key");
	REJ("{\"a\":\"x\\u0000y\"}", "\\u0000 in a string");
	REJ("{\"a\\u0000b\":1}", "\\u0000 in a key");
	REJ("{\"a\":\"\xc0\xaf\"}", "invalid UTF-8");
	REJ("{\"a\":1,}", "a trailing comma");
	REJ("{a:1}", "an unquoted key");
	REJ("{\"a\":tru}", "a misspelled literal");
	REJ("{\"a\":01}", "a leading zero");
	REJ("/* c */{}", "a comment");
	deep = malloc(200);
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	rejects(deep, 200, "nesting deeper than the cap");
	free(deep);
	big = malloc(2000);
	memset(big, ' ', 2000);
	big[0] = '{';
	big[1999] = '}';
	{
		struct json_object *o = json_parse_strict(big, 2000, 1000, 16, err, sizeof err);
		ok(!o && strstr(err, "too large"), "size cap checked before parsing");
		json_object_put(o);
	}
	free(big);
	{
		struct json_object *o = json_parse_object("[1]", 3, 100, 4, err, sizeof err);
		ok(!o && strstr(err, "must be a JSON object"), "json_parse_object wants an object");
	}
}

static void test_getters(void)
{
	const char *body =
		"{\"name\":\"h\xc3\xa9llo\",\"n\":5,\"f\":2.9,\"s\":\"123abc\",\"b\":true,"
		"\"z\":null,\"o\":{},\"a\":[],\"e\":\"\",\"role\":\"admin\"}";
	struct json_object *o = json_parse_object(body, strlen(body), 4096, 8, err, sizeof err),
			   *sub;
	const char *s;
	size_t len;
	int64_t n;
	int b;
	static const char *const roles[] = { "user", "admin", NULL };
	static const char *const keys[] = { "name", "n", NULL };

	ok(o != NULL, "getter fixture parses");
	if (!o)
		return;
	ok(json_get_string(o, "name", JSON_REQUIRED, 5, &s, &len, err, sizeof err) == 1 &&
		   len == 6 && strcmp(s, "h\xc3\xa9llo") == 0,
	   "string of 5 characters (6 bytes) fits a 5-character limit");
	ok(json_get_string(o, "name", JSON_REQUIRED, 4, &s, &len, err, sizeof err) == -1 &&
		   strcmp(err, "field 'name' must be a string of at most 4 characters") == 0,
	   "too long: \"%s\"", err);
	ok(json_get_string(o, "n", JSON_REQUIRED, 0, &s, NULL, err, sizeof err) == -1 &&
		   strcmp(err, "field 'n' must be a string") == 0,
	   "number is not a string");
	ok(json_get_string(o, "missing", JSON_OPTIONAL, 10, &s, NULL, err, sizeof err) == 0,
	   "optional absent returns 0");
	ok(json_get_string(o, "missing", JSON_REQUIRED, 10, &s, NULL, err, sizeof err) == -1 &&
		   strcmp(err, "field 'missing' is required") == 0,
	   "required absent");
	ok(json_get_string(o, "e", JSON_REQUIRED | JSON_NONEMPTY, 10, &s, NULL, err, sizeof err) ==
			   -1 &&
		   strstr(err, "must not be empty"),
	   "empty string refused when NONEMPTY");
	ok(json_get_string(o, "z", JSON_NULLABLE, 10, &s, NULL, err, sizeof err) == 0 &&
		   json_get_string(o, "z", JSON_OPTIONAL, 10, &s, NULL, err, sizeof err) == -1,
	   "null counts as absent only when NULLABLE");
	ok(json_get_int(o, "n", JSON_REQUIRED, 1, 10, &n, err, sizeof err) == 1 && n == 5,
	   "integer in bounds");
	ok(json_get_int(o, "n", JSON_REQUIRED, 6, 10, &n, err, sizeof err) == -1 &&
		   strcmp(err, "field 'n' must be an integer between 6 and 10") == 0,
	   "integer out of bounds");
	ok(json_get_int(o, "f", JSON_REQUIRED, 0, 10, &n, err, sizeof err) == -1,
	   "2.9 is not an integer");
	ok(json_get_int(o, "s", JSON_REQUIRED, 0, 1000, &n, err, sizeof err) == -1,
	   "\"123abc\" is not an integer");
	ok(json_get_bool(o, "b", JSON_REQUIRED, &b, err, sizeof err) == 1 && b == 1, "bool");
	ok(json_get_bool(o, "n", JSON_REQUIRED, &b, err, sizeof err) == -1, "5 is not a bool");
	ok(json_get_object(o, "o", JSON_REQUIRED, &sub, err, sizeof err) == 1 &&
		   json_get_object(o, "a", JSON_REQUIRED, &sub, err, sizeof err) == -1 &&
		   json_get_array(o, "a", JSON_REQUIRED, &sub, err, sizeof err) == 1,
	   "object and array types");
	ok(json_get_enum(o, "role", JSON_REQUIRED, roles, &s, err, sizeof err) == 1 &&
		   strcmp(s, "admin") == 0,
	   "enum value");
	ok(json_get_enum(o, "name", JSON_REQUIRED, roles, &s, err, sizeof err) == -1 &&
		   strcmp(err, "field 'name' must be one of 'user', 'admin'") == 0,
	   "enum refusal lists choices");
	ok(json_check_keys(o, keys, err, sizeof err) == -1 && strstr(err, "unknown field"),
	   "unknown keys refused");
	ok(strcmp(json_to_string(sub), "[]") == 0, "serialize");
	json_object_put(o);
	{
		struct json_object *p =
			json_parse_object("{\"u\":\"a/b\"}", 11, 100, 4, err, sizeof err);
		ok(p && strcmp(json_to_string(p), "{\"u\":\"a/b\"}") == 0,
		   "slashes are not escaped");
		json_object_put(p);
	}
}

/* Mutates a seed document 20000 times with a fixed-seed generator: the parser must
 * never crash (ASan watches) and whatever it accepts must serialize and parse back. */
static void test_mutations(void)
{
	static const char seed[] = "{\"name\":\"Todo\",\"n\":[1,2.5,-3e2,true,null],"
				   "\"o\":{\"k\":\"v\\u00e9\\n\"}}";
	static const char alphabet[] = "{}[]:,\"\\'0123456789.eE+-tfnulNaIy \t\n\x01\xc3\xa9\xff";
	unsigned long long x = 0x9e3779b97f4a7c15ULL;
	char buf[sizeof seed + 8];
	int accepted = 0, roundtrip_ok = 1;

	for (int i = 0; i < 20000; i++) {
		size_t len = sizeof seed - 1;
		memcpy(buf, seed, len);
		for (int m = 0; m < 1 + i % 3; m++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[x % len] = alphabet[(x >> 32) % (sizeof alphabet - 1)];
		}
		if (i % 5 == 0)
			len = (x >> 40) % len;
		struct json_object *o = json_parse_strict(buf, len, 1 << 20, 16, err, sizeof err);
		if (!o)
			continue;
		accepted++;
		const char *out = json_to_string(o);
		struct json_object *back =
			json_parse_strict(out, strlen(out), 1 << 20, 16, err, sizeof err);
		if (!back)
			roundtrip_ok = 0;
		json_object_put(back);
		json_object_put(o);
	}
	ok(accepted > 0 && roundtrip_ok,
	   "20000 mutated bodies: no crash, %d accepted, all round-trip", accepted);
}

int main(void)
{
	test_parse();
	test_mutations();
	test_getters();
	return tap_done();
}
