/* logstream_events.c: an app's log records as server-sent events (logstream.h): where
 * a stream starts in the file (the last N records), and the rendering of a run of
 * whole records into events.
 *
 * What a client sees is what GET .../logs?format=json serves: the same redaction
 * (h_env_redact, over the raw records, before parsing) and the same escaping
 * (applog_parse, applog_escape). Pure but for the redaction's database read. */
#include "fcgi/logstream_events.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/applog.h"

#define TAIL_WINDOW (1024 * 1024) /* bytes looked back for the last N records */

int64_t lsev_tail_offset(int fd, int64_t size, int lines)
{
	int64_t start = size > TAIL_WINDOW ? size - TAIL_WINDOW : 0, from;
	size_t len = (size_t)(size - start), got = 0;
	char *buf = malloc(len + 1);

	if (!buf)
		return size;
	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, start + (int64_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == 0) {
		free(buf);
		return start;
	}
	/* The last `lines` records; a window cut mid-file starts after its first newline
	 * (a cut line could begin inside an app's text and pass for a record). */
	from = (int64_t)applog_tail_start(buf, got, lines);
	if (from == 0 && start > 0) {
		char *nl = memchr(buf, '\n', got);
		from = nl ? (int64_t)(nl + 1 - buf) : (int64_t)got;
	}
	free(buf);
	return start + from;
}

/* One event: "id: ...\n" (when id is not NULL), "data: {json}\n\n". */
static void add_event(struct strbuf *out, const char *line, size_t n, const char *id)
{
	struct applog_line l;
	struct json_object *o;
	size_t elen;
	char *esc;

	applog_parse(line, n, &l);
	esc = applog_escape(l.text, l.textlen, &elen);
	if (!esc) {
		out->oom = 1;
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "at", l.at ? json_object_new_string_len(l.at, 24) : NULL);
	json_object_object_add(o, "stream", json_object_new_string(l.stream));
	json_object_object_add(o, "text", json_object_new_string_len(esc, (int)elen));
	if (id)
		strbuf_printf(out, "id: %s\n", id);
	/* The JSON has no raw newline (json-c escapes it), so it is one data line. */
	strbuf_puts(out, "data: ");
	strbuf_puts(out, json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE));
	strbuf_puts(out, "\n\n");
	json_object_put(o);
	free(esc);
}

static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0;
	for (const char *p = s; (p = memchr(p, '\n', len - (size_t)(p - s))); p++)
		n++;
	return n;
}

int lsev_render(struct hctx *ctx, const char *app_id, const char *raw, size_t len, uint64_t ino,
		uint64_t base, struct strbuf *out)
{
	size_t rlen = len, nraw = count_lines(raw, len), i = 0, k = 0, r = 0;
	char *red = malloc(len + 1), id[LOGSTREAM_RESUME_MAX + 1];
	bool per_line;

	if (!red)
		return -1;
	memcpy(red, raw, len);
	red[len] = 0;
	if (h_env_redact(ctx, app_id, &red, &rlen) < 0) { /* never serve it unredacted */
		free(red);
		return -1;
	}
	/* Each record's id is the offset just after it in the file. A secret holding a
	 * newline can join records in the redacted text: then only the last event of the
	 * run carries an id (a resume repeats that run at worst). */
	per_line = count_lines(red, rlen) == nraw;
	for (i = 0; i < rlen; k++) {
		const char *nl = memchr(red + i, '\n', rlen - i);
		size_t n = nl ? (size_t)(nl - (red + i)) : rlen - i;
		bool last = !nl || i + n + 1 >= rlen;
		const char *rnl = per_line ? memchr(raw + r, '\n', len - r) : NULL;
		r = rnl ? (size_t)(rnl - raw) + 1 : len;
		snprintf(id, sizeof id, "%llu.%llu", (unsigned long long)ino,
			 (unsigned long long)(base + (per_line ? r : len)));
		add_event(out, red + i, n, per_line || last ? id : NULL);
		i += n + 1;
	}
	explicit_bzero(red, rlen);
	free(red);
	return out->oom ? -1 : 0;
}
