/* The real clock. Randomness only spreads retries (jitter) and names requests, so a fast
 * per-thread generator seeded from the OS is enough; it needs no lock. */
#include "http/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

uint64_t wats__monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t real_now(void *p)
{
	(void)p;
	return wats__monotonic_ms();
}

static void real_sleep(void *p, uint64_t ms)
{
	(void)p;
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t real_rand(void *p)
{
	static _Thread_local uint64_t s;
	(void)p;
	if (!s) {
		if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s) || !s) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			s = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&s;
			s |= 1;
		}
	}
	/* xorshift64* */
	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return s * 0x2545F4914F6CDD1DULL;
}

static int64_t real_wall(void *p)
{
	(void)p;
	return (int64_t)time(NULL);
}

const wats__clock wats__clock_real = { real_now, real_sleep, real_rand, real_wall, NULL };
