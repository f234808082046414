/* tmpl_edit_words.c: the words of an edit instruction: trimming, a leading word, articles,
 * a cut at a word, the words "field"/"column", type names and labels (see tmpl_edit_int.h).
 * Pure string functions working in place on the caller's buffer. */
#include "generator/tmpl_edit_int.h"
#include "util.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- words */

/* Trims spaces, quotes and a final period of s in place. */
char *tmpl_edit_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '"' || *s == '\'' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && strchr(" \t\"'.!", s[n - 1]))
		s[--n] = 0;
	return s;
}

/* If s starts with word (case-insensitive, then a space or the end), the rest. */
char *tmpl_edit_after(char *s, const char *word)
{
	size_t n = strlen(word);

	if (strncasecmp(s, word, n) != 0 || (s[n] && s[n] != ' '))
		return NULL;
	return tmpl_edit_trim(s + n);
}

/* Drops leading articles and "new". */
char *tmpl_edit_drop_articles(char *s)
{
	static const char *const arts[] = { "a", "an", "the", "new", "another", NULL };
	bool again = true;

	while (again) {
		again = false;
		for (size_t i = 0; arts[i]; i++) {
			char *r = tmpl_edit_after(s, arts[i]);
			if (r) {
				s = r;
				again = true;
			}
		}
	}
	return s;
}

/* Cuts s at the first " word " (case-insensitive); returns what follows, or NULL. */
char *tmpl_edit_cut(char *s, const char *word)
{
	size_t n = strlen(word);

	for (char *p = s; (p = strchr(p, ' ')); p++)
		if (strncasecmp(p + 1, word, n) == 0 && (p[n + 1] == ' ' || !p[n + 1])) {
			*p = 0;
			return tmpl_edit_trim(p + 1 + n);
		}
	return NULL;
}

/* Removes the standalone words "field", "fields", "column" from s (in place). */
void tmpl_edit_drop_field_words(char *s)
{
	static const char *const w[] = { "field", "fields", "column", "property", NULL };

	for (size_t i = 0; w[i]; i++) {
		size_t n = strlen(w[i]);
		for (char *p = s; (p = strcasestr(p, w[i]));) {
			bool start = p == s || p[-1] == ' ', end = !p[n] || p[n] == ' ';
			if (start && end)
				memmove(p, p + n + (p[n] == ' '),
					strlen(p + n + (p[n] == ' ')) + 1);
			else
				p++;
		}
	}
	tmpl_edit_trim(s);
	for (size_t n = strlen(s); n && s[n - 1] == ' ';)
		s[--n] = 0;
}

static const struct {
	const char *word, *type;
} TYPES[] = {
	{ "long text", "longtext" },
	{ "longtext", "longtext" },
	{ "paragraph", "longtext" },
	{ "multiline text", "longtext" },
	{ "text", "text" },
	{ "string", "text" },
	{ "whole number", "int" },
	{ "integer", "int" },
	{ "int", "int" },
	{ "number", "number" },
	{ "decimal", "number" },
	{ "float", "number" },
	{ "boolean", "bool" },
	{ "bool", "bool" },
	{ "checkbox", "bool" },
	{ "yes/no", "bool" },
	{ "date", "date" },
	{ "email", "email" },
	{ "url", "url" },
	{ "link", "url" },
	{ "list", "list" },
};

/* The field type that s names exactly ("a number" too), or NULL. */
const char *tmpl_edit_type_named(const char *s)
{
	char buf[64];
	char *t;

	util_copy(buf, sizeof buf, s);
	t = tmpl_edit_drop_articles(tmpl_edit_trim(buf));
	tmpl_edit_drop_field_words(t);
	for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
		if (strcasecmp(t, TYPES[i].word) == 0)
			return TYPES[i].type;
	return NULL;
}

/* A label from words: printable, at most LABEL_MAX bytes, first letter capital. */
int tmpl_edit_label(char *dst, size_t dstsz, const char *words)
{
	size_t n = strlen(words);

	if (n == 0 || n > LABEL_MAX || !util_utf8_valid(words, n))
		return -1;
	for (const unsigned char *p = (const unsigned char *)words; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return -1;
	util_copy(dst, dstsz, words);
	dst[0] = (char)toupper((unsigned char)dst[0]);
	return 0;
}

/* "a date deadline": a leading type word before a name. Its type, with *s moved past
 * it, or NULL. */
const char *tmpl_edit_type_prefix(char **s)
{
	char *rest = *s;

	for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++) {
		size_t n = strlen(TYPES[i].word);
		if (!strncasecmp(rest, TYPES[i].word, n) && rest[n] == ' ' &&
		    strlen(rest + n + 1) > 1 && strcasecmp(rest, "due date") != 0) {
			*s = tmpl_edit_trim(rest + n + 1);
			return TYPES[i].type;
		}
	}
	return NULL;
}
