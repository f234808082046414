/* test_linediff.c: unified diffs: known outputs, and random texts whose diff, applied
 * by the small patcher below, gives back the new text (also past the LCS bound). */
#include "tap.h"
#include "linediff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Applies the unified diff d to a; a malloc'ed result, or NULL when d does not apply. */
static char *apply(const char *a, const char *d)
{
	size_t cap = strlen(a) + strlen(d) + 1, len = 0, apos = 0, aline = 0;
	char *out = malloc(cap);
	const char *p = d;

	if (!out)
		return NULL;
	if (*p == 0) {
		strcpy(out, a);
		return out;
	}
	p = strchr(p, '\n') + 1; /* --- */
	p = strchr(p, '\n') + 1; /* +++ */
	while (*p) {
		size_t as, al, bs, bl;
		if (sscanf(p, "@@ -%zu,%zu +%zu,%zu @@", &as, &al, &bs, &bl) != 4)
			goto bad;
		if (al == 0)
			as++;
		p = strchr(p, '\n') + 1;
		while (aline + 1 < as) { /* copy untouched lines */
			const char *e = strchr(a + apos, '\n');
			size_t n = e ? (size_t)(e - (a + apos)) + 1 : strlen(a + apos);
			memcpy(out + len, a + apos, n);
			len += n, apos += n, aline++;
		}
		while (*p == ' ' || *p == '-' || *p == '+') {
			const char *e = strchr(p, '\n');
			size_t n = (size_t)(e - p); /* without '\n' */
			int nonl = strncmp(e + 1, "\\ No newline", 12) == 0;
			if (*p != '+') {
				if (strncmp(a + apos, p + 1, n - 1) != 0)
					goto bad;
				apos += n - 1 + !nonl, aline++;
			}
			if (*p != '-') {
				memcpy(out + len, p + 1, n - 1);
				len += n - 1;
				if (!nonl)
					out[len++] = '\n';
			}
			p = e + 1;
			if (nonl)
				p = strchr(p, '\n') + 1;
		}
	}
	strcpy(out + len, a + apos);
	return out;
bad:
	free(out);
	return NULL;
}

static char *random_text(unsigned *seed, int lines, int alphabet)
{
	char *s = malloc((size_t)lines * 8 + 2), *q = s;
	for (int i = 0; i < lines; i++)
		q += sprintf(q, "l%d\n", rand_r(seed) % alphabet);
	if (lines && rand_r(seed) % 3 == 0)
		q[-1] = 0, q--; /* no newline at the end */
	*q = 0;
	return s;
}

static void test_known(void)
{
	char *d = linediff_unified("a\nb\nc\n", "a\nB\nc\n", "a/x", "b/x");
	ok(d && strcmp(d, "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n") == 0,
	   "one changed line in context");
	free(d);
	d = linediff_unified("same\n", "same\n", "a", "b");
	ok(d && strcmp(d, "") == 0, "equal texts: an empty diff");
	free(d);
	d = linediff_unified(NULL, "x\ny\n", "a/f", "b/f");
	ok(d && strcmp(d, "--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n") == 0, "a new file");
	free(d);
	d = linediff_unified("x", "y", "a", "b");
	ok(d && strstr(d, "-x\n\\ No newline at end of file\n+y\n\\ No newline"),
	   "a last line without newline is marked");
	free(d);
	d = linediff_unified("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
			     "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\nY\n16\n", "a", "b");
	ok(d && strstr(d, "@@ -1,5 +1,5 @@") && strstr(d, "@@ -12,5 +12,5 @@"),
	   "distant changes make two hunks");
	free(d);
}

static void test_random(int rounds, int lines, int alphabet, const char *what)
{
	unsigned seed = 7;
	int good = 1;

	for (int r = 0; r < rounds && good; r++) {
		char *a = random_text(&seed, rand_r(&seed) % (lines + 1), alphabet);
		char *b = random_text(&seed, rand_r(&seed) % (lines + 1), alphabet);
		char *d = linediff_unified(a, b, "a", "b");
		char *back = d ? apply(a, d) : NULL;
		if (!back || strcmp(back, b) != 0) {
			good = 0;
			printf("# a=[%s]\n# b=[%s]\n# d=[%s]\n", a, b, d ? d : "(null)");
		}
		free(a), free(b), free(d), free(back);
	}
	ok(good, "%s: the diff applied to the old text gives the new one", what);
}

int main(void)
{
	test_known();
	test_random(500, 30, 5, "small random texts");
	test_random(20, 3000, 50, "texts past the LCS bound");
	return tap_done();
}
