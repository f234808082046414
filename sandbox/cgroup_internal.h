/* cgroup_internal.h: the small file helpers cgroup.c and cgroup_base.c share (defined
 * in cgroup_file.c, except cg_set_limits and cg_v2_*). Not for use outside
 * sandbox/cgroup*.c. Same error convention as cgroup.h. */
#ifndef AF_CGROUP_INTERNAL_H
#define AF_CGROUP_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

/* Writes s to an existing cgroup file; 0, or -1 with errno kept. */
int cg_write_str(const char *path, const char *s);
/* Reads the file into buf (NUL-terminated, truncated to len - 1); 0 or -1. */
int cg_read_text(const char *path, char *buf, size_t len);
/* Up to max pids of dir/cgroup.procs; -1 when unreadable. */
int cg_read_procs(const char *dir, pid_t *pids, int max);
/* Our own cgroup path in the hierarchy holding controller c (v1) or in the unified tree
 * (c == NULL), as /proc/self/cgroup shows it ("/" for the root). */
int cg_self_path(const char *c, char *out, size_t outlen);
/* 1 when word is one of the space-separated words of the file at path. */
int cg_file_has_word(const char *path, const char *word);
void cg_sleep_ms(int ms);

/* Writes the limits of lim into cg's directories (cg->version decides the files). */
struct cgroup;
struct cgroup_limits;
int cg_set_limits(struct cgroup *cg, const struct cgroup_limits *lim, char *err, size_t errlen);

/* v2: the directory (absolute) whose appforge/ child holds our sandboxes, once
 * cgroup_setup found it; NULL before. */
const char *cg_v2_base(void);
/* v2: our unified-tree cgroup as an absolute directory, a leaf we moved into
 * (CG_SELF_LEAF) left out, and whether /proc/self/cgroup shows us at the root of our
 * cgroup namespace (at_ns_root may be NULL). */
int cg_v2_own_dir(char *out, size_t outlen, int *at_ns_root, char *err, size_t errlen);
/* v2: makes sure the base is set up and its appforge/ exists (again: a test or an
 * operator may have removed it), with what the first cgroup_setup was asked. */
int cg_v2_ensure(char *err, size_t errlen);

/* The name of the leaf a process moves itself into on v2 (see cgroup_base.c). */
#define CG_SELF_LEAF "appforge-self"

#endif
