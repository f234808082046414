/* h_appset.c: an app's settings beyond its files: its environment variables, its
 * name, and copies of it.
 *
 *   GET /api/apps/{app}/env   the names, with when each was set; never a value
 *   PUT /api/apps/{app}/env   {"vars":{NAME:value|null}} replaces them all (null keeps
 *                             the variable's current value, which the client cannot read)
 *   PATCH /api/apps/{app}     {"name"?, "visibility"?} renames it (the rules of a
 *                             create's name) and/or makes it "private" or "public"
 *                             (who may pass its origin: h_private.c); each audited
 *   POST /api/apps/{app}/duplicate   a new app "Copy of NAME" with the same files, prompt
 *                             and scan result (the same files scan the same), counted
 *                             against quota_apps; no environment variable is copied
 *   GET /api/templates        the template gallery (generator_gallery): what a prompt
 *                             can ask for, each kind with an example prompt
 *
 * Values are sealed (common/secretbox.h, key <state_dir>/secrets.key, additional data
 * "app_id\0NAME") before they reach the database, and opened only to be handed to the
 * supervisor in a start request (h_env_for_start) or to be redacted from the logs the
 * API serves (h_env_redact). No value reaches a log, a response or the audit log. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/appenv.h"
#include "common/json.h"
#include "common/log.h"
#include "common/secretbox.h"
#include "db/db_env.h"
#include "fcgi/handler.h"
#include "fcgi/names.h"
#include "fcgi/jobs.h"
#include "generator/generator.h"
#include "sandbox/supproto.h"

/* The key, read once per process (appforged's workers run as its owner). */
static unsigned char env_key_bytes[SECRETBOX_KEY_BYTES];
static int env_key_loaded;

static const unsigned char *env_key(struct hctx *ctx, char *err, size_t errlen)
{
	char path[4200];

	if (env_key_loaded)
		return env_key_bytes;
	if (secretbox_key_path(ctx->conf, path, sizeof path) < 0) {
		snprintf(err, errlen, "state_dir too long");
		return NULL;
	}
	if (secretbox_key_load(path, env_key_bytes, err, errlen) < 0)
		return NULL;
	env_key_loaded = 1;
	return env_key_bytes;
}

