/*
 * Report ids and start times for reports a converter builds.
 *
 * Without WATS_CONVERT_DERIVE_IDS every conversion seeds a generator once from the OS (one
 * getrandom per conversion instead of one per report: a CSV file of short rows makes
 * hundreds of thousands of reports) and the clock is read once per conversion. With it, an id
 * is derived from the input's bytes and the report's index, as watsd has always done, so
 * converting the same file again gives the same ids.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "convert/convert_internal.h"
#include "util/timefmt.h"

#define FNV_A0 1469598103934665603ull
#define FNV_B0 0x84222325cbf29ce4ull
#define FNV_P 1099511628211ull /* = 0x100000001b3 */
#define FNV_B_ADD 0x9e3779b97f4a7c15ull

void wats__idgen_init(wats__idgen *g, int derive)
{
	memset(g, 0, sizeof(*g));
	g->derive = derive;
	g->a = FNV_A0;
	g->b = FNV_B0;
}

/* Two FNV-1a 64 streams (the second with an added constant, so they differ). */
void wats__idgen_feed(wats__idgen *g, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t a = g->a, b = g->b;
	for (size_t i = 0; i < len; i++) {
		a = (a ^ p[i]) * FNV_P;
		b = (b ^ p[i]) * FNV_P + FNV_B_ADD;
	}
	g->a = a;
	g->b = b;
}

static void format_guid(char out[37], const unsigned char u[16])
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[u[i] >> 4];
		out[k++] = hex[u[i] & 15];
	}
	out[k] = '\0';
}

static void guid_of(char out[37], uint64_t a, uint64_t b)
{
	unsigned char u[16];
	for (int i = 0; i < 8; i++) {
		u[i] = (unsigned char)(a >> (8 * i));
		u[8 + i] = (unsigned char)(b >> (8 * i));
	}
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 layout, so validators accept */
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	format_guid(out, u);
}

static void derive(char out[37], uint64_t a, uint64_t b, size_t index)
{
	for (int s = 0; s < 8; s++) {
		unsigned char c = (unsigned char)((uint64_t)index >> (8 * s));
		a = (a ^ c) * FNV_P;
		b = (b ^ c) * FNV_P + FNV_B_ADD;
	}
	guid_of(out, a, b);
}

void wats_convert_derive_id(char out[37], const void *data, size_t len, size_t index)
{
	wats__idgen g;
	wats__idgen_init(&g, 1);
	wats__idgen_feed(&g, data, len);
	derive(out, g.a, g.b, index);
}

/* splitmix64: a full-period generator; its outputs are well mixed even from adjacent seeds. */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int wats__idgen_next(wats__idgen *g, char out[37])
{
	if (g->derive) {
		derive(out, g->a, g->b, g->next++);
		return 0;
	}
	if (!g->seeded) {
		uint64_t seed[2];
		size_t got = 0;
		while (got < sizeof(seed)) {
			ssize_t n = getrandom((char *)seed + got, sizeof(seed) - got, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return wats__error(WATS_EIO, WATS_ERRCLASS_OS, "no random source for a report id");
			got += (size_t)n;
		}
		g->rng[0] = seed[0];
		g->rng[1] = seed[1];
		g->seeded = 1;
	}
	/* Two independent streams: 128 bits of state, so ids of different conversions collide
	 * no more often than random version-4 GUIDs. */
	uint64_t a = splitmix(&g->rng[0]), b = splitmix(&g->rng[1]);
	guid_of(out, a, b);
	g->next++;
	return 0;
}

const char *wats__idgen_start(wats__idgen *g)
{
	if (!g->start[0]) {
		time_t now;
		int ms, off;
		wats__time_now(&now, &ms, &off);
		wats__time_format(g->start, sizeof(g->start), now, ms, off);
	}
	return g->start;
}

int wats__idgen_hash_fd(wats__idgen *g, int fd, const char *name)
{
	enum { SIZE = 1 << 16 };
	unsigned char *buf = malloc(SIZE); /* not on the stack: callers may run on small threads */
	if (!buf)
		return wats__error_oom();
	off_t off = 0;
	int rc = 0;
	for (;;) {
		ssize_t n = pread(fd, buf, SIZE, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = wats__error_at(WATS_EIO, WATS_ERRCLASS_OS, name, 0, 0,
					    "%s: derived report ids need the whole file first: %s", name,
					    strerror(errno));
		if (n <= 0)
			break;
		wats__idgen_feed(g, buf, (size_t)n);
		off += n;
	}
	free(buf);
	return rc;
}
