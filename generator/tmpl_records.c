/* tmpl_records.c: the plans of the record kinds (expenses and its currencies, the JSON
 * API with its domains of typed fields, landing, recipes, contacts, reading). */
#include "generator/tmpl_int.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *words[4];
	const char *code;
} CURRENCIES[] = {
	{ { "canadian dollar", "cad", NULL }, "CAD" },
	{ { "australian dollar", "aud", NULL }, "AUD" },
	{ { "euro", "eur", NULL }, "EUR" },
	{ { "pound", "gbp", "sterling", NULL }, "GBP" },
	{ { "yen", "jpy", NULL }, "JPY" },
	{ { "franc", "chf", NULL }, "CHF" },
	{ { "rupee", "inr", NULL }, "INR" },
	{ { "yuan", "rmb", "cny", NULL }, "CNY" },
	{ { "krona", "kronor", "sek", NULL }, "SEK" },
	{ { "zloty", "pln", NULL }, "PLN" },
	{ { "peso", "mxn", NULL }, "MXN" },
	{ { "dollar", "usd", "bucks", NULL }, "USD" },
};

void tmpl_build_expenses(struct ctx *c)
{
	const char *cur = NULL;
	for (size_t i = 0; i < sizeof CURRENCIES / sizeof CURRENCIES[0] && !cur; i++)
		for (size_t w = 0; CURRENCIES[i].words[w]; w++)
			if (tmpl_has(c, CURRENCIES[i].words[w])) {
				cur = CURRENCIES[i].code;
				break;
			}
	if (!cur)
		cur = strstr(c->raw, "€")   ? "EUR"
		      : strstr(c->raw, "£") ? "GBP"
		      : strstr(c->raw, "¥") ? "JPY"
		      : strstr(c->raw, "₹") ? "INR"
		      : strchr(c->raw, '$') ? "USD"
					    : NULL;
	if (!cur) {
		cur = "USD";
		strbuf_puts(&c->notes, " No currency named; assumed US dollars (USD).");
	} else
		strbuf_printf(&c->notes, " Currency %s.", cur);
	tmpl_meta_str(c, "currency", cur);
	long at = tmpl_find_marker(c, "budget", 0);
	if (at >= 0) {
		const char *s = c->raw + at;
		s += strspn(s, " ofis:€£$¥");
		char *end;
		long v = strtol(s, &end, 10);
		if (end != s && v > 0 && v <= 1000000000) {
			tmpl_meta_int(c, "budget", v);
			strbuf_printf(&c->notes, " Budget %ld.", v);
		}
	}
	static const char *const cats[] = { "Food", "Transport", "Lodging", "Shopping",
					    "Fun",  "Bills",     "Other" };
	struct json_object *amount = tmpl_fld("amount", "Amount", "number", F_REQ, 0);
	tmpl_fld_int(amount, "min", 0);
	tmpl_fld_int(amount, "max", 1000000000);
	tmpl_coll(c, "expenses", "Expenses", "expense",
		  tmpl_arr(tmpl_fld("description", "What", "text", F_REQ, 200), amount,
			   tmpl_fld_enum("category", "Category", cats, 7),
			   tmpl_fld("date", "Date", "date", 0, 0), NULL),
		  NULL);
	tmpl_set_title(c, "Expenses: %s", "Expense tracker");
}

const char *tmpl_currency_code(const char *words)
{
	for (size_t i = 0; i < sizeof CURRENCIES / sizeof CURRENCIES[0]; i++)
		for (size_t w = 0; CURRENCIES[i].words[w]; w++)
			if (tmpl_has_in(words, CURRENCIES[i].words[w]))
				return CURRENCIES[i].code;
	return NULL;
}

/* What records of common kinds hold, for an API about them: the resource and its
 * fields (the first required). Found by the earliest of its nouns in the prompt. */
struct dfield {
	const char *name, *label, *type;
};

