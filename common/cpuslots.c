/* cpuslots.c: slots for expensive work as record locks in one file (see cpuslots.h). */
#include "cpuslots.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int lock_fd = -1;
static int limit[CPUSLOT__COUNT];

int cpuslots_open(const char *path, const int limits[CPUSLOT__COUNT], char *err, size_t errlen)
{
	for (int c = 0; c < CPUSLOT__COUNT; c++)
		if (limits[c] < 1 || limits[c] > CPUSLOTS_MAX) {
			snprintf(err, errlen, "cpu slots: limit %d out of range", limits[c]);
			return -1;
		}
	if (lock_fd >= 0) {
		snprintf(err, errlen, "cpu slots: already open");
		return -1;
	}
	lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock_fd < 0) {
		snprintf(err, errlen, "cpu slots: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	memcpy(limit, limits, sizeof(limit));
	return 0;
}

static int set_lock(int offset, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = offset, .l_len = 1 };
	int rc;

	do
		rc = fcntl(lock_fd, F_SETLK, &fl);
	while (rc < 0 && errno == EINTR);
	return rc;
}

int cpuslots_try(enum cpuslot_class c)
{
	if (lock_fd < 0 || c < 0 || c >= CPUSLOT__COUNT)
		return -2;
	for (int i = 0; i < limit[c]; i++) {
		int off = (int)c * CPUSLOTS_MAX + i;
		if (set_lock(off, F_WRLCK) == 0)
			return off;
	}
	return -1;
}

void cpuslots_release(int handle)
{
	if (handle >= 0 && lock_fd >= 0)
		set_lock(handle, F_UNLCK);
}

int cpuslots_default_limit(int workers)
{
	int n = workers / 2;
	return n < 1 ? 1 : n > CPUSLOTS_MAX ? CPUSLOTS_MAX : n;
}
