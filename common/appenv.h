/* appenv.h: the rules for an app's environment variables (names, values, bounds).
 *
 * One owner for what an app may set: the API checks a PUT against these rules, and the
 * supervisor checks every start request against them again before the sandbox puts the
 * variables into the app's environment. Pure functions, no allocation.
 *
 * A name is [A-Z_][A-Z0-9_]*, 1..APPENV_NAME_MAX bytes, and not one the platform sets
 * (PORT, APP_ID, DATA_DIR, HOME, PATH, TMPDIR) nor in a platform prefix (NODE_,
 * LISTEN_, LD_, APPFORGE_, AF_). A value is 0..APPENV_VALUE_MAX bytes of UTF-8 with no
 * control character but tab, newline and carriage return (so its JSON form stays within
 * twice its size). At most APPENV_MAX_VARS variables, names and values together at most
 * APPENV_TOTAL_MAX bytes. */
#ifndef AF_APPENV_H
#define AF_APPENV_H

#include <stdbool.h>
#include <stddef.h>

#define APPENV_MAX_VARS 64
#define APPENV_NAME_MAX 64
#define APPENV_VALUE_MAX 4096
#define APPENV_TOTAL_MAX 32768
/* A packed list "NAME=value\0NAME=value\0": the largest one, its NULs included. */
#define APPENV_PACKED_MAX (APPENV_TOTAL_MAX + 2 * APPENV_MAX_VARS)
/* Secrets shorter than this are not redacted from served logs (too many false hits). */
#define APPENV_REDACT_MIN 4

#define APPENV_NAME_RULE \
	"a name is [A-Z_][A-Z0-9_]* of 1 to 64 bytes and not one the " \
	"platform sets (PORT, APP_ID, DATA_DIR, HOME, PATH, TMPDIR, NODE_*, LISTEN_*, LD_*, " \
	"APPFORGE_*, AF_*)"

/* 1 if name (len bytes, no NUL needed) is an allowed variable name, else 0. */
bool appenv_name_valid(const char *name, size_t len);

/* 1 if value (len bytes) is an allowed value, else 0. */
bool appenv_value_valid(const char *value, size_t len);

/* Checks a packed list (see APPENV_PACKED_MAX) of n entries, len bytes in all: every
 * entry NAME=value valid, no name twice, the bounds kept. 0, or -1 with err. */
int appenv_packed_check(const char *packed, size_t len, int n, char *err, size_t errlen);

#endif
