/* secretfile.h: writing a new file that holds a secret (the JWT secret, the key that
 * seals apps' environment values): created once, never replaced, never left half
 * written. */
#ifndef AF_SECRETFILE_H
#define AF_SECRETFILE_H

#include <stddef.h>

/* Creates path (it must not exist: O_EXCL, no symlink followed), mode 0600, writes the
 * n bytes of buf and fsyncs it. 0, or -1 with a message in err (the file then removed,
 * unless it existed before). The caller wipes buf. */
int secretfile_create(const char *path, const void *buf, size_t n, char *err, size_t errlen);

#endif
