/* tmpl_edit.c: iterate by asking, for template apps: edits a spec (see tmpl.h) as a
 * short English instruction asks.
 *
 * The instruction is split into clauses (on ';', '.', new lines and " and " before a
 * verb); each clause must be understood, else nothing counts and the reason is given.
 * What is understood: add / remove / rename a field, change its type; the title,
 * subtitle and theme; a poll's options and question; a quiz's topic and questions; the
 * currency.
 * The words of an instruction are read by tmpl_edit_words.c, a poll's options and a
 * quiz's questions edited by tmpl_edit_seed.c (shared internals: tmpl_edit_int.h).
 * Pure: same spec and instruction, same result. Error convention: 0, or -1 with a
 * message in err that is safe to show the user. */
#include "generator/tmpl_edit_int.h"
#include "generator/tmpl_int.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EDIT_MAX 2000 /* bytes of instruction read */
#define CLAUSES_MAX 8
#define FIELDS_MAX 24 /* fields per collection */

void tmpl_edit_said(struct edit *e, const char *fmt, ...)
{
	size_t n = strlen(e->summary);
	va_list ap;

	if (n && n + 1 < sizeof e->summary)
		e->summary[n++] = ' ', e->summary[n] = 0;
	va_start(ap, fmt);
	vsnprintf(e->summary + n, sizeof e->summary - n, fmt, ap);
	va_end(ap);
}

int tmpl_edit_fail(struct edit *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, e->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---------------------------------------------------------------- the spec */

const char *tmpl_edit_str(struct json_object *o, const char *key)
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

	tmpl_slug(s, sizeof s, words);
	json_object_object_foreach (e->cols, cname, col) {
		const char *l = tmpl_edit_str(col, "label"), *sg = tmpl_edit_str(col, "singular");
		if (!strcmp(cname, s) || (l && !strcasecmp(l, words)) ||
		    (sg && !strcasecmp(sg, words)) || (sg && !strcmp(sg, s))) {
			*name = cname;
			return col;
		}
	}
	return NULL;
}

/* The collection fields are added to by default: meta.primary, else the first. */
static struct json_object *coll_primary(struct edit *e, const char **name)
{
	const char *p = tmpl_edit_str(e->meta, "primary");
	struct json_object *col = NULL;

