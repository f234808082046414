/* snapshot.h: the snapshots of an app's data image on disk, the one owner of that part
 * of the layout:
 *   apps_dir/<id>/data/data.img          the image the sandbox mounts as /data
 *   apps_dir/<id>/data/lock              flock'ed by a run of the app (sandbox.c)
 *   apps_dir/<id>/snapshots/<n>.img      the image as it was when revision n was made
 *   apps_dir/<id>/snapshots/<n>.img.tmp  a copy being written (never read)
 * Only root (appforge-supervisor) calls these: the images are root's, mode 0600, as
 * data.img is. snapshots/ is mode 0700 and belongs to the owner of apps_dir/<id>
 * (appforged's user), so that deleting the app's directory removes it without root.
 *
 * Every path is walked from apps_dir one component at a time without following a
 * symbolic link (the directories below apps_dir are writable by appforged's user, who
 * must not be able to steer root's writes or deletions elsewhere). A copy is written to
 * its .tmp name, fsync'ed, renamed and the directory fsync'ed: a crash leaves the old
 * file or the new one under the final name, never half of one; a leftover .tmp is
 * removed by the next snapshot_sweep (data/data.img.tmp, a restore's, by the next
 * snapshot_take). Copies are reflinks where the file system can
 * (FICLONE), else sparse copies (sandbox_image_copy).
 *
 * Error convention: 0 done, SNAP_BUSY (the app's data lock is held: it runs),
 * SNAP_NONE (no data image / no such snapshot), SNAP_TOO_BIG (the image takes more
 * than the caller allows), -1 with err. */
#ifndef AF_SNAPSHOT_H
#define AF_SNAPSHOT_H

#include <stddef.h>

enum { SNAP_BUSY = 1, SNAP_NONE = 2, SNAP_TOO_BIG = 3 };

/* Copies data.img to snapshots/<rev>.img (replacing one there), unless the image takes
 * more than max_bytes on disk (SNAP_TOO_BIG: its copy would be over the app's budget
 * at once; *bytes says how much). *bytes: the space the copy takes on disk. */
int snapshot_take(const char *apps_dir, const char *app_id, long long rev, long long max_bytes,
		  long long *bytes, char *err, size_t errlen);

/* Replaces data.img by a copy of snapshots/<rev>.img, in one rename. */
int snapshot_restore(const char *apps_dir, const char *app_id, long long rev, char *err,
		     size_t errlen);

/* Removes from snapshots/ every file but the images of the revisions keep[0..nkeep):
 * leftover .tmp copies, pruned images, anything else. How many were removed (0 when the
 * app has no snapshots/), or -1 with err. */
int snapshot_sweep(const char *apps_dir, const char *app_id, const long long *keep, size_t nkeep,
		   char *err, size_t errlen);

#endif
