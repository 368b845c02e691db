/*
 * SPEA 3030 ICT ("spea3030"): ';'-separated records, one board after the other:
 *   FORMAT;mmdd                                  date order of the board's dates (or ddmm)
 *   START;program;sequence;version;sequence;operator;date;time
 *   LOT;lot
 *   ANL;site;ref;test#;sub#;name;;PASS|FAIL(..);value;low;high;unit;probes;id   analog test
 *   FUNC;site;ref;test#;sub#;name;;PASS|FAIL;value;low;high;unit;               functional
 *   SN;serial
 *   BOARDRESULT;PASS|FAIL
 *   END;PASS|FAIL;date;time                      the board's report is complete
 * As WATS maps it: one report per START..END; tests grouped in sequences by component class
 * (the letters of the reference: R -> Resistors, C -> Capacitors, ...), a new sequence each
 * time the class changes; value, low and high all 0 is a pass/fail test, otherwise a numeric
 * test with GELE, GE (high 0) or LE (low 0). Times have no offset: local (or utcOffset).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/lines.h"
#include "convert/vendor_util.h"

typedef struct spea {
	wats__cctx *c;
	wats_report *r;
	wats_step *seq;
	char group[64];
	int ddmm;           /* FORMAT;ddmm */
	long start_line;
	time_t t0;
	int have_t0;
} spea;

static const struct {
	const char *prefix, *group;
} classes[] = {
	{ "R", "Resistors" },  { "RP", "Resistors" },    { "RS", "Resistors" },   { "C", "Capacitors" },
	{ "CS", "Capacitors" }, { "CP", "Capacitors" },  { "DSC", "Capacitors" }, { "L", "Inductors" },
	{ "D", "Diodes" },     { "Q", "Transistors" },   { "CON", "Connectors" }, { "SHO", "Short" },
	{ "TC", "Thermocouple" }, { "PTC", "PTC" },      { "DZ", "ZenerDiodes" }, { "F", "Fuses" },
	{ "J", "Jumpers" },    { "T", "Transformers" },  { "ISO", "Isolators" },  { "U", "ICs" },
};

/* The sequence a test reference belongs to: its leading letters mapped to a component class. */
static void group_of(char *out, size_t size, const char *ref)
{
	const char *p = ref;
	while (*p && !isalpha((unsigned char)*p))
		p++;
	size_t n = 0;
	while (isalpha((unsigned char)p[n]))
		n++;
	if (!n) {
		snprintf(out, size, "%s", *ref ? ref : "Tests");
		return;
	}
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strlen(classes[i].prefix) == n && !strncmp(classes[i].prefix, p, n)) {
			snprintf(out, size, "%s", classes[i].group);
			return;
		}
	snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), p);
}

/* "MM/dd/yyyy" (or dd/MM with FORMAT;ddmm) and "HH:mm:ss". */
static int parse_dt(const spea *s, const char *date, const char *tim, int *v)
{
	int a, b, y, h, mi, se;
	char x;
	if (sscanf(date, "%d/%d/%d%c", &a, &b, &y, &x) != 3 || sscanf(tim, "%d:%d:%d%c", &h, &mi, &se, &x) != 3)
		return -1;
	v[0] = y, v[1] = s->ddmm ? b : a, v[2] = s->ddmm ? a : b, v[3] = h, v[4] = mi, v[5] = se;
	return 0;
}

static int num(const char *t, double *d)
{
	/* A plain decimal (the usual field) by wats__vu_parse, strtod's double without its cost;
	 * anything else ("Inf", spaces) by the general rules. */
	size_t n = strlen(t);
	if (n && strspn(t, "0123456789.+-eE") == n)
		return wats__vu_parse(t, n, d);
	return wats__parse_double(t, d);
}

