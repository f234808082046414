/* openai.c: the "openai" provider: a prompt to files through an OpenAI-compatible
 * chat-completions endpoint (see openai.h). */
#include "generator/openai.h"
#include "generator/generator.h"
#include "generator/tmpl.h"
#include "appfiles.h"
#include "clock.h"
#include "conf.h"
#include "json.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RULES \
	"Rules for the app:\n" \
	"- server.js is the entry point; use only Node's standard library (no npm packages, " \
	"no child_process, no eval, no network connections out).\n" \
	"- Listen with server.listen(process.env.PORT). Serve the HTML UI at / and a JSON API " \
	"under /api/.\n" \
	"- Keep data in files under process.env.DATA_DIR (create it if needed; write a " \
	"temporary file then rename it); load it at start. The app's own files are read-only.\n" \
	"- Limit request body sizes, validate input, answer errors as JSON.\n" \
	"- Refuse cross-site writes: answer a POST, PUT, PATCH or DELETE with a JSON 403 unless " \
	"its Content-Type is application/json and its Origin header, when present, equals the " \
	"app's own origin; the page's own scripts send every write as JSON. (appforge also adds " \
	"appforge_guard.js, which enforces this, and loads it at the end of server.js: do not " \
	"write a file of that name.)\n" \
	"- server.js is a CommonJS module (require, no \"type\": \"module\").\n" \
	"- Put JavaScript and CSS in separate files (no inline scripts or styles) and never " \
	"insert user data with innerHTML: use textContent.\n" \
	"- File paths: letters, digits, '.', '_', '-', '/' only; relative; at most 64 files, " \
	"256 KiB each, 1 MiB in total."

static const char SYSTEM_PROMPT[] =
	"You write small, complete, working web apps for Node.js 20. Answer with ONE JSON "
	"object and nothing else, of the form "
	"{\"name\": \"short app name\", \"assumption\": \"one sentence on what you assumed\", "
	"\"files\": {\"server.js\": \"...\", \"public/index.html\": \"...\", ...}}.\n" RULES;

/* Iterate: the model sees the current files and answers with the changed ones only. */
static const char ITERATE_PROMPT[] =
	"You change small existing web apps for Node.js 20. The user gives the app's current "
	"files as a JSON object and the change wanted. Answer with ONE JSON object and nothing "
	"else, of the form {\"explanation\": \"one or two sentences on what you changed\", "
	"\"files\": {\"path\": \"full new content\", ...}, \"deleted\": [\"path\", ...]}: "
	"only the files you change or add, each in full; files you leave out stay as they are. "
	"If the change cannot be made, answer {\"error\": \"why\"} instead.\n" RULES;

/* ------------------------------------------------------------------ the API key */

/* Reads the key into key (size OPENAI_KEY_MAX), trimmed. Returns 1 with a key, 0 when
 * no key is configured (the file does not exist), -1 on error. */
static int read_key(const char *path, char *key, char *err, size_t errlen)
{
	key[0] = '\0';
	if (!path || !*path)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(
			err, errlen,
			"the model API key file could not be read (check the server configuration)");
		return -1;
	}
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, key + n, OPENAI_KEY_MAX - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			explicit_bzero(key, OPENAI_KEY_MAX);
			snprintf(
				err, errlen,
				"the model API key file could not be read (check the server configuration)");
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == OPENAI_KEY_MAX - 1) {
			char extra;
			ssize_t more = read(fd, &extra, 1);
			if (more > 0) {
				close(fd);
				explicit_bzero(key, OPENAI_KEY_MAX);
				snprintf(err, errlen, "the model API key file is too large");
				return -1;
			}
			break;
		}
	}
	close(fd);
	while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r' || key[n - 1] == ' ' ||
			 key[n - 1] == '\t'))
		n--;
	key[n] = '\0';
	size_t lead = strspn(key, " \t\r\n");
	if (lead)
		memmove(key, key + lead, n - lead + 1);
	for (const char *p = key; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f) {
			explicit_bzero(key, OPENAI_KEY_MAX);
			snprintf(err, errlen,
				 "the model API key file holds characters not allowed in a key");
			return -1;
		}
	return key[0] ? 1 : 0;
}

