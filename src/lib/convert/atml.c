/*
 * ATML (IEEE 1636.1 Test Results 2.02 / 5.00 / 6.01, NI TestStand flavour). The file is read
 * with the streaming XML layer; each TestResults element is collected into a small tree and
 * converted into one report when it ends, so a TestResultsCollection with many results
 * converts in memory bounded by its largest TestResults. Names are matched by local name (the
 * three versions differ in their namespace URIs, not in the element names used here).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "convert/xmlin.h"
#include "convert/xmltree.h"
#include "util/timefmt.h"

typedef wats__xnode dnode;

typedef struct atml {
	wats__cctx *c;
	wats__xtree tree; /* the TestResults being collected */
	int version_warned;
} atml;

#define MAX_NODES 4000000

static dnode *path(const dnode *n, const char *p)
{
	char part[64];
	while (n && *p) {
		size_t len = strcspn(p, "/");
		if (len >= sizeof(part))
			return NULL;
		memcpy(part, p, len);
		part[len] = '\0';
		n = wats__xtree_child(n, part);
		p += len;
		if (*p == '/')
			p++;
	}
	return (dnode *)n;
}

static const char *text(const dnode *n)
{
	return n && n->text ? n->text : NULL;
}

static int on_start(wats__xml *x, void *ud, const char *name, const char **atts)
{
	atml *a = ud;
	const char *local = wats__xml_local(name);
	if (!a->tree.cur) {
		if (wats__xml_depth(x) == 1 && strcmp(local, "TestResults") &&
		    strcmp(local, "TestResultsCollection"))
			return wats__xml_error(x, WATS_EPARSE,
					       "root element <%s> is not ATML Test Results "
					       "(TestResults or TestResultsCollection)", local);
		if (strcmp(local, "TestResults"))
			return 0; /* outside a TestResults: nothing to keep */
	}
	return wats__xtree_start(&a->tree, x, name, atts);
}

static int convert_results(atml *a, const dnode *tr);

static int on_end(wats__xml *x, void *ud, const char *name, const char *txt, size_t len)
{
	(void)x, (void)name;
	atml *a = ud;
	dnode *ended = a->tree.cur;
	if (!ended)
		return 0;
	int rc = wats__xtree_end(&a->tree, txt, len);
	if (rc < 0)
		return rc;
	if (ended->text) {
		wats__trim(ended->text);
		ended->tlen = strlen(ended->text);
	}
	/* A whole TestResults has been read: convert it and let it go. */
	if (ended == a->tree.root) {
		rc = convert_results(a, a->tree.root);
		wats__xtree_free(a->tree.root);
		a->tree.root = a->tree.cur = NULL;
		a->tree.nodes = 0;
	}
	return rc;
}

/* ------------------------------------------------------------------------------------------ */

static wats_status outcome_status(const dnode *o)
{
	const char *v = wats__xtree_attr(o, "value"), *q = wats__xtree_attr(o, "qualifier");
	if (!v)
		return WATS_STATUS_NONE;
	if (!strcasecmp(v, "NotStarted"))
		return WATS_STATUS_SKIPPED;
	if ((!strcasecmp(v, "UserDefined") || !strcasecmp(v, "Aborted")) && q && *q) {
		wats_status s = wats_status_parse(q);
		if (s != WATS_STATUS_NONE)
			return s;
	}
	if (!strcasecmp(v, "Aborted"))
		return WATS_STATUS_TERMINATED;
	if (!strcasecmp(v, "Running"))
		return WATS_STATUS_DONE;
	wats_status s = wats_status_parse(v);
	return s == WATS_STATUS_NONE ? WATS_STATUS_DONE : s;
}

static const char *ts_prop(const dnode *step, const char *name)
{
	const dnode *p = path(step, "Extension/TSStepProperties");
	const dnode *n = wats__xtree_child(p, name);
	if (!n)
		return NULL;
	return wats__xtree_attr(n, "value") ? wats__xtree_attr(n, "value") : text(n);
}

