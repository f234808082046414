/* clock.h: the one monotonic clock every process of appforge measures time with
 * (deadlines, timeouts, durations in logs). Wall-clock time stays time(2) and
 * util_time_format. */
#ifndef AF_CLOCK_H
#define AF_CLOCK_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC: only differences mean anything. Never fails. */
int64_t clock_mono_ms(void);
/* The same in microseconds (the start marks of sandbox/startmarks.h). */
int64_t clock_mono_us(void);

/* The same clock in seconds, with the nanoseconds as a fraction. */
double clock_mono_s(void);

#endif
