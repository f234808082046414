/* tmpl_edit_int.h: the shared internals of iterate by asking (private to
 * generator/tmpl_edit*.c): the edit in progress, its summary and error, the words
 * helpers (tmpl_edit_words.c) and the clauses about starting data (tmpl_edit_seed.c).
 * Conventions as tmpl_edit(): 0, or -1 with a user-safe message set by tmpl_edit_fail. */
#ifndef AF_TMPL_EDIT_INT_H
#define AF_TMPL_EDIT_INT_H

#include "generator/tmpl.h"

#include <stddef.h>

#define LABEL_MAX 60
#define OPTIONS_MAX 10

struct edit {
	struct json_object *spec, *meta, *cols;
	const char *kind;
	char summary[2048];
	char *err;
	size_t errlen;
};

/* Appends a sentence to e's summary (truncated when full). */
__attribute__((format(printf, 2, 3))) void tmpl_edit_said(struct edit *e, const char *fmt, ...);
/* Sets e's error message; returns -1. */
__attribute__((format(printf, 2, 3))) int tmpl_edit_fail(struct edit *e, const char *fmt, ...);
/* The string member key of o, or NULL. */
const char *tmpl_edit_str(struct json_object *o, const char *key);
/* Sets meta.key (and the spec's title for "title") to v, 1 to maxlen characters. */
int tmpl_edit_set_text(struct edit *e, const char *key, char *v, size_t maxlen, const char *what);

/* ---- words (tmpl_edit_words.c); each works in place on its argument */
char *tmpl_edit_trim(char *s);
char *tmpl_edit_after(char *s, const char *word);
char *tmpl_edit_drop_articles(char *s);
char *tmpl_edit_cut(char *s, const char *word);
void tmpl_edit_drop_field_words(char *s);
const char *tmpl_edit_type_named(const char *s);
const char *tmpl_edit_type_prefix(char **s);
int tmpl_edit_label(char *dst, size_t dstsz, const char *words);

/* ---- starting data (tmpl_edit_seed.c): *done is 0 when the clause is not about a
 * poll's options or a quiz's questions (then nothing is changed). */
int tmpl_edit_poll_clause(struct edit *e, char *c, int *done);
int tmpl_edit_quiz_clause(struct edit *e, char *c, int *done);

#endif