static int set_num(atml *a, wats_report *r, wats_node *obj, const char *key, const char *v,
		   long line, const char *what)
{
	if (!v || !*v)
		return 0;
	if (wats__set_num_text(r, obj, key, v) == 0)
		return 0;
	wats__cctx_warn(a->c, line, what, "'%s' is not a number; kept as text", v);
	return wats_node_set_string(r, obj, key, v);
}

static int common(atml *a, wats_report *r, wats_step *s, const dnode *n, wats_status st)
{
	int rc = 0;
	const char *g = ts_prop(n, "StepGroup");
	if (g)
		rc = wats_step_set_group(s, !strcasecmp(g, "Setup") ? 'S' : !strcasecmp(g, "Cleanup") ? 'C' : 'M');
	const char *v;
	if (!rc && (v = wats__xtree_attr(n, "startDateTime")))
		rc = wats_step_set_start_text(s, v);
	if (!rc && (v = wats__xtree_attr(n, "testReferenceID")))
		rc = wats_node_set_string(r, s, "tsGuid", v);
	if (!rc && (v = ts_prop(n, "TotalTime")))
		rc = set_num(a, r, s, "totTime", v, n->line, "TotalTime");
	if (!rc && st != WATS_STATUS_NONE)
		rc = wats_step_set_status(s, st);
	/* ReportText from the Data collection. */
	for (dnode *it = path(n, "Data/Collection") ? path(n, "Data/Collection")->first : NULL;
	     it && !rc; it = it->next) {
		const char *nm = wats__xtree_attr(it, "name");
		const char *val = text(path(it, "Datum/Value"));
		if (nm && val && !strcmp(nm, "ReportText"))
			rc = wats_step_set_report_text(s, val);
	}
	return rc;
}

static const char *datum_value(const dnode *d)
{
	if (!d)
		return NULL;
	const char *v = wats__xtree_attr(d, "value");
	return v ? v : text(wats__xtree_child(d, "Value"));
}

