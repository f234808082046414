/* throttle.h: the backoff policy of failed logins, pure arithmetic (no clock, no I/O),
 * so that it unit-tests alone. The state of one key (an account name or a client
 * address) is kept by the caller (the database: db_throttle_*).
 *
 * Policy: failures within `window` seconds of each other count up; a quiet window
 * starts the count again. From the free_failures-th failure on, the key waits
 * base_delay seconds, then twice as long after each further failure, up to max_delay.
 * Attempts made while waiting are refused without being counted, so a guesser gets at
 * most one try per wait and the owner is never locked out for longer than max_delay. */
#ifndef AF_THROTTLE_H
#define AF_THROTTLE_H

struct throttle_policy {
	int free_failures; /* failures allowed before the first wait (>= 1) */
	int window;        /* seconds without a failure that reset the count */
	int base_delay;    /* first wait, seconds (>= 1) */
	int max_delay;     /* cap of the wait, seconds (>= base_delay) */
};

struct throttle_state {
	long long failures;      /* consecutive failures in the window */
	long long last_failure;  /* time of the last failure (0: none) */
	long long blocked_until; /* no attempt before this time (0: none) */
};

/* The account name and the client address: several people may share an address. */
extern const struct throttle_policy throttle_user, throttle_addr;

/* Seconds the key must still wait at now (0: an attempt is allowed). */
long long throttle_wait(const struct throttle_state *s, long long now);

/* Records one failure at now into s. */
void throttle_fail(const struct throttle_policy *p, struct throttle_state *s, long long now);

/* 1 when s no longer matters at now (its window has passed and it waits for nothing):
 * such a row may be pruned. */
int throttle_expired(const struct throttle_policy *p, const struct throttle_state *s,
		     long long now);

#endif
