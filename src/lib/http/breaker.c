/*
 * Breaker state machine. Unlike pyWATS (5xx never counted; half-open let every call through),
 * server errors count, 4xx do not (the server answered, the request was wrong), and half-open
 * lets exactly one probe through so a recovering server is not hit by the whole backlog.
 * Time only moves the breaker when a call arrives; nothing runs in the background.
 */
#include "http/breaker.h"

#include "wats/errors.h"

void wats__breaker_init(wats__breaker *b, unsigned int failures, uint64_t open_ms,
			unsigned int successes, int enabled)
{
	pthread_mutex_init(&b->lock, NULL);
	b->state = WATS_BREAKER_CLOSED;
	b->failures = b->successes = 0;
	b->probe_in_flight = 0;
	b->opened_at = 0;
	b->opens = b->rejections = 0;
	b->failure_threshold = failures ? failures : 5;
	b->success_threshold = successes ? successes : 2;
	b->open_ms = open_ms;
	b->enabled = enabled;
}

void wats__breaker_set_limits(wats__breaker *b, unsigned int failures, uint64_t open_ms,
			      unsigned int successes)
{
	pthread_mutex_lock(&b->lock);
	b->failure_threshold = failures ? failures : 5;
	b->success_threshold = successes ? successes : 2;
	b->open_ms = open_ms;
	pthread_mutex_unlock(&b->lock);
}

void wats__breaker_dispose(wats__breaker *b)
{
	pthread_mutex_destroy(&b->lock);
}

int wats__breaker_acquire(wats__breaker *b, uint64_t now, int *probe, uint64_t *retry_in_ms)
{
	*probe = 0;
	*retry_in_ms = 0;
	if (!b->enabled)
		return 0;
	int rc = 0;
	pthread_mutex_lock(&b->lock);
	switch (b->state) {
	case WATS_BREAKER_CLOSED:
		break;
	case WATS_BREAKER_OPEN:
		if (now - b->opened_at < b->open_ms) {
			*retry_in_ms = b->open_ms - (now - b->opened_at);
			rc = WATS_EBREAKER;
			break;
		}
		b->state = WATS_BREAKER_HALF_OPEN;
		b->successes = 0;
		/* fall through: this call becomes the probe */
		/* FALLTHROUGH */
	case WATS_BREAKER_HALF_OPEN:
		if (b->probe_in_flight) {
			rc = WATS_EBREAKER;
			break;
		}
		b->probe_in_flight = 1;
		*probe = 1;
		break;
	}
	if (rc)
		b->rejections++;
	pthread_mutex_unlock(&b->lock);
	return rc;
}

static void trip(wats__breaker *b, uint64_t now)
{
	b->state = WATS_BREAKER_OPEN;
	b->opened_at = now;
	b->failures = 0;
	b->successes = 0;
	b->opens++;
}

wats_breaker_state wats__breaker_record(wats__breaker *b, uint64_t now, int probe,
					wats__outcome outcome)
{
	if (!b->enabled)
		return WATS_BREAKER_CLOSED;
	pthread_mutex_lock(&b->lock);
	if (probe)
		b->probe_in_flight = 0;
	if (outcome == WATS__OUTCOME_CANCEL) {
		/* Nothing reached the server: no evidence either way. */
	} else if (b->state == WATS_BREAKER_HALF_OPEN) {
		/* Only the probe's verdict counts; a call admitted while closed that ends now says
		 * nothing about the server's state after it opened. */
		if (probe) {
			if (outcome == WATS__OUTCOME_FAILURE)
				trip(b, now);
			else if (++b->successes >= b->success_threshold) {
				b->state = WATS_BREAKER_CLOSED;
				b->failures = b->successes = 0;
			}
		}
	} else if (b->state == WATS_BREAKER_CLOSED) {
		if (outcome == WATS__OUTCOME_SUCCESS)
			b->failures = 0;
		else if (++b->failures >= b->failure_threshold)
			trip(b, now);
	}
	wats_breaker_state s = b->state;
	pthread_mutex_unlock(&b->lock);
	return s;
}

wats_breaker_state wats__breaker_state(wats__breaker *b)
{
	pthread_mutex_lock(&b->lock);
	wats_breaker_state s = b->state;
	pthread_mutex_unlock(&b->lock);
	return s;
}

void wats__breaker_reset(wats__breaker *b)
{
	pthread_mutex_lock(&b->lock);
	b->state = WATS_BREAKER_CLOSED;
	b->failures = b->successes = 0;
	pthread_mutex_unlock(&b->lock);
}
