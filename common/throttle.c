/* throttle.c: the backoff arithmetic of failed logins (see throttle.h). */
#include "throttle.h"

/* The first wait is 2 s, not 1: times are whole seconds, and a wait of 1 would end at
 * the next tick, possibly a millisecond later. */
const struct throttle_policy throttle_user = { 5, 900, 2, 300 };
const struct throttle_policy throttle_addr = { 20, 900, 2, 300 };

long long throttle_wait(const struct throttle_state *s, long long now)
{
	return s->blocked_until > now ? s->blocked_until - now : 0;
}

void throttle_fail(const struct throttle_policy *p, struct throttle_state *s, long long now)
{
	long long k, delay;

	if (s->last_failure && now - s->last_failure >= p->window)
		s->failures = 0;
	if (s->failures < 0)
		s->failures = 0;
	s->failures++;
	s->last_failure = now;
	if (s->failures < p->free_failures)
		return;
	k = s->failures - p->free_failures; /* 0 for the first wait */
	delay = k >= 30 ? p->max_delay : (long long)p->base_delay << k;
	if (delay > p->max_delay)
		delay = p->max_delay;
	s->blocked_until = now + delay;
}

int throttle_expired(const struct throttle_policy *p, const struct throttle_state *s, long long now)
{
	return now - s->last_failure >= p->window && s->blocked_until <= now;
}