static int test_record(spea *s, char **f, int n, long line)
{
	if (n < 11)
		return wats__cctx_error(s->c, WATS_EPARSE, line, 0,
					"%s record with %d fields; at least 11 expected", f[0], n);
	if (!s->r)
		return wats__cctx_error(s->c, WATS_EPARSE, line, 0, "%s record before START", f[0]);
	const char *ref = f[2], *name = f[5], *res = f[7], *val = f[8], *lo = f[9], *hi = f[10];
	const char *unit = n > 11 ? f[11] : "";
	char g[64];
	group_of(g, sizeof(g), ref);
	int rc = 0;
	if (!s->seq || strcmp(g, s->group)) {
		rc = wats_step_add(&s->seq, wats_report_root(s->r), WATS_STEP_SEQUENCE, g);
		if (rc < 0)
			return rc;
		snprintf(s->group, sizeof(s->group), "%s", g);
	}
	wats_status st = !strncasecmp(res, "PASS", 4) ? WATS_STATUS_PASSED : WATS_STATUS_FAILED;
	double dv = 0, dl = 0, dh = 0;
	int okv = num(val, &dv) == 0, okl = num(lo, &dl) == 0, okh = num(hi, &dh) == 0;
	if (!okl && *lo && strcasecmp(lo, "Automatic"))
		wats__cctx_warn(s->c, line, "low", "low limit '%s' is not a number", lo);
	if (!okh && *hi && strcasecmp(hi, "Automatic"))
		wats__cctx_warn(s->c, line, "high", "high limit '%s' is not a number", hi);
	wats_step *step;
	if (okv && dv == 0 && dl == 0 && dh == 0) {
		wats_meas *m;
		rc = wats_step_add(&step, s->seq, WATS_STEP_PASSFAIL, name);
		if (!rc)
			rc = wats_step_add_passfail(&m, step, NULL, st == WATS_STATUS_PASSED);
		if (!rc)
			rc = wats_meas_set_status(m, st);
	} else {
		/* "Automatic" (or any text) as a limit counts as 0, as the reference does. */
		const char *lt = okl ? lo : "0", *ht = okh ? hi : "0";
		wats_compop op = dh == 0 || !okh ? WATS_COMP_GE : dl == 0 || !okl ? WATS_COMP_LE : WATS_COMP_GELE;
		const char *l1 = op == WATS_COMP_LE ? ht : lt;
		rc = wats_step_add(&step, s->seq, WATS_STEP_NUMERIC, name);
		if (!rc)
			rc = wats__vu_numeric(s->c, s->r, step, NULL, okv ? val : "NaN", op, l1, ht,
					      unit, st, line);
	}
	if (!rc)
		rc = wats_step_set_status(step, st);
	if (!rc && st == WATS_STATUS_FAILED)
		rc = wats_step_set_status(s->seq, st);
	return rc;
}

static int start_record(spea *s, char **f, int n, long line)
{
	if (s->r)
		return wats__cctx_error(s->c, WATS_EPARSE, line, 0, "START before the END of the board "
					"started at line %ld", s->start_line);
	if (n < 8)
		return wats__cctx_error(s->c, WATS_EPARSE, line, 0, "START record with %d fields; 8 expected", n);
	int rc = wats__new_uut(&s->r, s->c);
	if (rc < 0)
		return rc;
	s->seq = NULL;
	s->group[0] = '\0';
	s->start_line = line;
	s->have_t0 = 0;
	wats_step *root = wats_report_root(s->r);
	const char *ver = *f[3] ? f[3] : wats__cctx_param(s->c, "sequenceVersion");
	rc = wats_step_set_seq_call(root, *f[1] ? f[1] : NULL, *f[2] ? f[2] : f[1], ver);
	if (!rc && *f[5] && !wats__cctx_param(s->c, "operator"))
		rc = wats_report_set_operator(s->r, f[5]);
	int v[6];
	if (!rc && parse_dt(s, f[6], f[7], v) == 0 &&
	    wats__vu_set_start_local(s->c, s->r, v[0], v[1], v[2], v[3], v[4], v[5], 0) == 0) {
		time_t secs;
		long ns;
		int off;
		if (wats_report_start_time(&secs, &ns, &off, s->r) == 0)
			s->t0 = secs, s->have_t0 = 1;
	} else if (!rc) {
		wats__cctx_warn(s->c, line, "START", "date '%s' time '%s' not understood", f[6], f[7]);
	}
	return rc;
}

