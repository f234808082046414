/* mkdirp.h: creating a directory and its missing parents (`mkdir -p`), the one copy
 * for the supervisor's state and log directories and the cgroup trees. */
#ifndef AF_MKDIRP_H
#define AF_MKDIRP_H

#include <sys/types.h>

/* Creates dir and every missing parent with mode (less the umask); existing ones are
 * left as they are. 0, or -1 with errno (ENAMETOOLONG when dir does not fit PATH_MAX;
 * ENOTDIR, EACCES... from mkdir). */
int mkdir_p(const char *dir, mode_t mode);

#endif
