/* tmpl_kinds.c: the catalogue of kinds: each kind's name, title, UI and routes templates,
 * keywords and builder, with the lookups made in it (a prompt's kind by keyword score,
 * the fields a kind's own code relies on). */
#include "generator/tmpl_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct kw KW_TODO[] = {
	{ "todo", 6 },         { "to do", 6 },     { "task", 4 },         { "checklist", 5 },
	{ "chore", 4 },        { "errand", 3 },    { "reminder", 2 },     { "shopping list", 5 },
	{ "grocery", 4 },      { "groceries", 4 }, { "things to do", 5 }, { "due date", 2 },
	{ "tick off", 2 },     { "done", 1 },      { "task list", 6 },    { "grocery list", 6 },
	{ "packing list", 7 }, { "wish list", 6 }, { "wishlist", 6 },     { NULL, 0 }
};
static const struct kw KW_NOTES[] = { { "note", 5 },       { "notebook", 5 }, { "journal", 4 },
				      { "diary", 4 },      { "memo", 4 },     { "jot", 3 },
				      { "scratchpad", 4 }, { "notepad", 5 },  { "wiki", 3 },
				      { "idea", 2 },       { NULL, 0 } };
static const struct kw KW_GUESTBOOK[] = {
	{ "guestbook", 8 }, { "guest book", 8 },  { "visitor", 3 },    { "leave a message", 4 },
	{ "sign the", 2 },  { "well wishes", 4 }, { "condolence", 4 }, { "testimonial", 3 },
	{ "wall", 1 },      { "wedding", 2 },     { NULL, 0 }
};
static const struct kw KW_COUNTER[] = { { "counter", 6 },   { "tally", 5 }, { "clicker", 5 },
					{ "increment", 3 }, { "count", 3 }, { "counting", 3 },
					{ "click", 1 },     { NULL, 0 } };
static const struct kw KW_POLL[] = { { "poll", 7 },    { "vote", 5 },       { "voting", 5 },
				     { "survey", 4 },  { "election", 4 },   { "ballot", 5 },
				     { "opinion", 2 }, { "referendum", 4 }, { NULL, 0 } };
static const struct kw KW_TIMER[] = { { "timer", 6 },     { "pomodoro", 8 },  { "countdown", 6 },
				      { "stopwatch", 5 }, { "focus", 2 },     { "minute", 1 },
				      { "break", 1 },     { "egg timer", 4 }, { NULL, 0 } };
static const struct kw KW_QUIZ[] = {
	{ "quiz", 8 }, { "trivia", 6 },          { "flashcard", 4 },         { "question", 2 },
	{ "exam", 3 }, { "multiple choice", 4 }, { "test my knowledge", 4 }, { "quizz", 7 },
	{ NULL, 0 }
};
static const struct kw KW_CHAT[] = { { "chat", 7 },         { "chatroom", 7 },  { "chat room", 7 },
				     { "messenger", 4 },    { "messaging", 4 }, { "irc", 4 },
				     { "conversation", 2 }, { "talk", 1 },      { NULL, 0 } };
static const struct kw KW_KANBAN[] = { { "kanban", 8 }, { "trello", 6 },        { "board", 2 },
				       { "sprint", 3 }, { "backlog", 3 },       { "swimlane", 4 },
				       { "scrum", 4 },  { "project board", 5 }, { "column", 2 },
				       { NULL, 0 } };
static const struct kw KW_BOOKMARKS[] = { { "bookmark", 7 },  { "link", 3 },
					  { "url", 3 },       { "favorite", 2 },
					  { "favourite", 2 }, { "saved links", 6 },
					  { "website", 1 },   { "link collection", 6 },
					  { NULL, 0 } };
static const struct kw KW_EXPENSES[] = { { "expense", 7 }, { "spending", 6 }, { "budget", 4 },
					 { "cost", 2 },    { "money", 2 },    { "spend", 3 },
					 { "receipt", 3 }, { "finance", 3 },  { "bill", 2 },
					 { "euro", 1 },    { "dollar", 1 },   { "spent", 3 },
					 { NULL, 0 } };
static const struct kw KW_CRUD[] = { { "api", 5 },     { "json api", 7 },  { "rest api", 7 },
				     { "rest", 3 },    { "crud", 7 },      { "endpoint", 3 },
				     { "backend", 3 }, { "database", 2 },  { "json", 2 },
				     { "records", 2 }, { "inventory", 3 }, { NULL, 0 } };
static const struct kw KW_LANDING[] = {
	{ "landing page", 9 }, { "landing", 6 },      { "homepage", 4 },  { "home page", 4 },
	{ "marketing", 3 },    { "waitlist", 6 },     { "wait list", 6 }, { "newsletter", 3 },
	{ "coming soon", 6 },  { "product page", 6 }, { "launch", 2 },    { "startup", 2 },
	{ "sign up", 1 },      { "signup", 1 },       { NULL, 0 }
};
static const struct kw KW_RECIPES[] = { { "recipe", 7 }, { "cookbook", 7 },   { "cooking", 3 },
					{ "meal", 2 },   { "ingredient", 3 }, { "dish", 2 },
					{ NULL, 0 } };
static const struct kw KW_CONTACTS[] = { { "contact", 5 },    { "address book", 7 },
					 { "phone book", 7 }, { "phonebook", 7 },
					 { "crm", 5 },        { "rolodex", 6 },
					 { NULL, 0 } };
