/* h_export.c: an app as a .tar.gz and back.
 *
 *   GET  /api/apps/{app}/export   application/gzip, an attachment: appforge.json (the
 *                                 manifest: name, prompt, created_at, each file's path,
 *                                 size and sha256; never an environment value) and the
 *                                 current files
 *   POST /api/apps                with Content-Type application/gzip: imports such an
 *                                 archive as a new app (h_apps.c hands it here)
 *
 * An import is read in memory only (common/tarball.h: strict, bounded, links and
 * devices refused), its files pass appfiles_validate() and, when the archive has a
 * manifest, must match it file for file; then it takes the ordinary create path (scan,
 * quota, audit). Any fault is 400 invalid_request with nothing stored. */
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/appfiles.h"
#include "common/json.h"
#include "common/log.h"
#include "common/tarball.h"
#include "fcgi/handler.h"
#include "fcgi/names.h"

#define EXPORT_FORMAT "appforge-export"
#define IMPORT_DEFAULT_NAME "Imported app"

static void sha256_hex(const char *data, size_t len, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)data, len);
	util_hex_encode(h, sizeof h, hex);
}

/* The manifest of app a with files (new reference, NULL when out of memory). */
static struct json_object *manifest_of(const struct db_app *a, struct json_object *files)
{
	struct json_object *m = json_object_new_object(), *list = json_object_new_array();
	char hex[65];

	json_object_object_add(m, "format", json_object_new_string(EXPORT_FORMAT));
	json_object_object_add(m, "version", json_object_new_int(1));
	json_object_object_add(m, "name", json_object_new_string(a->name));
	json_object_object_add(m, "prompt", json_object_new_string(a->prompt));
	h_add_time(m, "created_at", a->created_at);
	json_object_object_foreach (files, path, v) {
		struct json_object *e = json_object_new_object();
		size_t len = (size_t)json_object_get_string_len(v);
		sha256_hex(json_object_get_string(v), len, hex);
		json_object_object_add(e, "path", json_object_new_string(path));
		json_object_object_add(e, "size", json_object_new_int64((int64_t)len));
		json_object_object_add(e, "sha256", json_object_new_string(hex));
		json_object_array_add(list, e);
	}
	json_object_object_add(m, "files", list);
	return m;
}

void h_app_export(struct hctx *ctx)
{
	char err[256], disp[96];
	struct json_object *files = NULL, *m;
	struct db_app a;
	unsigned char *gz;
	size_t len = 0;
	int rc;

	memset(&a, 0, sizeof a);
	rc = db_app_get(ctx->db, ctx->param, ctx->who.user_id, &a, err, sizeof err);
	if (rc == DB_NOTFOUND)
		return h_not_found(ctx);
	if (rc != DB_OK ||
	    db_app_files_get(ctx->db, ctx->param, &files, err, sizeof err) != DB_OK) {
		db_app_clear(&a);
		return h_internal(ctx, "export", err);
	}
	m = manifest_of(&a, files);
	gz = m ? tarball_write(json_to_string(m), files, a.created_at, &len, err, sizeof err)
	       : NULL;
	if (gz) {
		snprintf(disp, sizeof disp, "attachment; filename=\"appforge-%s.tar.gz\"", a.id);
		response_header(ctx->resp, "Content-Disposition", disp);
		response_text(ctx->resp, 200, "application/gzip", (const char *)gz, len);
	} else {
		h_internal(ctx, "export", m ? err : "out of memory");
	}
	free(gz);
	json_object_put(m);
	json_object_put(files);
	db_app_clear(&a);
}

bool h_import_wanted(struct hctx *ctx)
{
	const char *ct = ctx->req->content_type;
	size_t n = strlen("application/gzip");

	return ct && strncasecmp(ct, "application/gzip", n) == 0 &&
	       (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

/* The manifest's entry for path, or NULL. */
static struct json_object *manifest_entry(struct json_object *list, const char *path)
{
	size_t n = json_object_array_length(list);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(list, i), *p;
		if (json_object_is_type(e, json_type_object) &&
		    json_object_object_get_ex(e, "path", &p) &&
		    json_object_is_type(p, json_type_string) &&
		    strcmp(json_object_get_string(p), path) == 0)
			return e;
	}
	return NULL;
}

/* Checks the manifest against the files and takes its name and prompt (borrowed from
 * m). 0, or -1 with err. */
static int manifest_check(struct json_object *m, struct json_object *files, const char **name,
			  const char **prompt, char *err, size_t errlen)
{
	struct json_object *list, *e, *h;
	const char *fmt = NULL;
	char hex[65];

	if (json_get_string(m, "format", JSON_REQUIRED, 64, &fmt, NULL, err, errlen) < 0 ||
	    strcmp(fmt, EXPORT_FORMAT) != 0 ||
	    json_get_string(m, "name", JSON_NONEMPTY, APP_NAME_MAX, name, NULL, err, errlen) < 0 ||
	    json_get_string(m, "prompt", 0, APP_PROMPT_MAX, prompt, NULL, err, errlen) < 0 ||
	    !names_display_valid(*name)) {
		snprintf(err, errlen,
			 "appforge.json: format must be \"%s\", name a display name "
			 "of at most %d characters, prompt at most %d",
			 EXPORT_FORMAT, APP_NAME_MAX, APP_PROMPT_MAX);
		return -1;
	}
	if (!json_object_object_get_ex(m, "files", &list) ||
	    !json_object_is_type(list, json_type_array) ||
	    json_object_array_length(list) != (size_t)json_object_object_length(files)) {
		snprintf(err, errlen, "appforge.json: files must list every file of the archive");
		return -1;
	}
	json_object_object_foreach (files, path, v) {
		sha256_hex(json_object_get_string(v), (size_t)json_object_get_string_len(v), hex);
		if (!(e = manifest_entry(list, path)) ||
		    !json_object_object_get_ex(e, "sha256", &h) ||
		    !json_object_is_type(h, json_type_string) ||
		    strcasecmp(json_object_get_string(h), hex) != 0) {
			snprintf(err, errlen,
				 "appforge.json: file '%s' is missing or its sha256 "
				 "differs",
				 path);
			return -1;
		}
	}
	return 0;
}

void h_app_import(struct hctx *ctx)
{
	char err[512];
	const char *name = IMPORT_DEFAULT_NAME, *prompt = "";
	struct json_object *files = NULL, *m = NULL, *body;
	const struct request *r = ctx->req;

	if (!r->body || r->content_length <= 0) {
		h_bad_request(ctx, "the request body must be a .tar.gz made by GET .../export");
		return;
	}
	if (tarball_read(r->body, (size_t)r->content_length, &files, &m, err, sizeof err) < 0 ||
	    appfiles_validate(files, err, sizeof err) < 0 ||
	    (m && manifest_check(m, files, &name, &prompt, err, sizeof err) < 0)) {
		json_object_put(files);
		json_object_put(m);
		h_bad_request(ctx, err);
		return;
	}
	if (!*prompt)
		prompt = "";
	body = json_object_new_object();
	json_object_object_add(body, "files", files); /* takes files */
	h_app_create_files(ctx, body, name, prompt, false);
	json_object_put(body);
	json_object_put(m);
}
