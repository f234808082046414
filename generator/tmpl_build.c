/* tmpl_build.c: the plans of the list and interaction kinds (todo, notes, guestbook,
 * counter, poll, timer, quiz, chat, kanban, bookmarks): their collections, fields, seeds
 * and texts, filled from the prompt. */
#include "generator/tmpl_int.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Lists of things rather than of tasks: their text is an item. */
static int item_list(const struct ctx *c)
{
	return tmpl_has(c, "shopping") || tmpl_has(c, "grocery") || tmpl_has(c, "groceries") ||
	       tmpl_has(c, "packing") || tmpl_has(c, "wish list") || tmpl_has(c, "wishlist");
}

/* The extras a list of things asks for: quantity, price, store, link, who. */
static void todo_things(struct ctx *c, struct json_object *f, struct strbuf *extra)
{
	if (tmpl_has(c, "quantity") || tmpl_has(c, "quantities") || tmpl_has(c, "qty") ||
	    tmpl_has(c, "how many")) {
		struct json_object *q = tmpl_fld("quantity", "Quantity", "int", 0, 0);
		tmpl_fld_int(q, "min", 0);
		tmpl_fld_int(q, "max", 1000000);
		json_object_array_add(f, q);
		strbuf_puts(extra, ", quantity");
	}
	if (tmpl_has(c, "price") || tmpl_has(c, "cost") || tmpl_has(c, "costs")) {
		struct json_object *pr = tmpl_fld("price", "Price", "number", 0, 0);
		tmpl_fld_int(pr, "min", 0);
		tmpl_fld_int(pr, "max", 1000000000);
		json_object_array_add(f, pr);
		strbuf_puts(extra, ", price");
	}
	if (item_list(c) &&
	    (tmpl_has(c, "store") || tmpl_has(c, "shop") || tmpl_has(c, "supermarket"))) {
		json_object_array_add(f, tmpl_fld("store", "Store", "text", 0, 80));
		strbuf_puts(extra, ", store");
	}
	if (tmpl_has(c, "link") || tmpl_has(c, "url")) {
		json_object_array_add(f, tmpl_fld("link", "Link", "url", 0, 2000));
		strbuf_puts(extra, ", link");
	}
	if (tmpl_has(c, "who") || tmpl_has(c, "responsible") || tmpl_has(c, "assigned") ||
	    tmpl_has(c, "assignee") || tmpl_has(c, "assign")) {
		json_object_array_add(f, tmpl_fld("assignee", "Who", "text", 0, 60));
		strbuf_puts(extra, ", who");
	}
}

void tmpl_build_todo(struct ctx *c)
{
	struct json_object *f =
		tmpl_arr(tmpl_fld("text", item_list(c) ? "Item" : "Task", "text", F_REQ, 200),
			 tmpl_fld("done", "Done", "bool", 0, 0), NULL);
	struct strbuf extra = { 0 };
	todo_things(c, f, &extra);
	if (tmpl_has(c, "due") || tmpl_has(c, "deadline") || tmpl_has(c, "date") ||
	    tmpl_has(c, "schedule") || tmpl_has(c, "when")) {
		json_object_array_add(f, tmpl_fld("due", "Due date", "date", 0, 0));
		strbuf_puts(&extra, ", due date");
	}
	if (tmpl_has(c, "priority") || tmpl_has(c, "priorities") || tmpl_has(c, "urgent") ||
	    tmpl_has(c, "important")) {
		static const char *const pr[] = { "normal", "high", "low" };
		json_object_array_add(f, tmpl_fld_enum("priority", "Priority", pr, 3));
		strbuf_puts(&extra, ", priority");
	}
	if (tmpl_has(c, "tag") || tmpl_has(c, "category") || tmpl_has(c, "categories") ||
	    tmpl_has(c, "label") || tmpl_has(c, "project")) {
		json_object_array_add(f, tmpl_fld("tag", "Tag", "text", 0, 40));
		strbuf_puts(&extra, ", tag");
	}
	if (tmpl_has(c, "note") || tmpl_has(c, "detail") || tmpl_has(c, "description")) {
		json_object_array_add(f, tmpl_fld("notes", "Notes", "longtext", 0, 2000));
		strbuf_puts(&extra, ", notes");
	}
	tmpl_coll(c, "todos", "Tasks", "task", f, NULL);
	tmpl_set_title(c, "Todo list: %s",
		       tmpl_has(c, "shopping") || tmpl_has(c, "grocery") || tmpl_has(c, "groceries")
			       ? "Shopping list"
		       : tmpl_has(c, "packing")                              ? "Packing list"
		       : tmpl_has(c, "wish list") || tmpl_has(c, "wishlist") ? "Wish list"
									     : "Todo list");
	strbuf_printf(&c->notes, " Each task has a text and a done flag%s.",
		      extra.p ? extra.p : "");
	free(strbuf_take(&extra));
}

