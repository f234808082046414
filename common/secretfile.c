/* secretfile.c: a new file holding a secret (secretfile.h). */
#include "common/secretfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/errfmt.h"

int secretfile_create(const char *path, const void *buf, size_t n, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int rc = 0;

	if (fd < 0)
		return errfmt(err, errlen, "%s: %s", path, strerror(errno));
	if (write(fd, buf, n) != (ssize_t)n || fsync(fd) < 0)
		rc = errfmt(err, errlen, "%s: write failed", path);
	if (close(fd) < 0 && rc == 0)
		rc = errfmt(err, errlen, "%s: close: %s", path, strerror(errno));
	if (rc < 0)
		unlink(path);
	return rc;
}
