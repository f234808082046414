/* tmpl_plan.c: making a prompt's plan: the run from prompt to plan (normalise, classify,
 * names, the kind's builder) and the JSON builders with which the builders fill it. */
#include "generator/tmpl_int.h"
#include "generator/generator.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ JSON builders */

struct json_object *tmpl_fld(const char *name, const char *label, const char *type, int flags,
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

void tmpl_fld_int(struct json_object *f, const char *key, long v)
{
	json_object_object_add(f, key, json_object_new_int64(v));
}

struct json_object *tmpl_str_array(const char *const *v, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

struct json_object *tmpl_fld_enum(const char *name, const char *label, const char *const *opts,
				  size_t n)
{
	struct json_object *f = tmpl_fld(name, label, "enum", 0, 0);
	json_object_object_add(f, "options", tmpl_str_array(opts, n));
	return f;
}

/* Adds collection name to the plan; fields is taken; ops NULL means every operation.
 * Returns the collection (borrowed) for seeding. */
struct json_object *tmpl_coll(struct ctx *c, const char *name, const char *label,
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

void tmpl_seed(struct json_object *col, struct json_object *item)
{
	struct json_object *s;
	if (!json_object_object_get_ex(col, "seed", &s)) {
		s = json_object_new_array();
		json_object_object_add(col, "seed", s);
	}
	json_object_array_add(s, item);
}

struct json_object *tmpl_arr(struct json_object *first, ...)
{
	struct json_object *a = json_object_new_array();
	va_list ap;
	va_start(ap, first);
	for (struct json_object *f = first; f; f = va_arg(ap, struct json_object *))
		json_object_array_add(a, f);
	va_end(ap);
	return a;
}

void tmpl_meta_str(struct ctx *c, const char *key, const char *v)
{
	json_object_object_add(c->meta, key, json_object_new_string(v));
}

void tmpl_meta_int(struct ctx *c, const char *key, long v)
{
	json_object_object_add(c->meta, key, json_object_new_int64(v));
}

/* Sets the title: the name hint wins, then "called X", then fmt with the subject
 * (when there is one), else the kind's label. */
void tmpl_set_title(struct ctx *c, const char *fmt_with_subject, const char *plain)
{
	if (c->title[0])
		return;
	char t[768];
	if (c->named[0])
		util_copy(t, sizeof t, c->named);
	else if (c->subject[0] && fmt_with_subject) {
		char s[256];
		util_copy(s, sizeof s, c->subject);
		tmpl_capitalize(s);
		snprintf(t, sizeof t, fmt_with_subject, s);
	} else
		util_copy(t, sizeof t, plain);
	tmpl_clean_copy(c->title, sizeof c->title, t, strlen(t), TMPL_TITLE_MAX, 1);
	tmpl_capitalize(c->title);
}

/* ------------------------------------------------------------------ planning */

void tmpl_ctx_free(struct ctx *c)
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
	tmpl_clean_copy(c->title, sizeof c->title, c->raw, n, TMPL_TITLE_MAX, 0);
	tmpl_capitalize(c->title);
	if (!c->title[0])
		util_copy(c->title, sizeof c->title, "Notes");
}

struct ctx *tmpl_plan_ctx(const char *prompt, const char *name_hint, char *err, size_t errlen)
{
	struct ctx *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	tmpl_normalise(c, prompt);
	if (!c->raw[0]) {
		snprintf(err, errlen, "prompt is empty");
		free(c);
		return NULL;
	}
	c->meta = json_object_new_object();
	c->cols = json_object_new_object();
	if (name_hint && *name_hint)
		tmpl_clean_copy(c->title, sizeof c->title, name_hint, strlen(name_hint),
				GENERATOR_NAME_MAX, 1);

	struct strbuf why = { 0 };
	int score = 0;
	int k = tmpl_classify_norm(c->norm, &score, &why);
	c->recognised = k >= 0;
	c->kind = c->recognised ? (size_t)k : 1; /* notes */
	tmpl_find_names(c);
	if (c->recognised)
		strbuf_printf(&c->notes, "Made an app of kind '%s' (%s), matched %s.",
			      tmpl_kind(c->kind)->name, tmpl_kind(c->kind)->label,
			      why.p ? why.p : "");
	free(strbuf_take(&why));
	if (!c->recognised && !c->title[0])
		title_from_prompt(c);
	tmpl_kind(c->kind)->build(c);
	if (!c->recognised) {
		struct strbuf s = { 0 };
		strbuf_printf(&s,
			      "No specific kind recognised; made a simple notes app titled '%s'.",
			      c->title);
		free(strbuf_take(&c->notes));
		c->notes = s;
	}
	if (c->truncated)
		strbuf_printf(&c->notes, " Only the first %d bytes of the prompt were read.",
			      TMPL_SCAN_MAX);
	tmpl_meta_str(c, "kind", tmpl_kind(c->kind)->name);
	tmpl_meta_str(c, "title", c->title);
	tmpl_meta_str(c, "subtitle", tmpl_kind(c->kind)->subtitle);
	if (c->notes.oom || !c->notes.p) {
		snprintf(err, errlen, "out of memory");
		tmpl_ctx_free(c);
		return NULL;
	}
	return c;
}

struct json_object *tmpl_config_json(struct ctx *c)
{
	struct json_object *cfg = json_object_new_object();
	json_object_object_add(cfg, "meta", json_object_get(c->meta));
	json_object_object_add(cfg, "collections", json_object_get(c->cols));
	return cfg;
}

int tmpl_plan(const char *prompt, const char *name_hint, struct json_object **plan_out, char *err,
	      size_t errlen)
{
	*plan_out = NULL;
	struct ctx *c = tmpl_plan_ctx(prompt, name_hint, err, errlen);
	if (!c)
		return -1;
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "kind", json_object_new_string(tmpl_kind(c->kind)->name));
	json_object_object_add(p, "recognised", json_object_new_boolean(c->recognised));
	json_object_object_add(p, "title", json_object_new_string(c->title));
	json_object_object_add(p, "assumption", json_object_new_string(c->notes.p));
	json_object_object_add(p, "config", tmpl_config_json(c));
	tmpl_ctx_free(c);
	*plan_out = p;
	return 0;
}
