/* datamount.c: an app's /data file system on a loop device, mounted per run or kept
 * mounted in the supervisor's private namespace between runs (see datamount.h). */
#include "sandbox/datamount.h"
#include "common/errfmt.h"
#include "sandbox/startmarks.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define DATA_MOUNT_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME)

/* A free loop device bound to img (LO_FLAGS_AUTOCLEAR), opened in *loopfd; its path in
 * dev. Retries when another process takes the device we were offered. */
static int loop_attach(int img, char *dev, size_t devlen, int *loopfd, char *err, size_t errlen)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		return errfmt_errno(err, errlen, "open /dev/loop-control");
	for (int tries = 0; tries < 50; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0) {
			errfmt_errno(err, errlen, "LOOP_CTL_GET_FREE");
			break;
		}
		snprintf(dev, devlen, "/dev/loop%d", n);
		int fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) { /* no udev to create the node for us */
			if (mknod(dev, S_IFBLK | 0600, makedev(7, (unsigned)n)) < 0 &&
			    errno != EEXIST) {
				errfmt_errno(err, errlen, "mknod %s", dev);
				break;
			}
			fd = open(dev, O_RDWR | O_CLOEXEC);
		}
		if (fd < 0) {
			errfmt_errno(err, errlen, "open %s", dev);
			break;
		}
		struct loop_config cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.fd = (unsigned)img;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0) {
			close(ctl);
			*loopfd = fd;
			return 0;
		}
		int e = errno;
		close(fd);
		if (e != EBUSY) {
			errno = e;
			errfmt_errno(err, errlen, "LOOP_CONFIGURE %s", dev);
			break;
		}
		errno = EBUSY;
		errfmt_errno(err, errlen, "no free loop device");
	}
	int e = errno;
	close(ctl);
	errno = e;
	return -1;
}

/* One mount of an image at a time, whoever mounts it (a sandbox, the supervisor's kept
 * mounts, another process): ext4 mounted twice through two loop devices would be
 * corrupted. The lock is on this open file, which the loop device holds until it is
 * cleared after the last unmount (asynchronously: hence the short wait). */
static int lock_image(int fd, const char *img, char *err, size_t errlen)
{
	struct timespec step = { 0, 2 * 1000 * 1000 };

	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 2) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return errfmt_errno(err, errlen, "lock %s", img);
		if (waited >= DATAMOUNT_LOCK_WAIT_MS) {
			errno = EBUSY;
			return errfmt_errno(err, errlen,
					    "%s is mounted already (by another sandbox "
					    "or process)",
					    img);
		}
		nanosleep(&step, NULL);
	}
	return 0;
}

