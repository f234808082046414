/* app_json.c: the app object of API.md, written as JSON text from what the request has
 * read; building it only reads (a dead generation job is settled before, where the
 * app is loaded: jobs_settle).
 *
 * The text is written straight into a strbuf (common/jsonw.h), in json-c's own output
 * form (the generation as SQLite gives it: compact, its strings as stored), so the list
 * answers without building an object per app; app_to_json parses
 * the same text for the answers that embed the app in a larger json-c object, so
 * there is one owner of the app's shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/jsonw.h"
#include "common/log.h"
#include "fcgi/handler.h"

#define KEY(b, lit) strbuf_add((b), lit, sizeof(lit) - 1)

/* The stored findings (our own JSON array text); [] for none or a broken value. */
static void write_findings(struct strbuf *b, const char *text)
{
	struct json_object *f;

	/* most apps have none, and a parse costs a tokener */
	if (!text || strcmp(text, "[]") == 0) {
		KEY(b, "[]");
		return;
	}
	f = json_tokener_parse(text);
	if (json_object_is_type(f, json_type_array))
		jsonw_object(b, f);
	else
		KEY(b, "[]");
	json_object_put(f);
}

/* The generation {provider, kind, fields, explanation}, or null: the database keeps it
 * as the API shows it (apps.generation_shown: the object without its "spec",
 * GENERATION_SHOWN in db/schema.c), so it is written as it is. */
static void write_generation(struct strbuf *b, const char *text)
{
	if (text)
		strbuf_puts(b, text);
	else
		KEY(b, "null");
}

static void write_run(struct strbuf *b, const struct db_app_view *v)
{
	const struct db_run *r = &v->run;

	if (!v->has_run) {
		KEY(b, "{\"id\":null,\"state\":\"stopped\",\"port\":null,\"started_at\":null,"
		       "\"expires_at\":null,\"exit_code\":null,\"reason\":null}");
		return;
	}
	/* a new run (a restart in the same second too) has a new id: the web UI reloads
	 * its preview on it */
	KEY(b, "{\"id\":");
	jsonw_int(b, r->id);
	KEY(b, ",\"state\":");
	jsonw_string(b, run_state_name(r->state));
	KEY(b, ",\"port\":");
	if (r->port)
		jsonw_int(b, r->port);
	else
		KEY(b, "null");
	KEY(b, ",\"started_at\":");
	jsonw_time(b, r->started_at);
	KEY(b, ",\"expires_at\":");
	jsonw_time(b, r->expires_at);
	KEY(b, ",\"exit_code\":");
	if (r->has_exit_code)
		jsonw_int(b, r->exit_code);
	else
		KEY(b, "null");
	KEY(b, ",\"reason\":");
	jsonw_string(b, r->reason ? run_reason_name(r->reason) : NULL);
	KEY(b, "}");
}

/* The one owner of an app's origin: https://<id>.<apps_domain>[:port] (the port when it
 * is not 443), no slash, into out; put together by hand (snprintf was a tenth of a
 * list's cost). Returns its length, or 0 (out "") when it does not fit. */
size_t h_app_origin(const struct conf *c, const char *id, char *out, size_t size)
{
	size_t il = strnlen(id, ID_APP_BUFSZ), dl = strlen(c->apps_domain);
	int port = c->https_port;
	char *p = out;

	if (size < 8 + il + 1 + dl + 7 + 1) {
		if (size)
			*out = '\0';
		return 0;
	}
	memcpy(p, "https://", 8);
	p += 8;
	memcpy(p, id, il);
	p += il;
	*p++ = '.';
	memcpy(p, c->apps_domain, dl);
	p += dl;
	if (port != 443 && port > 0 && port < 65536) {
		char digits[UTIL_UINT_BUFSZ];
		size_t n = util_uint_format((unsigned)port, digits);
		*p++ = ':';
		memcpy(p, digits, n);
		p += n;
	}
	*p = '\0';
	return (size_t)(p - out);
}

/* The app's url: its origin and a slash, escaped like any string. */
static void write_url(struct strbuf *b, const struct conf *c, const char *id)
{
	char url[ID_APP_BUFSZ + 256 + 16];
	size_t n = h_app_origin(c, id, url, sizeof(url) - 1);

	if (n)
		url[n++] = '/';
	jsonw_string_len(b, url, n);
}

void app_json_write(struct strbuf *b, const struct conf *c, const struct db_app_view *v)
{
	const struct db_app *a = &v->app;

	KEY(b, "{\"id\":");
	jsonw_string(b, a->id);
	KEY(b, ",\"name\":");
	jsonw_string(b, a->name ? a->name : "");
	KEY(b, ",\"owner\":");
	jsonw_string(b, a->owner);
	KEY(b, ",\"prompt\":");
	jsonw_string(b, a->prompt && *a->prompt ? a->prompt : NULL);
	KEY(b, ",\"status\":");
	jsonw_string(b, app_status_name(a->status));
	if (a->error) {
		KEY(b, ",\"error\":");
		jsonw_string(b, a->error);
	}
	KEY(b, ",\"created_at\":");
	jsonw_time(b, a->created_at);
	KEY(b, ",\"updated_at\":");
	jsonw_time(b, a->updated_at);
	KEY(b, ",\"url\":");
	write_url(b, c, a->id);
	KEY(b, ",\"visibility\":");
	jsonw_string(b, a->visibility[0] ? a->visibility : "private");
	KEY(b, ",\"scan\":{\"verdict\":");
	jsonw_string(b, a->scan_verdict[0] ? a->scan_verdict : NULL);
	KEY(b, ",\"findings\":");
	write_findings(b, a->scan_findings);
	KEY(b, "},\"run\":");
	write_run(b, v);
	KEY(b, ",\"generation\":");
	write_generation(b, v->generation);
	KEY(b, "}");
}

struct json_object *app_to_json(struct hctx *ctx, const struct db_app *a)
{
	char err[256];
	struct db_app_view v;
	struct strbuf b = { 0 };
	struct json_object *o = NULL;
	char *text;
	int rc;

	/* The view borrows a's strings: only its own generation is freed below. */
	memset(&v, 0, sizeof(v));
	v.app = *a;
	rc = db_run_current(ctx->db, a->id, &v.run, err, sizeof(err));
	if (rc != DB_OK && rc != DB_NOTFOUND)
		log_warn("run of %s: %s", a->id, err);
	v.has_run = rc == DB_OK;
	if (db_app_get_generation_shown(ctx->db, a->id, &v.generation, err, sizeof(err)) == DB_ERR)
		log_warn("generation of %s: %s", a->id, err);
	app_json_write(&b, ctx->conf, &v);
	free(v.generation);
	text = strbuf_take(&b);
	if (text)
		o = json_tokener_parse(text);
	free(text);
	return o;
}
