/* errfmt.h: the one formatter of the "-1 with a message in err" convention that every
 * layer of appforge uses (err, errlen: a caller's buffer, never allocated here). */
#ifndef AF_ERRFMT_H
#define AF_ERRFMT_H

#include <stddef.h>

/* Formats the message into err (errlen bytes, always NUL-terminated, truncated when
 * long; nothing is written when err is NULL or errlen 0). Returns -1, so that a
 * failing function can end with `return errfmt(err, errlen, "...", ...);`. Calls only
 * vsnprintf: safe in a forked child before exec, not in a signal handler. */
int errfmt(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The same, followed by ": " and strerror(errno) when errno is set on entry (the
 * message itself cut at 255 bytes); errno is left as it was. Returns -1. */
int errfmt_errno(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
