/* jsonw.h: JSON text written straight into a strbuf, for the answers that are too hot
 * to build as json-c objects first (the app list).
 *
 * The output is byte for byte what json-c 0.16 prints with JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE, the flags of every other API answer: the same
 * escapes (\b \f \n \r \t \" \\, other bytes below 0x20 as \u00xx in lower case, '/'
 * and bytes from 0x7f up as they are, so UTF-8, valid or not, passes through
 * unchanged, as json-c passes it). tests/unit/test_jsonw.c holds it to json-c's output.
 * Errors are the strbuf's: out of memory is sticky and seen at strbuf_take. */
#ifndef AF_JSONW_H
#define AF_JSONW_H

#include <stddef.h>

#include "common/strbuf.h"

struct json_object;

/* A string: s (len bytes, NUL or not) quoted and escaped. */
void jsonw_string_len(struct strbuf *b, const char *s, size_t len);
/* A NUL-terminated string, or null for NULL. */
void jsonw_string(struct strbuf *b, const char *s);
void jsonw_int(struct strbuf *b, long long v);
/* An RFC 3339 time (util_time_format), or null for 0 or a time out of range. */
void jsonw_time(struct strbuf *b, long long t);
/* A json-c value printed with the flags above (null for NULL). Borrowed. */
void jsonw_object(struct strbuf *b, struct json_object *o);

#endif
