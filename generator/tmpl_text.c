/* tmpl_text.c: reading a prompt: its normalised words, phrases after markers ("called",
 * "for", "with fields"), lists, names and the type a field name suggests (see tmpl_int.h).
 * They read the prompt's text in a ctx and write only into it or the caller's buffers;
 * nothing here allocates. */
#include "generator/tmpl_int.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ text helpers */

/* Length of the longest prefix of s[0..n) that does not split a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n)
{
	size_t i = n;
	if (i == 0)
		return 0;
	/* back up over continuation bytes to the start of the last sequence */
	size_t start = i;
	while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80)
		start--;
	if (start == 0)
		return 0;
	unsigned char lead = (unsigned char)s[start - 1];
	size_t need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	return (n - (start - 1) >= need) ? n : start - 1;
}

/* Copies at most maxchars code points of src[0..n) into dst (size dstsz), trimming
 * spaces, quotes and trailing punctuation (keep_q keeps a final '?'), collapsing runs
 * of white space. Cuts at a word boundary when it has to cut. */
void tmpl_clean_copy(char *dst, size_t dstsz, const char *src, size_t n, size_t maxchars,
		     int keep_q)
{
	size_t o = 0, chars = 0;
	int space = 0, cut = 0;
	/* skip leading spaces and quotes */
	while (n && (isspace((unsigned char)*src) || strchr("\"'`([{", *src))) {
		src++;
		n--;
	}
	for (size_t i = 0; i < n && o + 5 < dstsz; i++) {
		unsigned char ch = (unsigned char)src[i];
		if (ch < 0x20 || ch == 0x7f || isspace(ch)) {
			space = 1;
			continue;
		}
		if ((ch & 0xC0) != 0x80) {
			if (chars + space >= maxchars) {
				cut = 1;
				break;
			}
			chars += 1 + (space && o);
		}
		if (space && o)
			dst[o++] = ' ';
		space = 0;
		dst[o++] = (char)ch;
	}
	o = utf8_cut(dst, o);
	if (cut) {
		/* prefer to end at a word boundary when that keeps at least half */
		size_t sp = o;
		while (sp > 0 && dst[sp - 1] != ' ')
			sp--;
		if (sp > o / 2)
			o = sp - 1;
	}
	while (o > 0 && (dst[o - 1] == ' ' || strchr("\"'`)]}.,;:!-", dst[o - 1]) ||
			 (!keep_q && dst[o - 1] == '?')))
		o--;
	dst[o] = '\0';
}

/* A multi-byte UTF-8 punctuation sequence (quotes, dashes, ellipsis, guillemets,
 * no-break space) that separates words: its length, or 0. */
static size_t utf8_punct(const unsigned char *s, size_t n)
{
	if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80)
		return 3; /* U+2000..U+203F */
	if (n >= 2 && s[0] == 0xC2 &&
	    (s[1] == 0xA0 || s[1] == 0xAB || s[1] == 0xBB || s[1] == 0xB7))
		return 2;
	return 0;
}

void tmpl_normalise(struct ctx *c, const char *prompt)
{
	size_t n = strlen(prompt);
	if (n > TMPL_SCAN_MAX) {
		n = utf8_cut(prompt, TMPL_SCAN_MAX);
		c->truncated = 1;
	}
	size_t o = 0;
	int space = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)prompt[i];
		if (ch < 0x20 || ch == 0x7f || ch == ' ') {
			if (!space)
				c->raw[o++] = ' ';
			space = 1;
			continue;
		}
		c->raw[o++] = (char)ch;
		space = 0;
	}
	while (o > 0 && c->raw[o - 1] == ' ')
		o--;
	c->raw[o] = '\0';
	for (size_t i = 0; i <= o; i++)
		c->lower[i] = (char)tolower((unsigned char)c->raw[i]);

	size_t w = 0;
	c->norm[w++] = ' ';
	for (size_t i = 0; i < o;) {
		unsigned char ch = (unsigned char)c->lower[i];
		size_t p = ch >= 0x80 ? utf8_punct((const unsigned char *)c->lower + i, o - i) : 0;
		if (isalnum(ch) || (ch >= 0x80 && !p)) {
			c->norm[w++] = (char)ch;
			i++;
			continue;
		}
		if (c->norm[w - 1] != ' ')
			c->norm[w++] = ' ';
		i += p ? p : 1;
	}
	if (c->norm[w - 1] != ' ')
		c->norm[w++] = ' ';
	c->norm[w] = '\0';
}

/* 1 if the normalised prompt contains the phrase (words separated by single spaces)
 * as whole words, also in its plural forms "-s" and "-es". */