static const struct {
	const char *nouns[3];
	const char *res, *label;
	struct dfield f[5];
} DOMAINS[] = {
	{ { "book", NULL },
	  "books",
	  "Books",
	  { { "title", "Title", "text" },
	    { "author", "Author", "text" },
	    { "year", "Year", "int" },
	    { "isbn", "ISBN", "text" } } },
	{ { "movie", "film", NULL },
	  "movies",
	  "Movies",
	  { { "title", "Title", "text" },
	    { "director", "Director", "text" },
	    { "year", "Year", "int" },
	    { "rating", "Rating", "number" } } },
	{ { "song", NULL },
	  "songs",
	  "Songs",
	  { { "title", "Title", "text" },
	    { "artist", "Artist", "text" },
	    { "album", "Album", "text" },
	    { "year", "Year", "int" } } },
	{ { "album", NULL },
	  "albums",
	  "Albums",
	  { { "title", "Title", "text" },
	    { "artist", "Artist", "text" },
	    { "year", "Year", "int" } } },
	{ { "product", NULL },
	  "products",
	  "Products",
	  { { "name", "Name", "text" },
	    { "price", "Price", "number" },
	    { "stock", "Stock", "int" },
	    { "sku", "SKU", "text" } } },
	{ { "customer", "client", NULL },
	  "customers",
	  "Customers",
	  { { "name", "Name", "text" },
	    { "email", "Email", "email" },
	    { "phone", "Phone", "text" } } },
	{ { "employee", "staff", NULL },
	  "employees",
	  "Employees",
	  { { "name", "Name", "text" },
	    { "email", "Email", "email" },
	    { "role", "Role", "text" },
	    { "start_date", "Start date", "date" } } },
	{ { "student", NULL },
	  "students",
	  "Students",
	  { { "name", "Name", "text" },
	    { "email", "Email", "email" },
	    { "grade", "Grade", "text" } } },
	{ { "pet", "animal", NULL },
	  "pets",
	  "Pets",
	  { { "name", "Name", "text" },
	    { "species", "Species", "text" },
	    { "breed", "Breed", "text" },
	    { "age", "Age", "int" } } },
	{ { "plant", NULL },
	  "plants",
	  "Plants",
	  { { "name", "Name", "text" }, { "species", "Species", "text" } } },
	{ { "restaurant", NULL },
	  "restaurants",
	  "Restaurants",
	  { { "name", "Name", "text" },
	    { "cuisine", "Cuisine", "text" },
	    { "address", "Address", "text" },
	    { "rating", "Rating", "number" } } },
	{ { "car", "vehicle", NULL },
	  "cars",
	  "Cars",
	  { { "make", "Make", "text" },
	    { "model", "Model", "text" },
	    { "year", "Year", "int" },
	    { "price", "Price", "number" } } },
	{ { "event", NULL },
	  "events",
	  "Events",
	  { { "title", "Title", "text" },
	    { "date", "Date", "date" },
	    { "location", "Location", "text" } } },
	{ { "order", NULL },
	  "orders",
	  "Orders",
	  { { "customer", "Customer", "text" },
	    { "total", "Total", "number" },
	    { "status", "Status", "text" } } },
	{ { "game", NULL },
	  "games",
	  "Games",
	  { { "title", "Title", "text" },
	    { "platform", "Platform", "text" },
	    { "year", "Year", "int" } } },
};

/* Where phrase (or its plural) first stands as whole words in the prompt, or -1. */
static long pos_of(const struct ctx *c, const char *phrase)
{
	static const char *const suffixes[] = { "", "s", "es" };
	char pat[96];
	long best = -1;
	for (size_t i = 0; i < 3; i++) {
		int n = snprintf(pat, sizeof pat, " %s%s ", phrase, suffixes[i]);
		const char *hit = n > 0 && (size_t)n < sizeof pat ? strstr(c->norm, pat) : NULL;
		if (hit && (best < 0 || hit - c->norm < best))
			best = hit - c->norm;
	}
	return best;
}

/* The domain whose noun comes first in the prompt, or -1. */
static int crud_domain(const struct ctx *c)
{
	int best = -1;
	long at = -1;
	for (size_t d = 0; d < sizeof DOMAINS / sizeof DOMAINS[0]; d++)
		for (size_t w = 0; DOMAINS[d].nouns[w]; w++) {
			long p = pos_of(c, DOMAINS[d].nouns[w]);
			if (p >= 0 && (at < 0 || p < at)) {
				at = p;
				best = (int)d;
			}
		}
	return best;
}

/* Whether fields already has name, or its singular/plural ("authors" for "author"). */
static int has_field(struct json_object *fields, const char *name)
{
	size_t n = strlen(name);
	for (size_t k = 0; k < json_object_array_length(fields); k++) {
		struct json_object *nm;
		json_object_object_get_ex(json_object_array_get_idx(fields, k), "name", &nm);
		const char *e = json_object_get_string(nm);
		size_t m = strlen(e);
		if (!strcmp(e, name) || (n == m + 1 && name[m] == 's' && !strncmp(e, name, m)) ||
		    (m == n + 1 && e[n] == 's' && !strncmp(e, name, n)))
			return 1;
	}
	return 0;
}

/* A list that names the domain's first field is the user's whole list; otherwise the
 * domain's fields come first and the named ones are added (a book API "with authors"
 * has a title, an author, a year and an ISBN). Replaces *fields; returns the count. */
