/* tmpl_edit_seed.c: the edit clauses about an app's starting data: a poll's options and
 * question, a quiz's questions (see tmpl_edit_int.h; same conventions as tmpl_edit()). */
#include "generator/tmpl_edit_int.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

/* The seed array of collection cname (made empty when missing), if the app is of
 * kind; else NULL. */
static struct json_object *seed_of(struct edit *e, const char *kind, const char *cname)
{
	struct json_object *col = NULL, *s = NULL;

	if (strcmp(e->kind, kind) != 0 || !json_object_object_get_ex(e->cols, cname, &col))
		return NULL;
	if (!json_object_object_get_ex(col, "seed", &s)) {
		s = json_object_new_array();
		json_object_object_add(col, "seed", s);
	}
	return s;
}

/* ---------------------------------------------------------------- poll options */

static int option_find(struct json_object *seed, const char *label)
{
	for (size_t i = 0; i < json_object_array_length(seed); i++)
		if (!strcasecmp(tmpl_edit_str(json_object_array_get_idx(seed, i), "label"), label))
			return (int)i;
	return -1;
}

static int option_add(struct edit *e, struct json_object *seed, char *text)
{
	struct json_object *o;
	char label[LABEL_MAX + 8];

	text = tmpl_edit_trim(text);
	if (strlen(text) > 60 || tmpl_edit_label(label, sizeof label, text) < 0)
		return tmpl_edit_fail(e, "an option needs a text of 1 to 60 plain characters");
	if (option_find(seed, label) >= 0)
		return tmpl_edit_fail(e, "the poll already has the option '%s'", label);
	if (json_object_array_length(seed) >= OPTIONS_MAX)
		return tmpl_edit_fail(e, "a poll has at most %d options", OPTIONS_MAX);
	o = json_object_new_object();
	json_object_object_add(o, "label", json_object_new_string(label));
	json_object_array_add(seed, o);
	tmpl_edit_said(e, "Added the option '%s'.", label);
	return 0;
}

/* "options: a, b, c": replaces every option. */
static int options_set(struct edit *e, struct json_object *seed, char *list)
{
	char *save = NULL;

	while (json_object_array_length(seed))
		json_object_array_del_idx(seed, 0, 1);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *x = tmpl_edit_trim(t), *o = tmpl_edit_after(x, "or");
		if (option_add(e, seed, o ? o : x) < 0)
			return -1;
	}
	if (json_object_array_length(seed) < 2)
		return tmpl_edit_fail(e, "a poll needs at least two options");
	return 0;
}

int tmpl_edit_poll_clause(struct edit *e, char *c, int *done)
{
	struct json_object *seed = seed_of(e, "poll", "options");
	char *r, *to;
	int i;

	*done = 1;
	if (!seed)
		return (*done = 0);
	if ((r = tmpl_edit_after(c, "add")) && (r = tmpl_edit_drop_articles(r)) &&
	    ((to = tmpl_edit_after(r, "option")) || (to = tmpl_edit_after(r, "choice"))))
		return option_add(e, seed, to);
	if ((r = tmpl_edit_after(c, "add")) && (to = tmpl_edit_cut(r, "as an option")))
		return option_add(e, seed, r);
	if (((r = tmpl_edit_after(c, "remove")) || (r = tmpl_edit_after(c, "delete")) ||
	     (r = tmpl_edit_after(c, "drop"))) &&
	    (r = tmpl_edit_drop_articles(r)) &&
	    ((to = tmpl_edit_after(r, "option")) || (to = tmpl_edit_after(r, "choice")))) {
		if ((i = option_find(seed, tmpl_edit_trim(to))) < 0)
			return tmpl_edit_fail(e, "the poll has no option '%s'", to);
		if (json_object_array_length(seed) <= 2)
			return tmpl_edit_fail(e, "a poll needs at least two options");
		json_object_array_del_idx(seed, (size_t)i, 1);
		tmpl_edit_said(e, "Removed the option '%s'.", to);
		return 0;
	}
	if ((r = tmpl_edit_after(c, "options:")) ||
	    (r = tmpl_edit_after(c, "set the options to")) ||
	    (r = tmpl_edit_after(c, "change the options to")) ||
	    (r = tmpl_edit_after(c, "the options are")))
		return options_set(e, seed, r);
	if ((r = tmpl_edit_after(c, "change the question to")) ||
	    (r = tmpl_edit_after(c, "set the question to")) || (r = tmpl_edit_after(c, "ask")))
		return tmpl_edit_set_text(e, "question", r, 120, "question");
	return (*done = 0);
}

