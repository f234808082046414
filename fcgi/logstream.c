/* logstream.c: the streamer, the one process that serves every open log stream
 * (logstream.h), and the worker's side of the hand-off.
 *
 * One epoll loop: the hand-off socket, an inotify watch on log_dir/apps, a signalfd
 * for SIGTERM, and each stream's FastCGI connection (non-blocking; its input is read
 * away, its end means the client left). Each stream follows one log file by inode and
 * offset: new bytes are sent as events when inotify says the file changed; a rotated
 * file (renamed to .1, a new one created) is read to its end, then the new one from 0.
 * Output a client does not take waits in memory up to LOGSTREAM_PENDING_MAX, then the
 * stream is dropped. Once a second the loop ends streams past their credential's
 * expiry or their lifetime; every LOGSTREAM_KEEPALIVE_S it sends each a comment and
 * checks in the database that the app and its owner are still there. */
#include "fcgi/logstream.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "db/db.h"
#include "fcgi/handler.h"
#include "common/applayout.h"
#include "fcgi/logstream_events.h"

#define READ_CHUNK (64 * 1024) /* bytes of log read per pass (a record is < 17 KiB) */
#define FCGI_STDOUT 6
#define FCGI_END_REQUEST 3
#define TAG_LISTEN 0xffff0001u
#define TAG_INOTIFY 0xffff0002u
#define TAG_SIGNAL 0xffff0003u

struct stream {
	int fd; /* the FastCGI connection; -1: a free slot */
	int fcgi_id;
	char app_id[ID_MAX_BUFSZ], user_id[ID_MAX_BUFSZ], token_id[ID_MAX_BUFSZ];
	long long expires_at, issued_at, opened_at, last_write;
	int logfd; /* the file followed; -1 until it exists */
	uint64_t ino, off;
	struct strbuf out; /* framed output not yet written, from out_off */
	size_t out_off;
	bool want_out, ending;
};

static struct stream streams[LOGSTREAM_TOTAL];
static int total_cap = LOGSTREAM_TOTAL; /* $APPFORGED_LOGSTREAM_TOTAL lowers it (tests) */
static int epfd = -1;
static int inotify_fd = -1, watch_wd = -1;
static struct hctx rctx; /* configuration and database for the redaction */

int logstream_socket_path(const struct conf *c, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/logstream.sock", c->state_dir);
	return n < 0 || (size_t)n >= outlen ||
			       (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path)
		       ? -1
		       : 0;
}

int logstream_resume_parse(const char *s, uint64_t *ino, uint64_t *off)
{
	char a[24], b[24];
	const char *dot = strchr(s, '.');
	long long x, y;

	if (!dot || (size_t)(dot - s) >= sizeof a || strlen(dot + 1) >= sizeof b)
		return -1;
	memcpy(a, s, (size_t)(dot - s));
	a[dot - s] = 0;
	strcpy(b, dot + 1);
	if (util_parse_ll(a, 1, INT64_MAX, &x) < 0 || util_parse_ll(b, 0, INT64_MAX, &y) < 0)
		return -1;
	*ino = (uint64_t)x;
	*off = (uint64_t)y;
	return 0;
}

/* ------------------------------------------------------------- the hand-off ---- */

int logstream_handoff(const struct conf *c, const struct logstream_handoff *h, int conn_fd,
		      char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 2, 0 };
	char cbuf[CMSG_SPACE(sizeof(int))], answer = 0;
	struct iovec iov = { (void *)h, sizeof *h };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf
	};
	struct cmsghdr *cm;
	int s = -1, rc = -1;

	memset(cbuf, 0, sizeof cbuf);
	if (logstream_socket_path(c, sa.sun_path, sizeof sa.sun_path) < 0) {
		snprintf(err, errlen, "state_dir too long for a socket path");
		return -1;
	}
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &conn_fd, sizeof(int));
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0 ||
	    connect(s, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    sendmsg(s, &m, MSG_NOSIGNAL) != (ssize_t)sizeof *h || read(s, &answer, 1) != 1) {
		snprintf(err, errlen, "log streamer %s: %s", sa.sun_path,
			 errno ? strerror(errno) : "no answer");
		goto out;
	}
	rc = (unsigned char)answer;
out:
	if (s >= 0)
		close(s);
	return rc;
}

/* ---------------------------------------------------------------- streams ---- */

