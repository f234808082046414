/* logstream_events.h: an app's log records as server-sent events (see logstream.h).
 * Used by the streamer process only. */
#ifndef AF_LOGSTREAM_EVENTS_H
#define AF_LOGSTREAM_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "fcgi/handler.h"
#include "fcgi/logstream.h"

/* The offset in the log file fd (size bytes) where its last `lines` records start
 * (looking back at most 1 MiB). Never fails: out of memory gives size (no tail). */
int64_t lsev_tail_offset(int fd, int64_t size, int lines);

/* Appends raw[0..len), whole records of the file with inode ino read from offset base
 * (len ends with a newline), as events to out: redacted (h_env_redact with ctx's
 * configuration and database), escaped, each with the id "<ino>.<offset after it>".
 * 0, or -1 (out of memory, or the redaction failed: nothing may be served then). */
int lsev_render(struct hctx *ctx, const char *app_id, const char *raw, size_t len, uint64_t ino,
		uint64_t base, struct strbuf *out);

#endif
