/* Small helpers shared by the converters. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/convert_internal.h"
#include "report/report_internal.h"
#include "util/jsonnum.h"
#include "util/uuid.h"

int wats__strcaseeq(const char *a, const char *b)
{
	return a && b && !strcasecmp(a, b);
}

const char *wats__ext(char *buf, size_t size, const char *name)
{
	buf[0] = '\0';
	if (!name)
		return buf;
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash ? slash : name, '.');
	if (!dot)
		return buf;
	size_t i = 0;
	for (dot++; *dot && i + 1 < size; dot++)
		buf[i++] = (char)tolower((unsigned char)*dot);
	buf[i] = '\0';
	return buf;
}

int wats__name_matches(const char *name, const char *patterns)
{
	if (!patterns || !*patterns)
		return 1;
	if (!name)
		return 0;
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	size_t bl = strlen(base);
	const char *p = patterns;
	while (*p) {
		const char *end = strchr(p, ';');
		size_t pl = end ? (size_t)(end - p) : strlen(p);
		/* Only the forms "*", "*.ext" and exact names are supported. */
		if (pl == 1 && *p == '*')
			return 1;
		if (pl > 1 && *p == '*') {
			size_t sl = pl - 1;
			if (bl >= sl && !strncasecmp(base + bl - sl, p + 1, sl))
				return 1;
		} else if (pl == bl && !strncasecmp(base, p, pl)) {
			return 1;
		}
		p += pl;
		if (*p == ';')
			p++;
	}
	return 0;
}

const char *wats__find(const unsigned char *hay, size_t len, const char *needle)
{
	size_t nl = strlen(needle);
	if (nl == 0 || len < nl)
		return NULL;
	const unsigned char *end = hay + len - nl;
	for (const unsigned char *p = hay; p <= end; p++) {
		p = memchr(p, needle[0], (size_t)(end - p) + 1);
		if (!p)
			return NULL;
		if (!memcmp(p, needle, nl))
			return (const char *)p;
	}
	return NULL;
}

void wats__copy_trim(char *dst, size_t size, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

int wats__xml_peek_attr(char *dst, size_t size, const unsigned char *head, size_t len,
			const char *tag, const char *attr)
{
	dst[0] = '\0';
	char open[96];
	snprintf(open, sizeof(open), "<%s", tag);
	const char *p = wats__find(head, len, open);
	while (p) {
		char after = p + strlen(open) < (const char *)head + len ? p[strlen(open)] : '\0';
		if (after == ' ' || after == '\t' || after == '\r' || after == '\n')
			break;
		size_t off = (size_t)(p - (const char *)head) + 1;
		p = wats__find(head + off, len - off, open);
	}
	if (!p)
		return -1;
	const char *end = memchr(p, '>', (size_t)((const char *)head + len - p));
	if (!end)
		end = (const char *)head + len;
	size_t al = strlen(attr);
	for (const char *q = p; q + al + 2 < end; q++) {
		if ((q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\n' || q[-1] == '\r') &&
		    !memcmp(q, attr, al) && q[al] == '=' && (q[al + 1] == '"' || q[al + 1] == '\'')) {
			char quote = q[al + 1];
			const char *v = q + al + 2;
			const char *ve = memchr(v, quote, (size_t)(end - v));
			if (!ve)
				return -1;
			wats__copy_trim(dst, size, v, (size_t)(ve - v));
			return 0;
		}
	}
	return -1;
}

char *wats__trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int wats__parse_double(const char *s, double *out)
{
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -1;
	const char *w = s;
	int neg = 0;
	if (*w == '+' || *w == '-')
		neg = *w++ == '-';
	if (!strcasecmp(w, "inf") || !strcasecmp(w, "infinity") ||
	    (!neg && !strcasecmp(s, "positiveinfinity"))) {
		*out = neg ? -INFINITY : INFINITY;
		return 0;
	}
	if (!strcasecmp(s, "negativeinfinity")) {
		*out = -INFINITY;
		return 0;
	}
	if (!strcasecmp(w, "nan") || !strcasecmp(w, "ind")) {
		*out = NAN;
		return 0;
	}
	char *end;
	if (w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
		unsigned long long v = strtoull(w + 2, &end, 16);
		if (end == w + 2)
			return -1;
		*out = neg ? -(double)v : (double)v;
	} else {
		*out = strtod(s, &end);
		if (end == s)
			return -1;
	}
	while (isspace((unsigned char)*end))
		end++;
	return *end ? -1 : 0;
}

double wats__num_value(const char *s)
{
	/* Exact fast path (Clinger): at most 15 significant digits and a power of ten up to 22
	 * are both exact doubles, so one multiplication or division rounds correctly, giving
	 * strtod's result. Anything else goes to strtod. */
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
				      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
	const char *p = s;
	int neg = *p == '-';
	p += neg;
	uint64_t m = 0;
	int digits = 0, exp10 = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if (m || *p != '0') {
			m = m * 10 + (uint64_t)(*p - '0');
			digits++;
			if (digits > 15)
				return strtod(s, NULL);
		}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++) {
			exp10--;
			if (m || *p != '0') {
				m = m * 10 + (uint64_t)(*p - '0');
				if (++digits > 15)
					return strtod(s, NULL);
			}
		}
	if (*p || exp10 < -22) /* exponents, words, stray text: strtod decides */
		return strtod(s, NULL);
	double v = exp10 ? (double)m / p10[-exp10] : (double)m;
	return neg ? -v : v;
}

int wats__plain_decimal(const char *s, size_t *len, double *v)
{
	/* The grammar of a JSON number without exponent, and wats__num_value's fast path: at most
	 * 15 digits in all (leading zeros count: such numbers are rare and take the general path),
	 * so the mantissa is exact and one division by an exact power of ten rounds as strtod. */
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
				      1e12, 1e13, 1e14, 1e15 };
	const char *p = s + (*s == '-'), *int0 = p;
	uint64_t m = 0; /* may wrap on a long digit run: rejected below before it is used */
	while ((unsigned)(*p - '0') < 10)
		m = m * 10 + (uint64_t)(*p++ - '0');
	size_t ni = (size_t)(p - int0), nf = 0;
	if (!ni || (*int0 == '0' && ni > 1))
		return 0; /* no digit, or a leading zero JSON refuses */
	if (*p == '.') {
		const char *frac0 = ++p;
		while ((unsigned)(*p - '0') < 10)
			m = m * 10 + (uint64_t)(*p++ - '0');
		if (!(nf = (size_t)(p - frac0)))
			return 0;
	}
	if (*p || ni + nf > 15)
		return 0;
	double d = nf ? (double)m / p10[nf] : (double)m;
	*v = *s == '-' ? -d : d;
	*len = (size_t)(p - s);
	return 1;
}

