/* privsep.c: the identities of appforge's unprivileged side, the state directory's
 * ownership, and the one way to drop root (see privsep.h). */
#include "privsep.h"
#include "conf.h"
#include "errfmt.h"
#include "secretbox.h"
#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int privsep_lookup(const struct conf *c, struct privsep_ids *ids, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(c->run_as_user);
	struct group *gr;

	if (!pw)
		return errfmt(err, errlen, "user %s does not exist (appforgectl init creates it)",
			      c->run_as_user);
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		return errfmt(err, errlen, "run_as_user %s is root: appforged must not run as root",
			      c->run_as_user);
	ids->uid = pw->pw_uid;
	ids->gid = pw->pw_gid;
	gr = getgrnam(c->socket_group);
	ids->socket_group_found = gr != NULL;
	ids->socket_gid = gr ? gr->gr_gid : pw->pw_gid;
	return 0;
}

/* ---- creating the user ---- */

/* Runs argv (a full path) with no environment beyond PATH, its stdout to /dev/null;
 * 0 when it exits 0, else -1 with the reason in why. */
static int run(char *const argv[], char *why, size_t whylen)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct spawn s;
	int rc;

	spawn_init(&s, argv);
	s.envp = envp;
	s.fd[0] = SPAWN_INHERIT;
	rc = spawn_run(&s, -1, why, whylen);
	if (rc > 0)
		errfmt(why, whylen, "exit status %d", rc);
	return rc == 0 ? 0 : -1;
}

static int add_user(char *name, char *err, size_t errlen)
{
	char why[256];

	if (!getgrnam(name)) {
		char *ga[] = { "/usr/sbin/groupadd", "--system", name, NULL };
		if (run(ga, why, sizeof why) < 0 && !getgrnam(name))
			return errfmt(err, errlen, "groupadd --system %s failed: %s", name, why);
	}
	char *ua[] = { "/usr/sbin/useradd",
		       "--system",
		       "--no-create-home",
		       "--home-dir",
		       "/nonexistent",
		       "--shell",
		       "/usr/sbin/nologin",
		       "--gid",
		       name,
		       name,
		       NULL };
	if (run(ua, why, sizeof why) < 0 && !getpwnam(name))
		return errfmt(err, errlen, "useradd --system %s failed: %s", name, why);
	return 0;
}

int privsep_ensure_user(const struct conf *c, char *err, size_t errlen)
{
	int lock, rc;

	if (getpwnam(c->run_as_user))
		return 0;
	/* Many `appforgectl init` may run at once (the test suite): one adds the user, the
	 * others wait and find it. */
	lock = open("/run/lock/appforge-useradd.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	if (lock < 0)
		lock = open("/tmp/.appforge-useradd.lock",
			    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock >= 0)
		while (flock(lock, LOCK_EX) < 0 && errno == EINTR)
			;
	rc = getpwnam(c->run_as_user) ? 0 : add_user(c->run_as_user, err, errlen);
	if (lock >= 0)
		close(lock);
	return rc;
}

/* ---- ownership ---- */

/* Gives path (a regular file or directory, never a symlink: it is opened O_NOFOLLOW and
 * changed through the descriptor) to uid:gid with mode. A missing path is fine. */
static int own(const char *path, uid_t uid, gid_t gid, mode_t mode, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return errfmt(err, errlen, "open %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
		close(fd);
		return errfmt(err, errlen, "%s is not a regular file or directory", path);
	}
	if ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) < 0) {
		int e = errno;
		close(fd);
		return errfmt(err, errlen, "chown %s: %s", path, strerror(e));
	}
	if ((st.st_mode & 07777) != mode && fchmod(fd, mode) < 0) {
		int e = errno;
		close(fd);
		return errfmt(err, errlen, "chmod %s: %s", path, strerror(e));
	}
	close(fd);
	return 0;
}

static int own_sub(const char *dir, const char *name, uid_t uid, gid_t gid, mode_t mode, char *err,
		   size_t errlen)
{
	char p[4200];
	if ((size_t)snprintf(p, sizeof p, "%s%s", dir, name) >= sizeof p)
		return errfmt(err, errlen, "path too long: %s%s", dir, name);
	return own(p, uid, gid, mode, err, errlen);
}

/* A state directory from before privilege separation holds root's files where
 * appforged now writes. Gives every root-owned entry beneath dirfd to uid:gid, except
 * the contents of each app's data/ (the supervisor's image and lock stay root's), and
 * with gid_only changes the group alone (run logs). Walked with descriptors, never a
 * path, and never through a symlink; a file with several links is left alone, so no
 * link planted by the unprivileged side can make root give away a file of its own. */
static void adopt_tree(int dirfd, uid_t uid, gid_t gid, int gid_only, int level, int max)
{
	DIR *d;
	struct dirent *e;
	int fd = dup(dirfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		int child;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		child = openat(dirfd, e->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0)
			continue;
		if (fstat(child, &st) < 0 || S_ISLNK(st.st_mode)) {
			close(child);
			continue;
		}
		if (st.st_uid == 0 && (S_ISDIR(st.st_mode) || st.st_nlink == 1))
			(void)fchownat(child, "", gid_only ? (uid_t)-1 : uid, gid, AT_EMPTY_PATH);
		close(child);
		/* level 1 is inside an app's directory: its data/ is the supervisor's inside */
		if (!S_ISDIR(st.st_mode) || level >= max ||
		    (level == 1 && strcmp(e->d_name, "data") == 0))
			continue;
		child = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child >= 0) {
			adopt_tree(child, uid, gid, gid_only, level + 1, max);
			close(child);
		}
	}
	closedir(d);
}