static int add_numeric(atml *a, wats_report *r, wats_step *s, const char *mname,
		       const dnode *result, wats_status st)
{
	const dnode *datum = path(result, "TestData/Datum");
	const char *value = datum_value(datum);
	const char *unit = wats__xtree_attr(datum, "nonStandardUnit") ? wats__xtree_attr(datum, "nonStandardUnit") : wats__xtree_attr(datum, "unit");
	const dnode *tl = wats__xtree_child(result, "TestLimits");
	const dnode *lim = wats__xtree_child(tl, "Limits");
	wats_compop op = WATS_COMP_LOG;
	const char *low = NULL, *high = NULL;
	char lowbuf[64], highbuf[64];
	long line = result->line;
	if (tl && !lim) {
		op = WATS_COMP_GELE;
	} else if (lim) {
		const dnode *pair = wats__xtree_child(lim, "LimitPair"), *single = wats__xtree_child(lim, "SingleLimit"),
			    *exp = wats__xtree_child(lim, "Expected");
		if (pair) {
			const dnode *l1 = wats__xtree_child(pair, "Limit"), *l2 = l1 ? l1->next : NULL;
			while (l2 && strcmp(l2->name, "Limit"))
				l2 = l2->next;
			char ops[16];
			snprintf(ops, sizeof(ops), "%s%s", wats__xtree_attr(l1, "comparator") ? wats__xtree_attr(l1, "comparator") : "GE",
				 wats__xtree_attr(l2, "comparator") ? wats__xtree_attr(l2, "comparator") : "LE");
			op = wats_compop_parse(ops);
			low = datum_value(wats__xtree_child(l1, "Datum"));
			high = datum_value(wats__xtree_child(l2, "Datum"));
			if (op == WATS_COMP_UNKNOWN || wats_compop_limits(op) != 2) {
				wats__cctx_warn(a->c, pair->line, "LimitPair", "comparators %s not a WATS range "
						"operator; GELE used", ops);
				op = WATS_COMP_GELE;
			}
		} else if (single) {
			const char *cmp = wats__xtree_attr(single, "comparator") ? wats__xtree_attr(single, "comparator") : "GE";
			op = wats_compop_parse(cmp);
			low = datum_value(wats__xtree_child(single, "Datum"));
			if (op == WATS_COMP_UNKNOWN || wats_compop_limits(op) != 1) {
				wats__cctx_warn(a->c, single->line, "SingleLimit", "comparator %s not a WATS "
						"single-limit operator; GE used", cmp);
				op = WATS_COMP_GE;
			}
		} else if (exp) {
			const dnode *raw = path(lim, "Extension/TSLimitProperties/RawLimits");
			const dnode *tt = path(lim, "Extension/TSLimitProperties/ThresholdType");
			const char *nom = wats__xtree_attr(wats__xtree_child(raw, "Nominal"), "value");
			if (tt && nom) {
				double n, lo = NAN, hi = NAN, d;
				const char *t = text(tt) ? text(tt) : wats__xtree_attr(tt, "value");
				wats__parse_double(nom, &n);
				double scale = t && !strcasecmp(t, "percentage") ? fabs(n) / 100
					       : t && !strcasecmp(t, "ppm") ? fabs(n) / 1e6 : 1;
				if (wats__xtree_attr(wats__xtree_child(raw, "Low"), "value") &&
				    !wats__parse_double(wats__xtree_attr(wats__xtree_child(raw, "Low"), "value"), &d))
					lo = n - d * scale;
				if (wats__xtree_attr(wats__xtree_child(raw, "High"), "value") &&
				    !wats__parse_double(wats__xtree_attr(wats__xtree_child(raw, "High"), "value"), &d))
					hi = n + d * scale;
				op = WATS_COMP_GELE;
				if (!isnan(lo))
					snprintf(lowbuf, sizeof(lowbuf), "%.17g", lo), low = lowbuf;
				if (!isnan(hi))
					snprintf(highbuf, sizeof(highbuf), "%.17g", hi), high = highbuf;
			} else {
				const char *cmp = wats__xtree_attr(exp, "comparator") ? wats__xtree_attr(exp, "comparator") : "EQ";
				op = wats_compop_parse(cmp);
				if (op == WATS_COMP_UNKNOWN || wats_compop_limits(op) != 1)
					op = WATS_COMP_EQ;
				low = datum_value(wats__xtree_child(exp, "Datum"));
			}
		} else {
			op = WATS_COMP_GELE;
		}
	}
	wats_meas *m;
	int rc = wats_step_add_numeric(&m, s, mname, 0, op, 0, 0, unit);
	if (rc < 0)
		return rc;
	if (value)
		rc = set_num(a, r, m, "value", value, line, "Datum");
	else
		rc = wats_node_set_string(r, m, "value", "NaN");
	if (!rc && low && wats_compop_limits(op) >= 1)
		rc = set_num(a, r, m, "lowLimit", low, line, "Limit");
	if (!rc && high && wats_compop_limits(op) >= 2)
		rc = set_num(a, r, m, "highLimit", high, line, "Limit");
	const dnode *mo = wats__xtree_child(result, "Outcome");
	if (!rc)
		rc = wats_meas_set_status(m, mo ? outcome_status(mo) : st);
	return rc;
}

static int steps(atml *a, wats_report *r, wats_step *parent, const dnode *container);

