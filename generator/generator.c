/* generator.c: the provider-independent part of generation: input checks, choosing
 * the provider, and a final validation of whatever it returns (see generator.h). */
#include "generator/generator.h"
#include "generator/openai.h"
#include "generator/tmpl.h"
#include "appfiles.h"
#include "conf.h"
#include "json.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int generator_check_input(const char *prompt, const char *name_hint, char *err, size_t errlen)
{
	if (!prompt) {
		snprintf(err, errlen, "prompt is required");
		return -1;
	}
	size_t n = strlen(prompt);
	if (n > GENERATOR_PROMPT_MAX) {
		snprintf(err, errlen, "prompt is too long (at most %d bytes)",
			 GENERATOR_PROMPT_MAX);
		return -1;
	}
	if (!util_utf8_valid(prompt, n)) {
		snprintf(err, errlen, "prompt is not valid UTF-8");
		return -1;
	}
	size_t i = 0;
	while (i < n && (prompt[i] == ' ' || (prompt[i] >= '\t' && prompt[i] <= '\r')))
		i++;
	if (i == n) {
		snprintf(err, errlen, "prompt is empty");
		return -1;
	}
	if (name_hint && *name_hint) {
		size_t m = strlen(name_hint);
		if (!util_utf8_valid(name_hint, m)) {
			snprintf(err, errlen, "name is not valid UTF-8");
			return -1;
		}
		if (util_utf8_chars(name_hint, m) > GENERATOR_NAME_MAX) {
			snprintf(err, errlen, "name is too long (at most %d characters)",
				 GENERATOR_NAME_MAX);
			return -1;
		}
		for (const unsigned char *p = (const unsigned char *)name_hint; *p; p++)
			if (*p < 0x20 || *p == 0x7f) {
				snprintf(err, errlen, "name must not contain control characters");
				return -1;
			}
	}
	return 0;
}

/* A name for an app whose provider gave none: the prompt's first words. */
static char *name_from_prompt(const char *prompt)
{
	char buf[256];
	size_t o = 0, chars = 0;
	int space = 0;
	for (const unsigned char *p = (const unsigned char *)prompt; *p && chars < 60; p++) {
		if (*p == '.' || *p == '!' || *p == '?' || *p == '\n')
			break;
		if (*p <= 0x20 || *p == 0x7f) {
			space = o > 0;
			continue;
		}
		if ((*p & 0xC0) != 0x80) {
			if (space) {
				buf[o++] = ' ';
				chars++;
			}
			chars++;
		} else if (o == 0)
			continue;
		space = 0;
		if (o + 5 >= sizeof buf)
			break;
		buf[o++] = (char)*p;
	}
	/* drop an incomplete trailing sequence */
	while (o > 0 && !util_utf8_valid(buf, o))
		o--;
	buf[o] = '\0';
	return strdup(o ? buf : "App");
}

/* Generated pages deny framing, except by the platform's own frontend, whose preview
 * shows the app in an iframe. The frontend's origin comes from the configuration, so
 * the template keeps frame-ancestors 'none' and this fills it in (the template provider
 * itself stays a pure function of the prompt). A host name with anything but
 * [A-Za-z0-9.-] in it is left out rather than written into a header. */
