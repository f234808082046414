/* tmpl_edit.c: iterate by asking, for template apps: edits a spec (see tmpl.h) as a
 * short English instruction asks.
 *
 * The instruction is split into clauses (on ';', '.', new lines and " and " before a
 * verb); each clause must be understood, else nothing counts and the reason is given.
 * What is understood: add / remove / rename a field, change its type; the title,
 * subtitle and theme; a poll's options and question; a quiz's topic and questions; the
 * currency.
 * Pure: same spec and instruction, same result. Error convention: 0, or -1 with a
 * message in err that is safe to show the user. */
#include "generator/tmpl.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define EDIT_MAX 2000          /* bytes of instruction read */
#define CLAUSES_MAX 8
#define FIELDS_MAX 24          /* fields per collection */
#define LABEL_MAX 60
#define OPTIONS_MAX 10

struct edit {
	struct json_object *spec, *meta, *cols;
	const char *kind;
	char summary[2048];
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static void said(struct edit *e, const char *fmt, ...)
{
	size_t n = strlen(e->summary);
	va_list ap;

	if (n && n + 1 < sizeof e->summary)
		e->summary[n++] = ' ', e->summary[n] = 0;
	va_start(ap, fmt);
	vsnprintf(e->summary + n, sizeof e->summary - n, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static int fail(struct edit *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, e->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---------------------------------------------------------------- words */

/* Trims spaces, quotes and a final period of s in place. */
static char *trim(char *s)
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
static char *after(char *s, const char *word)
{
	size_t n = strlen(word);

	if (strncasecmp(s, word, n) != 0 || (s[n] && s[n] != ' '))
		return NULL;
	return trim(s + n);
}

/* Drops leading articles and "new". */
static char *drop_articles(char *s)
{
	static const char *const arts[] = { "a", "an", "the", "new", "another", NULL };
	bool again = true;

	while (again) {
		again = false;
		for (size_t i = 0; arts[i]; i++) {
			char *r = after(s, arts[i]);
			if (r) {
				s = r;
				again = true;
			}
		}
	}
	return s;
}

/* Cuts s at the first " word " (case-insensitive); returns what follows, or NULL. */
static char *cut(char *s, const char *word)
{
	size_t n = strlen(word);

	for (char *p = s; (p = strchr(p, ' ')); p++)
		if (strncasecmp(p + 1, word, n) == 0 && (p[n + 1] == ' ' || !p[n + 1])) {
			*p = 0;
			return trim(p + 1 + n);
		}
	return NULL;
}

/* Removes the standalone words "field", "fields", "column" from s (in place). */
static void drop_field_words(char *s)
{
	static const char *const w[] = { "field", "fields", "column", "property", NULL };

	for (size_t i = 0; w[i]; i++) {
		size_t n = strlen(w[i]);
		for (char *p = s; (p = strcasestr(p, w[i]));) {
			bool start = p == s || p[-1] == ' ', end = !p[n] || p[n] == ' ';
			if (start && end)
				memmove(p, p + n + (p[n] == ' '), strlen(p + n + (p[n] == ' ')) + 1);
			else
				p++;
		}
	}
	trim(s);
	for (size_t n = strlen(s); n && s[n - 1] == ' ';)
		s[--n] = 0;
}

static const struct {
	const char *word, *type;
} TYPES[] = {
	{ "long text", "longtext" }, { "longtext", "longtext" }, { "paragraph", "longtext" },
	{ "multiline text", "longtext" }, { "text", "text" }, { "string", "text" },
	{ "whole number", "int" }, { "integer", "int" }, { "int", "int" }, { "number", "number" },
	{ "decimal", "number" }, { "float", "number" }, { "boolean", "bool" }, { "bool", "bool" },
	{ "checkbox", "bool" }, { "yes/no", "bool" }, { "date", "date" }, { "email", "email" },
	{ "url", "url" }, { "link", "url" }, { "list", "list" },
};

/* The field type that s names exactly ("a number" too), or NULL. */
static const char *type_named(const char *s)
{
	char buf[64];
	char *t;

	util_copy(buf, sizeof buf, s);
	t = drop_articles(trim(buf));
	drop_field_words(t);
	for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
		if (strcasecmp(t, TYPES[i].word) == 0)
			return TYPES[i].type;
	return NULL;
}

/* A field name from a label: [a-z][a-z0-9_]*, at most 30 bytes; "" if impossible. */
static void slug(char *dst, size_t dstsz, const char *label)
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
	dst[o] = 0;
	if (!isalpha((unsigned char)dst[0]))
		dst[0] = 0;
}

/* A label from words: printable, at most LABEL_MAX bytes, first letter capital. */
static int label_of(char *dst, size_t dstsz, const char *words)
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

/* ---------------------------------------------------------------- the spec */

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static struct json_object *fields_of(struct json_object *col)
{
	struct json_object *f = NULL;
	json_object_object_get_ex(col, "fields", &f);
	return json_object_is_type(f, json_type_array) ? f : NULL;
}

/* The collection named or labelled like words, or NULL. */
static struct json_object *coll_named(struct edit *e, const char *words, const char **name)
{
	char s[64];

	slug(s, sizeof s, words);
	json_object_object_foreach(e->cols, cname, col) {
		const char *l = str_of(col, "label"), *sg = str_of(col, "singular");
		if (!strcmp(cname, s) || (l && !strcasecmp(l, words)) || (sg && !strcasecmp(sg, words)) ||
		    (sg && !strcmp(sg, s))) {
			*name = cname;
			return col;
		}
	}
	return NULL;
}

/* The collection fields are added to by default: meta.primary, else the first. */
static struct json_object *coll_primary(struct edit *e, const char **name)
{
	const char *p = str_of(e->meta, "primary");
	struct json_object *col = NULL;

	if (p && json_object_object_get_ex(e->cols, p, &col)) {
		*name = p;
		return col;
	}
	json_object_object_foreach(e->cols, cname, c) {
		*name = cname;
		return c;
	}
	return NULL;
}

/* The field named or labelled like words: its index in *col's fields, or -1. */
static int field_find(struct edit *e, const char *words, struct json_object **col_out,
		      const char **cname_out)
{
	char s[64];
	const char *pname = NULL;
	struct json_object *primary = coll_primary(e, &pname);

	slug(s, sizeof s, words);
	for (int pass = 0; pass < 2; pass++) {
		json_object_object_foreach(e->cols, cname, col) {
			struct json_object *fs = fields_of(col);
			if ((pass == 0) != (col == primary) || !fs)
				continue;
			for (size_t i = 0; i < json_object_array_length(fs); i++) {
				struct json_object *f = json_object_array_get_idx(fs, i);
				const char *n = str_of(f, "name"), *l = str_of(f, "label");
				if ((n && (!strcmp(n, s) || !strcasecmp(n, words))) ||
				    (l && !strcasecmp(l, words))) {
					*col_out = col;
					*cname_out = cname;
					return (int)i;
				}
			}
		}
	}
	return -1;
}

static bool field_locked(struct edit *e, struct json_object *f)
{
	struct json_object *v;
	return (json_object_object_get_ex(f, "required", &v) && json_object_get_boolean(v)) ||
	       (json_object_object_get_ex(f, "readonly", &v) && json_object_get_boolean(v)) ||
	       tmpl_uses_field(e->kind, str_of(f, "name"));
}

/* ---------------------------------------------------------------- field edits */

static int add_field(struct edit *e, char *rest)
{
	char label[LABEL_MAX + 8], name[64];
	const char *type = NULL, *cname = NULL;
	struct json_object *col, *fs, *f, *tmpc;
	char *to, *t, *called;

	to = cut(rest, "to");
	col = to ? coll_named(e, drop_articles(to), &cname) : coll_primary(e, &cname);
	if (to && !col)
		return fail(e, "this app has no list called '%s'", to);
	if (!col || !(fs = fields_of(col)))
		return fail(e, "this app has no list to add a field to");
	if ((t = cut(rest, "of type")) || (t = cut(rest, "as")) || (t = cut(rest, "with type"))) {
		if (!(type = type_named(t)))
			return fail(e, "unknown field type '%s' (text, long text, number, integer, "
				    "boolean, date, email, url or list)", t);
	}
	rest = drop_articles(rest);
	if ((called = cut(rest, "called")) || (called = cut(rest, "named"))) {
		if (*rest && !type && !(type = type_named(rest)))
			return fail(e, "unknown field type '%s'", rest);
		rest = called;
	}
	drop_field_words(rest);
	rest = trim(rest);
	/* "a date deadline": a leading type word before a name */
	for (size_t i = 0; !type && i < sizeof TYPES / sizeof TYPES[0]; i++) {
		size_t n = strlen(TYPES[i].word);
		if (!strncasecmp(rest, TYPES[i].word, n) && rest[n] == ' ' && strlen(rest + n + 1) > 1 &&
		    strcasecmp(rest, "due date") != 0) {
			type = TYPES[i].type;
			rest = trim(rest + n + 1);
		}
	}
	if (label_of(label, sizeof label, rest) < 0)
		return fail(e, "a field needs a name of 1 to %d plain characters", LABEL_MAX);
	slug(name, sizeof name, label);
	if (!name[0])
		return fail(e, "'%s' cannot be a field name: it must start with a letter", label);
	if (field_find(e, name, &tmpc, &cname) >= 0 || field_find(e, label, &tmpc, &cname) >= 0)
		return fail(e, "the app already has a field '%s'", label);
	if (json_object_array_length(fs) >= FIELDS_MAX)
		return fail(e, "a list has at most %d fields", FIELDS_MAX);
	if (!type)
		type = tmpl_field_type(name);
	f = json_object_new_object();
	json_object_object_add(f, "name", json_object_new_string(name));
	json_object_object_add(f, "label", json_object_new_string(label));
	json_object_object_add(f, "type", json_object_new_string(type));
	if (!strcmp(type, "text"))
		json_object_object_add(f, "max", json_object_new_int(200));
	json_object_array_add(fs, f);
	said(e, "Added the field '%s' (%s) to %s.", label, type, str_of(col, "label") ? str_of(col, "label") : cname);
	return 0;
}

static int remove_field(struct edit *e, char *rest)
{
	struct json_object *col, *fs, *f;
	const char *cname;
	char label[LABEL_MAX + 8];
	int i;

	cut(rest, "from");
	rest = drop_articles(rest);
	drop_field_words(rest);
	if ((i = field_find(e, rest, &col, &cname)) < 0)
		return fail(e, "the app has no field '%s'", rest);
	fs = fields_of(col);
	f = json_object_array_get_idx(fs, (size_t)i);
	util_copy(label, sizeof label, str_of(f, "label"));
	if (field_locked(e, f))
		return fail(e, "the field '%s' cannot be removed: the app needs it", label);
	json_object_array_del_idx(fs, (size_t)i, 1);
	said(e, "Removed the field '%s'.", label);
	return 0;
}

static int rename_field(struct edit *e, char *rest, char *to)
{
	struct json_object *col, *f, *tmpc;
	const char *cname, *cn2;
	char label[LABEL_MAX + 8], name[64], old[LABEL_MAX + 8];
	int i;

	rest = drop_articles(rest);
	drop_field_words(rest);
	to = drop_articles(to);
	drop_field_words(to);
	if ((i = field_find(e, rest, &col, &cname)) < 0)
		return fail(e, "the app has no field '%s'", rest);
	if (label_of(label, sizeof label, to) < 0)
		return fail(e, "a field needs a name of 1 to %d plain characters", LABEL_MAX);
	f = json_object_array_get_idx(fields_of(col), (size_t)i);
	util_copy(old, sizeof old, str_of(f, "label"));
	slug(name, sizeof name, label);
	if (field_find(e, label, &tmpc, &cn2) >= 0 && tmpc == col &&
	    json_object_array_get_idx(fields_of(col), (size_t)field_find(e, label, &tmpc, &cn2)) != f)
		return fail(e, "the app already has a field '%s'", label);
	json_object_object_add(f, "label", json_object_new_string(label));
	if (field_locked(e, f) || !name[0]) {
		said(e, "Renamed the field '%s' to '%s' (its label: the app's code keeps its name).",
		     old, label);
		return 0;
	}
	json_object_object_add(f, "name", json_object_new_string(name));
	said(e, "Renamed the field '%s' to '%s'.", old, label);
	return 0;
}

static int retype_field(struct edit *e, char *fieldw, const char *type)
{
	struct json_object *col, *f;
	const char *cname;
	int i;

	fieldw = drop_articles(fieldw);
	drop_field_words(fieldw);
	if ((i = field_find(e, fieldw, &col, &cname)) < 0)
		return fail(e, "the app has no field '%s'", fieldw);
	f = json_object_array_get_idx(fields_of(col), (size_t)i);
	if (field_locked(e, f))
		return fail(e, "the type of '%s' cannot change: the app needs it as it is",
			    str_of(f, "label"));
	json_object_object_add(f, "type", json_object_new_string(type));
	json_object_object_del(f, "options");
	json_object_object_del(f, "max");
	if (!strcmp(type, "text"))
		json_object_object_add(f, "max", json_object_new_int(200));
	said(e, "The field '%s' is now of type %s.", str_of(f, "label"), type);
	return 0;
}

/* ---------------------------------------------------------------- app texts */

static int set_text(struct edit *e, const char *key, char *v, size_t maxlen, const char *what)
{
	size_t n;

	v = trim(v);
	n = strlen(v);
	if (n == 0 || n > maxlen || !util_utf8_valid(v, n))
		return fail(e, "the %s must be 1 to %zu characters", what, maxlen);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return fail(e, "the %s must not contain control characters", what);
	json_object_object_add(e->meta, key, json_object_new_string(v));
	if (!strcmp(key, "title"))
		json_object_object_add(e->spec, "title", json_object_new_string(v));
	said(e, "The %s is now '%s'.", what, v);
	return 0;
}

static int set_theme(struct edit *e, const char *lc)
{
	static const char *const names[] = { "light", "dark", "green", "purple", "orange", "red",
					     "pink", NULL };

	for (size_t i = 0; names[i]; i++)
		if (strstr(lc, names[i]) && tmpl_theme_valid(names[i])) {
			json_object_object_add(e->meta, "theme", json_object_new_string(names[i]));
			said(e, "The theme is now %s.", names[i]);
			return 0;
		}
	return fail(e, "unknown theme: the themes are light, dark, green, purple, orange, red and pink");
}

static int set_currency(struct edit *e, const char *lc)
{
	char norm[EDIT_MAX + 8];
	const char *code;
	size_t o = 0;

	if (!str_of(e->meta, "currency"))
		return fail(e, "this app has no currency");
	norm[o++] = ' ';
	for (const char *p = lc; *p && o + 2 < sizeof norm; p++)
		norm[o++] = isalnum((unsigned char)*p) ? *p : ' ';
	norm[o++] = ' ';
	norm[o] = 0;
	if (!(code = tmpl_currency_code(norm)))
		return fail(e, "unknown currency (for example: euros, dollars, pounds, yen, EUR, USD)");
	json_object_object_add(e->meta, "currency", json_object_new_string(code));
	said(e, "The currency is now %s.", code);
	return 0;
}

/* ---------------------------------------------------------------- poll options */

static struct json_object *poll_seed(struct edit *e)
{
	struct json_object *col = NULL, *s = NULL;

	if (strcmp(e->kind, "poll") != 0 || !json_object_object_get_ex(e->cols, "options", &col))
		return NULL;
	if (!json_object_object_get_ex(col, "seed", &s)) {
		s = json_object_new_array();
		json_object_object_add(col, "seed", s);
	}
	return s;
}

static int option_find(struct json_object *seed, const char *label)
{
	for (size_t i = 0; i < json_object_array_length(seed); i++)
		if (!strcasecmp(str_of(json_object_array_get_idx(seed, i), "label"), label))
			return (int)i;
	return -1;
}

static int option_add(struct edit *e, struct json_object *seed, char *text)
{
	struct json_object *o;
	char label[LABEL_MAX + 8];

	text = trim(text);
	if (strlen(text) > 60 || label_of(label, sizeof label, text) < 0)
		return fail(e, "an option needs a text of 1 to 60 plain characters");
	if (option_find(seed, label) >= 0)
		return fail(e, "the poll already has the option '%s'", label);
	if (json_object_array_length(seed) >= OPTIONS_MAX)
		return fail(e, "a poll has at most %d options", OPTIONS_MAX);
	o = json_object_new_object();
	json_object_object_add(o, "label", json_object_new_string(label));
	json_object_array_add(seed, o);
	said(e, "Added the option '%s'.", label);
	return 0;
}

/* "options: a, b, c": replaces every option. */
static int options_set(struct edit *e, struct json_object *seed, char *list)
{
	char *save = NULL;

	while (json_object_array_length(seed))
		json_object_array_del_idx(seed, 0, 1);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *x = trim(t), *o = after(x, "or");
		if (option_add(e, seed, o ? o : x) < 0)
			return -1;
	}
	if (json_object_array_length(seed) < 2)
		return fail(e, "a poll needs at least two options");
	return 0;
}

static int poll_clause(struct edit *e, char *c, int *done)
{
	struct json_object *seed = poll_seed(e);
	char *r, *to;
	int i;

	*done = 1;
	if (!seed)
		return (*done = 0);
	if ((r = after(c, "add")) && (r = drop_articles(r)) && ((to = after(r, "option")) ||
								  (to = after(r, "choice"))))
		return option_add(e, seed, to);
	if ((r = after(c, "add")) && (to = cut(r, "as an option")))
		return option_add(e, seed, r);
	if (((r = after(c, "remove")) || (r = after(c, "delete")) || (r = after(c, "drop"))) &&
	    (r = drop_articles(r)) && ((to = after(r, "option")) || (to = after(r, "choice")))) {
		if ((i = option_find(seed, trim(to))) < 0)
			return fail(e, "the poll has no option '%s'", to);
		if (json_object_array_length(seed) <= 2)
			return fail(e, "a poll needs at least two options");
		json_object_array_del_idx(seed, (size_t)i, 1);
		said(e, "Removed the option '%s'.", to);
		return 0;
	}
	if ((r = after(c, "options:")) || (r = after(c, "set the options to")) ||
	    (r = after(c, "change the options to")) || (r = after(c, "the options are")))
		return options_set(e, seed, r);
	if ((r = after(c, "change the question to")) || (r = after(c, "set the question to")) ||
	    (r = after(c, "ask")))
		return set_text(e, "question", r, 120, "question");
	return (*done = 0);
}

/* ---------------------------------------------------------------- quiz questions */

#define QUIZ_MAX 50

static struct json_object *quiz_seed(struct edit *e)
{
	struct json_object *col = NULL, *s = NULL;

	if (strcmp(e->kind, "quiz") != 0 || !json_object_object_get_ex(e->cols, "questions", &col))
		return NULL;
	if (!json_object_object_get_ex(col, "seed", &s)) {
		s = json_object_new_array();
		json_object_object_add(col, "seed", s);
	}
	return s;
}

/* "add the question Q with choices a, b, c and answer b". */
static int question_add(struct edit *e, struct json_object *seed, char *r)
{
	char *choices, *answer, *save = NULL, q[320];
	struct json_object *item, *arr;
	int found = -1;

	if (!(choices = cut(r, "with choices")) && !(choices = cut(r, "choices")))
		return fail(e, "say the choices, for example: add the question What is 2+2? with "
			    "choices 3, 4, 5 and answer 4");
	if (!(answer = cut(choices, "and answer")) && !(answer = cut(choices, "answer")))
		return fail(e, "say which choice is the answer, for example: ... and answer 4");
	r = trim(r);
	if (!*r || strlen(r) > 300 || !util_utf8_valid(r, strlen(r)) || strpbrk(r, "<>"))
		return fail(e, "a question needs a text of 1 to 300 plain characters");
	util_copy(q, sizeof q, trim(r));
	arr = json_object_new_array();
	for (char *t = strtok_r(choices, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *x = trim(t), *o = after(x, "or");
		x = o ? o : x;
		if (!*x || strlen(x) > 60 || json_object_array_length(arr) >= 6) {
			json_object_put(arr);
			return fail(e, "a question has 2 to 6 choices of 1 to 60 characters");
		}
		if (!strcasecmp(x, trim(answer)))
			found = (int)json_object_array_length(arr);
		json_object_array_add(arr, json_object_new_string(x));
	}
	if (json_object_array_length(arr) < 2 || found < 0) {
		bool few = json_object_array_length(arr) < 2;
		json_object_put(arr);
		return fail(e, few ? "a question has 2 to 6 choices" : "the answer must be one of the choices");
	}
	if (json_object_array_length(seed) >= QUIZ_MAX) {
		json_object_put(arr);
		return fail(e, "a quiz starts with at most %d questions", QUIZ_MAX);
	}
	item = json_object_new_object();
	json_object_object_add(item, "question", json_object_new_string(q));
	json_object_object_add(item, "choices", arr);
	json_object_object_add(item, "answer", json_object_new_int(found));
	json_object_array_add(seed, item);
	said(e, "Added the question '%s'.", q);
	return 0;
}

/* "remove question 2" or "remove the question What is 2+2?". */
static int question_remove(struct edit *e, struct json_object *seed, char *which)
{
	size_t n = json_object_array_length(seed);
	long long k = 0;
	int at = -1;

	which = trim(which);
	if (util_parse_ll(which, 1, (long long)n, &k) == 0)
		at = (int)k - 1;
	for (size_t i = 0; at < 0 && i < n; i++) {
		struct json_object *q = NULL;
		json_object_object_get_ex(json_object_array_get_idx(seed, i), "question", &q);
		if (q && !strcasecmp(json_object_get_string(q), which))
			at = (int)i;
	}
	if (at < 0)
		return fail(e, "the quiz has no question '%s'", which);
	if (n <= 1)
		return fail(e, "a quiz needs at least one question");
	json_object_array_del_idx(seed, (size_t)at, 1);
	said(e, "Removed question %d.", at + 1);
	return 0;
}

static int quiz_clause(struct edit *e, char *c, int *done)
{
	struct json_object *seed = quiz_seed(e);
	char *r, *q;

	*done = 1;
	if (!seed)
		return (*done = 0);
	if ((r = after(c, "add")) && (r = drop_articles(r)) &&
	    ((q = after(r, "question:")) || (q = after(r, "question"))))
		return question_add(e, seed, q);
	if (((r = after(c, "remove")) || (r = after(c, "delete")) || (r = after(c, "drop"))) &&
	    (r = drop_articles(r)) && ((q = after(r, "question:")) || (q = after(r, "question"))))
		return question_remove(e, seed, q);
	return (*done = 0);
}

/* ---------------------------------------------------------------- clauses */

/* Drops a final standalone word of s (in place); true when it did. */
static bool drop_tail(char *s, const char *word)
{
	size_t n = strlen(s), m = strlen(word);

	if (n > m && s[n - m - 1] == ' ' && strcasecmp(s + n - m, word) == 0) {
		s[n - m - 1] = 0;
		return true;
	}
	return false;
}

/* "change the type of X to date", "make X a number", "change X to a date",
 * "X should be a date". */
static int retype_clause(struct edit *e, char *c, int *done)
{
	char *r, *t;
	const char *type;

	*done = 1;
	if ((r = after(c, "change the type of")) && (t = cut(r, "to")) && (type = type_named(t)))
		return retype_field(e, r, type);
	if ((r = after(c, "make")) || (r = after(c, "change")) || (r = after(c, "turn"))) {
		/* the type is the last words */
		for (char *p = r; (p = strchr(p, ' ')); p++) {
			if ((type = type_named(p + 1))) {
				*p = 0;
				while (drop_tail(r, "to") || drop_tail(r, "into") || drop_tail(r, "be"))
					;
				return retype_field(e, r, type);
			}
		}
	}
	{
		char copy[EDIT_MAX + 8];
		util_copy(copy, sizeof copy, c);
		if ((t = cut(copy, "should be")) && (type = type_named(t)))
			return retype_field(e, copy, type);
	}
	return (*done = 0);
}

/* "add quantity and price fields": several names at once. */
static int add_clause(struct edit *e, char *r)
{
	char *save = NULL;
	bool plural = strcasestr(r, "fields") || strcasestr(r, "columns");

	if (!plural)
		return add_field(e, r);
	for (char *p; (p = strcasestr(r, " and "));)
		p[0] = ',', memmove(p + 1, p + 4, strlen(p + 4) + 1);
	for (char *t = strtok_r(r, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char one[256];
		util_copy(one, sizeof one, trim(t));
		drop_field_words(one);
		if (*one && add_field(e, one) < 0)
			return -1;
	}
	return 0;
}

static const char *title_prefixes[] = { "rename the app to", "rename it to", "rename app to",
	"call it", "call the app", "name it", "change the title to", "set the title to",
	"make the title", "title:", "the title should be", "change the name to",
	"set the name to", NULL };

static int text_clause(struct edit *e, char *c, const char *lc, int *done)
{
	char *r;

	*done = 1;
	if (strstr(lc, "subtitle")) {
		if ((r = strstr(c, ":")) || (r = cut(c, "to")) || (r = cut(c, "should be")))
			return set_text(e, "subtitle", r[0] == ':' ? r + 1 : r, 120, "subtitle");
		return fail(e, "say what the subtitle should be, for example: set the subtitle to ...");
	}
	for (size_t i = 0; title_prefixes[i]; i++)
		if ((r = after(c, title_prefixes[i])))
			return set_text(e, "title", r, 60, "title");
	if (strstr(lc, "theme") || strstr(lc, "dark mode") || strstr(lc, "light mode") ||
	    !strcmp(lc, "make it dark") || !strcmp(lc, "make it light"))
		return set_theme(e, lc);
	if (strstr(lc, "currency") ||
	    (str_of(e->meta, "currency") && (after(c, "use") || after(c, "switch to") ||
					     after(c, "show amounts in"))))
		return set_currency(e, lc);
	if (!strcmp(e->kind, "quiz") && ((r = after(c, "change the topic to")) ||
					 (r = after(c, "set the topic to")) || (r = after(c, "topic:"))))
		return set_text(e, "topic", r, 60, "topic");
	return (*done = 0);
}

static int field_clause(struct edit *e, char *c)
{
	char *r, *to;

	if ((r = after(c, "rename")) || (r = after(c, "call"))) {
		if (!(to = cut(r, "to")) && !(to = cut(r, "as")))
			return fail(e, "say what to rename it to, for example: rename notes to comments");
		return rename_field(e, r, to);
	}
	if ((r = after(c, "add")) || (r = after(c, "include")) || (r = after(c, "i want")) ||
	    (r = after(c, "i need")))
		return add_clause(e, r);
	if ((r = after(c, "remove")) || (r = after(c, "delete")) || (r = after(c, "drop")) ||
	    (r = after(c, "get rid of")))
		return remove_field(e, r);
	return 1;
}

static int clause(struct edit *e, char *c)
{
	char lc[EDIT_MAX + 8], shown[80];
	int done = 0, rc;

	util_copy(lc, sizeof lc, c);
	for (char *p = lc; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	util_copy(shown, sizeof shown, c);
	if ((rc = text_clause(e, c, lc, &done)) < 0 || done)
		return rc;
	if ((rc = poll_clause(e, c, &done)) < 0 || done)
		return rc;
	if ((rc = quiz_clause(e, c, &done)) < 0 || done)
		return rc;
	if ((rc = retype_clause(e, c, &done)) < 0 || done)
		return rc;
	if ((rc = field_clause(e, c)) <= 0)
		return rc;
	return fail(e, "could not understand '%s'. I can add, remove, rename or retype a field; "
		    "change the title, subtitle, theme or currency; a poll's options or question; "
		    "a quiz's topic or questions", shown);
}

static const char *const VERBS[] = { "add", "remove", "delete", "drop", "rename", "change", "set",
	"make", "use", "call", "switch", "include", "turn", NULL };

/* Splits buf into clauses (in place): ';', new lines, ". ", and " and " or ", " before
 * a verb. Returns how many (at most CLAUSES_MAX + 1: too many). */
static size_t split_clauses(char *buf, char *out[CLAUSES_MAX + 1])
{
	size_t n = 0;
	char *start = buf;

	for (char *p = buf; *p; p++) {
		bool cut_here = false;
		size_t skip = 0;
		if (*p == ';' || *p == '\n' || (*p == '.' && p[1] == ' ')) {
			cut_here = true;
			skip = 1;
		} else if ((!strncasecmp(p, " and ", 5) && (skip = 5)) ||
			   (!strncasecmp(p, ", ", 2) && (skip = 2))) {
			for (size_t v = 0; VERBS[v]; v++)
				if (after(p + skip, VERBS[v]) || !strncasecmp(p + skip, "then ", 5))
					cut_here = true;
			if (!cut_here)
				skip = 0;
		}
		if (cut_here) {
			*p = 0;
			if (*trim(start) && n <= CLAUSES_MAX)
				out[n++] = trim(start);
			start = p + skip;
			p += skip - 1;
		}
	}
	if (*trim(start) && n <= CLAUSES_MAX)
		out[n++] = trim(start);
	for (size_t i = 0; i < n; i++) {
		char *t = after(out[i], "then");
		if (t)
			out[i] = t;
		t = after(out[i], "please");
		if (t)
			out[i] = t;
	}
	return n;
}

int tmpl_edit(struct json_object *spec, const char *instruction, char **summary, char *err,
	      size_t errlen)
{
	struct edit e = { .spec = spec, .err = err, .errlen = errlen };
	struct json_object *cfg = NULL, *kind = NULL;
	char buf[EDIT_MAX + 8], *clauses[CLAUSES_MAX + 1];
	size_t n, len = instruction ? strlen(instruction) : 0;

	*summary = NULL;
	if (len == 0 || len > EDIT_MAX || !util_utf8_valid(instruction, len)) {
		snprintf(err, errlen, "say what to change in 1 to %d bytes of text", EDIT_MAX);
		return -1;
	}
	if (!json_object_object_get_ex(spec, "config", &cfg) ||
	    !json_object_object_get_ex(cfg, "meta", &e.meta) ||
	    !json_object_object_get_ex(cfg, "collections", &e.cols) ||
	    !json_object_object_get_ex(spec, "kind", &kind)) {
		snprintf(err, errlen, "the app's template spec is incomplete");
		return -1;
	}
	e.kind = json_object_get_string(kind);
	util_copy(buf, sizeof buf, instruction);
	n = split_clauses(buf, clauses);
	if (n == 0) {
		snprintf(err, errlen, "say what to change");
		return -1;
	}
	if (n > CLAUSES_MAX) {
		snprintf(err, errlen, "at most %d changes at once", CLAUSES_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (clause(&e, clauses[i]) < 0)
			return -1;
	if (!(*summary = strdup(e.summary))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
