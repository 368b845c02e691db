/* Shared pieces of the vendor converters (see vendor_util.h). */
/* tm_gmtoff and timegm: the build defines _GNU_SOURCE */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "convert/vendor_util.h"
#include "convert/xmlin.h"
#include "report/node.h"
#include "util/jsonnum.h"
#include "util/timefmt.h"

/* ---- text -------------------------------------------------------------------------------- */

int wats__vu_split(char *s, char sep, char **f, int max)
{
	int n = 0;
	while (n < max) {
		f[n++] = s;
		if (n == max)
			break;
		char *e = strchr(s, sep);
		if (!e)
			break;
		*e = '\0';
		s = e + 1;
	}
	return n;
}

size_t wats__vu_copy(char *dst, size_t size, const char *src)
{
	if (!size)
		return 0;
	size_t n = strnlen(src, size);
	if (n == size) {
		n = size - 1;
		while (n && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--; /* not into the middle of a character */
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

size_t wats__vu_join(char *dst, size_t size, size_t at, ...)
{
	va_list ap;
	va_start(ap, at);
	const char *s;
	while ((s = va_arg(ap, const char *)) && at + 1 < size) {
		size_t n = wats__vu_copy(dst + at, size - at, s);
		at += n;
		if (s[n])
			break; /* cut (maybe short of the end, at a character): nothing after it */
	}
	va_end(ap);
	if (at < size)
		dst[at] = '\0';
	return at;
}

int wats__vu_starts(const unsigned char *head, size_t len, const char *prefix)
{
	if (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
		head += 3, len -= 3;
	size_t n = strlen(prefix);
	return len >= n && !memcmp(head, prefix, n);
}

/* ---- numbers and chart series as the source wrote them ----------------------------------- */

/* strtod over the whole of s[0..len) ("inf", "0x1p3", 200 digits and all), or -1. */
static int strtod_all(const char *s, size_t len, double *v)
{
	char small[128], *end;
	char *buf = len < sizeof(small) ? small : malloc(len + 1);
	if (!len || !buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*v = strtod(buf, &end);
	int rc = *end || end == buf ? -1 : 0;
	if (buf != small)
		free(buf);
	return rc;
}

int wats__vu_parse(const char *s, size_t len, double *v)
{
	static const double p10[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
	const char *p = s, *end = s + len;
	int neg = p < end && *p == '-';
	p += p < end && (*p == '-' || *p == '+');
	uint64_t m = 0;
	int digits = 0, scale = 0, any = 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++, any = 1)
		if (m || *p != '0')
			m = m * 10 + (uint64_t)(*p - '0'), digits++;
	if (p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9'; p++, any = 1) {
			if (m || *p != '0')
				m = m * 10 + (uint64_t)(*p - '0'), digits++;
			scale--;
		}
	long e = 0;
	if (any && p < end && (*p == 'e' || *p == 'E')) {
		const char *q = p + 1;
		int eneg = q < end && *q == '-';
		q += q < end && (*q == '-' || *q == '+');
		if (q < end && *q >= '0' && *q <= '9') {
			for (; q < end && *q >= '0' && *q <= '9'; q++)
				e = e < 100000 ? e * 10 + (*q - '0') : e;
			p = q;
			e = eneg ? -e : e;
		}
	}
	if (!any || p != end)
		return strtod_all(s, len, v);
	/* Clinger's fast path: m and 10^k both exact doubles, so one operation rounds correctly,
	 * exactly as strtod does. (x86-64 evaluates doubles in double precision.) */
	e += scale;
	if (digits <= 15 && e >= -22 && e <= 22) {
		double d = (double)m;
		d = e < 0 ? d / p10[-e] : d * p10[e];
		*v = neg ? -d : d;
		return 0;
	}
	return strtod_all(s, len, v);
}

int wats__vu_text_add(wats__vu_text *t, const char *s, size_t len, int comma, double *v)
{
	/* The text, then room for a double written in its place (at most 25 bytes). */
	char small[128], *tmp = small;
	size_t size = sizeof(small);
	if (!len)
		return -1;
	if (len + 32 > size && !(tmp = malloc(size = len + 32)))
		return wats__error_oom();
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (comma && !memchr(tmp, '.', len)) {
		char *c = memchr(tmp, ',', len);
		if (c)
			*c = '.';
	}
	double d;
	int rc = 0;
	if (wats__vu_parse(tmp, len, &d) < 0) {
		rc = -1;
		goto out;
	}
	if (v)
		*v = d;
	if (!wats__json_number_valid(tmp))
		len = (size_t)wats__format_double(tmp, size, d);
	if (t->len + len + 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		while (cap < t->len + len + 2)
			cap *= 2;
		char *ns = realloc(t->s, cap);
		if (!ns) {
			rc = wats__error_oom();
			goto out;
		}
		t->s = ns, t->cap = cap;
	}
	if (t->n)
		t->s[t->len++] = ';';
	memcpy(t->s + t->len, tmp, len);
	t->len += len;
	t->s[t->len] = '\0';
	t->n++;
out:
	if (tmp != small)
		free(tmp);
	return rc;
}

void wats__vu_text_cut(wats__vu_text *t, size_t n)
{
	if (n >= t->n)
		return;
	size_t k = 0, i = 0;
	for (; i < t->len && k < n; i++)
		k += t->s[i] == ';';
	t->len = n ? i - 1 : 0;
	if (t->s)
		t->s[t->len] = '\0';
	t->n = n;
}

void wats__vu_text_free(wats__vu_text *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

int wats__vu_series(wats_report *r, wats_step *s, const char *name, const wats__vu_text *x,
		    const wats__vu_text *y)
{
	/* An empty series from the model, then its data members set from the text. */
	int rc = wats_step_add_chart_series(s, name, NULL, NULL, 0);
	if (rc < 0)
		return rc;
	wats_node *ser = wats_node_first(wats_node_get(wats_node_get(s, "chart"), "series")), *nx;
	while ((nx = wats_node_next(ser)))
		ser = nx;
	if (x && (rc = wats_node_set_stringn(r, ser, "xdata", x->len ? x->s : "", x->len)) < 0)
		return rc;
	return wats_node_set_stringn(r, ser, "ydata", y->len ? y->s : "", y->len);
}

/* ---- report helpers ---------------------------------------------------------------------- */

static int parse_offset(const char *s, int *min)
{
	int sign = 1, h = 0, m = 0;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	else
		return -1;
	if (sscanf(s, "%2d:%2d", &h, &m) < 1 && sscanf(s, "%2d%2d", &h, &m) < 1)
		return -1;
	if (h > 14 || m > 59)
		return -1;
	*min = sign * (h * 60 + m);
	return 0;
}

/*
 * Local time *in as a time_t and the station's UTC offset (minutes) then, as mktime gives them.
 * mktime re-reads the zone (a stat of /etc/localtime per call: a tenth of a GR228X conversion,
 * one per board), so the offset is kept per thread for the local hour it was found for: only
 * when that whole hour and the second on each side of it have the one offset (no DST change in
 * or at it, so no skipped or repeated hour), only for the same TZ variable, and only within the
 * same second of the clock (a changed zone is seen as mktime would see it, a second later).
 */
static int local_time(const struct tm *in, time_t *t, int *off)
{
	static _Thread_local struct {
		int valid, y, mo, d, h, off, has_tz;
		time_t at;
		char tz[64];
	} k;
	const char *tz = getenv("TZ");
	time_t now = time(NULL);
	if (k.valid && k.at == now && k.y == in->tm_year && k.mo == in->tm_mon && k.d == in->tm_mday &&
	    k.h == in->tm_hour && k.has_tz == !!tz && (!tz || !strcmp(k.tz, tz))) {
		struct tm u = *in;
		*off = k.off;
		*t = timegm(&u) - (time_t)k.off * 60;
		return 0;
	}
	struct tm tm = *in, a = *in, b = *in, la, lb;
	tm.tm_isdst = a.tm_isdst = b.tm_isdst = -1;
	if ((*t = mktime(&tm)) == (time_t)-1)
		return -1;
	*off = (int)(tm.tm_gmtoff / 60);
	/* the hour's first and last second, and the seconds just outside it */
	a.tm_min = a.tm_sec = 0;
	b.tm_min = b.tm_sec = 59;
	time_t ta = mktime(&a), tb = mktime(&b);
	k.valid = 0;
	if (ta == (time_t)-1 || tb == (time_t)-1 || tb - ta != 3599 || (tz && strlen(tz) >= sizeof(k.tz)))
		return 0;
	ta--, tb++;
	if (!localtime_r(&ta, &la) || !localtime_r(&tb, &lb) || a.tm_gmtoff != tm.tm_gmtoff ||
	    b.tm_gmtoff != tm.tm_gmtoff || la.tm_gmtoff != tm.tm_gmtoff || lb.tm_gmtoff != tm.tm_gmtoff)
		return 0;
	k.valid = 1, k.off = *off, k.at = now, k.has_tz = !!tz;
	k.y = in->tm_year, k.mo = in->tm_mon, k.d = in->tm_mday, k.h = in->tm_hour;
	snprintf(k.tz, sizeof(k.tz), "%s", tz ? tz : "");
	return 0;
}

int wats__vu_set_start_local(wats__cctx *c, wats_report *r, int y, int mo, int d, int h, int mi,
			     int s, int ms)
{
	if (y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || s < 0 || s > 60 || ms < 0 || ms > 999)
		return -1;
	struct tm tm = { 0 };
	tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
	tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = s;
	const char *tz = wats__cctx_param(c, "utcOffset");
	int off;
	time_t t;
	if (tz && parse_offset(tz, &off) == 0) {
		t = timegm(&tm) - (time_t)off * 60;
	} else if (local_time(&tm, &t, &off) < 0) {
		/* No offset anywhere: the station's local time, as the WATS Client takes it. */
		return -1;
	}
	return wats_report_set_start(r, t, ms, off) < 0 ? -1 : 0;
}

int wats__vu_set_start_iso(wats__cctx *c, wats_report *r, const char *iso, long line)
{
	time_t t;
	long ns;
	int off, has;
	if (!iso || wats__time_parse(iso, &t, &ns, &off, &has) < 0) {
		wats__cctx_warn(c, line, "start", "start time '%s' not understood; conversion time used",
				iso ? iso : "");
		return 0;
	}
	if (has)
		return wats_report_set_start_text(r, iso) < 0 ? wats_report_set_start(r, t, (int)(ns / 1000000), off) : 0;
	struct tm tm;
	gmtime_r(&t, &tm);
	return wats__vu_set_start_local(c, r, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
					tm.tm_min, tm.tm_sec, (int)(ns / 1000000)) < 0 ? 0 : 0;
}

int wats__vu_shift10(char *out, size_t size, const char *num, int shift)
{
	if (!wats__json_number_valid(num))
		return -1;
	const char *e = strpbrk(num, "eE");
	if (!e && shift >= -24 && shift <= 24 && strlen(num) < 64) {
		/* Plain decimal: move the point ("47960", -3 -> "47.960"; "2.24", -6 -> "0.00000224"). */
		char digits[128], res[160];
		const char *p = num;
		size_t nd = 0, k = 0;
		int neg = *p == '-';
		p += neg;
		long point = -1;
		for (; *p; p++) {
			if (*p == '.')
				point = (long)nd;
			else
				digits[nd++] = *p;
		}
		if (point < 0)
			point = (long)nd;
		point += shift;
		if (neg)
			res[k++] = '-';
		size_t start = k;
		if (point <= 0) {
			res[k++] = '0';
			res[k++] = '.';
			for (long z = 0; z < -point; z++)
				res[k++] = '0';
			memcpy(res + k, digits, nd);
			k += nd;
		} else if ((size_t)point >= nd) {
			memcpy(res + k, digits, nd);
			k += nd;
			for (size_t z = nd; z < (size_t)point; z++)
				res[k++] = '0';
		} else {
			memcpy(res + k, digits, (size_t)point);
			k += (size_t)point;
			res[k++] = '.';
			memcpy(res + k, digits + point, nd - (size_t)point);
			k += nd - (size_t)point;
		}
		res[k] = '\0';
		/* No leading zeros before the point (JSON), one "0" kept. */
		size_t lz = 0;
		while (res[start + lz] == '0' && res[start + lz + 1] && res[start + lz + 1] != '.')
			lz++;
		memmove(res + start, res + start + lz, k - start - lz + 1);
		if (strlen(res) >= size)
			return -1;
		memcpy(out, res, strlen(res) + 1);
		return 0;
	}
	if (!shift) {
		int n = snprintf(out, size, "%s", num);
		return n < 0 || (size_t)n >= size ? -1 : 0;
	}
	long exp = e ? strtol(e + 1, NULL, 10) : 0;
	if (exp > 100000 || exp < -100000)
		return -1;
	int mlen = e ? (int)(e - num) : (int)strlen(num);
	int n = snprintf(out, size, "%.*se%ld", mlen, num, exp + shift);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int wats__vu_num(wats__cctx *c, wats_report *r, wats_node *obj, const char *key, const char *text,
		 long line)
{
	if (!text || !*text)
		return 0;
	if (wats__set_num_text(r, obj, key, text) == 0)
		return 0;
	wats__cctx_warn(c, line, key, "'%s' is not a number; left out", text);
	return 0;
}

int wats__vu_numeric(wats__cctx *c, wats_report *r, wats_step *s, const char *name,
		     const char *value, wats_compop op, const char *low, const char *high,
		     const char *unit, wats_status st, long line)
{
	wats_meas *m;
	int nl = wats_compop_limits(op);
	if (value && !*value)
		value = NULL;
	if (nl < 1 || (low && !*low))
		low = NULL;
	if (nl < 2 || (high && !*high))
		high = NULL;
	/* The usual case, every text a JSON number: one call that builds the measurement whole
	 * (a third of the cost of adding it empty and setting three members). */
	if ((!value || wats__json_number_valid(value)) && (!low || wats__json_number_valid(low)) &&
	    (!high || wats__json_number_valid(high))) {
		int rc = wats_step_add_numeric_text(&m, s, name, value, op, low, high,
						    unit && *unit ? unit : NULL);
		if (!rc && st != WATS_STATUS_NONE)
			rc = wats_meas_set_status(m, st);
		return rc;
	}
	int rc = wats_step_add_numeric(&m, s, name, NAN, op, 0, 0, unit && *unit ? unit : NULL);
	if (rc < 0)
		return rc;
	if (value && *value)
		rc = wats__vu_num(c, r, m, "value", value, line);
	if (!rc && nl >= 1)
		rc = wats__vu_num(c, r, m, "lowLimit", low, line);
	if (!rc && nl >= 2)
		rc = wats__vu_num(c, r, m, "highLimit", high, line);
	if (!rc && st != WATS_STATUS_NONE)
		rc = wats_meas_set_status(m, st);
	return rc;
}

int wats__vu_finish(wats__cctx *c, wats_report *r, long line)
{
	int rc = 0;
	if (!wats_report_pn(r) || !*wats_report_pn(r)) {
		wats__cctx_warn(c, line, "pn", "no part number in the file or the partNumber parameter; "
				"'Unknown' used");
		rc = wats_report_set_pn(r, "Unknown");
	}
	if (!rc && !wats_report_rev(r))
		rc = wats_report_set_rev(r, "1.0");
	if (!rc && wats_report_process_code(&(int){ 0 }, r) != 0)
		rc = wats_report_set_process_code(r, 10);
	/* machineName, location and purpose stay as the file and the parameters set them: watsd
	 * passes its station identity as the station/location/purpose parameters. */
	return rc;
}

int wats__vu_id_clean(char *s)
{
	int n = 0;
	for (; *s; s++)
		if (strchr("*%?[]^!/\\", *s)) {
			*s = '_';
			n++;
		}
	return n;
}

int wats__vu_deliver(wats__cctx *c, wats__cctx *to, wats_report *r, long line, int rc)
{
	if (!rc)
		rc = wats__vu_finish(c, r, line);
	if (rc < 0) {
		wats_report_free(r);
		return wats__cctx_refused(c, rc, line);
	}
	return wats__cctx_emit(to, r);
}
