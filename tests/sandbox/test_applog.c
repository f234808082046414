/* test_applog.c: the app log's record format, its escaping and its rate limit
 * (sandbox/applog.c). Pure functions: no root, no sandbox. */
#include <stdlib.h>
#include <string.h>

#include "sandbox/applog.h"
#include "tap.h"

static int escaped_is(const char *in, size_t n, const char *want)
{
	size_t len;
	char *e = applog_escape(in, n, &len);
	int r = e && len == strlen(want) && strcmp(e, want) == 0;
	if (!r)
		printf("#   got \"%s\", want \"%s\"\n", e ? e : "(null)", want);
	free(e);
	return r;
}

static void test_prefix_parse(void)
{
	char buf[APPLOG_PREFIX_LEN + 1], line[128];
	struct applog_line l;
	ok(applog_prefix(buf, APPLOG_ERR, 1796613383123LL) == APPLOG_PREFIX_LEN &&
		   strcmp(buf, "2026-12-07T03:16:23.123Z err ") == 0,
	   "prefix: UTC time to the ms, stream");
	snprintf(line, sizeof line, "%shello world", buf);
	ok(applog_parse(line, strlen(line), &l) == 1 && l.at == line &&
		   strcmp(l.stream, "err") == 0 && l.textlen == 11 &&
		   memcmp(l.text, "hello world", 11) == 0,
	   "parse: a record gives its time, stream and text");
	applog_prefix(buf, APPLOG_SYS, 0);
	ok(applog_parse(buf, APPLOG_PREFIX_LEN, &l) == 1 && strcmp(l.stream, "sys") == 0 &&
		   l.textlen == 0,
	   "parse: an empty sys record");
	const char *legacy = "plain old output";
	ok(applog_parse(legacy, strlen(legacy), &l) == 0 && l.at == NULL &&
		   strcmp(l.stream, "out") == 0 && l.text == legacy,
	   "parse: a line that is no record is out text");
	const char *bad = "2026-12-07T03:16:23.123Z xyz text";
	ok(applog_parse(bad, strlen(bad), &l) == 0, "parse: an unknown stream is no record");
	const char *shortl = "2026-12-07T03:16:23.123Z ou";
	ok(applog_parse(shortl, strlen(shortl), &l) == 0, "parse: a cut prefix is no record");
}

static void test_escape(void)
{
	ok(escaped_is("plain text", 10, "plain text"), "escape: plain ASCII unchanged");
	ok(escaped_is("\x1b[31mred\x1b[0m", 12, "\\x1b[31mred\\x1b[0m"),
	   "escape: terminal escapes");
	ok(escaped_is("a\tb\rc\0d", 7, "a\tb\\x0dc\\x00d"), "escape: tab kept, CR and NUL escaped");
	ok(escaped_is("\xff\xfe ok", 5, "\\xff\\xfe ok"), "escape: invalid UTF-8 bytes");
	ok(escaped_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
		      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
	   "escape: valid UTF-8 kept");
	ok(escaped_is("\xc0\xaf", 2, "\\xc0\\xaf"), "escape: an overlong encoding");
	ok(escaped_is("\xed\xa0\x80", 3, "\\xed\\xa0\\x80"), "escape: a surrogate");
	ok(escaped_is("\xe2\x82", 2, "\\xe2\\x82"), "escape: a cut sequence at the end");
	ok(escaped_is("\xc2\x9b"
		      "2J",
		      4, "\\xc2\\x9b2J"),
	   "escape: a C1 control (CSI)");
	ok(escaped_is("\x7f", 1, "\\x7f"), "escape: DEL");
	ok(escaped_is("\\x1b", 4, "\\\\x1b"),
	   "escape: a backslash, so app text cannot fake an escape");
}

static void test_bucket(void)
{
	struct applog_bucket b;
	applog_bucket_init(&b, 1000, 5000, 0);
	ok(applog_bucket_take(&b, 3000, 0) == 3000, "bucket: a burst within its size passes");
	ok(applog_bucket_take(&b, 3000, 0) == 2000, "bucket: beyond the burst only the rest");
	ok(applog_bucket_take(&b, 100, 0) == 0, "bucket: empty, nothing passes");
	ok(applog_bucket_take(&b, 1000, 500) == 500, "bucket: half a second gives half the rate");
	ok(applog_bucket_take(&b, 100000, 100000) == 5000, "bucket: refill stops at the burst");
	applog_bucket_init(&b, 0, 0, 0);
	ok(b.rate == APPLOG_RATE_DEFAULT && b.burst == APPLOG_BURST_DEFAULT,
	   "bucket: 0 means the defaults");
}

static void test_tail(void)
{
	const char *b = "a\nbb\nccc\n";

	ok(applog_tail_start(b, strlen(b), 1) == 5, "tail: the last record of three");
	ok(applog_tail_start(b, strlen(b), 2) == 2, "tail: the last two");
	ok(applog_tail_start(b, strlen(b), 3) == 0, "tail: all three");
	ok(applog_tail_start(b, strlen(b), 9) == 0, "tail: more than there are: all");
	ok(applog_tail_start("a\nbb", 4, 1) == 2, "tail: an unterminated last line counts as one");
	ok(applog_tail_start("", 0, 5) == 0, "tail: an empty log");
}

int main(void)
{
	test_prefix_parse();
	test_escape();
	test_bucket();
	test_tail();
	return tap_done();
}
