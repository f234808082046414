/* lifecycle.c: the supervisor's control socket as the workers use it (typed, through
 * sandbox/supervisor_client.h), and an app's files outside the database (its code for
 * a run, its data, its log). See lifecycle.h. */
#include "fcgi/lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/appfiles.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/util.h"
#include "sandbox/supervisor_client.h"

#define LC_PING_TIMEOUT_MS 2000
#define LC_PREPARE_TIMEOUT_MS 1000   /* to send it: the supervisor reads as it goes */
#define LC_LOG_READ_MAX (4L << 20)
#define LC_START_LOCK_WAIT_MS 5000
#define LC_START_LOCK_STEP_MS 10

int lc_sup(const struct conf *c, const struct sup_request *q, struct sup_reply *rep,
	   int timeout_ms, char *err, size_t errlen)
{
	if (sup_call(c->supervisor_socket, q, rep, timeout_ms, err, errlen) < 0)
		return LC_SUP_DOWN;
	if (rep->ok)
		return LC_SUP_OK;
	snprintf(err, errlen, "%s: %.400s", rep->code, rep->message);  /* bounded for callers' err[512] */
	return LC_SUP_REFUSED;
}

int lc_sup_ping(const struct conf *c, char *err, size_t errlen)
{
	struct sup_request q;
	struct sup_reply rep;
	int rc;

	sup_request_init(&q, SUP_PING);
	rc = lc_sup(c, &q, &rep, LC_PING_TIMEOUT_MS, err, errlen);
	sup_reply_clear(&rep);
	return rc == LC_SUP_OK ? 0 : -1;
}

int lc_sup_stop(const struct conf *c, const char *app_id, bool deleted, int grace_ms,
		char *err, size_t errlen)
{
	struct sup_request q;
	struct sup_reply rep;
	int rc;

	sup_request_init(&q, SUP_STOP);
	util_copy(q.app_id, sizeof(q.app_id), app_id);
	q.grace_ms = grace_ms;
	q.deleted = deleted;
	/* The supervisor answers once the whole tree is gone: grace, then the kill. */
	rc = lc_sup(c, &q, &rep, grace_ms + 15000, err, errlen);
	sup_reply_clear(&rep);
	return rc == LC_SUP_OK ? 0 : -1;
}

void lc_sup_prepare(const struct conf *c, const char *app_id)
{
	char err[1024], base[4096], data[4096];
	struct sup_request q;

	if (lc_app_dir(c, app_id, NULL, base, sizeof(base)) < 0 ||
	    lc_app_dir(c, app_id, "data", data, sizeof(data)) < 0)
		return;
	/* as lc_materialise makes them: the app's directory only traversable */
	if ((mkdir(base, 0711) < 0 && errno != EEXIST) || (mkdir(data, 0700) < 0 && errno != EEXIST)) {
		log_warn("app %s: mkdir for its data: %s", app_id, strerror(errno));
		return;
	}
	sup_request_init(&q, SUP_PREPARE);
	util_copy(q.app_id, sizeof(q.app_id), app_id);
	util_copy(q.data_dir, sizeof(q.data_dir), data);
	/* Sent, not waited for: the supervisor carries it out after we have answered. */
	if (sup_send(c->supervisor_socket, &q, LC_PREPARE_TIMEOUT_MS, err, sizeof(err)) < 0)
		log_warn("app %s: data not prepared ahead of its first start: %s", app_id, err);
}

int lc_start_lock(const struct conf *c, const char *app_id, char *err, size_t errlen)
{
	char base[4096], path[4200];
	int fd;

	if (lc_app_dir(c, app_id, NULL, base, sizeof(base)) < 0) {
		snprintf(err, errlen, "app path too long");
		return -1;
	}
	if (mkdir(base, 0711) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", base, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/start.lock", base);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	/* A holder takes milliseconds (a status, the code, a start request); a stuck one
	 * must not pile workers up behind it: bounded, never a blocking flock. */
	for (int ms = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; ms += LC_START_LOCK_STEP_MS) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || ms >= LC_START_LOCK_WAIT_MS) {
			snprintf(err, errlen, "lock %s: %s", path, errno == EWOULDBLOCK ?
				 "held too long by another start" : strerror(errno));
			close(fd);
			return -1;
		}
		usleep(LC_START_LOCK_STEP_MS * 1000);
	}
	return fd;
}

