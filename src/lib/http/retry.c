/*
 * Retry decisions, kept pure (no clock, no I/O) so they are tested exhaustively. pyWATS read
 * Retry-After case-sensitively from lower-cased headers and so never honoured it; here the
 * header is found case-insensitively by the transport and both of its forms are understood.
 */
#include "http/retry.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int wats__retry_status(int status)
{
	return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

static int64_t parse_date(const char *s)
{
	/* IMF-fixdate, obsolete RFC 850, asctime: the three forms RFC 9110 requires us to accept. */
	static const char *const formats[] = {
		"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y",
	};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		const char *end = strptime(s, formats[i], &tm);
		if (!end)
			continue;
		while (isspace((unsigned char)*end))
			end++;
		if (*end)
			continue;
		return (int64_t)timegm(&tm);
	}
	return -1;
}

int64_t wats__retry_after_ms(const char *value, int64_t wall_now)
{
	if (!value)
		return -1;
	while (isspace((unsigned char)*value))
		value++;
	if (!*value)
		return -1;
	if (isdigit((unsigned char)*value)) {
		char *end;
		double secs = strtod(value, &end);
		while (isspace((unsigned char)*end))
			end++;
		if (*end || secs < 0 || secs > 1e9)
			return -1;
		return (int64_t)(secs * 1000.0 + 0.5);
	}
	int64_t when = parse_date(value);
	if (when < 0)
		return -1;
	return when > wall_now ? (when - wall_now) * 1000 : 0;
}

uint64_t wats__backoff_ms(const wats__retry_policy *p, unsigned int retry, uint64_t rnd)
{
	uint64_t cap = p->base_ms;
	for (unsigned int i = 0; i < retry && cap < p->max_ms; i++)
		cap *= 2;
	if (cap > p->max_ms)
		cap = p->max_ms;
	return rnd % (cap + 1);
}

int64_t wats__retry_delay(const wats__retry_policy *p, unsigned int done, int64_t retry_after_ms,
			  uint64_t rnd, int64_t remaining_ms)
{
	if (done >= p->attempts)
		return -1;
	int64_t d;
	if (retry_after_ms >= 0) {
		/* The server said when; waiting less would be refused again, so either obey or stop. */
		if (retry_after_ms > (int64_t)p->max_ms)
			return -1;
		d = retry_after_ms;
	} else {
		d = (int64_t)wats__backoff_ms(p, done - 1, rnd);
	}
	return d < remaining_ms ? d : -1;
}