static long long now_s(void)
{
	return (long long)time(NULL);
}

/* Appends one FastCGI record of type (content split in pieces of at most 32 KiB). */
static void frame(struct stream *s, int type, const char *data, size_t len)
{
	static const char pad[8];

	do {
		size_t n = len > 32768 ? 32768 : len, p = (8 - n % 8) % 8;
		unsigned char h[8] = { 1,
				       (unsigned char)type,
				       (unsigned char)(s->fcgi_id >> 8),
				       (unsigned char)s->fcgi_id,
				       (unsigned char)(n >> 8),
				       (unsigned char)n,
				       (unsigned char)p,
				       0 };
		strbuf_add(&s->out, (const char *)h, sizeof h);
		strbuf_add(&s->out, data, n);
		strbuf_add(&s->out, pad, p);
		data += n;
		len -= n;
	} while (len > 0);
}

static void stream_free(struct stream *s)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	if (s->logfd >= 0)
		close(s->logfd);
	free(s->out.p);
	memset(s, 0, sizeof *s);
	s->fd = s->logfd = -1;
}

static void set_want_out(struct stream *s, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0),
				  .data.u32 = (uint32_t)(s - streams) };
	if (s->want_out != on && epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev) == 0)
		s->want_out = on;
}

/* Writes what is pending. Returns -1 when the stream is gone (freed). */
static int flush(struct stream *s)
{
	while (s->out_off < s->out.len) {
		ssize_t w = write(s->fd, s->out.p + s->out_off, s->out.len - s->out_off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			stream_free(s);
			return -1;
		}
		s->out_off += (size_t)w;
		s->last_write = now_s();
	}
	if (s->out_off >= 65536 && s->out_off < s->out.len) {
		/* a reader that never quite catches up must not grow the buffer forever */
		memmove(s->out.p, s->out.p + s->out_off, s->out.len - s->out_off + 1); /* and NUL */
		s->out.len -= s->out_off;
		s->out_off = 0;
	}
	if (s->out.oom || s->out.len - s->out_off > LOGSTREAM_PENDING_MAX) {
		log_info("log stream of %s dropped: the client reads too slowly", s->app_id);
		stream_free(s);
		return -1;
	}
	if (s->out_off == s->out.len) {
		s->out.len = s->out_off = 0;
		if (s->ending) {
			stream_free(s);
			return -1;
		}
	}
	set_want_out(s, s->out_off < s->out.len);
	return 0;
}

/* Ends the response (an empty stdout record, END_REQUEST), closing once written. */
static void stream_end(struct stream *s, const char *why)
{
	static const char end[8] = { 0 };

	if (s->ending)
		return;
	log_debug("log stream of %s ends: %s", s->app_id, why);
	frame(s, FCGI_STDOUT, "", 0);
	frame(s, FCGI_END_REQUEST, end, sizeof end);
	s->ending = true;
	flush(s);
}

