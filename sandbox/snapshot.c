/* snapshot.c: the app's data image snapshots on disk (see snapshot.h). */
#include "sandbox/snapshot.h"
#include "sandbox/sandbox.h"
#include "common/errfmt.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMG "data.img"
#define SNAPDIR "snapshots"
#define REV_MAX 999999999LL

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

#define cleanup_fd __attribute__((cleanup(close_fd)))

/* A directory under dirfd, never through a symbolic link; -1 with errno. */
static int open_dir_at(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* apps_dir/<id>: its descriptor, or -1 (errno ENOENT: the app has no directory). */
static int open_app(const char *apps_dir, const char *app_id)
{
	int base cleanup_fd = open(apps_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (base < 0)
		return -1;
	if (!id_valid_app(app_id)) { /* the one rule; checked at the edge (supproto.c) too */
		errno = EINVAL;
		return -1;
	}
	return open_dir_at(base, app_id);
}

/* snapshots/ under the app's directory, made (mode 0700, owned like the app's
 * directory) when create and missing. -1 with errno. */
static int open_snapdir(int appfd, bool create)
{
	struct stat st;
	int fd = open_dir_at(appfd, SNAPDIR);

	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if (fstat(appfd, &st) < 0 || (mkdirat(appfd, SNAPDIR, 0700) < 0 && errno != EEXIST))
		return -1;
	fd = open_dir_at(appfd, SNAPDIR);
	if (fd >= 0 && fchown(fd, st.st_uid, st.st_gid) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Holds data/lock (flock, not waiting) as a run of the app does: the lock's descriptor,
 * -2 when a run holds it, -1 with errno. */
static int lock_data(int datafd)
{
	int fd = openat(datafd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return e == EWOULDBLOCK ? -2 : -1;
	}
	return fd;
}

/* Copies the regular file sname in sdir to dname in ddir through dname.tmp: written,
 * fsync'ed, renamed, directory fsync'ed. *bytes (may be NULL): the copy's blocks.
 * SNAP_NONE when sname does not exist, SNAP_TOO_BIG when it takes more than max_bytes
 * (< 0: no bound). */
static int copy_file(int sdir, const char *sname, int ddir, const char *dname, long long max_bytes,
		     long long *bytes, char *err, size_t errlen)
{
	char tmp[64];
	struct stat st;
	int in cleanup_fd = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC),
	       out cleanup_fd = -1;

	if (in < 0 && errno == ENOENT)
		return SNAP_NONE;
	if (in < 0 || fstat(in, &st) < 0)
		return errfmt(err, errlen, "open %s: %s", sname, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return errfmt(err, errlen, "%s is not a regular file", sname);
	if (bytes)
		*bytes = (long long)st.st_blocks * 512;
	if (max_bytes >= 0 && (long long)st.st_blocks * 512 > max_bytes)
		return SNAP_TOO_BIG;
	snprintf(tmp, sizeof tmp, "%s.tmp", dname);
	if (unlinkat(ddir, tmp, 0) < 0 && errno != ENOENT)
		return errfmt(err, errlen, "remove %s: %s", tmp, strerror(errno));
	out = openat(ddir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return errfmt(err, errlen, "create %s: %s", tmp, strerror(errno));
	if (sandbox_image_copy(in, out, err, errlen) < 0) {
		unlinkat(ddir, tmp, 0);
		return -1;
	}
	if (fsync(out) < 0 || fstat(out, &st) < 0 || renameat(ddir, tmp, ddir, dname) < 0 ||
	    fsync(ddir) < 0) {
		errfmt(err, errlen, "write %s: %s", dname, strerror(errno));
		unlinkat(ddir, tmp, 0);
		return -1;
	}
	if (bytes)
		*bytes = (long long)st.st_blocks * 512;
	return 0;
}

static void snap_name(char *out, size_t outlen, long long rev)
{
	snprintf(out, outlen, "%lld.img", rev);
}

int snapshot_take(const char *apps_dir, const char *app_id, long long rev, long long max_bytes,
		  long long *bytes, char *err, size_t errlen)
{
	char name[32];
	int app cleanup_fd = open_app(apps_dir, app_id), data cleanup_fd = -1;
	int lock cleanup_fd = -1, snaps cleanup_fd = -1;

	if (rev < 1 || rev > REV_MAX)
		return errfmt(err, errlen, "revision %lld out of bounds", rev);
	if (app < 0 && errno == ENOENT)
		return SNAP_NONE;
	if (app >= 0)
		data = open_dir_at(app, "data");
	if (data < 0 && errno == ENOENT)
		return SNAP_NONE;
	if (data < 0)
		return errfmt(err, errlen, "app %s: %s", app_id, strerror(errno));
	if ((lock = lock_data(data)) == -2)
		return SNAP_BUSY;
	if (lock < 0 || (snaps = open_snapdir(app, true)) < 0)
		return errfmt(err, errlen, "app %s: lock or snapshots/: %s", app_id,
			      strerror(errno));
	/* a restore's copy that a crash left behind (never read: only renamed when whole) */
	unlinkat(data, IMG ".tmp", 0);
	snap_name(name, sizeof name, rev);
	return copy_file(data, IMG, snaps, name, max_bytes, bytes, err, errlen);
}

int snapshot_restore(const char *apps_dir, const char *app_id, long long rev, char *err,
		     size_t errlen)
{
	char name[32];
	int app cleanup_fd = open_app(apps_dir, app_id), data cleanup_fd = -1;
	int lock cleanup_fd = -1, snaps cleanup_fd = -1;

	if (rev < 1 || rev > REV_MAX)
		return errfmt(err, errlen, "revision %lld out of bounds", rev);
	if (app >= 0)
		snaps = open_snapdir(app, false);
	if (snaps < 0 && errno == ENOENT)
		return SNAP_NONE;
	if (snaps < 0 || (data = open_dir_at(app, "data")) < 0)
		return errfmt(err, errlen, "app %s: %s", app_id, strerror(errno));
	if ((lock = lock_data(data)) == -2)
		return SNAP_BUSY;
	if (lock < 0)
		return errfmt(err, errlen, "app %s: data lock: %s", app_id, strerror(errno));
	snap_name(name, sizeof name, rev);
	return copy_file(snaps, name, data, IMG, -1, NULL, err, errlen);
}

/* The revision a snapshot's file name holds ("<n>.img" exactly), or 0. */
static long long name_rev(const char *name)
{
	long long n = 0;
	const char *p = name;

	if (*p < '1' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9' && n <= REV_MAX; p++)
		n = n * 10 + (*p - '0');
	return n <= REV_MAX && strcmp(p, ".img") == 0 ? n : 0;
}

static bool kept(long long n, const long long *keep, size_t nkeep)
{
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] == n)
			return true;
	return false;
}

int snapshot_sweep(const char *apps_dir, const char *app_id, const long long *keep, size_t nkeep,
		   char *err, size_t errlen)
{
	int app cleanup_fd = open_app(apps_dir, app_id), snaps = -1, removed = 0;
	struct dirent *e;
	DIR *d;

	if (app >= 0)
		snaps = open_snapdir(app, false);
	if (snaps < 0)
		return errno == ENOENT ? 0
				       : errfmt(err, errlen, "app %s: snapshots/: %s", app_id,
						strerror(errno));
	if (!(d = fdopendir(snaps))) {
		close(snaps);
		return errfmt(err, errlen, "app %s: snapshots/: %s", app_id, strerror(errno));
	}
	while ((e = readdir(d))) {
		long long n = name_rev(e->d_name);
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (n > 0 && kept(n, keep, nkeep)))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			removed++;
	}
	if (removed)
		fsync(dirfd(d));
	closedir(d);
	return removed;
}
