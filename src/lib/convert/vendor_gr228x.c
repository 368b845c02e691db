/*
 * Teradyne GR228X ICT log ("gr228x"). One line per event:
 *   X:\BOARDS\..\43420_BIO2.obc[31-JUL-12  14:17:35   program: pn = name before the last '_'
 *   @31-JUL-12  14:18:51 SN 6542855                   a board starts (new report)
 *   (S|(O|(B|(C|(F info                               shorts/opens/bus/probing/fixture failure
 *   R508=100.20007K(92.919K,105.131K)R                ref, verdict (= pass, # logged, < > %
 *                                                     fail), value+prefix, (low,high), type
 *   "31-JUL-12  14:19:49                              the board ends: " pass, / fail, ? ! abort,
 *                                                     * & error, ] back to diagnosis (ignored)
 * As WATS maps it: steps grouped by the reference's first letter ("R-Group1", a new group each
 * time the letter changes); a value makes a numeric step (limits converted to the value's SI
 * prefix, unit "<prefix>(<type>)"), no value a pass/fail step (IS/VS setup lines without a
 * value are not tests and are left out). The value keeps its text; limits keep theirs when
 * they have the value's prefix. Dates are dd-MMM-yy local times.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/lines.h"
#include "convert/vendor_util.h"

typedef struct gr {
	wats__cctx *c;
	wats_report *r;
	wats_step *seq;
	char letter;
	int groups[256];
	char pn[101], seqname[256];
	time_t t0;
	long start_line;
} gr;

static const struct {
	const char *txt, *sym;
	int exp;
} prefixes[] = { { "MEG", "M", 6 }, { "P", "p", -12 }, { "N", "n", -9 }, { "U", "\xC2\xB5", -6 },
		 { "M", "m", -3 },   { "K", "K", 3 },    { "", "", 0 } };

/* A number [0-9.E+-]* followed by an SI prefix; returns the index in prefixes (or -1). */
static int number(const char **p, const char **num, size_t *nlen)
{
	const char *s = *p;
	*num = s;
	while (*s && (isdigit((unsigned char)*s) || *s == '.' || *s == 'E' || *s == '+' || *s == '-')) {
		/* 'E' starts an exponent only when a digit or sign follows. */
		if (*s == 'E' && !(isdigit((unsigned char)s[1]) || s[1] == '+' || s[1] == '-'))
			break;
		s++;
	}
	*nlen = (size_t)(s - *num);
	/* the prefixes in table order: MEG before M, none ("") last */
	int i = *s == 'M' ? (s[1] == 'E' && s[2] == 'G' ? 0 : 4)
		: *s == 'P' ? 1 : *s == 'N' ? 2 : *s == 'U' ? 3 : *s == 'K' ? 5 : 6;
	*p = s + strlen(prefixes[i].txt);
	return i;
}

/* s[0..n) into buf (cut to size - 1), NUL-terminated: the one copy per field of every line,
 * where snprintf's format parsing was a sixth of the conversion. */
