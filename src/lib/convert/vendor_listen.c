/*
 * Listen SoundCheck AutoSave logs ("listen"): tab-separated text, decimal point (US) or
 * decimal comma (EU).
 *  - results: a header "Serial #:<TAB>[Operator:<TAB>]Time:<TAB>Lot #:<TAB>Name<TAB>Margin<TAB>
 *    Unit<TAB>Result<TAB>Tolerance<TAB>Limits", then one row per measured value;
 *  - data logging: per curve a header "Serial #:<TAB>Time:<TAB>Lot #:<TAB><curve name><TAB><TAB>
 *    x data lin<TAB>y data dB<TAB>..<TAB>x axis log<TAB>y axis lin<TAB>..<TAB>Hz<TAB>dB..", then
 *    row pairs (serial, time, lot, x values..) and (serial, time, lot, y values..).
 * One report per run of rows of one serial number; a value row is a numeric step, a row pair a
 * chart step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/lines.h"
#include "convert/vendor_util.h"

enum { C_SN, C_OP, C_TIME, C_LOT, C_NAME, C_MARGIN, C_UNIT, C_RESULT, C_TOL, C_LIMITS, C_N };

typedef struct lctx {
	wats__cctx *c;
	wats_report *r;
	char sn[256];
	long start_line;
	int failed;
	/* header kind: 0 none, 1 results, 2 curve */
	int kind;
	int col[C_N];
	char gname[256], xunit[64], yunit[64];
	wats_chart_type ctype;
	/* the x row of a curve, waiting for its y row (nx numbers); kept as the file's text */
	wats__vu_text x;
	size_t nx;
	long xline;
} lctx;

static char *trim(char *s)
{
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* A number as JSON text: a decimal comma becomes a point; -1 when it is not a number. */
static int num_text(char *out, size_t size, const char *s)
{
	size_t n = strlen(s);
	if (!n || n >= size)
		return -1;
	memcpy(out, s, n + 1);
	if (!strchr(out, '.'))
		for (char *p = out; *p; p++)
			if (*p == ',')
				*p = '.';
	double d;
	return wats__vu_parse(out, n, &d);
}

static wats_status result_status(const char *s)
{
	static const struct {
		const char *t;
		wats_status st;
	} map[] = { { "pass", WATS_STATUS_PASSED },	{ "passed", WATS_STATUS_PASSED },
		    { "fail", WATS_STATUS_FAILED },	{ "failed", WATS_STATUS_FAILED },
		    { "terminated", WATS_STATUS_TERMINATED }, { "error", WATS_STATUS_ERROR },
		    { "done", WATS_STATUS_DONE },	{ "skipped", WATS_STATUS_SKIPPED } };
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(s, map[i].t))
			return map[i].st;
	return WATS_STATUS_NONE;
}

/* "7/22/2020 10:22:14 AM" (US, M/d/yyyy h:mm:ss tt) or "12-01-2021 09:08:35" (d-M-yyyy, also
 * d.M.yyyy). */
static int parse_time(const char *s, int *y, int *mo, int *d, int *h, int *mi, int *se)
{
	int a, b, n = 0;
	char sep, ampm[3] = "";
	if (sscanf(s, "%d%c%d%*c%d %d:%d:%d%n", &a, &sep, &b, y, h, mi, se, &n) != 7)
		return -1;
	if (sep == '/')
		*mo = a, *d = b;
	else if (sep == '-' || sep == '.')
		*d = a, *mo = b;
	else
		return -1;
	const char *t = s + n;
	while (*t == ' ')
		t++;
	if (*t && sscanf(t, "%2s", ampm) == 1) {
		if (!strcasecmp(ampm, "PM") && *h < 12)
			*h += 12;
		else if (!strcasecmp(ampm, "AM") && *h == 12)
			*h = 0;
		else if (strcasecmp(ampm, "AM") && strcasecmp(ampm, "PM"))
			return -1;
	}
	return 0;
}

