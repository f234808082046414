/* sandbox_image.c: the app's data image: DATA_DIR/data.img, an ext4 file system that is
 * the app's disk quota, made by mkfs.ext4 or as a sparse copy of an empty image cached
 * once per size. Runs in the parent (root), before the clone. Also the one copy of an
 * image, sandbox_image_copy (sandbox.h), which snapshots use too (snapshot.h). */
#include "sandbox/sandbox_internal.h"
#include "common/errfmt.h"
#include "common/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* Runs argv (a full path) with only PATH in its environment, stdin and stdout
 * /dev/null (stderr kept for its message), for at most a minute (a stuck tool must not
 * hold the supervisor's loop). 0 when it exits 0, else -1 with err. */
static int run_tool(char *const argv[], char *err, size_t errlen)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct spawn s;
	int rc;

	spawn_init(&s, argv);
	s.envp = envp;
	rc = spawn_run(&s, 60000, err, errlen);
	if (rc > 0)
		return errfmt(err, errlen, "%s failed (exit status %d)", argv[0], rc);
	return rc;
}

/* mkfs.ext4 of data_mb on path (a new file); owner as "root_owner=U:G". */
static int make_ext4(const char *path, long data_mb, const char *owner, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errfmt(err, errlen, "create %s: %s", path, strerror(errno));
	if (ftruncate(fd, (off_t)data_mb << 20) < 0) {
		int e = errno;
		close(fd);
		unlink(path);
		return errfmt(err, errlen, "size %s: %s", path, strerror(e));
	}
	close(fd);
	const char *mkfs = access("/usr/sbin/mkfs.ext4", X_OK) == 0 ? "/usr/sbin/mkfs.ext4"
								    : "/sbin/mkfs.ext4";
	char *argv[] = { (char *)mkfs, "-q",          "-F",         "-m", "0",
			 "-E",         (char *)owner, (char *)path, NULL };
	if (run_tool(argv, err, errlen) < 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

/* FICLONE: one call where the file system shares extents (btrfs, xfs); ext4 answers
 * EOPNOTSUPP, and a failed clone leaves out as it was, so the sparse copy follows:
 * holes kept, the data extents copied in the kernel by copy_file_range. */
int sandbox_image_copy(int in, int out, char *err, size_t errlen)
{
	struct stat st;
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
		return errfmt(err, errlen, "copy: the source is not a regular file");
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	if (ftruncate(out, st.st_size) < 0)
		return errfmt(err, errlen, "copy: size: %s", strerror(errno));
	off_t pos = 0;
	while (pos < st.st_size) {
		off_t data = lseek(in, pos, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break; /* only a hole is left */
		off_t hole = data < 0 ? -1 : lseek(in, data, SEEK_HOLE);
		if (data < 0 || hole < 0)
			return errfmt(err, errlen, "copy: seek: %s", strerror(errno));
		off_t a = data, b = data;
		while (a < hole) {
			ssize_t n = copy_file_range(in, &a, out, &b, (size_t)(hole - a), 0);
			if (n <= 0)
				return errfmt(err, errlen, "copy: %s",
					      n < 0 ? strerror(errno) : "unexpected end");
		}
		pos = hole;
	}
	return 0;
}

/* Copies the regular file src to the new file dst (sandbox_image_copy). */
static int sparse_copy(const char *src, const char *dst, char *err, size_t errlen)
{
	int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), out = -1, rc = -1;
	if (in < 0) {
		errfmt(err, errlen, "open %s: %s", src, strerror(errno));
		goto done;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0) {
		errfmt(err, errlen, "create %s: %s", dst, strerror(errno));
		goto done;
	}
	rc = sandbox_image_copy(in, out, err, errlen);
done:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && rc == 0)
		rc = errfmt(err, errlen, "close %s: %s", dst, strerror(errno));
	if (rc < 0 && out >= 0)
		unlink(dst);
	return rc;
}

/* The empty image of data_mb in the cache, made once (mkfs to a unique name, then a
 * rename, so concurrent makers never see half of one). Its root belongs to root: the
 * first mount hands the file system to the app's uid (mount_data). */
static int cached_image(const char *cache, long data_mb, char *out, size_t outlen, char *err,
			size_t errlen)
{
	struct stat st;
	if ((size_t)snprintf(out, outlen, "%s/data-ext4-v1-%ldm.img", cache, data_mb) >= outlen)
		return errfmt(err, errlen, "image cache path too long");
	if (lstat(out, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == (off_t)data_mb << 20)
		return 0;
	if (mkdir(cache, 0700) < 0 && errno != EEXIST)
		return errfmt(err, errlen, "mkdir %s: %s", cache, strerror(errno));
	char tmp[PATH_MAX + 64];
	snprintf(tmp, sizeof tmp, "%s.%d.new", out, (int)getpid());
	unlink(tmp);
	if (make_ext4(tmp, data_mb, "root_owner=0:0", err, errlen) < 0)
		return -1;
	if (rename(tmp, out) < 0) {
		unlink(tmp);
		return errfmt(err, errlen, "rename %s: %s", out, strerror(errno));
	}
	return 0;
}

/* Makes data_dir/data.img (an ext4 file system of data_mb) unless it exists. The image
 * is the quota: the app can fill it and get ENOSPC, never the host's disk. With an
 * image cache it is a sparse copy of the cached empty image (about 1 ms instead of a
 * 10-60 ms mkfs.ext4); the copies share the file system UUID, which ext4 ignores. */
int sandbox_ensure_image(const char *data_dir, const struct sandbox_spec *spec, char *img,
			 size_t imglen, char *err, size_t errlen)
{
	if ((size_t)snprintf(img, imglen, "%s/data.img", data_dir) >= imglen)
		return errfmt(err, errlen, "data dir path too long");
	struct stat st;
	if (lstat(img, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return errfmt(err, errlen, "%s is not a regular file", img);
		return 0;
	}
	char tmp[PATH_MAX + 16];
	snprintf(tmp, sizeof tmp, "%s.new", img);
	unlink(tmp);
	if (spec->image_cache) {
		char tpl[PATH_MAX];
		if (cached_image(spec->image_cache, spec->lim.data_mb, tpl, sizeof tpl, err,
				 errlen) < 0 ||
		    sparse_copy(tpl, tmp, err, errlen) < 0)
			return -1;
	} else {
		char owner[64];
		snprintf(owner, sizeof owner, "root_owner=%u:%u", (unsigned)spec->uid,
			 (unsigned)spec->gid);
		if (make_ext4(tmp, spec->lim.data_mb, owner, err, errlen) < 0)
			return -1;
	}
	if (rename(tmp, img) < 0) {
		unlink(tmp);
		return errfmt(err, errlen, "rename %s: %s", img, strerror(errno));
	}
	return 0;
}
