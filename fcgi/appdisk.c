/* appdisk.c: an app's files beside the database as the workers handle them: the
 * start lock, the code materialised for a run, the log's tail. The paths are
 * common/applayout.h's. See appdisk.h. */
#include "fcgi/appdisk.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
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

/* ---- the code tree's stamp ----
 * code.sum holds the SHA-256 (hex) of the files a tree was written from: a tag naming
 * the tree's format, the kernel's boot id, then each path in byte order with its
 * content, every part behind its length. It goes before a tree is replaced and comes
 * back after the rename, so a stamp on disk always vouches for the tree beside it. The
 * tree is not fsync'ed (a start must not wait for the disk): the boot id makes a stamp
 * worthless after a crash of the machine, whose page cache may have taken the files'
 * contents with it, so the first start after a reboot writes every tree again. */
#define CODE_SUM_TAG "appforge code tree 1" /* change it when appfiles_write writes otherwise */

/* The kernel's boot id, read once; NULL when it cannot be read (then no stamp is ever
 * written or trusted). */
static const char *boot_id(void)
{
	static char id[40];
	static int state; /* 0 unread, 1 read, -1 unreadable */
	if (state == 0) {
		int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, id, sizeof id - 1) : -1;
		if (fd >= 0)
			close(fd);
		while (n > 0 && (id[n - 1] == '\n' || id[n - 1] == ' '))
			n--;
		state = n > 0 ? 1 : -1;
		id[n > 0 ? n : 0] = 0;
	}
	return state > 0 ? id : NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sum_part(crypto_hash_sha256_state *st, const char *p, size_t len)
{
	unsigned char n[8];
	for (int i = 0; i < 8; i++)
		n[i] = (unsigned char)((uint64_t)len >> (8 * i));
	crypto_hash_sha256_update(st, n, sizeof n);
	crypto_hash_sha256_update(st, (const unsigned char *)p, len);
}

/* The stamp of files into out (64 hex digits); -1 for a set appfiles_validate refuses,
 * or without a boot id (out is "" then). */
static int code_sum(struct json_object *files, char out[65])
{
	out[0] = 0;
	const char *paths[APPFILES_MAX_COUNT], *boot = boot_id();
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	size_t n = 0;

	if (!boot || !json_object_is_type(files, json_type_object))
		return -1;
	json_object_object_foreach (files, k, v) {
		if (n == APPFILES_MAX_COUNT || !json_object_is_type(v, json_type_string))
			return -1;
		paths[n++] = k;
	}
	qsort(paths, n, sizeof paths[0], cmp_str);
	crypto_hash_sha256_init(&st);
	sum_part(&st, CODE_SUM_TAG, strlen(CODE_SUM_TAG));
	sum_part(&st, boot, strlen(boot));
	for (size_t i = 0; i < n; i++) {
		struct json_object *content = json_object_object_get(files, paths[i]);
		sum_part(&st, paths[i], strlen(paths[i]));
		sum_part(&st, json_object_get_string(content),
			 (size_t)json_object_get_string_len(content));
	}
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, 65, h, sizeof h);
	return 0;
}

bool lc_code_current(const struct conf *c, const char *app_id, struct json_object *files,
		     struct lc_code_stamp *cs)
{
	char code[4096], stamp[4200], have[66];
	const char *want = cs->sum;
	struct stat st;
	ssize_t n;
	int fd;

	if (code_sum(files, cs->sum) < 0 ||
	    applayout_path(c, app_id, APP_PATH_CODE, code, sizeof code) < 0 ||
	    applayout_path(c, app_id, APP_PATH_CODE_SUM, stamp, sizeof stamp) < 0)
		return false;
	fd = open(stamp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	n = read(fd, have, sizeof have);
	close(fd);
	if (n != 64 || memcmp(have, want, 64) != 0)
		return false;
	return lstat(code, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Writes the stamp of files beside the tree just renamed into place: a failure costs
 * the next start a rewrite, nothing else. */
static void stamp_write(const char *app_id, const char *stamp, const struct lc_code_stamp *cs)
{
	const char *sum = cs->sum;
	char tmp[4300];
	int fd;

	if (strlen(sum) != 64)
		return;
	snprintf(tmp, sizeof tmp, "%s.new", stamp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		log_warn("app %s: code stamp not written: %s", app_id, strerror(errno));
		return;
	}
	bool ok = write(fd, sum, 64) == 64;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, stamp) < 0) {
		log_warn("app %s: code stamp not written: %s", app_id, strerror(errno));
		unlink(tmp);
	}
}

int lc_materialise(const struct conf *c, const char *app_id, struct json_object *files,
		   const struct lc_code_stamp *cs, char *err, size_t errlen)
{
	char base[4096], code[4096], data[4096], stamp[4200], tmp[4200];

	if (applayout_path(c, app_id, APP_PATH_DIR, base, sizeof base) < 0 ||
	    applayout_path(c, app_id, APP_PATH_CODE, code, sizeof code) < 0 ||
	    applayout_path(c, app_id, APP_PATH_CODE_SUM, stamp, sizeof stamp) < 0 ||
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
	/* The old tree's stamp goes first: no moment shows a stamp beside another tree. */
	if (unlink(stamp) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "unlink %s: %s", stamp, strerror(errno));
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
	if (rename(tmp, code) == 0) {
		stamp_write(app_id, stamp, cs);
		return 0;
	}
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
	stamp_write(app_id, stamp, cs);
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