static int finish(lctx *q)
{
	if (!q->r)
		return 0;
	wats_report *r = q->r;
	q->r = NULL;
	if (q->nx)
		wats__cctx_warn(q->c, q->xline, "curve", "x values of line %ld without a row of y values; "
				"left out", q->xline);
	q->nx = 0;
	int rc = wats_report_set_result(r, q->failed ? WATS_STATUS_FAILED : WATS_STATUS_PASSED);
	if (!rc && q->failed)
		rc = wats_step_set_status(wats_report_root(r), WATS_STATUS_FAILED);
	if (!rc)
		rc = wats__vu_finish(q->c, r, q->start_line);
	if (rc < 0) {
		wats_report_free(r);
		return rc;
	}
	return wats__cctx_emit(q->c, r);
}

static const char *field(char **f, int nf, int i)
{
	return i >= 0 && i < nf ? f[i] : "";
}

static int new_report(lctx *q, char **f, int nf, long line)
{
	int rc = finish(q);
	if (rc < 0)
		return rc;
	rc = wats__new_uut(&q->r, q->c);
	if (rc < 0)
		return rc;
	q->failed = 0;
	q->start_line = line;
	wats_report *r = q->r;
	wats__vu_copy(q->sn, sizeof(q->sn), f[0]);
	/* "S/N 13", "P/N #12345": WATS refuses '/' in both; '_' instead, the original kept. */
	char id[256];
	wats__vu_copy(id, sizeof(id), f[0]);
	if (wats__vu_id_clean(id)) {
		wats__cctx_warn(q->c, line, "sn", "serial number '%s' written as '%s'", f[0], id);
		rc = wats_report_add_misc_info(NULL, r, "Serial #", f[0]);
	}
	if (!rc)
		rc = wats_report_set_sn(r, id);
	const char *v = field(f, nf, q->col[C_LOT]);
	wats__vu_copy(id, sizeof(id), v);
	if (!rc && wats__vu_id_clean(id)) {
		wats__cctx_warn(q->c, line, "pn", "part number '%s' written as '%s'", v, id);
		rc = wats_report_add_misc_info(NULL, r, "Lot #", v);
	}
	if (!rc && *id)
		rc = wats_report_set_pn(r, id);
	v = field(f, nf, q->col[C_OP]);
	if (!rc && *v)
		rc = wats_report_set_operator(r, v);
	const char *sname = wats__cctx_param(q->c, "sequenceName");
	if (!rc && sname)
		rc = wats_step_set_seq_call(wats_report_root(r), NULL, sname,
					    wats__cctx_param(q->c, "sequenceVersion"));
	v = field(f, nf, q->col[C_TIME]);
	int y, mo, d, h, mi, s;
	if (!rc && (parse_time(v, &y, &mo, &d, &h, &mi, &s) < 0 ||
		    wats__vu_set_start_local(q->c, r, y, mo, d, h, mi, s, 0) < 0))
		return wats__cctx_error(q->c, WATS_EPARSE, line, 0, "time '%s' is neither M/d/yyyy "
					"h:mm:ss AM|PM nor d-M-yyyy HH:mm:ss", v);
	return rc;
}

