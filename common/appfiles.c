/* appfiles.c: the rules for an app's file map and writing it safely to disk (see
 * appfiles.h). */
#include "appfiles.h"
#include "json.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A printable copy of a client-supplied path for messages. */
static void shown(char *dst, size_t n, const char *path)
{
	size_t o = 0;

	for (; *path && o + 1 < n; path++)
		dst[o++] = ((unsigned char)*path < 0x20 || *path == 0x7f) ? '?' : *path;
	dst[o] = '\0';
	if (*path && n > 4)
		memcpy(dst + n - 4, "...", 4);
}

static int path_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-' || c == '/';
}

static const char *path_problem(const char *path)
{
	size_t len = strlen(path);
	int depth = 1;

	if (len == 0)
		return "path must not be empty";
	if (len > APPFILES_MAX_NAME)
		return "path is longer than 128 bytes";
	if (path[0] == '/')
		return "path must be relative (no leading '/')";
	for (size_t i = 0; i < len; i++)
		if (!path_char_ok(path[i]))
			return "path may contain only A-Z a-z 0-9 . _ - /";
	for (const char *seg = path; seg;) {
		const char *slash = strchr(seg, '/');
		size_t sl = slash ? (size_t)(slash - seg) : strlen(seg);
		if (sl == 0)
			return "path must not contain empty segments";
		if ((sl == 1 && seg[0] == '.') || (sl == 2 && seg[0] == '.' && seg[1] == '.'))
			return "path must not contain '.' or '..' segments";
		seg = slash ? slash + 1 : NULL;
		if (seg)
			depth++;
	}
	if (depth > APPFILES_MAX_DEPTH)
		return "path is nested deeper than 4 levels";
	return NULL;
}

int appfiles_path_valid(const char *path, char *err, size_t errlen)
{
	const char *why = path ? path_problem(path) : "path must not be empty";
	char s[80];

	if (!why)
		return 0;
	shown(s, sizeof s, path ? path : "");
	snprintf(err, errlen, "file '%s': %s", s, why);
	return -1;
}

static int check_content(const char *path, struct json_object *v, size_t *total, char *err,
			 size_t errlen)
{
	const char *s;
	size_t n;

	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "file '%s': content must be a string", path);
		return -1;
	}
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n > APPFILES_MAX_FILE) {
		snprintf(err, errlen, "file '%s': larger than %d bytes", path, APPFILES_MAX_FILE);
		return -1;
	}
	if (memchr(s, '\0', n) || !util_utf8_valid(s, n)) {
		snprintf(err, errlen, "file '%s': content must be UTF-8 text without NUL", path);
		return -1;
	}
	*total += n;
	return 0;
}

/* "a" and "a/b" cannot both exist: a path may not be a prefix directory of another. */
static int dir_conflict(struct json_object *files, const char *path, char *err, size_t errlen)
{
	size_t pl = strlen(path);

	json_object_object_foreach (files, other, v) {
		(void)v;
		if (strncmp(other, path, pl) == 0 && other[pl] == '/') {
			snprintf(err, errlen, "file '%s': also used as a directory by '%s'", path,
				 other);
			return -1;
		}
	}
	return 0;
}

int appfiles_validate(struct json_object *files, char *err, size_t errlen)
{
	size_t total = 0;

	if (!json_object_is_type(files, json_type_object)) {
		snprintf(err, errlen, "files must be an object mapping paths to contents");
		return -1;
	}
	if (json_object_object_length(files) > APPFILES_MAX_COUNT) {
		snprintf(err, errlen, "too many files (at most %d)", APPFILES_MAX_COUNT);
		return -1;
	}
	json_object_object_foreach (files, path, v) {
		if (appfiles_path_valid(path, err, errlen) < 0 ||
		    check_content(path, v, &total, err, errlen) < 0 ||
		    dir_conflict(files, path, err, errlen) < 0)
			return -1;
	}
	if (total > APPFILES_MAX_TOTAL) {
		snprintf(err, errlen, "files together are larger than %d bytes",
			 APPFILES_MAX_TOTAL);
		return -1;
	}
	if (!json_object_object_get_ex(files, APPFILES_ENTRY, NULL)) {
		snprintf(err, errlen, "file '%s' is required", APPFILES_ENTRY);
		return -1;
	}
	return 0;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Opens (creating if needed) the directories of path below root, returning a
 * descriptor of the last one and the file's base name in *base. -1 on error. */
static int open_parent(int root, const char *path, const char **base)
{
	char seg[APPFILES_MAX_NAME + 1];
	int dfd = dup(root);
	const char *p = path, *slash;

	while (dfd >= 0 && (slash = strchr(p, '/')) != NULL) {
		size_t sl = (size_t)(slash - p);
		memcpy(seg, p, sl);
		seg[sl] = '\0';
		if (mkdirat(dfd, seg, 0755) < 0 && errno != EEXIST) {
			close(dfd);
			return -1;
		}
		int next = openat(dfd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		dfd = next;
		p = slash + 1;
	}
	*base = p;
	return dfd;
}

static int write_one(int root, const char *path, struct json_object *v, char *err, size_t errlen)
{
	const char *base;
	int dfd = open_parent(root, path, &base), fd, rc = -1;

	if (dfd < 0) {
		snprintf(err, errlen, "file '%s': cannot create its directory: %s", path,
			 strerror(errno));
		return -1;
	}
	fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "file '%s': %s", path, strerror(errno));
	} else if (write_all(fd, json_object_get_string(v), (size_t)json_object_get_string_len(v)) <
		   0) {
		snprintf(err, errlen, "file '%s': write: %s", path, strerror(errno));
	} else {
		rc = 0;
	}
	if (fd >= 0 && close(fd) < 0 && rc == 0) {
		snprintf(err, errlen, "file '%s': close: %s", path, strerror(errno));
		rc = -1;
	}
	close(dfd);
	return rc;
}

int appfiles_write(const char *dir, struct json_object *files, char *err, size_t errlen)
{
	int root, rc = 0;

	if (appfiles_validate(files, err, errlen) < 0)
		return -1;
	root = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	json_object_object_foreach (files, path, v) {
		if ((rc = write_one(root, path, v, err, errlen)) < 0)
			break;
	}
	close(root);
	return rc;
}

#define REMOVE_MAX_DEPTH 256

/* Empties the directory open as dfd (consumed), depth levels deep at most. */
static int empty_dir(int dfd, int depth, char *err, size_t errlen)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		close(dfd);
		snprintf(err, errlen, "fdopendir: %s", strerror(errno));
		return -1;
	}
	while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR) {
			snprintf(err, errlen, "unlink %s: %s", e->d_name, strerror(errno));
			rc = -1;
			break;
		}
		if (depth >= REMOVE_MAX_DEPTH) {
			snprintf(err, errlen, "directory tree deeper than %d levels",
				 REMOVE_MAX_DEPTH);
			rc = -1;
			break;
		}
		int sub = openat(dirfd(d), e->d_name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			snprintf(err, errlen, "open %s: %s", e->d_name, strerror(errno));
			rc = -1;
		} else if (empty_dir(sub, depth + 1, err, errlen) < 0) {
			rc = -1;
		} else if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "rmdir %s: %s", e->d_name, strerror(errno));
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

int appfiles_remove_tree(const char *dir, char *err, size_t errlen)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (dfd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR || errno == ELOOP) {
			if (unlink(dir) == 0)
				return 0;
		}
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (empty_dir(dfd, 0, err, errlen) < 0)
		return -1;
	if (rmdir(dir) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "rmdir %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}