int datamount_loop_ext4(const char *img, const char *dst, char *err, size_t errlen)
{
	char dev[64];
	int loopfd = -1, rc = 0;
	int fd = open(img, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errfmt_errno(err, errlen, "open %s", img);
	if (lock_image(fd, img, err, errlen) < 0 ||
	    loop_attach(fd, dev, sizeof dev, &loopfd, err, errlen) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (mount(dev, dst, "ext4", DATA_MOUNT_FLAGS, "errors=remount-ro") < 0)
		rc = errfmt_errno(err, errlen, "mount %s (ext4) on %s", img, dst);
	/* Mounted, the loop device lives on with the mount; unmounted (or never), closing
	 * our descriptor lets autoclear release it. */
	int e = errno;
	close(loopfd);
	close(fd);
	errno = e;
	return rc;
}

/* ---- kept mounts: the supervisor's ---- */

struct kept {
	char app_id[64];
	dev_t dev; /* data.img's identity when it was mounted */
	ino_t ino;
	int64_t used; /* startmark_now() of the last get: the LRU order */
};

static struct kept kept[DATAMOUNT_KEEP_MAX];
static int nkept;
static int keep_ready;

int datamount_keep_init(char *err, size_t errlen)
{
	if (keep_ready)
		return 0;
	if (mkdir(DATAMOUNT_KEEP_ROOT, 0700) < 0 && errno != EEXIST)
		return errfmt_errno(err, errlen, "mkdir %s", DATAMOUNT_KEEP_ROOT);
	if (unshare(CLONE_NEWNS) < 0)
		return errfmt_errno(err, errlen, "unshare(CLONE_NEWNS)");
	/* Slave: the host's later mounts still reach us, ours never reach the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return errfmt_errno(err, errlen, "make / a slave mount");
	if (mount("tmpfs", DATAMOUNT_KEEP_ROOT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=64k,mode=0700") < 0)
		return errfmt_errno(err, errlen, "mount tmpfs on %s", DATAMOUNT_KEEP_ROOT);
	if (mount(NULL, DATAMOUNT_KEEP_ROOT, NULL, MS_PRIVATE, NULL) < 0)
		return errfmt_errno(err, errlen, "make %s private", DATAMOUNT_KEEP_ROOT);
	keep_ready = 1;
	return 0;
}

static void keep_path(const char *app_id, char *path, size_t pathlen)
{
	snprintf(path, pathlen, DATAMOUNT_KEEP_ROOT "/%s", app_id);
}

static void unkeep(int i)
{
	char path[sizeof DATAMOUNT_KEEP_ROOT + 72];

	keep_path(kept[i].app_id, path, sizeof path);
	(void)umount2(path, MNT_DETACH);
	(void)rmdir(path);
	kept[i] = kept[--nkept];
}

static int find_kept(const char *app_id)
{
	for (int i = 0; i < nkept; i++)
		if (strcmp(kept[i].app_id, app_id) == 0)
			return i;
	return -1;
}

/* Makes room for one more: drops the least recently used kept mount when full. */
static void make_room(void)
{
	int lru = 0;

	if (nkept < DATAMOUNT_KEEP_MAX)
		return;
	for (int i = 1; i < nkept; i++)
		if (kept[i].used < kept[lru].used)
			lru = i;
	unkeep(lru);
}

/* The checks every keep function makes: set up, a plain app id, room for the path. */
static int keep_args(const char *app_id, size_t pathlen, char *err, size_t errlen)
{
	if (!keep_ready) {
		errno = EINVAL;
		return errfmt_errno(err, errlen, "kept data mounts are not set up");
	}
	if (strlen(app_id) >= sizeof kept[0].app_id || strchr(app_id, '/') || app_id[0] == '.' ||
	    pathlen < sizeof DATAMOUNT_KEEP_ROOT + 72) {
		errno = EINVAL;
		return errfmt_errno(err, errlen, "bad app id or path buffer for a kept data mount");
	}
	return 0;
}

/* Records app_id's kept mount of the image st describes (make_room first). */
static void record(const char *app_id, const struct stat *st)
{
	struct kept *k = &kept[nkept++];
	snprintf(k->app_id, sizeof k->app_id, "%s", app_id);
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->used = startmark_now();
}

int datamount_keep_mount(const char *app_id, const char *img, char *path, size_t pathlen, char *err,
			 size_t errlen)
{
	if (keep_args(app_id, pathlen, err, errlen) < 0)
		return -1;
	keep_path(app_id, path, pathlen);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return errfmt_errno(err, errlen, "mkdir %s", path);
	if (datamount_loop_ext4(img, path, err, errlen) < 0) {
		int e = errno;
		rmdir(path);
		errno = e;
		return -1;
	}
	return 0;
}

int datamount_keep_get(const char *app_id, const char *img, char *path, size_t pathlen, char *err,
		       size_t errlen)
{
	struct stat st;

	if (keep_args(app_id, pathlen, err, errlen) < 0)
		return -1;
	if (stat(img, &st) < 0)
		return errfmt_errno(err, errlen, "stat %s", img);
	keep_path(app_id, path, pathlen);
	int i = find_kept(app_id);
	if (i >= 0 && kept[i].dev == st.st_dev && kept[i].ino == st.st_ino) {
		kept[i].used = startmark_now();
		return 0;
	}
	if (i >= 0)
		unkeep(i); /* data.img was replaced: mount the new one */
	make_room();
	if (datamount_keep_mount(app_id, img, path, pathlen, err, errlen) < 0)
		return -1;
	record(app_id, &st);
	return 0;
}

int datamount_keep_adopt(const char *app_id, const char *img, char *err, size_t errlen)
{
	char path[sizeof DATAMOUNT_KEEP_ROOT + 72];
	struct stat st;

	if (keep_args(app_id, sizeof path, err, errlen) < 0)
		return -1;
	if (stat(img, &st) < 0) {
		int e = errno;
		keep_path(app_id, path, sizeof path);
		(void)umount2(path, MNT_DETACH);
		(void)rmdir(path);
		errno = e;
		return errfmt_errno(err, errlen, "stat %s", img);
	}
	int i = find_kept(app_id);
	if (i >= 0)
		kept[i] = kept[--nkept]; /* the mount at its path is the new one now */
	make_room();
	record(app_id, &st);
	return 0;
}

bool datamount_keep_has(const char *app_id)
{
	return keep_ready && app_id && find_kept(app_id) >= 0;
}

void datamount_keep_drop(const char *app_id)
{
	int i = keep_ready && app_id ? find_kept(app_id) : -1;

	if (i >= 0)
		unkeep(i);
}

int datamount_keep_count(void)
{
	return nkept;
}
