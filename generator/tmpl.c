/* tmpl.c: the template provider: classify a prompt into a kind of app, fill the kind's
 * plan from the prompt, render the embedded templates into a file map (see tmpl.h).
 *
 * Why the templates are compiled in (embed.py -> templates_data.c) rather than read
 * from pkgdatadir: the daemon, appforge-generate and the tests then produce the same
 * bytes from any build or install tree with no path to configure, and a half-installed
 * template directory cannot yield half an app. The templates are still ordinary .js,
 * .css and .html files in the source tree, which tests run and check directly. */
#include "generator/tmpl.h"
#include "generator/generator.h"
#include "appfiles.h"
#include "json.h"
#include "util.h"
#include "common/strbuf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *tmpl_html_escape(const char *s)
{
	struct strbuf b = {0};
	strbuf_add(&b, "", 0);
	for (; *s; s++) {
		switch (*s) {
		case '&': strbuf_puts(&b, "&amp;"); break;
		case '<': strbuf_puts(&b, "&lt;"); break;
		case '>': strbuf_puts(&b, "&gt;"); break;
		case '"': strbuf_puts(&b, "&quot;"); break;
		case '\'': strbuf_puts(&b, "&#39;"); break;
		default: strbuf_add(&b, s, 1);
		}
	}
	return strbuf_take(&b);
}

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
static void clean_copy(char *dst, size_t dstsz, const char *src, size_t n, size_t maxchars,
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

static void capitalize(char *s)
{
	if (s[0] >= 'a' && s[0] <= 'z')
		s[0] = (char)(s[0] - 'a' + 'A');
}

/* ------------------------------------------------------------------ normalisation */

struct ctx {
	char raw[TMPL_SCAN_MAX + 1];   /* bounded prompt, controls -> spaces, trimmed */
	char lower[TMPL_SCAN_MAX + 1]; /* raw with ASCII lowercased: same offsets */
	char norm[2 * TMPL_SCAN_MAX + 3]; /* " word word ... " */
	int truncated;
	size_t kind;
	int recognised;
	char title[512];
	char subject[256];   /* phrase after "for"/"about"/... */
	char named[256];     /* "called X", "named X" or a quoted name */
	struct json_object *meta, *cols;
	struct strbuf notes;   /* the assumption, built up */
};

/* A multi-byte UTF-8 punctuation sequence (quotes, dashes, ellipsis, guillemets,
 * no-break space) that separates words: its length, or 0. */
static size_t utf8_punct(const unsigned char *s, size_t n)
{
	if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80)
		return 3;                           /* U+2000..U+203F */
	if (n >= 2 && s[0] == 0xC2 && (s[1] == 0xA0 || s[1] == 0xAB || s[1] == 0xBB || s[1] == 0xB7))
		return 2;
	return 0;
}

static void normalise(struct ctx *c, const char *prompt)
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
static int has_in(const char *norm, const char *phrase)
{
	static const char *const suffixes[] = {"", "s", "es"};
	char pat[96];
	for (size_t i = 0; i < 3; i++) {
		int n = snprintf(pat, sizeof pat, " %s%s ", phrase, suffixes[i]);
		if (n > 0 && (size_t)n < sizeof pat && strstr(norm, pat))
			return 1;
	}
	return 0;
}

static int has(const struct ctx *c, const char *phrase)
{
	return has_in(c->norm, phrase);
}

/* Finds marker (lowercase, may hold spaces) as whole words in the prompt and returns
 * the offset just after it (and after following spaces and a ':'), or -1. */
static long find_marker(const struct ctx *c, const char *marker, size_t from)
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

static const char *const STOP_WORDS[] = {
	" with ", " in ", " that ", " which ", " where ", " using ", " so ", " where ",
	" including ", " showing ", " to track ", " to keep ", " to manage ", " to store ",
	" to vote ", " to count ", " to save ", " who ", " whose ", " having ", " by ", NULL,
};

/* The length of the phrase starting at offset start: up to punctuation, a stop word,
 * or maxwords words. */
