/* applog.c: an app's log records: prefix, parse, escape, rate limit (see applog.h). */
#include "sandbox/applog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const stream_names[] = { "out", "err", "sys" };

size_t applog_prefix(char *buf, enum applog_stream s, int64_t unix_ms)
{
	char tmp[128];
	if (unix_ms < 0)
		unix_ms = 0;
	time_t t = (time_t)(unix_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s ",
		 (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (int)(unix_ms % 1000), stream_names[s]);
	memcpy(buf, tmp, APPLOG_PREFIX_LEN);
	buf[APPLOG_PREFIX_LEN] = 0;
	return APPLOG_PREFIX_LEN;
}

/* "dddd-dd-ddTdd:dd:dd.dddZ" */
static int is_stamp(const char *p)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? (p[i] < '0' || p[i] > '9') : p[i] != shape[i])
			return 0;
	}
	return 1;
}

int applog_parse(const char *line, size_t len, struct applog_line *out)
{
	out->at = NULL;
	out->stream = stream_names[APPLOG_OUT];
	out->text = line;
	out->textlen = len;
	if (len < APPLOG_PREFIX_LEN || !is_stamp(line) || line[24] != ' ' || line[28] != ' ')
		return 0;
	for (int s = 0; s < 3; s++)
		if (memcmp(line + 25, stream_names[s], 3) == 0) {
			out->at = line;
			out->stream = stream_names[s];
			out->text = line + APPLOG_PREFIX_LEN;
			out->textlen = len - APPLOG_PREFIX_LEN;
			return 1;
		}
	return 0;
}

/* The length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n;
	unsigned min, cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp >= 0x80 && cp <= 0x9f) /* C1 controls (CSI is one): escaped too */
		return 0;
	return n;
}

char *applog_escape(const char *text, size_t len, size_t *outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)text;
	char *out = malloc(len * 4 + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(p + i, len - i);
		if (p[i] == '\\') {
			*o++ = '\\';
			*o++ = '\\';
			i++;
		} else if (n == 0 || (p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f) {
			/* a C1 control is escaped byte by byte: both bytes come here in turn */
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[p[i] >> 4];
			*o++ = hex[p[i] & 15];
			i++;
		} else {
			memcpy(o, p + i, n);
			o += n;
			i += n;
		}
	}
	*o = 0;
	*outlen = (size_t)(o - out);
	return out;
}

void applog_bucket_init(struct applog_bucket *b, long rate, long burst, int64_t now_ms)
{
	b->rate = rate > 0 ? rate : APPLOG_RATE_DEFAULT;
	b->burst = burst > 0 ? burst : APPLOG_BURST_DEFAULT;
	b->tokens = b->burst;
	b->last_ms = now_ms;
}

size_t applog_bucket_take(struct applog_bucket *b, size_t n, int64_t now_ms)
{
	if (now_ms > b->last_ms) {
		int64_t add = (now_ms - b->last_ms) * (int64_t)b->rate / 1000;
		if (add > 0) {
			b->tokens = b->tokens + add > b->burst ? b->burst : (long)(b->tokens + add);
			b->last_ms = now_ms;
		}
	}
	size_t k = n < (size_t)b->tokens ? n : (size_t)b->tokens;
	b->tokens -= (long)k;
	return k;
}

size_t applog_tail_start(const char *buf, size_t len, int lines)
{
	size_t from = len;
	int seen = 0;

	if (from > 0 && buf[from - 1] == '\n')
		from--;
	while (from > 0) {
		if (buf[from - 1] == '\n' && ++seen >= lines)
			break;
		from--;
	}
	return from;
}
