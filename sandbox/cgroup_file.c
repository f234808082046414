/* cgroup_file.c: the small file helpers cgroup.c and cgroup_base.c share (declared in
 * cgroup_internal.h): read and write cgroup files, our own cgroup from
 * /proc/self/cgroup, a cgroup's processes, mkdir -p, the error formatter. */
#include "sandbox/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void cg_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Writes s to an existing cgroup file; errno is kept for the caller. */
int cg_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = strlen(s);
	ssize_t w = write(fd, s, n);
	int e = errno;
	close(fd);
	errno = e;
	return w == (ssize_t)n ? 0 : -1;
}

int cg_read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off + 1 < len) {
		ssize_t r = read(fd, buf + off, len - 1 - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	buf[off] = 0;
	close(fd);
	return 0;
}

int cg_file_has_word(const char *path, const char *word)
{
	char b[1024];
	if (cg_read_text(path, b, sizeof b) < 0)
		return 0;
	size_t wl = strlen(word);
	for (char *t = b; (t = strstr(t, word)); t += wl)
		if ((t == b || t[-1] == ' ') && (t[wl] == 0 || t[wl] == ' ' || t[wl] == '\n'))
			return 1;
	return 0;
}

/* Our own cgroup path in the hierarchy that holds controller c (v1) or in the unified
 * tree (c == NULL), from /proc/self/cgroup. */
int cg_self_path(const char *c, char *out, size_t outlen)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -1;
	char line[4096];
	int found = -1;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *a = strchr(line, ':');
		char *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*a = 0;
		*b = 0;
		const char *ctrls = a + 1, *path = b + 1;
		int match = 0;
		if (!c) {
			match = strcmp(line, "0") == 0 && *ctrls == 0;
		} else {
			char tmp[256];
			snprintf(tmp, sizeof tmp, "%s", ctrls);
			for (char *s, *t = strtok_r(tmp, ",", &s); t; t = strtok_r(NULL, ",", &s))
				if (strcmp(t, c) == 0)
					match = 1;
		}
		if (match) {
			snprintf(out, outlen, "%s", path);
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

/* Reads up to max pids of cgroup.procs in dir. */
int cg_read_procs(const char *dir, pid_t *pids, int max)
{
	char p[PATH_MAX + 32];
	snprintf(p, sizeof p, "%s/cgroup.procs", dir);
	FILE *f = fopen(p, "re");
	if (!f)
		return -1;
	int n = 0, x;
	while (n < max && fscanf(f, "%d", &x) == 1)
		pids[n++] = x;
	fclose(f);
	return n;
}