/* ------------------------------------------------------------------ the slots */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Takes one of the c->openai_concurrency slots: returns the locked descriptor (close it
 * to release), or -1 with err filled after waiting up to wait_s seconds. */
static int slot_acquire(const struct conf *c, int wait_s, char *err, size_t errlen)
{
	char dir[4200], path[4300];
	snprintf(dir, sizeof dir, "%s/generator", c->state_dir);
	/* the state directory normally exists (appforgectl init); a bare one is fine too */
	if ((mkdir(c->state_dir, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(dir, 0700) < 0 && errno != EEXIST)) {
		snprintf(err, errlen, "generator state directory could not be created");
		return -1;
	}
	double deadline = clock_mono_s() + wait_s;
	long pause = 20;
	for (;;) {
		for (int i = 0; i < c->openai_concurrency; i++) {
			snprintf(path, sizeof path, "%s/slot.%d", dir, i);
			int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
			if (fd < 0) {
				snprintf(err, errlen, "generator slot file could not be opened");
				return -1;
			}
			if (flock(fd, LOCK_EX | LOCK_NB) == 0)
				return fd;
			close(fd);
		}
		if (clock_mono_s() >= deadline) {
			snprintf(err, errlen, "too many generations in progress; try again later");
			return -1;
		}
		sleep_ms(pause);
		if (pause < 250)
			pause *= 2;
	}
}

/* ------------------------------------------------------------------ HTTP */

struct body {
	char *p;
	size_t len;
	int too_big;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *userp)
{
	struct body *b = userp;
	size_t n = size * nmemb;
	if (b->len + n > OPENAI_RESPONSE_MAX) {
		b->too_big = 1;
		return 0;
	}
	char *p = realloc(b->p, b->len + n + 1);
	if (!p)
		return 0;
	memcpy(p + b->len, data, n);
	b->p = p;
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

static struct json_object *request_json(const struct conf *c, const char *system,
					const char *prompt, const char *name_hint, int json_mode)
{
	struct json_object *req = json_object_new_object();
	json_object_object_add(req, "model", json_object_new_string(c->openai_model));
	struct json_object *msgs = json_object_new_array();
	struct json_object *sys = json_object_new_object();
	json_object_object_add(sys, "role", json_object_new_string("system"));
	json_object_object_add(sys, "content", json_object_new_string(system));
	json_object_array_add(msgs, sys);
	struct json_object *user = json_object_new_object();
	json_object_object_add(user, "role", json_object_new_string("user"));
	size_t n = strlen(prompt) + (name_hint ? strlen(name_hint) : 0) + 64;
	char *text = malloc(n);
	if (text) {
		if (name_hint && *name_hint)
			snprintf(text, n, "App name: %s\n\n%s", name_hint, prompt);
		else
			snprintf(text, n, "%s", prompt);
	}
	json_object_object_add(user, "content", json_object_new_string(text ? text : prompt));
	free(text);
	json_object_array_add(msgs, user);
	json_object_object_add(req, "messages", msgs);
	json_object_object_add(req, "temperature", json_object_new_double(0.2));
	if (json_mode) {
		struct json_object *rf = json_object_new_object();
		json_object_object_add(rf, "type", json_object_new_string("json_object"));
		json_object_object_add(req, "response_format", rf);
	}
	return req;
}

/* One POST. Returns 0 with *status and the body filled, or -1 with err. */
static int post(const struct conf *c, const char *url, const char *key, const char *payload,
		long *status, struct body *b, char *err, size_t errlen)
{
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(err, errlen, "HTTP client could not be initialised");
		return -1;
	}
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	hdr = hdr ? curl_slist_append(hdr, "Accept: application/json") : NULL;
	char auth[OPENAI_KEY_MAX + 32];
	if (hdr && key[0]) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
		struct curl_slist *h2 = curl_slist_append(hdr, auth);
		explicit_bzero(auth, sizeof auth);
		if (!h2) {
			curl_slist_free_all(hdr);
			hdr = NULL;
		} else
			hdr = h2;
	}
	if (!hdr) {
		curl_easy_cleanup(h);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	long timeout = c->openai_timeout_seconds;
	curl_easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 10 ? timeout : 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "appforge-generator/1");
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	/* the header list holds a copy of the key: wipe it before freeing */
	for (struct curl_slist *s = hdr; s; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	if (rc == CURLE_OK)
		return 0;
	if (b->too_big)
		snprintf(err, errlen, "model response is larger than %d MiB",
			 OPENAI_RESPONSE_MAX >> 20);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(err, errlen, "model endpoint timed out after %ld s", timeout);
	else if (rc == CURLE_COULDNT_RESOLVE_HOST)
		snprintf(err, errlen, "model endpoint host name could not be resolved");
	else if (rc == CURLE_COULDNT_CONNECT)
		snprintf(err, errlen, "could not connect to the model endpoint");
	else
		snprintf(err, errlen, "model endpoint request failed: %s", curl_easy_strerror(rc));
	return -1;
}

/* ------------------------------------------------------------------ the answer */

static char *clean_name(const char *s, size_t maxchars)
{
	char *out = malloc(strlen(s) + 1);
	if (!out)
		return NULL;
	size_t o = 0, chars = 0;
	int space = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == ' ') {
			space = o > 0;
			continue;
		}
		if ((*p & 0xC0) != 0x80) {
			if (chars + space >= maxchars)
				break;
			chars += 1 + space;
		}
		if (space)
			out[o++] = ' ';
		space = 0;
		out[o++] = (char)*p;
	}
	/* never end inside a UTF-8 sequence */
	while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80) {
		size_t start = o - 1;
		while (start > 0 && ((unsigned char)out[start] & 0xC0) == 0x80)
			start--;
		unsigned char lead = (unsigned char)out[start];
		size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
		if (o - start >= need)
			break;
		o = start;
	}
	out[o] = '\0';
	return out;
}

