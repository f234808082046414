/* h_scan.c: the code scan as the handlers run it (h_scan_files: a scan slot, the
 * scanner, the configured policy) and the status its verdict gives an app. Used by
 * every handler that stores files: create, save, generate, iterate, restore. */
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "fcgi/handler.h"
#include "scanner/scanner.h"

/* Scans files with the configured policy (outside any transaction: it runs Node).
 * Fills verdict and *findings (malloc'ed JSON array text; the caller frees it).
 * Returns 0, or -1 after answering 503 (or 429 when every scan slot is busy: see
 * h_cpu_slot): an app nobody could scan is never stored as
 * if it had been. */
#define SCAN_SLOT_WAIT_MS 2000

int h_scan_files(struct hctx *ctx, struct json_object *files, char verdict[8], char **findings)
{
	char err[256];
	struct json_object *res = NULL, *v = NULL, *f = NULL;
	const char *fs;
	int slot, rc;

	*findings = NULL;
	/* A scan runs Node: it takes a scan slot, so scans never fill every worker. Only
	 * signed-in users scan (and nginx limits app creation), so a scan may wait a
	 * little for a slot before the 429. No Node runs with scan_policy off. */
	slot = -2;
	if (strcmp(ctx->conf->scan_policy, "off") != 0 &&
	    (slot = h_cpu_slot(ctx, CPUSLOT_SCAN, SCAN_SLOT_WAIT_MS)) == -1)
		return -1;
	rc = scanner_scan(ctx->conf, files, &res, err, sizeof err);
	cpuslots_release(slot);
	if (rc < 0) {
		log_error("code scanner: %s", err);
		response_error(ctx->resp, 503, "unavailable", "the code scanner is unavailable");
		return -1;
	}
	/* scanner_scan has checked the result's shape. */
	json_object_object_get_ex(res, "verdict", &v);
	json_object_object_get_ex(res, "findings", &f);
	util_copy(verdict, 8, json_object_get_string(v));
	fs = json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	*findings = strdup(fs ? fs : "[]");
	json_object_put(res);
	if (!*findings) {
		h_internal(ctx, "scan", "out of memory");
		return -1;
	}
	return 0;
}

/* An app whose scan blocks is "blocked"; it cannot run until its files change. */
enum app_status h_status_for(const char *verdict)
{
	return strcmp(verdict, "block") == 0 ? APP_BLOCKED : APP_READY;
}
