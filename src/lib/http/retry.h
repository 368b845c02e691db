/* Retry policy: which answers are worth another try, and how long to wait before it. */
#ifndef WATS_HTTP_RETRY_H
#define WATS_HTTP_RETRY_H

#include <stdint.h>

typedef struct wats__retry_policy {
	unsigned int attempts;  /* total tries, first included (>= 1) */
	unsigned int base_ms;
	unsigned int max_ms;    /* cap of one wait, Retry-After included */
} wats__retry_policy;

/* 429, 500, 502, 503, 504. */
int wats__retry_status(int status);

/*
 * Parse a Retry-After value: delta-seconds or an HTTP date (IMF-fixdate, RFC 850 or asctime),
 * relative to wall_now (UTC seconds). Returns milliseconds (>= 0) or -1 when unparseable.
 */
int64_t wats__retry_after_ms(const char *value, int64_t wall_now);

/* Full-jitter exponential backoff: uniform in [0, min(max, base * 2^retry)], retry 0-based. */
uint64_t wats__backoff_ms(const wats__retry_policy *p, unsigned int retry, uint64_t rnd);

/*
 * How long to wait before the next try after `done` tries, or -1 to stop: tries used up, or a
 * wait (Retry-After, or the drawn backoff) that would not fit in remaining_ms or exceed the
 * cap. retry_after_ms < 0 means the answer carried none.
 */
int64_t wats__retry_delay(const wats__retry_policy *p, unsigned int done, int64_t retry_after_ms,
			  uint64_t rnd, int64_t remaining_ms);

#endif