/* An ES module entry (package.json "type" other than "commonjs") cannot load the guard. */
static int is_commonjs(struct json_object *files, char *err, size_t errlen)
{
	struct json_object *pkg = NULL, *type = NULL;
	if (!json_object_object_get_ex(files, "package.json", &pkg))
		return 1;
	char perr[128];
	const char *s = json_object_get_string(pkg);
	struct json_object *p =
		json_parse_object(s, strlen(s), APPFILES_MAX_FILE, 16, perr, sizeof perr);
	if (!p) {
		snprintf(err, errlen, "package.json is not a JSON object");
		return 0;
	}
	int cjs = !json_object_object_get_ex(p, "type", &type) ||
		  (json_object_is_type(type, json_type_string) &&
		   !strcmp(json_object_get_string(type), "commonjs"));
	json_object_put(p);
	if (!cjs)
		snprintf(err, errlen,
			 "server.js must be a CommonJS module (package.json \"type\")");
	return cjs;
}

/* Puts the cross-site write guard (generator.h) into a validated file map: the file
 * itself, and a require at the end of server.js (it runs before any request arrives).
 * 0, or -1 with err. */
static int add_guard(struct json_object *files, char *err, size_t errlen)
{
	static const char tail[] = "\n;require('./" GENERATOR_GUARD_FILE "');\n";
	struct json_object *srv = NULL;
	const struct tmpl_file *g = tmpl_file_get("base/guard.js");
	if (!g || !json_object_object_get_ex(files, APPFILES_ENTRY, &srv)) {
		snprintf(err, errlen, "no %s", g ? APPFILES_ENTRY : "guard template");
		return -1;
	}
	if (!is_commonjs(files, err, errlen))
		return -1;
	size_t len = (size_t)json_object_get_string_len(srv);
	char *s = malloc(len + sizeof tail);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(s, json_object_get_string(srv), len);
	memcpy(s + len, tail, sizeof tail);
	json_object_object_add(files, APPFILES_ENTRY,
			       json_object_new_string_len(s, (int)(len + sizeof tail - 1)));
	free(s);
	json_object_object_add(files, GENERATOR_GUARD_FILE,
			       json_object_new_string_len(g->data, (int)g->len));
	return 0;
}

/* Trims the model's text and removes one surrounding ``` or ```json fence. */
static void unfence(const char **content, size_t *len)
{
	const char *s = *content;
	size_t n = *len;

	while (n && strchr(" \t\r\n", *s)) {
		s++;
		n--;
	}
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	if (n >= 6 && !strncmp(s, "```", 3) && !strncmp(s + n - 3, "```", 3)) {
		const char *nl = memchr(s, '\n', n);
		if (nl) {
			n = (size_t)(s + n - 3 - (nl + 1));
			s = nl + 1;
		}
	}
	*content = s;
	*len = n;
}