int tmpl_has_in(const char *norm, const char *phrase)
{
	static const char *const suffixes[] = { "", "s", "es" };
	char pat[96];
	for (size_t i = 0; i < 3; i++) {
		int n = snprintf(pat, sizeof pat, " %s%s ", phrase, suffixes[i]);
		if (n > 0 && (size_t)n < sizeof pat && strstr(norm, pat))
			return 1;
	}
	return 0;
}

int tmpl_has(const struct ctx *c, const char *phrase)
{
	return tmpl_has_in(c->norm, phrase);
}

/* Finds marker (lowercase, may hold spaces) as whole words in the prompt and returns
 * the offset just after it (and after following spaces and a ':'), or -1. */
long tmpl_find_marker(const struct ctx *c, const char *marker, size_t from)
{
	size_t m = strlen(marker);
	const char *l = c->lower;
	for (const char *p = strstr(l + from, marker); p; p = strstr(p + 1, marker)) {
		size_t at = (size_t)(p - l);
		int before = at == 0 || !isalnum((unsigned char)l[at - 1]);
		int after = !isalnum((unsigned char)l[at + m]);
		if (!before || !after)
			continue;
		size_t e = at + m;
		while (l[e] == ' ' || l[e] == ':')
			e++;
		return (long)e;
	}
	return -1;
}

/* The offset after the first of markers (NULL-terminated, tried in that order) that
 * the prompt holds, as tmpl_find_marker() gives it, or -1. */
long tmpl_find_any_marker(const struct ctx *c, const char *const *markers)
{
	long at = -1;

	for (size_t i = 0; markers[i] && at < 0; i++)
		at = tmpl_find_marker(c, markers[i], 0);
	return at;
}

/* clang-format off */
static const char *const STOP_WORDS[] = {
	" with ", " in ", " that ", " which ", " where ", " using ", " so ", " where ",
	" including ", " showing ", " to track ", " to keep ", " to manage ", " to store ",
	" to vote ", " to count ", " to save ", " who ", " whose ", " having ", " by ", NULL,
};
/* clang-format on */

/* The length of the phrase starting at offset start: up to punctuation, a stop word,
 * or maxwords words. */
size_t tmpl_phrase_len(const struct ctx *c, size_t start, int maxwords)
{
	const char *l = c->lower + start;
	size_t end = 0;
	int words = 0;
	while (l[end]) {
		if (strchr(",.;:!?()[]{}\"\n", l[end]))
			break;
		if (l[end] == ' ') {
			int stop = 0;
			for (size_t i = 0; STOP_WORDS[i]; i++)
				if (!strncmp(l + end, STOP_WORDS[i], strlen(STOP_WORDS[i])))
					stop = 1;
			if (stop || ++words >= maxwords)
				break;
		}
		end++;
	}
	return end;
}

/* Drops a leading article or possessive ("the", "my", "our", "a", "an"). */
void tmpl_drop_article(char *s)
{
	static const char *const arts[] = { "the ", "my ",   "our ",  "a ",
					    "an ",  "your ", "some ", NULL };
	for (size_t i = 0; arts[i]; i++) {
		size_t n = strlen(arts[i]);
		if (!strncasecmp(s, arts[i], n)) {
			memmove(s, s + n, strlen(s + n) + 1);
			return;
		}
	}
}

/* Fills c->named from "called X" / "named X" / "titled X" or the first quoted text,
 * and c->subject from "for X" / "about X" / "on X" (quizzes). */
void tmpl_find_names(struct ctx *c)
{
	static const char *const name_markers[] = { "called", "named", "titled", "entitled", NULL };
	for (size_t i = 0; name_markers[i] && !c->named[0]; i++) {
		long at = tmpl_find_marker(c, name_markers[i], 0);
		if (at < 0)
			continue;
		const char *s = c->raw + at;
		if (*s == '"' || *s == '\'') {
			const char *q = strchr(s + 1, *s);
			if (q) {
				tmpl_clean_copy(c->named, sizeof c->named, s + 1,
						(size_t)(q - s - 1), TMPL_TITLE_MAX, 1);
				continue;
			}
		}
		tmpl_clean_copy(c->named, sizeof c->named, s, tmpl_phrase_len(c, (size_t)at, 6),
				TMPL_TITLE_MAX, 0);
	}
	if (!c->named[0]) {
		const char *q1 = strchr(c->raw, '"');
		const char *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
		if (q2 && q2 - q1 > 1)
			tmpl_clean_copy(c->named, sizeof c->named, q1 + 1, (size_t)(q2 - q1 - 1),
					TMPL_TITLE_MAX, 1);
	}
	static const char *const subj_markers[] = { "for", "about", "on the topic of",
						    "on",  "of",    NULL };
	for (size_t i = 0; subj_markers[i] && !c->subject[0]; i++) {
		/* "of"/"on" only make sense for a quiz ("quiz on capitals") */
		if ((!strcmp(subj_markers[i], "on") || !strcmp(subj_markers[i], "of")) &&
		    strcmp(tmpl_kind_name(c->kind), "quiz"))
			continue;
		long at = tmpl_find_marker(c, subj_markers[i], 0);
		if (at < 0)
			continue;
		tmpl_clean_copy(c->subject, sizeof c->subject, c->raw + at,
				tmpl_phrase_len(c, (size_t)at, 6), TMPL_TITLE_MAX, 0);
		tmpl_drop_article(c->subject);
		/* "for me", "for keeping ..." say nothing about the subject */
		static const char *const vague[] = { "me",      "us",         "myself", "everyone",
						     "people",  "the team",   "team",   "my team",
						     "friends", "my friends", "work",   "fun",
						     NULL };
		for (size_t v = 0; vague[v]; v++)
			if (!strcasecmp(c->subject, vague[v]))
				c->subject[0] = '\0';
		if (!strncasecmp(c->subject, "keeping", 7) ||
		    !strncasecmp(c->subject, "tracking", 8) ||
		    !strncasecmp(c->subject, "managing", 8))
			c->subject[0] = '\0';
	}
}