/* The additional data of a sealed value: "app_id\0NAME" into ad; its length. */
static size_t env_ad(const char *app_id, const char *name, char *ad, size_t size)
{
	int n = snprintf(ad, size, "%s%c%s", app_id, 0, name);
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* Opens one sealed variable of app_id: its value (secretbox_free it) or NULL. */
static char *env_open(const unsigned char *key, const char *app_id, const struct db_env_var *v,
		      size_t *len)
{
	char ad[ID_APP_BUFSZ + APPENV_NAME_MAX + 2];
	size_t adlen = env_ad(app_id, v->name, ad, sizeof ad);
	return adlen ? secretbox_open(key, ad, adlen, v->sealed, v->sealed_len, len) : NULL;
}

/* Opens app_id's variables: 0 with *vars (db_env_list_free) and *n, or -1 with err.
 * A value that does not open (another key, a forged row) is an error, never skipped. */
static int env_load(struct hctx *ctx, const char *app_id, const unsigned char **key,
		    struct db_env_var **vars, size_t *n, char *err, size_t errlen)
{
	if (db_env_list(ctx->db, app_id, vars, n, err, errlen) != DB_OK)
		return -1;
	if (*n == 0)
		return 0;
	if (!(*key = env_key(ctx, err, errlen))) {
		db_env_list_free(*vars, *n);
		return -1;
	}
	return 0;
}

int h_env_for_start(struct hctx *ctx, const char *app_id, struct sup_request *q)
{
	char err[512];
	const unsigned char *key = NULL;
	struct db_env_var *vars;
	size_t n, i;
	int rc = 0;

	if (env_load(ctx, app_id, &key, &vars, &n, err, sizeof err) < 0) {
		h_internal(ctx, "env for start", err);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		size_t len;
		char *value = env_open(key, app_id, &vars[i], &len);
		if (!value ||
		    sup_request_env_add(q, vars[i].name, value, len, err, sizeof err) < 0) {
			if (!value)
				snprintf(err, sizeof err, "variable %s does not open",
					 vars[i].name);
			rc = -1;
		}
		secretbox_free(value, len);
	}
	db_env_list_free(vars, n);
	if (rc < 0)
		h_internal(ctx, "env for start", err);
	return rc;
}

/* Replaces every occurrence of needle (nlen >= 1) in *text by "[redacted]". 0 or -1
 * (out of memory: *text is then unchanged). */
static int redact_one(char **text, size_t *len, const char *needle, size_t nlen)
{
	static const char mark[] = "[redacted]";
	size_t cap = *len + 1, o = 0, i = 0;
	char *out, *hit;

	while ((hit = memmem(*text + i, *len - i, needle, nlen))) {
		cap += sizeof mark; /* a bound: the mark may be longer than the needle */
		i = (size_t)(hit - *text) + nlen;
	}
	if (i == 0)
		return 0;
	if (!(out = malloc(cap)))
		return -1;
	for (i = 0; (hit = memmem(*text + i, *len - i, needle, nlen));
	     i = (size_t)(hit - *text) + nlen) {
		memcpy(out + o, *text + i, (size_t)(hit - *text) - i);
		o += (size_t)(hit - *text) - i;
		memcpy(out + o, mark, sizeof mark - 1);
		o += sizeof mark - 1;
	}
	memcpy(out + o, *text + i, *len - i);
	o += *len - i;
	out[o] = 0;
	explicit_bzero(*text, *len);
	free(*text);
	*text = out;
	*len = o;
	return 0;
}

/* Longest value first, so that a secret holding a shorter one is redacted whole. */
struct opened {
	char *v;
	size_t len;
};

static int by_len_desc(const void *a, const void *b)
{
	const struct opened *x = a, *y = b;
	return x->len < y->len ? 1 : x->len > y->len ? -1 : 0;
}

int h_env_redact(struct hctx *ctx, const char *app_id, char **text, size_t *len)
{
	char err[512];
	const unsigned char *key = NULL;
	struct db_env_var *vars;
	struct opened op[APPENV_MAX_VARS];
	size_t n, k = 0, i;
	int rc = 0;

	if (env_load(ctx, app_id, &key, &vars, &n, err, sizeof err) < 0) {
		log_error("env redact of %s: %s", app_id, err);
		return -1;
	}
	for (i = 0; i < n && k < APPENV_MAX_VARS; i++) {
		op[k].v = env_open(key, app_id, &vars[i], &op[k].len);
		if (!op[k].v)
			rc = -1;
		else
			k++;
	}
	db_env_list_free(vars, n);
	qsort(op, k, sizeof op[0], by_len_desc);
	for (i = 0; i < k; i++) {
		if (rc == 0 && op[i].len >= APPENV_REDACT_MIN && *text &&
		    redact_one(text, len, op[i].v, op[i].len) < 0)
			rc = -1;
		secretbox_free(op[i].v, op[i].len);
	}
	if (rc < 0)
		log_error("env redact of %s: a value does not open, or out of memory", app_id);
	return rc;
}

/* ------------------------------------------------------------------ routes ---- */

static void answer_names(struct hctx *ctx, int status)
{
	char err[256];
	struct db_env_var *vars;
	size_t n;
	struct json_object *o, *arr;

	if (db_env_list(ctx->db, ctx->param, &vars, &n, err, sizeof err) != DB_OK) {
		h_internal(ctx, "env list", err);
		return;
	}
	o = json_object_new_object();
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "name", json_object_new_string(vars[i].name));
		h_add_time(e, "set_at", vars[i].set_at);
		json_object_array_add(arr, e);
	}
	db_env_list_free(vars, n);
	json_object_object_add(o, "vars", arr);
	response_json(ctx->resp, status, o); /* takes o */
}

void h_app_env_get(struct hctx *ctx)
{
	if (h_own_app(ctx, NULL) == 0)
		answer_names(ctx, 200);
}

/* The PUT being built: each variable's sealed bytes are either new (owned) or borrowed
 * from the current list (a null value keeps them). */
