/* test_util.c: ids, RFC 3339 time, hex, bounded copy, number parsing, constant-time
 * compare, UTF-8. */
#include "tap.h"
#include "util.h"
#include "log.h"

#include <string.h>

static void test_ids(void)
{
	char a[ID_APP_BUFSZ], u[ID_USER_BUFSZ], t[ID_TOKEN_BUFSZ];
	int counts[36] = { 0 }, all_valid = 1, distinct = 1, min = 1 << 30, max = 0;
	static char seen[2000][ID_APP_BUFSZ];

	for (int i = 0; i < 2000; i++) {
		if (id_new_app(a) < 0 || !id_valid_app(a) || !(a[0] >= 'a' && a[0] <= 'z'))
			all_valid = 0;
		for (int j = 1; j < ID_APP_LEN; j++)
			counts[a[j] >= 'a' ? a[j] - 'a' : 26 + a[j] - '0']++;
		memcpy(seen[i], a, sizeof a);
		for (int k = 0; k < i && distinct; k++)
			if (strcmp(seen[k], a) == 0)
				distinct = 0;
	}
	for (int j = 0; j < 36; j++) {
		min = counts[j] < min ? counts[j] : min;
		max = counts[j] > max ? counts[j] : max;
	}
	ok(all_valid, "2000 app ids valid, first character a letter");
	ok(distinct, "2000 app ids distinct");
	/* 30000 draws over 36 symbols: expected 833 each; every symbol well within bounds */
	ok(min > 650 && max < 1020, "characters roughly uniform (min %d, max %d)", min, max);
	ok(id_new_user(u) == 0 && id_valid_user(u) && strncmp(u, "u_", 2) == 0 && strlen(u) == 18,
	   "user id");
	ok(id_new_token(t) == 0 && id_valid_token(t) && strlen(t) == 20, "token id");
	ok(!id_valid_app(NULL) && !id_valid_app("") && !id_valid_app("1abcdefghijklmno") &&
		   !id_valid_app("abcdefghijklmnoP") && !id_valid_app("abcdefghijklmno") &&
		   !id_valid_app("abcdefghijklmnopq") && !id_valid_app("abcdefgh/jklmnop") &&
		   !id_valid_app("../../etc/passwd") && id_valid_app("k3v9q2m8x1c7d4fa"),
	   "app id shape enforced");
	ok(!id_valid_user("u_ABCDEFGHIJKLMNOP") && !id_valid_user("x_abcdefghijklmnop") &&
		   !id_valid_token("tok_abc") && !id_valid_user(NULL),
	   "user/token id shapes enforced");
}

static void test_time(void)
{
	char buf[TIME_RFC3339_BUFSZ];
	long long t;

	{
		char d[UTIL_UINT_BUFSZ];
		ok(util_uint_format(0, d) == 1 && strcmp(d, "0") == 0, "uint: 0");
		ok(util_uint_format(9000, d) == 4 && strcmp(d, "9000") == 0, "uint: 9000");
		ok(util_uint_format(18446744073709551615ULL, d) == 20 &&
			   strcmp(d, "18446744073709551615") == 0,
		   "uint: the largest, 20 digits and the NUL");
	}
	ok(util_time_format(0, buf, sizeof buf) == 0 && strcmp(buf, "1970-01-01T00:00:00Z") == 0,
	   "epoch");
	ok(util_time_format(1795878245, buf, sizeof buf) == 0 &&
		   strcmp(buf, "2026-11-28T15:04:05Z") == 0,
	   "2026-11-28T15:04:05Z");
	ok(util_time_format(951782400, buf, sizeof buf) == 0 &&
		   strcmp(buf, "2000-02-29T00:00:00Z") == 0,
	   "leap day 2000");
	ok(util_time_format(-1, buf, sizeof buf) == 0 && strcmp(buf, "1969-12-31T23:59:59Z") == 0,
	   "negative times");
	ok(util_time_format(0, buf, 20) < 0, "short buffer refused");
	ok(util_time_parse("2026-11-28T15:04:05Z", &t) == 0 && t == 1795878245, "parse Z");
	ok(util_time_parse("2026-11-28T16:04:05.123+01:00", &t) == 0 && t == 1795878245,
	   "parse fraction and offset");
	ok(util_time_parse("2026-11-28t15:04:05z", &t) == 0 && t == 1795878245,
	   "lowercase t and z");
	ok(util_time_parse("2026-02-29T00:00:00Z", &t) < 0 &&
		   util_time_parse("2026-13-01T00:00:00Z", &t) < 0 &&
		   util_time_parse("2026-11-28 15:04:05Z", &t) < 0 &&
		   util_time_parse("2026-11-28T15:04:05", &t) < 0 &&
		   util_time_parse("2026-11-28T15:04:05Zjunk", &t) < 0 &&
		   util_time_parse("", &t) < 0 && util_time_parse("2026-11-28T24:00:00Z", &t) < 0 &&
		   util_time_parse("2026-11-28T15:04:05.Z", &t) < 0,
	   "malformed times refused");
	for (long long x = -100000; x < 4000000000LL; x += 86399 * 37) {
		if (util_time_format(x, buf, sizeof buf) < 0 || util_time_parse(buf, &t) < 0 ||
		    t != x) {
			ok(0, "round trip at %lld", x);
			return;
		}
	}
	ok(1, "format/parse round trip over 1969..2096");
}

