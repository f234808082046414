/* appdisk.c: an app's files beside the database as the workers handle them: the
 * start lock, the code materialised for a run, the log's tail. The paths are
 * common/applayout.h's. See appdisk.h. */
#include "fcgi/appdisk.h"

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
#include "common/applayout.h"
#include "sandbox/applog.h"
#include "common/conf.h"
#include "common/log.h"

#define LC_LOG_READ_MAX (4L << 20)
#define LC_START_LOCK_WAIT_MS 5000
#define LC_START_LOCK_STEP_MS 10

int lc_start_lock(const struct conf *c, const char *app_id, char *err, size_t errlen)
{
	char base[4096], path[4200];
	int fd;

	if (applayout_path(c, app_id, APP_PATH_DIR, base, sizeof base) < 0 ||
	    applayout_path(c, app_id, APP_PATH_START_LOCK, path, sizeof path) < 0) {
		snprintf(err, errlen, "app path too long");
		return -1;
	}
	if (mkdir(base, 0711) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", base, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	/* A holder takes milliseconds (a status, the code, a start request); a stuck one
	 * must not pile workers up behind it: bounded, never a blocking flock. */
	for (int ms = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; ms += LC_START_LOCK_STEP_MS) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || ms >= LC_START_LOCK_WAIT_MS) {
			snprintf(err, errlen, "lock %s: %s", path,
				 errno == EWOULDBLOCK ? "held too long by another start"
						      : strerror(errno));
			close(fd);
			return -1;
		}
		usleep(LC_START_LOCK_STEP_MS * 1000);
	}
	return fd;
}

static int mkdir_ok(const char *path, mode_t mode)
{
	return mkdir(path, mode) == 0 || errno == EEXIST ? 0 : -1;
}

int lc_materialise(const struct conf *c, const char *app_id, struct json_object *files, char *err,
		   size_t errlen)
{
	char base[4096], code[4096], data[4096], tmp[4200];

	if (applayout_path(c, app_id, APP_PATH_DIR, base, sizeof base) < 0 ||
	    applayout_path(c, app_id, APP_PATH_CODE, code, sizeof code) < 0 ||
	    applayout_path(c, app_id, APP_PATH_DATA, data, sizeof data) < 0) {
		snprintf(err, errlen, "app path too long");
		return -1;
	}
	/* The sandbox reads the code as an unprivileged uid: the tree is world-readable,
	 * the app's own directory only traversable. */
	if (mkdir_ok(base, 0711) < 0 || mkdir_ok(data, 0700) < 0) {
		snprintf(err, errlen, "mkdir under %s: %s", base, strerror(errno));
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s/code.new-XXXXXX", base);
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

int lc_log_tail(const struct conf *c, const char *app_id, int lines, char **out, size_t *outlen,
		char *err, size_t errlen)
{
	char path[4096], rotated[4200];
	char *buf = NULL;
	size_t len = 0, from;

	*out = NULL;
	*outlen = 0;
	if (applayout_path(c, app_id, APP_PATH_LOG, path, sizeof path) < 0 ||
	    applayout_path(c, app_id, APP_PATH_LOG_OLD, rotated, sizeof rotated) < 0) {
		snprintf(err, errlen, "log path too long");
		return -1;
	}
	if (read_tail_file(rotated, &buf, &len, err, errlen) < 0 ||
	    read_tail_file(path, &buf, &len, err, errlen) < 0) {
		free(buf);
		return -1;
	}
	if (!buf) {
		*out = strdup("");
		return *out ? 0 : -1;
	}
	from = applog_tail_start(buf, len, lines);
	memmove(buf, buf + from, len - from);
	len -= from;
	buf[len] = 0;
	*out = buf;
	*outlen = len;
	return 0;
}