struct env_put {
	struct db_env_var cur[APPENV_MAX_VARS], *old;
	bool owned[APPENV_MAX_VARS];
	size_t n, nold, total;
};

static void env_put_clear(struct env_put *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->owned[i])
			free(p->cur[i].sealed);
	db_env_list_free(p->old, p->nold);
}

/* Keeps the current value of name: 0, or -1 (message in msg) when there is none. */
static int put_keep(struct env_put *p, const char *name, char *msg, size_t msglen)
{
	for (size_t i = 0; i < p->nold; i++)
		if (strcmp(p->old[i].name, name) == 0) {
			p->cur[p->n] = p->old[i];
			p->total += p->old[i].sealed_len - SECRETBOX_OVERHEAD;
			return 0;
		}
	snprintf(msg, msglen, "vars.%s is null but has no value to keep", name);
	return -1;
}

/* Seals a new value for name. 0, 1 (message in msg: a bad value) or -1 (internal). */
static int put_seal(struct hctx *ctx, struct env_put *p, const char *name, struct json_object *v,
		    char *msg, size_t msglen)
{
	char ad[ID_APP_BUFSZ + APPENV_NAME_MAX + 2];
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v), adlen;
	const unsigned char *key;

	if (!appenv_value_valid(s, len) || memchr(s, 0, len)) {
		snprintf(msg, msglen,
			 "vars.%s: a value is UTF-8 text of at most %d bytes "
			 "without control characters but tab and newlines",
			 name, APPENV_VALUE_MAX);
		return 1;
	}
	if (!(key = env_key(ctx, msg, msglen)) ||
	    !(adlen = env_ad(ctx->param, name, ad, sizeof ad)))
		return -1;
	p->cur[p->n].sealed = secretbox_seal(key, ad, adlen, s, len, &p->cur[p->n].sealed_len);
	if (!p->cur[p->n].sealed) {
		snprintf(msg, msglen, "seal: out of memory");
		return -1;
	}
	p->owned[p->n] = true;
	p->cur[p->n].set_at = ctx->now;
	p->total += len;
	return 0;
}

/* Fills p from the body's vars. 0, or -1 after answering 400/500. */
static int put_parse(struct hctx *ctx, struct json_object *vars, struct env_put *p)
{
	char msg[512];

	if (json_object_object_length(vars) > APPENV_MAX_VARS) {
		h_bad_request(ctx, "at most 64 variables");
		return -1;
	}
	json_object_object_foreach (vars, name, v) {
		int rc;
		if (!appenv_name_valid(name, strlen(name))) {
			h_bad_request(ctx, "bad variable name: " APPENV_NAME_RULE);
			return -1;
		}
		memset(&p->cur[p->n], 0, sizeof p->cur[p->n]);
		util_copy(p->cur[p->n].name, sizeof p->cur[p->n].name, name);
		if (json_object_is_type(v, json_type_null))
			rc = put_keep(p, name, msg, sizeof msg) < 0 ? 1 : 0;
		else if (json_object_is_type(v, json_type_string))
			rc = put_seal(ctx, p, name, v, msg, sizeof msg);
		else
			rc = snprintf(msg, sizeof msg, "vars.%s must be a string or null", name) >
			     0;
		if (rc > 0)
			h_bad_request(ctx, msg);
		else if (rc < 0)
			h_internal(ctx, "env put", msg);
		if (rc)
			return -1;
		p->total += strlen(name);
		p->n++;
	}
	if (p->total > APPENV_TOTAL_MAX) {
		h_bad_request(ctx, "names and values longer than 32768 bytes in all");
		return -1;
	}
	return 0;
}

static int put_store(struct hctx *ctx, struct env_put *p, char *err, size_t errlen)
{
	struct json_object *d = json_object_new_object(), *names = json_object_new_array();
	int rc;

	for (size_t i = 0; i < p->n; i++)
		json_object_array_add(names, json_object_new_string(p->cur[i].name));
	json_object_object_add(d, "names", names); /* names only: never a value */
	rc = db_begin(ctx->db, err, errlen);
	if (rc == DB_OK)
		rc = db_env_replace(ctx->db, ctx->param, p->cur, p->n, err, errlen);
	rc = h_audit_commit(ctx, rc, "app.env.set", ctx->param, d, err, errlen);
	json_object_put(d);
	return rc;
}

