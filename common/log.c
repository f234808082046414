/* log.c: leveled logging to stderr with program name, pid and request id (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char log_prog[32] = "appforge";
static enum log_level log_min = AF_LOG_INFO;
static __thread char log_rid[64];

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_init(const char *progname, enum log_level min_level)
{
	if (progname) {
		const char *slash = strrchr(progname, '/');
		snprintf(log_prog, sizeof log_prog, "%s", slash ? slash + 1 : progname);
	}
	log_set_level(min_level);
}

void log_set_level(enum log_level min_level)
{
	if (min_level >= AF_LOG_DEBUG && min_level <= AF_LOG_ERROR)
		log_min = min_level;
}

int log_level_parse(const char *s)
{
	for (int i = 0; s && i < 4; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

void log_set_request_id(const char *rid)
{
	size_t i = 0;

	for (; rid && rid[i] && i < sizeof log_rid - 1; i++) {
		char c = rid[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		log_rid[i] = ok ? c : '_';
	}
	log_rid[i] = '\0';
}

const char *log_request_id(void)
{
	return log_rid;
}

/* Escapes control characters so that one call stays one line. */
static void escape(char *dst, size_t dstlen, const char *src)
{
	size_t o = 0;

	for (; *src && o + 5 < dstlen; src++) {
		unsigned char c = (unsigned char)*src;
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(dst + o, dstlen - o, "\\x%02x", c);
		else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[2048], clean[4096], line[4400];
	va_list ap;
	int n;

	if (level < log_min || level > AF_LOG_ERROR)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	escape(clean, sizeof clean, msg);
	if (log_rid[0])
		n = snprintf(line, sizeof line, "%s[%ld]: %s: [%s] %s\n", log_prog,
			     (long)getpid(), level_names[level], log_rid, clean);
	else
		n = snprintf(line, sizeof line, "%s[%ld]: %s: %s\n", log_prog,
			     (long)getpid(), level_names[level], clean);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line) {
		n = sizeof line - 1;
		line[n - 1] = '\n';
	}
	/* one write(2) per line so lines of concurrent processes do not interleave */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
