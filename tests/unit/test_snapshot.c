/* test_snapshot.c: the data snapshots on disk (sandbox/snapshot.h) in a temporary
 * apps_dir: a copy keeps the image's bytes and holes, is root-only, goes through a
 * temporary name; a held data lock is SNAP_BUSY; an image over the bound is not copied;
 * a restore brings the bytes back; the sweep keeps only the images it is told to; and
 * no symbolic link in the layout is followed (nothing is written or read outside). */
#include "tap.h"
#include "sandbox/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define APP "aaaabbbbccccdddd"
#define MIB (1024L * 1024)

static char root[64], apps[128], err[512];

static void path_of(char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s/%s/%s", apps, APP, rel);
}

/* Writes text at offset off of the file rel (created sparse, size bytes). */
static void write_at(const char *rel, off_t size, off_t off, const char *text)
{
	char p[256];
	int fd;

	path_of(p, sizeof p, rel);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, size) < 0 || pwrite(fd, text, strlen(text), off) < 0)
		printf("# write %s: %s\n", p, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* The bytes of rel at off, as a string of n bytes ("" when unreadable). */
static const char *read_at(const char *rel, off_t off, size_t n)
{
	static char buf[64];
	char p[256];
	int fd;
	ssize_t r = -1;

	path_of(p, sizeof p, rel);
	memset(buf, 0, sizeof buf);
	fd = open(p, O_RDONLY);
	if (fd >= 0) {
		r = pread(fd, buf, n < sizeof buf ? n : sizeof buf - 1, off);
		close(fd);
	}
	if (r < 0)
		buf[0] = 0;
	return buf;
}

static int exists(const char *rel)
{
	char p[256];
	struct stat st;

	path_of(p, sizeof p, rel);
	return lstat(p, &st) == 0;
}

static void test_take_restore(void)
{
	char p[256];
	struct stat st, dst;
	long long bytes = 0;
	int lock;

	write_at("data/data.img", 16 * MIB, 0, "first block");
	write_at("data/data.img", 16 * MIB, 8 * MIB, "middle");
	write_at("data/data.img.tmp", 16 * MIB, 0, "half a restore");
	ok(snapshot_take(apps, APP, 3, 1 << 30, &bytes, err, sizeof err) == 0,
	   "take revision 3 (%s)", err);
	ok(!exists("data/data.img.tmp"), "a restore's copy left by a crash is removed");
	path_of(p, sizeof p, "snapshots/3.img");
	ok(stat(p, &st) == 0 && st.st_size == 16 * MIB && S_ISREG(st.st_mode) &&
		   (st.st_mode & 07777) == 0600,
	   "snapshots/3.img: the image's size, mode 0600");
	ok(st.st_blocks * 512 < 2 * MIB && bytes == (long long)st.st_blocks * 512,
	   "holes stay holes: %lld bytes on disk for 16 MiB", bytes);
	ok(strcmp(read_at("snapshots/3.img", 0, 11), "first block") == 0 &&
		   strcmp(read_at("snapshots/3.img", 8 * MIB, 6), "middle") == 0,
	   "the bytes are the image's");
	path_of(p, sizeof p, "snapshots");
	ok(stat(p, &dst) == 0 && (dst.st_mode & 07777) == 0700 && dst.st_uid == getuid(),
	   "snapshots/ is 0700 and belongs to the app directory's owner");
	ok(!exists("snapshots/3.img.tmp"), "no temporary copy is left");

	ok(snapshot_take(apps, APP, 4, 4096, &bytes, err, sizeof err) == SNAP_TOO_BIG &&
		   !exists("snapshots/4.img") && !exists("snapshots/4.img.tmp"),
	   "an image over the bound: SNAP_TOO_BIG, nothing written");

	write_at("data/data.img", 16 * MIB, 0, "CHANGED!!!!");
	ok(snapshot_restore(apps, APP, 3, err, sizeof err) == 0 &&
		   strcmp(read_at("data/data.img", 0, 11), "first block") == 0 &&
		   strcmp(read_at("data/data.img", 8 * MIB, 6), "middle") == 0 &&
		   !exists("data/data.img.tmp"),
	   "restore 3: the image's bytes are back, no temporary left (%s)", err);
	ok(snapshot_restore(apps, APP, 9, err, sizeof err) == SNAP_NONE,
	   "restore of a missing snapshot: SNAP_NONE");

	path_of(p, sizeof p, "data/lock");
	lock = open(p, O_RDWR | O_CREAT, 0600);
	ok(lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0, "a run holds the data lock");
	ok(snapshot_take(apps, APP, 5, 1 << 30, &bytes, err, sizeof err) == SNAP_BUSY &&
		   !exists("snapshots/5.img"),
	   "take while it is held: SNAP_BUSY, nothing copied");
	ok(snapshot_restore(apps, APP, 3, err, sizeof err) == SNAP_BUSY &&
		   strcmp(read_at("data/data.img", 0, 11), "first block") == 0,
	   "restore while it is held: SNAP_BUSY");
	if (lock >= 0)
		close(lock);

	ok(snapshot_take(apps, "eeeeffffgggghhhh", 1, 1 << 30, &bytes, err, sizeof err) ==
		   SNAP_NONE,
	   "an app without a directory: SNAP_NONE");
	ok(snapshot_take(apps, "../" APP, 1, 1 << 30, &bytes, err, sizeof err) < 0 &&
		   snapshot_restore(apps, "..", 1, err, sizeof err) < 0,
	   "an app id that is no id: refused");
	ok(snapshot_take(apps, APP, 0, 1 << 30, &bytes, err, sizeof err) < 0,
	   "revision 0: refused");
}

static void test_sweep(void)
{
	static const char *const junk[] = { "3.img.tmp", "7.img", "03.img", "junk", "8.img.tmp" };
	long long keep[] = { 3 };
	int gone = 1;

	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "snapshots/%s", junk[i]);
		write_at(rel, 10, 0, "x");
	}
	ok(snapshot_sweep(apps, APP, keep, 1, err, sizeof err) == 5,
	   "the sweep removes 5 files (%s)", err);
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "snapshots/%s", junk[i]);
		gone &= !exists(rel);
	}
	ok(gone && exists("snapshots/3.img"),
	   "leftover copies, unkept images and strays are gone; 3.img stays");
	ok(snapshot_sweep(apps, "eeeeffffgggghhhh", keep, 1, err, sizeof err) == 0,
	   "an app without snapshots: 0");
}