static int one_step(atml *a, wats_report *r, wats_step *parent, const dnode *n)
{
	const char *ts_type = ts_prop(n, "StepType");
	const char *name = wats__xtree_attr(n, "callerName") ? wats__xtree_attr(n, "callerName") : wats__xtree_attr(n, "name");
	if (!name)
		name = ts_type ? ts_type : n->name;
	if (!wats__xtree_attr(n, "callerName") && strrchr(name, '#'))
		name = strrchr(name, '#') + 1; /* "file.seq#Sequence": the sequence name */
	wats_status st = outcome_status(wats__xtree_child(n, "Outcome"));
	if (st == WATS_STATUS_NONE)
		st = outcome_status(wats__xtree_child(n, "ActionOutcome"));
	wats_step *s = NULL;
	int rc;
	if (!strcmp(n->name, "TestGroup") || (ts_type && !strcmp(ts_type, "SequenceCall"))) {
		rc = wats_step_add(&s, parent, WATS_STEP_SEQUENCE, name);
		const char *seq = wats__xtree_attr(n, "name");
		if (!rc && seq) {
			const char *hash = strrchr(seq, '#');
			char *file = hash ? strndup(seq, (size_t)(hash - seq)) : NULL;
			rc = wats_step_set_seq_call(s, file, hash ? hash + 1 : seq, NULL);
			free(file);
		}
		if (!rc)
			rc = common(a, r, s, n, st);
		if (!rc)
			rc = steps(a, r, s, n);
		return rc;
	}
	if (!strcmp(n->name, "SessionAction")) {
		rc = wats_step_add_typed(&s, parent, ts_type ? ts_type : "Action", name);
		return rc ? rc : common(a, r, s, n, st);
	}
	/* tr:Test */
	const char *t = ts_type ? ts_type : "NumericLimitTest";
	if (!strcmp(t, "NumericLimitTest") || !strcmp(t, "NI_MultipleNumericLimitTest") ||
	    !strcmp(t, "MultipleNumericLimitTest")) {
		size_t nres = 0;
		for (dnode *c = n->first; c; c = c->next)
			nres += !strcmp(c->name, "TestResult");
		int multi = strcmp(t, "NumericLimitTest") != 0 || nres > 1;
		rc = wats_step_add(&s, parent, multi ? WATS_STEP_MULTI_NUMERIC : WATS_STEP_NUMERIC, name);
		if (!rc && !multi)
			rc = wats_node_set_string(r, s, "stepType", "NumericLimitTest");
		if (!rc)
			rc = common(a, r, s, n, st);
		size_t k = 0;
		for (dnode *c = n->first; c && !rc; c = c->next) {
			if (strcmp(c->name, "TestResult"))
				continue;
			char mname[128];
			snprintf(mname, sizeof(mname), "%s", wats__xtree_attr(c, "name") ? wats__xtree_attr(c, "name") : "");
			if (multi && !*mname)
				snprintf(mname, sizeof(mname), "Measurement %zu", k + 1);
			rc = add_numeric(a, r, s, multi ? mname : NULL, c, st);
			k++;
		}
		if (!rc && nres == 0) {
			wats_meas *m;
			rc = wats_step_add_numeric(&m, s, multi ? "Measurement 1" : NULL, NAN, WATS_COMP_LOG, 0, 0, NULL);
			if (!rc)
				rc = wats_meas_set_status(m, st);
		}
		return rc;
	}
	if (!strcmp(t, "StringValueTest")) {
		rc = wats_step_add(&s, parent, WATS_STEP_STRING, name);
		if (!rc)
			rc = wats_node_set_string(r, s, "stepType", "StringValueTest");
		if (!rc)
			rc = common(a, r, s, n, st);
		const dnode *res = wats__xtree_child(n, "TestResult");
		const char *value = datum_value(path(res, "TestData/Datum"));
		const dnode *exp = path(res, "TestLimits/Limits/Expected");
		wats_compop op = WATS_COMP_LOG;
		const char *limit = NULL;
		if (exp) {
			const char *cmp = wats__xtree_attr(exp, "comparator");
			op = cmp && !strcasecmp(cmp, "CIEQ") ? WATS_COMP_IGNORECASE : WATS_COMP_CASESENSIT;
			limit = datum_value(wats__xtree_child(exp, "Datum"));
		}
		wats_meas *m;
		if (!rc)
			rc = wats_step_add_string(&m, s, NULL, value ? value : "", op, limit);
		if (!rc)
			rc = wats_meas_set_status(m, st);
		return rc;
	}
	if (!strcmp(t, "PassFailTest")) {
		rc = wats_step_add(&s, parent, WATS_STEP_PASSFAIL, name);
		if (!rc)
			rc = wats_node_set_string(r, s, "stepType", "PassFailTest");
		if (!rc)
			rc = common(a, r, s, n, st);
		wats_meas *m;
		if (!rc)
			rc = wats_step_add_passfail(&m, s, NULL, st != WATS_STATUS_FAILED);
		if (!rc)
			rc = wats_meas_set_status(m, st == WATS_STATUS_NONE ? WATS_STATUS_DONE : st);
		return rc;
	}
	rc = wats_step_add_typed(&s, parent, t, name);
	return rc ? rc : common(a, r, s, n, st);
}