void tmpl_build_notes(struct ctx *c)
{
	struct json_object *f = tmpl_arr(tmpl_fld("title", "Title", "text", F_REQ, 120),
					 tmpl_fld("body", "Note", "longtext", 0, 10000), NULL);
	if (tmpl_has(c, "tag") || tmpl_has(c, "category") || tmpl_has(c, "categories") ||
	    tmpl_has(c, "label"))
		json_object_array_add(f, tmpl_fld("tags", "Tags", "text", 0, 100));
	tmpl_coll(c, "notes", "Notes", "note", f, NULL);
	tmpl_meta_str(c, "primary", "notes");
	tmpl_set_title(c, "Notes: %s",
		       tmpl_has(c, "journal") || tmpl_has(c, "diary") ? "Journal" : "Notes");
}

void tmpl_build_guestbook(struct ctx *c)
{
	tmpl_coll(c, "entries", "Messages", "message",
		  tmpl_arr(tmpl_fld("name", "Your name", "text", F_REQ, 60),
			   tmpl_fld("message", "Message", "longtext", F_REQ, 2000), NULL),
		  "list create read");
	tmpl_meta_str(c, "primary", "entries");
	tmpl_set_title(c, "Guestbook: %s", "Guestbook");
}

void tmpl_build_counter(struct ctx *c)
{
	struct json_object *value = tmpl_fld("value", "Value", "int", F_REQ | F_RO, 0);
	struct json_object *col =
		tmpl_coll(c, "counters", "Counters", "counter",
			  tmpl_arr(tmpl_fld("label", "Label", "text", F_REQ, 60), value, NULL),
			  NULL);
	char label[128];
	if (c->subject[0]) {
		util_copy(label, sizeof label, c->subject);
		tmpl_capitalize(label);
	} else
		util_copy(label, sizeof label, "Count");
	struct json_object *s = json_object_new_object();
	json_object_object_add(s, "label", json_object_new_string(label));
	tmpl_seed(col, s);
	tmpl_meta_int(c, "step", 1);
	tmpl_set_title(c, "Counter: %s", "Counter");
	strbuf_printf(&c->notes, " Starts with one counter, '%s', at 0.", label);
}

void tmpl_build_poll(struct ctx *c)
{
	char question[512] = "", opts[10][64];
	size_t nopts = 0;
	const char *q = strchr(c->raw, '?');
	if (q) {
		size_t end = (size_t)(q - c->raw);
		size_t start = end;
		while (start > 0 && !strchr(":.!\n", c->raw[start - 1]))
			start--;
		tmpl_clean_copy(question, sizeof question, c->raw + start, end - start + 1, 120, 1);
		tmpl_capitalize(question);
		nopts = tmpl_split_list(c, end + 1, opts, 10, 60);
	}
	static const char *const markers[] = { "options", "choices", "between", "choose from",
					       NULL };
	for (size_t i = 0; markers[i] && nopts < 2; i++) {
		long at = tmpl_find_marker(c, markers[i], 0);
		if (at >= 0)
			nopts = tmpl_split_list(c, (size_t)at, opts, 10, 60);
	}
	if (nopts < 2) {
		util_copy(opts[0], 64, "Yes");
		util_copy(opts[1], 64, "No");
		nopts = 2;
		strbuf_puts(&c->notes,
			    " No answer options found in the prompt; started with Yes and No"
			    " (more can be added in the app).");
	} else {
		strbuf_printf(&c->notes, " Options: ");
		for (size_t i = 0; i < nopts; i++)
			strbuf_printf(&c->notes, "%s%s", i ? ", " : "", opts[i]);
		strbuf_puts(&c->notes, ".");
	}
	if (!question[0]) {
		if (c->subject[0])
			snprintf(question, sizeof question, "What do you think about %s?",
				 c->subject);
		else
			util_copy(question, sizeof question, "What do you prefer?");
	}
	struct json_object *votes = tmpl_fld("votes", "Votes", "int", F_RO, 0);
	tmpl_fld_int(votes, "default", 0);
	struct json_object *col =
		tmpl_coll(c, "options", "Options", "option",
			  tmpl_arr(tmpl_fld("label", "Option", "text", F_REQ, 60), votes, NULL),
			  "list create read delete");
	for (size_t i = 0; i < nopts; i++) {
		struct json_object *s = json_object_new_object();
		json_object_object_add(s, "label", json_object_new_string(opts[i]));
		tmpl_seed(col, s);
	}
	tmpl_meta_str(c, "question", question);
	tmpl_set_title(c, NULL, q ? question : "Poll");
}