int wats__set_num_text(wats_report *r, wats_node *obj, const char *key, const char *text)
{
	if (wats__json_number_valid(text))
		return wats_node_set_number_text(r, obj, key, text);
	double d;
	if (wats__parse_double(text, &d) == 0)
		return wats_node_set_number(r, obj, key, d);
	return wats__error(WATS_EPARSE, WATS_ERRCLASS_CONVERT, "'%s' is not a number", text);
}

int wats__cctx_header_params(wats__cctx *c)
{
	static const char *const keys[] = { "partNumber", "partRevision", "processCode",
					    "operationTypeCode", "operator", "station", "machineName",
					    "location", "purpose" };
	if (!c->header_params) {
		c->header_params = -1;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (wats__cctx_param(c, keys[i]))
				c->header_params = 1;
	}
	return c->header_params > 0;
}

int wats__new_uut(wats_report **out, wats__cctx *c)
{
	return wats__new_uut_with(out, c, NULL);
}

int wats__new_uut_with(wats_report **out, wats__cctx *c, const wats_header_texts *h)
{
	char id[37];
	int rc = wats__cctx_new_id(c, id);
	if (rc < 0)
		return rc;
	int params = wats__cctx_header_params(c);
	if (c->ids) {
		/* h at creation when no parameter is to be applied before it */
		rc = wats__report_create_in(out, WATS_REPORT_UUT, id, wats__idgen_start(c->ids),
					    c->blocks, params ? NULL : h);
		if (!params)
			h = NULL;
	} else {
		rc = wats_report_new(out, WATS_REPORT_UUT);
		if (!rc)
			rc = wats_report_set_id(*out, id);
	}
	if (rc < 0)
		return rc;
	wats_report *r = *out;
	wats_report_set_mode(r, WATS_MODE_IMPORT);
	const char *v;
	if (params) {
		if ((v = wats__cctx_param(c, "partNumber")))
			wats_report_set_pn(r, v);
		if ((v = wats__cctx_param(c, "partRevision")))
			wats_report_set_rev(r, v);
		if ((v = wats__cctx_param(c, "processCode")) || (v = wats__cctx_param(c, "operationTypeCode")))
			wats_report_set_process_code(r, atoi(v));
		if ((v = wats__cctx_param(c, "operator")))
			wats_report_set_operator(r, v);
		if ((v = wats__cctx_param(c, "station")) || (v = wats__cctx_param(c, "machineName")))
			wats_report_set_machine_name(r, v);
		if ((v = wats__cctx_param(c, "location")))
			wats_report_set_location(r, v);
		if ((v = wats__cctx_param(c, "purpose")))
			wats_report_set_purpose(r, v);
	}
	/* the converter's own values win over the parameters, as if set after them */
	return h ? wats__report_put_header(r, h) : 0;
}

int wats__cctx_new_id(wats__cctx *c, char out[37])
{
	if (c->ids)
		return wats__idgen_next(c->ids, out);
	if (wats__uuid_v4(out) < 0)
		return wats__error(WATS_EIO, WATS_ERRCLASS_OS, "no random source for a report id");
	return 0;
}

int wats__cctx_ensure_id(wats__cctx *c, wats_report *r)
{
	if (wats_report_id(r))
		return 0;
	char id[37];
	int rc = wats__cctx_new_id(c, id);
	return rc < 0 ? rc : wats_report_set_id(r, id);
}

int wats__ensure_id(wats_report *r)
{
	if (wats_report_id(r))
		return 0;
	char id[37];
	if (wats__uuid_v4(id) < 0)
		return wats__error(WATS_ERROR, WATS_ERRCLASS_OS, "cannot make a report id");
	return wats_report_set_id(r, id);
}
