/* test_applayout.c: an app's paths outside the database and their purge. */
#include "tap.h"
#include "applayout.h"
#include "conf.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ID "abcdefgh12345678"

static void touch(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	char base[] = "/tmp/af-test-layout.XXXXXX", apps[PATH_MAX], logs[PATH_MAX], p[PATH_MAX];
	char err[512], small[8];
	struct conf c;
	struct stat st;

	if (!mkdtemp(base)) {
		skip("mkdtemp failed");
		return tap_done();
	}
	memset(&c, 0, sizeof c);
	snprintf(apps, sizeof apps, "%s/apps", base);
	snprintf(logs, sizeof logs, "%s/log", base);
	c.state_dir = base;
	c.apps_dir = apps;
	c.log_dir = logs;

	ok(applayout_path(&c, ID, APP_PATH_CODE, p, sizeof p) == 0 &&
		   strcmp(p + strlen(base), "/apps/" ID "/code") == 0,
	   "code path (%s)", p);
	ok(applayout_path(&c, ID, APP_PATH_CODE_SUM, p, sizeof p) == 0 &&
		   strcmp(p + strlen(base), "/apps/" ID "/code.sum") == 0,
	   "code stamp path");
	ok(applayout_path(&c, ID, APP_PATH_DATA, p, sizeof p) == 0 &&
		   strcmp(p + strlen(base), "/apps/" ID "/data") == 0,
	   "data path");
	ok(applayout_path(&c, ID, APP_PATH_LOG_OLD, p, sizeof p) == 0 &&
		   strcmp(p + strlen(base), "/log/apps/" ID ".log.1") == 0,
	   "rotated log path");
	ok(applayout_path(&c, ID, APP_PATH_JOB_LOCK, p, sizeof p) == 0 &&
		   strcmp(p + strlen(base), "/jobs/" ID ".lock") == 0,
	   "job lock path");
	ok(applayout_dir(&c, APP_DIR_LOGS, p, sizeof p) == 0 &&
		   strcmp(p + strlen(base), "/log/apps") == 0,
	   "shared logs dir");
	ok(applayout_path(&c, ID, APP_PATH_DIR, small, sizeof small) == -1,
	   "a path that does not fit");

	ok(applayout_purge(&c, ID, err, sizeof err) == 0, "purge of an app that left nothing");
	mkdir(apps, 0700);
	applayout_path(&c, ID, APP_PATH_DIR, p, sizeof p);
	mkdir(p, 0700);
	applayout_path(&c, ID, APP_PATH_CODE, p, sizeof p);
	mkdir(p, 0700);
	strcat(p, "/server.js");
	touch(p);
	mkdir(logs, 0700);
	applayout_dir(&c, APP_DIR_LOGS, p, sizeof p);
	mkdir(p, 0700);
	applayout_dir(&c, APP_DIR_JOBS, p, sizeof p);
	mkdir(p, 0700);
	enum app_path files[] = { APP_PATH_LOG, APP_PATH_LOG_OLD, APP_PATH_JOB_LOCK };
	for (size_t i = 0; i < 3; i++) {
		applayout_path(&c, ID, files[i], p, sizeof p);
		touch(p);
	}
	ok(applayout_purge(&c, ID, err, sizeof err) == 0, "purge (%s)", err);
	int left = 0;
	enum app_path all[] = { APP_PATH_DIR, APP_PATH_LOG, APP_PATH_LOG_OLD, APP_PATH_JOB_LOCK };
	for (size_t i = 0; i < 4; i++) {
		applayout_path(&c, ID, all[i], p, sizeof p);
		left += lstat(p, &st) == 0;
	}
	ok(left == 0, "directory, logs and job lock gone (%d left)", left);

	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf %s", base);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", base);
	return tap_done();
}