static void test_misc(void)
{
	char hex[9], small[4];
	unsigned char raw[4] = { 0xde, 0xad, 0xbe, 0xef }, back[4];
	long long v;

	util_hex_encode(raw, 4, hex);
	ok(strcmp(hex, "deadbeef") == 0, "hex encode");
	ok(util_hex_decode("DEADbeef", back, 4) == 0 && memcmp(back, raw, 4) == 0, "hex decode");
	ok(util_hex_decode("deadbee", back, 4) < 0 && util_hex_decode("deadbeeg", back, 4) < 0 &&
		   util_hex_decode("deadbeef00", back, 4) < 0,
	   "bad hex refused");
	ok(util_copy(small, sizeof small, "abc") == 0 && strcmp(small, "abc") == 0, "copy fits");
	ok(util_copy(small, sizeof small, "abcd") < 0 && strcmp(small, "abc") == 0,
	   "copy truncates and says so");
	ok(util_parse_ll("42", 0, 100, &v) == 0 && v == 42 &&
		   util_parse_ll("-5", -10, 10, &v) == 0 && v == -5,
	   "parse integers");
	ok(util_parse_ll("101", 0, 100, &v) < 0 && util_parse_ll("4x", 0, 100, &v) < 0 &&
		   util_parse_ll(" 4", 0, 100, &v) < 0 && util_parse_ll("+4", 0, 100, &v) < 0 &&
		   util_parse_ll("", 0, 100, &v) < 0 &&
		   util_parse_ll("99999999999999999999", 0, 100, &v) < 0,
	   "bad integers refused");
	ok(util_ct_equal("abcd", "abcd", 4) && !util_ct_equal("abcd", "abce", 4), "ct_equal");
	ok(util_ct_streq("x", "x") && !util_ct_streq("x", "xy") && !util_ct_streq(NULL, "x"),
	   "ct_streq");
	ok(util_utf8_valid("h\xc3\xa9llo", 6) && util_utf8_chars("h\xc3\xa9llo", 6) == 5,
	   "valid UTF-8 counted");
	ok(!util_utf8_valid("\xc0\xaf", 2) && !util_utf8_valid("\xed\xa0\x80", 3) &&
		   !util_utf8_valid("\xf4\x90\x80\x80", 4) && !util_utf8_valid("\xe2\x82", 2) &&
		   !util_utf8_valid("\xff", 1),
	   "overlong, surrogate, > U+10FFFF, truncated, 0xff refused");
}

static void test_log(void)
{
	ok(log_level_parse("debug") == AF_LOG_DEBUG && log_level_parse("error") == AF_LOG_ERROR &&
		   log_level_parse("loud") == -1 && log_level_parse(NULL) == -1,
	   "log levels parse");
	log_set_request_id("abc-123_x.y");
	ok(strcmp(log_request_id(), "abc-123_x.y") == 0, "request id kept");
	log_set_request_id("evil\nid: forged line");
	ok(strcmp(log_request_id(), "evil_id__forged_line") == 0, "request id sanitised");
	log_set_request_id(NULL);
	ok(log_request_id()[0] == '\0', "request id cleared");
}

int main(void)
{
	test_log();
	test_ids();
	test_time();
	test_misc();
	return tap_done();
}
