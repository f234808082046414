/* sandbox_log.c: the app's output, from its pipes to its log file: read within the rate
 * limit (or dropped and counted), cut into records (applog.h), written, and rotated at
 * the cap; plus the "sys" records of a run. Runs in the parent. */
#include "sandbox/sandbox_internal.h"
#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>

static int64_t unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void log_rotate(struct sandbox *sb)
{
	char old[sizeof sb->log_path + 4];
	snprintf(old, sizeof old, "%s.1", sb->log_path);
	close_fd(&sb->log_fd);
	(void)rename(sb->log_path, old);
	sb->log_fd = open(sb->log_path,
			  O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	sb->log_written = 0;
}

/* Records queued for one write of the log file. */
struct recbuf {
	struct sandbox *sb;
	int64_t at; /* the time they get (unix ms) */
	size_t len;
	char buf[65536];
};

static void rec_flush(struct recbuf *w)
{
	struct sandbox *sb = w->sb;
	size_t off = 0;
	while (off < w->len && sb->log_fd >= 0) {
		ssize_t r = write(sb->log_fd, w->buf + off, w->len - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break; /* a full disk loses log lines, never the app */
		off += (size_t)r;
	}
	sb->log_written += (long)w->len;
	w->len = 0;
}

/* Queues one record. Beyond the cap the file is rotated, at a record boundary. */
static void rec_add(struct recbuf *w, enum applog_stream st, const char *text, size_t n)
{
	struct sandbox *sb = w->sb;
	size_t need = APPLOG_PREFIX_LEN + n + 1;
	if (sb->log_written + (long)(w->len + need) > sb->log_bytes &&
	    sb->log_written + (long)w->len > 0) {
		rec_flush(w);
		log_rotate(sb);
	}
	if (w->len + need > sizeof w->buf)
		rec_flush(w);
	applog_prefix(w->buf + w->len, st, w->at);
	memcpy(w->buf + w->len + APPLOG_PREFIX_LEN, text, n);
	w->buf[w->len + need - 1] = '\n';
	w->len += need;
}

/* The partial line of stream s (0 stdout, 1 stderr), if any, as a record of its own. */
static void flush_partial(struct recbuf *w, int s)
{
	struct sandbox *sb = w->sb;
	if (sb->linelen[s]) {
		rec_add(w, s ? APPLOG_ERR : APPLOG_OUT, sb->line[s], sb->linelen[s]);
		sb->linelen[s] = 0;
	}
}

__attribute__((format(printf, 2, 3))) static void rec_sys(struct recbuf *w, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n > 0)
		rec_add(w, APPLOG_SYS, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

static void report_drops(struct recbuf *w)
{
	struct sandbox *sb = w->sb;
	if (!sb->dropped)
		return;
	rec_sys(w, "%llu bytes dropped (log rate limit: %ld bytes/s, bursts of %ld)", sb->dropped,
		sb->bucket.rate, sb->bucket.burst);
	sb->dropped = 0;
}

/* Output bytes of stream s: every complete line (or APPLOG_LINE_MAX bytes of one)
 * becomes a record; the rest waits in the stream's partial line. */
static void take_output(struct recbuf *w, int s, const char *p, size_t n)
{
	struct sandbox *sb = w->sb;
	enum applog_stream st = s ? APPLOG_ERR : APPLOG_OUT;
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n, room = APPLOG_LINE_MAX - sb->linelen[s];
		int full = k >= room;
		if (full)
			k = room;
		if (!full && !nl) {
			memcpy(sb->line[s] + sb->linelen[s], p, k);
			sb->linelen[s] += k;
			return;
		}
		if (sb->linelen[s]) {
			memcpy(sb->line[s] + sb->linelen[s], p, k);
			rec_add(w, st, sb->line[s], sb->linelen[s] + k);
			sb->linelen[s] = 0;
		} else {
			rec_add(w, st, p, k);
		}
		size_t used = k + (k < n && p[k] == '\n');
		p += used;
		n -= used;
	}
}

/* Throws away what the pipe holds, without copying it where the kernel can help. */
static ssize_t drop_output(int fd, char *buf, size_t bufsz)
{
	static int devnull = -1;
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull >= 0) {
		ssize_t r = splice(fd, NULL, devnull, NULL, 1 << 20, SPLICE_F_NONBLOCK);
		if (r >= 0 || errno != EINVAL)
			return r;
	}
	return read(fd, buf, bufsz);
}

/* Reads what stream s has now, within the rate limit; while the budget is spent the
 * output is dropped and counted. At EOF the stream's descriptor is closed. */
static void pump_stream(struct sandbox *sb, struct recbuf *w, int s, char *buf, size_t bufsz)
{
	int *fd = s ? &sb->err_fd : &sb->out_fd;
	for (int rounds = 0; *fd >= 0 && rounds < 16; rounds++) {
		size_t allow = applog_bucket_take(&sb->bucket, bufsz, clock_mono_ms());
		ssize_t r;
		if (allow == 0) {
			r = drop_output(*fd, buf, bufsz);
			if (r > 0) {
				flush_partial(w, s); /* its line is cut here */
				sb->dropped += (unsigned long long)r;
				continue;
			}
		} else {
			r = read(*fd, buf, allow);
			sb->bucket.tokens += (long)allow - (r > 0 ? (long)r : 0);
			if (r > 0) {
				report_drops(w);
				take_output(w, s, buf, (size_t)r);
				if (sb->echo_fd >= 0)
					(void)!write(sb->echo_fd, buf, (size_t)r);
				continue;
			}
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return; /* EAGAIN: nothing more for now */
		flush_partial(w, s);
		epoll_ctl(sb->log_rfd, EPOLL_CTL_DEL, *fd, NULL);
		close_fd(fd);
	}
}

int sandbox_pump_log(struct sandbox *sb)
{
	static char buf[65536];
	static struct recbuf w;
	if (sb->log_rfd < 0)
		return 1;
	w.sb = sb;
	w.len = 0;
	w.at = unix_ms();
	pump_stream(sb, &w, 0, buf, sizeof buf);
	pump_stream(sb, &w, 1, buf, sizeof buf);
	rec_flush(&w);
	if (sb->out_fd >= 0 || sb->err_fd >= 0)
		return 0;
	close_fd(&sb->log_rfd);
	return 1;
}

/* A "sys" record, e.g. "run started". */
__attribute__((format(printf, 2, 3))) void sandbox_log_sys(struct sandbox *sb, const char *fmt, ...)
{
	static struct recbuf w;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	w.sb = sb;
	w.len = 0;
	w.at = unix_ms();
	rec_add(&w, APPLOG_SYS, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	rec_flush(&w);
}

/* The output is over: partial lines and the count of dropped bytes go to the log. */
void sandbox_log_end(struct sandbox *sb)
{
	static struct recbuf w;
	w.sb = sb;
	w.len = 0;
	w.at = unix_ms();
	flush_partial(&w, 0);
	flush_partial(&w, 1);
	report_drops(&w);
	rec_flush(&w);
}
