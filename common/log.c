/* log.c: leveled logging to stderr with program name, pid and request id, and the
 * buffered access lines of a busy worker (see log.h). */
#include "log.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char log_prog[32] = "appforge";
static enum log_level log_min = AF_LOG_INFO;
static __thread char log_rid[LOG_RID_BUFSZ];

static const char *const level_names[] = { "debug", "info", "warn", "error" };

/* log_access lines waiting to be written (see log.h). */
static char buf[LOG_BUFFER_BYTES];
static size_t buf_len;
static int buffering;

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

/* Formats one line (prefix, escaped message, newline) into line. Returns its length,
 * or -1. */
static int format_line(char *line, size_t size, enum log_level level, const char *fmt, va_list ap)
{
	char msg[2048], clean[4096];
	int n;

	vsnprintf(msg, sizeof msg, fmt, ap);
	escape(clean, sizeof clean, msg);
	if (log_rid[0])
		n = snprintf(line, size, "%s[%ld]: %s: [%s] %s\n", log_prog, (long)getpid(),
			     level_names[level], log_rid, clean);
	else
		n = snprintf(line, size, "%s[%ld]: %s: %s\n", log_prog, (long)getpid(),
			     level_names[level], clean);
	if (n < 0)
		return -1;
	if ((size_t)n >= size) {
		n = (int)size - 1;
		line[n - 1] = '\n';
	}
	return n;
}

static void write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);
		if (w <= 0)
			return; /* logging never fails visibly */
		p += w;
		n -= (size_t)w;
	}
}

void log_flush(void)
{
	if (buf_len) {
		write_all(buf, buf_len);
		buf_len = 0;
	}
}

int log_pending(void)
{
	return buf_len > 0;
}

void log_buffering(int on)
{
	if (!on)
		log_flush();
	buffering = on;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[4400];
	va_list ap;
	int n;

	if (level < log_min || level > AF_LOG_ERROR)
		return;
	va_start(ap, fmt);
	n = format_line(line, sizeof line, level, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	log_flush(); /* buffered lines first: the order stays true */
	/* one write(2) per line so lines of concurrent processes do not interleave */
	write_all(line, (size_t)n);
}

void log_access(const char *fmt, ...)
{
	char line[4400];
	va_list ap;
	int n;

	if (AF_LOG_INFO < log_min)
		return;
	va_start(ap, fmt);
	n = format_line(line, sizeof line, AF_LOG_INFO, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (!buffering || (size_t)n > sizeof buf / 2) {
		log_flush();
		write_all(line, (size_t)n);
		return;
	}
	if (buf_len + (size_t)n > sizeof buf)
		log_flush();
	memcpy(buf + buf_len, line, (size_t)n);
	buf_len += (size_t)n;
}

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
static struct sigaction crash_old[sizeof crash_signals / sizeof crash_signals[0]];

static void on_crash(int sig)
{
	if (buf_len)
		(void)!write(STDERR_FILENO, buf, buf_len);
	buf_len = 0;
	for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
		if (crash_signals[i] == sig)
			sigaction(sig, &crash_old[i], NULL);
	raise(sig);
}

void log_flush_on_crash(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_crash;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
		sigaction(crash_signals[i], &sa, &crash_old[i]);
}