void h_app_env_put(struct hctx *ctx)
{
	char err[512];
	struct json_object *body, *vars;
	struct env_put *p;

	if (h_own_app(ctx, NULL) < 0 || !(body = h_body_object(ctx)))
		return;
	if (json_object_object_length(body) != 1 ||
	    !json_object_object_get_ex(body, "vars", &vars) ||
	    !json_object_is_type(vars, json_type_object)) {
		json_object_put(body);
		h_bad_request(ctx, "body must be {\"vars\":{NAME:value|null,...}}");
		return;
	}
	if (!(p = calloc(1, sizeof *p))) {
		json_object_put(body);
		h_internal(ctx, "env put", "out of memory");
		return;
	}
	if (db_env_list(ctx->db, ctx->param, &p->old, &p->nold, err, sizeof err) != DB_OK)
		h_internal(ctx, "env list", err);
	else if (put_parse(ctx, vars, p) == 0) {
		if (put_store(ctx, p, err, sizeof err) != DB_OK)
			h_internal(ctx, "env put", err);
		else {
			log_info("app %s: %zu environment variables set", ctx->param, p->n);
			answer_names(ctx, 200);
		}
	}
	env_put_clear(p);
	free(p);
	json_object_put(body);
}

/* ------------------------------------------------------------ name, copies ---- */

/* Reads PATCH's fields: name and visibility, each optional, at least one. 0, or -1
 * with a message for the client in err. */
static int patch_fields(struct json_object *body, const char **name, const char **vis, char *err,
			size_t errlen)
{
	static const char *const keys[] = { "name", "visibility", NULL };

	if (json_check_keys(body, keys, err, errlen) < 0 ||
	    json_get_string(body, "name", JSON_NONEMPTY, APP_NAME_MAX, name, NULL, err, errlen) <
		    0 ||
	    json_get_string(body, "visibility", JSON_NONEMPTY, 16, vis, NULL, err, errlen) < 0)
		return -1;
	if (*name && !names_display_valid(*name))
		snprintf(err, errlen, "field 'name' must not contain control characters");
	else if (*vis && !db_visibility_valid(*vis))
		snprintf(err, errlen, "field 'visibility' must be \"private\" or \"public\"");
	else if (!*name && !*vis)
		snprintf(err, errlen, "give 'name' or 'visibility'");
	else
		return 0;
	return -1;
}

/* Applies the fields given, each audited, in one transaction. */
static int patch_store(struct hctx *ctx, const char *name, const char *vis, char *err,
		       size_t errlen)
{
	struct json_object *d;
	int rc = db_begin(ctx->db, err, errlen);

	if (rc == DB_OK && name) {
		d = json_object_new_object();
		json_object_object_add(d, "name", json_object_new_string(name));
		rc = db_app_set_name(ctx->db, ctx->param, name, err, errlen);
		if (rc == DB_OK)
			rc = h_audit(ctx, "app.rename", ctx->param, d, err, errlen);
		json_object_put(d);
	}
	if (rc == DB_OK && vis) {
		d = json_object_new_object();
		json_object_object_add(d, "visibility", json_object_new_string(vis));
		rc = db_app_set_visibility(ctx->db, ctx->param, vis, err, errlen);
		if (rc == DB_OK)
			rc = h_audit(ctx, "app.visibility", ctx->param, d, err, errlen);
		json_object_put(d);
	}
	if (rc == DB_OK)
		rc = db_commit(ctx->db, err, errlen);
	if (rc != DB_OK)
		db_rollback(ctx->db);
	return rc;
}

void h_app_patch(struct hctx *ctx)
{
	char err[256];
	const char *name = NULL, *vis = NULL;
	struct json_object *body;
	int rc;

	if (h_own_app(ctx, NULL) < 0 || !(body = h_body_object(ctx)))
		return;
	if (patch_fields(body, &name, &vis, err, sizeof err) < 0) {
		h_bad_request(ctx, err);
		json_object_put(body);
		return;
	}
	rc = patch_store(ctx, name, vis, err, sizeof err);
	json_object_put(body);
	if (rc == DB_NOTFOUND)
		return h_not_found(ctx); /* deleted meanwhile */
	if (rc != DB_OK)
		return h_internal(ctx, "app patch", err);
	h_answer_app(ctx, 200, ctx->param);
}