/* Minutes mentioned in the prompt: "25 minute(s)", "25-min", "25min". *work and
 * *brk are set when found; a number with "break" or "rest" within two words before or
 * after it is the break. */
static void find_minutes(const struct ctx *c, long *work, long *brk)
{
	const char *words[256];
	size_t lens[256], n = 0;
	for (const char *p = c->norm; *p && n < 256;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		words[n] = p;
		while (*p && *p != ' ')
			p++;
		lens[n] = (size_t)(p - words[n]);
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		size_t digits = strspn(words[i], "0123456789");
		if (digits < 1 || digits > 3)
			continue;
		const char *unit =
			digits == lens[i] ? (i + 1 < n ? words[i + 1] : "") : words[i] + digits;
		if (strncmp(unit, "min", 3))
			continue;
		long v = strtol(words[i], NULL, 10);
		int is_break = 0;
		for (size_t j = i >= 2 ? i - 2 : 0; j < n && j <= i + 3; j++)
			if (j != i &&
			    (!strncmp(words[j], "break", 5) || !strncmp(words[j], "rest ", 5)))
				is_break = 1;
		if (is_break && *brk < 0 && v <= 60)
			*brk = v;
		else if (!is_break && *work < 0 && v >= 1 && v <= 180)
			*work = v;
	}
}

void tmpl_build_timer(struct ctx *c)
{
	long work = -1, brk = -1;
	find_minutes(c, &work, &brk);
	int pomodoro = tmpl_has(c, "pomodoro");
	if (work < 0)
		work = pomodoro ? 25 : 10;
	if (brk < 0)
		brk = pomodoro || tmpl_has(c, "break") ? 5 : 0;
	tmpl_meta_int(c, "work_minutes", work);
	tmpl_meta_int(c, "break_minutes", brk);
	static const char *const phases[] = { "work", "break" };
	struct json_object *min = tmpl_fld("minutes", "Minutes", "int", F_REQ, 0);
	tmpl_fld_int(min, "min", 0);
	tmpl_fld_int(min, "max", 600);
	tmpl_coll(c, "sessions", "Sessions", "session",
		  tmpl_arr(tmpl_fld("label", "Label", "text", 0, 100), min,
			   tmpl_fld_enum("phase", "Phase", phases, 2), NULL),
		  "list create read delete");
	tmpl_set_title(c, "Timer: %s", pomodoro ? "Pomodoro timer" : "Timer");
	strbuf_printf(&c->notes, " Work phase %ld min, break %ld min.", work, brk);
}

struct qa {
	const char *q;
	const char *choices[4];
	int answer;
};

