/* generator.h: turns a prompt into the files of a small Node.js web app.
 *
 * Two providers sit behind generator_generate(), chosen by conf->generator:
 *   "template"  offline, deterministic, fast: recognises common kinds of small app
 *               (todo list, notes, poll, chat room, ...) and fills titles, fields and
 *               texts from the prompt (generator/tmpl*.c, tmpl.h);
 *   "openai"    any OpenAI-compatible chat-completions endpoint over libcurl, with
 *               timeouts, a response cap, strict validation of the output and a
 *               cross-process bound of conf->openai_concurrency calls at once
 *               (generator/openai.c).
 * Every provider's output passes appfiles_validate() before it is returned, and holds
 * GENERATOR_GUARD_FILE (generator/templates/base/guard.js), loaded by server.js: it
 * answers a JSON 403 to any write that is not JSON or comes from another origin.
 *
 * generator_generate() blocks (the openai provider up to openai_timeout_seconds plus
 * the wait for a free slot) and is safe to call from any process, concurrently. A
 * program using the openai provider calls curl_global_init() once at start. For
 * the asynchronous flow appforged runs it in a detached process of its own
 * (`appforged --generation-job`, fcgi/jobs.c). `appforge-generate` (generator/main.c)
 * is the same call as a command-line tool, printing the result as JSON.
 *
 * Error convention: 0 on success, -1 with a message in err. Messages are safe to show
 * to the user who sent the prompt: they never contain the API key, a host path or the
 * model's raw answer. */
#ifndef AF_GENERATOR_H
#define AF_GENERATOR_H

#include <stddef.h>

struct conf;
struct json_object;

/* Bounds on the inputs, in bytes of UTF-8. */
#define GENERATOR_PROMPT_MAX 16384
#define GENERATOR_NAME_MAX 100 /* name_hint and the returned name, in characters */
#define GENERATOR_GUARD_FILE "appforge_guard.js"

/* Checks a prompt and an optional name hint without generating anything (so a request
 * handler can answer 400 before it starts an asynchronous generation): the prompt must
 * be valid UTF-8, at most GENERATOR_PROMPT_MAX bytes and not empty after trimming; the
 * name hint (NULL or "" for none) valid UTF-8 of at most GENERATOR_NAME_MAX characters
 * without control characters. 0 or -1. */
int generator_check_input(const char *prompt, const char *name_hint, char *err, size_t errlen);

/* Generates an app for prompt with the provider conf->generator.
 * name_hint (may be NULL) is the user's chosen name; it becomes the app's title.
 * On success returns 0 and sets:
 *   *files_out       a new json object {path: content} that passed appfiles_validate()
 *                    (caller releases it with json_object_put);
 *   *name_out        the app's name, at most GENERATOR_NAME_MAX characters (malloc'd,
 *                    caller frees);
 *   *assumption_out  one human-readable paragraph saying what was assumed, e.g. "No
 *                    specific kind recognised; made a simple notes app" (malloc'd,
 *                    caller frees).
 * On error returns -1, fills err and sets the three outputs to NULL. */
int generator_generate(const struct conf *c, const char *prompt, const char *name_hint,
		       struct json_object **files_out, char **name_out, char **assumption_out,
		       char *err, size_t errlen);

/* The template gallery (gallery.c): a new JSON array, one object per kind of the
 * template provider, in its order: {"kind","title","description","example_prompt"}
 * (NULL when out of memory). The example prompt makes that kind. */
struct json_object *generator_gallery(void);
/* The gallery's example prompt for kind, or NULL. */
const char *generator_gallery_example(const char *kind);
/* The app's generation object as new JSON text (caller frees; NULL on failure):
 * {"provider", "kind", "fields": [{collection, name, label, type}], "explanation",
 *  "spec"?}. With the template provider it holds the spec the files were rendered from
 * (tmpl.h), which generator_iterate edits; "kind" is null and "fields" empty otherwise. */
char *generator_describe(const struct conf *c, const char *prompt, const char *name_hint,
			 const char *explanation);

/* Changes an app as instruction asks, from its generation object (parsed) and its
 * current files: with a template spec, edits it (tmpl_edit) and renders it again. On
 * success returns 0 with *files_out (the app's new files, validated), *generation_out
 * (new JSON text) and *summary_out (what changed), all the caller's. On -1, err says
 * why (safe to show: the instruction was not understood, or the app has no spec); on
 * -2, the current files are no longer those the spec renders (edited by hand since).
 * Nothing is set on failure. */
int generator_iterate(const struct conf *c, struct json_object *generation,
		      struct json_object *current, const char *instruction,
		      struct json_object **files_out, char **generation_out, char **summary_out,
		      char *err, size_t errlen);

#endif
