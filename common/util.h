/* util.h: small pure helpers shared by every part of appforge: random identifiers,
 * RFC 3339 timestamps, hex, bounded copies, number parsing, constant-time compare.
 *
 * Error convention: functions returning int return 0 on success and -1 on failure
 * unless their comment says otherwise (the *_valid and *_equal predicates return 1/0).
 * No function allocates; callers own every buffer they pass. */
#ifndef AF_UTIL_H
#define AF_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Identifier shapes. Buffers of *_BUFSZ bytes hold the id and its NUL. */
#define ID_APP_LEN 16 /* [a-z][a-z0-9]{15}: >= 80 random bits */
#define ID_APP_BUFSZ (ID_APP_LEN + 1)
#define ID_USER_PREFIX "u_"
#define ID_USER_LEN (2 + 16) /* "u_" + [a-z0-9]{16} */
#define ID_USER_BUFSZ (ID_USER_LEN + 1)
#define ID_TOKEN_PREFIX "tok_"
#define ID_TOKEN_LEN (4 + 16) /* "tok_" + [a-z0-9]{16} */
#define ID_TOKEN_BUFSZ (ID_TOKEN_LEN + 1)
#define ID_MAX_BUFSZ 32 /* large enough for any id above */

/* Fills buf with n bytes from getrandom(2) (retrying on EINTR and short reads).
 * Returns 0, or -1 if the kernel refuses (never falls back to a weak source). */
int util_random_bytes(void *buf, size_t n);

/* Writes n characters drawn uniformly from alphabet (1..256 distinct characters) into
 * out, plus a NUL (out holds n + 1 bytes). Uses rejection sampling: no modulo bias.
 * Returns 0 or -1 (no randomness). */
int util_random_chars(char *out, size_t n, const char *alphabet);

/* New random ids (out must hold the matching *_BUFSZ). Return 0 or -1. */
int id_new_app(char out[ID_APP_BUFSZ]);
int id_new_user(char out[ID_USER_BUFSZ]);
int id_new_token(char out[ID_TOKEN_BUFSZ]);

/* 1 if s (may be NULL) has exactly the shape of that kind of id, else 0. id_valid_app
 * is the one rule for app ids, applied where an id enters: the router ("{app}"), the
 * supervisor's request decoder (supproto.c), nginx's resolve (h_internal.c) and a
 * generation job's argv (jobs.c). Anything else in an app-id position is a 404; the
 * layers inside rely on it (db lookups of a malformed id find nothing). */
int id_valid_app(const char *s);
int id_valid_user(const char *s);
int id_valid_token(const char *s);

/* v in decimal, NUL-terminated, into out; returns the digits' count. By hand: answers
 * print numbers on every request, and snprintf's format parsing showed in profiles. */
#define UTIL_UINT_BUFSZ 21 /* 18446744073709551615 and the NUL */
size_t util_uint_format(unsigned long long v, char out[UTIL_UINT_BUFSZ]);

/* RFC 3339 UTC: "2026-11-28T15:04:05Z" (20 characters). */
#define TIME_RFC3339_BUFSZ 21
/* Formats t (seconds since the epoch) into out (>= TIME_RFC3339_BUFSZ bytes).
 * Returns 0, or -1 if t is out of the years 0000..9999 or outlen is too small. */
int util_time_format(long long t, char *out, size_t outlen);
/* Parses an RFC 3339 timestamp: "YYYY-MM-DDTHH:MM:SS" with optional ".fraction"
 * (ignored) and "Z" or "+HH:MM"/"-HH:MM"; 't'/'z' accepted. Stores seconds since the
 * epoch in *out. Returns 0, or -1 on anything malformed or out of range. */
int util_time_parse(const char *s, long long *out);

/* Writes 2n lowercase hex digits and a NUL into out (>= 2n + 1 bytes). */
void util_hex_encode(const void *in, size_t n, char *out);
/* Decodes exactly 2n hex digits (either case) of s into out (n bytes). -1 if s is not
 * exactly 2n hex digits. */
int util_hex_decode(const char *s, void *out, size_t n);
/* The value of one hex digit (either case), or -1. */
int util_hexval(char c);

/* Copies src into dst (size bytes, always NUL-terminated when size > 0).
 * Returns 0, or -1 if src did not fit (dst then holds a truncated copy). */
int util_copy(char *dst, size_t size, const char *src);

/* Parses a whole decimal integer (optional leading '-', no spaces, no '+', no trailing
 * garbage) into *out and checks min <= value <= max. Returns 0 or -1. */
int util_parse_ll(const char *s, long long min, long long max, long long *out);

/* Constant-time comparison of n bytes: 1 if equal, 0 otherwise. The time depends only
 * on n. */
int util_ct_equal(const void *a, const void *b, size_t n);
/* Constant-time string equality (time depends on the lengths only). NULL never equals. */
int util_ct_streq(const char *a, const char *b);

/* 1 if the n bytes of s are valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF),
 * else 0. util_utf8_chars returns the number of code points of valid UTF-8 text. */
int util_utf8_valid(const char *s, size_t n);
size_t util_utf8_chars(const char *s, size_t n);

#endif
