/* test_appfiles.c: the file-map rules (paths, sizes, counts, content) and writing a
 * tree safely. */
#include "tap.h"
#include "appfiles.h"
#include "json.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char err[256];

static struct json_object *map1(const char *path, const char *content)
{
	struct json_object *f = json_object_new_object();
	json_object_object_add(f, "server.js", json_object_new_string("require('http')"));
	if (path)
		json_object_object_add(f, path, json_object_new_string(content));
	return f;
}

static void bad_path(const char *p, const char *why)
{
	struct json_object *f = map1(p, "x");
	int r = appfiles_validate(f, err, sizeof err);

	ok(r < 0 && strstr(err, "file '") == err, "path %s refused: %s", why, err);
	json_object_put(f);
}

static void test_paths(void)
{
	struct json_object *f = map1("public/css/site.css", "body{}");
	char name[200];

	ok(appfiles_validate(f, err, sizeof err) == 0, "a normal app is valid");
	json_object_put(f);
	ok(appfiles_path_valid("a/b/c/d.js", err, sizeof err) == 0, "depth 4 allowed");
	bad_path("a/b/c/d/e.js", "deeper than 4");
	bad_path("/etc/passwd", "absolute");
	bad_path("../x.js", "with ..");
	bad_path("a/../x.js", "with a .. segment inside");
	bad_path("./x.js", "with a . segment");
	bad_path("a//b.js", "with an empty segment");
	bad_path("a/", "with a trailing slash");
	bad_path("", "empty");
	bad_path("a b.js", "with a space");
	bad_path("a\nb.js", "with a newline");
	bad_path("caf\xc3\xa9.js", "with non-ASCII");
	bad_path("a\\b.js", "with a backslash");
	memset(name, 'a', 129);
	name[129] = '\0';
	bad_path(name, "longer than 128 bytes");
	ok(appfiles_path_valid("..hidden.js", err, sizeof err) == 0 &&
		   appfiles_path_valid(".env", err, sizeof err) == 0,
	   "names that merely start with dots are fine");
	f = map1("public", "x");
	json_object_object_add(f, "public/index.html", json_object_new_string("x"));
	ok(appfiles_validate(f, err, sizeof err) < 0 && strstr(err, "directory"),
	   "a path used as both file and directory refused");
	json_object_put(f);
}

static void test_limits(void)
{
	struct json_object *f = json_object_new_object();
	char *big = malloc(APPFILES_MAX_FILE + 2), name[32];

	json_object_object_add(f, "index.js", json_object_new_string("x"));
	ok(appfiles_validate(f, err, sizeof err) < 0 && strstr(err, "server.js"),
	   "server.js required");
	json_object_put(f);
	f = map1(NULL, NULL);
	json_object_object_add(f, "n.js", json_object_new_int(3));
	ok(appfiles_validate(f, err, sizeof err) < 0 && strstr(err, "'n.js'"),
	   "non-string content names the file");
	json_object_put(f);
	f = map1(NULL, NULL);
	json_object_object_add(f, "nul.js", json_object_new_string_len("a\0b", 3));
	ok(appfiles_validate(f, err, sizeof err) < 0 && strstr(err, "'nul.js'"),
	   "NUL in content refused");
	json_object_put(f);
	memset(big, 'x', APPFILES_MAX_FILE + 1);
	big[APPFILES_MAX_FILE + 1] = '\0';
	f = map1("big.js", big);
	ok(appfiles_validate(f, err, sizeof err) < 0 && strstr(err, "'big.js'"),
	   "file over 256 KiB refused");
	json_object_put(f);
	big[APPFILES_MAX_FILE] = '\0';
	f = map1(NULL, NULL);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "f%d.js", i);
		json_object_object_add(f, name, json_object_new_string(big));
	}
	ok(appfiles_validate(f, err, sizeof err) < 0 && strstr(err, "together"),
	   "total over 1 MiB refused");
	json_object_put(f);
	f = map1(NULL, NULL);
	for (int i = 0; i < APPFILES_MAX_COUNT; i++) {
		snprintf(name, sizeof name, "f%d.js", i);
		json_object_object_add(f, name, json_object_new_string("x"));
	}
	ok(appfiles_validate(f, err, sizeof err) < 0 && strstr(err, "too many"),
	   "65 files refused");
	json_object_put(f);
	free(big);
	ok(appfiles_validate(NULL, err, sizeof err) < 0, "NULL map refused");
}

static void test_write(void)
{
	char dir[] = "/tmp/af-test-files-XXXXXX", p[256], buf[64];
	struct json_object *f = map1("public/css/site.css", "body{}");
	struct stat st;
	int fd;
	ssize_t n;

	if (!mkdtemp(dir)) {
		skip("mkdtemp failed");
		return;
	}
	ok(appfiles_write(dir, f, err, sizeof err) == 0, "write a tree");
	snprintf(p, sizeof p, "%s/public/css/site.css", dir);
	fd = open(p, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
	if (fd >= 0)
		close(fd);
	ok(n == 6 && memcmp(buf, "body{}", 6) == 0 && stat(p, &st) == 0 &&
		   (st.st_mode & 0777) == 0644,
	   "nested file written with mode 0644");
	ok(appfiles_write(dir, f, err, sizeof err) < 0, "never overwrites an existing file");
	json_object_put(f);
	/* a symlink planted where a directory should go is not followed */
	snprintf(p, sizeof p, "%s/sub", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/sub/lib", dir);
	ok(symlink("/tmp", p) == 0, "plant a symlink");
	{
		char sub[300];
		snprintf(sub, sizeof sub, "%s/sub", dir);
		f = map1("lib/evil.js", "x");
		ok(appfiles_write(sub, f, err, sizeof err) < 0 && access("/tmp/evil.js", F_OK) != 0,
		   "a symlinked directory is not followed");
		json_object_put(f);
	}
	ok(appfiles_remove_tree(dir, err, sizeof err) == 0 && access(dir, F_OK) != 0 &&
		   access("/tmp", F_OK) == 0,
	   "remove the tree (symlinks removed, not followed)");
	ok(appfiles_remove_tree(dir, err, sizeof err) == 0, "removing a missing tree succeeds");
}

int main(void)
{
	test_paths();
	test_limits();
	test_write();
	return tap_done();
}
