/* json.h: strict parsing of untrusted JSON bodies and typed field getters (json-c).
 *
 * json-c 0.16 alone accepts too much (no size cap, NaN, single quotes, last-wins
 * duplicate keys, success at an embedded NUL): this module caps the size, checks
 * UTF-8 itself (json-c's VALIDATE_UTF8 lets overlong forms through), parses with
 * STRICT | VALIDATE_UTF8 and a depth cap, requires the whole input to be consumed, and
 * also rejects single-quoted strings, NaN/Infinity, numbers that overflow, \u0000 in
 * strings or keys, and duplicate keys.
 *
 * The getters check the JSON type before reading and produce messages meant for API
 * clients, e.g. "field 'name' must be a string of at most 100 characters".
 *
 * Error convention: 0 (or 1, see getters) on success, -1 on error with a message in the
 * caller's err buffer. Ownership: json_parse_* return a new reference the caller
 * releases with json_object_put(); getters return BORROWED pointers that live as long
 * as the parent object. Include this file, not <json.h>, to get json-c as well. */
#ifndef AF_JSON_H
#define AF_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define JSON_DEFAULT_MAX_DEPTH 16

/* Parses exactly len bytes of buf (not NUL-terminated necessarily). Fails if
 * len > max_len ("request body too large"), depth > max_depth, or on any of the
 * rejections above. Returns a new object (any JSON type), or NULL with err filled. */
struct json_object *json_parse_strict(const char *buf, size_t len, size_t max_len, int max_depth,
				      char *err, size_t errlen);

/* Same, and the top-level value must be an object ("request body must be a JSON
 * object"). */
struct json_object *json_parse_object(const char *buf, size_t len, size_t max_len, int max_depth,
				      char *err, size_t errlen);

/* Flags for getters. */
#define JSON_OPTIONAL 0
#define JSON_REQUIRED 1 /* missing key is an error ("field 'x' is required") */
#define JSON_NONEMPTY 2 /* strings: "" is an error */
#define JSON_NULLABLE 4 /* a JSON null counts as absent */

/* Each getter looks up key in obj (which must be an object):
 * returns 1 and fills *out when present with the right type and within bounds;
 * returns 0 when absent and not JSON_REQUIRED (*out untouched);
 * returns -1 with a client-facing message otherwise. */

/* String of at most max_chars code points (0: no limit), no NUL inside.
 * *out is borrowed from obj; *out_len (may be NULL) receives its byte length. */
int json_get_string(struct json_object *obj, const char *key, int flags, size_t max_chars,
		    const char **out, size_t *out_len, char *err, size_t errlen);

/* Integer (a JSON number without fraction or exponent) with min <= value <= max. */
int json_get_int(struct json_object *obj, const char *key, int flags, int64_t min, int64_t max,
		 int64_t *out, char *err, size_t errlen);

/* true/false only (never 0/1 or "true"). *out is 1 or 0. */
int json_get_bool(struct json_object *obj, const char *key, int flags, int *out, char *err,
		  size_t errlen);

/* Object / array (borrowed). */
int json_get_object(struct json_object *obj, const char *key, int flags, struct json_object **out,
		    char *err, size_t errlen);
int json_get_array(struct json_object *obj, const char *key, int flags, struct json_object **out,
		   char *err, size_t errlen);

/* String that must be one of the NULL-terminated list allowed (e.g. role). */
int json_get_enum(struct json_object *obj, const char *key, int flags, const char *const *allowed,
		  const char **out, char *err, size_t errlen);

/* Fails ("unknown field 'x'") if obj has a key not in the NULL-terminated list.
 * Returns 0 or -1. */
int json_check_keys(struct json_object *obj, const char *const *allowed, char *err, size_t errlen);

/* Serializes compactly without escaping '/'. Borrowed: valid until obj changes or is
 * released. Never NULL for a valid obj. */
const char *json_to_string(struct json_object *obj);

/* Convenience constructors returning new references (NULL only on out of memory);
 * json_new_string_or_null(NULL) gives NULL (JSON null). */
struct json_object *json_new_string_or_null(const char *s);

#endif
