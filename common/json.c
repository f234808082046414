/* json.c: strict parsing of untrusted JSON and typed getters (see json.h). */
#include "json.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Scans the raw text once, outside json-c: rejects single-quoted strings and \u0000
 * (both accepted by json-c STRICT), and counts the ':' that separate object members so
 * duplicate keys can be detected after parsing (json-c keeps only the last). */
static int prescan(const char *buf, size_t len, size_t *members, char *err, size_t errlen)
{
	int in_str = 0;

	*members = 0;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (in_str) {
			if (c == '\\') {
				if (i + 5 < len && buf[i + 1] == 'u' &&
				    memcmp(buf + i + 2, "0000", 4) == 0) {
					snprintf(err, errlen,
						 "invalid JSON: \\u0000 is not allowed in strings");
					return -1;
				}
				i++;
			} else if (c == '"') {
				in_str = 0;
			}
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '\'') {
			snprintf(
				err, errlen,
				"invalid JSON at offset %zu: single-quoted strings are not allowed",
				i);
			return -1;
		} else if (c == ':') {
			(*members)++;
		}
	}
	return 0;
}

/* Walks the parsed tree: counts object members and rejects NaN, Infinity and integers
 * that json-c saturated. */
static int walk(struct json_object *o, size_t *members, char *err, size_t errlen)
{
	switch (json_object_get_type(o)) {
	case json_type_double:
		if (!isfinite(json_object_get_double(o))) {
			snprintf(err, errlen, "invalid JSON: NaN and Infinity are not numbers");
			return -1;
		}
		return 0;
	case json_type_int: {
		int64_t v = json_object_get_int64(o);
		if (v == INT64_MAX || v == INT64_MIN) {
			snprintf(err, errlen, "invalid JSON: integer out of range");
			return -1;
		}
		return 0;
	}
	case json_type_object: {
		json_object_object_foreach (o, k, v) {
			(void)k;
			(*members)++;
			if (walk(v, members, err, errlen) < 0)
				return -1;
		}
		return 0;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			if (walk(json_object_array_get_idx(o, i), members, err, errlen) < 0)
				return -1;
		return 0;
	default: return 0;
	}
}

static struct json_object *tokenize(const char *buf, size_t len, int max_depth, char *err,
				    size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(max_depth);
	struct json_object *o;
	enum json_tokener_error e;

	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	e = json_tokener_get_error(tok);
	if (e == json_tokener_success && json_tokener_get_parse_end(tok) != len) {
		snprintf(err, errlen, "invalid JSON at offset %zu: unexpected data after the value",
			 json_tokener_get_parse_end(tok));
		json_object_put(o);
		o = NULL;
	} else if (e == json_tokener_continue) {
		snprintf(err, errlen,
			 "invalid JSON: incomplete document (a body must be an object or array)");
	} else if (e != json_tokener_success) {
		snprintf(err, errlen, "invalid JSON at offset %zu: %s",
			 json_tokener_get_parse_end(tok), json_tokener_error_desc(e));
		json_object_put(o);
		o = NULL;
	}
	if (e == json_tokener_continue) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

struct json_object *json_parse_strict(const char *buf, size_t len, size_t max_len, int max_depth,
				      char *err, size_t errlen)
{
	struct json_object *o;
	size_t text_members, tree_members = 0;

	if (len > max_len || len > (size_t)INT32_MAX) {
		snprintf(err, errlen, "request body too large (limit %zu bytes)", max_len);
		return NULL;
	}
	if (len == 0) {
		snprintf(err, errlen, "invalid JSON: empty body");
		return NULL;
	}
	/* json-c's VALIDATE_UTF8 lets overlong forms such as C0 AF through */
	if (!util_utf8_valid(buf, len)) {
		snprintf(err, errlen, "invalid JSON: body is not valid UTF-8");
		return NULL;
	}
	if (prescan(buf, len, &text_members, err, errlen) < 0)
		return NULL;
	o = tokenize(buf, len, max_depth > 0 ? max_depth : JSON_DEFAULT_MAX_DEPTH, err, errlen);
	if (!o)
		return NULL;
	if (walk(o, &tree_members, err, errlen) < 0)
		goto fail;
	if (tree_members != text_members) {
		snprintf(err, errlen, "invalid JSON: duplicate keys in an object");
		goto fail;
	}
	return o;
fail:
	json_object_put(o);
	return NULL;
}

struct json_object *json_parse_object(const char *buf, size_t len, size_t max_len, int max_depth,
				      char *err, size_t errlen)
{
	struct json_object *o = json_parse_strict(buf, len, max_len, max_depth, err, errlen);

	if (o && !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "request body must be a JSON object");
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Looks key up. Returns 1 with *v when present (and not a null under NULLABLE), 0 when
 * absent and optional, -1 when absent and required or obj is not an object. */
static int lookup(struct json_object *obj, const char *key, int flags, struct json_object **v,
		  char *err, size_t errlen)
{
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "expected a JSON object");
		return -1;
	}
	if (!json_object_object_get_ex(obj, key, v) ||
	    ((flags & JSON_NULLABLE) && json_object_is_type(*v, json_type_null))) {
		if (flags & JSON_REQUIRED) {
			snprintf(err, errlen, "field '%s' is required", key);
			return -1;
		}
		return 0;
	}
	return 1;
}

int json_get_string(struct json_object *obj, const char *key, int flags, size_t max_chars,
		    const char **out, size_t *out_len, char *err, size_t errlen)
{
	struct json_object *v;
	const char *s;
	size_t n;
	int r = lookup(obj, key, flags, &v, err, errlen);

	if (r <= 0)
		return r;
	if (!json_object_is_type(v, json_type_string))
		goto bad;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (strlen(s) != n || (max_chars && util_utf8_chars(s, n) > max_chars))
		goto bad;
	if ((flags & JSON_NONEMPTY) && n == 0) {
		snprintf(err, errlen, "field '%s' must not be empty", key);
		return -1;
	}
	*out = s;
	if (out_len)
		*out_len = n;
	return 1;
bad:
	if (max_chars)
		snprintf(err, errlen, "field '%s' must be a string of at most %zu characters", key,
			 max_chars);
	else
		snprintf(err, errlen, "field '%s' must be a string", key);
	return -1;
}

int json_get_int(struct json_object *obj, const char *key, int flags, int64_t min, int64_t max,
		 int64_t *out, char *err, size_t errlen)
{
	struct json_object *v;
	int64_t x;
	int r = lookup(obj, key, flags, &v, err, errlen);

	if (r <= 0)
		return r;
	if (!json_object_is_type(v, json_type_int))
		goto bad;
	x = json_object_get_int64(v);
	if (x < min || x > max)
		goto bad;
	*out = x;
	return 1;
bad:
	snprintf(err, errlen, "field '%s' must be an integer between %lld and %lld", key,
		 (long long)min, (long long)max);
	return -1;
}

int json_get_bool(struct json_object *obj, const char *key, int flags, int *out, char *err,
		  size_t errlen)
{
	struct json_object *v;
	int r = lookup(obj, key, flags, &v, err, errlen);

	if (r <= 0)
		return r;
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(err, errlen, "field '%s' must be true or false", key);
		return -1;
	}
	*out = json_object_get_boolean(v) ? 1 : 0;
	return 1;
}