	if (p && json_object_object_get_ex(e->cols, p, &col)) {
		*name = p;
		return col;
	}
	json_object_object_foreach (e->cols, cname, c) {
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

	tmpl_slug(s, sizeof s, words);
	for (int pass = 0; pass < 2; pass++) {
		json_object_object_foreach (e->cols, cname, col) {
			struct json_object *fs = fields_of(col);
			if ((pass == 0) != (col == primary) || !fs)
				continue;
			for (size_t i = 0; i < json_object_array_length(fs); i++) {
				struct json_object *f = json_object_array_get_idx(fs, i);
				const char *n = tmpl_edit_str(f, "name"),
					   *l = tmpl_edit_str(f, "label");
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
	       tmpl_uses_field(e->kind, tmpl_edit_str(f, "name"));
}

/* ---------------------------------------------------------------- field edits */

static int add_field(struct edit *e, char *rest)
{
	char label[LABEL_MAX + 8], name[64];
	const char *type = NULL, *cname = NULL;
	struct json_object *col, *fs, *f, *tmpc;
	char *to, *t, *called;

	to = tmpl_edit_cut(rest, "to");
	col = to ? coll_named(e, tmpl_edit_drop_articles(to), &cname) : coll_primary(e, &cname);
	if (to && !col)
		return tmpl_edit_fail(e, "this app has no list called '%s'", to);
	if (!col || !(fs = fields_of(col)))
		return tmpl_edit_fail(e, "this app has no list to add a field to");
	if ((t = tmpl_edit_cut(rest, "of type")) || (t = tmpl_edit_cut(rest, "as")) ||
	    (t = tmpl_edit_cut(rest, "with type"))) {
		if (!(type = tmpl_edit_type_named(t)))
			return tmpl_edit_fail(
				e,
				"unknown field type '%s' (text, long text, number, integer, "
				"boolean, date, email, url or list)",
				t);
	}
	rest = tmpl_edit_drop_articles(rest);
	if ((called = tmpl_edit_cut(rest, "called")) || (called = tmpl_edit_cut(rest, "named"))) {
		if (*rest && !type && !(type = tmpl_edit_type_named(rest)))
			return tmpl_edit_fail(e, "unknown field type '%s'", rest);
		rest = called;
	}
	tmpl_edit_drop_field_words(rest);
	rest = tmpl_edit_trim(rest);
	if (!type)
		type = tmpl_edit_type_prefix(&rest);
	if (tmpl_edit_label(label, sizeof label, rest) < 0)
		return tmpl_edit_fail(e, "a field needs a name of 1 to %d plain characters",
				      LABEL_MAX);
	tmpl_slug(name, sizeof name, label);
	if (!name[0])
		return tmpl_edit_fail(e, "'%s' cannot be a field name: it must start with a letter",
				      label);
	if (field_find(e, name, &tmpc, &cname) >= 0 || field_find(e, label, &tmpc, &cname) >= 0)
		return tmpl_edit_fail(e, "the app already has a field '%s'", label);
	if (json_object_array_length(fs) >= FIELDS_MAX)
		return tmpl_edit_fail(e, "a list has at most %d fields", FIELDS_MAX);
	if (!type)
		type = tmpl_field_type(name);
	f = json_object_new_object();
	json_object_object_add(f, "name", json_object_new_string(name));
	json_object_object_add(f, "label", json_object_new_string(label));
	json_object_object_add(f, "type", json_object_new_string(type));
	if (!strcmp(type, "text"))
		json_object_object_add(f, "max", json_object_new_int(200));
	json_object_array_add(fs, f);
	tmpl_edit_said(e, "Added the field '%s' (%s) to %s.", label, type,
		       tmpl_edit_str(col, "label") ? tmpl_edit_str(col, "label") : cname);
	return 0;
}

static int remove_field(struct edit *e, char *rest)
{
	struct json_object *col, *fs, *f;
	const char *cname;
	char label[LABEL_MAX + 8];
	int i;

	tmpl_edit_cut(rest, "from");
	rest = tmpl_edit_drop_articles(rest);
	tmpl_edit_drop_field_words(rest);
	if ((i = field_find(e, rest, &col, &cname)) < 0)
		return tmpl_edit_fail(e, "the app has no field '%s'", rest);
	fs = fields_of(col);
	f = json_object_array_get_idx(fs, (size_t)i);
	util_copy(label, sizeof label, tmpl_edit_str(f, "label"));
	if (field_locked(e, f))
		return tmpl_edit_fail(e, "the field '%s' cannot be removed: the app needs it",
				      label);
	json_object_array_del_idx(fs, (size_t)i, 1);
	tmpl_edit_said(e, "Removed the field '%s'.", label);
	return 0;
}

static int rename_field(struct edit *e, char *rest, char *to)
{
	struct json_object *col, *f, *tmpc;
	const char *cname, *cn2;
	char label[LABEL_MAX + 8], name[64], old[LABEL_MAX + 8];
	int i;

	rest = tmpl_edit_drop_articles(rest);
	tmpl_edit_drop_field_words(rest);
	to = tmpl_edit_drop_articles(to);
	tmpl_edit_drop_field_words(to);
	if ((i = field_find(e, rest, &col, &cname)) < 0)
		return tmpl_edit_fail(e, "the app has no field '%s'", rest);
	if (tmpl_edit_label(label, sizeof label, to) < 0)
		return tmpl_edit_fail(e, "a field needs a name of 1 to %d plain characters",
				      LABEL_MAX);
	f = json_object_array_get_idx(fields_of(col), (size_t)i);
	util_copy(old, sizeof old, tmpl_edit_str(f, "label"));
	tmpl_slug(name, sizeof name, label);
	if (field_find(e, label, &tmpc, &cn2) >= 0 && tmpc == col &&
	    json_object_array_get_idx(fields_of(col), (size_t)field_find(e, label, &tmpc, &cn2)) !=
		    f)
		return tmpl_edit_fail(e, "the app already has a field '%s'", label);
	json_object_object_add(f, "label", json_object_new_string(label));
	if (field_locked(e, f) || !name[0]) {
		tmpl_edit_said(
			e,
			"Renamed the field '%s' to '%s' (its label: the app's code keeps its name).",
			old, label);
		return 0;
	}
	json_object_object_add(f, "name", json_object_new_string(name));
	tmpl_edit_said(e, "Renamed the field '%s' to '%s'.", old, label);
	return 0;
}

static int retype_field(struct edit *e, char *fieldw, const char *type)
{
	struct json_object *col, *f;
	const char *cname;
	int i;

	fieldw = tmpl_edit_drop_articles(fieldw);
	tmpl_edit_drop_field_words(fieldw);
	if ((i = field_find(e, fieldw, &col, &cname)) < 0)
		return tmpl_edit_fail(e, "the app has no field '%s'", fieldw);
	f = json_object_array_get_idx(fields_of(col), (size_t)i);
	if (field_locked(e, f))
		return tmpl_edit_fail(e,
				      "the type of '%s' cannot change: the app needs it as it is",
				      tmpl_edit_str(f, "label"));
	json_object_object_add(f, "type", json_object_new_string(type));
	json_object_object_del(f, "options");
	json_object_object_del(f, "max");
	if (!strcmp(type, "text"))
		json_object_object_add(f, "max", json_object_new_int(200));
	tmpl_edit_said(e, "The field '%s' is now of type %s.", tmpl_edit_str(f, "label"), type);
	return 0;
}

/* ---------------------------------------------------------------- app texts */

int tmpl_edit_set_text(struct edit *e, const char *key, char *v, size_t maxlen, const char *what)
{
	size_t n;

	v = tmpl_edit_trim(v);
	n = strlen(v);
	if (n == 0 || n > maxlen || !util_utf8_valid(v, n))
		return tmpl_edit_fail(e, "the %s must be 1 to %zu characters", what, maxlen);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return tmpl_edit_fail(e, "the %s must not contain control characters",
					      what);
	json_object_object_add(e->meta, key, json_object_new_string(v));
	if (!strcmp(key, "title"))
		json_object_object_add(e->spec, "title", json_object_new_string(v));
	tmpl_edit_said(e, "The %s is now '%s'.", what, v);
	return 0;
}

static int set_theme(struct edit *e, const char *lc)
{
	static const char *const names[] = { "light",  "dark", "green", "purple",
					     "orange", "red",  "pink",  NULL };

	for (size_t i = 0; names[i]; i++)
		if (strstr(lc, names[i]) && tmpl_theme_valid(names[i])) {
			json_object_object_add(e->meta, "theme", json_object_new_string(names[i]));
			tmpl_edit_said(e, "The theme is now %s.", names[i]);
			return 0;
		}
	return tmpl_edit_fail(
		e,
		"unknown theme: the themes are light, dark, green, purple, orange, red and pink");
}

static int set_currency(struct edit *e, const char *lc)
{
	char norm[EDIT_MAX + 8];
	const char *code;
	size_t o = 0;

	if (!tmpl_edit_str(e->meta, "currency"))
		return tmpl_edit_fail(e, "this app has no currency");
	norm[o++] = ' ';
	for (const char *p = lc; *p && o + 2 < sizeof norm; p++)
		norm[o++] = isalnum((unsigned char)*p) ? *p : ' ';
	norm[o++] = ' ';
	norm[o] = 0;
	if (!(code = tmpl_currency_code(norm)))
		return tmpl_edit_fail(
			e, "unknown currency (for example: euros, dollars, pounds, yen, EUR, USD)");
	json_object_object_add(e->meta, "currency", json_object_new_string(code));
	tmpl_edit_said(e, "The currency is now %s.", code);
	return 0;
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
	if ((r = tmpl_edit_after(c, "change the type of")) && (t = tmpl_edit_cut(r, "to")) &&
	    (type = tmpl_edit_type_named(t)))
		return retype_field(e, r, type);
	if ((r = tmpl_edit_after(c, "make")) || (r = tmpl_edit_after(c, "change")) ||
	    (r = tmpl_edit_after(c, "turn"))) {
		/* the type is the last words */
		for (char *p = r; (p = strchr(p, ' ')); p++) {
			if ((type = tmpl_edit_type_named(p + 1))) {
				*p = 0;
				while (drop_tail(r, "to") || drop_tail(r, "into") ||
				       drop_tail(r, "be"))
					;
				return retype_field(e, r, type);
			}
		}
	}
	{
		char copy[EDIT_MAX + 8];
		util_copy(copy, sizeof copy, c);
		if ((t = tmpl_edit_cut(copy, "should be")) && (type = tmpl_edit_type_named(t)))
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
		util_copy(one, sizeof one, tmpl_edit_trim(t));
		tmpl_edit_drop_field_words(one);
		if (*one && add_field(e, one) < 0)
			return -1;
	}
	return 0;
}

static const char *title_prefixes[] = { "rename the app to",   "rename it to",
					"rename app to",       "call it",
					"call the app",        "name it",
					"change the title to", "set the title to",
					"make the title",      "title:",
					"the title should be", "change the name to",
					"set the name to",     NULL };

static int text_clause(struct edit *e, char *c, const char *lc, int *done)
{
	char *r;

	*done = 1;
	if (strstr(lc, "subtitle")) {
		if ((r = strstr(c, ":")) || (r = tmpl_edit_cut(c, "to")) ||
		    (r = tmpl_edit_cut(c, "should be")))
			return tmpl_edit_set_text(e, "subtitle", r[0] == ':' ? r + 1 : r, 120,
						  "subtitle");
		return tmpl_edit_fail(
			e, "say what the subtitle should be, for example: set the subtitle to ...");
	}
	for (size_t i = 0; title_prefixes[i]; i++)
		if ((r = tmpl_edit_after(c, title_prefixes[i])))
			return tmpl_edit_set_text(e, "title", r, 60, "title");
	if (strstr(lc, "theme") || strstr(lc, "dark mode") || strstr(lc, "light mode") ||
	    !strcmp(lc, "make it dark") || !strcmp(lc, "make it light"))
		return set_theme(e, lc);
	if (strstr(lc, "currency") ||
	    (tmpl_edit_str(e->meta, "currency") &&
	     (tmpl_edit_after(c, "use") || tmpl_edit_after(c, "switch to") ||
	      tmpl_edit_after(c, "show amounts in"))))
		return set_currency(e, lc);
	if (!strcmp(e->kind, "quiz") &&
	    ((r = tmpl_edit_after(c, "change the topic to")) ||
	     (r = tmpl_edit_after(c, "set the topic to")) || (r = tmpl_edit_after(c, "topic:"))))
		return tmpl_edit_set_text(e, "topic", r, 60, "topic");
	return (*done = 0);
}

static int field_clause(struct edit *e, char *c)
{
	char *r, *to;

	if ((r = tmpl_edit_after(c, "rename")) || (r = tmpl_edit_after(c, "call"))) {
		if (!(to = tmpl_edit_cut(r, "to")) && !(to = tmpl_edit_cut(r, "as")))
			return tmpl_edit_fail(
				e,
				"say what to rename it to, for example: rename notes to comments");
		return rename_field(e, r, to);
	}
	if ((r = tmpl_edit_after(c, "add")) || (r = tmpl_edit_after(c, "include")) ||
	    (r = tmpl_edit_after(c, "i want")) || (r = tmpl_edit_after(c, "i need")))
		return add_clause(e, r);
	if ((r = tmpl_edit_after(c, "remove")) || (r = tmpl_edit_after(c, "delete")) ||
	    (r = tmpl_edit_after(c, "drop")) || (r = tmpl_edit_after(c, "get rid of")))
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
	if ((rc = tmpl_edit_poll_clause(e, c, &done)) < 0 || done)
		return rc;
	if ((rc = tmpl_edit_quiz_clause(e, c, &done)) < 0 || done)
		return rc;
	if ((rc = retype_clause(e, c, &done)) < 0 || done)
		return rc;
	if ((rc = field_clause(e, c)) <= 0)
		return rc;
	return tmpl_edit_fail(
		e,
		"could not understand '%s'. I can add, remove, rename or retype a field; "
		"change the title, subtitle, theme or currency; a poll's options or question; "
		"a quiz's topic or questions",
		shown);
}

static const char *const VERBS[] = { "add",    "remove",  "delete", "drop", "rename",
				     "change", "set",     "make",   "use",  "call",
				     "switch", "include", "turn",   NULL };

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
				if (tmpl_edit_after(p + skip, VERBS[v]) ||
				    !strncasecmp(p + skip, "then ", 5))
					cut_here = true;
			if (!cut_here)
				skip = 0;
		}
		if (cut_here) {
			*p = 0;
			if (*tmpl_edit_trim(start) && n <= CLAUSES_MAX)
				out[n++] = tmpl_edit_trim(start);
			start = p + skip;
			p += skip - 1;
		}
	}
	if (*tmpl_edit_trim(start) && n <= CLAUSES_MAX)
		out[n++] = tmpl_edit_trim(start);
	for (size_t i = 0; i < n; i++) {
		char *t = tmpl_edit_after(out[i], "then");
		if (t)
			out[i] = t;
		t = tmpl_edit_after(out[i], "please");
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
