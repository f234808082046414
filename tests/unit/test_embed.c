/* test_embed.c: sandbox/embed.awk, which turns sandbox/preload.js into the C string the
 * sandbox writes into each app's root. The string must be the file byte for byte: the
 * fixture has backslashes (escapes in JS strings and a regular expression, one ending
 * a line), double and single quotes, tabs and an empty line, and is embedded by the
 * same rule as preload.js (sandbox/local.mk); so is preload.js itself. */
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char test_embed_fixture[];
extern const char sandbox_preload_js[];

/* The whole file under $AF_SRCDIR, or NULL. */
static char *slurp(const char *rel)
{
	const char *src = getenv("AF_SRCDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0, r;
	char *buf = malloc(cap + 1);
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[n] = 0;
	return buf;
}

static void same(const char *rel, const char *embedded)
{
	char *text = slurp(rel);
	ok(text != NULL, "%s read", rel);
	if (!text)
		return;
	size_t i = 0;
	while (text[i] && text[i] == embedded[i])
		i++;
	ok(text[i] == 0 && embedded[i] == 0,
	   "%s embedded byte for byte (first difference at %zu of %zu)", rel, i, strlen(text));
	free(text);
}

int main(void)
{
	same("tests/unit/embed_fixture.js", test_embed_fixture);
	same("sandbox/preload.js", sandbox_preload_js);
	ok(strchr(test_embed_fixture, '\\') != NULL && strchr(test_embed_fixture, '\t') != NULL,
	   "the fixture has backslashes and tabs to keep");
	return tap_done();
}
