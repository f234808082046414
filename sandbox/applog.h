/* applog.h: the format of an app's log file, its one owner.
 *
 * The file is a sequence of records, one per line:
 *
 *   2026-12-07T03:16:23.123Z out <text>\n
 *
 * a UTC time to the millisecond, the source (out: the app's stdout, err: its stderr,
 * sys: the platform, e.g. "run started", "run ended: ...", "N bytes dropped"), one
 * space, then the raw bytes of one line of output without its newline (any byte but
 * '\n'; a line longer than APPLOG_LINE_MAX is cut into several records). The writer
 * (sandbox_log.c) never lets the app choose the prefix: every line it reads gets one.
 *
 * Readers (the logs API) parse records with applog_parse() and show the text through
 * applog_escape(), which turns control characters, backslashes and invalid UTF-8 into
 * \xHH escapes (\\ for a backslash), so that what is served is valid UTF-8 that cannot
 * drive a terminal.
 *
 * The rate limit (struct applog_bucket): a token bucket of bytes, `rate` per second up
 * to `burst`; output beyond it is dropped and counted.
 *
 * Pure functions, no allocation except applog_escape's result (owned by the caller). */
#ifndef AF_APPLOG_H
#define AF_APPLOG_H

#include <stddef.h>
#include <stdint.h>

#define APPLOG_LINE_MAX 16384        /* bytes of text per record */
#define APPLOG_PREFIX_LEN 29         /* "2026-12-07T03:16:23.123Z out " */
#define APPLOG_RATE_DEFAULT 65536L   /* bytes per second */
#define APPLOG_BURST_DEFAULT 262144L /* bytes */

enum applog_stream { APPLOG_OUT, APPLOG_ERR, APPLOG_SYS };

/* Writes the prefix of a record made at unix time ms (milliseconds) to buf, which must
 * hold APPLOG_PREFIX_LEN + 1 bytes. Returns APPLOG_PREFIX_LEN. */
size_t applog_prefix(char *buf, enum applog_stream s, int64_t unix_ms);

/* One parsed record; pointers into the line given to applog_parse. */
struct applog_line {
	const char *at;     /* 24 characters, or NULL for a line that is no record */
	const char *stream; /* "out", "err", "sys" (NUL-terminated, static) */
	const char *text;
	size_t textlen;
};

/* Parses line[0..len) (without its newline). Returns 1 for a record; 0 for any other
 * line (a log written before records existed), then at = NULL, stream "out" and text
 * the whole line. */
int applog_parse(const char *line, size_t len, struct applog_line *out);

/* The text with control characters (but tab), DEL, C1 controls, backslashes and bytes
 * that are not valid UTF-8 escaped as \xHH (a backslash as \\): a malloc'ed,
 * NUL-terminated string, its length in *outlen; NULL when out of memory. */
char *applog_escape(const char *text, size_t len, size_t *outlen);

/* Where the last `lines` records of buf (len bytes of a log) begin: the offset after the
 * line end that precedes them, walking back (a final unterminated line counts as one);
 * 0 when buf holds no more than that many. */
size_t applog_tail_start(const char *buf, size_t len, int lines);

struct applog_bucket {
	long rate, burst; /* bytes per second, bytes */
	long tokens;
	int64_t last_ms; /* CLOCK_MONOTONIC of the last refill */
};

void applog_bucket_init(struct applog_bucket *b, long rate, long burst, int64_t now_ms);

/* How many of n bytes may be logged now (0..n); those are taken from the bucket. */
size_t applog_bucket_take(struct applog_bucket *b, size_t n, int64_t now_ms);

#endif