/* Splits the list at offset start (up to '.', '?', '!' or the end) on ',', ';', '/',
 * " or " and " and " into at most max entries of at most maxchars, capitalised,
 * without duplicates. Returns the number stored. */
size_t tmpl_split_list(const struct ctx *c, size_t start, char out[][64], size_t max,
		       size_t maxchars)
{
	size_t n = 0;
	const char *s = c->raw + start;
	const char *l = c->lower + start;
	size_t end = strcspn(s, ".!?\n");
	size_t i = 0;
	while (i < end && n < max) {
		size_t j = i, sep = 0;
		while (j < end) {
			if (strchr(",;/", s[j])) {
				sep = 1;
				break;
			}
			if (!strncmp(l + j, " or ", 4) || !strncmp(l + j, " and ", 5)) {
				sep = l[j + 1] == 'o' ? 4 : 5;
				break;
			}
			j++;
		}
		char item[256];
		tmpl_clean_copy(item, sizeof item, s + i, j - i, maxchars, 0);
		if (!strncasecmp(item, "and ", 4) || !strncasecmp(item, "or ", 3))
			memmove(item, item + (item[0] == 'a' || item[0] == 'A' ? 4 : 3),
				strlen(item + (item[0] == 'a' || item[0] == 'A' ? 4 : 3)) + 1);
		tmpl_capitalize(item);
		int dup = 0;
		for (size_t k = 0; k < n; k++)
			if (!strcasecmp(out[k], item))
				dup = 1;
		if (item[0] && !dup && strlen(item) < 64)
			util_copy(out[n++], 64, item);
		i = j + sep;
		if (!sep)
			break;
	}
	return n;
}

/* A field name from a label: [a-z][a-z0-9_]*, at most 30 bytes; "" if impossible. */
void tmpl_slug(char *dst, size_t dstsz, const char *label)
{
	size_t o = 0;
	for (const char *p = label; *p && o + 1 < dstsz && o < 30; p++) {
		unsigned char ch = (unsigned char)*p;
		if (isalnum(ch) && ch < 0x80)
			dst[o++] = (char)tolower(ch);
		else if (o && dst[o - 1] != '_')
			dst[o++] = '_';
	}
	while (o && dst[o - 1] == '_')
		o--;
	dst[o] = '\0';
	if (!isalpha((unsigned char)dst[0]))
		dst[0] = '\0';
}

/* The type a field probably has, from its name. */
const char *tmpl_field_type(const char *name)
{
	static const struct {
		const char *word, *type;
	} rules[] = {
		{ "email", "email" },    { "url", "url" },          { "link", "url" },
		{ "website", "url" },    { "date", "date" },        { "birthday", "date" },
		{ "due", "date" },       { "deadline", "date" },    { "price", "number" },
		{ "amount", "number" },  { "cost", "number" },      { "rating", "number" },
		{ "year", "int" },       { "age", "int" },          { "count", "int" },
		{ "quantity", "int" },   { "qty", "int" },          { "pages", "int" },
		{ "stock", "int" },      { "number", "int" },       { "done", "bool" },
		{ "completed", "bool" }, { "active", "bool" },      { "available", "bool" },
		{ "read", "bool" },      { "published", "bool" },   { "description", "longtext" },
		{ "notes", "longtext" }, { "body", "longtext" },    { "content", "longtext" },
		{ "bio", "longtext" },   { "summary", "longtext" },
	};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		size_t n = strlen(rules[i].word);
		const char *p = strstr(name, rules[i].word);
		if (p && (p == name || p[-1] == '_') && (p[n] == '\0' || p[n] == '_'))
			return rules[i].type;
	}
	return "text";
}
