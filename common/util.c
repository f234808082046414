/* util.c: random identifiers, RFC 3339 time, hex, bounded copies, number parsing,
 * constant-time comparison and UTF-8 checks (see util.h). */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static const char id_alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
static const char id_alpha[] = "abcdefghijklmnopqrstuvwxyz";

int util_random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Draws bytes and keeps only those below the largest multiple of the alphabet size,
 * so every character is equally likely. */
int util_random_chars(char *out, size_t n, const char *alphabet)
{
	size_t k = strlen(alphabet), i = 0;
	unsigned char pool[64];
	unsigned limit;

	if (k == 0 || k > 256)
		return -1;
	limit = 256 - (256 % (unsigned)k);
	while (i < n) {
		if (util_random_bytes(pool, sizeof pool) < 0)
			return -1;
		for (size_t j = 0; j < sizeof pool && i < n; j++)
			if (pool[j] < limit)
				out[i++] = alphabet[pool[j] % k];
	}
	out[n] = '\0';
	return 0;
}

static int id_new_prefixed(char *out, const char *prefix, size_t nrand)
{
	size_t pl = strlen(prefix);

	memcpy(out, prefix, pl);
	return util_random_chars(out + pl, nrand, id_alnum);
}

int id_new_app(char out[ID_APP_BUFSZ])
{
	/* first a letter (log2 26 = 4.7 bits), then 15 of 36 (77.5 bits): 82 bits */
	if (util_random_chars(out, 1, id_alpha) < 0)
		return -1;
	return util_random_chars(out + 1, ID_APP_LEN - 1, id_alnum);
}

int id_new_user(char out[ID_USER_BUFSZ])
{
	return id_new_prefixed(out, ID_USER_PREFIX, ID_USER_LEN - 2);
}

int id_new_token(char out[ID_TOKEN_BUFSZ])
{
	return id_new_prefixed(out, ID_TOKEN_PREFIX, ID_TOKEN_LEN - 4);
}

static int all_alnum_lower(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

int id_valid_app(const char *s)
{
	if (!s || strnlen(s, ID_APP_LEN + 1) != ID_APP_LEN)
		return 0;
	return s[0] >= 'a' && s[0] <= 'z' && all_alnum_lower(s, ID_APP_LEN);
}

static int id_valid_prefixed(const char *s, const char *prefix, size_t total)
{
	size_t pl = strlen(prefix);

	if (!s || strnlen(s, total + 1) != total || strncmp(s, prefix, pl) != 0)
		return 0;
	return all_alnum_lower(s + pl, total - pl);
}

int id_valid_user(const char *s)
{
	return id_valid_prefixed(s, ID_USER_PREFIX, ID_USER_LEN);
}

int id_valid_token(const char *s)
{
	return id_valid_prefixed(s, ID_TOKEN_PREFIX, ID_TOKEN_LEN);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long long)yoe + era * 400 + (*m <= 2);
}

size_t util_uint_format(unsigned long long v, char out[UTIL_UINT_BUFSZ])
{
	char tmp[UTIL_UINT_BUFSZ], *p = tmp + sizeof tmp;
	size_t n;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	n = (size_t)(tmp + sizeof tmp - p);
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

#define T_MIN (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define T_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */

/* Writes v (0 <= v < 10^n) as exactly n decimal digits. */
static void put_digits(char *out, int n, long long v)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		out[i] = (char)('0' + v % 10);
}

int util_time_format(long long t, char *out, size_t outlen)
{
	long long y, days, secs;
	unsigned m, d;

	if (outlen < TIME_RFC3339_BUFSZ || t < T_MIN || t > T_MAX)
		return -1;
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	/* By hand, not snprintf: list answers format two times per item. */
	put_digits(out, 4, y);
	out[4] = '-';
	put_digits(out + 5, 2, m);
	out[7] = '-';
	put_digits(out + 8, 2, d);
	out[10] = 'T';
	put_digits(out + 11, 2, secs / 3600);
	out[13] = ':';
	put_digits(out + 14, 2, secs / 60 % 60);
	out[16] = ':';
	put_digits(out + 17, 2, secs % 60);
	out[19] = 'Z';
	out[20] = '\0';
	return 0;
}

/* Reads exactly n digits at *p, advancing it. -1 if any is not a digit. */
static int digits(const char **p, int n, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (unsigned)(c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, char a, char b)
{
	if (**p != a && **p != b)
		return -1;
	(*p)++;
	return 0;
}

static int days_in_month(unsigned y, unsigned m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 ? 28 + leap : dm[m - 1];
}

/* Parses "Z", "z" or "+HH:MM"/"-HH:MM" into an offset in seconds east of UTC. */
static int parse_offset(const char **p, long long *off)
{
	unsigned oh, om;
	int sign;

	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		*off = 0;
		return 0;
	}
	if (**p != '+' && **p != '-')
		return -1;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (digits(p, 2, &oh) < 0 || expect(p, ':', ':') < 0 || digits(p, 2, &om) < 0)
		return -1;
	if (oh > 23 || om > 59)
		return -1;
	*off = sign * (long long)(oh * 3600 + om * 60);
	return 0;
}

int util_time_parse(const char *s, long long *out)
{
	const char *p = s;
	unsigned y, mo, d, h, mi, se;
	long long off, t;

	if (!s || digits(&p, 4, &y) < 0 || expect(&p, '-', '-') < 0 || digits(&p, 2, &mo) < 0 ||
	    expect(&p, '-', '-') < 0 || digits(&p, 2, &d) < 0 || expect(&p, 'T', 't') < 0 ||
	    digits(&p, 2, &h) < 0 || expect(&p, ':', ':') < 0 || digits(&p, 2, &mi) < 0 ||
	    expect(&p, ':', ':') < 0 || digits(&p, 2, &se) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || (int)d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    se > 60)
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (parse_offset(&p, &off) < 0 || *p != '\0')
		return -1;
	if (se == 60)
		se = 59; /* a leap second reads as the second before it */
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	*out = t;
	return 0;
}

void util_hex_encode(const void *in, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	const unsigned char *b = in;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int util_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int util_hex_decode(const char *s, void *out, size_t n)
{
	unsigned char *b = out;

	if (!s || strnlen(s, 2 * n + 1) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = util_hexval(s[2 * i]), lo = util_hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		b[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int util_copy(char *dst, size_t size, const char *src)
{
	size_t n;

	if (size == 0)
		return -1;
	n = strnlen(src, size);
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

int util_parse_ll(const char *s, long long min, long long max, long long *out)
{
	const char *p = s;
	char *end;
	long long v;

	if (!s || *p == '\0')
		return -1;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int util_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= x[i] ^ y[i];
	return acc == 0;
}

int util_ct_streq(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	if (la != lb)
		return 0;
	return util_ct_equal(a, b, la);
}

/* Length of the UTF-8 sequence at s (n bytes left), or 0 if it is invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int util_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	while (n > 0) {
		size_t l = utf8_seq(p, n);
		if (l == 0)
			return 0;
		p += l;
		n -= l;
	}
	return 1;
}

size_t util_utf8_chars(const char *s, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	return count;
}