static int allow_frontend_framing(const struct conf *c, struct json_object *files, char *err,
				  size_t errlen)
{
	static const char mark[] = "frame-ancestors 'none'";
	struct json_object *v;
	if (!c || !c->public_host || !*c->public_host ||
	    c->public_host[strspn(
		    c->public_host,
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")] ||
	    !json_object_object_get_ex(files, "server.js", &v))
		return 0;
	const char *code = json_object_get_string(v);
	const char *at = strstr(code, mark);
	if (!at || strstr(at + 1, mark))
		return 0;
	char origin[300];
	if (c->https_port == 443)
		snprintf(origin, sizeof origin, "frame-ancestors https://%s", c->public_host);
	else
		snprintf(origin, sizeof origin, "frame-ancestors https://%s:%d", c->public_host,
			 c->https_port);
	size_t head = (size_t)(at - code), tail = strlen(at + sizeof mark - 1);
	char *out = malloc(head + strlen(origin) + tail + 1);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(out, code, head);
	strcpy(out + head, origin);
	strcat(out + head, at + sizeof mark - 1);
	json_object_object_add(files, "server.js", json_object_new_string(out));
	free(out);
	return 0;
}

int generator_generate(const struct conf *c, const char *prompt, const char *name_hint,
		       struct json_object **files_out, char **name_out, char **assumption_out,
		       char *err, size_t errlen)
{
	*files_out = NULL;
	*name_out = *assumption_out = NULL;
	if (generator_check_input(prompt, name_hint, err, errlen) < 0)
		return -1;
	const char *provider = c && c->generator ? c->generator : "template";
	struct json_object *files = NULL;
	char *name = NULL, *assumption = NULL;
	int rc;
	if (!strcmp(provider, "template")) {
		rc = tmpl_generate(prompt, name_hint, &files, &name, &assumption, err, errlen);
		if (rc == 0 && allow_frontend_framing(c, files, err, errlen) < 0)
			goto fail;
	} else if (!strcmp(provider, "openai"))
		rc = openai_generate(c, prompt, name_hint, &files, &name, &assumption, err, errlen);
	else {
		snprintf(err, errlen, "unknown generator '%s'", provider);
		return -1;
	}
	if (rc < 0)
		return -1;
	/* every provider's output meets the same rules, whatever it checked itself */
	if (appfiles_validate(files, err, errlen) < 0)
		goto fail;
	if (name_hint && *name_hint && name_hint[strspn(name_hint, " ")]) {
		/* the user's own name, without surrounding spaces */
		const char *s = name_hint + strspn(name_hint, " ");
		size_t l = strlen(s);
		while (l > 0 && s[l - 1] == ' ')
			l--;
		free(name);
		name = strndup(s, l);
	} else if (!name || !*name) {
		free(name);
		name = name_from_prompt(prompt);
	}
	if (!assumption || !*assumption) {
		free(assumption);
		assumption = strdup("The model stated no assumptions.");
	}
	if (!name || !assumption) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	*files_out = files;
	*name_out = name;
	*assumption_out = assumption;
	return 0;
fail:
	json_object_put(files);
	free(name);
	free(assumption);
	return -1;
}

/* ------------------------------------------------------------ generation objects */

/* [{collection, name, label, type}] of a template spec's collections. */
static struct json_object *spec_fields(struct json_object *spec)
{
	struct json_object *out = json_object_new_array(), *cfg, *cols;

	if (!json_object_object_get_ex(spec, "config", &cfg) ||
	    !json_object_object_get_ex(cfg, "collections", &cols))
		return out;
	json_object_object_foreach (cols, cname, col) {
		struct json_object *fs = NULL;
		if (!json_object_object_get_ex(col, "fields", &fs) ||
		    !json_object_is_type(fs, json_type_array))
			continue;
		for (size_t i = 0; i < json_object_array_length(fs); i++) {
			struct json_object *f = json_object_array_get_idx(fs, i), *o, *v;
			o = json_object_new_object();
			json_object_object_add(o, "collection", json_object_new_string(cname));
			if (json_object_object_get_ex(f, "name", &v))
				json_object_object_add(o, "name", json_object_get(v));
			if (json_object_object_get_ex(f, "label", &v))
				json_object_object_add(o, "label", json_object_get(v));
			if (json_object_object_get_ex(f, "type", &v))
				json_object_object_add(o, "type", json_object_get(v));
			json_object_array_add(out, o);
		}
	}
	return out;
}

/* The generation object: provider, kind (NULL: none), fields, explanation, spec
 * (taken; NULL: none). Returns new JSON text or NULL. */
static char *generation_text(const char *provider, struct json_object *spec,
			     const char *explanation)
{
	struct json_object *g = json_object_new_object(), *kind = NULL;
	char *out;

	if (!g) {
		json_object_put(spec);
		return NULL;
	}
	json_object_object_get_ex(spec, "kind", &kind);
	json_object_object_add(g, "provider", json_object_new_string(provider));
	json_object_object_add(g, "kind", kind ? json_object_get(kind) : NULL);
	json_object_object_add(g, "fields", spec ? spec_fields(spec) : json_object_new_array());
	json_object_object_add(g, "explanation",
			       json_object_new_string(explanation ? explanation : ""));
	if (spec)
		json_object_object_add(g, "spec", spec);
	out = strdup(json_object_to_json_string_ext(g, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(g);
	return out;
}

char *generator_describe(const struct conf *c, const char *prompt, const char *name_hint,
			 const char *explanation)
{
	const char *provider = c && c->generator ? c->generator : "template";
	struct json_object *plan = NULL, *spec = NULL;
	char err[256];

	if (!strcmp(provider, "template")) {
		/* the plan is a pure function of the prompt: the one the files came from */
		if (tmpl_plan(prompt, name_hint, &plan, err, sizeof err) < 0)
			return NULL;
		spec = tmpl_spec_from_plan(plan);
		json_object_put(plan);
		if (!spec)
			return NULL;
	}
	return generation_text(provider, spec, explanation);
}

/* Whether current are the files spec renders to: otherwise a save or a restore changed
 * them since, and rendering an edited spec would undo that. */
static int spec_matches(const struct conf *c, struct json_object *spec, struct json_object *current)
{
	char err[256];
	struct json_object *files = NULL;
	int same;

	if (tmpl_render_spec(spec, &files, err, sizeof err) < 0 ||
	    allow_frontend_framing(c, files, err, sizeof err) < 0) {
		json_object_put(files);
		return 0;
	}
	same = json_object_equal(files, current);
	json_object_put(files);
	return same;
}

/* The model changes the current files itself: no spec, any file may change. */
static int iterate_openai(const struct conf *c, struct json_object *current,
			  const char *instruction, const char *explanation,
			  struct json_object **files_out, char **generation_out, char **summary_out,
			  char *err, size_t errlen)
{
	struct json_object *files = NULL;
	char *summary = NULL, *gen;

	if (openai_iterate(c, current, instruction, &files, &summary, err, errlen) < 0)
		return -1;
	if (appfiles_validate(files, err, errlen) < 0) {
		json_object_put(files);
		free(summary);
		return -1;
	}
	if (!(gen = generation_text("openai", NULL, explanation))) {
		json_object_put(files);
		free(summary);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*files_out = files;
	*generation_out = gen;
	*summary_out = summary;
	return 0;
}

int generator_iterate(const struct conf *c, struct json_object *generation,
		      struct json_object *current, const char *instruction,
		      struct json_object **files_out, char **generation_out, char **summary_out,
		      char *err, size_t errlen)
{
	struct json_object *prov = NULL, *spec = NULL, *expl = NULL, *files = NULL;
	char *summary = NULL, *gen = NULL;

	*files_out = NULL;
	*generation_out = *summary_out = NULL;
	json_object_object_get_ex(generation, "provider", &prov);
	json_object_object_get_ex(generation, "explanation", &expl);
	if (prov && !strcmp(json_object_get_string(prov), "openai"))
		return iterate_openai(c, current, instruction,
				      expl ? json_object_get_string(expl) : "", files_out,
				      generation_out, summary_out, err, errlen);
	if (!prov || strcmp(json_object_get_string(prov), "template") != 0 ||
	    !json_object_object_get_ex(generation, "spec", &spec)) {
		snprintf(err, errlen,
			 "this app was not made from a template: the template "
			 "generator cannot change it by asking");
		return -1;
	}
	if (!spec_matches(c, spec, current)) {
		snprintf(err, errlen,
			 "the app's files were changed by hand (a save or a restore) "
			 "since it was generated or last changed by asking: changing it by asking "
			 "now would undo that");
		return -2;
	}
	{
		struct json_object *copy = NULL;
		if (json_object_deep_copy(spec, &copy, NULL) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		spec = copy;
	}
	if (tmpl_edit(spec, instruction, &summary, err, errlen) < 0 ||
	    tmpl_render_spec(spec, &files, err, errlen) < 0 ||
	    allow_frontend_framing(c, files, err, errlen) < 0)
		goto fail;
	if (!(gen = generation_text("template", spec, expl ? json_object_get_string(expl) : ""))) {
		spec = NULL;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	*files_out = files;
	*generation_out = gen;
	*summary_out = summary;
	return 0;
fail:
	json_object_put(spec);
	json_object_put(files);
	free(summary);
	return -1;
}
