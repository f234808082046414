/* tmpl.c: the template provider's entry points (see tmpl.h): prompt -> plan -> files,
 * and a stored spec -> files; the steps live in tmpl_text.c, tmpl_kinds.c, tmpl_plan.c,
 * tmpl_build.c, tmpl_records.c and tmpl_render.c, their shared internals in tmpl_int.h. */
#include "generator/tmpl_int.h"
#include "appfiles.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tmpl_generate(const char *prompt, const char *name_hint, struct json_object **files_out,
		  char **name_out, char **assumption_out, char *err, size_t errlen)
{
	*files_out = NULL;
	*name_out = *assumption_out = NULL;
	struct ctx *c = tmpl_plan_ctx(prompt, name_hint, err, errlen);
	if (!c)
		return -1;
	struct json_object *files = tmpl_render_files(c);
	if (!files) {
		snprintf(err, errlen,
			 "template rendering failed (out of memory or missing template)");
		tmpl_ctx_free(c);
		return -1;
	}
	if (appfiles_validate(files, err, errlen) < 0) {
		json_object_put(files);
		tmpl_ctx_free(c);
		return -1;
	}
	char *name = strdup(c->title);
	char *assumption = strbuf_take(&c->notes);
	tmpl_ctx_free(c);
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
	for (k = 0;
	     k < tmpl_kind_count() && strcmp(tmpl_kind_name(k), json_object_get_string(kind)) != 0;
	     k++)
		;
	if (k == tmpl_kind_count()) {
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
	struct json_object *files = tmpl_render_files(c);
	tmpl_ctx_free(c);
	if (!files) {
		snprintf(err, errlen,
			 "template rendering failed (out of memory or missing template)");
		return -1;
	}
	if (appfiles_validate(files, err, errlen) < 0) {
		json_object_put(files);
		return -1;
	}
	*files_out = files;
	return 0;
}
