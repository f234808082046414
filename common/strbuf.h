/* strbuf.h: a growable, always NUL-terminated string in memory.
 *
 * Out of memory is sticky: once an append fails, every later one is a no-op and
 * strbuf_take gives NULL, so a builder checks once, at the end. The buffer owns p until
 * strbuf_take hands it over; a zeroed struct strbuf is an empty buffer. */
#ifndef AF_STRBUF_H
#define AF_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *p;
	size_t len, cap;
	int oom;
};

void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
/* At most 1023 bytes per call: for short formatted pieces. */
__attribute__((format(printf, 2, 3))) void strbuf_printf(struct strbuf *b, const char *fmt, ...);
/* The string (the caller's, to free; "" for an empty buffer), or NULL when out of
 * memory; the buffer is left empty either way. */
char *strbuf_take(struct strbuf *b);

#endif
