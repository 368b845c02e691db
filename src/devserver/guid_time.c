/* GUIDs and ISO-8601 times, the two value types the server must normalise to index reports. */
#include "devserver.h"

#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

int ds_guid_normalize(const char *s, size_t len, char out[37])
{
	if (len >= 9 && !strncasecmp(s, "urn:uuid:", 9)) {
		s += 9;
		len -= 9;
	}
	if (len >= 2 && s[0] == '{' && s[len - 1] == '}') {
		s++;
		len -= 2;
	}
	char hex[32];
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '-') {
			/* Dashes only at the canonical places, or none at all. */
			if (len != 36 || (i != 8 && i != 13 && i != 18 && i != 23))
				return -1;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]) || n == 32)
			return -1;
		hex[n++] = (char)tolower((unsigned char)s[i]);
	}
	if (n != 32 || (len != 32 && len != 36))
		return -1;
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	return 0;
}

void ds_guid_new(char out[37])
{
	unsigned char b[16];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* getrandom only fails before the pool is seeded; fall back to time-based bytes. */
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		uint64_t x = (uint64_t)t.tv_nsec ^ ((uint64_t)t.tv_sec << 20) ^ (uint64_t)(uintptr_t)b;
		for (int i = 0; i < 16; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[i] = (unsigned char)x;
		}
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

void ds_format_iso(double t, char out[32])
{
	time_t secs = (time_t)floor(t);
	int ms = (int)((t - (double)secs) * 1000.0 + 0.5);
	if (ms >= 1000) {
		secs++;
		ms -= 1000;
	}
	struct tm tm;
	if (!gmtime_r(&secs, &tm))
		memset(&tm, 0, sizeof(tm));
	/* Years outside 0..9999 cannot come from a parsed ISO date; clamp for the format. */
	int year = tm.tm_year + 1900;
	year = year < 0 ? 0 : year > 9999 ? 9999 : year;
	char tmp[96];
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	snprintf(out, 32, "%.31s", tmp);
}

void ds_now_iso(char out[32])
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	ds_format_iso((double)t.tv_sec + (double)t.tv_nsec / 1e9, out);
}

static int digits(const char *s, size_t len, size_t *pos, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (*pos >= len || !isdigit((unsigned char)s[*pos]))
			return -1;
		v = v * 10 + (s[(*pos)++] - '0');
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (no time zone tables). */
static long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int ds_parse_iso(const char *s, size_t len, double *out)
{
	size_t p = 0;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	double frac = 0;
	if (digits(s, len, &p, 4, &y) || p >= len || s[p++] != '-' || digits(s, len, &p, 2, &mo) ||
	    p >= len || s[p++] != '-' || digits(s, len, &p, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	long offset = 0;
	if (p < len && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
		p++;
		if (digits(s, len, &p, 2, &h) || p >= len || s[p++] != ':' ||
		    digits(s, len, &p, 2, &mi))
			return -1;
		if (p < len && s[p] == ':') {
			p++;
			if (digits(s, len, &p, 2, &sec))
				return -1;
			if (p < len && s[p] == '.') {
				p++;
				double scale = 0.1;
				if (p >= len || !isdigit((unsigned char)s[p]))
					return -1;
				while (p < len && isdigit((unsigned char)s[p])) {
					frac += (s[p++] - '0') * scale;
					scale /= 10;
				}
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (p < len && (s[p] == 'Z' || s[p] == 'z')) {
			p++;
		} else if (p < len && (s[p] == '+' || s[p] == '-')) {
			int sign = s[p++] == '-' ? -1 : 1, oh, om = 0;
			if (digits(s, len, &p, 2, &oh))
				return -1;
			if (p < len && s[p] == ':')
				p++;
			if (p < len && digits(s, len, &p, 2, &om))
				return -1;
			offset = sign * (oh * 3600L + om * 60L);
		}
	}
	if (p != len)
		return -1;
	*out = (double)(days_from_civil(y, mo, d) * 86400L + h * 3600L + mi * 60L + sec - offset) +
	       frac;
	return 0;
}
