/* tmpl.h: the template provider (internal to generator/; exposed for its unit tests).
 *
 * A prompt is normalised (lowercase ASCII, words split on anything that is not a letter
 * or digit, non-ASCII bytes kept inside words) and scored against each kind's weighted
 * keywords; the highest score wins, ties go to the kind listed first. The kind's plan
 * (title, collections and their fields, texts such as poll options or the currency) is
 * then filled from the prompt and rendered through the embedded template files
 * (generator/templates/, compiled in by embed.py) into a file map.
 *
 * Everything here is a pure function of (prompt, name_hint): same input, same bytes.
 * Error convention: 0 on success, -1 with a message in err. */
#ifndef AF_TMPL_H
#define AF_TMPL_H

#include <stddef.h>

struct json_object;

/* One embedded template file (templates_data.c, generated). */
struct tmpl_file {
	const char *path; /* relative to generator/templates/, e.g. "base/server.js" */
	size_t len;
	const char *data;
};
extern const struct tmpl_file tmpl_files[];
extern const size_t tmpl_files_count;

/* Only the first TMPL_SCAN_MAX bytes of a prompt are read for classification and
 * extraction; the rest is ignored (the assumption says so). */
#define TMPL_SCAN_MAX 4096
#define TMPL_TITLE_MAX 60 /* characters of an extracted title */

/* Kind names, in the order that breaks ties: "todo", "notes", ... */
size_t tmpl_kind_count(void);
const char *tmpl_kind_name(size_t i);
/* Kind i's default title and one-line subtitle (may be ""): 0, or -1 past the end. */
int tmpl_kind_info(size_t i, const char **title, const char **subtitle);

/* The kind prompt falls in: its index, or -1 when no keyword matched (the caller then
 * makes a notes app). *score (may be NULL) receives the winning score. */
int tmpl_classify(const char *prompt, int *score);

/* What the template provider would build, without rendering files: a new object
 * {"kind": "...", "recognised": true|false, "title": "...", "assumption": "...",
 *  "config": {...}} where config is the CONFIG object embedded in server.js
 * ({"meta": {...}, "collections": {...}}). Caller releases it. 0 or -1. */
int tmpl_plan(const char *prompt, const char *name_hint, struct json_object **plan_out, char *err,
	      size_t errlen);

/* The whole provider: plan, then render the files. Outputs as generator_generate(). */
int tmpl_generate(const char *prompt, const char *name_hint, struct json_object **files_out,
		  char **name_out, char **assumption_out, char *err, size_t errlen);

/* ---- specs: what iterate edits (tmpl_edit*.c) and renders again ----
 * A spec is {"kind", "title", "config": {"meta", "collections"}}: the plan without its
 * assumption. Rendering a spec made from a prompt's plan gives the prompt's files. */

/* A new spec from a tmpl_plan() result (NULL on out of memory). */
struct json_object *tmpl_spec_from_plan(struct json_object *plan);
/* The files of spec (validated as tmpl_generate's are). 0 or -1. */
int tmpl_render_spec(struct json_object *spec, struct json_object **files_out, char *err,
		     size_t errlen);
/* Whether name is a theme the templates style (light, dark, green, ...). */
int tmpl_theme_valid(const char *name);
/* The type a field named name probably has ("text" when nothing fits). */
const char *tmpl_field_type(const char *name);
/* The ISO code of the currency normalised words name ("euros" -> EUR), or NULL. */
const char *tmpl_currency_code(const char *words);
/* Whether the kind's own code (its UI or routes) relies on field by name. */
int tmpl_uses_field(const char *kind, const char *field);

/* Edits spec (in place) as instruction asks: add, remove, rename or retype a field;
 * title, subtitle, theme; poll options, quiz topic; currency. On success returns 0 and
 * *summary (malloc'ed) says what changed; on -1, err says why the instruction was not
 * understood or cannot be done, and spec may be half edited (edit a copy). */
int tmpl_edit(struct json_object *spec, const char *instruction, char **summary, char *err,
	      size_t errlen);

/* The embedded template file at path, or NULL. */
const struct tmpl_file *tmpl_file_get(const char *path);

/* Appends s HTML-escaped (& < > " ') to a malloc'd buffer; helper exposed for tests.
 * Returns a new string (caller frees) or NULL on out of memory. */
char *tmpl_html_escape(const char *s);

#endif