static size_t phrase_len(const struct ctx *c, size_t start, int maxwords)
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
static void drop_article(char *s)
{
	static const char *const arts[] = {"the ", "my ", "our ", "a ", "an ", "your ", "some ", NULL};
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
static void find_names(struct ctx *c)
{
	static const char *const name_markers[] = {"called", "named", "titled", "entitled", NULL};
	for (size_t i = 0; name_markers[i] && !c->named[0]; i++) {
		long at = find_marker(c, name_markers[i], 0);
		if (at < 0)
			continue;
		const char *s = c->raw + at;
		if (*s == '"' || *s == '\'') {
			const char *q = strchr(s + 1, *s);
			if (q) {
				clean_copy(c->named, sizeof c->named, s + 1, (size_t)(q - s - 1), TMPL_TITLE_MAX, 1);
				continue;
			}
		}
		clean_copy(c->named, sizeof c->named, s, phrase_len(c, (size_t)at, 6), TMPL_TITLE_MAX, 0);
	}
	if (!c->named[0]) {
		const char *q1 = strchr(c->raw, '"');
		const char *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
		if (q2 && q2 - q1 > 1)
			clean_copy(c->named, sizeof c->named, q1 + 1, (size_t)(q2 - q1 - 1), TMPL_TITLE_MAX, 1);
	}
	static const char *const subj_markers[] = {"for", "about", "on the topic of", "on", "of", NULL};
	for (size_t i = 0; subj_markers[i] && !c->subject[0]; i++) {
		/* "of"/"on" only make sense for a quiz ("quiz on capitals") */
		if ((!strcmp(subj_markers[i], "on") || !strcmp(subj_markers[i], "of")) &&
		    strcmp(tmpl_kind_name(c->kind), "quiz"))
			continue;
		long at = find_marker(c, subj_markers[i], 0);
		if (at < 0)
			continue;
		clean_copy(c->subject, sizeof c->subject, c->raw + at, phrase_len(c, (size_t)at, 6),
			   TMPL_TITLE_MAX, 0);
		drop_article(c->subject);
		/* "for me", "for keeping ..." say nothing about the subject */
		static const char *const vague[] = {"me", "us", "myself", "everyone", "people",
			"the team", "team", "my team", "friends", "my friends", "work", "fun", NULL};
		for (size_t v = 0; vague[v]; v++)
			if (!strcasecmp(c->subject, vague[v]))
				c->subject[0] = '\0';
		if (!strncasecmp(c->subject, "keeping", 7) || !strncasecmp(c->subject, "tracking", 8) ||
		    !strncasecmp(c->subject, "managing", 8))
			c->subject[0] = '\0';
	}
}

/* Splits the list at offset start (up to '.', '?', '!' or the end) on ',', ';', '/',
 * " or " and " and " into at most max entries of at most maxchars, capitalised,
 * without duplicates. Returns the number stored. */
static size_t split_list(const struct ctx *c, size_t start, char out[][64], size_t max, size_t maxchars)
{
	size_t n = 0;
	const char *s = c->raw + start;
	const char *l = c->lower + start;
	size_t end = strcspn(s, ".!?\n");
	size_t i = 0;
	while (i < end && n < max) {
		size_t j = i, sep = 0;
		while (j < end) {
			if (strchr(",;/", s[j])) { sep = 1; break; }
			if (!strncmp(l + j, " or ", 4) || !strncmp(l + j, " and ", 5)) {
				sep = l[j + 1] == 'o' ? 4 : 5;
				break;
			}
			j++;
		}
		char item[256];
		clean_copy(item, sizeof item, s + i, j - i, maxchars, 0);
		if (!strncasecmp(item, "and ", 4) || !strncasecmp(item, "or ", 3))
			memmove(item, item + (item[0] == 'a' || item[0] == 'A' ? 4 : 3),
				strlen(item + (item[0] == 'a' || item[0] == 'A' ? 4 : 3)) + 1);
		capitalize(item);
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

/* ------------------------------------------------------------------ JSON builders */

#define F_REQ 1
#define F_RO 2
#define F_PRIV 4

static struct json_object *fld(const char *name, const char *label, const char *type, int flags,
			       long max)
{
	struct json_object *f = json_object_new_object();
	json_object_object_add(f, "name", json_object_new_string(name));
	json_object_object_add(f, "label", json_object_new_string(label));
	json_object_object_add(f, "type", json_object_new_string(type));
	if (flags & F_REQ)
		json_object_object_add(f, "required", json_object_new_boolean(1));
	if (flags & F_RO)
		json_object_object_add(f, "readonly", json_object_new_boolean(1));
	if (flags & F_PRIV)
		json_object_object_add(f, "private", json_object_new_boolean(1));
	if (max)
		json_object_object_add(f, "max", json_object_new_int64(max));
	return f;
}

static void fld_int(struct json_object *f, const char *key, long v)
{
	json_object_object_add(f, key, json_object_new_int64(v));
}

static struct json_object *str_array(const char *const *v, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static struct json_object *fld_enum(const char *name, const char *label, const char *const *opts,
				    size_t n)
{
	struct json_object *f = fld(name, label, "enum", 0, 0);
	json_object_object_add(f, "options", str_array(opts, n));
	return f;
}

/* Adds collection name to the plan; fields is taken; ops NULL means every operation.
 * Returns the collection (borrowed) for seeding. */
static struct json_object *coll(struct ctx *c, const char *name, const char *label,
				const char *singular, struct json_object *fields, const char *ops)
{
	struct json_object *col = json_object_new_object();
	json_object_object_add(col, "label", json_object_new_string(label));
	json_object_object_add(col, "singular", json_object_new_string(singular));
	json_object_object_add(col, "fields", fields);
	if (ops) {
		struct json_object *a = json_object_new_array();
		char buf[128];
		util_copy(buf, sizeof buf, ops);
		char *save = NULL;
		for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
			json_object_array_add(a, json_object_new_string(t));
		json_object_object_add(col, "ops", a);
	}
	json_object_object_add(c->cols, name, col);
	return col;
}

static void seed(struct json_object *col, struct json_object *item)
{
	struct json_object *s;
	if (!json_object_object_get_ex(col, "seed", &s)) {
		s = json_object_new_array();
		json_object_object_add(col, "seed", s);
	}
	json_object_array_add(s, item);
}

static struct json_object *arr(struct json_object *first, ...)
{
	struct json_object *a = json_object_new_array();
	va_list ap;
	va_start(ap, first);
	for (struct json_object *f = first; f; f = va_arg(ap, struct json_object *))
		json_object_array_add(a, f);
	va_end(ap);
	return a;
}

static void meta_str(struct ctx *c, const char *key, const char *v)
{
	json_object_object_add(c->meta, key, json_object_new_string(v));
}

static void meta_int(struct ctx *c, const char *key, long v)
{
	json_object_object_add(c->meta, key, json_object_new_int64(v));
}

/* Sets the title: the name hint wins, then "called X", then fmt with the subject
 * (when there is one), else the kind's label. */
static void set_title(struct ctx *c, const char *fmt_with_subject, const char *plain)
{
	if (c->title[0])
		return;
	char t[768];
	if (c->named[0])
		util_copy(t, sizeof t, c->named);
	else if (c->subject[0] && fmt_with_subject) {
		char s[256];
		util_copy(s, sizeof s, c->subject);
		capitalize(s);
		snprintf(t, sizeof t, fmt_with_subject, s);
	} else
		util_copy(t, sizeof t, plain);
	clean_copy(c->title, sizeof c->title, t, strlen(t), TMPL_TITLE_MAX, 1);
	capitalize(c->title);
}

/* ------------------------------------------------------------------ the kinds */

struct kw {
	const char *w;
	int weight;
};

struct kind {
	const char *name;
	const char *label;      /* default title */
	const char *ui;         /* templates/<ui>/app.js */
	const char *routes;     /* templates/<routes>/routes.js or NULL */
	const char *subtitle;
	const struct kw *kws;
	void (*build)(struct ctx *c);
};

/* Lists of things rather than of tasks: their text is an item. */
static int item_list(const struct ctx *c)
{
	return has(c, "shopping") || has(c, "grocery") || has(c, "groceries") ||
	       has(c, "packing") || has(c, "wish list") || has(c, "wishlist");
}

/* The extras a list of things asks for: quantity, price, store, link, who. */
static void todo_things(struct ctx *c, struct json_object *f, struct strbuf *extra)
{
	if (has(c, "quantity") || has(c, "quantities") || has(c, "qty") || has(c, "how many")) {
		struct json_object *q = fld("quantity", "Quantity", "int", 0, 0);
		fld_int(q, "min", 0);
		fld_int(q, "max", 1000000);
		json_object_array_add(f, q);
		strbuf_puts(extra, ", quantity");
	}
	if (has(c, "price") || has(c, "cost") || has(c, "costs")) {
		struct json_object *pr = fld("price", "Price", "number", 0, 0);
		fld_int(pr, "min", 0);
		fld_int(pr, "max", 1000000000);
		json_object_array_add(f, pr);
		strbuf_puts(extra, ", price");
	}
	if (item_list(c) && (has(c, "store") || has(c, "shop") || has(c, "supermarket"))) {
		json_object_array_add(f, fld("store", "Store", "text", 0, 80));
		strbuf_puts(extra, ", store");
	}
	if (has(c, "link") || has(c, "url")) {
		json_object_array_add(f, fld("link", "Link", "url", 0, 2000));
		strbuf_puts(extra, ", link");
	}
	if (has(c, "who") || has(c, "responsible") || has(c, "assigned") || has(c, "assignee") ||
	    has(c, "assign")) {
		json_object_array_add(f, fld("assignee", "Who", "text", 0, 60));
		strbuf_puts(extra, ", who");
	}
}

static void build_todo(struct ctx *c)
{
	struct json_object *f = arr(fld("text", item_list(c) ? "Item" : "Task", "text", F_REQ, 200),
				    fld("done", "Done", "bool", 0, 0), NULL);
	struct strbuf extra = {0};
	todo_things(c, f, &extra);
	if (has(c, "due") || has(c, "deadline") || has(c, "date") || has(c, "schedule") ||
	    has(c, "when")) {
		json_object_array_add(f, fld("due", "Due date", "date", 0, 0));
		strbuf_puts(&extra, ", due date");
	}
	if (has(c, "priority") || has(c, "priorities") || has(c, "urgent") || has(c, "important")) {
		static const char *const pr[] = {"normal", "high", "low"};
		json_object_array_add(f, fld_enum("priority", "Priority", pr, 3));
		strbuf_puts(&extra, ", priority");
	}
	if (has(c, "tag") || has(c, "category") || has(c, "categories") || has(c, "label") ||
	    has(c, "project")) {
		json_object_array_add(f, fld("tag", "Tag", "text", 0, 40));
		strbuf_puts(&extra, ", tag");
	}
	if (has(c, "note") || has(c, "detail") || has(c, "description")) {
		json_object_array_add(f, fld("notes", "Notes", "longtext", 0, 2000));
		strbuf_puts(&extra, ", notes");
	}
	coll(c, "todos", "Tasks", "task", f, NULL);
	set_title(c, "Todo list: %s", has(c, "shopping") || has(c, "grocery") || has(c, "groceries")
		  ? "Shopping list" : has(c, "packing") ? "Packing list"
		  : has(c, "wish list") || has(c, "wishlist") ? "Wish list" : "Todo list");
	strbuf_printf(&c->notes, " Each task has a text and a done flag%s.", extra.p ? extra.p : "");
	free(strbuf_take(&extra));
}

static void build_notes(struct ctx *c)
{
	struct json_object *f = arr(fld("title", "Title", "text", F_REQ, 120),
				    fld("body", "Note", "longtext", 0, 10000), NULL);
	if (has(c, "tag") || has(c, "category") || has(c, "categories") || has(c, "label"))
		json_object_array_add(f, fld("tags", "Tags", "text", 0, 100));
	coll(c, "notes", "Notes", "note", f, NULL);
	meta_str(c, "primary", "notes");
	set_title(c, "Notes: %s", has(c, "journal") || has(c, "diary") ? "Journal" : "Notes");
}

static void build_guestbook(struct ctx *c)
{
	coll(c, "entries", "Messages", "message",
	     arr(fld("name", "Your name", "text", F_REQ, 60),
		 fld("message", "Message", "longtext", F_REQ, 2000), NULL),
	     "list create read");
	meta_str(c, "primary", "entries");
	set_title(c, "Guestbook: %s", "Guestbook");
}

static void build_counter(struct ctx *c)
{
	struct json_object *value = fld("value", "Value", "int", F_REQ | F_RO, 0);
	struct json_object *col = coll(c, "counters", "Counters", "counter",
				       arr(fld("label", "Label", "text", F_REQ, 60), value, NULL), NULL);
	char label[128];
	if (c->subject[0]) {
		util_copy(label, sizeof label, c->subject);
		capitalize(label);
	} else
		util_copy(label, sizeof label, "Count");
	struct json_object *s = json_object_new_object();
	json_object_object_add(s, "label", json_object_new_string(label));
	seed(col, s);
	meta_int(c, "step", 1);
	set_title(c, "Counter: %s", "Counter");
	strbuf_printf(&c->notes, " Starts with one counter, '%s', at 0.", label);
}

static void build_poll(struct ctx *c)
{
	char question[512] = "", opts[10][64];
	size_t nopts = 0;
	const char *q = strchr(c->raw, '?');
	if (q) {
		size_t end = (size_t)(q - c->raw);
		size_t start = end;
		while (start > 0 && !strchr(":.!\n", c->raw[start - 1]))
			start--;
		clean_copy(question, sizeof question, c->raw + start, end - start + 1, 120, 1);
		capitalize(question);
		nopts = split_list(c, end + 1, opts, 10, 60);
	}
	static const char *const markers[] = {"options", "choices", "between", "choose from", NULL};
	for (size_t i = 0; markers[i] && nopts < 2; i++) {
		long at = find_marker(c, markers[i], 0);
		if (at >= 0)
			nopts = split_list(c, (size_t)at, opts, 10, 60);
	}
	if (nopts < 2) {
		util_copy(opts[0], 64, "Yes");
		util_copy(opts[1], 64, "No");
		nopts = 2;
		strbuf_puts(&c->notes, " No answer options found in the prompt; started with Yes and No"
			" (more can be added in the app).");
	} else {
		strbuf_printf(&c->notes, " Options: ");
		for (size_t i = 0; i < nopts; i++)
			strbuf_printf(&c->notes, "%s%s", i ? ", " : "", opts[i]);
		strbuf_puts(&c->notes, ".");
	}
	if (!question[0]) {
		if (c->subject[0])
			snprintf(question, sizeof question, "What do you think about %s?", c->subject);
		else
			util_copy(question, sizeof question, "What do you prefer?");
	}
	struct json_object *votes = fld("votes", "Votes", "int", F_RO, 0);
	fld_int(votes, "default", 0);
	struct json_object *col = coll(c, "options", "Options", "option",
				       arr(fld("label", "Option", "text", F_REQ, 60), votes, NULL),
				       "list create read delete");
	for (size_t i = 0; i < nopts; i++) {
		struct json_object *s = json_object_new_object();
		json_object_object_add(s, "label", json_object_new_string(opts[i]));
		seed(col, s);
	}
	meta_str(c, "question", question);
	set_title(c, NULL, q ? question : "Poll");
}

/* Minutes mentioned in the prompt: "25 minute(s)", "25-min", "25min". *work and
 * *brk are set when found; a number with "break" or "rest" within two words before or
 * after it is the break. */
static void find_minutes(const struct ctx *c, long *work, long *brk)
{
	const char *words[256];
	size_t lens[256], n = 0;
	for (const char *p = c->norm; *p && n < 256;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		words[n] = p;
		while (*p && *p != ' ')
			p++;
		lens[n] = (size_t)(p - words[n]);
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		size_t digits = strspn(words[i], "0123456789");
		if (digits < 1 || digits > 3)
			continue;
		const char *unit = digits == lens[i] ? (i + 1 < n ? words[i + 1] : "") : words[i] + digits;
		if (strncmp(unit, "min", 3))
			continue;
		long v = strtol(words[i], NULL, 10);
		int is_break = 0;
		for (size_t j = i >= 2 ? i - 2 : 0; j < n && j <= i + 3; j++)
			if (j != i && (!strncmp(words[j], "break", 5) || !strncmp(words[j], "rest ", 5)))
				is_break = 1;
		if (is_break && *brk < 0 && v <= 60)
			*brk = v;
		else if (!is_break && *work < 0 && v >= 1 && v <= 180)
			*work = v;
	}
}

static void build_timer(struct ctx *c)
{
	long work = -1, brk = -1;
	find_minutes(c, &work, &brk);
	int pomodoro = has(c, "pomodoro");
	if (work < 0)
		work = pomodoro ? 25 : 10;
	if (brk < 0)
		brk = pomodoro || has(c, "break") ? 5 : 0;
	meta_int(c, "work_minutes", work);
	meta_int(c, "break_minutes", brk);
	static const char *const phases[] = {"work", "break"};
	struct json_object *min = fld("minutes", "Minutes", "int", F_REQ, 0);
	fld_int(min, "min", 0);
	fld_int(min, "max", 600);
	coll(c, "sessions", "Sessions", "session",
	     arr(fld("label", "Label", "text", 0, 100), min, fld_enum("phase", "Phase", phases, 2), NULL),
	     "list create read delete");
	set_title(c, "Timer: %s", pomodoro ? "Pomodoro timer" : "Timer");
	strbuf_printf(&c->notes, " Work phase %ld min, break %ld min.", work, brk);
}

struct qa {
	const char *q;
	const char *choices[4];
	int answer;
};

static const struct qa QUIZ_SOLAR[] = {
	{"Which planet is closest to the Sun?", {"Mercury", "Venus", "Earth", "Mars"}, 0},
	{"Which is the largest planet in the solar system?", {"Saturn", "Jupiter", "Neptune", "Earth"}, 1},
	{"Which planet is known as the Red Planet?", {"Venus", "Jupiter", "Mars", "Mercury"}, 2},
	{"How many planets orbit the Sun?", {"7", "8", "9", "10"}, 1},
	{"Which planet has the most famous ring system?", {"Uranus", "Mars", "Saturn", "Venus"}, 2},
	{NULL, {NULL}, 0},
};
static const struct qa QUIZ_GEO[] = {
	{"What is the capital of France?", {"Paris", "Lyon", "Marseille", "Nice"}, 0},
	{"What is the capital of Japan?", {"Osaka", "Kyoto", "Tokyo", "Sapporo"}, 2},
	{"What is the capital of Australia?", {"Sydney", "Melbourne", "Canberra", "Perth"}, 2},
	{"On which continent is Egypt?", {"Asia", "Africa", "Europe", "South America"}, 1},
	{"Which is the longest river in South America?", {"Orinoco", "Amazon", "Paraná", "Magdalena"}, 1},
	{NULL, {NULL}, 0},
};
static const struct qa QUIZ_MATH[] = {
	{"What is 7 × 8?", {"54", "56", "64", "48"}, 1},
	{"What is the square root of 81?", {"7", "8", "9", "10"}, 2},
	{"What is 15% of 200?", {"15", "20", "30", "45"}, 2},
	{"How many degrees are in a right angle?", {"45", "90", "180", "360"}, 1},
	{"What is 2 to the power of 10?", {"512", "1000", "1024", "2048"}, 2},
	{NULL, {NULL}, 0},
};
static const struct qa QUIZ_CODE[] = {
	{"Which keyword declares a block-scoped constant in JavaScript?", {"var", "let", "const", "static"}, 2},
	{"What does HTTP status 404 mean?", {"Server error", "Not found", "Redirect", "OK"}, 1},
	{"What does JSON stand for?", {"JavaScript Object Notation", "Java Serialized Object Network",
				       "JavaScript Online Nodes", "Joint Syntax Object Name"}, 0},
	{"Which data structure is last in, first out?", {"Queue", "Stack", "Tree", "Graph"}, 1},
	{"Which language styles web pages?", {"HTML", "CSS", "SQL", "Python"}, 1},
	{NULL, {NULL}, 0},
};
static const struct qa QUIZ_HISTORY[] = {
	{"In which year did the Second World War end?", {"1918", "1939", "1945", "1950"}, 2},
	{"Who was the first person to walk on the Moon?", {"Yuri Gagarin", "Neil Armstrong", "Buzz Aldrin", "John Glenn"}, 1},
	{"Which civilisation built the pyramids of Giza?", {"Romans", "Greeks", "Egyptians", "Maya"}, 2},
	{"In which year did the Berlin Wall fall?", {"1961", "1979", "1989", "1991"}, 2},
	{NULL, {NULL}, 0},
};
static const struct qa QUIZ_GENERAL[] = {
	{"How many days are in a leap year?", {"364", "365", "366", "367"}, 2},
	{"How many continents are there?", {"5", "6", "7", "8"}, 2},
	{"Which gas do plants take in from the air?", {"Oxygen", "Nitrogen", "Carbon dioxide", "Helium"}, 2},
	{"How many minutes are in a day?", {"1440", "1000", "3600", "720"}, 0},
	{NULL, {NULL}, 0},
};

static const struct {
	const char *words[10];
	const char *topic;
	const struct qa *qs;
} QUIZ_BANKS[] = {
	{{"solar", "planet", "space", "astronomy", "moon", "sun", "star", "galaxy", NULL}, "the solar system", QUIZ_SOLAR},
	{{"capital", "geography", "country", "countries", "continent", "world", "river", NULL}, "geography", QUIZ_GEO},
	{{"math", "maths", "mathematics", "arithmetic", "algebra", "multiplication", "number", NULL}, "maths", QUIZ_MATH},
	{{"javascript", "programming", "code", "coding", "computer", "web", "developer", "software", NULL}, "programming", QUIZ_CODE},
	{{"history", "historical", "war", "ancient", "century", NULL}, "history", QUIZ_HISTORY},
};

static void build_quiz(struct ctx *c)
{
	const struct qa *qs = QUIZ_GENERAL;
	const char *bank = "general knowledge";
	for (size_t b = 0; b < sizeof QUIZ_BANKS / sizeof QUIZ_BANKS[0] && qs == QUIZ_GENERAL; b++)
		for (size_t w = 0; QUIZ_BANKS[b].words[w]; w++)
			if (has(c, QUIZ_BANKS[b].words[w])) {
				qs = QUIZ_BANKS[b].qs;
				bank = QUIZ_BANKS[b].topic;
				break;
			}
	struct json_object *choices = fld("choices", "Choices (comma separated)", "list", F_REQ, 200);
	fld_int(choices, "min_items", 2);
	fld_int(choices, "max_items", 6);
	struct json_object *answer = fld("answer", "Answer", "int", F_REQ | F_PRIV, 0);
	fld_int(answer, "min", 0);
	fld_int(answer, "max", 5);
	struct json_object *col = coll(c, "questions", "Questions", "question",
				       arr(fld("question", "Question", "text", F_REQ, 300), choices, answer, NULL),
				       NULL);
	for (size_t i = 0; qs[i].q; i++) {
		struct json_object *s = json_object_new_object();
		json_object_object_add(s, "question", json_object_new_string(qs[i].q));
		json_object_object_add(s, "choices", str_array(qs[i].choices, 4));
		json_object_object_add(s, "answer", json_object_new_int(qs[i].answer));
		seed(col, s);
	}
	struct json_object *score = fld("score", "Score", "int", F_REQ, 0);
	fld_int(score, "min", 0);
	fld_int(score, "max", 1000);
	struct json_object *total = fld("total", "Total", "int", F_REQ, 0);
	fld_int(total, "min", 0);
	fld_int(total, "max", 1000);
	coll(c, "scores", "Scores", "score", arr(fld("name", "Name", "text", F_REQ, 40), score, total, NULL),
	     "list create read delete");
	char topic[256];
	util_copy(topic, sizeof topic, c->subject[0] ? c->subject : bank);
	meta_str(c, "topic", topic);
	set_title(c, "%s quiz", "Quiz");
	if (c->subject[0] && strcmp(bank, "general knowledge") == 0)
		strbuf_printf(&c->notes, " No built-in questions about '%s'; seeded general-knowledge"
			  " questions: add your own in the app.", c->subject);
	else
		strbuf_printf(&c->notes, " Seeded with questions about %s; more can be added in the app.", bank);
}

static void build_chat(struct ctx *c)
{
	coll(c, "messages", "Messages", "message",
	     arr(fld("author", "Name", "text", F_REQ, 40), fld("text", "Message", "text", F_REQ, 1000), NULL),
	     "list create");
	struct json_object *col;
	json_object_object_get_ex(c->cols, "messages", &col);
	fld_int(col, "keep", 500);
	set_title(c, "Chat: %s", "Chat room");
	strbuf_puts(&c->notes, " Messages arrive by long polling; the last 500 are kept.");
}

static void build_kanban(struct ctx *c)
{
	char cols[8][64];
	size_t n = 0;
	long at = find_marker(c, "columns", 0);
	if (at < 0)
		at = find_marker(c, "lanes", 0);
	if (at < 0)
		at = find_marker(c, "stages", 0);
	if (at >= 0)
		n = split_list(c, (size_t)at, cols, 8, 30);
	const char *opts[8];
	if (n < 2) {
		static const char *const def[] = {"To do", "In progress", "Done"};
		for (n = 0; n < 3; n++)
			opts[n] = def[n];
	} else
		for (size_t i = 0; i < n; i++)
			opts[i] = cols[i];
	coll(c, "cards", "Cards", "card",
	     arr(fld("title", "Card", "text", F_REQ, 200), fld_enum("column", "Column", opts, n),
		 fld("notes", "Notes", "longtext", 0, 2000), NULL), NULL);
	set_title(c, "Board: %s", "Kanban board");
	strbuf_printf(&c->notes, " Columns: ");
	for (size_t i = 0; i < n; i++)
		strbuf_printf(&c->notes, "%s%s", i ? ", " : "", opts[i]);
	strbuf_puts(&c->notes, ".");
}

static void build_bookmarks(struct ctx *c)
{
	coll(c, "bookmarks", "Bookmarks", "bookmark",
	     arr(fld("url", "Link", "url", F_REQ, 2000), fld("title", "Title", "text", 0, 200),
		 fld("tags", "Tags", "text", 0, 100), NULL), NULL);
	meta_str(c, "primary", "bookmarks");
	set_title(c, "Bookmarks: %s", "Bookmarks");
}

static const struct {
	const char *words[4];
	const char *code;
} CURRENCIES[] = {
	{{"canadian dollar", "cad", NULL}, "CAD"},
	{{"australian dollar", "aud", NULL}, "AUD"},
	{{"euro", "eur", NULL}, "EUR"},
	{{"pound", "gbp", "sterling", NULL}, "GBP"},
	{{"yen", "jpy", NULL}, "JPY"},
	{{"franc", "chf", NULL}, "CHF"},
	{{"rupee", "inr", NULL}, "INR"},
	{{"yuan", "rmb", "cny", NULL}, "CNY"},
	{{"krona", "kronor", "sek", NULL}, "SEK"},
	{{"zloty", "pln", NULL}, "PLN"},
	{{"peso", "mxn", NULL}, "MXN"},
	{{"dollar", "usd", "bucks", NULL}, "USD"},
};

static void build_expenses(struct ctx *c)
{
	const char *cur = NULL;
	for (size_t i = 0; i < sizeof CURRENCIES / sizeof CURRENCIES[0] && !cur; i++)
		for (size_t w = 0; CURRENCIES[i].words[w]; w++)
			if (has(c, CURRENCIES[i].words[w])) {
				cur = CURRENCIES[i].code;
				break;
			}
	if (!cur)
		cur = strstr(c->raw, "€") ? "EUR" : strstr(c->raw, "£") ? "GBP" : strstr(c->raw, "¥") ? "JPY"
		    : strstr(c->raw, "₹") ? "INR" : strchr(c->raw, '$') ? "USD" : NULL;
	if (!cur) {
		cur = "USD";
		strbuf_puts(&c->notes, " No currency named; assumed US dollars (USD).");
	} else
		strbuf_printf(&c->notes, " Currency %s.", cur);
	meta_str(c, "currency", cur);
	long at = find_marker(c, "budget", 0);
	if (at >= 0) {
		const char *s = c->raw + at;
		s += strspn(s, " ofis:€£$¥");
		char *end;
		long v = strtol(s, &end, 10);
		if (end != s && v > 0 && v <= 1000000000) {
			meta_int(c, "budget", v);
			strbuf_printf(&c->notes, " Budget %ld.", v);
		}
	}
	static const char *const cats[] = {"Food", "Transport", "Lodging", "Shopping", "Fun", "Bills", "Other"};
	struct json_object *amount = fld("amount", "Amount", "number", F_REQ, 0);
	fld_int(amount, "min", 0);
	fld_int(amount, "max", 1000000000);
	coll(c, "expenses", "Expenses", "expense",
	     arr(fld("description", "What", "text", F_REQ, 200), amount,
		 fld_enum("category", "Category", cats, 7), fld("date", "Date", "date", 0, 0), NULL), NULL);
	set_title(c, "Expenses: %s", "Expense tracker");
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
	dst[o] = '\0';
	if (!isalpha((unsigned char)dst[0]))
		dst[0] = '\0';
}

/* The type a field probably has, from its name. */
static const char *guess_type(const char *name)
{
	static const struct {
		const char *word, *type;
	} rules[] = {
		{"email", "email"}, {"url", "url"}, {"link", "url"}, {"website", "url"},
		{"date", "date"}, {"birthday", "date"}, {"due", "date"}, {"deadline", "date"},
		{"price", "number"}, {"amount", "number"}, {"cost", "number"}, {"rating", "number"},
		{"year", "int"}, {"age", "int"}, {"count", "int"}, {"quantity", "int"}, {"qty", "int"},
		{"pages", "int"}, {"stock", "int"}, {"number", "int"},
		{"done", "bool"}, {"completed", "bool"}, {"active", "bool"}, {"available", "bool"},
		{"read", "bool"}, {"published", "bool"},
		{"description", "longtext"}, {"notes", "longtext"}, {"body", "longtext"},
		{"content", "longtext"}, {"bio", "longtext"}, {"summary", "longtext"},
	};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		size_t n = strlen(rules[i].word);
		const char *p = strstr(name, rules[i].word);
		if (p && (p == name || p[-1] == '_') && (p[n] == '\0' || p[n] == '_'))
			return rules[i].type;
	}
	return "text";
}

/* What records of common kinds hold, for an API about them: the resource and its
 * fields (the first required). Found by the earliest of its nouns in the prompt. */
struct dfield {
	const char *name, *label, *type;
};

static const struct {
	const char *nouns[3];
	const char *res, *label;
	struct dfield f[5];
} DOMAINS[] = {
	{{"book", NULL}, "books", "Books", {{"title", "Title", "text"}, {"author", "Author", "text"},
		{"year", "Year", "int"}, {"isbn", "ISBN", "text"}}},
	{{"movie", "film", NULL}, "movies", "Movies", {{"title", "Title", "text"},
		{"director", "Director", "text"}, {"year", "Year", "int"}, {"rating", "Rating", "number"}}},
	{{"song", NULL}, "songs", "Songs", {{"title", "Title", "text"}, {"artist", "Artist", "text"},
		{"album", "Album", "text"}, {"year", "Year", "int"}}},
	{{"album", NULL}, "albums", "Albums", {{"title", "Title", "text"}, {"artist", "Artist", "text"},
		{"year", "Year", "int"}}},
	{{"product", NULL}, "products", "Products", {{"name", "Name", "text"}, {"price", "Price", "number"},
		{"stock", "Stock", "int"}, {"sku", "SKU", "text"}}},
	{{"customer", "client", NULL}, "customers", "Customers", {{"name", "Name", "text"},
		{"email", "Email", "email"}, {"phone", "Phone", "text"}}},
	{{"employee", "staff", NULL}, "employees", "Employees", {{"name", "Name", "text"},
		{"email", "Email", "email"}, {"role", "Role", "text"}, {"start_date", "Start date", "date"}}},
	{{"student", NULL}, "students", "Students", {{"name", "Name", "text"}, {"email", "Email", "email"},
		{"grade", "Grade", "text"}}},
	{{"pet", "animal", NULL}, "pets", "Pets", {{"name", "Name", "text"}, {"species", "Species", "text"},
		{"breed", "Breed", "text"}, {"age", "Age", "int"}}},
	{{"plant", NULL}, "plants", "Plants", {{"name", "Name", "text"}, {"species", "Species", "text"}}},
	{{"restaurant", NULL}, "restaurants", "Restaurants", {{"name", "Name", "text"},
		{"cuisine", "Cuisine", "text"}, {"address", "Address", "text"}, {"rating", "Rating", "number"}}},
	{{"car", "vehicle", NULL}, "cars", "Cars", {{"make", "Make", "text"}, {"model", "Model", "text"},
		{"year", "Year", "int"}, {"price", "Price", "number"}}},
	{{"event", NULL}, "events", "Events", {{"title", "Title", "text"}, {"date", "Date", "date"},
		{"location", "Location", "text"}}},
	{{"order", NULL}, "orders", "Orders", {{"customer", "Customer", "text"},
		{"total", "Total", "number"}, {"status", "Status", "text"}}},
	{{"game", NULL}, "games", "Games", {{"title", "Title", "text"}, {"platform", "Platform", "text"},
		{"year", "Year", "int"}}},
};

/* Where phrase (or its plural) first stands as whole words in the prompt, or -1. */
static long pos_of(const struct ctx *c, const char *phrase)
{
	static const char *const suffixes[] = {"", "s", "es"};
	char pat[96];
	long best = -1;
	for (size_t i = 0; i < 3; i++) {
		int n = snprintf(pat, sizeof pat, " %s%s ", phrase, suffixes[i]);
		const char *hit = n > 0 && (size_t)n < sizeof pat ? strstr(c->norm, pat) : NULL;
		if (hit && (best < 0 || hit - c->norm < best))
			best = hit - c->norm;
	}
	return best;
}

/* The domain whose noun comes first in the prompt, or -1. */
static int crud_domain(const struct ctx *c)
{
	int best = -1;
	long at = -1;
	for (size_t d = 0; d < sizeof DOMAINS / sizeof DOMAINS[0]; d++)
		for (size_t w = 0; DOMAINS[d].nouns[w]; w++) {
			long p = pos_of(c, DOMAINS[d].nouns[w]);
			if (p >= 0 && (at < 0 || p < at)) {
				at = p;
				best = (int)d;
			}
		}
	return best;
}

/* Whether fields already has name, or its singular/plural ("authors" for "author"). */
static int has_field(struct json_object *fields, const char *name)
{
	size_t n = strlen(name);
	for (size_t k = 0; k < json_object_array_length(fields); k++) {
		struct json_object *nm;
		json_object_object_get_ex(json_object_array_get_idx(fields, k), "name", &nm);
		const char *e = json_object_get_string(nm);
		size_t m = strlen(e);
		if (!strcmp(e, name) || (n == m + 1 && name[m] == 's' && !strncmp(e, name, m)) ||
		    (m == n + 1 && e[n] == 's' && !strncmp(e, name, n)))
			return 1;
	}
	return 0;
}

/* A list that names the domain's first field is the user's whole list; otherwise the
 * domain's fields come first and the named ones are added (a book API "with authors"
 * has a title, an author, a year and an ISBN). Replaces *fields; returns the count. */
static size_t domain_fields(int dom, struct json_object **fields)
{
	struct json_object *out = json_object_new_array();
	for (size_t k = 0; k < 5 && DOMAINS[dom].f[k].name; k++) {
		const struct dfield *df = &DOMAINS[dom].f[k];
		long max = !strcmp(df->type, "text") ? 200 : 0;
		json_object_array_add(out, fld(df->name, df->label, df->type, k == 0 ? F_REQ : 0, max));
	}
	for (size_t k = 0; k < json_object_array_length(*fields); k++) {
		struct json_object *f = json_object_array_get_idx(*fields, k), *nm;
		json_object_object_get_ex(f, "name", &nm);
		if (has_field(out, json_object_get_string(nm)))
			continue;
		json_object_object_del(f, "required");
		json_object_array_add(out, json_object_get(f));
	}
	json_object_put(*fields);
	*fields = out;
	return json_object_array_length(out);
}

static void build_crud(struct ctx *c)
{
	char res[64] = "";
	int dom = crud_domain(c);
	if (dom >= 0)
		util_copy(res, sizeof res, DOMAINS[dom].res);
	static const char *const markers[] = {"api for", "api of", "crud for", "crud api for", "manage",
		"managing", "backend for", "endpoints for", "database of", "database for", "store",
		"storing", NULL};
	for (size_t i = 0; markers[i] && !res[0]; i++) {
		long at = find_marker(c, markers[i], 0);
		if (at < 0)
			continue;
		char s[256];
		clean_copy(s, sizeof s, c->raw + at, phrase_len(c, (size_t)at, 3), 40, 0);
		drop_article(s);
		slug(res, sizeof res, s);
	}
	if (!res[0] && c->subject[0])
		slug(res, sizeof res, c->subject);
	if (!res[0] || !strcmp(res, "meta") || !strcmp(res, "health"))
		util_copy(res, sizeof res, "items");

	struct json_object *fields = json_object_new_array();
	size_t nf = 0;
	long at = find_marker(c, "with fields", 0);
	if (at < 0)
		at = find_marker(c, "fields", 0);
	if (at < 0)
		at = find_marker(c, "with", 0);
	if (at >= 0) {
		char names[12][64];
		size_t n = split_list(c, (size_t)at, names, 12, 40);
		for (size_t i = 0; i < n; i++) {
			char name[64];
			slug(name, sizeof name, names[i]);
			if (!name[0] || !strcmp(name, "id") || !strcmp(name, "seq") ||
			    !strcmp(name, "created_at") || !strcmp(name, "updated_at") ||
			    !strcmp(name, "fields") || !strcmp(name, "field"))
				continue;
			if (has_field(fields, name))
				continue;
			const char *type = guess_type(name);
			long max = !strcmp(type, "text") ? 200 : !strcmp(type, "longtext") ? 5000 : 0;
			json_object_array_add(fields, fld(name, names[i], type, nf == 0 && strcmp(type, "bool") ? F_REQ : 0, max));
			nf++;
		}
	}
	if (dom >= 0 && !has_field(fields, DOMAINS[dom].f[0].name))
		nf = domain_fields(dom, &fields);
	if (nf == 0) {
		json_object_array_add(fields, fld("name", "Name", "text", F_REQ, 200));
		json_object_array_add(fields, fld("description", "Description", "longtext", 0, 5000));
		strbuf_puts(&c->notes, " No fields named; each record has a name and a description.");
	} else {
		strbuf_puts(&c->notes, " Fields:");
		for (size_t k = 0; k < json_object_array_length(fields); k++) {
			struct json_object *nm, *ty;
			json_object_object_get_ex(json_object_array_get_idx(fields, k), "name", &nm);
			json_object_object_get_ex(json_object_array_get_idx(fields, k), "type", &ty);
			strbuf_printf(&c->notes, "%s %s (%s)", k ? "," : "", json_object_get_string(nm),
				  json_object_get_string(ty));
		}
		strbuf_puts(&c->notes, ".");
	}
	char label[64];
	util_copy(label, sizeof label, res);
	for (char *p = label; *p; p++)
		if (*p == '_')
			*p = ' ';
	capitalize(label);
	coll(c, res, label, "record", fields, NULL);
	meta_str(c, "primary", res);
	strbuf_printf(&c->notes, " Resource /api/%s.", res);
	char t[128];
	snprintf(t, sizeof t, "%s API", label);
	set_title(c, NULL, t);
}

static void build_landing(struct ctx *c)
{
	char product[256], tagline[256] = "", feats[6][64];
	util_copy(product, sizeof product, c->named[0] ? c->named : c->subject[0] ? c->subject : "");
	if (!product[0]) {
		util_copy(product, sizeof product, "Our product");
		strbuf_puts(&c->notes, " No product name found; used 'Our product'.");
	}
	capitalize(product);
	static const char *const tag_markers[] = {"that", "which", "tagline", "slogan", NULL};
	for (size_t i = 0; tag_markers[i] && !tagline[0]; i++) {
		long at = find_marker(c, tag_markers[i], 0);
		if (at >= 0)
			clean_copy(tagline, sizeof tagline, c->raw + at, strcspn(c->raw + at, ".!?\n"), 120, 0);
	}
	if (tagline[0])
		capitalize(tagline);
	else
		snprintf(tagline, sizeof tagline, "%s is coming soon.", product);
	size_t nf = 0;
	long at = find_marker(c, "features", 0);
	if (at < 0)
		at = find_marker(c, "featuring", 0);
	if (at >= 0)
		nf = split_list(c, (size_t)at, feats, 6, 60);
	struct json_object *fa;
	if (nf) {
		const char *v[6];
		for (size_t i = 0; i < nf; i++)
			v[i] = feats[i];
		fa = str_array(v, nf);
	} else {
		static const char *const def[] = {"Simple to start", "Built with care", "Early access for subscribers"};
		fa = str_array(def, 3);
	}
	meta_str(c, "product", product);
	meta_str(c, "tagline", tagline);
	json_object_object_add(c->meta, "features", fa);
	coll(c, "signups", "Sign-ups", "sign-up",
	     arr(fld("email", "Email", "email", F_REQ, 200), fld("name", "Name", "text", 0, 80), NULL),
	     "create");
	if (!c->title[0])
		clean_copy(c->title, sizeof c->title, product, strlen(product), TMPL_TITLE_MAX, 1);
	strbuf_puts(&c->notes, " Sign-ups (email, name) are stored; the page shows only their count.");
}

/* Simple record kinds: fixed fields, the generic list UI. */
static void build_recipes(struct ctx *c)
{
	struct json_object *srv = fld("servings", "Servings", "int", 0, 0);
	fld_int(srv, "min", 1);
	fld_int(srv, "max", 100);
	struct json_object *f = arr(fld("title", "Recipe", "text", F_REQ, 120), srv,
				    fld("ingredients", "Ingredients", "longtext", 0, 5000),
				    fld("steps", "Steps", "longtext", 0, 10000), NULL);
	if (has(c, "time") || has(c, "minute") || has(c, "duration") || has(c, "prep")) {
		struct json_object *m = fld("minutes", "Time (minutes)", "int", 0, 0);
		fld_int(m, "min", 0);
		fld_int(m, "max", 10000);
		json_object_array_add(f, m);
	}
	coll(c, "recipes", "Recipes", "recipe", f, NULL);
	meta_str(c, "primary", "recipes");
	set_title(c, "Recipes: %s", "Recipe book");
}

static void build_contacts(struct ctx *c)
{
	struct json_object *f = arr(fld("name", "Name", "text", F_REQ, 120),
				    fld("email", "Email", "email", 0, 200),
				    fld("phone", "Phone", "text", 0, 40),
				    fld("notes", "Notes", "longtext", 0, 2000), NULL);
	if (has(c, "birthday") || has(c, "birth date") || has(c, "birthdate"))
		json_object_array_add(f, fld("birthday", "Birthday", "date", 0, 0));
	coll(c, "contacts", "Contacts", "contact", f, NULL);
	meta_str(c, "primary", "contacts");
	set_title(c, "Contacts: %s", "Address book");
}

static void build_reading(struct ctx *c)
{
	static const char *const st[] = {"to read", "reading", "finished"};
	struct json_object *rating = fld("rating", "Rating (1-5)", "int", 0, 0);
	fld_int(rating, "min", 1);
	fld_int(rating, "max", 5);
	coll(c, "books", "Books", "book",
	     arr(fld("title", "Title", "text", F_REQ, 200), fld("author", "Author", "text", 0, 120),
		 fld_enum("status", "Status", st, 3), rating, NULL), NULL);
	meta_str(c, "primary", "books");
	set_title(c, "Reading list: %s", "Reading list");
}

static const struct kw KW_TODO[] = {{"todo", 6}, {"to do", 6}, {"task", 4}, {"checklist", 5},
	{"chore", 4}, {"errand", 3}, {"reminder", 2}, {"shopping list", 5}, {"grocery", 4},
	{"groceries", 4}, {"things to do", 5}, {"due date", 2}, {"tick off", 2}, {"done", 1},
	{"task list", 6}, {"grocery list", 6}, {"packing list", 7}, {"wish list", 6}, {"wishlist", 6},
	{NULL, 0}};
static const struct kw KW_NOTES[] = {{"note", 5}, {"notebook", 5}, {"journal", 4}, {"diary", 4},
	{"memo", 4}, {"jot", 3}, {"scratchpad", 4}, {"notepad", 5}, {"wiki", 3}, {"idea", 2}, {NULL, 0}};
static const struct kw KW_GUESTBOOK[] = {{"guestbook", 8}, {"guest book", 8}, {"visitor", 3},
	{"leave a message", 4}, {"sign the", 2}, {"well wishes", 4}, {"condolence", 4},
	{"testimonial", 3}, {"wall", 1}, {"wedding", 2}, {NULL, 0}};
static const struct kw KW_COUNTER[] = {{"counter", 6}, {"tally", 5}, {"clicker", 5}, {"increment", 3},
	{"count", 3}, {"counting", 3}, {"click", 1}, {NULL, 0}};
static const struct kw KW_POLL[] = {{"poll", 7}, {"vote", 5}, {"voting", 5}, {"survey", 4},
	{"election", 4}, {"ballot", 5}, {"opinion", 2}, {"referendum", 4}, {NULL, 0}};
static const struct kw KW_TIMER[] = {{"timer", 6}, {"pomodoro", 8}, {"countdown", 6},
	{"stopwatch", 5}, {"focus", 2}, {"minute", 1}, {"break", 1}, {"egg timer", 4}, {NULL, 0}};
static const struct kw KW_QUIZ[] = {{"quiz", 8}, {"trivia", 6}, {"flashcard", 4}, {"question", 2},
	{"exam", 3}, {"multiple choice", 4}, {"test my knowledge", 4}, {"quizz", 7}, {NULL, 0}};
static const struct kw KW_CHAT[] = {{"chat", 7}, {"chatroom", 7}, {"chat room", 7}, {"messenger", 4},
	{"messaging", 4}, {"irc", 4}, {"conversation", 2}, {"talk", 1}, {NULL, 0}};
static const struct kw KW_KANBAN[] = {{"kanban", 8}, {"trello", 6}, {"board", 2}, {"sprint", 3},
	{"backlog", 3}, {"swimlane", 4}, {"scrum", 4}, {"project board", 5}, {"column", 2}, {NULL, 0}};
static const struct kw KW_BOOKMARKS[] = {{"bookmark", 7}, {"link", 3}, {"url", 3}, {"favorite", 2},
	{"favourite", 2}, {"saved links", 6}, {"website", 1}, {"link collection", 6}, {NULL, 0}};
static const struct kw KW_EXPENSES[] = {{"expense", 7}, {"spending", 6}, {"budget", 4}, {"cost", 2},
	{"money", 2}, {"spend", 3}, {"receipt", 3}, {"finance", 3}, {"bill", 2}, {"euro", 1},
	{"dollar", 1}, {"spent", 3}, {NULL, 0}};
static const struct kw KW_CRUD[] = {{"api", 5}, {"json api", 7}, {"rest api", 7}, {"rest", 3},
	{"crud", 7}, {"endpoint", 3}, {"backend", 3}, {"database", 2}, {"json", 2}, {"records", 2},
	{"inventory", 3}, {NULL, 0}};
static const struct kw KW_LANDING[] = {{"landing page", 9}, {"landing", 6}, {"homepage", 4},
	{"home page", 4}, {"marketing", 3}, {"waitlist", 6}, {"wait list", 6}, {"newsletter", 3},
	{"coming soon", 6}, {"product page", 6}, {"launch", 2}, {"startup", 2}, {"sign up", 1},
	{"signup", 1}, {NULL, 0}};
static const struct kw KW_RECIPES[] = {{"recipe", 7}, {"cookbook", 7}, {"cooking", 3}, {"meal", 2},
	{"ingredient", 3}, {"dish", 2}, {NULL, 0}};
static const struct kw KW_CONTACTS[] = {{"contact", 5}, {"address book", 7}, {"phone book", 7},
	{"phonebook", 7}, {"crm", 5}, {"rolodex", 6}, {NULL, 0}};
static const struct kw KW_READING[] = {{"reading list", 8}, {"book", 3}, {"novel", 3},
	{"goodreads", 6}, {"books i", 2}, {"reading", 3}, {"library", 2}, {NULL, 0}};

static const struct kind KINDS[] = {
	{"todo", "Todo list", "todo", NULL, "Keep track of what needs doing.", KW_TODO, build_todo},
	{"notes", "Notes", "generic", NULL, "Write things down, find them again.", KW_NOTES, build_notes},
	{"guestbook", "Guestbook", "generic", NULL, "Leave a message for everyone to read.", KW_GUESTBOOK, build_guestbook},
	{"counter", "Counter", "counter", "counter", "Count anything, one click at a time.", KW_COUNTER, build_counter},
	{"poll", "Poll", "poll", "poll", "Cast your vote and see the results.", KW_POLL, build_poll},
	{"timer", "Timer", "timer", NULL, "Focus in timed sessions.", KW_TIMER, build_timer},
	{"quiz", "Quiz", "quiz", "quiz", "Test your knowledge.", KW_QUIZ, build_quiz},
	{"chat", "Chat room", "chat", "chat", "Talk with everyone in the room.", KW_CHAT, build_chat},
	{"kanban", "Kanban board", "kanban", NULL, "Move cards from idea to done.", KW_KANBAN, build_kanban},
	{"bookmarks", "Bookmarks", "generic", NULL, "Links worth keeping.", KW_BOOKMARKS, build_bookmarks},
	{"expenses", "Expense tracker", "expenses", NULL, "Where the money goes.", KW_EXPENSES, build_expenses},
	{"crud", "JSON API", "generic", NULL, "A small JSON API with a page to manage its records.", KW_CRUD, build_crud},
	{"landing", "Landing page", "landing", "landing", "", KW_LANDING, build_landing},
	{"recipes", "Recipe book", "generic", NULL, "Recipes worth cooking again.", KW_RECIPES, build_recipes},
	{"contacts", "Address book", "generic", NULL, "People and how to reach them.", KW_CONTACTS, build_contacts},
	{"reading", "Reading list", "generic", NULL, "Books to read, being read and finished.", KW_READING, build_reading},
};
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

size_t tmpl_kind_count(void)
{
	return NKINDS;
}

const char *tmpl_kind_name(size_t i)
{
	return i < NKINDS ? KINDS[i].name : NULL;
}

int tmpl_kind_info(size_t i, const char **title, const char **subtitle)
{
	if (i >= NKINDS)
		return -1;
	*title = KINDS[i].label;
	*subtitle = KINDS[i].subtitle;
	return 0;
}

static int classify_norm(const char *norm, int *score_out, struct strbuf *why)
{
	int best = -1, best_score = 0;
	for (size_t k = 0; k < NKINDS; k++) {
		int score = 0;
		for (const struct kw *w = KINDS[k].kws; w->w; w++)
			if (has_in(norm, w->w))
				score += w->weight;
		if (score > best_score) {
			best = (int)k;
			best_score = score;
		}
	}
	if (why && best >= 0) {
		int first = 1;
		for (const struct kw *w = KINDS[best].kws; w->w; w++)
			if (has_in(norm, w->w)) {
				strbuf_printf(why, "%s'%s'", first ? "" : ", ", w->w);
				first = 0;
			}
	}
	if (score_out)
		*score_out = best_score;
	return best;
}

int tmpl_classify(const char *prompt, int *score)
{
	struct ctx *c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	normalise(c, prompt);
	int k = classify_norm(c->norm, score, NULL);
	free(c);
	return k;
}

/* ------------------------------------------------------------------ planning */

static void ctx_free(struct ctx *c)
{
	if (!c)
		return;
	json_object_put(c->meta);
	json_object_put(c->cols);
	free(strbuf_take(&c->notes));
	free(c);
}

/* The first sentence of the prompt, as a title for an unrecognised prompt. */
static void title_from_prompt(struct ctx *c)
{
	size_t n = strcspn(c->raw, ".!?\n");
	clean_copy(c->title, sizeof c->title, c->raw, n, TMPL_TITLE_MAX, 0);
	capitalize(c->title);
	if (!c->title[0])
		util_copy(c->title, sizeof c->title, "Notes");
}

static struct ctx *plan(const char *prompt, const char *name_hint, char *err, size_t errlen)
{
	struct ctx *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	normalise(c, prompt);
	if (!c->raw[0]) {
		snprintf(err, errlen, "prompt is empty");
		free(c);
		return NULL;
	}
	c->meta = json_object_new_object();
	c->cols = json_object_new_object();
	if (name_hint && *name_hint)
		clean_copy(c->title, sizeof c->title, name_hint, strlen(name_hint), GENERATOR_NAME_MAX, 1);

	struct strbuf why = {0};
	int score = 0;
	int k = classify_norm(c->norm, &score, &why);
	c->recognised = k >= 0;
	c->kind = c->recognised ? (size_t)k : 1; /* notes */
	find_names(c);
	if (c->recognised)
		strbuf_printf(&c->notes, "Made an app of kind '%s' (%s), matched %s.", KINDS[c->kind].name,
			  KINDS[c->kind].label, why.p ? why.p : "");
	free(strbuf_take(&why));
	if (!c->recognised && !c->title[0])
		title_from_prompt(c);
	KINDS[c->kind].build(c);
	if (!c->recognised) {
		struct strbuf s = {0};
		strbuf_printf(&s, "No specific kind recognised; made a simple notes app titled '%s'.", c->title);
		free(strbuf_take(&c->notes));
		c->notes = s;
	}
	if (c->truncated)
		strbuf_printf(&c->notes, " Only the first %d bytes of the prompt were read.", TMPL_SCAN_MAX);
	meta_str(c, "kind", KINDS[c->kind].name);
	meta_str(c, "title", c->title);
	meta_str(c, "subtitle", KINDS[c->kind].subtitle);
	if (c->notes.oom || !c->notes.p) {
		snprintf(err, errlen, "out of memory");
		ctx_free(c);
		return NULL;
	}
	return c;
}

static struct json_object *config_json(struct ctx *c)
{
	struct json_object *cfg = json_object_new_object();
	json_object_object_add(cfg, "meta", json_object_get(c->meta));
	json_object_object_add(cfg, "collections", json_object_get(c->cols));
	return cfg;
}

int tmpl_plan(const char *prompt, const char *name_hint, struct json_object **plan_out,
	      char *err, size_t errlen)
{
	*plan_out = NULL;
	struct ctx *c = plan(prompt, name_hint, err, errlen);
	if (!c)
		return -1;
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "kind", json_object_new_string(KINDS[c->kind].name));
	json_object_object_add(p, "recognised", json_object_new_boolean(c->recognised));
	json_object_object_add(p, "title", json_object_new_string(c->title));
	json_object_object_add(p, "assumption", json_object_new_string(c->notes.p));
	json_object_object_add(p, "config", config_json(c));
	ctx_free(c);
	*plan_out = p;
	return 0;
}

/* ------------------------------------------------------------------ rendering */

const struct tmpl_file *tmpl_file_get(const char *path)
{
	for (size_t i = 0; i < tmpl_files_count; i++)
		if (!strcmp(tmpl_files[i].path, path))
			return &tmpl_files[i];
	return NULL;
}

/* Copies template file path into b with each marker pairs[2i] replaced by pairs[2i+1]. */
static int render(struct strbuf *b, const char *path, const char *const *pairs, size_t npairs)
{
	const struct tmpl_file *f = tmpl_file_get(path);
	if (!f)
		return -1;
	const char *s = f->data, *end = f->data + f->len;
	while (s < end) {
		const char *hit = NULL;
		size_t which = 0;
		for (size_t i = 0; i < npairs; i++) {
			const char *h = strstr(s, pairs[2 * i]);
			if (h && (!hit || h < hit)) {
				hit = h;
				which = i;
			}
		}
		if (!hit) {
			strbuf_add(b, s, (size_t)(end - s));
			break;
		}
		strbuf_add(b, s, (size_t)(hit - s));
		strbuf_puts(b, pairs[2 * which + 1]);
		s = hit + strlen(pairs[2 * which]);
	}
	return 0;
}

static int add_file(struct json_object *files, const char *name, struct strbuf *b)
{
	char *s = strbuf_take(b);
	if (!s)
		return -1;
	json_object_object_add(files, name, json_object_new_string(s));
	free(s);
	return 0;
}

static void readme(struct strbuf *b, struct ctx *c)
{
	strbuf_printf(b, "# %s\n\nA small web app generated by appforge (template: %s).\n\n", c->title,
		  KINDS[c->kind].name);
	strbuf_puts(b, "Run it with Node.js (no dependencies):\n\n    PORT=3000 DATA_DIR=./data node server.js\n\n"
		"Data is kept in `$DATA_DIR/data.json`.\n\n## JSON API\n\n"
		"- `GET /api/meta`: the app's texts and schema\n");
	json_object_object_foreach(c->cols, name, col) {
		struct json_object *ops = NULL;
		json_object_object_get_ex(col, "ops", &ops);
		const char *o = ops ? json_object_to_json_string(ops) : "list create read update delete";
		if (strstr(o, "list"))
			strbuf_printf(b, "- `GET /api/%s`: list\n", name);
		if (strstr(o, "create"))
			strbuf_printf(b, "- `POST /api/%s`: create\n", name);
		if (strstr(o, "read"))
			strbuf_printf(b, "- `GET /api/%s/{id}`: read one\n", name);
		if (strstr(o, "update"))
			strbuf_printf(b, "- `PATCH /api/%s/{id}`: change fields\n", name);
		if (strstr(o, "delete"))
			strbuf_printf(b, "- `DELETE /api/%s/{id}`: delete\n", name);
	}
	const char *k = KINDS[c->kind].name;
	if (!strcmp(k, "counter"))
		strbuf_puts(b, "- `POST /api/counters/{id}/increment` `{\"by\": n}`, `POST /api/counters/{id}/reset`\n");
	else if (!strcmp(k, "poll"))
		strbuf_puts(b, "- `POST /api/options/{id}/vote`\n");
	else if (!strcmp(k, "quiz"))
		strbuf_puts(b, "- `POST /api/questions/{id}/check` `{\"choice\": i}`\n");
	else if (!strcmp(k, "chat"))
		strbuf_puts(b, "- `GET /api/messages/wait?after=N`: long poll for newer messages\n");
	else if (!strcmp(k, "landing"))
		strbuf_puts(b, "- `GET /api/signups/count`\n");
	strbuf_puts(b, "\nErrors are JSON: `{\"error\": {\"code\": \"...\", \"message\": \"...\"}}`.\n");
}

static struct json_object *render_files(struct ctx *c)
{
	struct json_object *files = json_object_new_object();
	struct strbuf b = {0};
	int rc = 0;
	const struct kind *k = &KINDS[c->kind];

	struct json_object *cfg = config_json(c);
	const char *cfg_s = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PRETTY |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	char routes_path[64];
	snprintf(routes_path, sizeof routes_path, "%s/routes.js", k->routes ? k->routes : "");
	const struct tmpl_file *rf = k->routes ? tmpl_file_get(routes_path) : NULL;
	char *routes = rf ? strndup(rf->data, rf->len) : strdup("// (no extra routes for this kind of app)");
	const char *server_pairs[] = {"/*@CONFIG@*/", cfg_s, "/*@ROUTES@*/", routes ? routes : ""};
	rc |= !routes || render(&b, "base/server.js", server_pairs, 2) || add_file(files, "server.js", &b);
	free(routes);
	json_object_put(cfg);

	/* the subtitle and theme of the meta: an iteration may have changed them */
	struct json_object *msub = NULL, *mtheme = NULL;
	json_object_object_get_ex(c->meta, "subtitle", &msub);
	json_object_object_get_ex(c->meta, "theme", &mtheme);
	const char *subtitle = msub ? json_object_get_string(msub) : k->subtitle;
	char *title = tmpl_html_escape(c->title);
	char *sub = tmpl_html_escape(subtitle[0] ? subtitle : c->title);
	char theme[48];
	snprintf(theme, sizeof theme, "%s%s", mtheme ? " theme-" : "",
		 mtheme && tmpl_theme_valid(json_object_get_string(mtheme)) ?
		 json_object_get_string(mtheme) : "");
	const char *index_pairs[] = {"@TITLE@", title ? title : "", "@SUBTITLE@", sub ? sub : "",
				     "@KIND@", k->name, "@THEME@", theme};
	rc |= !title || !sub || render(&b, "base/index.html", index_pairs, 4) ||
	      add_file(files, "public/index.html", &b);
	free(title);
	free(sub);

	rc |= render(&b, "base/style.css", NULL, 0) || add_file(files, "public/style.css", &b);
	rc |= render(&b, "base/base.js", NULL, 0) || add_file(files, "public/base.js", &b);
	rc |= render(&b, "base/guard.js", NULL, 0) || add_file(files, GENERATOR_GUARD_FILE, &b);
	char ui_path[64];
	snprintf(ui_path, sizeof ui_path, "%s/app.js", k->ui);
	rc |= render(&b, ui_path, NULL, 0) || add_file(files, "public/app.js", &b);

	struct json_object *pkg = json_object_new_object();
	char pname[64];
	snprintf(pname, sizeof pname, "appforge-%s-app", k->name);
	json_object_object_add(pkg, "name", json_object_new_string(pname));
	json_object_object_add(pkg, "version", json_object_new_string("1.0.0"));
	json_object_object_add(pkg, "private", json_object_new_boolean(1));
	json_object_object_add(pkg, "description", json_object_new_string(c->title));
	json_object_object_add(pkg, "main", json_object_new_string("server.js"));
	struct json_object *scripts = json_object_new_object();
	json_object_object_add(scripts, "start", json_object_new_string("node server.js"));
	json_object_object_add(pkg, "scripts", scripts);
	strbuf_puts(&b, json_object_to_json_string_ext(pkg, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	strbuf_puts(&b, "\n");
	json_object_put(pkg);
	rc |= add_file(files, "package.json", &b);

	readme(&b, c);
	rc |= add_file(files, "README.md", &b);
	free(strbuf_take(&b));
	if (rc) {
		json_object_put(files);
		return NULL;
	}
	return files;
}

int tmpl_generate(const char *prompt, const char *name_hint, struct json_object **files_out,
		  char **name_out, char **assumption_out, char *err, size_t errlen)
{
	*files_out = NULL;
	*name_out = *assumption_out = NULL;
	struct ctx *c = plan(prompt, name_hint, err, errlen);
	if (!c)
		return -1;
	struct json_object *files = render_files(c);
	if (!files) {
		snprintf(err, errlen, "template rendering failed (out of memory or missing template)");
		ctx_free(c);
		return -1;
	}
	if (appfiles_validate(files, err, errlen) < 0) {
		json_object_put(files);
		ctx_free(c);
		return -1;
	}
	char *name = strdup(c->title);
	char *assumption = strbuf_take(&c->notes);
	ctx_free(c);
	if (!name || !assumption) {
		free(name);
		free(assumption);
		json_object_put(files);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*files_out = files;
	*name_out = name;
	*assumption_out = assumption;
	return 0;
}

/* ------------------------------------------------------------------ specs (iterate) */

static const char *const THEMES[] = {"light", "dark", "green", "purple", "orange", "red", "pink",
				     NULL};

int tmpl_theme_valid(const char *name)
{
	for (size_t i = 0; name && THEMES[i]; i++)
		if (!strcmp(name, THEMES[i]))
			return 1;
	return 0;
}

const char *tmpl_field_type(const char *name)
{
	return guess_type(name);
}

const char *tmpl_currency_code(const char *words)
{
	for (size_t i = 0; i < sizeof CURRENCIES / sizeof CURRENCIES[0]; i++)
		for (size_t w = 0; CURRENCIES[i].words[w]; w++)
			if (has_in(words, CURRENCIES[i].words[w]))
				return CURRENCIES[i].code;
	return NULL;
}

int tmpl_uses_field(const char *kind, const char *field)
{
	char a[80], b[80];
	for (size_t i = 0; i < NKINDS; i++) {
		if (strcmp(KINDS[i].name, kind) != 0)
			continue;
		char ui[64], routes[64];
		snprintf(ui, sizeof ui, "%s/app.js", KINDS[i].ui);
		snprintf(routes, sizeof routes, "%s/routes.js", KINDS[i].routes ? KINDS[i].routes : "-");
		snprintf(a, sizeof a, "'%s'", field);
		snprintf(b, sizeof b, ".%s", field);
		const char *paths[] = {ui, routes};
		for (size_t p = 0; p < 2; p++) {
			const struct tmpl_file *f = tmpl_file_get(paths[p]);
			if (!f)
				continue;
			char *text = strndup(f->data, f->len);
			if (!text)
				return 1;
			/* a name the UI spells out, as a property or a string, is one it relies on */
			const char *hit = strstr(text, a);
			for (const char *q = text; !hit && (q = strstr(q, b)); q++)
				if (!isalnum((unsigned char)q[strlen(b)]) && q[strlen(b)] != '_')
					hit = q;
			free(text);
			if (hit)
				return 1;
		}
		return 0;
	}
	return 0;
}

struct json_object *tmpl_spec_from_plan(struct json_object *plan)
{
	struct json_object *spec = json_object_new_object(), *v;
	if (!spec)
		return NULL;
	if (json_object_object_get_ex(plan, "kind", &v))
		json_object_object_add(spec, "kind", json_object_get(v));
	if (json_object_object_get_ex(plan, "title", &v))
		json_object_object_add(spec, "title", json_object_get(v));
	if (json_object_object_get_ex(plan, "config", &v))
		json_object_object_add(spec, "config", json_object_get(v));
	return spec;
}

int tmpl_render_spec(struct json_object *spec, struct json_object **files_out, char *err,
		     size_t errlen)
{
	struct json_object *kind = NULL, *title = NULL, *cfg = NULL, *meta = NULL, *cols = NULL;
	size_t k;

	*files_out = NULL;
	if (!json_object_object_get_ex(spec, "kind", &kind) ||
	    !json_object_object_get_ex(spec, "title", &title) ||
	    !json_object_object_get_ex(spec, "config", &cfg) ||
	    !json_object_object_get_ex(cfg, "meta", &meta) ||
	    !json_object_object_get_ex(cfg, "collections", &cols) ||
	    !json_object_is_type(meta, json_type_object) ||
	    !json_object_is_type(cols, json_type_object)) {
		snprintf(err, errlen, "the app's template spec is incomplete");
		return -1;
	}
	for (k = 0; k < NKINDS && strcmp(KINDS[k].name, json_object_get_string(kind)) != 0; k++)
		;
	if (k == NKINDS) {
		snprintf(err, errlen, "the app's template kind is unknown");
		return -1;
	}
	struct ctx *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->kind = k;
	c->meta = json_object_get(meta);
	c->cols = json_object_get(cols);
	util_copy(c->title, sizeof c->title, json_object_get_string(title));
	struct json_object *files = render_files(c);
	ctx_free(c);
	if (!files) {
		snprintf(err, errlen, "template rendering failed (out of memory or missing template)");
		return -1;
	}
	if (appfiles_validate(files, err, errlen) < 0) {
		json_object_put(files);
		return -1;
	}
	*files_out = files;
	return 0;
}
