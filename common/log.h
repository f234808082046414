/* log.h: leveled logging to stderr for every appforge program.
 *
 * Each line: "<program>[<pid>]: <level>: [<request id>] message". The request id is a
 * thread-local copy set by the FastCGI worker at the start of each request and cleared
 * at its end, so every line written while handling a request names it. Logging never
 * fails visibly: errors writing stderr are ignored. Never log secrets (passwords,
 * tokens, keys): callers must not pass them. */
#ifndef AF_LOG_H
#define AF_LOG_H

enum log_level {
	AF_LOG_DEBUG = 0,
	AF_LOG_INFO = 1,
	AF_LOG_WARN = 2,
	AF_LOG_ERROR = 3,
};

/* Sets the program name shown on every line (copied, truncated to 31 bytes) and the
 * minimum level written. Safe to call again (e.g. after fork, or when the
 * configuration is loaded). Before any call the name is "appforge", level info. */
void log_init(const char *progname, enum log_level min_level);

/* Changes only the minimum level. */
void log_set_level(enum log_level min_level);

/* Parses "debug", "info", "warn" or "error". Returns the level, or -1 for anything else. */
int log_level_parse(const char *s);

#define LOG_RID_BUFSZ 64 /* a request id as kept: at most 63 bytes and the NUL */

/* Sets the current thread's request id (copied, at most 63 bytes kept; characters
 * outside [A-Za-z0-9._-] are replaced by '_' so a client cannot inject log lines).
 * NULL or "" clears it. */
void log_set_request_id(const char *rid);

/* The current thread's request id, "" when none. Borrowed: valid until the next
 * log_set_request_id() on this thread. */
const char *log_request_id(void);

/* Writes one line if level >= the minimum. A trailing newline in fmt is not needed.
 * Control characters in the formatted message are escaped, so one call is one line. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An info line that may wait in a per-process buffer (at most LOG_BUFFER_BYTES) instead
 * of costing a write(2) per request: the access log of a worker under load. The buffer
 * is written when it is nearly full, before any unbuffered line (so lines keep their
 * order), at log_flush(), and by log_flush_on_crash(). A crash that skips all of these
 * loses at most the buffered lines. Without log_buffering(1) it is log_msg(INFO). */
void log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define LOG_BUFFER_BYTES 4096

/* Turns buffering of log_access lines on (1) or off (0, the default; flushes). */
void log_buffering(int on);

/* 1 when log_access lines wait in the buffer. */
int log_pending(void);

/* Writes the buffered lines now (one write(2)). */
void log_flush(void);

/* Installs handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT that write the
 * buffered lines (async-signal-safe: one write(2)), restore the previous handler and
 * raise the signal again, so the crash (and any sanitizer report) happens as before. */
void log_flush_on_crash(void);

#define log_debug(...) log_msg(AF_LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(AF_LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(AF_LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(AF_LOG_ERROR, __VA_ARGS__)

#endif
