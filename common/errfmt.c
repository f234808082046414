/* errfmt.c: the error formatter (errfmt.h). */
#include "common/errfmt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int errfmt(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int errfmt_errno(char *err, size_t errlen, const char *fmt, ...)
{
	int e = errno;
	char msg[256];
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		snprintf(err, errlen, "%s%s%s", msg, e ? ": " : "", e ? strerror(e) : "");
	}
	errno = e;
	return -1;
}
