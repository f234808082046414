/* test_generator.c: unit tests of generator/: classification of prompts into kinds,
 * determinism, extraction of titles/fields/options, hostile and odd prompts, the
 * parsing of a model's answer, and the provider dispatch. */
#include "tests/tap.h"
#include "generator/generator.h"
#include "generator/openai.h"
#include "generator/tmpl.h"
#include "appfiles.h"
#include "conf.h"
#include "json.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *prompt, *kind;
} TABLE[] = {
	{ "a todo list with due dates", "todo" },
	{ "To-do app for my chores", "todo" },
	{ "simple task list", "todo" },
	{ "shopping list for groceries", "todo" },
	{ "a checklist for moving house", "todo" },
	{ "a place to keep my notes", "notes" },
	{ "personal journal", "notes" },
	{ "Notepad for meeting memos", "notes" },
	{ "a guestbook for our wedding", "guestbook" },
	{ "guest book where visitors leave a message", "guestbook" },
	{ "a counter for push-ups", "counter" },
	{ "click counter", "counter" },
	{ "tally of how many coffees I drink", "counter" },
	{ "poll: what should we eat? pizza, sushi, tacos", "poll" },
	{ "let the team vote on the next offsite location", "poll" },
	{ "a quick survey about favourite colours", "poll" },
	{ "a pomodoro timer", "timer" },
	{ "countdown timer for my workouts", "timer" },
	{ "stopwatch", "timer" },
	{ "quiz about the solar system", "quiz" },
	{ "trivia game on world capitals", "quiz" },
	{ "multiple choice questions to test my knowledge of maths", "quiz" },
	{ "a chat room for the chess club", "chat" },
	{ "simple messenger where people can talk", "chat" },
	{ "group chat", "chat" },
	{ "a kanban board with columns backlog, doing, review, done", "kanban" },
	{ "trello-like board for my project", "kanban" },
	{ "sprint backlog for the scrum team", "kanban" },
	{ "somewhere to save my bookmarks", "bookmarks" },
	{ "collection of useful links and urls", "bookmarks" },
	{ "expense tracker for my trip to Rome in euros", "expenses" },
	{ "track my spending each month", "expenses" },
	{ "budget app for the household", "expenses" },
	{ "a JSON API for books with title, author and year", "crud" },
	{ "REST API to manage products with name, price and stock", "crud" },
	{ "crud backend for customers", "crud" },
	{ "landing page for Acme Rockets", "landing" },
	{ "coming soon page with a waitlist for my startup", "landing" },
	{ "a product page for our new app with a newsletter sign up", "landing" },
	{ "a recipe book for family dinners", "recipes" },
	{ "cookbook with ingredients", "recipes" },
	{ "an address book for my clients", "contacts" },
	{ "phone book", "contacts" },
	{ "my reading list", "reading" },
	{ "keep track of the books I read", "reading" },
};

static struct json_object *plan_of(const char *prompt, const char *hint)
{
	struct json_object *p = NULL;
	char err[256];
	if (tmpl_plan(prompt, hint, &p, err, sizeof err) < 0)
		return NULL;
	return p;
}

static const char *str_at(struct json_object *o, const char *a, const char *b, const char *c)
{
	struct json_object *x = o;
	const char *keys[] = { a, b, c };
	for (int i = 0; i < 3 && keys[i]; i++)
		if (!x || !json_object_object_get_ex(x, keys[i], &x))
			return NULL;
	return x && json_object_is_type(x, json_type_string) ? json_object_get_string(x) : NULL;
}

