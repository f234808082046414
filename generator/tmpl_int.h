/* tmpl_int.h: the template provider's shared internals (private to generator/tmpl*.c):
 * the planning context, the kind catalogue's row, and the helpers one step of the
 * provider lends another. The public contract is tmpl.h; everything here is pure and
 * follows its conventions (0 or -1 with a message in err; same input, same bytes). */
#ifndef AF_TMPL_INT_H
#define AF_TMPL_INT_H

#include "generator/tmpl.h"
#include "common/strbuf.h"
#include "json.h"

#include <stddef.h>

/* What a prompt is turned into, step by step: its normalised text, then the plan. */
struct ctx {
	char raw[TMPL_SCAN_MAX + 1];      /* bounded prompt, controls -> spaces, trimmed */
	char lower[TMPL_SCAN_MAX + 1];    /* raw with ASCII lowercased: same offsets */
	char norm[2 * TMPL_SCAN_MAX + 3]; /* " word word ... " */
	int truncated;
	size_t kind;
	int recognised;
	char title[512];
	char subject[256]; /* phrase after "for"/"about"/... */
	char named[256];   /* "called X", "named X" or a quoted name */
	struct json_object *meta, *cols;
	struct strbuf notes; /* the assumption, built up */
};

struct kw {
	const char *w;
	int weight;
};

/* One kind of app (tmpl_kinds.c). */
struct kind {
	const char *name;
	const char *label;  /* default title */
	const char *ui;     /* templates/<ui>/app.js */
	const char *routes; /* templates/<routes>/routes.js or NULL */
	const char *subtitle;
	const struct kw *kws;
	void (*build)(struct ctx *c);
};

/* ---- reading the prompt (tmpl_text.c) */
void tmpl_normalise(struct ctx *c, const char *prompt);
int tmpl_has_in(const char *norm, const char *phrase);
int tmpl_has(const struct ctx *c, const char *phrase);
long tmpl_find_marker(const struct ctx *c, const char *marker, size_t from);
long tmpl_find_any_marker(const struct ctx *c, const char *const *markers);
size_t tmpl_phrase_len(const struct ctx *c, size_t start, int maxwords);
void tmpl_find_names(struct ctx *c);
size_t tmpl_split_list(const struct ctx *c, size_t start, char out[][64], size_t max,
		       size_t maxchars);
void tmpl_clean_copy(char *dst, size_t dstsz, const char *src, size_t n, size_t maxchars,
		     int keep_q);
/* Upper-cases an ASCII first letter (inline: callers' buffer sizes stay visible). */
static inline void tmpl_capitalize(char *s)
{
	if (s[0] >= 'a' && s[0] <= 'z')
		s[0] = (char)(s[0] - 'a' + 'A');
}
void tmpl_drop_article(char *s);
/* A field name from a label: [a-z][a-z0-9_]*, at most 30 bytes; "" if impossible. */
void tmpl_slug(char *dst, size_t dstsz, const char *label);

/* ---- the catalogue of kinds (tmpl_kinds.c) */
/* Kind i (i < tmpl_kind_count()). */
const struct kind *tmpl_kind(size_t i);
/* The best-scoring kind of a normalised prompt, or -1; why (may be NULL) gets the
 * keywords that matched. */
int tmpl_classify_norm(const char *norm, int *score_out, struct strbuf *why);

/* ---- the plan and its JSON builders (tmpl_plan.c) */
#define F_REQ 1
#define F_RO 2
#define F_PRIV 4
struct json_object *tmpl_fld(const char *name, const char *label, const char *type, int flags,
			     long max);
void tmpl_fld_int(struct json_object *f, const char *key, long v);
struct json_object *tmpl_str_array(const char *const *v, size_t n);
struct json_object *tmpl_fld_enum(const char *name, const char *label, const char *const *opts,
				  size_t n);
struct json_object *tmpl_coll(struct ctx *c, const char *name, const char *label,
			      const char *singular, struct json_object *fields, const char *ops);
void tmpl_seed(struct json_object *col, struct json_object *item);
/* A new array of the arguments up to NULL (taken). */
struct json_object *tmpl_arr(struct json_object *first, ...);
void tmpl_meta_str(struct ctx *c, const char *key, const char *v);
void tmpl_meta_int(struct ctx *c, const char *key, long v);
void tmpl_set_title(struct ctx *c, const char *fmt_with_subject, const char *plain);
/* The plan of prompt (caller releases it with tmpl_ctx_free), or NULL with err. */
struct ctx *tmpl_plan_ctx(const char *prompt, const char *name_hint, char *err, size_t errlen);
void tmpl_ctx_free(struct ctx *c);
/* A new {"meta", "collections"} object sharing c's. */
struct json_object *tmpl_config_json(struct ctx *c);

/* ---- the builders of each kind's plan (tmpl_build.c, tmpl_records.c) */
void tmpl_build_todo(struct ctx *c);
void tmpl_build_notes(struct ctx *c);
void tmpl_build_guestbook(struct ctx *c);
void tmpl_build_counter(struct ctx *c);
void tmpl_build_poll(struct ctx *c);
void tmpl_build_timer(struct ctx *c);
void tmpl_build_quiz(struct ctx *c);
void tmpl_build_chat(struct ctx *c);
void tmpl_build_kanban(struct ctx *c);
void tmpl_build_bookmarks(struct ctx *c);
void tmpl_build_expenses(struct ctx *c);
void tmpl_build_crud(struct ctx *c);
void tmpl_build_landing(struct ctx *c);
void tmpl_build_recipes(struct ctx *c);
void tmpl_build_contacts(struct ctx *c);
void tmpl_build_reading(struct ctx *c);

/* ---- rendering (tmpl_render.c) */
/* The file map of c's plan (not yet validated), or NULL (out of memory, missing
 * template). */
struct json_object *tmpl_render_files(struct ctx *c);

#endif
