/* gallery.c: the template gallery (generator_gallery in generator.h): each kind of the
 * template provider with its title and subtitle (tmpl_kinds.c's kind table) and an example
 * prompt that the provider classifies as that kind (tests/unit/test_generator.c checks
 * that each does). */
#include "generator/generator.h"

#include <json-c/json.h>
#include <string.h>

#include "generator/tmpl.h"

static const struct {
	const char *kind, *example, *description; /* description: when the kind has none */
} EXAMPLES[] = {
	{ "todo", "a todo list with due dates and priorities", NULL },
	{ "notes", "a place to keep my notes with tags", NULL },
	{ "guestbook", "a guestbook for our wedding", NULL },
	{ "counter", "a counter for push-ups", NULL },
	{ "poll", "poll: what should we eat? pizza, sushi, tacos", NULL },
	{ "timer", "a pomodoro timer with 50 minute sessions and 10 minute breaks", NULL },
	{ "quiz", "quiz about the solar system", NULL },
	{ "chat", "a chat room for the chess club", NULL },
	{ "kanban", "a kanban board with columns backlog, doing, review, done", NULL },
	{ "bookmarks", "somewhere to save my bookmarks", NULL },
	{ "expenses", "expense tracker for my trip to Rome in euros", NULL },
	{ "crud", "a JSON API for books with title, author and year", NULL },
	{ "landing", "landing page for Acme Rockets that makes space travel affordable",
	  "A one-page site with a sign-up form." },
	{ "recipes", "a recipe book for family dinners", NULL },
	{ "contacts", "an address book for my clients", NULL },
	{ "reading", "my reading list", NULL },
};

const char *generator_gallery_example(const char *kind)
{
	for (size_t i = 0; i < sizeof EXAMPLES / sizeof EXAMPLES[0]; i++)
		if (strcmp(EXAMPLES[i].kind, kind) == 0)
			return EXAMPLES[i].example;
	return NULL;
}

/* The description of example e for a kind whose subtitle is sub. */
static const char *describe(const char *kind, const char *sub)
{
	for (size_t i = 0; i < sizeof EXAMPLES / sizeof EXAMPLES[0]; i++)
		if (strcmp(EXAMPLES[i].kind, kind) == 0 && EXAMPLES[i].description)
			return EXAMPLES[i].description;
	return sub;
}

struct json_object *generator_gallery(void)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < tmpl_kind_count(); i++) {
		const char *kind = tmpl_kind_name(i), *title, *sub, *ex;
		struct json_object *o;
		if (tmpl_kind_info(i, &title, &sub) < 0 || !(ex = generator_gallery_example(kind)))
			continue; /* a kind without an example is not shown */
		o = json_object_new_object();
		json_object_object_add(o, "kind", json_object_new_string(kind));
		json_object_object_add(o, "title", json_object_new_string(title));
		json_object_object_add(o, "description",
				       json_object_new_string(describe(kind, sub)));
		json_object_object_add(o, "example_prompt", json_object_new_string(ex));
		json_object_array_add(arr, o);
	}
	return arr;
}
