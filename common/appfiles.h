/* appfiles.h: validation of an app's files, and writing them to disk.
 *
 * An app is a JSON object mapping relative paths to file contents (strings), e.g.
 * {"server.js": "...", "public/index.html": "..."}. The daemon checks client uploads
 * ({"files": ...}) and the generator checks LLM output with the same rules:
 *   - path characters [A-Za-z0-9._-/] only, no leading '/', no empty, "." or ".."
 *     segment, no trailing '/', at most APPFILES_MAX_DEPTH segments and
 *     APPFILES_MAX_NAME bytes;
 *   - at most APPFILES_MAX_COUNT files, each at most APPFILES_MAX_FILE bytes, all
 *     together at most APPFILES_MAX_TOTAL bytes;
 *   - contents are strings of valid UTF-8 without NUL;
 *   - a path is not both a file and a directory ("a" and "a/b");
 *   - "server.js" exists.
 * Error messages name the offending file (client-facing, e.g.
 * "file '../x': path must not contain '.' or '..' segments").
 *
 * Error convention: 0 on success, -1 with a message in err. */
#ifndef AF_APPFILES_H
#define AF_APPFILES_H

#include <stddef.h>

struct json_object;

#define APPFILES_MAX_COUNT 64
#define APPFILES_MAX_DEPTH 4
#define APPFILES_MAX_NAME 128
#define APPFILES_MAX_FILE (256 * 1024)
#define APPFILES_MAX_TOTAL (1024 * 1024)
#define APPFILES_ENTRY "server.js"

/* Checks one path against the rules above. 0 or -1. */
int appfiles_path_valid(const char *path, char *err, size_t errlen);

/* Checks a whole file map (borrowed, not modified). 0 or -1. */
int appfiles_validate(struct json_object *files, char *err, size_t errlen);

/* Writes a validated file map into the directory dir, which must exist and be empty
 * (typically freshly created by the caller). Subdirectories are created 0755, files
 * 0644, all with O_NOFOLLOW/O_EXCL relative to dir's descriptor, so nothing outside dir
 * can be touched even if dir is shared. Re-validates first. On error, dir may hold a
 * partial tree: the caller removes it (appfiles_remove_tree). 0 or -1. */
int appfiles_write(const char *dir, struct json_object *files, char *err, size_t errlen);

/* Removes dir and everything below it without following symlinks (a missing dir is
 * success). 0 or -1. */
int appfiles_remove_tree(const char *dir, char *err, size_t errlen);

#endif