int openai_parse_answer(const char *content, size_t len, struct json_object **files_out,
			char **name_out, char **assumption_out, char *err, size_t errlen)
{
	*files_out = NULL;
	*name_out = *assumption_out = NULL;
	unfence(&content, &len);
	char perr[256];
	struct json_object *o =
		json_parse_object(content, len, OPENAI_RESPONSE_MAX, 8, perr, sizeof perr);
	if (!o) {
		snprintf(err, errlen, "model output was not valid JSON");
		return -1;
	}
	struct json_object *files = NULL;
	const char *name = NULL, *assumption = NULL;
	if (json_get_object(o, "files", JSON_REQUIRED, &files, perr, sizeof perr) < 0) {
		snprintf(err, errlen, "model output has no \"files\" object");
		json_object_put(o);
		return -1;
	}
	if (json_get_string(o, "name", JSON_NULLABLE, 0, &name, NULL, perr, sizeof perr) < 0)
		name = NULL;
	if (json_get_string(o, "assumption", JSON_NULLABLE, 0, &assumption, NULL, perr,
			    sizeof perr) < 0)
		assumption = NULL;
	char verr[256];
	if (appfiles_validate(files, verr, sizeof verr) < 0 ||
	    add_guard(files, verr, sizeof verr) < 0 ||
	    appfiles_validate(files, verr, sizeof verr) < 0) {
		snprintf(err, errlen, "model output rejected: %s", verr);
		json_object_put(o);
		return -1;
	}
	char *n = clean_name(name ? name : "", GENERATOR_NAME_MAX);
	char *a = clean_name(assumption ? assumption : "", 1000);
	if (!n || !a) {
		free(n);
		free(a);
		json_object_put(o);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*files_out = json_object_get(files);
	*name_out = n;
	*assumption_out = a;
	json_object_put(o);
	return 0;
}

/* The assistant message's content from a chat-completions response body. */
static int extract_content(const struct body *b, struct json_object **resp, const char **content,
			   size_t *clen, char *err, size_t errlen)
{
	char perr[256];
	*resp = json_parse_object(b->p ? b->p : "", b->len, OPENAI_RESPONSE_MAX, 32, perr,
				  sizeof perr);
	if (!*resp) {
		snprintf(err, errlen, "model endpoint answer was not valid JSON");
		return -1;
	}
	struct json_object *choices, *first, *msg, *fin, *ct;
	if (!json_object_object_get_ex(*resp, "choices", &choices) ||
	    !json_object_is_type(choices, json_type_array) ||
	    json_object_array_length(choices) < 1 ||
	    !(first = json_object_array_get_idx(choices, 0)) ||
	    !json_object_is_type(first, json_type_object) ||
	    !json_object_object_get_ex(first, "message", &msg) ||
	    !json_object_is_type(msg, json_type_object) ||
	    !json_object_object_get_ex(msg, "content", &ct) ||
	    !json_object_is_type(ct, json_type_string)) {
		snprintf(err, errlen, "model endpoint answer has no message content");
		return -1;
	}
	if (json_object_object_get_ex(first, "finish_reason", &fin) &&
	    json_object_is_type(fin, json_type_string) &&
	    !strcmp(json_object_get_string(fin), "length")) {
		snprintf(err, errlen, "model output was cut off (too long)");
		return -1;
	}
	*content = json_object_get_string(ct);
	*clen = (size_t)json_object_get_string_len(ct);
	return 0;
}

static int http_error(long status, int have_key, char *err, size_t errlen)
{
	if (status == 401 || status == 403)
		snprintf(
			err, errlen,
			have_key
				? "model endpoint refused the API key (HTTP %ld)"
				: "model endpoint requires an API key and none is configured (HTTP %ld)",
			status);
	else if (status == 429)
		snprintf(err, errlen,
			 "model endpoint is rate limiting (HTTP 429); try again later");
	else if (status == 404)
		snprintf(err, errlen, "model endpoint or model not found (HTTP 404)");
	else
		snprintf(err, errlen, "model endpoint answered HTTP %ld", status);
	return -1;
}

/* One chat-completions call with system and user texts: under a concurrency slot, with
 * the key, retrying once without response_format. On 0, *resp holds the response and
 * content and clen the assistant's text inside it (caller json_object_put()s *resp). */
static int chat(const struct conf *c, const char *system, const char *user, const char *name_hint,
		struct json_object **resp, const char **content, size_t *clen, char *err,
		size_t errlen)
{
	*resp = NULL;
	char url[2100];
	const char *base = c->openai_base_url ? c->openai_base_url : "";
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	if (strncmp(base, "http://", 7) && strncmp(base, "https://", 8)) {
		snprintf(err, errlen, "openai_base_url must be an http(s) URL");
		return -1;
	}
	if (bl + sizeof "/chat/completions" > sizeof url) {
		snprintf(err, errlen, "openai_base_url is too long");
		return -1;
	}
	snprintf(url, sizeof url, "%.*s/chat/completions", (int)bl, base);

	int slot = slot_acquire(c, c->openai_timeout_seconds, err, errlen);
	if (slot < 0)
		return -1;
	char key[OPENAI_KEY_MAX];
	int have_key = read_key(c->openai_key_file, key, err, errlen);
	if (have_key < 0) {
		close(slot);
		return -1;
	}
	int rc = -1;
	struct body b = { 0 };
	long status = 0;
	for (int json_mode = 1; json_mode >= 0; json_mode--) {
		struct json_object *req = request_json(c, system, user, name_hint, json_mode);
		const char *payload =
			json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
		free(b.p);
		memset(&b, 0, sizeof b);
		status = 0;
		rc = post(c, url, key, payload, &status, &b, err, errlen);
		json_object_put(req);
		/* some servers reject response_format: ask once more without it */
		if (rc == 0 && status == 400 && json_mode)
			continue;
		break;
	}
	explicit_bzero(key, sizeof key);
	close(slot);
	if (rc < 0) {
		free(b.p);
		return -1;
	}
	if (status < 200 || status > 299) {
		free(b.p);
		return http_error(status, have_key, err, errlen);
	}
	rc = extract_content(&b, resp, content, clen, err, errlen);
	free(b.p);
	if (rc < 0) {
		json_object_put(*resp);
		*resp = NULL;
	}
	return rc;
}

int openai_generate(const struct conf *c, const char *prompt, const char *name_hint,
		    struct json_object **files_out, char **name_out, char **assumption_out,
		    char *err, size_t errlen)
{
	struct json_object *resp = NULL;
	const char *content = NULL;
	size_t clen = 0;
	int rc;

	*files_out = NULL;
	*name_out = *assumption_out = NULL;
	rc = chat(c, SYSTEM_PROMPT, prompt, name_hint, &resp, &content, &clen, err, errlen);
	if (rc == 0)
		rc = openai_parse_answer(content, clen, files_out, name_out, assumption_out, err,
					 errlen);
	json_object_put(resp);
	return rc;
}

/* ------------------------------------------------------------------ iterate */

/* The files as the model should see them: without the guard, which appforge adds. A
 * new object, or NULL on out of memory. */
static struct json_object *without_guard(struct json_object *files)
{
	static const char tail[] = "\n;require('./" GENERATOR_GUARD_FILE "');\n";
	struct json_object *out = NULL, *srv = NULL;

	if (json_object_deep_copy(files, &out, NULL) != 0)
		return NULL;
	json_object_object_del(out, GENERATOR_GUARD_FILE);
	if (json_object_object_get_ex(out, APPFILES_ENTRY, &srv)) {
		const char *s = json_object_get_string(srv);
		size_t n = (size_t)json_object_get_string_len(srv), t = sizeof tail - 1;
		if (n >= t && memcmp(s + n - t, tail, t) == 0)
			json_object_object_add(out, APPFILES_ENTRY,
					       json_object_new_string_len(s, (int)(n - t)));
	}
	return out;
}

/* Applies the answer's "files" and "deleted" to base (in place). 0, or -1 with err. */
static int apply_patch(struct json_object *base, struct json_object *files,
		       struct json_object *deleted, char *err, size_t errlen)
{
	size_t changes = 0;

	json_object_object_foreach (files, path, v) {
		if (!strcmp(path, GENERATOR_GUARD_FILE) ||
		    !json_object_is_type(v, json_type_string)) {
			snprintf(err, errlen, "model output rejected: bad file '%.100s'", path);
			return -1;
		}
		json_object_object_add(base, path, json_object_get(v));
		changes++;
	}
	for (size_t i = 0; deleted && i < json_object_array_length(deleted); i++) {
		struct json_object *d = json_object_array_get_idx(deleted, i);
		const char *p = json_object_get_string(d);
		if (!json_object_is_type(d, json_type_string) || !strcmp(p, APPFILES_ENTRY) ||
		    !json_object_object_get_ex(base, p, NULL)) {
			snprintf(err, errlen, "model output rejected: cannot delete '%.100s'",
				 p ? p : "?");
			return -1;
		}
		json_object_object_del(base, p);
		changes++;
	}
	if (!changes) {
		snprintf(err, errlen, "the model changed nothing");
		return -1;
	}
	return 0;
}

int openai_parse_patch(const char *content, size_t len, struct json_object *current,
		       struct json_object **files_out, char **explanation_out, char *err,
		       size_t errlen)
{
	char perr[256], verr[256];
	struct json_object *o, *files = NULL, *deleted = NULL, *base = NULL;
	const char *expl = NULL, *why = NULL;

	*files_out = NULL;
	*explanation_out = NULL;
	unfence(&content, &len);
	if (!(o = json_parse_object(content, len, OPENAI_RESPONSE_MAX, 8, perr, sizeof perr))) {
		snprintf(err, errlen, "model output was not valid JSON");
		return -1;
	}
	if (json_get_string(o, "error", JSON_NULLABLE, 0, &why, NULL, perr, sizeof perr) >= 0 &&
	    why) {
		char *w = clean_name(why, 300);
		snprintf(err, errlen, "the model could not make the change: %s", w ? w : "");
		free(w);
		goto fail;
	}
	if (json_get_object(o, "files", JSON_REQUIRED, &files, perr, sizeof perr) < 0 ||
	    json_get_array(o, "deleted", JSON_NULLABLE, &deleted, perr, sizeof perr) < 0) {
		snprintf(err, errlen, "model output has no \"files\" object");
		goto fail;
	}
	if (json_get_string(o, "explanation", JSON_NULLABLE, 0, &expl, NULL, perr, sizeof perr) < 0)
		expl = NULL;
	if (!(base = without_guard(current))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (apply_patch(base, files, deleted, err, errlen) < 0)
		goto fail;
	if (appfiles_validate(base, verr, sizeof verr) < 0 ||
	    add_guard(base, verr, sizeof verr) < 0 ||
	    appfiles_validate(base, verr, sizeof verr) < 0) {
		snprintf(err, errlen, "model output rejected: %s", verr);
		goto fail;
	}
	if (!(*explanation_out =
		      clean_name(expl && *expl ? expl : "The model changed the app.", 1000))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	*files_out = base;
	json_object_put(o);
	return 0;
fail:
	json_object_put(base);
	json_object_put(o);
	return -1;
}

int openai_iterate(const struct conf *c, struct json_object *current, const char *instruction,
		   struct json_object **files_out, char **explanation_out, char *err, size_t errlen)
{
	struct json_object *shown, *resp = NULL;
	const char *content = NULL;
	char *user;
	size_t clen = 0, n;
	int rc;

	*files_out = NULL;
	*explanation_out = NULL;
	if (!(shown = without_guard(current))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	const char *fj =
		json_object_to_json_string_ext(shown, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	n = strlen(fj) + strlen(instruction) + 128;
	if (!(user = malloc(n))) {
		json_object_put(shown);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(user, n, "The app's current files:\n%s\n\nThe change wanted:\n%s", fj,
		 instruction);
	json_object_put(shown);
	rc = chat(c, ITERATE_PROMPT, user, NULL, &resp, &content, &clen, err, errlen);
	free(user);
	if (rc == 0)
		rc = openai_parse_patch(content, clen, current, files_out, explanation_out, err,
					errlen);
	json_object_put(resp);
	return rc;
}
