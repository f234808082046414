/* datamount.h: mounting an app's /data file system (data.img, ext4 on a loop device),
 * either once per run inside the sandbox's own mount namespace, or kept mounted between
 * runs in the supervisor's private mount namespace so that a start only binds it.
 *
 * Why keep: attaching a loop device and mounting ext4 was the largest part of a
 * sandbox's setup while the host was busy (medians of 6.6 and 12.8 ms of a start here,
 * under 1 ms when quiet), while a bind costs about 0.1 ms. The
 * kept mounts live only in the supervisor's mount namespace (made at its start, a slave
 * of the host's, so the host never sees them), under a private tmpfs, and at most
 * DATAMOUNT_KEEP_MAX at once (the least recently used one is dropped beyond that). A
 * kept mount is remade when data.img is another file than the one mounted, and
 * dropped when its app is deleted.
 *
 * Errors: -1 with errno set and a message (which names what failed) in err.
 * Not thread-safe: the supervisor's one loop calls the keep functions. */
#ifndef AF_DATAMOUNT_H
#define AF_DATAMOUNT_H

#include <stdbool.h>
#include <stddef.h>

#define DATAMOUNT_KEEP_MAX 64
#define DATAMOUNT_KEEP_ROOT "/run/appforge-data" /* in the supervisor's namespace */
#define DATAMOUNT_LOCK_WAIT_MS 2000              /* for the previous mount's loop device to clear */

/* Attaches img to a free loop device (cleared automatically with its last mount) and
 * mounts it as ext4 on dst, nosuid, nodev, noexec, noatime, errors=remount-ro. An image
 * is mounted once at a time: while another mount of it lives (its loop device holds a
 * lock on the image), this waits up to DATAMOUNT_LOCK_WAIT_MS, then fails with EBUSY. */
int datamount_loop_ext4(const char *img, const char *dst, char *err, size_t errlen);

/* Gives the calling process (the supervisor, root) a mount namespace of its own, a slave
 * of the host's, with a private tmpfs on DATAMOUNT_KEEP_ROOT for the kept mounts. Once,
 * before any datamount_keep_get. */
int datamount_keep_init(char *err, size_t errlen);

/* Where img's file system is kept mounted for app_id (a valid app id): in path, after
 * mounting it there if it is not yet (or if img is no longer the file mounted). */
int datamount_keep_get(const char *app_id, const char *img, char *path, size_t pathlen, char *err,
		       size_t errlen);

/* Mounts img's file system at app_id's kept path (returned in path) without recording
 * it: for a process of the supervisor's (a prepare job, sup_prepare.h), which shares its
 * mount namespace but not its table; the supervisor then records it with
 * datamount_keep_adopt. The path must not hold a mount already. */
int datamount_keep_mount(const char *app_id, const char *img, char *path, size_t pathlen, char *err,
			 size_t errlen);

/* Records the mount another process made with datamount_keep_mount (of img, for app_id)
 * as kept, dropping the least recently used one when full. When img is gone meanwhile,
 * the mount is undone and -1 returned. */
int datamount_keep_adopt(const char *app_id, const char *img, char *err, size_t errlen);

/* Whether app_id's file system is kept mounted. */
bool datamount_keep_has(const char *app_id);

/* Unmounts app_id's kept file system, if any (lazily: a sandbox still running keeps its
 * own bind until it ends). Never fails; nothing happens without datamount_keep_init. */
void datamount_keep_drop(const char *app_id);

/* How many file systems are kept mounted now. */
int datamount_keep_count(void);

#endif
