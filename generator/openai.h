/* openai.h: the "openai" provider (internal to generator/): one chat-completions call
 * to an OpenAI-compatible endpoint, with timeouts, a response cap, strict validation
 * of the answer and a cross-process limit on concurrent calls.
 *
 * Concurrency: conf->openai_concurrency slot files <state_dir>/generator/slot.N; a call
 * holds an exclusive flock(2) on one of them for its whole duration, so at most that
 * many calls run at once across every process sharing the state directory, and a
 * crashed process frees its slot automatically. A call that finds no free slot waits
 * (up to openai_timeout_seconds) and then fails with "too many generations".
 *
 * The API key is read from conf->openai_key_file at each call (a missing file means no
 * key, for local servers such as llama.cpp), kept only in memory for that call, wiped
 * afterwards, and never put in any message.
 *
 * Error convention: 0 on success, -1 with a user-safe message in err. */
#ifndef AF_OPENAI_H
#define AF_OPENAI_H

#include <stddef.h>

struct conf;
struct json_object;

#define OPENAI_RESPONSE_MAX (4 * 1024 * 1024) /* bytes of HTTP response body */
#define OPENAI_KEY_MAX 1024

/* Same contract as generator_generate(). */
int openai_generate(const struct conf *c, const char *prompt, const char *name_hint,
		    struct json_object **files_out, char **name_out, char **assumption_out,
		    char *err, size_t errlen);

/* Turns the text of a model's answer (the assistant message content) into a validated
 * file map, name and assumption: strict JSON {"files": {...}, "name": "...",
 * "assumption"?: "..."}, optionally inside one ``` fence, then appfiles_validate().
 * Exposed for unit tests. Outputs as generator_generate(); *assumption_out may be "". */
int openai_parse_answer(const char *content, size_t len, struct json_object **files_out,
			char **name_out, char **assumption_out, char *err, size_t errlen);

/* Iterate: sends the current files (without the guard) and the instruction, and asks
 * for the changed files only: {"explanation", "files": {path: full content},
 * "deleted"?: [path]} or {"error": "why"}. The answer is applied to the current files
 * and the result validated as a generation's is (the guard is added again; the model
 * may neither write the guard nor delete server.js). On 0, *files_out (the app's new
 * files) and *explanation_out are the caller's. */
int openai_iterate(const struct conf *c, struct json_object *current, const char *instruction,
		   struct json_object **files_out, char **explanation_out, char *err,
		   size_t errlen);
/* The answer-checking half of openai_iterate, exposed for unit tests. */
int openai_parse_patch(const char *content, size_t len, struct json_object *current,
		       struct json_object **files_out, char **explanation_out, char *err,
		       size_t errlen);

#endif
