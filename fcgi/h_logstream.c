/* h_logstream.c: GET /api/apps/{id}/logs/stream, the worker's half of a live log
 * stream: it checks the caller and the request, then hands the FastCGI connection to
 * the streamer process (logstream.h), which serves the stream; the worker is free
 * again within milliseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "fcgi/handler.h"
#include "fcgi/logstream.h"

/* tail (1..LOGSTREAM_TAIL_MAX) and the resume id (Last-Event-ID, or the query's
 * last_event_id for clients that cannot set it). 0, or -1 after answering 400. */
static int stream_params(struct hctx *ctx, struct logstream_handoff *h)
{
	char buf[LOGSTREAM_RESUME_MAX + 1];
	const char *resume = ctx->req->last_event_id;
	long long tail = LOGSTREAM_TAIL_DEFAULT;
	uint64_t ino, off;
	int rc = query_get(ctx->req->query, "tail", buf, sizeof buf);

	if (rc < 0 || (rc > 0 && util_parse_ll(buf, 1, LOGSTREAM_TAIL_MAX, &tail) < 0)) {
		h_bad_request(ctx, "tail must be an integer from 1 to 5000");
		return -1;
	}
	h->tail = (int32_t)tail;
	rc = query_get(ctx->req->query, "last_event_id", buf, sizeof buf);
	if (rc < 0) {
		h_bad_request(ctx, "last_event_id is not an event id");
		return -1;
	}
	if (rc > 0)
		resume = buf;
	/* An unknown id is no error: the stream then starts with the tail. */
	if (resume && *resume && strlen(resume) <= LOGSTREAM_RESUME_MAX &&
	    logstream_resume_parse(resume, &ino, &off) == 0)
		util_copy(h->resume, sizeof h->resume, resume);
	return 0;
}

/* The response head the streamer writes first. 0 or -1. */
static int stream_head(struct hctx *ctx, struct logstream_handoff *h)
{
	struct response r;
	size_t len = 0;
	char *head;

	memset(&r, 0, sizeof r);
	r.status = 200;
	r.content_type = "text/event-stream; charset=utf-8";
	r.stream = true;
	/* nginx must pass each event on at once, whatever the location says */
	response_header(&r, "X-Accel-Buffering", "no");
	head = response_serialize(&r, ctx->req->request_id, &len);
	if (!head || len > sizeof h->head) {
		free(head);
		return -1;
	}
	memcpy(h->head, head, len);
	h->head_len = (uint32_t)len;
	free(head);
	return 0;
}

static void refused(struct hctx *ctx, int answer, const char *err)
{
	if (answer == LOGSTREAM_FULL_USER || answer == LOGSTREAM_FULL) {
		response_header(ctx->resp, "Retry-After", "5");
		response_error(ctx->resp, 429, "rate_limited",
			       answer == LOGSTREAM_FULL_USER
				       ? "too many open log streams for this user: close one first"
				       : "too many open log streams: try again later");
		return;
	}
	log_error("log stream of %s: %s", ctx->param, err[0] ? err : "refused by the streamer");
	response_error(ctx->resp, 503, "unavailable", "log streaming is unavailable right now");
}

void h_app_logs_stream(struct hctx *ctx)
{
	char err[256] = "";
	struct logstream_handoff h;
	struct db_app a;
	int rc;

	memset(&h, 0, sizeof h);
	memset(&a, 0, sizeof a);
	rc = db_app_get(ctx->db, ctx->param, ctx->who.user_id, &a, err, sizeof err);
	db_app_clear(&a);
	if (rc == DB_NOTFOUND) {
		h_not_found(ctx);
		return;
	}
	if (rc != DB_OK) {
		h_internal(ctx, "app get", err);
		return;
	}
	if (stream_params(ctx, &h) < 0)
		return;
	if (ctx->req->conn_fd < 0 || stream_head(ctx, &h) < 0) {
		h_internal(ctx, "log stream", "no connection to hand over, or out of memory");
		return;
	}
	h.magic = LOGSTREAM_MAGIC;
	util_copy(h.app_id, sizeof h.app_id, ctx->param);
	util_copy(h.user_id, sizeof h.user_id, ctx->who.user_id);
	h.expires_at = ctx->who.expires_at;
	h.issued_at = ctx->who.issued_at;
	util_copy(h.token_id, sizeof h.token_id, ctx->who.token_id);
	h.fcgi_id = ctx->req->fcgi_id;
	rc = logstream_handoff(ctx->conf, &h, ctx->req->conn_fd, err, sizeof err);
	if (rc != LOGSTREAM_OK) {
		refused(ctx, rc, err);
		return;
	}
	/* The streamer answers on the connection from now on: the worker writes nothing. */
	ctx->resp->status = 200;
	ctx->resp->handed_off = true;
}