/* Opens the app's current log file (at offset 0). 0, or -1 when it does not exist. */
static int open_current(struct stream *s)
{
	char path[4096];
	struct stat st;
	int fd;

	if (applayout_path(rctx.conf, s->app_id, APP_PATH_LOG, path, sizeof path) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	if (s->logfd >= 0)
		close(s->logfd);
	s->logfd = fd;
	s->ino = (uint64_t)st.st_ino;
	s->off = 0;
	return 0;
}

/* The current file is another one than ours (rotated): 1; same or none: 0. */
static int rotated(const struct stream *s)
{
	char path[4096];
	struct stat st;

	if (applayout_path(rctx.conf, s->app_id, APP_PATH_LOG, path, sizeof path) < 0 ||
	    stat(path, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino != s->ino;
}

/* Reads whole records from the followed file into events. Returns -1 when the stream
 * is gone. */
static int pump(struct stream *s)
{
	char *buf = malloc(READ_CHUNK);
	int rc = 0;

	if (!buf)
		return flush(s);
	if (s->logfd < 0 && open_current(s) < 0)
		goto out; /* no log yet: its creation (inotify) brings us back */
	while (!s->ending && s->out.len - s->out_off < LOGSTREAM_PENDING_MAX / 2) {
		ssize_t r = pread(s->logfd, buf, READ_CHUNK, (off_t)s->off);
		char *last = r > 0 ? memrchr(buf, '\n', (size_t)r) : NULL;
		if (!last) {
			/* Nothing whole left here: a rotated file is done, go on in the new one. */
			if (rotated(s) && open_current(s) == 0)
				continue;
			break;
		}
		size_t n = (size_t)(last - buf) + 1;
		struct strbuf ev = { 0 };
		if (lsev_render(&rctx, s->app_id, buf, n, s->ino, s->off, &ev) < 0) {
			free(ev.p);
			stream_end(s, "the log could not be rendered");
			break;
		}
		frame(s, FCGI_STDOUT, ev.p, ev.len);
		free(ev.p);
		s->off += n;
	}
out:
	free(buf);
	if (!s->ending)
		rc = flush(s);
	return rc;
}

/* Where a new stream starts: after its resume id when that names the current or the
 * rotated file (and lies within it), else at the last `tail` records. */
static void stream_position(struct stream *s, const struct logstream_handoff *h)
{
	char path[4096], old[4200];
	uint64_t ino, off;
	struct stat st;
	int fd;

	if (open_current(s) < 0) {
		s->logfd = -1; /* no log yet: starts at 0 of the file to come */
		return;
	}
	fstat(s->logfd, &st);
	if (h->resume[0] && logstream_resume_parse(h->resume, &ino, &off) == 0) {
		if (ino == s->ino && off <= (uint64_t)st.st_size) {
			s->off = off;
			return;
		}
		applayout_path(rctx.conf, s->app_id, APP_PATH_LOG, path, sizeof path);
		snprintf(old, sizeof old, "%s.1", path);
		fd = open(old, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		struct stat ost;
		if (fd >= 0 && fstat(fd, &ost) == 0 && (uint64_t)ost.st_ino == ino &&
		    off <= (uint64_t)ost.st_size) {
			close(s->logfd);
			s->logfd = fd;
			s->ino = ino;
			s->off = off;
			return;
		}
		if (fd >= 0)
			close(fd);
	}
	s->off = (uint64_t)lsev_tail_offset(s->logfd, st.st_size, h->tail);
}

/* Open streams of user_id (NULL: of everyone). */
static int count_open(const char *user_id)
{
	int n = 0;
	for (int i = 0; i < LOGSTREAM_TOTAL; i++)
		n += streams[i].fd >= 0 && (!user_id || strcmp(streams[i].user_id, user_id) == 0);
	return n;
}

/* Takes a stream for h on fd. Returns the answer byte for the worker. */
static char stream_open(const struct logstream_handoff *h, int fd)
{
	struct stream *s = NULL;
	struct epoll_event ev = { .events = EPOLLIN };

	if (count_open(h->user_id) >= LOGSTREAM_PER_USER)
		return LOGSTREAM_FULL_USER;
	if (count_open(NULL) >= total_cap)
		return LOGSTREAM_FULL;
	for (int i = 0; i < LOGSTREAM_TOTAL && !s; i++)
		if (streams[i].fd < 0)
			s = &streams[i];
	if (!s)
		return LOGSTREAM_FULL;
	ev.data.u32 = (uint32_t)(s - streams);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return LOGSTREAM_ERROR;
	s->fd = fd;
	s->fcgi_id = h->fcgi_id;
	util_copy(s->app_id, sizeof s->app_id, h->app_id);
	util_copy(s->user_id, sizeof s->user_id, h->user_id);
	s->expires_at = h->expires_at;
	s->issued_at = h->issued_at;
	util_copy(s->token_id, sizeof s->token_id, h->token_id);
	s->opened_at = s->last_write = now_s();
	frame(s, FCGI_STDOUT, h->head, h->head_len);
	stream_position(s, h);
	return LOGSTREAM_OK;
}

static bool handoff_valid(const struct logstream_handoff *h)
{
	return h->magic == LOGSTREAM_MAGIC && memchr(h->app_id, 0, sizeof h->app_id) &&
	       id_valid_app(h->app_id) && memchr(h->user_id, 0, sizeof h->user_id) &&
	       id_valid_user(h->user_id) && memchr(h->resume, 0, sizeof h->resume) &&
	       memchr(h->token_id, 0, sizeof h->token_id) && h->tail >= 1 &&
	       h->tail <= LOGSTREAM_TAIL_MAX && h->head_len > 0 && h->head_len <= sizeof h->head &&
	       h->fcgi_id >= 0 && h->fcgi_id <= 0xffff;
}

/* Receives one hand-off and answers it. */
static void accept_handoff(int lfd)
{
	struct logstream_handoff h;
	char cbuf[CMSG_SPACE(sizeof(int))], answer = LOGSTREAM_ERROR;
	struct iovec iov = { &h, sizeof h };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf
	};
	struct timeval tv = { 1, 0 };
	struct cmsghdr *cm;
	int c, fd = -1;
	ssize_t r;

	if ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	r = recvmsg(c, &m, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	cm = CMSG_FIRSTHDR(&m);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	if (r == (ssize_t)sizeof h && fd >= 0 && !(m.msg_flags & MSG_CTRUNC) && handoff_valid(&h))
		answer = stream_open(&h, fd);
	else
		log_error("log streamer: a malformed hand-off was refused");
	if (answer != LOGSTREAM_OK && fd >= 0)
		close(fd);
	if (write(c, &answer, 1) != 1)
		log_warn("log streamer: the worker left before the answer");
	close(c);
	if (answer == LOGSTREAM_OK) {
		struct stream *s = NULL;
		for (int i = 0; i < LOGSTREAM_TOTAL && !s; i++)
			if (streams[i].fd == fd)
				s = &streams[i];
		if (s)
			pump(s);
	}
}

/* ------------------------------------------------------------- the loop ---- */

/* Client input is read away; its end (or an error) means the client left. */
static void stream_input(struct stream *s)
{
	char buf[4096];
	ssize_t r;

	while ((r = read(s->fd, buf, sizeof buf)) > 0)
		;
	if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		stream_free(s);
}

/* inotify: a log file of some app changed, appeared, or went (the app deleted). */
static void on_inotify(int ifd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t r;

	while ((r = read(ifd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + r;) {
			struct inotify_event *e = (struct inotify_event *)p;
			size_t nl = e->len ? strlen(e->name) : 0;
			p += sizeof *e + e->len;
			if (nl < 5 || strcmp(e->name + nl - 4, ".log") != 0)
				continue;
			for (int i = 0; i < LOGSTREAM_TOTAL; i++) {
				struct stream *s = &streams[i];
				if (s->fd < 0 || strncmp(s->app_id, e->name, nl - 4) != 0 ||
				    s->app_id[nl - 4])
					continue;
				if (pump(s) == 0 && (e->mask & IN_DELETE))
					stream_end(s, "the app was deleted");
			}
		}
	}
}

/* The stream's API token is not revoked (the list holds revoked ones too). */
static bool token_live(const struct stream *s)
{
	char err[256];
	struct db_token *t = NULL;
	size_t n = 0;
	bool live = true;

	if (db_token_list(rctx.db, s->user_id, &t, &n, err, sizeof err) != DB_OK)
		return true; /* unknown: the next check decides */
	live = false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].id, s->token_id) == 0)
			live = t[i].revoked_at == 0;
	free(t);
	return live;
}

/* The app and its owner are still there and enabled, and the credential the stream was
 * opened with still counts (auth.c's rules: not revoked, not from before the owner's
 * last password change). */
static bool still_allowed(const struct stream *s)
{
	char err[256];
	struct db_app a;
	struct db_user u;
	int rc;

	memset(&a, 0, sizeof a);
	rc = db_app_get(rctx.db, s->app_id, s->user_id, &a, err, sizeof err);
	db_app_clear(&a);
	if (rc == DB_NOTFOUND)
		return false;
	rc = db_user_get(rctx.db, s->user_id, &u, err, sizeof err);
	if (rc == DB_NOTFOUND || (rc == DB_OK && u.disabled))
		return false;
	if (rc == DB_OK && !s->token_id[0] && s->issued_at < u.tokens_after)
		return false;
	return !s->token_id[0] || token_live(s);
}

/* Watches log_dir/apps (made by appforgectl init and the supervisor): until it exists,
 * tried again every second. */
static void watch_logs(void)
{
	char dir[4096];

	if (watch_wd >= 0)
		return;
	snprintf(dir, sizeof dir, "%s/apps", rctx.conf->log_dir);
	watch_wd =
		inotify_add_watch(inotify_fd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE);
	if (watch_wd >= 0) {
		for (int i = 0; i < LOGSTREAM_TOTAL; i++)
			if (streams[i].fd >= 0)
				pump(&streams[i]);
	}
}

/* Once a second: expiries, lifetimes, keep-alive comments with a database check. */
static void tick(void)
{
	long long t = now_s();

	watch_logs();
	for (int i = 0; i < LOGSTREAM_TOTAL; i++) {
		struct stream *s = &streams[i];
		if (s->fd < 0 || s->ending)
			continue;
		if (s->expires_at && t >= s->expires_at)
			stream_end(s, "the credential expired");
		else if (t - s->opened_at >= LOGSTREAM_LIFETIME_S)
			stream_end(s, "its lifetime is over");
		else if (t - s->last_write >= LOGSTREAM_KEEPALIVE_S) {
			if (!still_allowed(s)) {
				stream_end(s, "the app or its owner is gone");
				continue;
			}
			static const char ka[] = ": keep-alive\n\n";
			frame(s, FCGI_STDOUT, ka, sizeof ka - 1);
			s->last_write = t;
			flush(s);
		}
	}
}

static int listen_handoff(const struct conf *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (logstream_socket_path(c, sa.sun_path, sizeof sa.sun_path) < 0)
		return -1;
	unlink(sa.sun_path); /* the master runs one streamer: a left-over is stale */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	mode_t old = umask(0177);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0) {
		umask(old);
		log_error("log streamer: %s: %s", sa.sun_path, strerror(errno));
		return -1;
	}
	umask(old);
	return fd;
}

static int watch(int fd, uint32_t tag, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int setup(const struct conf *c, int *lfd, int *ifd, int *sfd)
{
	char err[256];
	sigset_t set;
	struct db *db = NULL;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (db_open(&db, c->db_path, err, sizeof err) != DB_OK) {
		log_error("log streamer: database: %s", err);
		return -1;
	}
	rctx.conf = c;
	rctx.db = db;
	const char *cap = getenv("APPFORGED_LOGSTREAM_TOTAL");
	long long v;
	if (cap && util_parse_ll(cap, 1, LOGSTREAM_TOTAL, &v) == 0)
		total_cap = (int)v;
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 || (*lfd = listen_handoff(c)) < 0 ||
	    (*ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
	    (*sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		log_error("log streamer: setup: %s", strerror(errno));
		return -1;
	}
	inotify_fd = *ifd;
	watch_logs();
	if (watch_wd < 0)
		log_warn("log streamer: %s/apps: %s (watched once it exists)", c->log_dir,
			 strerror(errno));
	if (watch(*lfd, TAG_LISTEN, EPOLLIN) < 0 || watch(*ifd, TAG_INOTIFY, EPOLLIN) < 0 ||
	    watch(*sfd, TAG_SIGNAL, EPOLLIN) < 0)
		return -1;
	return 0;
}

void logstream_main(const struct conf *c)
{
	int lfd = -1, ifd = -1, sfd = -1;
	long long last_tick = now_s();
	pid_t master = getppid();
	bool stop = false;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master)
		_exit(0);
	for (int i = 0; i < LOGSTREAM_TOTAL; i++)
		streams[i].fd = streams[i].logfd = -1;
	if (setup(c, &lfd, &ifd, &sfd) < 0)
		_exit(1);
	log_debug("log streamer ready");
	while (!stop) {
		struct epoll_event ev[64];
		int n = epoll_wait(epfd, ev, 64, 1000);
		for (int i = 0; i < n; i++) {
			uint32_t tag = ev[i].data.u32;
			if (tag == TAG_LISTEN)
				accept_handoff(lfd);
			else if (tag == TAG_INOTIFY)
				on_inotify(ifd);
			else if (tag == TAG_SIGNAL)
				stop = true;
			else if (tag < LOGSTREAM_TOTAL && streams[tag].fd >= 0) {
				if (ev[i].events & EPOLLOUT && flush(&streams[tag]) < 0)
					continue;
				if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
					stream_input(&streams[tag]);
				else if (streams[tag].fd >= 0)
					pump(&streams[tag]);
			}
		}
		if (now_s() != last_tick) {
			last_tick = now_s();
			tick();
		}
	}
	for (int i = 0; i < LOGSTREAM_TOTAL; i++)
		if (streams[i].fd >= 0) {
			stream_end(&streams[i], "the daemon stops");
			if (streams[i].fd >= 0)
				stream_free(&streams[i]);
		}
	db_close(rctx.db);
	_exit(0);
}