/* clang-format off */
static const struct qa QUIZ_SOLAR[] = {
	{"Which planet is closest to the Sun?", {"Mercury", "Venus", "Earth", "Mars"}, 0},
	{"Which is the largest planet in the solar system?", {"Saturn", "Jupiter", "Neptune", "Earth"}, 1},
	{"Which planet is known as the Red Planet?", {"Venus", "Jupiter", "Mars", "Mercury"}, 2},
	{"How many planets orbit the Sun?", {"7", "8", "9", "10"}, 1},
	{"Which planet has the most famous ring system?", {"Uranus", "Mars", "Saturn", "Venus"}, 2},
	{NULL, {NULL}, 0},
};
/* clang-format on */
/* clang-format off */
static const struct qa QUIZ_GEO[] = {
	{"What is the capital of France?", {"Paris", "Lyon", "Marseille", "Nice"}, 0},
	{"What is the capital of Japan?", {"Osaka", "Kyoto", "Tokyo", "Sapporo"}, 2},
	{"What is the capital of Australia?", {"Sydney", "Melbourne", "Canberra", "Perth"}, 2},
	{"On which continent is Egypt?", {"Asia", "Africa", "Europe", "South America"}, 1},
	{"Which is the longest river in South America?", {"Orinoco", "Amazon", "Paraná", "Magdalena"}, 1},
	{NULL, {NULL}, 0},
};
/* clang-format on */
/* clang-format off */
static const struct qa QUIZ_MATH[] = {
	{"What is 7 × 8?", {"54", "56", "64", "48"}, 1},
	{"What is the square root of 81?", {"7", "8", "9", "10"}, 2},
	{"What is 15% of 200?", {"15", "20", "30", "45"}, 2},
	{"How many degrees are in a right angle?", {"45", "90", "180", "360"}, 1},
	{"What is 2 to the power of 10?", {"512", "1000", "1024", "2048"}, 2},
	{NULL, {NULL}, 0},
};
/* clang-format on */
/* clang-format off */
static const struct qa QUIZ_CODE[] = {
	{"Which keyword declares a block-scoped constant in JavaScript?", {"var", "let", "const", "static"}, 2},
	{"What does HTTP status 404 mean?", {"Server error", "Not found", "Redirect", "OK"}, 1},
	{"What does JSON stand for?", {"JavaScript Object Notation", "Java Serialized Object Network",
				       "JavaScript Online Nodes", "Joint Syntax Object Name"}, 0},
	{"Which data structure is last in, first out?", {"Queue", "Stack", "Tree", "Graph"}, 1},
	{"Which language styles web pages?", {"HTML", "CSS", "SQL", "Python"}, 1},
	{NULL, {NULL}, 0},
};
/* clang-format on */
/* clang-format off */
static const struct qa QUIZ_HISTORY[] = {
	{"In which year did the Second World War end?", {"1918", "1939", "1945", "1950"}, 2},
	{"Who was the first person to walk on the Moon?", {"Yuri Gagarin", "Neil Armstrong", "Buzz Aldrin", "John Glenn"}, 1},
	{"Which civilisation built the pyramids of Giza?", {"Romans", "Greeks", "Egyptians", "Maya"}, 2},
	{"In which year did the Berlin Wall fall?", {"1961", "1979", "1989", "1991"}, 2},
	{NULL, {NULL}, 0},
};
/* clang-format on */
/* clang-format off */
static const struct qa QUIZ_GENERAL[] = {
	{"How many days are in a leap year?", {"364", "365", "366", "367"}, 2},
	{"How many continents are there?", {"5", "6", "7", "8"}, 2},
	{"Which gas do plants take in from the air?", {"Oxygen", "Nitrogen", "Carbon dioxide", "Helium"}, 2},
	{"How many minutes are in a day?", {"1440", "1000", "3600", "720"}, 0},
	{NULL, {NULL}, 0},
};
/* clang-format on */

static const struct {
	const char *words[10];
	const char *topic;
	const struct qa *qs;
} QUIZ_BANKS[] = {
	{ { "solar", "planet", "space", "astronomy", "moon", "sun", "star", "galaxy", NULL },
	  "the solar system",
	  QUIZ_SOLAR },
	{ { "capital", "geography", "country", "countries", "continent", "world", "river", NULL },
	  "geography",
	  QUIZ_GEO },
	{ { "math", "maths", "mathematics", "arithmetic", "algebra", "multiplication", "number",
	    NULL },
	  "maths",
	  QUIZ_MATH },
	{ { "javascript", "programming", "code", "coding", "computer", "web", "developer",
	    "software", NULL },
	  "programming",
	  QUIZ_CODE },
	{ { "history", "historical", "war", "ancient", "century", NULL }, "history", QUIZ_HISTORY },
};

