/* appenv.c: the rules for an app's environment variables (see appenv.h). */
#include "common/appenv.h"

#include <stdio.h>
#include <string.h>

static const char *const reserved[] = { "PORT", "APP_ID", "DATA_DIR", "HOME", "PATH", "TMPDIR" };
static const char *const reserved_prefix[] = { "NODE_", "LISTEN_", "LD_", "APPFORGE_", "AF_" };

bool appenv_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > APPENV_NAME_MAX || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	for (i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (strlen(reserved[i]) == len && memcmp(reserved[i], name, len) == 0)
			return false;
	for (i = 0; i < sizeof reserved_prefix / sizeof reserved_prefix[0]; i++) {
		size_t pl = strlen(reserved_prefix[i]);
		if (len >= pl && memcmp(reserved_prefix[i], name, pl) == 0)
			return false;
	}
	return true;
}

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 if it is not well formed
 * (overlongs, surrogates and code points past U+10FFFF refused). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t k, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, cp = c & 0x07;
	else
		return 0;
	if (k > n)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (k == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return k;
}

bool appenv_value_valid(const char *value, size_t len)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t i = 0;

	if (len > APPENV_VALUE_MAX)
		return false;
	while (i < len) {
		size_t k;
		if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') || s[i] == 0x7f)
			return false;
		if (!(k = utf8_seq(s + i, len - i)))
			return false;
		i += k;
	}
	return true;
}

/* 1 if the entry b (NAME=value) names the variable a (alen bytes). */
static bool same_name(const char *a, size_t alen, const char *b)
{
	const char *eq = strchr(b, '=');
	return eq && (size_t)(eq - b) == alen && memcmp(a, b, alen) == 0;
}

int appenv_packed_check(const char *packed, size_t len, int n, char *err, size_t errlen)
{
	size_t off = 0, total = 0;
	int i;

	if (n < 0 || n > APPENV_MAX_VARS || len > APPENV_PACKED_MAX) {
		snprintf(err, errlen, "at most %d variables", APPENV_MAX_VARS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *e = packed + off, *end = memchr(e, 0, len - off), *eq;
		if (off >= len || !end || !(eq = memchr(e, '=', (size_t)(end - e)))) {
			snprintf(err, errlen, "variable %d is not NAME=value", i);
			return -1;
		}
		if (!appenv_name_valid(e, (size_t)(eq - e)) ||
		    !appenv_value_valid(eq + 1, (size_t)(end - eq - 1))) {
			snprintf(err, errlen, "variable %d: bad name or value", i);
			return -1;
		}
		for (size_t o = 0; o < off; o += strlen(packed + o) + 1)
			if (same_name(e, (size_t)(eq - e), packed + o)) {
				snprintf(err, errlen, "variable %d is set twice", i);
				return -1;
			}
		total += (size_t)(end - e) - 1;
		off = (size_t)(end - packed) + 1;
	}
	if (off != len) {
		snprintf(err, errlen, "trailing bytes after the variables");
		return -1;
	}
	if (total > APPENV_TOTAL_MAX) {
		snprintf(err, errlen, "variables longer than %d bytes in all", APPENV_TOTAL_MAX);
		return -1;
	}
	return 0;
}