static const struct kw KW_READING[] = { { "reading list", 8 }, { "book", 3 },    { "novel", 3 },
					{ "goodreads", 6 },    { "books i", 2 }, { "reading", 3 },
					{ "library", 2 },      { NULL, 0 } };

/* clang-format off */
static const struct kind KINDS[] = {
	{"todo", "Todo list", "todo", NULL, "Keep track of what needs doing.", KW_TODO, tmpl_build_todo},
	{"notes", "Notes", "generic", NULL, "Write things down, find them again.", KW_NOTES, tmpl_build_notes},
	{"guestbook", "Guestbook", "generic", NULL, "Leave a message for everyone to read.", KW_GUESTBOOK, tmpl_build_guestbook},
	{"counter", "Counter", "counter", "counter", "Count anything, one click at a time.", KW_COUNTER, tmpl_build_counter},
	{"poll", "Poll", "poll", "poll", "Cast your vote and see the results.", KW_POLL, tmpl_build_poll},
	{"timer", "Timer", "timer", NULL, "Focus in timed sessions.", KW_TIMER, tmpl_build_timer},
	{"quiz", "Quiz", "quiz", "quiz", "Test your knowledge.", KW_QUIZ, tmpl_build_quiz},
	{"chat", "Chat room", "chat", "chat", "Talk with everyone in the room.", KW_CHAT, tmpl_build_chat},
	{"kanban", "Kanban board", "kanban", NULL, "Move cards from idea to done.", KW_KANBAN, tmpl_build_kanban},
	{"bookmarks", "Bookmarks", "generic", NULL, "Links worth keeping.", KW_BOOKMARKS, tmpl_build_bookmarks},
	{"expenses", "Expense tracker", "expenses", NULL, "Where the money goes.", KW_EXPENSES, tmpl_build_expenses},
	{"crud", "JSON API", "generic", NULL, "A small JSON API with a page to manage its records.", KW_CRUD, tmpl_build_crud},
	{"landing", "Landing page", "landing", "landing", "", KW_LANDING, tmpl_build_landing},
	{"recipes", "Recipe book", "generic", NULL, "Recipes worth cooking again.", KW_RECIPES, tmpl_build_recipes},
	{"contacts", "Address book", "generic", NULL, "People and how to reach them.", KW_CONTACTS, tmpl_build_contacts},
	{"reading", "Reading list", "generic", NULL, "Books to read, being read and finished.", KW_READING, tmpl_build_reading},
};
/* clang-format on */
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

size_t tmpl_kind_count(void)
{
	return NKINDS;
}

const struct kind *tmpl_kind(size_t i)
{
	return &KINDS[i];
}

const char *tmpl_kind_name(size_t i)
{
	return i < NKINDS ? KINDS[i].name : NULL;
}

int tmpl_kind_info(size_t i, const char **title, const char **subtitle)
{
	if (i >= NKINDS)
		return -1;
	*title = KINDS[i].label;
	*subtitle = KINDS[i].subtitle;
	return 0;
}

int tmpl_classify_norm(const char *norm, int *score_out, struct strbuf *why)
{
	int best = -1, best_score = 0;
	for (size_t k = 0; k < NKINDS; k++) {
		int score = 0;
		for (const struct kw *w = KINDS[k].kws; w->w; w++)
			if (tmpl_has_in(norm, w->w))
				score += w->weight;
		if (score > best_score) {
			best = (int)k;
			best_score = score;
		}
	}
	if (why && best >= 0) {
		int first = 1;
		for (const struct kw *w = KINDS[best].kws; w->w; w++)
			if (tmpl_has_in(norm, w->w)) {
				strbuf_printf(why, "%s'%s'", first ? "" : ", ", w->w);
				first = 0;
			}
	}
	if (score_out)
		*score_out = best_score;
	return best;
}

int tmpl_classify(const char *prompt, int *score)
{
	struct ctx *c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	tmpl_normalise(c, prompt);
	int k = tmpl_classify_norm(c->norm, score, NULL);
	free(c);
	return k;
}

int tmpl_uses_field(const char *kind, const char *field)
{
	char a[80], b[80];
	for (size_t i = 0; i < NKINDS; i++) {
		if (strcmp(KINDS[i].name, kind) != 0)
			continue;
		char ui[64], routes[64];
		snprintf(ui, sizeof ui, "%s/app.js", KINDS[i].ui);
		snprintf(routes, sizeof routes, "%s/routes.js",
			 KINDS[i].routes ? KINDS[i].routes : "-");
		snprintf(a, sizeof a, "'%s'", field);
		snprintf(b, sizeof b, ".%s", field);
		const char *paths[] = { ui, routes };
		for (size_t p = 0; p < 2; p++) {
			const struct tmpl_file *f = tmpl_file_get(paths[p]);
			if (!f)
				continue;
			char *text = strndup(f->data, f->len);
			if (!text)
				return 1;
			/* a name the UI spells out, as a property or a string, is one it relies on */
			const char *hit = strstr(text, a);
			for (const char *q = text; !hit && (q = strstr(q, b)); q++)
				if (!isalnum((unsigned char)q[strlen(b)]) && q[strlen(b)] != '_')
					hit = q;
			free(text);
			if (hit)
				return 1;
		}
		return 0;
	}
	return 0;
}
