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
	const char *path;      /* relative to generator/templates/, e.g. "base/server.js" */
	size_t len;
	const char *data;
};
extern const struct tmpl_file tmpl_files[];
extern const size_t tmpl_files_count;

/* Only the first TMPL_SCAN_MAX bytes of a prompt are read for classification and
 * extraction; the rest is ignored (the assumption says so). */
#define TMPL_SCAN_MAX 4096
#define TMPL_TITLE_MAX 60      /* characters of an extracted title */

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
int tmpl_plan(const char *prompt, const char *name_hint, struct json_object **plan_out,
	      char *err, size_t errlen);

/* The whole provider: plan, then render the files. Outputs as generator_generate(). */
int tmpl_generate(const char *prompt, const char *name_hint, struct json_object **files_out,
		  char **name_out, char **assumption_out, char *err, size_t errlen);

/* The embedded template file at path, or NULL. */
const struct tmpl_file *tmpl_file_get(const char *path);

/* Appends s HTML-escaped (& < > " ') to a malloc'd buffer; helper exposed for tests.
 * Returns a new string (caller frees) or NULL on out of memory. */
char *tmpl_html_escape(const char *s);

#endif
