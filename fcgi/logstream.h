/* logstream.h: live app logs as server-sent events, served by one event-loop process
 * (the "streamer", a child of the master like the workers) so that an open stream
 * never holds an API worker.
 *
 * The hand-off: an API worker routes and authenticates GET /api/apps/{id}/logs/stream
 * like any request (auth.c, the app read with its owner), checks the query, builds the
 * response head (response_serialize), then passes the FastCGI connection itself to the
 * streamer over state_dir/logstream.sock (SCM_RIGHTS) with a struct logstream_handoff.
 * The streamer answers one byte: LOGSTREAM_OK (it owns the connection now: the worker
 * forgets it without writing), or a refusal the worker answers itself (429 past the
 * caps, 503 otherwise). nginx sends this route on a connection of its own
 * (fastcgi_keep_conn off), so the connection carries this request only.
 *
 * The streamer writes the head, the last `tail` records of the app's current log file
 * (or, with a resume id, what came after it), then every record the app writes
 * (inotify on log_dir/apps), each as one event:
 *
 *   id: <inode>.<offset>\n          (the log file and the byte just after the record)
 *   data: {"at","stream","text"}\n\n (as GET .../logs?format=json; redacted, escaped)
 *
 * a comment ": keep-alive" every LOGSTREAM_KEEPALIVE_S, and ends the stream (FastCGI
 * END_REQUEST, then close) when the app is deleted, its owner disabled or gone, the
 * token expires or is revoked (an API token revoked, a JWT from before a password
 * change), LOGSTREAM_LIFETIME_S pass, the client goes, or the client reads too
 * slowly (more than LOGSTREAM_PENDING_MAX bytes waiting). A client reconnects with
 * Last-Event-ID and resumes where it was.
 *
 * Error convention: 0 on success, -1 with a message in err. */
#ifndef AF_LOGSTREAM_H
#define AF_LOGSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "common/conf.h"
#include "common/util.h"

#define LOGSTREAM_PER_USER 8 /* open streams per user */
#define LOGSTREAM_TOTAL \
	256 /* open streams in all ($APPFORGED_LOGSTREAM_TOTAL,
                                         1..256, lowers it so a test reaches it) */
#define LOGSTREAM_KEEPALIVE_S 15
#define LOGSTREAM_LIFETIME_S 3600 /* then the client reconnects with Last-Event-ID */
#define LOGSTREAM_PENDING_MAX (1024 * 1024)
#define LOGSTREAM_TAIL_DEFAULT 200
#define LOGSTREAM_TAIL_MAX 5000
#define LOGSTREAM_RESUME_MAX 48 /* "<inode>.<offset>" */
#define LOGSTREAM_HEAD_MAX 2048

/* The streamer's one-byte answers. */
#define LOGSTREAM_OK 'O'
#define LOGSTREAM_FULL_USER 'U' /* the user has LOGSTREAM_PER_USER open: 429 */
#define LOGSTREAM_FULL 'T'      /* LOGSTREAM_TOTAL open: 429 */
#define LOGSTREAM_ERROR 'E'     /* 503 */

struct logstream_handoff {
	uint32_t magic; /* LOGSTREAM_MAGIC */
	char app_id[ID_MAX_BUFSZ];
	char user_id[ID_MAX_BUFSZ];
	int64_t expires_at;                    /* unix s of the credential's end, 0: none */
	int64_t issued_at;                     /* a JWT's iat (0 for an API token) */
	char token_id[ID_MAX_BUFSZ];           /* an API token's id, "" for a JWT */
	int32_t fcgi_id;                       /* the FastCGI request id */
	int32_t tail;                          /* 1..LOGSTREAM_TAIL_MAX */
	char resume[LOGSTREAM_RESUME_MAX + 1]; /* Last-Event-ID, "" for none */
	uint32_t head_len;
	char head[LOGSTREAM_HEAD_MAX]; /* the response head, "Status: 200..\r\n\r\n" */
};
#define LOGSTREAM_MAGIC 0x4c534831u

/* state_dir/logstream.sock into out. 0 or -1. */
int logstream_socket_path(const struct conf *c, char *out, size_t outlen);

/* Worker side: passes conn_fd with h to the streamer. Returns the streamer's answer
 * byte, or -1 when it could not be reached (err says why). conn_fd stays open in the
 * caller either way (close it after LOGSTREAM_OK without writing to it). */
int logstream_handoff(const struct conf *c, const struct logstream_handoff *h, int conn_fd,
		      char *err, size_t errlen);

/* "<inode>.<offset>" (both decimal): 0 with the numbers, -1 when malformed. */
int logstream_resume_parse(const char *s, uint64_t *ino, uint64_t *off);

/* The streamer process (master.c forks it; it never returns). Opens its own database
 * connection, binds logstream.sock and serves until SIGTERM or its master's death. */
__attribute__((noreturn)) void logstream_main(const struct conf *c);

#endif