static size_t domain_fields(int dom, struct json_object **fields)
{
	struct json_object *out = json_object_new_array();
	for (size_t k = 0; k < 5 && DOMAINS[dom].f[k].name; k++) {
		const struct dfield *df = &DOMAINS[dom].f[k];
		long max = !strcmp(df->type, "text") ? 200 : 0;
		json_object_array_add(out, tmpl_fld(df->name, df->label, df->type,
						    k == 0 ? F_REQ : 0, max));
	}
	for (size_t k = 0; k < json_object_array_length(*fields); k++) {
		struct json_object *f = json_object_array_get_idx(*fields, k), *nm;
		json_object_object_get_ex(f, "name", &nm);
		if (has_field(out, json_object_get_string(nm)))
			continue;
		json_object_object_del(f, "required");
		json_object_array_add(out, json_object_get(f));
	}
	json_object_put(*fields);
	*fields = out;
	return json_object_array_length(out);
}

void tmpl_build_crud(struct ctx *c)
{
	char res[64] = "";
	int dom = crud_domain(c);
	if (dom >= 0)
		util_copy(res, sizeof res, DOMAINS[dom].res);
	static const char *const markers[] = {
		"api for",     "api of",        "crud for",    "crud api for", "manage", "managing",
		"backend for", "endpoints for", "database of", "database for", "store",  "storing",
		NULL
	};
	for (size_t i = 0; markers[i] && !res[0]; i++) {
		long at = tmpl_find_marker(c, markers[i], 0);
		if (at < 0)
			continue;
		char s[256];
		tmpl_clean_copy(s, sizeof s, c->raw + at, tmpl_phrase_len(c, (size_t)at, 3), 40, 0);
		tmpl_drop_article(s);
		tmpl_slug(res, sizeof res, s);
	}
	if (!res[0] && c->subject[0])
		tmpl_slug(res, sizeof res, c->subject);
	if (!res[0] || !strcmp(res, "meta") || !strcmp(res, "health"))
		util_copy(res, sizeof res, "items");

	struct json_object *fields = json_object_new_array();
	size_t nf = 0;
	static const char *const field_markers[] = { "with fields", "fields", "with", NULL };
	long at = tmpl_find_any_marker(c, field_markers);
	if (at >= 0) {
		char names[12][64];
		size_t n = tmpl_split_list(c, (size_t)at, names, 12, 40);
		for (size_t i = 0; i < n; i++) {
			char name[64];
			tmpl_slug(name, sizeof name, names[i]);
			if (!name[0] || !strcmp(name, "id") || !strcmp(name, "seq") ||
			    !strcmp(name, "created_at") || !strcmp(name, "updated_at") ||
			    !strcmp(name, "fields") || !strcmp(name, "field"))
				continue;
			if (has_field(fields, name))
				continue;
			const char *type = tmpl_field_type(name);
			long max = !strcmp(type, "text")       ? 200
				   : !strcmp(type, "longtext") ? 5000
							       : 0;
			json_object_array_add(fields,
					      tmpl_fld(name, names[i], type,
						       nf == 0 && strcmp(type, "bool") ? F_REQ : 0,
						       max));
			nf++;
		}
	}
	if (dom >= 0 && !has_field(fields, DOMAINS[dom].f[0].name))
		nf = domain_fields(dom, &fields);
	if (nf == 0) {
		json_object_array_add(fields, tmpl_fld("name", "Name", "text", F_REQ, 200));
		json_object_array_add(fields,
				      tmpl_fld("description", "Description", "longtext", 0, 5000));
		strbuf_puts(&c->notes,
			    " No fields named; each record has a name and a description.");
	} else {
		strbuf_puts(&c->notes, " Fields:");
		for (size_t k = 0; k < json_object_array_length(fields); k++) {
			struct json_object *nm, *ty;
			json_object_object_get_ex(json_object_array_get_idx(fields, k), "name",
						  &nm);
			json_object_object_get_ex(json_object_array_get_idx(fields, k), "type",
						  &ty);
			strbuf_printf(&c->notes, "%s %s (%s)", k ? "," : "",
				      json_object_get_string(nm), json_object_get_string(ty));
		}
		strbuf_puts(&c->notes, ".");
	}
	char label[64];
	util_copy(label, sizeof label, res);
	for (char *p = label; *p; p++)
		if (*p == '_')
			*p = ' ';
	tmpl_capitalize(label);
	tmpl_coll(c, res, label, "record", fields, NULL);
	tmpl_meta_str(c, "primary", res);
	strbuf_printf(&c->notes, " Resource /api/%s.", res);
	char t[128];
	snprintf(t, sizeof t, "%s API", label);
	tmpl_set_title(c, NULL, t);
}