void tmpl_build_quiz(struct ctx *c)
{
	const struct qa *qs = QUIZ_GENERAL;
	const char *bank = "general knowledge";
	for (size_t b = 0; b < sizeof QUIZ_BANKS / sizeof QUIZ_BANKS[0] && qs == QUIZ_GENERAL; b++)
		for (size_t w = 0; QUIZ_BANKS[b].words[w]; w++)
			if (tmpl_has(c, QUIZ_BANKS[b].words[w])) {
				qs = QUIZ_BANKS[b].qs;
				bank = QUIZ_BANKS[b].topic;
				break;
			}
	struct json_object *choices =
		tmpl_fld("choices", "Choices (comma separated)", "list", F_REQ, 200);
	tmpl_fld_int(choices, "min_items", 2);
	tmpl_fld_int(choices, "max_items", 6);
	struct json_object *answer = tmpl_fld("answer", "Answer", "int", F_REQ | F_PRIV, 0);
	tmpl_fld_int(answer, "min", 0);
	tmpl_fld_int(answer, "max", 5);
	struct json_object *col =
		tmpl_coll(c, "questions", "Questions", "question",
			  tmpl_arr(tmpl_fld("question", "Question", "text", F_REQ, 300), choices,
				   answer, NULL),
			  NULL);
	for (size_t i = 0; qs[i].q; i++) {
		struct json_object *s = json_object_new_object();
		json_object_object_add(s, "question", json_object_new_string(qs[i].q));
		json_object_object_add(s, "choices", tmpl_str_array(qs[i].choices, 4));
		json_object_object_add(s, "answer", json_object_new_int(qs[i].answer));
		tmpl_seed(col, s);
	}
	struct json_object *score = tmpl_fld("score", "Score", "int", F_REQ, 0);
	tmpl_fld_int(score, "min", 0);
	tmpl_fld_int(score, "max", 1000);
	struct json_object *total = tmpl_fld("total", "Total", "int", F_REQ, 0);
	tmpl_fld_int(total, "min", 0);
	tmpl_fld_int(total, "max", 1000);
	tmpl_coll(c, "scores", "Scores", "score",
		  tmpl_arr(tmpl_fld("name", "Name", "text", F_REQ, 40), score, total, NULL),
		  "list create read delete");
	char topic[256];
	util_copy(topic, sizeof topic, c->subject[0] ? c->subject : bank);
	tmpl_meta_str(c, "topic", topic);
	tmpl_set_title(c, "%s quiz", "Quiz");
	if (c->subject[0] && strcmp(bank, "general knowledge") == 0)
		strbuf_printf(&c->notes,
			      " No built-in questions about '%s'; seeded general-knowledge"
			      " questions: add your own in the app.",
			      c->subject);
	else
		strbuf_printf(&c->notes,
			      " Seeded with questions about %s; more can be added in the app.",
			      bank);
}

void tmpl_build_chat(struct ctx *c)
{
	tmpl_coll(c, "messages", "Messages", "message",
		  tmpl_arr(tmpl_fld("author", "Name", "text", F_REQ, 40),
			   tmpl_fld("text", "Message", "text", F_REQ, 1000), NULL),
		  "list create");
	struct json_object *col;
	json_object_object_get_ex(c->cols, "messages", &col);
	tmpl_fld_int(col, "keep", 500);
	tmpl_set_title(c, "Chat: %s", "Chat room");
	strbuf_puts(&c->notes, " Messages arrive by long polling; the last 500 are kept.");
}

void tmpl_build_kanban(struct ctx *c)
{
	char cols[8][64];
	size_t n = 0;
	static const char *const markers[] = { "columns", "lanes", "stages", NULL };
	long at = tmpl_find_any_marker(c, markers);
	if (at >= 0)
		n = tmpl_split_list(c, (size_t)at, cols, 8, 30);
	const char *opts[8];
	if (n < 2) {
		static const char *const def[] = { "To do", "In progress", "Done" };
		for (n = 0; n < 3; n++)
			opts[n] = def[n];
	} else
		for (size_t i = 0; i < n; i++)
			opts[i] = cols[i];
	tmpl_coll(c, "cards", "Cards", "card",
		  tmpl_arr(tmpl_fld("title", "Card", "text", F_REQ, 200),
			   tmpl_fld_enum("column", "Column", opts, n),
			   tmpl_fld("notes", "Notes", "longtext", 0, 2000), NULL),
		  NULL);
	tmpl_set_title(c, "Board: %s", "Kanban board");
	strbuf_printf(&c->notes, " Columns: ");
	for (size_t i = 0; i < n; i++)
		strbuf_printf(&c->notes, "%s%s", i ? ", " : "", opts[i]);
	strbuf_puts(&c->notes, ".");
}

void tmpl_build_bookmarks(struct ctx *c)
{
	tmpl_coll(c, "bookmarks", "Bookmarks", "bookmark",
		  tmpl_arr(tmpl_fld("url", "Link", "url", F_REQ, 2000),
			   tmpl_fld("title", "Title", "text", 0, 200),
			   tmpl_fld("tags", "Tags", "text", 0, 100), NULL),
		  NULL);
	tmpl_meta_str(c, "primary", "bookmarks");
	tmpl_set_title(c, "Bookmarks: %s", "Bookmarks");
}