/* The names of the fields of collection col, space-separated, in buf. */
static const char *field_names(struct json_object *plan, const char *col, char *buf, size_t n)
{
	struct json_object *cfg, *cols, *c, *fields;
	buf[0] = '\0';
	if (!json_object_object_get_ex(plan, "config", &cfg) ||
	    !json_object_object_get_ex(cfg, "collections", &cols) ||
	    !json_object_object_get_ex(cols, col, &c) ||
	    !json_object_object_get_ex(c, "fields", &fields))
		return buf;
	for (size_t i = 0; i < json_object_array_length(fields); i++) {
		const char *nm = str_at(json_object_array_get_idx(fields, i), "name", NULL, NULL);
		size_t l = strlen(buf);
		snprintf(buf + l, n - l, "%s%s", l ? " " : "", nm ? nm : "?");
	}
	return buf;
}

static void test_classification(void)
{
	size_t n = sizeof TABLE / sizeof TABLE[0];
	ok(n >= 40, "classification table has %zu prompts", n);
	int seen[64] = { 0 };
	for (size_t i = 0; i < n; i++) {
		int k = tmpl_classify(TABLE[i].prompt, NULL);
		const char *got = k >= 0 ? tmpl_kind_name((size_t)k) : "(none)";
		ok(!strcmp(got, TABLE[i].kind), "'%s' -> %s (got %s)", TABLE[i].prompt,
		   TABLE[i].kind, got);
		if (k >= 0 && k < 64)
			seen[k] = 1;
	}
	size_t covered = 0;
	for (size_t k = 0; k < tmpl_kind_count(); k++)
		covered += seen[k];
	ok(covered == tmpl_kind_count() && tmpl_kind_count() >= 13,
	   "the table covers all %zu kinds", tmpl_kind_count());
	ok(tmpl_classify("xyzzy frobnicate the quux", NULL) == -1, "no keyword: no kind");
	int s1, s2;
	ok(tmpl_classify("TODO LIST", &s1) == tmpl_classify("todo list", &s2) && s1 == s2 && s1 > 0,
	   "classification ignores case");
}

static void test_unrecognised(void)
{
	struct json_object *files = NULL;
	char *name = NULL, *assumption = NULL, err[256];
	int rc = tmpl_generate("xyzzy frobnicate the quux. more words", NULL, &files, &name,
			       &assumption, err, sizeof err);
	ok(rc == 0 && files && json_object_object_get_ex(files, "server.js", NULL),
	   "unrecognised prompt still yields an app");
	ok(rc == 0 && !strcmp(name, "Xyzzy frobnicate the quux"),
	   "unrecognised: title from the prompt (%s)", name ? name : "");
	ok(rc == 0 && strstr(assumption, "No specific kind recognised; made a simple notes app"),
	   "unrecognised: the assumption says so (%s)", assumption ? assumption : "");
	json_object_put(files);
	free(name);
	free(assumption);
}

static void test_determinism(void)
{
	for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i += 5) {
		struct json_object *a = NULL, *b = NULL;
		char *na = NULL, *nb = NULL, *aa = NULL, *ab = NULL, err[256];
		int ra = tmpl_generate(TABLE[i].prompt, NULL, &a, &na, &aa, err, sizeof err);
		int rb = tmpl_generate(TABLE[i].prompt, NULL, &b, &nb, &ab, err, sizeof err);
		ok(ra == 0 && rb == 0 &&
			   !strcmp(json_object_to_json_string(a), json_object_to_json_string(b)) &&
			   !strcmp(na, nb) && !strcmp(aa, ab),
		   "'%s': same prompt, same files, name and assumption", TABLE[i].prompt);
		json_object_put(a);
		json_object_put(b);
		free(na);
		free(nb);
		free(aa);
		free(ab);
	}
}