/* ---------------------------------------------------------------- quiz questions */

#define QUIZ_MAX 50

/* "add the question Q with choices a, b, c and answer b". */
static int question_add(struct edit *e, struct json_object *seed, char *r)
{
	char *choices, *answer, *save = NULL, q[320];
	struct json_object *item, *arr;
	int found = -1;

	if (!(choices = tmpl_edit_cut(r, "with choices")) &&
	    !(choices = tmpl_edit_cut(r, "choices")))
		return tmpl_edit_fail(
			e, "say the choices, for example: add the question What is 2+2? with "
			   "choices 3, 4, 5 and answer 4");
	if (!(answer = tmpl_edit_cut(choices, "and answer")) &&
	    !(answer = tmpl_edit_cut(choices, "answer")))
		return tmpl_edit_fail(
			e, "say which choice is the answer, for example: ... and answer 4");
	r = tmpl_edit_trim(r);
	if (!*r || strlen(r) > 300 || !util_utf8_valid(r, strlen(r)) || strpbrk(r, "<>"))
		return tmpl_edit_fail(e, "a question needs a text of 1 to 300 plain characters");
	util_copy(q, sizeof q, tmpl_edit_trim(r));
	arr = json_object_new_array();
	for (char *t = strtok_r(choices, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *x = tmpl_edit_trim(t), *o = tmpl_edit_after(x, "or");
		x = o ? o : x;
		if (!*x || strlen(x) > 60 || json_object_array_length(arr) >= 6) {
			json_object_put(arr);
			return tmpl_edit_fail(
				e, "a question has 2 to 6 choices of 1 to 60 characters");
		}
		if (!strcasecmp(x, tmpl_edit_trim(answer)))
			found = (int)json_object_array_length(arr);
		json_object_array_add(arr, json_object_new_string(x));
	}
	if (json_object_array_length(arr) < 2 || found < 0) {
		bool few = json_object_array_length(arr) < 2;
		json_object_put(arr);
		return tmpl_edit_fail(e, few ? "a question has 2 to 6 choices"
					     : "the answer must be one of the choices");
	}
	if (json_object_array_length(seed) >= QUIZ_MAX) {
		json_object_put(arr);
		return tmpl_edit_fail(e, "a quiz starts with at most %d questions", QUIZ_MAX);
	}
	item = json_object_new_object();
	json_object_object_add(item, "question", json_object_new_string(q));
	json_object_object_add(item, "choices", arr);
	json_object_object_add(item, "answer", json_object_new_int(found));
	json_object_array_add(seed, item);
	tmpl_edit_said(e, "Added the question '%s'.", q);
	return 0;
}

/* "remove question 2" or "remove the question What is 2+2?". */
static int question_remove(struct edit *e, struct json_object *seed, char *which)
{
	size_t n = json_object_array_length(seed);
	long long k = 0;
	int at = -1;

	which = tmpl_edit_trim(which);
	if (util_parse_ll(which, 1, (long long)n, &k) == 0)
		at = (int)k - 1;
	for (size_t i = 0; at < 0 && i < n; i++) {
		struct json_object *q = NULL;
		json_object_object_get_ex(json_object_array_get_idx(seed, i), "question", &q);
		if (q && !strcasecmp(json_object_get_string(q), which))
			at = (int)i;
	}
	if (at < 0)
		return tmpl_edit_fail(e, "the quiz has no question '%s'", which);
	if (n <= 1)
		return tmpl_edit_fail(e, "a quiz needs at least one question");
	json_object_array_del_idx(seed, (size_t)at, 1);
	tmpl_edit_said(e, "Removed question %d.", at + 1);
	return 0;
}

int tmpl_edit_quiz_clause(struct edit *e, char *c, int *done)
{
	struct json_object *seed = seed_of(e, "quiz", "questions");
	char *r, *q;

	*done = 1;
	if (!seed)
		return (*done = 0);
	if ((r = tmpl_edit_after(c, "add")) && (r = tmpl_edit_drop_articles(r)) &&
	    ((q = tmpl_edit_after(r, "question:")) || (q = tmpl_edit_after(r, "question"))))
		return question_add(e, seed, q);
	if (((r = tmpl_edit_after(c, "remove")) || (r = tmpl_edit_after(c, "delete")) ||
	     (r = tmpl_edit_after(c, "drop"))) &&
	    (r = tmpl_edit_drop_articles(r)) &&
	    ((q = tmpl_edit_after(r, "question:")) || (q = tmpl_edit_after(r, "question"))))
		return question_remove(e, seed, q);
	return (*done = 0);
}