/* adopt_tree on a directory given by path (its last component not a symlink). */
static void adopt(const char *dir, const char *sub, uid_t uid, gid_t gid, int gid_only, int max)
{
	char p[4200];
	int fd;

	if ((size_t)snprintf(p, sizeof p, "%s%s", dir, sub) >= sizeof p)
		return;
	fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		adopt_tree(fd, uid, gid, gid_only, 0, max);
		close(fd);
	}
}

int privsep_own_state(const struct conf *c, const struct privsep_ids *ids, char *err, size_t errlen)
{
	uid_t u = ids->uid;
	gid_t g = ids->gid;
	/* nginx's workers only traverse the state directory, to reach the FastCGI socket. */
	mode_t state_mode = ids->socket_group_found ? 0710 : 0700;
	char runlogs[4200], key[4200];

	/* Made here, not by the supervisor: it must be appforge's and setgid from the start. */
	if ((size_t)snprintf(runlogs, sizeof runlogs, "%s/apps", c->log_dir) >= sizeof runlogs)
		return errfmt(err, errlen, "log_dir too long");
	if (mkdir(runlogs, 02750) < 0 && errno != EEXIST)
		return errfmt(err, errlen, "mkdir %s: %s", runlogs, strerror(errno));

	if (secretbox_key_path(c, key, sizeof key) < 0)
		return errfmt(err, errlen, "state_dir too long");
	if (own(c->state_dir, u, ids->socket_gid, state_mode, err, errlen) < 0 ||
	    own(key, u, g, 0600, err, errlen) < 0 || own(c->db_path, u, g, 0600, err, errlen) < 0 ||
	    own_sub(c->db_path, "-wal", u, g, 0600, err, errlen) < 0 ||
	    own_sub(c->db_path, "-shm", u, g, 0600, err, errlen) < 0 ||
	    own(c->jwt_secret_file, u, g, 0600, err, errlen) < 0 ||
	    own(c->openai_key_file, u, g, 0600, err, errlen) < 0 ||
	    own(c->apps_dir, u, g, 0711, err, errlen) < 0 ||
	    own(c->log_dir, u, g, 0750, err, errlen) < 0 ||
	    own_sub(c->log_dir, "/apps", u, g, 02750, err, errlen) < 0 ||
	    own_sub(c->state_dir, "/jobs", u, g, 0700, err, errlen) < 0 ||
	    own_sub(c->socket_path, ".lock", u, g, 0600, err, errlen) < 0)
		return -1;
	/* apps/<id>/{code/...,data}: deep enough for any app tree (appfiles bounds it). */
	adopt(c->apps_dir, "", u, g, 0, 64);
	adopt(c->log_dir, "/apps", u, g, 1, 0);
	adopt(c->state_dir, "/jobs", u, g, 0, 0);
	return 0;
}

int privsep_own_socket(const char *path, const struct privsep_ids *ids, char *err, size_t errlen)
{
	uid_t u = geteuid() == 0 ? ids->uid : (uid_t)-1;

	if (lchown(path, u, ids->socket_gid) < 0)
		return errfmt(err, errlen, "chown %s: %s", path, strerror(errno));
	if (fchmodat(AT_FDCWD, path, 0660, AT_SYMLINK_NOFOLLOW) < 0)
		return errfmt(err, errlen, "chmod %s: %s", path, strerror(errno));
	return 0;
}

/* ---- dropping ---- */

static int cap_last(void)
{
	int last = CAP_LAST_CAP;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

bool privsep_no_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int last = cap_last();

	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	for (int i = 0; i < 2; i++)
		if (d[i].effective || d[i].permitted || d[i].inheritable)
			return false;
	for (int cap = 0; cap <= last; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0 ||
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) > 0)
			return false;
	return true;
}

int privsep_undumpable(char *err, size_t errlen)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return errfmt(err, errlen, "PR_SET_DUMPABLE: %s", strerror(errno));
	return 0;
}

int privsep_drop(const struct privsep_ids *ids, char *err, size_t errlen)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct none[2];
	int last = cap_last();

	/* The bounding set needs CAP_SETPCAP, so it goes first, while we are root. */
	for (int cap = 0; cap <= last; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return errfmt(err, errlen, "PR_CAPBSET_DROP %d: %s", cap, strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return errfmt(err, errlen, "clearing ambient capabilities: %s", strerror(errno));
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return errfmt(err, errlen, "PR_SET_KEEPCAPS: %s", strerror(errno));
	if (setgroups(0, NULL) < 0)
		return errfmt(err, errlen, "setgroups: %s", strerror(errno));
	if (setresgid(ids->gid, ids->gid, ids->gid) < 0)
		return errfmt(err, errlen, "setresgid %d: %s", (int)ids->gid, strerror(errno));
	if (setresuid(ids->uid, ids->uid, ids->uid) < 0)
		return errfmt(err, errlen, "setresuid %d: %s", (int)ids->uid, strerror(errno));
	/* Leaving uid 0 already emptied the permitted and effective sets; inheritable
	 * survives a setuid, so it is cleared explicitly. */
	memset(none, 0, sizeof none);
	if (syscall(SYS_capset, &h, none) < 0)
		return errfmt(err, errlen, "capset: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return errfmt(err, errlen, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	/* Trust, but verify: none of this may be undone. */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || getuid() != ids->uid ||
	    geteuid() != ids->uid || getgid() != ids->gid || getegid() != ids->gid)
		return errfmt(err, errlen, "root could be regained after the drop");
	if (!privsep_no_caps())
		return errfmt(err, errlen, "capabilities left after the drop");
	return 0;
}
