/* tarball.h: an app as a .tar.gz (ustar inside gzip), written and read strictly.
 *
 * Written: the manifest appforge.json first, then each file, ustar headers (mode 0644,
 * uid/gid 0), gzip by zlib. Read: only a single gzip member whose decompressed size is
 * at most TARBALL_MAX_RAW (a gzip bomb stops there), then ustar entries that are
 * regular files ('0' or NUL type) or directories ('5', skipped); links, devices, fifos
 * and pax/GNU extension headers are refused. Names may start with "./"; each must then
 * pass appfiles_path_valid(), no name twice, at most APPFILES_MAX_COUNT files of at most
 * APPFILES_MAX_FILE bytes. "appforge.json" at the top is the manifest (at most
 * TARBALL_MANIFEST_MAX bytes), not a file. Nothing touches the disk: the result is a
 * file map for appfiles_validate() and the create path.
 *
 * Errors: -1 with a client-facing message in err (names the offending entry, never
 * internal detail). The caller owns what is returned. */
#ifndef AF_TARBALL_H
#define AF_TARBALL_H

#include <stddef.h>

struct json_object;

#define TARBALL_MANIFEST "appforge.json"
#define TARBALL_MANIFEST_MAX (64 * 1024)
/* decompressed: every file at its largest, the manifest, a header per entry, padding */
#define TARBALL_MAX_RAW (2 * 1024 * 1024 + 256 * 1024)

/* The .tar.gz of manifest (its JSON text) and files (a file map of strings), stamped
 * with mtime. Returns the bytes (malloc'ed, *len) or NULL (out of memory, or a path
 * that does not fit a ustar header: err). */
unsigned char *tarball_write(const char *manifest, struct json_object *files, long long mtime,
			     size_t *len, char *err, size_t errlen);

/* Reads a .tar.gz of len bytes: 0 with *files (a new file map) and *manifest (a parsed
 * JSON object, or NULL when the archive has none), or -1 with err. */
int tarball_read(const void *data, size_t len, struct json_object **files,
		 struct json_object **manifest, char *err, size_t errlen);

#endif