static int steps(atml *a, wats_report *r, wats_step *parent, const dnode *container)
{
	int rc = 0;
	for (dnode *n = container->first; n && !rc; n = n->next)
		if (!strcmp(n->name, "TestGroup") || !strcmp(n->name, "Test") ||
		    !strcmp(n->name, "SessionAction"))
			rc = one_step(a, r, parent, n);
	return rc;
}

static int convert_results(atml *a, const dnode *tr)
{
	wats__cctx *c = a->c;
	wats_report *r;
	int rc = wats__new_uut(&r, c);
	if (rc < 0)
		return rc;
	const dnode *uut = wats__xtree_child(tr, "UUT");
	const char *sn = text(wats__xtree_child(uut, "SerialNumber"));
	const char *pn = NULL;
	const dnode *ids = path(uut, "Definition/Identification/IdentificationNumbers");
	for (dnode *id = ids ? ids->first : NULL; id; id = id->next)
		if (!pn || (wats__xtree_attr(id, "type") && !strcasecmp(wats__xtree_attr(id, "type"), "Part")))
			pn = wats__xtree_attr(id, "number") ? wats__xtree_attr(id, "number") : pn;
	if (sn && *sn)
		rc = wats_report_set_sn(r, sn);
	else
		wats__cctx_warn(c, tr->line, "UUT/SerialNumber", "no serial number in the file");
	if (!rc && pn && *pn && !wats__cctx_param(c, "partNumber"))
		rc = wats_report_set_pn(r, pn);
	if (!rc && !wats_report_pn(r))
		wats__cctx_warn(c, tr->line, "UUT/IdentificationNumber", "no part number in the file or "
				"the partNumber parameter");
	if (!rc && !wats_report_rev(r))
		rc = wats_report_set_rev(r, "1.0");
	if (!rc && wats_report_process_code(&(int){ 0 }, r) != 0)
		rc = wats_report_set_process_code(r, 10);
	const dnode *op = path(tr, "Personnel/SystemOperator");
	const char *opname = wats__xtree_attr(op, "name") ? wats__xtree_attr(op, "name") : wats__xtree_attr(op, "ID");
	if (!rc && opname && !wats__cctx_param(c, "operator"))
		rc = wats_report_set_operator(r, opname);
	const char *station = text(path(tr, "TestStation/SerialNumber"));
	if (!rc && station && !wats__cctx_param(c, "station"))
		rc = wats_report_set_machine_name(r, station);
	const dnode *rs = wats__xtree_child(tr, "ResultSet");
	wats_node *info = wats_report_info(r);
	if (!rs) {
		wats_report_free(r);
		return wats__cctx_error(c, WATS_EPARSE, tr->line, 0, "TestResults without a ResultSet");
	}
	const char *start = wats__xtree_attr(rs, "startDateTime"), *end = wats__xtree_attr(rs, "endDateTime");
	if (!rc && start) {
		time_t t0, t1;
		long n0, n1;
		int o0, o1, h0, h1;
		if (wats_report_set_start_text(r, start) < 0) {
			const char *tz = wats__cctx_param(c, "utcOffset");
			char buf[96];
			snprintf(buf, sizeof(buf), "%s%s", start, tz ? tz : "");
			if (!tz || wats_report_set_start_text(r, buf) < 0) {
				rc = wats_node_set_string(r, wats_report_node(r), "start", start);
				wats__cctx_warn(c, rs->line, "ResultSet/@startDateTime",
						"'%s' has no UTC offset: kept as written (set the utcOffset "
						"parameter, e.g. +01:00)", start);
			}
		}
		if (!rc && end && !wats__time_parse(start, &t0, &n0, &o0, &h0) &&
		    !wats__time_parse(end, &t1, &n1, &o1, &h1)) {
			double secs = difftime(t1, t0) + (double)(n1 - n0) / 1e9;
			rc = wats_node_set_number(r, info, "execTime", secs);
		}
	}
	wats_status res = outcome_status(wats__xtree_child(rs, "Outcome"));
	if (!rc && res != WATS_STATUS_NONE)
		rc = wats_report_set_result(r, res == WATS_STATUS_SKIPPED ? WATS_STATUS_DONE : res);
	const dnode *rsp = path(tr, "Extension/TSResultSetProperties");
	const char *v;
	if (!rc && (v = text(wats__xtree_child(rsp, "BatchSerialNumber"))))
		rc = wats_node_set_string(r, info, "batchSN", v);
	if (!rc && (v = wats__xtree_attr(wats__xtree_child(rsp, "TestSocketIndex"), "value")))
		rc = set_num(a, r, info, "testSocketIndex", v, rsp->line, "TestSocketIndex");
	/* Misc infos: UUT/Definition/Extension/TSCollection/Item[@name=AdditionalData]. */
	const dnode *coll = path(uut, "Definition/Extension/TSCollection");
	for (dnode *it = coll ? coll->first : NULL; it && !rc; it = it->next) {
		if (!wats__xtree_attr(it, "name") || strcmp(wats__xtree_attr(it, "name"), "AdditionalData"))
			continue;
		const dnode *cc = wats__xtree_child(it, "Collection");
		for (dnode *e = cc ? cc->first : NULL; e && !rc; e = e->next) {
			const char *d = wats__xtree_attr(e, "name");
			const char *val = datum_value(wats__xtree_child(e, "Datum"));
			if (d && val && *d && *val)
				rc = wats_report_add_misc_info(NULL, r, d, val);
		}
	}
	wats_step *root = wats_report_root(r);
	if (!rc) {
		const char *seq = wats__xtree_attr(rs, "name");
		if (seq) {
			const char *hash = strrchr(seq, '#');
			char *file = hash ? strndup(seq, (size_t)(hash - seq)) : NULL;
			const char *ver = wats__cctx_param(c, "sequenceVersion");
			rc = wats_step_set_seq_call(root, file, hash ? hash + 1 : seq, ver);
			free(file);
		}
		if (!rc)
			rc = common(a, r, root, rs, res);
		if (!rc)
			rc = steps(a, r, root, rs);
	}
	if (rc < 0) {
		wats_report_free(r);
		return wats__cctx_refused(c, rc, tr->line);
	}
	return wats__cctx_emit(c, r);
}

