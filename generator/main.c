/* main.c: appforge-generate, one generation as a command-line program.
 *
 * For operators and the generator tests; appforged does not run it (its asynchronous
 * generations re-run appforged itself with --generation-job, fcgi/jobs.c). It reads
 * the prompt from stdin or --prompt and writes the result to its stdout:
 *   appforge-generate [--config FILE] [--generator template|openai] [--name NAME]
 *                     [--prompt TEXT]        (without --prompt: the prompt is stdin)
 * Success: exit 0, stdout {"name": "...", "assumption": "...", "files": {...}}.
 * Failure: exit 1, stdout {"error": "user-safe message"}, the same message on stderr.
 * Wrong usage: exit 2. The API key never reaches stdout, stderr or the files. */
#include "generator/generator.h"
#include "conf.h"
#include "json.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fail(const char *msg)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(msg));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
	write_all(STDOUT_FILENO, s, strlen(s));
	write_all(STDOUT_FILENO, "\n", 1);
	json_object_put(o);
	fprintf(stderr, "appforge-generate: %s\n", msg);
	return 1;
}

/* Reads all of stdin, at most max bytes (more is an error). NULL on error. */
static char *read_stdin(size_t max, int *too_long)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	*too_long = 0;
	while (buf) {
		if (n + 1 >= cap) {
			cap *= 2;
			char *p = realloc(buf, cap);
			if (!p)
				break;
			buf = p;
		}
		ssize_t r = read(STDIN_FILENO, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (r == 0) {
			buf[n] = '\0';
			if (memchr(buf, '\0', n)) {
				free(buf);
				return NULL;
			}
			return buf;
		}
		n += (size_t)r;
		if (n > max) {
			*too_long = 1;
			break;
		}
	}
	free(buf);
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: appforge-generate [--config FILE] [--generator template|openai] [--name NAME] [--prompt TEXT]\n"
		"Generates an app from a prompt (stdin unless --prompt) and prints it as JSON.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "generator", required_argument, NULL, 'g' },
		{ "name", required_argument, NULL, 'n' },
		{ "prompt", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *gen = NULL, *name = NULL, *prompt_arg = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "c:g:n:p:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config = optarg; break;
		case 'g': gen = optarg; break;
		case 'n': name = optarg; break;
		case 'p': prompt_arg = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (gen && strcmp(gen, "template") && strcmp(gen, "openai"))) {
		usage(stderr);
		return 2;
	}
	struct conf c;
	char err[512];
	struct stat st;
	const char *path = config ? config : conf_default_path();
	/* without an explicit or existing configuration, the defaults do */
	if (!config && !getenv("APPFORGE_CONFIG") && stat(path, &st) < 0)
		path = NULL;
	if (conf_load(&c, path, err, sizeof err) < 0)
		return fail(err);
	if (gen) {
		free(c.generator);
		c.generator = strdup(gen);
		if (!c.generator) {
			conf_free(&c);
			return fail("out of memory");
		}
	}
	char *prompt = NULL;
	if (prompt_arg)
		prompt = strdup(prompt_arg);
	else {
		int too_long;
		prompt = read_stdin(GENERATOR_PROMPT_MAX, &too_long);
		if (!prompt) {
			conf_free(&c);
			if (too_long) {
				snprintf(err, sizeof err, "prompt is too long (at most %d bytes)",
					 GENERATOR_PROMPT_MAX);
				return fail(err);
			}
			return fail("prompt could not be read (or contains a NUL byte)");
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct json_object *files = NULL;
	char *out_name = NULL, *assumption = NULL;
	int rc = generator_generate(&c, prompt ? prompt : "", name, &files, &out_name, &assumption,
				    err, sizeof err);
	free(prompt);
	conf_free(&c);
	if (rc < 0) {
		curl_global_cleanup();
		return fail(err);
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(out_name));
	json_object_object_add(o, "assumption", json_object_new_string(assumption));
	json_object_object_add(o, "files", files);
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
	int wr = write_all(STDOUT_FILENO, s, strlen(s)) || write_all(STDOUT_FILENO, "\n", 1);
	json_object_put(o);
	free(out_name);
	free(assumption);
	curl_global_cleanup();
	if (wr) {
		fprintf(stderr, "appforge-generate: could not write the result\n");
		return 1;
	}
	return 0;
}
