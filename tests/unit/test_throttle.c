/* test_throttle.c: the backoff arithmetic of failed logins (common/throttle.c). */
#include <string.h>

#include "tap.h"
#include "throttle.h"

int main(void)
{
	const struct throttle_policy p = { 3, 100, 2, 10 };
	struct throttle_state s;
	long long t = 1000;
	int free_ok = 1;

	memset(&s, 0, sizeof s);
	ok(throttle_wait(&s, t) == 0, "a new key may try");
	for (int i = 0; i < 2; i++) {
		throttle_fail(&p, &s, t);
		free_ok &= throttle_wait(&s, t) == 0;
	}
	ok(free_ok && s.failures == 2, "the free failures cost no wait");
	throttle_fail(&p, &s, t);
	ok(throttle_wait(&s, t) == 2 && throttle_wait(&s, t + 1) == 1 &&
		   throttle_wait(&s, t + 2) == 0,
	   "the third failure waits base_delay");
	throttle_fail(&p, &s, t + 2);
	ok(throttle_wait(&s, t + 2) == 4, "the next waits twice as long");
	throttle_fail(&p, &s, t + 6);
	ok(throttle_wait(&s, t + 6) == 8, "and twice again");
	throttle_fail(&p, &s, t + 14);
	ok(throttle_wait(&s, t + 14) == 10, "up to max_delay");
	for (int i = 0; i < 100; i++)
		throttle_fail(&p, &s, t + 24 + i);
	ok(throttle_wait(&s, t + 123) == 10,
	   "a hundred more failures stay at max_delay (no overflow)");
	ok(!throttle_expired(&p, &s, t + 150), "a key with recent failures is kept");
	ok(throttle_expired(&p, &s, t + 123 + 100), "a quiet window makes the key prunable");
	throttle_fail(&p, &s, t + 123 + 100);
	ok(s.failures == 1 && throttle_wait(&s, t + 223) == 0,
	   "a failure after a quiet window starts the count again");
	ok(throttle_user.free_failures >= 3 && throttle_user.max_delay <= 900 &&
		   throttle_addr.free_failures > throttle_user.free_failures,
	   "the account and address policies are sane");
	return tap_done();
}
