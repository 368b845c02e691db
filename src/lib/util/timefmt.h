/* ISO 8601 times as WATS writes them: 2026-01-30T22:01:41.4707353+01:00, ...Z, or naive. */
#ifndef WATS_UTIL_TIMEFMT_H
#define WATS_UTIL_TIMEFMT_H

#include <stddef.h>
#include <time.h>

/**
 * Parse YYYY-MM-DD[(T| )HH:MM[:SS[.f{1,9}]]][Z|(+|-)HH[:]MM]. *secs is UTC (a naive time is
 * taken as UTC and *has_offset set to 0). Returns 0, or -1 when malformed.
 */
int wats__time_parse(const char *s, time_t *secs, long *nanos, int *offset_min, int *has_offset);

/** Format as YYYY-MM-DDTHH:MM:SS.mmm+HH:MM in the given offset. Returns the length. */
int wats__time_format(char *buf, size_t size, time_t secs, int millis, int offset_min);

/** Now, with the local UTC offset in minutes. */
void wats__time_now(time_t *secs, int *millis, int *offset_min);

#endif