static void test_extraction(void)
{
	char buf[512];
	struct json_object *p;

	p = plan_of("a todo list with due dates", NULL);
	ok(p && !strcmp(str_at(p, "title", NULL, NULL), "Todo list"), "todo: title 'Todo list'");
	ok(p && !strcmp(field_names(p, "todos", buf, sizeof buf), "text done due"),
	   "todo: due date field (%s)", buf);
	json_object_put(p);

	p = plan_of("todo list with priorities and tags", NULL);
	ok(p && !strcmp(field_names(p, "todos", buf, sizeof buf), "text done priority tag"),
	   "todo: priority and tag fields (%s)", buf);
	json_object_put(p);

	p = plan_of("expense tracker for my trip to Rome in euros", NULL);
	ok(p && !strcmp(str_at(p, "config", "meta", "currency"), "EUR"), "expenses: euros -> EUR");
	ok(p && !strcmp(str_at(p, "title", NULL, NULL), "Expenses: Trip to Rome"),
	   "expenses: title '%s'", p ? str_at(p, "title", NULL, NULL) : "");
	json_object_put(p);

	p = plan_of("track spending in pounds with a budget of 1200", NULL);
	struct json_object *cfg, *meta, *budget;
	ok(p && !strcmp(str_at(p, "config", "meta", "currency"), "GBP") &&
		   json_object_object_get_ex(p, "config", &cfg) &&
		   json_object_object_get_ex(cfg, "meta", &meta) &&
		   json_object_object_get_ex(meta, "budget", &budget) &&
		   json_object_get_int(budget) == 1200,
	   "expenses: pounds -> GBP, budget 1200");
	json_object_put(p);

	p = plan_of("expense tracker", NULL);
	ok(p && !strcmp(str_at(p, "config", "meta", "currency"), "USD") &&
		   strstr(str_at(p, "assumption", NULL, NULL), "assumed US dollars"),
	   "expenses: no currency -> USD, said so");
	json_object_put(p);

	p = plan_of("poll: what should we eat? pizza, sushi, tacos", NULL);
	ok(p && !strcmp(str_at(p, "config", "meta", "question"), "What should we eat?"),
	   "poll: question");
	{
		struct json_object *cols, *opt, *seed;
		int good = p && json_object_object_get_ex(p, "config", &cfg) &&
			   json_object_object_get_ex(cfg, "collections", &cols) &&
			   json_object_object_get_ex(cols, "options", &opt) &&
			   json_object_object_get_ex(opt, "seed", &seed) &&
			   json_object_array_length(seed) == 3;
		ok(good &&
			   !strcmp(str_at(json_object_array_get_idx(seed, 0), "label", NULL, NULL),
				   "Pizza") &&
			   !strcmp(str_at(json_object_array_get_idx(seed, 2), "label", NULL, NULL),
				   "Tacos"),
		   "poll: options Pizza, Sushi, Tacos");
	}
	json_object_put(p);

	p = plan_of("a poll with options red, green or blue", NULL);
	{
		struct json_object *cols, *opt, *seed;
		ok(p && json_object_object_get_ex(p, "config", &cfg) &&
			   json_object_object_get_ex(cfg, "collections", &cols) &&
			   json_object_object_get_ex(cols, "options", &opt) &&
			   json_object_object_get_ex(opt, "seed", &seed) &&
			   json_object_array_length(seed) == 3,
		   "poll: 'options red, green or blue' -> 3 options");
	}
	json_object_put(p);

	p = plan_of("quiz about the solar system", NULL);
	ok(p && !strcmp(str_at(p, "title", NULL, NULL), "Solar system quiz"),
	   "quiz: title 'Solar system quiz'");
	ok(p && !strcmp(str_at(p, "config", "meta", "topic"), "solar system"), "quiz: topic");
	ok(p && !strcmp(field_names(p, "questions", buf, sizeof buf), "question choices answer"),
	   "quiz: fields");
	json_object_put(p);

	p = plan_of("landing page for Acme Rockets", NULL);
	ok(p && !strcmp(str_at(p, "config", "meta", "product"), "Acme Rockets") &&
		   !strcmp(str_at(p, "title", NULL, NULL), "Acme Rockets"),
	   "landing: product name 'Acme Rockets'");
	json_object_put(p);

	p = plan_of("a pomodoro timer with 50 minute sessions and 10 minute breaks", NULL);
	{
		struct json_object *w, *b;
		ok(p && json_object_object_get_ex(p, "config", &cfg) &&
			   json_object_object_get_ex(cfg, "meta", &meta) &&
			   json_object_object_get_ex(meta, "work_minutes", &w) &&
			   json_object_object_get_ex(meta, "break_minutes", &b) &&
			   json_object_get_int(w) == 50 && json_object_get_int(b) == 10,
		   "timer: 50 min work, 10 min break");
	}
	json_object_put(p);

	p = plan_of("a JSON API for books with title, author and year", NULL);
	ok(p && !strcmp(field_names(p, "books", buf, sizeof buf), "title author year"),
	   "crud: resource books, fields (%s)", buf);
	json_object_put(p);

	p = plan_of("a kanban board with columns backlog, doing, review, done", NULL);
	ok(p && strstr(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN),
		       "[\"Backlog\",\"Doing\",\"Review\",\"Done\"]"),
	   "kanban: columns from the prompt");
	json_object_put(p);

	p = plan_of("notes app called \"Kitchen ideas\"", NULL);
	ok(p && !strcmp(str_at(p, "title", NULL, NULL), "Kitchen ideas"), "called \"X\": title X");
	json_object_put(p);

	p = plan_of("a todo list", "  My tasks  ");
	ok(p && !strcmp(str_at(p, "title", NULL, NULL), "My tasks"), "name hint wins, trimmed");
	json_object_put(p);
}