/* "Copy of NAME", cut to APP_NAME_MAX characters at a UTF-8 boundary, into out. */
static void copy_name(const char *name, char *out, size_t size)
{
	size_t chars = 0, i;

	snprintf(out, size, "Copy of %s", name);
	for (i = 0; out[i]; i++)
		if (((unsigned char)out[i] & 0xc0) != 0x80 && ++chars > APP_NAME_MAX)
			break;
	out[i] = 0;
}

/* Inserts the copy c with files under the quota, audited. DB_OK, DB_CONFLICT when the
 * quota is reached (nothing written), or DB_ERR. */
static int dup_store(struct hctx *ctx, struct db_app *c, struct json_object *files, char *err,
		     size_t errlen)
{
	struct json_object *d = json_object_new_object();
	long long count = 0;
	int rc = db_begin(ctx->db, err, errlen);

	json_object_object_add(d, "from", json_object_new_string(ctx->param));
	if (rc == DB_OK) /* counted inside BEGIN IMMEDIATE: the quota holds across workers */
		rc = db_app_count_by_owner(ctx->db, c->owner, &count, err, errlen);
	if (rc == DB_OK && count >= ctx->conf->quota_apps)
		rc = DB_CONFLICT;
	if (rc == DB_OK)
		rc = db_app_insert(ctx->db, c, files, err, errlen);
	if (rc == DB_OK) /* its history starts with the copy, as an upload's does */
		rc = db_rev_add(ctx->db, c->id, c->owner, "upload", "duplicated from another app",
				files, NULL, err, errlen);
	rc = h_audit_commit(ctx, rc, "app.duplicate", c->id, d, err, errlen);
	json_object_put(d);
	return rc;
}

void h_app_duplicate(struct hctx *ctx)
{
	char err[256], name[APP_NAME_MAX * 4 + 16], loc[64];
	struct json_object *files = NULL;
	struct db_app a, c;
	int rc;

	memset(&a, 0, sizeof a);
	rc = db_app_get(ctx->db, ctx->param, ctx->who.user_id, &a, err, sizeof err);
	if (rc == DB_NOTFOUND)
		return h_not_found(ctx);
	if (rc != DB_OK)
		return h_internal(ctx, "app get", err);
	if (a.status == APP_GENERATING || a.status == APP_FAILED || !a.scan_verdict[0]) {
		db_app_clear(&a);
		return response_error(
			ctx->resp, 409, "conflict",
			"only an app with files (ready or blocked) can be duplicated");
	}
	c = a; /* borrows a's strings; only id, name and owner change */
	copy_name(a.name, name, sizeof name);
	c.name = name;
	c.error = NULL;
	util_copy(c.visibility, sizeof c.visibility, "private"); /* a new app */
	if (id_new_app(c.id) < 0 ||
	    db_app_files_get(ctx->db, ctx->param, &files, err, sizeof err) != DB_OK) {
		db_app_clear(&a);
		return h_internal(ctx, "duplicate", "no randomness, or the files do not read");
	}
	rc = dup_store(ctx, &c, files, err, sizeof err);
	json_object_put(files);
	db_app_clear(&a);
	if (rc == DB_CONFLICT)
		return response_error(ctx->resp, 403, "quota_exceeded",
				      "app quota reached: delete an app first");
	if (rc != DB_OK)
		return h_internal(ctx, "duplicate", err);
	log_info("app %s duplicated as %s", ctx->param, c.id);
	snprintf(loc, sizeof loc, "/api/apps/%s", c.id);
	response_header(ctx->resp, "Location", loc);
	h_answer_app(ctx, 201, c.id);
}

void h_templates(struct hctx *ctx)
{
	struct json_object *g = generator_gallery(), *o;

	if (!g)
		return h_internal(ctx, "templates", "out of memory");
	o = json_object_new_object();
	json_object_object_add(o, "templates", g);
	response_json(ctx->resp, 200, o);
}