static char *cpy(char *buf, size_t size, const char *s, size_t n)
{
	n = n < size ? n : size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

static const char *months[] = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN",
				"JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };

/* "31-JUL-12  14:18:51" -> fields; 0 or -1. */
static int parse_dt(const char *s, int *v)
{
	int d, y, h, mi, se, n = 0;
	char mon[4];
	if (sscanf(s, "%2d-%3[A-Za-z]-%d %d:%d:%d%n", &d, mon, &y, &h, &mi, &se, &n) != 6)
		return -1;
	int m = -1;
	for (int i = 0; i < 12; i++)
		if (!strcasecmp(mon, months[i]))
			m = i;
	if (m < 0)
		return -1;
	v[0] = y < 100 ? 2000 + y : y, v[1] = m + 1, v[2] = d, v[3] = h, v[4] = mi, v[5] = se;
	return 0;
}

static int ensure_group(gr *g, const char *ref)
{
	char l = ref[0];
	if (g->seq && g->letter == l)
		return 0;
	char name[32];
	g->letter = l;
	snprintf(name, sizeof(name), "%c-Group%d", l, ++g->groups[(unsigned char)l]);
	return wats_step_add(&g->seq, wats_report_root(g->r), WATS_STEP_SEQUENCE, name);
}

static int fail_up(gr *g, wats_step *s)
{
	int rc = wats_step_set_status(s, WATS_STATUS_FAILED);
	if (!rc)
		rc = wats_step_set_status(g->seq, WATS_STATUS_FAILED);
	if (!rc)
		rc = wats_step_set_status(wats_report_root(g->r), WATS_STATUS_FAILED);
	return rc;
}

static int limit_text(char *buf, size_t size, const char *t, size_t n, int pi, int mi)
{
	if (pi == mi) {
		cpy(buf, size, t, n);
		return 0;
	}
	char tmp[64];
	double d;
	cpy(tmp, sizeof(tmp), t, n);
	if (wats__parse_double(tmp, &d) < 0)
		return -1;
	snprintf(buf, size, "%.17g", d * pow(10, prefixes[pi].exp - prefixes[mi].exp));
	return 0;
}

static int measure(gr *g, const char *line, long ln)
{
	const char *p = line;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	char ref[128];
	cpy(ref, sizeof(ref), line, (size_t)(p - line));
	char verdict = *p++;
	const char *val, *lo = NULL, *hi = NULL;
	size_t vl, ll = 0, hl = 0;
	int vi = number(&p, &val, &vl), li = 6, hi_i = 6;
	if (*p == '(') {
		p++;
		li = number(&p, &lo, &ll);
		if (*p == ',')
			p++;
		hi_i = number(&p, &hi, &hl);
		if (*p == ')')
			p++;
	}
	char type[16];
	size_t tl = 0;
	while (isalnum((unsigned char)p[tl]) && tl < sizeof(type) - 1)
		tl++;
	cpy(type, sizeof(type), p, tl);
	p += tl;
	while (*p == ' ' || *p == '=')
		p++;
	const char *msg = p;
	if (vi < 0 || li < 0 || hi_i < 0)
		return wats__cctx_error(g->c, WATS_EPARSE, ln, (long)(p - line) + 1,
					"measurement line '%s' not understood", line);
	if (!vl && (!strcmp(type, "IS") || !strcmp(type, "VS")))
		return 0; /* source set-up, not a test */
	char name[160]; /* "ref(type)"; ref < 128, type < 16 */
	size_t nl = strlen(ref);
	memcpy(name, ref, nl + 1);
	if (*type) {
		name[nl++] = '(';
		memcpy(name + nl, type, tl);
		nl += tl;
		name[nl++] = ')';
		name[nl] = '\0';
	}
	int rc = ensure_group(g, ref);
	if (rc < 0)
		return rc;
	wats_step *s;
	int failed = verdict != '=' && verdict != '#';
	wats_status st = failed ? WATS_STATUS_FAILED : verdict == '#' ? WATS_STATUS_DONE : WATS_STATUS_PASSED;
	if (vl) {
		char v[64], l[64], h[64], unit[32];
		cpy(v, sizeof(v), val, vl);
		size_t sl = strlen(prefixes[vi].sym); /* "<prefix>(<type>)", < 3 + 2 + 16 */
		memcpy(unit, prefixes[vi].sym, sl);
		unit[sl] = '(';
		memcpy(unit + sl + 1, type, tl);
		unit[sl + 1 + tl] = ')';
		unit[sl + 2 + tl] = '\0';
		int hasl = ll && limit_text(l, sizeof(l), lo, ll, li, vi) == 0;
		int hash = hl && limit_text(h, sizeof(h), hi, hl, hi_i, vi) == 0;
		wats_compop op = hasl && hash ? WATS_COMP_GELE : hasl ? WATS_COMP_GE : hash ? WATS_COMP_LE
										 : WATS_COMP_LOG;
		rc = wats_step_add(&s, g->seq, WATS_STEP_NUMERIC, name);
		if (!rc)
			rc = wats__vu_numeric(g->c, g->r, s, NULL, v, op, hasl ? l : h, h, unit, st, ln);
	} else {
		wats_meas *m;
		rc = wats_step_add(&s, g->seq, WATS_STEP_PASSFAIL, name);
		if (!rc)
			rc = wats_step_add_passfail(&m, s, NULL, verdict == '=');
		if (!rc)
			rc = wats_meas_set_status(m, verdict == '=' ? WATS_STATUS_PASSED : WATS_STATUS_FAILED);
	}
	if (!rc)
		rc = failed ? fail_up(g, s) : wats_step_set_status(s, st);
	if (!rc && *msg)
		rc = wats_step_set_report_text(s, msg);
	return rc;
}

static int start_board(gr *g, const char *line, long ln)
{
	if (g->r)
		return wats__cctx_error(g->c, WATS_EPARSE, ln, 1, "a board starts before the board of "
					"line %ld ended", g->start_line);
	int v[6];
	const char *sn = strstr(line, " SN ");
	int rc = wats__new_uut(&g->r, g->c);
	if (rc < 0)
		return rc;
	g->seq = NULL;
	g->start_line = ln;
	memset(g->groups, 0, sizeof(g->groups));
	if (sn && *wats__trim((char *)sn + 4))
		rc = wats_report_set_sn(g->r, sn + 4);
	else
		wats__cctx_warn(g->c, ln, "SN", "board start without a serial number");
	if (!rc && *g->pn && !wats__cctx_param(g->c, "partNumber"))
		rc = wats_report_set_pn(g->r, g->pn);
	if (!rc && *g->seqname)
		rc = wats_step_set_seq_call(wats_report_root(g->r), NULL, g->seqname,
					    wats__cctx_param(g->c, "sequenceVersion"));
	g->t0 = 0;
	if (!rc && parse_dt(line + 1, v) == 0 &&
	    wats__vu_set_start_local(g->c, g->r, v[0], v[1], v[2], v[3], v[4], v[5], 0) == 0) {
		long ns;
		int off;
		wats_report_start_time(&g->t0, &ns, &off, g->r);
	} else if (!rc) {
		wats__cctx_warn(g->c, ln, "start", "start time not understood: '%s'", line + 1);
	}
	return rc;
}

static int end_board(gr *g, const char *line, long ln)
{
	char ev = line[0];
	if (ev == ']')
		return 0; /* returned to diagnosis: the board's verdict came before */
	if (!g->r) {
		wats__cctx_warn(g->c, ln, "event", "end of board '%c' without a board; ignored", ev);
		return 0;
	}
	wats_status st = ev == '"' ? WATS_STATUS_PASSED : ev == '/' ? WATS_STATUS_FAILED
		       : ev == '*' || ev == '&' ? WATS_STATUS_ERROR : WATS_STATUS_TERMINATED;
	int rc = wats_report_set_result(g->r, st);
	if (!rc && st == WATS_STATUS_FAILED)
		rc = wats_step_set_status(wats_report_root(g->r), WATS_STATUS_FAILED);
	int v[6];
	if (!rc && g->t0 && parse_dt(line + 1, v) == 0) {
		struct tm tm = { 0 };
		tm.tm_year = v[0] - 1900, tm.tm_mon = v[1] - 1, tm.tm_mday = v[2];
		tm.tm_hour = v[3], tm.tm_min = v[4], tm.tm_sec = v[5];
		time_t s0;
		long ns;
		int off;
		wats_report_start_time(&s0, &ns, &off, g->r);
		/* Both times are the same wall clock: compare them in the start's offset. */
		double secs = difftime(timegm(&tm) - (time_t)off * 60, s0);
		rc = wats_node_set_number(g->r, wats_report_info(g->r), "execTime", secs);
	}
	if (!rc)
		rc = wats__vu_finish(g->c, g->r, ln);
	wats_report *r = g->r;
	g->r = NULL;
	if (rc < 0) {
		wats_report_free(r);
		return rc;
	}
	return wats__cctx_emit(g->c, r);
}

static const char *general_failure(char k)
{
	switch (k) {
	case 'S': return "SHORTS test, failed";
	case 'O': return "OPENS test, failed";
	case 'B': return "BUSTEST, failure caused by bus";
	case 'C': return "SCRATCHPROBING connection failure";
	case 'F': return "CONTACT fixture failure";
	}
	return NULL;
}

static int line_of(gr *g, char *line, size_t len, long ln)
{
	if (!len)
		return 0;
	char c0 = line[0];
	if (strchr("?\"/*&!]", c0) && isdigit((unsigned char)line[1]))
		return end_board(g, line, ln);
	if (c0 == '@')
		return start_board(g, line, ln);
	if (c0 == '(' && general_failure(line[1])) {
		if (!g->r) {
			wats__cctx_warn(g->c, ln, "failure", "'%s' outside a board; ignored", line);
			return 0;
		}
		int rc = ensure_group(g, line + 1);
		wats_step *s;
		wats_meas *m;
		if (!rc)
			rc = wats_step_add(&s, g->seq, WATS_STEP_STRING, general_failure(line[1]));
		if (!rc)
			rc = wats_step_add_string(&m, s, NULL, wats__trim(line + 2), WATS_COMP_LOG, NULL);
		if (!rc)
			rc = wats_meas_set_status(m, WATS_STATUS_FAILED);
		return rc ? rc : fail_up(g, s);
	}
	char *br = strchr(line, '[');
	if (br && (strstr(line, ".obc[") || strstr(line, ".OBC["))) {
		/* The program: X:\..\<pn>_<variant>.obc[date */
		*br = '\0';
		snprintf(g->seqname, sizeof(g->seqname), "%s", wats__trim(line));
		const char *base = strrchr(line, '\\');
		base = base ? base + 1 : line;
		const char *us = strrchr(base, '_');
		size_t n = us ? (size_t)(us - base) : strcspn(base, ".");
		wats__copy_trim(g->pn, sizeof(g->pn), base, n);
		return 0;
	}
	if (isalnum((unsigned char)c0)) {
		if (!g->r) {
			wats__cctx_warn(g->c, ln, "test", "test line outside a board; ignored");
			return 0;
		}
		return measure(g, line, ln);
	}
	wats__cctx_warn(g->c, ln, NULL, "line not understood; skipped");
	return 0;
}

double wats__gr228x_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			   size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)name, (void)pn;
	const char *obc = wats__find(head, len, ".obc[");
	if (!obc)
		obc = wats__find(head, len, ".OBC[");
	const char *at = wats__find(head, len, "\n@");
	if (!obc || !at || !wats__find(head + (at - (const char *)head), len - (size_t)(at - (const char *)head), " SN "))
		return 0;
	const char *s = wats__find(head, len, " SN ");
	if (s) {
		s += 4;
		const char *e = s;
		while (e < (const char *)head + len && *e != '\r' && *e != '\n')
			e++;
		if (e < (const char *)head + len)
			wats__copy_trim(sn, size, s, (size_t)(e - s));
	}
	return 0.9;
}

int wats__gr228x_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	gr g;
	memset(&g, 0, sizeof(g));
	g.c = c;
	wats__lines l;
	wats__lines_init(&l, c);
	char *line;
	size_t len;
	int rc;
	while ((rc = wats__lines_next(&l, &line, &len)) > 0) {
		/* A trailing " +" continues a list on the next line; the verdict is on this one. */
		rc = line_of(&g, line, len, l.line);
		if (rc < 0)
			break;
	}
	long last = l.line;
	wats__lines_free(&l);
	if (rc == 0 && g.r)
		rc = wats__cctx_error(c, WATS_EPARSE, last, 0, "the board started at line %ld has no end "
				      "(the file is truncated)", g.start_line);
	if (rc == 0 && c->count == 0)
		rc = wats__cctx_error(c, WATS_EPARSE, last, 0, "no board (@date SN ..) in the file");
	wats_report_free(g.r);
	rc = wats__cctx_refused(c, rc, last);
	return rc;
}
