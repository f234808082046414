/* tap.h: a tiny TAP producer for the C unit tests (one binary per module).
 *
 * Usage: TAP_PLAN_LATER; ok(cond, "what"); ... return tap_done();
 * Each ok() prints "ok N - what" or "not ok N - what" with the failing file:line.
 * skip("reason") prints "ok N # SKIP reason". tap_done() prints the plan "1..N" and
 * returns the exit status (0 when nothing failed). Header-only on purpose: each test
 * binary includes it once. */
#ifndef AF_TAP_H
#define AF_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 4, 5), unused)) static int tap_ok(int cond, const char *file,
								int line, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

__attribute__((unused)) static void skip(const char *reason)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, reason);
	fflush(stdout);
}

__attribute__((unused)) static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
