/* jobs.c: generations that outlive the request (the openai provider), and the sweep
 * that fails the ones whose process died.
 *
 * A job is a grandchild of the worker (double fork: the worker reaps the middle child at
 * once, so nothing waits on the model). It holds state_dir/jobs/<id>.lock with flock()
 * from before the app's row is committed until its result is stored: a "generating" app
 * whose lock can be taken has no job any more, whatever killed it. */
#include "fcgi/jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/applayout.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/spawn.h"
#include "common/util.h"
#include "db/db.h"
#include "fcgi/handler.h"
#include "generator/generator.h"
#include "scanner/scanner.h"

int jobs_lock_create(const struct conf *c, const char *app_id, char *err, size_t errlen)
{
	char dir[4096], path[4096];
	int fd;

	if (applayout_dir(c, APP_DIR_JOBS, dir, sizeof dir) < 0 ||
	    applayout_path(c, app_id, APP_PATH_JOB_LOCK, path, sizeof path) < 0) {
		snprintf(err, errlen, "job lock path too long");
		return -1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "job lock %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

void jobs_lock_remove(const struct conf *c, const char *app_id)
{
	char path[4096];
	if (applayout_path(c, app_id, APP_PATH_JOB_LOCK, path, sizeof path) == 0 &&
	    unlink(path) < 0 && errno != ENOENT)
		log_warn("job lock %s: %s", path, strerror(errno));
}

/* Stores the outcome if the app still exists and is still generating. */
static void store_result(struct db *db, const char *app_id, struct json_object *files,
			 const char *name, const char *verdict, const char *findings,
			 const char *explanation, const char *generation, const char *failure)
{
	char err[512], owner[ID_MAX_BUFSZ];
	struct db_app a;
	int rc;

	memset(&a, 0, sizeof a);
	if (db_begin(db, err, sizeof err) != DB_OK)
		goto fail;
	rc = db_app_get(db, app_id, NULL, &a, err, sizeof err);
	if (rc == DB_NOTFOUND || (rc == DB_OK && a.status != APP_GENERATING)) {
		db_rollback(db);
		db_app_clear(&a);
		log_info("generation of %s: the app was deleted or changed meanwhile", app_id);
		return;
	}
	util_copy(owner, sizeof owner, a.owner);
	db_app_clear(&a);
	if (rc != DB_OK)
		goto fail;
	if (failure) {
		rc = db_app_set_status(db, app_id, APP_FAILED, failure, err, sizeof err);
	} else {
		rc = db_app_files_replace(db, app_id, files, err, sizeof err);
		if (rc == DB_OK)
			rc = db_rev_add(db, app_id, owner, "generate", explanation, files, NULL,
					err, sizeof err);
		if (rc == DB_OK && generation)
			rc = db_app_set_generation(db, app_id, generation, err, sizeof err);
		if (rc == DB_OK && name)
			rc = db_app_set_name(db, app_id, name, err, sizeof err);
		if (rc == DB_OK)
			rc = db_app_set_scan(db, app_id, verdict, findings, err, sizeof err);
		if (rc == DB_OK)
			rc = db_app_set_status(db, app_id,
					       strcmp(verdict, "block") == 0 ? APP_BLOCKED
									     : APP_READY,
					       NULL, err, sizeof err);
	}
	if (rc != DB_OK ||
	    db_audit_append(db, NULL, "system",
			    failure ? "app.generate.failed" : "app.generate.done", app_id, NULL,
			    err, sizeof err) != DB_OK ||
	    db_commit(db, err, sizeof err) != DB_OK)
		goto fail;
	log_info("generation of %s: %s", app_id, failure ? "failed" : verdict);
	return;
fail:
	db_rollback(db);
	log_error("generation of %s: result not stored: %s", app_id, err);
}

/* A generated app starts as POST /run would start it, on behalf of its owner; a refusal
 * (the running quota, say) leaves it stopped, as the log tells. */
static void start_generated(const struct conf *c, struct db *db, const char *app_id)
{
	char err[256], code[48], msg[256];
	struct request req;
	struct response resp;
	struct hctx ctx;
	struct db_app a;

	memset(&a, 0, sizeof(a));
	if (db_app_get(db, app_id, NULL, &a, err, sizeof(err)) != DB_OK || a.status != APP_READY) {
		db_app_clear(&a);
		return;
	}
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	memset(&ctx, 0, sizeof(ctx));
	req.path = req.query = (char *)"";
	req.conn_fd = -1;
	ctx.conf = c;
	ctx.db = db;
	ctx.req = &req;
	ctx.resp = &resp;
	ctx.param = ctx.param2 = "";
	ctx.now = (long long)time(NULL);
	ctx.who.present = true;
	util_copy(ctx.who.user_id, sizeof(ctx.who.user_id), a.owner);
	db_app_clear(&a);
	if (h_run_start(&ctx, app_id, code, sizeof(code), msg, sizeof(msg)) < 0)
		log_warn("generation of %s: the app was not started: %s: %s", app_id, code, msg);
	response_free(&resp);
}

int jobs_run(const struct conf *c, const char *app_id, bool keep_name, bool start)
{
	char err[512], gerr[512], verdict[8] = "";
	struct json_object *files = NULL, *res = NULL, *v = NULL, *f = NULL;
	char *name = NULL, *assumption = NULL, *findings = NULL, *generation = NULL;
	const char *failure = NULL;
	struct db *db = NULL;
	struct db_app a;
	int rc;

	log_set_request_id(app_id);
	if (!id_valid_app(app_id)) {
		log_error("generation job: invalid app id");
		return 2;
	}
	if (db_open(&db, c->db_path, err, sizeof err) != DB_OK) {
		log_error("generation of %s: database: %s", app_id, err);
		return 1;
	}
	memset(&a, 0, sizeof a);
	rc = db_app_get(db, app_id, NULL, &a, err, sizeof err);
	if (rc != DB_OK || a.status != APP_GENERATING) {
		log_info("generation of %s: nothing to do (the app is gone or not generating)",
			 app_id);
		db_app_clear(&a);
		db_close(db);
		return 0;
	}
	if (generator_generate(c, a.prompt, keep_name ? a.name : NULL, &files, &name, &assumption,
			       gerr, sizeof gerr) < 0) {
		failure = gerr;
	} else if (scanner_scan(c, files, &res, err, sizeof err) < 0) {
		log_error("generation of %s: code scanner: %s", app_id, err);
		failure = "the generated code could not be checked (code scanner unavailable)";
	} else {
		json_object_object_get_ex(res, "verdict", &v);
		json_object_object_get_ex(res, "findings", &f);
		util_copy(verdict, sizeof verdict, json_object_get_string(v));
		findings = strdup(
			json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		if (!findings)
			failure = "out of memory";
	}
	if (!failure)
		generation = generator_describe(c, a.prompt, keep_name ? a.name : NULL, assumption);
	store_result(db, app_id, files, keep_name ? NULL : name, verdict, findings, assumption,
		     generation, failure);
	jobs_lock_remove(c, app_id);
	if (start && !failure)
		start_generated(c, db, app_id);
	db_close(db);
	db_app_clear(&a);
	json_object_put(files);
	json_object_put(res);
	free(name);
	free(assumption);
	free(findings);
	free(generation);
	return 0;
}

int jobs_generation_start(const struct conf *c, const char *app_id, bool keep_name, bool start,
			  int lockfd, char *err, size_t errlen)
{
	char self[4096];
	const char *argv[8];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	struct spawn s;
	int i = 0, rc;

	(void)c;
	if (n <= 0) {
		snprintf(err, errlen, "readlink /proc/self/exe: %s", strerror(errno));
		close(lockfd);
		return -1;
	}
	self[n] = 0;
	argv[i++] = self;
	if (master_config_path) {
		argv[i++] = "--config";
		argv[i++] = master_config_path;
	}
	if (start)
		argv[i++] = "--generation-start";
	argv[i++] = keep_name ? "--generation-job-keep-name" : "--generation-job";
	argv[i++] = app_id;
	argv[i] = NULL;
	/* A fresh program, detached (nothing for the worker to reap): nothing of the
	 * worker (its SQLite connection must not be used across fork, its FastCGI
	 * sockets must not outlive the request) but stderr, the daemon's log, and the
	 * lock as fd 3. */
	spawn_init(&s, (char *const *)argv);
	s.fd[3] = lockfd;
	rc = spawn_detached(&s, err, errlen);
	close(lockfd);
	return rc;
}

/* Whether the job of app_id is gone: its lock can be taken (or never existed). */
static bool job_gone(const struct conf *c, const char *app_id)
{
	char path[4096];
	int fd;
	bool gone;

	if (applayout_path(c, app_id, APP_PATH_JOB_LOCK, path, sizeof path) < 0)
		return false;
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT;
	gone = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return gone;
}

int jobs_check_one(const struct conf *c, struct db *db, const char *app_id)
{
	char err[256];
	struct db_app a;
	int marked = 0;

	if (!job_gone(c, app_id))
		return 0;
	/* Re-check inside the transaction: the job may just have finished. */
	memset(&a, 0, sizeof a);
	if (db_begin(db, err, sizeof err) != DB_OK)
		return 0;
	if (db_app_get(db, app_id, NULL, &a, err, sizeof err) == DB_OK &&
	    a.status == APP_GENERATING &&
	    db_app_set_status(db, app_id, APP_FAILED, JOBS_INTERRUPTED, err, sizeof err) == DB_OK &&
	    db_audit_append(db, NULL, "system", "app.generate.failed", app_id, NULL, err,
			    sizeof err) == DB_OK &&
	    db_commit(db, err, sizeof err) == DB_OK) {
		marked = 1;
		jobs_lock_remove(c, app_id);
		log_warn("app %s: its generation job is gone: marked failed", app_id);
	} else {
		db_rollback(db);
	}
	db_app_clear(&a);
	return marked;
}

int jobs_settle(const struct conf *c, struct db *db, struct db_app *a)
{
	char err[256], *msg;
	struct db_app fresh;

	if (a->status != APP_GENERATING || jobs_check_one(c, db, a->id) <= 0)
		return 0;
	/* What we just stored (status, error, updated_at) is what the caller sees. */
	memset(&fresh, 0, sizeof(fresh));
	if (db_app_get(db, a->id, NULL, &fresh, err, sizeof(err)) == DB_OK) {
		db_app_clear(a);
		*a = fresh;
		return 1;
	}
	a->status = APP_FAILED;
	msg = strdup(JOBS_INTERRUPTED);
	if (msg) {
		free(a->error);
		a->error = msg;
	}
	return 1;
}

int jobs_sweep(const struct conf *c, struct db *db, char *err, size_t errlen)
{
	char cursor[DB_CURSOR_BUFSZ] = "", next[DB_CURSOR_BUFSZ];
	int failed = 0;

	do {
		struct db_app *apps = NULL;
		size_t n = 0;
		if (db_app_list(db, NULL, cursor, DB_LIST_MAX, &apps, &n, next, err, errlen) !=
		    DB_OK)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (apps[i].status == APP_GENERATING)
				failed += jobs_check_one(c, db, apps[i].id);
		db_app_list_free(apps, n);
		memcpy(cursor, next, sizeof cursor);
	} while (cursor[0]);
	return failed;
}