int lc_app_dir(const struct conf *c, const char *app_id, const char *sub, char *out,
	       size_t outlen)
{
	int n = sub ? snprintf(out, outlen, "%s/%s/%s", c->apps_dir, app_id, sub)
		    : snprintf(out, outlen, "%s/%s", c->apps_dir, app_id);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int lc_log_path(const struct conf *c, const char *app_id, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/apps/%s.log", c->log_dir, app_id);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int mkdir_ok(const char *path, mode_t mode)
{
	return mkdir(path, mode) == 0 || errno == EEXIST ? 0 : -1;
}

int lc_materialise(const struct conf *c, const char *app_id, struct json_object *files,
		   char *err, size_t errlen)
{
	char base[4096], code[4096], data[4096], tmp[4200];

	if (lc_app_dir(c, app_id, NULL, base, sizeof(base)) < 0 ||
	    lc_app_dir(c, app_id, "code", code, sizeof(code)) < 0 ||
	    lc_app_dir(c, app_id, "data", data, sizeof(data)) < 0) {
		snprintf(err, errlen, "app path too long");
		return -1;
	}
	/* The sandbox reads the code as an unprivileged uid: the tree is world-readable,
	 * the app's own directory only traversable. */
	if (mkdir_ok(base, 0711) < 0 || mkdir_ok(data, 0700) < 0) {
		snprintf(err, errlen, "mkdir under %s: %s", base, strerror(errno));
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s/code.new-XXXXXX", base);
	if (!mkdtemp(tmp)) {
		snprintf(err, errlen, "mkdtemp %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (chmod(tmp, 0755) < 0) {
		snprintf(err, errlen, "chmod %s: %s", tmp, strerror(errno));
		appfiles_remove_tree(tmp, NULL, 0);
		return -1;
	}
	if (appfiles_write(tmp, files, err, errlen) < 0) {
		appfiles_remove_tree(tmp, NULL, 0);
		return -1;
	}
	/* One rename: whoever starts the app sees the old tree or the new one, never a mix. */
	if (rename(tmp, code) == 0)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST) {
		snprintf(err, errlen, "rename to %s: %s", code, strerror(errno));
		appfiles_remove_tree(tmp, NULL, 0);
		return -1;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, code, RENAME_EXCHANGE) < 0) {
		snprintf(err, errlen, "exchange %s: %s", code, strerror(errno));
		appfiles_remove_tree(tmp, NULL, 0);
		return -1;
	}
	/* tmp now holds the old code. */
	if (appfiles_remove_tree(tmp, err, errlen) < 0)
		log_warn("app %s: old code not removed: %s", app_id, err);
	return 0;
}

/* Appends up to LC_LOG_READ_MAX bytes of the end of path to *buf, from a line start
 * (when the window starts mid-file its first, cut line is left out: it could start
 * inside an app's text and pass for a record). Missing file: 0. */
static int read_tail_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	off_t start;
	char *nb;
	size_t base = *len;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	start = st.st_size > LC_LOG_READ_MAX ? st.st_size - LC_LOG_READ_MAX : 0;
	bool cut = start > 0;
	nb = realloc(*buf, *len + (size_t)(st.st_size - start) + 1);
	if (!nb) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*buf = nb;
	while (start < st.st_size) {
		ssize_t r = pread(fd, *buf + *len, (size_t)(st.st_size - start), start);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		*len += (size_t)r;
		start += r;
	}
	close(fd);
	if (cut) {
		char *nl = memchr(*buf + base, '\n', *len - base);
		size_t drop = nl ? (size_t)(nl + 1 - (*buf + base)) : *len - base;
		memmove(*buf + base, *buf + base + drop, *len - base - drop);
		*len -= drop;
	}
	return 0;
}

int lc_log_tail(const struct conf *c, const char *app_id, int lines, char **out,
		size_t *outlen, char *err, size_t errlen)
{
	char path[4096], rotated[4200];
	char *buf = NULL;
	size_t len = 0, from;
	int seen = 0;

	*out = NULL;
	*outlen = 0;
	if (lc_log_path(c, app_id, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "log path too long");
		return -1;
	}
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	if (read_tail_file(rotated, &buf, &len, err, errlen) < 0 ||
	    read_tail_file(path, &buf, &len, err, errlen) < 0) {
		free(buf);
		return -1;
	}
	if (!buf) {
		*out = strdup("");
		return *out ? 0 : -1;
	}
	/* Walk back over `lines` line ends (a final unterminated line counts as one). */
	from = len;
	if (from > 0 && buf[from - 1] == '\n')
		from--;
	while (from > 0) {
		if (buf[from - 1] == '\n' && ++seen >= lines)
			break;
		from--;
	}
	memmove(buf, buf + from, len - from);
	len -= from;
	buf[len] = 0;
	*out = buf;
	*outlen = len;
	return 0;
}

void lc_app_purge(const struct conf *c, const char *app_id)
{
	char err[512], path[4096], rotated[4200];

	if (lc_sup_stop(c, app_id, true, 0, err, sizeof(err)) < 0)
		log_error("app %s: the supervisor did not stop it: %s", app_id, err);
	if (lc_app_dir(c, app_id, NULL, path, sizeof(path)) == 0 &&
	    appfiles_remove_tree(path, err, sizeof(err)) < 0)
		log_warn("app %s: directory not removed: %s", app_id, err);
	if (lc_log_path(c, app_id, path, sizeof(path)) == 0) {
		snprintf(rotated, sizeof(rotated), "%s.1", path);
		if (unlink(path) < 0 && errno != ENOENT)
			log_warn("app %s: log not removed: %s", app_id, strerror(errno));
		if (unlink(rotated) < 0 && errno != ENOENT)
			log_warn("app %s: log not removed: %s", app_id, strerror(errno));
	}
	jobs_lock_remove(c, app_id);
}