double wats__atml_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			 size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)name;
	int tr = wats__find(head, len, "TestResults") != NULL;
	int ns = wats__find(head, len, "IEEE-1636.1") || wats__find(head, len, "ieee.org/ATML");
	if (!tr || !ns)
		return tr ? 0.3 : 0;
	const char *p = wats__find(head, len, "SerialNumber>");
	/* The UUT's serial number comes after the results; the head may not reach it. */
	const char *u = wats__find(head, len, "UUT>");
	if (u) {
		size_t off = (size_t)(u - (const char *)head);
		p = wats__find(head + off, len - off, "SerialNumber>");
	}
	if (u && p) {
		p += strlen("SerialNumber>");
		const char *e = memchr(p, '<', (size_t)((const char *)head + len - p));
		if (e)
			wats__copy_trim(sn, size, p, (size_t)(e - p));
	}
	if (wats__xml_peek_attr(pn, size, head, len, "c:IdentificationNumber", "number") < 0)
		wats__xml_peek_attr(pn, size, head, len, "IdentificationNumber", "number");
	return 0.95;
}

int wats__atml_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	atml a;
	memset(&a, 0, sizeof(a));
	a.c = c;
	a.tree.max = MAX_NODES; /* per TestResults: the tree is emptied after each */
	wats__xml_handlers h = { &a, on_start, on_end };
	int rc = wats__xml_parse(c, &h);
	wats__xtree_free(a.tree.root);
	if (!rc && c->count == 0)
		rc = wats__cctx_error(c, WATS_EPARSE, 0, 0, "no TestResults element found");
	return rc;
}
