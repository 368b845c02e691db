#include "util/timefmt.h"

#include <stdio.h>
#include <string.h>

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int wats__time_parse(const char *s, time_t *secs, long *nanos, int *offset_min, int *has_offset)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, off = 0, have_off = 0;
	long ns = 0;
	const char *p = s;
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return -1;
			if (*p == '.' || *p == ',') {
				p++;
				int n = 0;
				while (*p >= '0' && *p <= '9') {
					if (n < 9) {
						ns = ns * 10 + (*p - '0');
						n++;
					}
					p++;
				}
				if (n == 0)
					return -1;
				for (; n < 9; n++)
					ns *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (*p == 'Z' || *p == 'z') {
			p++;
			have_off = 1;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om;
			if (digits(&p, 2, &oh))
				return -1;
			if (*p == ':')
				p++;
			if (digits(&p, 2, &om) || oh > 14 || om > 59)
				return -1;
			off = sign * (oh * 60 + om);
			have_off = 1;
		}
	}
	if (*p)
		return -1;
	struct tm tm = { 0 };
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	if (secs)
		*secs = t - (time_t)off * 60;
	if (nanos)
		*nanos = ns;
	if (offset_min)
		*offset_min = off;
	if (has_offset)
		*has_offset = have_off;
	return 0;
}

int wats__time_format(char *buf, size_t size, time_t secs, int millis, int offset_min)
{
	time_t local = secs + (time_t)offset_min * 60;
	struct tm tm;
	gmtime_r(&local, &tm);
	int a = offset_min < 0 ? -offset_min : offset_min;
	return snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02d:%02d", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis,
			offset_min < 0 ? '-' : '+', a / 60, a % 60);
}

void wats__time_now(time_t *secs, int *millis, int *offset_min)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	localtime_r(&ts.tv_sec, &tm);
	*secs = ts.tv_sec;
	*millis = (int)(ts.tv_nsec / 1000000);
	*offset_min = (int)(tm.tm_gmtoff / 60);
}