static size_t files_total(struct json_object *files)
{
	size_t t = 0;
	json_object_object_foreach (files, k, v) {
		(void)k;
		t += (size_t)json_object_get_string_len(v);
	}
	return t;
}

static void test_weird(void)
{
	struct json_object *files = NULL;
	char *name = NULL, *assumption = NULL, err[256];
	struct conf c;
	memset(&c, 0, sizeof c);
	c.generator = (char *)"template";

	ok(generator_generate(&c, "   \n\t  ", NULL, &files, &name, &assumption, err, sizeof err) ==
			   -1 &&
		   !strcmp(err, "prompt is empty") && !files && !name,
	   "blank prompt: 'prompt is empty'");
	ok(generator_generate(&c, "", NULL, &files, &name, &assumption, err, sizeof err) == -1,
	   "empty prompt: error");
	ok(generator_generate(&c, "todo \xff\xfe", NULL, &files, &name, &assumption, err,
			      sizeof err) == -1 &&
		   strstr(err, "UTF-8"),
	   "invalid UTF-8: error (%s)", err);

	char *big = malloc(20000);
	memset(big, 'a', 19999);
	big[19999] = '\0';
	ok(generator_generate(&c, big, NULL, &files, &name, &assumption, err, sizeof err) == -1 &&
		   strstr(err, "too long"),
	   "20 KB prompt: too long (%s)", err);

	/* 10 KB: accepted, read only in part, everything bounded */
	size_t o = 0;
	const char *word = "todo list with due dates and <b>html</b> ";
	while (o + strlen(word) < 10240) {
		memcpy(big + o, word, strlen(word));
		o += strlen(word);
	}
	big[o] = '\0';
	int rc = generator_generate(&c, big, NULL, &files, &name, &assumption, err, sizeof err);
	ok(rc == 0, "10 KB prompt: generated");
	ok(rc == 0 && util_utf8_chars(name, strlen(name)) <= TMPL_TITLE_MAX,
	   "10 KB prompt: name bounded (%zu chars)", name ? strlen(name) : 0);
	ok(rc == 0 && strstr(assumption, "Only the first 4096 bytes") && strlen(assumption) < 1024,
	   "10 KB prompt: assumption bounded and says the prompt was cut");
	ok(rc == 0 && files_total(files) < 64 * 1024, "10 KB prompt: files bounded (%zu bytes)",
	   files ? files_total(files) : 0);
	json_object_put(files);
	free(name);
	free(assumption);
	free(big);

	rc = generator_generate(&c, "Notizen für die Küche — «Rezepte» 📝 日本語のメモ", NULL,
				&files, &name, &assumption, err, sizeof err);
	ok(rc == 0 && util_utf8_valid(name, strlen(name)),
	   "unicode prompt: generated, valid UTF-8 name (%s)", name ? name : err);
	json_object_put(files);
	free(name);
	free(assumption);

	/* cutting a title must never split a UTF-8 sequence */
	rc = generator_generate(
		&c,
		"notes 日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語",
		NULL, &files, &name, &assumption, err, sizeof err);
	ok(rc == 0 && util_utf8_valid(name, strlen(name)) &&
		   util_utf8_chars(name, strlen(name)) <= TMPL_TITLE_MAX,
	   "long unicode title cut on a character boundary");
	json_object_put(files);
	free(name);
	free(assumption);

	rc = generator_generate(&c, "guestbook called \"<script>alert('x')</script> & co\"", NULL,
				&files, &name, &assumption, err, sizeof err);
	struct json_object *html = NULL, *server = NULL;
	ok(rc == 0 && json_object_object_get_ex(files, "public/index.html", &html) &&
		   strstr(json_object_get_string(html),
			  "<title>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co</title>") &&
		   !strstr(json_object_get_string(html), "<script>alert"),
	   "HTML in the prompt is escaped in index.html");
	ok(rc == 0 && json_object_object_get_ex(files, "server.js", &server) &&
		   strstr(json_object_get_string(server),
			  "\"title\":\"<script>alert('x')</script> & co\""),
	   "and is a JSON string literal in server.js");
	json_object_put(files);
	free(name);
	free(assumption);

	ok(generator_generate(&c, "todo", "bad\nname", &files, &name, &assumption, err,
			      sizeof err) == -1 &&
		   strstr(err, "control"),
	   "name hint with a newline: error");

	rc = generator_generate(&c, "a todo list", "  Groceries  ", &files, &name, &assumption, err,
				sizeof err);
	ok(rc == 0 && !strcmp(name, "Groceries"),
	   "generator_generate: name hint, trimmed, is the name");
	json_object_put(files);
	free(name);
	free(assumption);

	c.generator = (char *)"nonsense";
	ok(generator_generate(&c, "todo", NULL, &files, &name, &assumption, err, sizeof err) ==
			   -1 &&
		   strstr(err, "unknown generator"),
	   "unknown provider: error");

	char *e = tmpl_html_escape("<a href=\"x\">'&'</a>");
	ok(e && !strcmp(e, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"), "html escape");
	free(e);
}

static void test_every_kind_valid(void)
{
	for (size_t k = 0; k < tmpl_kind_count(); k++) {
		const char *prompt = NULL;
		for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++)
			if (!strcmp(TABLE[i].kind, tmpl_kind_name(k))) {
				prompt = TABLE[i].prompt;
				break;
			}
		struct json_object *files = NULL;
		char *name = NULL, *assumption = NULL, err[256];
		int rc = prompt ? tmpl_generate(prompt, NULL, &files, &name, &assumption, err,
						sizeof err)
				: -1;
		char verr[256] = "";
		ok(rc == 0 && appfiles_validate(files, verr, sizeof verr) == 0 &&
			   json_object_object_length(files) == 8 &&
			   json_object_object_get_ex(files, GENERATOR_GUARD_FILE, NULL),
		   "kind %s: 8 files (the write guard too) passing appfiles_validate %s",
		   tmpl_kind_name(k), verr);
		json_object_put(files);
		free(name);
		free(assumption);
	}
}

static int parse(const char *answer, char *err, size_t errlen)
{
	struct json_object *files = NULL;
	char *name = NULL, *assumption = NULL;
	int rc = openai_parse_answer(answer, strlen(answer), &files, &name, &assumption, err,
				     errlen);
	json_object_put(files);
	free(name);
	free(assumption);
	return rc;
}

static void test_parse_answer(void)
{
	char err[256];
	struct json_object *files = NULL;
	char *name = NULL, *assumption = NULL;
	const char *good =
		"{\"name\":\"Hello\\napp\",\"files\":{\"server.js\":\"require('http')\",\"public/index.html\":\"<p>\"}}";
	ok(openai_parse_answer(good, strlen(good), &files, &name, &assumption, err, sizeof err) ==
			   0 &&
		   json_object_object_length(files) == 3 && !strcmp(name, "Hello app"),
	   "good answer: files, cleaned name");
	struct json_object *srv = NULL, *guard = NULL;
	ok(files && json_object_object_get_ex(files, "server.js", &srv) &&
		   !strcmp(json_object_get_string(srv),
			   "require('http')\n;require('./" GENERATOR_GUARD_FILE "');\n") &&
		   json_object_object_get_ex(files, GENERATOR_GUARD_FILE, &guard) &&
		   strstr(json_object_get_string(guard), "application/json"),
	   "the model's server.js loads the cross-site write guard, which is added");
	json_object_put(files);
	free(name);
	free(assumption);
	const char *own =
		"{\"files\":{\"server.js\":\"x\",\"appforge_guard.js\":\"module.exports=1\"}}";
	files = NULL;
	name = assumption = NULL;
	ok(openai_parse_answer(own, strlen(own), &files, &name, &assumption, err, sizeof err) ==
			   0 &&
		   json_object_object_get_ex(files, GENERATOR_GUARD_FILE, &guard) &&
		   strstr(json_object_get_string(guard), "application/json"),
	   "a model's own appforge_guard.js is replaced");
	json_object_put(files);
	ok(parse("{\"files\":{\"server.js\":\"x\",\"package.json\":\"{\\\"type\\\":\\\"module\\\"}\"}}",
		 err, sizeof err) == -1 &&
		   strstr(err, "CommonJS"),
	   "an ES module app is rejected (%s)", err);
	ok(parse("{\"files\":{\"server.js\":\"x\",\"package.json\":\"{\\\"type\\\":\\\"commonjs\\\"}\"}}",
		 err, sizeof err) == 0,
	   "a CommonJS app with package.json is accepted (%s)", err);
	free(name);
	free(assumption);
	ok(parse("```json\n{\"files\":{\"server.js\":\"x\"}}\n```", err, sizeof err) == 0,
	   "answer in a ``` fence accepted");
	ok(parse("{\"files\":{\"../etc/passwd\":\"x\",\"server.js\":\"x\"}}", err, sizeof err) ==
			   -1 &&
		   strstr(err, "'../etc/passwd'"),
	   "'../etc' file name rejected (%s)", err);
	ok(parse("{\"files\":{\"/abs\":\"x\",\"server.js\":\"x\"}}", err, sizeof err) == -1,
	   "absolute path rejected");
	ok(parse("Sure! Here is your app: {\"files\":{}}", err, sizeof err) == -1 &&
		   !strcmp(err, "model output was not valid JSON"),
	   "non-JSON answer rejected");
	ok(parse("{\"files\":{\"index.js\":\"x\"}}", err, sizeof err) == -1 &&
		   strstr(err, "server.js"),
	   "answer without server.js rejected (%s)", err);
	ok(parse("{\"name\":\"x\"}", err, sizeof err) == -1 && strstr(err, "files"),
	   "answer without files rejected");
	ok(parse("{\"files\":{\"server.js\":7}}", err, sizeof err) == -1,
	   "non-string content rejected");
	ok(parse("{\"files\":{\"server.js\":\"a\"},\"files\":{\"x\":\"b\"}}", err, sizeof err) ==
		   -1,
	   "duplicate keys rejected");
	ok(parse("{\"files\":{\"server.js\":\"a\"}} trailing", err, sizeof err) == -1,
	   "trailing garbage rejected");
}

/* Deterministic pseudo-random prompts (words, punctuation, quotes, HTML, non-ASCII):
 * every one yields a valid app or a clean error, never a crash or an invalid map. */
static void test_random_prompts(void)
{
	static const char *const parts[] = { "todo",
					     "poll",
					     "?",
					     ":",
					     ",",
					     " or ",
					     " and ",
					     "\"",
					     "'",
					     "for",
					     "about",
					     "called",
					     "with",
					     "columns",
					     "budget of",
					     "12",
					     "min",
					     "break",
					     "<script>",
					     "</b>",
					     "&amp;",
					     "\\",
					     "*/",
					     "${x}",
					     "`",
					     "é",
					     "日本",
					     "🚀",
					     "\xe2\x80\x9c",
					     "euros",
					     "quiz",
					     "landing page",
					     "api for",
					     "fields",
					     "features",
					     "kanban",
					     "counter",
					     "chat",
					     ".",
					     "\n",
					     "\t",
					     "a",
					     "the",
					     "my",
					     "timer",
					     "expense",
					     "notes",
					     "\xc2\xa0",
					     "!",
					     "-",
					     "/",
					     "(",
					     ")" };
	unsigned seed = 12345;
	int good = 0, failed_cases = 0;
	for (int i = 0; i < 400; i++) {
		char prompt[600] = "";
		size_t o = 0;
		int words = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 30;
		for (int w = 0; w < words; w++) {
			seed = seed * 1103515245u + 12345u;
			const char *p = parts[(seed >> 16) % (sizeof parts / sizeof parts[0])];
			size_t l = strlen(p);
			if (o + l + 2 >= sizeof prompt)
				break;
			memcpy(prompt + o, p, l);
			o += l;
			if ((seed >> 8) & 1)
				prompt[o++] = ' ';
		}
		prompt[o] = '\0';
		struct json_object *files = NULL;
		char *name = NULL, *assumption = NULL, err[256], verr[256];
		int rc = tmpl_generate(prompt, NULL, &files, &name, &assumption, err, sizeof err);
		if (rc == 0 && appfiles_validate(files, verr, sizeof verr) == 0 &&
		    util_utf8_valid(name, strlen(name)) && name[0] &&
		    util_utf8_chars(name, strlen(name)) <= TMPL_TITLE_MAX && assumption[0])
			good++;
		else if (rc < 0 && !strcmp(err, "prompt is empty"))
			good++;
		else
			failed_cases++;
		json_object_put(files);
		free(name);
		free(assumption);
	}
	ok(failed_cases == 0 && good == 400,
	   "400 random prompts: valid apps, bounded names (%d bad)", failed_cases);
}

/* A model's iterate answer: changed files merged, the guard kept once, and every
 * forbidden or malformed answer refused with nothing returned. */
static void test_parse_patch(void)
{
	static const char *const bad[][2] = {
		{ "{\"files\":{\"../x\":\"a\"}}", "rejected" },
		{ "{\"files\":{\"" GENERATOR_GUARD_FILE "\":\"x\"}}", "rejected" },
		{ "{\"files\":{},\"deleted\":[\"server.js\"]}", "cannot delete" },
		{ "{\"files\":{},\"deleted\":[\"nope.js\"]}", "cannot delete" },
		{ "{\"files\":{}}", "changed nothing" },
		{ "{\"files\":{\"a.js\":5}}", "rejected" },
		{ "{\"error\":\"no way\"}", "could not make the change: no way" },
		{ "not json", "not valid JSON" },
	};
	char err[256], *name = NULL, *why = NULL, *expl = NULL;
	struct json_object *cur = NULL, *out = NULL, *v;
	const char *good = "{\"explanation\":\"Footer.\",\"files\":{\"public/x.css\":\"a{}\"},"
			   "\"deleted\":[\"public/index.html\"]}";
	const char *gen =
		"{\"files\":{\"server.js\":\"require('http')\",\"public/index.html\":\"<p>\"}}";

	if (openai_parse_answer(gen, strlen(gen), &cur, &name, &why, err, sizeof err) < 0) {
		ok(0, "a generated app to patch: %s", err);
		return;
	}
	ok(openai_parse_patch(good, strlen(good), cur, &out, &expl, err, sizeof err) == 0 &&
		   json_object_object_get_ex(out, "public/x.css", NULL) &&
		   !json_object_object_get_ex(out, "public/index.html", NULL) &&
		   json_object_object_get_ex(out, "server.js", &v) &&
		   !strcmp(json_object_get_string(v),
			   "require('http')\n;require('./" GENERATOR_GUARD_FILE "');\n") &&
		   !strcmp(expl, "Footer."),
	   "a patch: added, deleted, server.js keeps the guard once (%s)", out ? "" : err);
	json_object_put(out);
	free(expl);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		out = NULL;
		expl = NULL;
		int rc = openai_parse_patch(bad[i][0], strlen(bad[i][0]), cur, &out, &expl, err,
					    sizeof err);
		ok(rc < 0 && !out && !expl && strstr(err, bad[i][1]), "patch %s: refused (%s)",
		   bad[i][0], err);
	}
	json_object_put(cur);
	free(name);
	free(why);
}

