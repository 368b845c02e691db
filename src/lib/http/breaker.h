/*
 * Circuit breaker of one server. Counts logical requests (after their retries), not attempts:
 * a call that fails with a 5xx or a transport error after three tries is one failure.
 */
#ifndef WATS_HTTP_BREAKER_H
#define WATS_HTTP_BREAKER_H

#include <pthread.h>
#include <stdint.h>

#include "wats/client.h"

typedef struct wats__breaker {
	pthread_mutex_t lock;
	wats_breaker_state state;
	unsigned int failures;      /* consecutive, while closed */
	unsigned int successes;     /* probe successes, while half-open */
	int probe_in_flight;        /* half-open admits exactly one call at a time */
	uint64_t opened_at;         /* ms, clock of the caller */
	uint64_t opens;
	uint64_t rejections;
	unsigned int failure_threshold;
	unsigned int success_threshold;
	uint64_t open_ms;
	int enabled;
} wats__breaker;

typedef enum { WATS__OUTCOME_SUCCESS, WATS__OUTCOME_FAILURE, WATS__OUTCOME_CANCEL } wats__outcome;

void wats__breaker_init(wats__breaker *b, unsigned int failures, uint64_t open_ms,
			unsigned int successes, int enabled);
/* New thresholds for later calls (wats_client_reconfigure); the state is kept. */
void wats__breaker_set_limits(wats__breaker *b, unsigned int failures, uint64_t open_ms,
			      unsigned int successes);
void wats__breaker_dispose(wats__breaker *b);

/*
 * Ask to send a call at time now. Returns 0 (and *probe says whether it is the half-open
 * probe) or WATS_EBREAKER without raising an error (the caller words it). *retry_in_ms tells
 * how long until a probe may pass (0 when unknown: another probe is in flight).
 */
int wats__breaker_acquire(wats__breaker *b, uint64_t now, int *probe, uint64_t *retry_in_ms);

/* Report the outcome of an admitted call. Returns the state after it (for logging changes). */
wats_breaker_state wats__breaker_record(wats__breaker *b, uint64_t now, int probe,
					wats__outcome outcome);

wats_breaker_state wats__breaker_state(wats__breaker *b);
void wats__breaker_reset(wats__breaker *b);

#endif