static int header(lctx *q, char **f, int nf, long line)
{
	if (q->nx)
		wats__cctx_warn(q->c, q->xline, "curve", "x values of line %ld without a row of y values; "
				"left out", q->xline);
	q->nx = 0;
	for (int i = 0; i < C_N; i++)
		q->col[i] = -1;
	static const char *const names[C_N] = { "Serial #:", "Operator:", "Time:", "Lot #:", "Name",
						"Margin", "Unit", "Result", "Tolerance", "Limits" };
	for (int i = 0; i < nf; i++) {
		char *t = trim(f[i]);
		for (int k = 0; k < C_N; k++)
			if (q->col[k] < 0 && !strcasecmp(t, names[k]))
				q->col[k] = i;
	}
	if (q->col[C_TIME] < 0)
		return wats__cctx_error(q->c, WATS_EPARSE, line, 0, "header line without a 'Time:' column");
	if (q->col[C_NAME] >= 0 && q->col[C_MARGIN] >= 0) {
		q->kind = 1;
		return 0;
	}
	/* A curve: its name after Lot #:, the axes ("x axis log"), the units after them. */
	q->kind = 2;
	int base = (q->col[C_LOT] >= 0 ? q->col[C_LOT] : q->col[C_TIME]) + 1;
	wats__vu_copy(q->gname, sizeof(q->gname), field(f, nf, base));
	int xlog = 0, ylog = 0, axes = -1;
	for (int i = base; i < nf; i++) {
		if (!strcasecmp(f[i], "x axis log"))
			xlog = 1, axes = i;
		else if (!strcasecmp(f[i], "x axis lin"))
			axes = i;
		else if (!strcasecmp(f[i], "y axis log"))
			ylog = 1;
	}
	q->ctype = xlog && ylog ? WATS_CHART_LINE_LOG_XY : xlog ? WATS_CHART_LINE_LOG_X
						    : ylog ? WATS_CHART_LINE_LOG_Y : WATS_CHART_LINE;
	/* units: the fields after the "z axis" column and an empty one */
	int u = axes >= 0 ? axes + 4 : base + 10;
	wats__vu_copy(q->xunit, sizeof(q->xunit), field(f, nf, u));
	wats__vu_copy(q->yunit, sizeof(q->yunit), field(f, nf, u + 1));
	if (!*q->gname)
		wats__vu_copy(q->gname, sizeof(q->gname), "Curve");
	return 0;
}

static int measure(lctx *q, char **f, int nf, long line)
{
	const char *name = field(f, nf, q->col[C_NAME]);
	char val[128], lo[128], hi[128];
	const char *v = field(f, nf, q->col[C_MARGIN]);
	if (num_text(val, sizeof(val), v) < 0)
		return wats__cctx_error(q->c, WATS_EPARSE, line, 0, "value '%s' of '%s' is not a number", v, name);
	const char *res = field(f, nf, q->col[C_RESULT]);
	wats_status st = result_status(res);
	if (st == WATS_STATUS_NONE) {
		wats__cctx_warn(q->c, line, "Result", "result '%s' not known; Error used", res);
		st = WATS_STATUS_ERROR;
	}
	char lim[256];
	wats__vu_copy(lim, sizeof(lim), field(f, nf, q->col[C_LIMITS]));
	char *slash = strchr(lim, '/');
	wats_compop op = WATS_COMP_LOG;
	if (slash) {
		*slash = '\0';
		/* "Max/Min": the high limit first */
		if (num_text(hi, sizeof(hi), trim(lim)) == 0 && num_text(lo, sizeof(lo), trim(slash + 1)) == 0)
			op = WATS_COMP_GELE;
		*slash = '/';
	}
	wats_step *s;
	int rc = wats_step_add(&s, wats_report_root(q->r), WATS_STEP_NUMERIC, *name ? name : "(unnamed)");
	if (!rc)
		rc = wats__vu_numeric(q->c, q->r, s, NULL, val, op, lo, hi, field(f, nf, q->col[C_UNIT]), st, line);
	if (!rc)
		rc = wats_step_set_status(s, st);
	const char *tol = field(f, nf, q->col[C_TOL]);
	if (!rc && op == WATS_COMP_LOG && (*tol || *lim)) {
		char t[600];
		size_t n = wats__vu_copy(t, sizeof(t), tol);
		n += wats__vu_copy(t + n, sizeof(t) - n, *tol && *lim ? ": " : "");
		wats__vu_copy(t + n, sizeof(t) - n, lim);
		rc = wats_step_set_report_text(s, t);
	}
	if (st == WATS_STATUS_FAILED)
		q->failed = 1;
	return rc;
}