void tmpl_build_landing(struct ctx *c)
{
	char product[256], tagline[256] = "", feats[6][64];
	util_copy(product, sizeof product,
		  c->named[0]     ? c->named
		  : c->subject[0] ? c->subject
				  : "");
	if (!product[0]) {
		util_copy(product, sizeof product, "Our product");
		strbuf_puts(&c->notes, " No product name found; used 'Our product'.");
	}
	tmpl_capitalize(product);
	static const char *const tag_markers[] = { "that", "which", "tagline", "slogan", NULL };
	for (size_t i = 0; tag_markers[i] && !tagline[0]; i++) {
		long at = tmpl_find_marker(c, tag_markers[i], 0);
		if (at >= 0)
			tmpl_clean_copy(tagline, sizeof tagline, c->raw + at,
					strcspn(c->raw + at, ".!?\n"), 120, 0);
	}
	if (tagline[0])
		tmpl_capitalize(tagline);
	else
		snprintf(tagline, sizeof tagline, "%s is coming soon.", product);
	size_t nf = 0;
	static const char *const feature_markers[] = { "features", "featuring", NULL };
	long at = tmpl_find_any_marker(c, feature_markers);
	if (at >= 0)
		nf = tmpl_split_list(c, (size_t)at, feats, 6, 60);
	struct json_object *fa;
	if (nf) {
		const char *v[6];
		for (size_t i = 0; i < nf; i++)
			v[i] = feats[i];
		fa = tmpl_str_array(v, nf);
	} else {
		static const char *const def[] = { "Simple to start", "Built with care",
						   "Early access for subscribers" };
		fa = tmpl_str_array(def, 3);
	}
	tmpl_meta_str(c, "product", product);
	tmpl_meta_str(c, "tagline", tagline);
	json_object_object_add(c->meta, "features", fa);
	tmpl_coll(c, "signups", "Sign-ups", "sign-up",
		  tmpl_arr(tmpl_fld("email", "Email", "email", F_REQ, 200),
			   tmpl_fld("name", "Name", "text", 0, 80), NULL),
		  "create");
	if (!c->title[0])
		tmpl_clean_copy(c->title, sizeof c->title, product, strlen(product), TMPL_TITLE_MAX,
				1);
	strbuf_puts(&c->notes,
		    " Sign-ups (email, name) are stored; the page shows only their count.");
}

/* Simple record kinds: fixed fields, the generic list UI. */
void tmpl_build_recipes(struct ctx *c)
{
	struct json_object *srv = tmpl_fld("servings", "Servings", "int", 0, 0);
	tmpl_fld_int(srv, "min", 1);
	tmpl_fld_int(srv, "max", 100);
	struct json_object *f =
		tmpl_arr(tmpl_fld("title", "Recipe", "text", F_REQ, 120), srv,
			 tmpl_fld("ingredients", "Ingredients", "longtext", 0, 5000),
			 tmpl_fld("steps", "Steps", "longtext", 0, 10000), NULL);
	if (tmpl_has(c, "time") || tmpl_has(c, "minute") || tmpl_has(c, "duration") ||
	    tmpl_has(c, "prep")) {
		struct json_object *m = tmpl_fld("minutes", "Time (minutes)", "int", 0, 0);
		tmpl_fld_int(m, "min", 0);
		tmpl_fld_int(m, "max", 10000);
		json_object_array_add(f, m);
	}
	tmpl_coll(c, "recipes", "Recipes", "recipe", f, NULL);
	tmpl_meta_str(c, "primary", "recipes");
	tmpl_set_title(c, "Recipes: %s", "Recipe book");
}

void tmpl_build_contacts(struct ctx *c)
{
	struct json_object *f = tmpl_arr(tmpl_fld("name", "Name", "text", F_REQ, 120),
					 tmpl_fld("email", "Email", "email", 0, 200),
					 tmpl_fld("phone", "Phone", "text", 0, 40),
					 tmpl_fld("notes", "Notes", "longtext", 0, 2000), NULL);
	if (tmpl_has(c, "birthday") || tmpl_has(c, "birth date") || tmpl_has(c, "birthdate"))
		json_object_array_add(f, tmpl_fld("birthday", "Birthday", "date", 0, 0));
	tmpl_coll(c, "contacts", "Contacts", "contact", f, NULL);
	tmpl_meta_str(c, "primary", "contacts");
	tmpl_set_title(c, "Contacts: %s", "Address book");
}

void tmpl_build_reading(struct ctx *c)
{
	static const char *const st[] = { "to read", "reading", "finished" };
	struct json_object *rating = tmpl_fld("rating", "Rating (1-5)", "int", 0, 0);
	tmpl_fld_int(rating, "min", 1);
	tmpl_fld_int(rating, "max", 5);
	tmpl_coll(c, "books", "Books", "book",
		  tmpl_arr(tmpl_fld("title", "Title", "text", F_REQ, 200),
			   tmpl_fld("author", "Author", "text", 0, 120),
			   tmpl_fld_enum("status", "Status", st, 3), rating, NULL),
		  NULL);
	tmpl_meta_str(c, "primary", "books");
	tmpl_set_title(c, "Reading list: %s", "Reading list");
}