static int end_record(spea *s, char **f, int n, long line)
{
	if (!s->r)
		return wats__cctx_error(s->c, WATS_EPARSE, line, 0, "END without START");
	int rc = 0;
	wats_status st = n > 1 && !strncasecmp(f[1], "PASS", 4) ? WATS_STATUS_PASSED : WATS_STATUS_FAILED;
	rc = wats_report_set_result(s->r, st);
	if (!rc && st == WATS_STATUS_FAILED)
		rc = wats_step_set_status(wats_report_root(s->r), st);
	int v[6];
	if (!rc && n >= 4 && s->have_t0 && parse_dt(s, f[2], f[3], v) == 0) {
		/* Same clock as START: the difference of the wall-clock fields is the duration. */
		wats_report *tmp;
		if (wats_report_new(&tmp, WATS_REPORT_UUT) == 0) {
			time_t t1;
			long ns;
			int off;
			if (wats__vu_set_start_local(s->c, tmp, v[0], v[1], v[2], v[3], v[4], v[5], 0) == 0 &&
			    wats_report_start_time(&t1, &ns, &off, tmp) == 0)
				rc = wats_node_set_number(s->r, wats_report_info(s->r), "execTime",
							  difftime(t1, s->t0));
			wats_report_free(tmp);
		}
	}
	if (!rc && !wats_report_sn(s->r))
		wats__cctx_warn(s->c, line, "SN", "board without an SN record");
	if (!rc)
		rc = wats__vu_finish(s->c, s->r, line);
	wats_report *r = s->r;
	s->r = NULL;
	if (rc < 0) {
		wats_report_free(r);
		return rc;
	}
	return wats__cctx_emit(s->c, r);
}

double wats__spea_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			 size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)name, (void)pn;
	int fmt = wats__vu_starts(head, len, "FORMAT;");
	int st = wats__vu_starts(head, len, "START;");
	if (!fmt && !st)
		return 0;
	int anl = wats__find(head, len, "\nANL;") || wats__find(head, len, "\nFUNC;") ||
		  wats__find(head, len, "\nEND;");
	if (!anl)
		return 0.3;
	const char *p = wats__find(head, len, "\nSN;");
	if (p) {
		p += 4;
		const char *e = p;
		while (e < (const char *)head + len && *e != '\r' && *e != '\n')
			e++;
		if (e < (const char *)head + len)
			wats__copy_trim(sn, size, p, (size_t)(e - p));
	}
	return 0.9;
}

int wats__spea_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	spea s;
	memset(&s, 0, sizeof(s));
	s.c = c;
	wats__lines l;
	wats__lines_init(&l, c);
	char *line;
	size_t len;
	int rc;
	char *f[16];
	while ((rc = wats__lines_next(&l, &line, &len)) > 0) {
		if (!len)
			continue;
		int n = wats__vu_split(line, ';', f, 16);
		const char *k = f[0];
		if (!strcmp(k, "ANL") || !strcmp(k, "FUNC"))
			rc = test_record(&s, f, n, l.line);
		else if (!strcmp(k, "START"))
			rc = start_record(&s, f, n, l.line);
		else if (!strcmp(k, "END"))
			rc = end_record(&s, f, n, l.line);
		else if (!strcmp(k, "SN")) {
			if (!s.r)
				rc = wats__cctx_error(c, WATS_EPARSE, l.line, 0, "SN record before START");
			else if (n > 1 && *wats__trim(f[1]))
				rc = wats_report_set_sn(s.r, f[1]);
		} else if (!strcmp(k, "LOT")) {
			if (s.r && n > 1 && *wats__trim(f[1]))
				rc = wats_node_set_string(s.r, wats_report_info(s.r), "batchSN", f[1]);
		} else if (!strcmp(k, "FORMAT")) {
			s.ddmm = n > 1 && !strncasecmp(f[1], "ddmm", 4);
		} else if (!strcmp(k, "BOARDRESULT")) {
			/* END carries the same verdict */
		} else {
			wats__cctx_warn(c, l.line, k, "record type '%s' not known; skipped", k);
		}
		if (rc < 0)
			break;
		rc = 0;
	}
	long last = l.line;
	wats__lines_free(&l);
	if (rc == 0 && s.r)
		rc = wats__cctx_error(c, WATS_EPARSE, last, 0, "the board started at line %ld has no END "
				      "record (the file is truncated)", s.start_line);
	if (rc == 0 && c->count == 0)
		rc = wats__cctx_error(c, WATS_EPARSE, last, 0, "no START..END board in the file");
	wats_report_free(s.r);
	rc = wats__cctx_refused(c, rc, last);
	return rc;
}