static int curve_row(lctx *q, char **f, int nf, long line)
{
	int first = (q->col[C_LOT] >= 0 ? q->col[C_LOT] : q->col[C_TIME]) + 1;
	wats__vu_text y = { 0 }, *t = q->nx ? &y : &q->x;
	t->len = t->n = 0;
	for (int i = first; i < nf; i++) {
		char *v = trim(f[i]);
		if (!*v)
			continue;
		int rc = wats__vu_text_add(t, v, strlen(v), 1, NULL);
		if (rc < -1) {
			wats__vu_text_free(&y);
			return rc;
		}
		if (rc < 0) {
			wats__vu_text_free(&y);
			return wats__cctx_error(q->c, WATS_EPARSE, line, 0, "curve value '%s' (column %d) is "
						"not a number", v, i + 1);
		}
	}
	if (t == &q->x) {
		q->nx = q->x.n;
		q->xline = line;
		if (!q->nx)
			wats__cctx_warn(q->c, line, "curve", "row without values");
		return 0;
	}
	size_t n = y.n;
	if (n != q->nx)
		wats__cctx_warn(q->c, line, "curve", "%zu y values for the %zu x values of line %ld; the "
				"first %zu points kept", n, q->nx, q->xline, n < q->nx ? n : q->nx);
	size_t np = n < q->nx ? n : q->nx;
	wats__vu_text_cut(&q->x, np);
	wats__vu_text_cut(&y, np);
	wats_step *s;
	int rc = wats_step_add(&s, wats_report_root(q->r), WATS_STEP_CHART, q->gname);
	if (!rc)
		rc = wats_step_set_chart(s, q->ctype, q->gname, "X", q->xunit, "Y", q->yunit);
	if (!rc)
		rc = wats__vu_series(q->r, s, q->gname, &q->x, &y);
	if (!rc)
		rc = wats_step_set_status(s, WATS_STATUS_DONE);
	wats__vu_text_free(&y);
	q->nx = 0;
	return rc;
}

static int row(lctx *q, char *line, size_t len, long ln)
{
	(void)len;
	int nf = 1;
	for (char *p = line; *p; p++)
		nf += *p == '\t';
	char **f = malloc((size_t)nf * sizeof(*f));
	if (!f)
		return wats__error_oom();
	wats__vu_split(line, '\t', f, nf);
	int rc = 0;
	char *f0 = trim(f[0]);
	if (!strcasecmp(f0, "Serial #:")) {
		rc = header(q, f, nf, ln);
	} else if (!q->kind) {
		rc = wats__cctx_error(q->c, WATS_EPARSE, ln, 0, "data before a 'Serial #:' header line");
	} else {
		f[0] = f0;
		for (int i = 1; i < nf; i++)
			f[i] = trim(f[i]);
		if (!q->r || strcmp(q->sn, f0))
			rc = new_report(q, f, nf, ln);
		if (!rc)
			rc = q->kind == 1 ? measure(q, f, nf, ln) : curve_row(q, f, nf, ln);
	}
	free(f);
	return rc;
}

double wats__listen_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			   size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)name, (void)pn;
	if (!wats__vu_starts(head, len, "Serial #:\t"))
		return 0;
	const char *nl = memchr(head, '\n', len);
	size_t n1 = nl ? (size_t)(nl - (const char *)head) : len;
	if (!wats__find(head, n1, "Time:") || !wats__find(head, n1, "Lot #:"))
		return 0;
	if (nl) {
		const char *s = nl + 1, *end = (const char *)head + len, *t = s;
		while (t < end && *t != '\t' && *t != '\n' && *t != '\r')
			t++;
		if (t < end && *t == '\t')
			wats__copy_trim(sn, size, s, (size_t)(t - s));
	}
	return 0.9;
}

int wats__listen_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	lctx q;
	memset(&q, 0, sizeof(q));
	q.c = c;
	for (int i = 0; i < C_N; i++)
		q.col[i] = -1;
	wats__lines l;
	wats__lines_init(&l, c);
	char *line;
	size_t len;
	int rc;
	while ((rc = wats__lines_next(&l, &line, &len)) > 0) {
		if (!len || (len == 1 && *line == '\r'))
			continue;
		if ((rc = row(&q, line, len, l.line)) < 0)
			break;
	}
	if (rc >= 0)
		rc = finish(&q);
	else if (q.r)
		wats_report_free(q.r);
	if (rc >= 0 && c->count == 0)
		rc = wats__cctx_error(c, WATS_EPARSE, l.line, 0, "no test rows");
	rc = wats__cctx_refused(c, rc, l.line);
	wats__vu_text_free(&q.x);
	wats__lines_free(&l);
	return rc < 0 ? rc : 0;
}