static int get_typed(struct json_object *obj, const char *key, int flags, enum json_type type,
		     const char *what, struct json_object **out, char *err, size_t errlen)
{
	struct json_object *v;
	int r = lookup(obj, key, flags, &v, err, errlen);

	if (r <= 0)
		return r;
	if (!json_object_is_type(v, type)) {
		snprintf(err, errlen, "field '%s' must be %s", key, what);
		return -1;
	}
	*out = v;
	return 1;
}

int json_get_object(struct json_object *obj, const char *key, int flags, struct json_object **out,
		    char *err, size_t errlen)
{
	return get_typed(obj, key, flags, json_type_object, "an object", out, err, errlen);
}

int json_get_array(struct json_object *obj, const char *key, int flags, struct json_object **out,
		   char *err, size_t errlen)
{
	return get_typed(obj, key, flags, json_type_array, "an array", out, err, errlen);
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

int json_get_enum(struct json_object *obj, const char *key, int flags, const char *const *allowed,
		  const char **out, char *err, size_t errlen)
{
	const char *s;
	char opts[256] = "";
	size_t o = 0;
	int r = json_get_string(obj, key, flags & ~JSON_NONEMPTY, 0, &s, NULL, err, errlen);

	if (r <= 0)
		return r;
	if (in_list(s, allowed)) {
		*out = s;
		return 1;
	}
	for (const char *const *a = allowed; *a && o < sizeof opts; a++)
		o += (size_t)snprintf(opts + o, sizeof opts - o, "%s'%s'", o ? ", " : "", *a);
	snprintf(err, errlen, "field '%s' must be one of %s", key, opts);
	return -1;
}

int json_check_keys(struct json_object *obj, const char *const *allowed, char *err, size_t errlen)
{
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "expected a JSON object");
		return -1;
	}
	json_object_object_foreach (obj, k, v) {
		(void)v;
		if (!in_list(k, allowed)) {
			char shown[64];
			util_copy(shown, sizeof shown, k);
			snprintf(err, errlen, "unknown field '%s'", shown);
			return -1;
		}
	}
	return 0;
}

const char *json_to_string(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
}

struct json_object *json_new_string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}