/* An unedited spec renders to the generation's very files; edits are applied or
 * refused as a whole, with the reason. */
static void test_specs(void)
{
	static const char *const prompts[] = { "a todo list with due dates",
					       "a poll: tea or coffee?",
					       "expense tracker in euros",
					       "a REST API for a library of books with authors",
					       "a kanban board",
					       "a quiz about the solar system",
					       "something odd",
					       NULL };
	char err[256] = "", *name, *why, *summary = NULL;
	int rc;
	int same = 1;

	for (size_t i = 0; prompts[i]; i++) {
		struct json_object *files = NULL, *plan = plan_of(prompts[i], NULL), *spec,
				   *again = NULL;
		spec = tmpl_spec_from_plan(plan);
		if (tmpl_generate(prompts[i], NULL, &files, &name, &why, err, sizeof err) < 0 ||
		    tmpl_render_spec(spec, &again, err, sizeof err) < 0 ||
		    !json_object_equal(files, again))
			same = 0;
		if (files) {
			free(name);
			free(why);
		}
		json_object_put(files);
		json_object_put(again);
		json_object_put(spec);
		json_object_put(plan);
	}
	ok(same, "a spec from a plan renders to the generated files, byte for byte");

	struct json_object *plan = plan_of("a shopping list", NULL),
			   *spec = tmpl_spec_from_plan(plan);
	rc = tmpl_edit(spec, "add a quantity field and use a green theme", &summary, err,
		       sizeof err);
	ok(rc == 0 && strstr(summary, "Quantity") && strstr(summary, "green"),
	   "two edits at once: %s", summary ? summary : err);
	free(summary);
	summary = NULL;
	rc = tmpl_edit(spec, "add a colour field; make it fly", &summary, err, sizeof err);
	ok(rc < 0 && strstr(err, "could not understand 'make it fly'") && !summary,
	   "one clause not understood fails the whole instruction: %s", err);
	ok(tmpl_edit(spec, "", &summary, err, sizeof err) < 0, "an empty instruction is refused");
	ok(tmpl_edit(spec, "add a <b> field", &summary, err, sizeof err) < 0,
	   "markup in a name is refused");
	json_object_put(spec);
	json_object_put(plan);
}

int main(void)
{
	test_specs();
	test_parse_patch();
	test_classification();
	test_unrecognised();
	test_determinism();
	test_extraction();
	test_weird();
	test_every_kind_valid();
	test_parse_answer();
	test_random_prompts();
	return tap_done();
}
