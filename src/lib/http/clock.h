/*
 * Time and randomness as a hook, so the breaker, the backoff and the cache can be driven by a
 * fake clock in unit tests (no real waits) and by the real one everywhere else.
 */
#ifndef WATS_HTTP_CLOCK_H
#define WATS_HTTP_CLOCK_H

#include <stdint.h>

typedef struct wats__clock {
	uint64_t (*now_ms)(void *payload);            /* monotonic milliseconds */
	void (*sleep_ms)(void *payload, uint64_t ms); /* wait that long */
	uint64_t (*rand64)(void *payload);            /* uniformly random 64 bits */
	int64_t (*wall_s)(void *payload);             /* UTC seconds, for Retry-After dates */
	void *payload;
} wats__clock;

/* The real clock: CLOCK_MONOTONIC, nanosleep, a per-thread xorshift seeded from the OS. */
extern const wats__clock wats__clock_real;

uint64_t wats__monotonic_ms(void);

#endif