/* Links planted by whoever can write the app's directory lead nowhere. */
static void test_links(void)
{
	char p[256], outside[128], q[256];
	long long keep[] = { 1 }, bytes = 0;
	struct stat st;

	snprintf(outside, sizeof outside, "%s/outside", root);
	mkdir(outside, 0700);
	snprintf(q, sizeof q, "%s/9.img", outside);
	close(open(q, O_WRONLY | O_CREAT, 0600));
	path_of(p, sizeof p, "snapshots");
	snprintf(q, sizeof q, "%s/snapshots.real", root);
	if (rename(p, q) < 0)
		printf("# rename %s: %s\n", p, strerror(errno));
	ok(symlink(outside, p) == 0, "snapshots/ replaced by a link to a directory outside");
	ok(snapshot_take(apps, APP, 6, 1 << 30, &bytes, err, sizeof err) < 0, "take: refused (%s)",
	   err);
	snprintf(q, sizeof q, "%s/6.img", outside);
	ok(stat(q, &st) < 0, "nothing was written through the link");
	ok(snapshot_sweep(apps, APP, keep, 1, err, sizeof err) < 0, "sweep: refused");
	snprintf(q, sizeof q, "%s/9.img", outside);
	ok(stat(q, &st) == 0, "nothing was removed through the link");
	ok(snapshot_restore(apps, APP, 3, err, sizeof err) < 0, "restore: refused");
	unlink(p);

	path_of(p, sizeof p, "data/data.img");
	unlink(p);
	snprintf(q, sizeof q, "%s/secret", outside);
	close(open(q, O_WRONLY | O_CREAT, 0600));
	ok(symlink(q, p) == 0, "data.img replaced by a link to a file outside");
	ok(snapshot_take(apps, APP, 7, 1 << 30, &bytes, err, sizeof err) < 0 &&
		   !exists("snapshots/7.img"),
	   "take: refused, nothing copied (%s)", err);
}

int main(void)
{
	char p[256];

	snprintf(root, sizeof root, "/tmp/af-test-snap-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(apps, sizeof apps, "%s/apps", root);
	mkdir(apps, 0711);
	path_of(p, sizeof p, "");
	mkdir(p, 0711);
	path_of(p, sizeof p, "data");
	mkdir(p, 0700);
	test_take_restore();
	test_sweep();
	test_links();
	snprintf(p, sizeof p, "rm -rf '%s'", root);
	if (system(p) != 0)
		printf("# %s failed\n", p);
	return tap_done();
}
