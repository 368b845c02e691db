/*
 * NI TestStand XML report ("teststand"): TestStand's XML report generator dumps its property
 * objects as nested <Prop Name=.. Type=..><Value>..</Value></Prop> elements. Two layouts:
 * - with the WATS add-on: <TSReport> with <ReportInfo key= value=/> (ID, Start with its UTC
 *   offset, SN, PN, Rev, PCode) and the props UUT, StationInfo, MainSequenceResults;
 * - plain TestStand: <Reports><Report Type='UUT' UUTResult=..> (one report per <Report>) with
 *   UUT, StartDate/StartTime (local wall clock, no offset) and an unnamed TEResult prop.
 * A TEResult is one step: TS.StepName/StepType/StepGroup/TotalTime/Id, Status, Error.*,
 * ReportText and, by step type, Numeric+Limits+Comp+Units, PassFail or String. A TEResult with
 * TS.SequenceCall is a sequence whose steps are TS.SequenceCall.ResultList/Value/Prop.
 * The whole file is read into a tree first: the layout puts the header props after nothing in
 * particular, and reports are small (the tree is bounded by MAX_NODES).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/vendor_util.h"

#define MAX_NODES 8000000
#define MAX_DEPTH 100 /* sequence calls inside sequence calls */

typedef struct ts {
	wats__cctx *c;
	wats_report *r;
} ts;

/* The child <Prop Name=name> of n. */
static wats__xnode *prop1(const wats__xnode *n, const char *name, size_t len)
{
	for (wats__xnode *k = n ? n->first : NULL; k; k = k->next) {
		if (strcmp(k->name, "Prop"))
			continue;
		const char *nm = wats__xtree_attr(k, "Name");
		if (nm && strlen(nm) == len && !memcmp(nm, name, len))
			return k;
	}
	return NULL;
}

/* Prop by dotted path "TS.SequenceCall.ResultList". */
static wats__xnode *prop(const wats__xnode *n, const char *path)
{
	while (n && *path) {
		size_t len = strcspn(path, ".");
		n = prop1(n, path, len);
		path += len;
		if (*path == '.')
			path++;
	}
	return (wats__xnode *)n;
}

/* The trimmed <Value> text of a prop, NULL when absent or empty. */
static const char *pval(const wats__xnode *n, const char *path)
{
	wats__xnode *p = prop(n, path);
	wats__xnode *v = wats__xtree_child(p, "Value");
	if (!v || !v->text)
		return NULL;
	wats__trim(v->text);
	return *v->text ? v->text : NULL;
}

static wats_status status_of(const char *s)
{
	if (!s)
		return WATS_STATUS_NONE;
	wats_status st = wats_status_parse(s);
	return st;
}

static int steps(ts *t, wats_step *parent, const wats__xnode *te, int depth);

static int common(ts *t, wats_step *s, const wats__xnode *te)
{
	int rc = 0;
	const char *v;
	wats_status st = status_of(pval(te, "Status"));
	if (st != WATS_STATUS_NONE)
		rc = wats_step_set_status(s, st);
	if (!rc && (v = pval(te, "TS.StepGroup")))
		rc = wats_step_set_group(s, !strcasecmp(v, "Setup") ? 'S' : !strcasecmp(v, "Cleanup") ? 'C' : 'M');
	if (!rc && (v = pval(te, "TS.TotalTime")))
		rc = wats__vu_num(t->c, t->r, s, "totTime", v, prop(te, "TS")->line);
	if (!rc && (v = pval(te, "TS.Id")))
		rc = wats_step_set_id(s, atol(v));
	if (!rc && (v = pval(te, "ReportText")))
		rc = wats_step_set_report_text(s, v);
	v = pval(te, "Error.Occurred");
	if (!rc && v && !strcasecmp(v, "True")) {
		const char *code = pval(te, "Error.Code"), *msg = pval(te, "Error.Msg");
		rc = wats_step_set_error(s, code ? atol(code) : 0, msg ? msg : "");
	}
	return rc;
}

/* Limits.Low / Limits.High / Comp as the measurement's operator and limit texts. */
static int numeric_meas(ts *t, wats_step *s, const char *name, const wats__xnode *m,
			const char *value, wats_status st)
{
	const char *comp = pval(m, "Comp");
	const char *low = pval(m, "Limits.Low"), *high = pval(m, "Limits.High");
	wats_compop op = comp ? wats_compop_parse(comp) : WATS_COMP_LOG;
	if (op == WATS_COMP_UNKNOWN) {
		wats__cctx_warn(t->c, m->line, "Comp", "comparison '%s' unknown; logged only", comp);
		op = WATS_COMP_LOG;
	}
	/* Single-limit operators compare with High when TestStand says LT/LE and only High is set. */
	if (wats_compop_limits(op) == 1 && !low && high)
		low = high;
	return wats__vu_numeric(t->c, t->r, s, name, value, op, low, high, pval(m, "Units"), st,
				m->line);
}

/* A step of this kind under parent, with TestStand's step type (when given) and the members
 * every step has, in that order. */
static int typed_step(wats_step **s, ts *t, wats_step *parent, wats_step_kind kind,
		      const char *name, const char *type, const wats__xnode *te)
{
	int rc = wats_step_add(s, parent, kind, name);
	if (!rc && type)
		rc = wats_node_set_string(t->r, *s, "stepType", type);
	return rc ? rc : common(t, *s, te);
}

static int one_step(ts *t, wats_step *parent, const wats__xnode *te, int depth)
{
	const char *type = pval(te, "TS.StepType");
	const char *name = pval(te, "TS.StepName");
	wats_status st = status_of(pval(te, "Status"));
	wats_step *s = NULL;
	int rc;
	if (!name)
		name = type ? type : "Step";
	if (!type)
		type = "Action";
	wats__xnode *sc = prop(te, "TS.SequenceCall");
	if (sc) {
		if (depth >= MAX_DEPTH)
			return wats__cctx_error(t->c, WATS_ELIMIT, te->line, 0,
						"sequence calls nested deeper than %d", MAX_DEPTH);
		rc = wats_step_add(&s, parent, WATS_STEP_SEQUENCE, name);
		if (!rc)
			rc = wats_step_set_seq_call(s, pval(sc, "SequenceFile"), pval(sc, "Sequence"),
						    pval(sc, "SequenceFileVersion"));
		if (!rc)
			rc = common(t, s, te);
		return rc ? rc : steps(t, s, te, depth + 1);
	}
	wats_meas *m;
	if (!strcmp(type, "NumericLimitTest") || !strcmp(type, "ET_NLT")) {
		rc = typed_step(&s, t, parent, WATS_STEP_NUMERIC, name, type, te);
		return rc ? rc : numeric_meas(t, s, NULL, te, pval(te, "Numeric"), st);
	}
	if (!strcmp(type, "NI_MultipleNumericLimitTest") || !strcmp(type, "ET_MNLT")) {
		rc = typed_step(&s, t, parent, WATS_STEP_MULTI_NUMERIC, name, NULL, te);
		wats__xnode *arr = prop(te, "Measurement");
		size_t k = 0;
		for (wats__xnode *v = wats__xtree_child(arr, "Value"); v && !rc; v = wats__xtree_next_same(v)) {
			wats__xnode *mp = wats__xtree_child(v, "Prop");
			char mname[64];
			const char *id = wats__xtree_attr(v, "ID");
			snprintf(mname, sizeof(mname), "Measurement%s", id ? id : "");
			const char *nm = wats__xtree_attr(mp, "Name");
			rc = numeric_meas(t, s, nm && *nm ? nm : mname, mp, pval(mp, "Data"),
					  status_of(pval(mp, "Status")));
			k++;
		}
		if (!rc && !k)
			wats__cctx_warn(t->c, te->line, name, "multiple numeric step without measurements");
		return rc;
	}
	if (!strcmp(type, "PassFailTest") || !strcmp(type, "ET_PFT")) {
		rc = typed_step(&s, t, parent, WATS_STEP_PASSFAIL, name, type, te);
		const char *pf = pval(te, "PassFail");
		int passed = pf ? !strcasecmp(pf, "True") : st == WATS_STATUS_PASSED;
		if (!rc)
			rc = wats_step_add_passfail(&m, s, NULL, passed);
		if (!rc && st != WATS_STATUS_NONE)
			rc = wats_meas_set_status(m, st);
		return rc;
	}
	if (!strcmp(type, "StringValueTest") || !strcmp(type, "ET_SVT")) {
		rc = typed_step(&s, t, parent, WATS_STEP_STRING, name, type, te);
		const char *comp = pval(te, "Comp");
		wats_compop op = comp ? wats_compop_parse(comp) : WATS_COMP_LOG;
		if (op == WATS_COMP_UNKNOWN)
			op = WATS_COMP_LOG;
		const char *val = pval(te, "String");
		if (!rc)
			rc = wats_step_add_string(&m, s, NULL, val ? val : "", op,
						  op == WATS_COMP_LOG ? NULL : pval(te, "Limits.String"));
		if (!rc && st != WATS_STATUS_NONE)
			rc = wats_meas_set_status(m, st);
		return rc;
	}
	rc = wats_step_add_typed(&s, parent, type, name);
	return rc ? rc : common(t, s, te);
}

static int steps(ts *t, wats_step *parent, const wats__xnode *te, int depth)
{
	wats__xnode *list = prop(te, "TS.SequenceCall.ResultList");
	int rc = 0;
	for (wats__xnode *v = wats__xtree_child(list, "Value"); v && !rc; v = wats__xtree_next_same(v))
		for (wats__xnode *p = v->first; p && !rc; p = p->next)
			if (!strcmp(p->name, "Prop") && wats__xtree_attr(p, "Type") &&
			    !strcmp(wats__xtree_attr(p, "Type"), "TEResult"))
				rc = one_step(t, parent, p, depth);
	return rc;
}

static const char *report_info(const wats__xnode *rep, const char *key)
{
	for (wats__xnode *k = wats__xtree_child(rep, "ReportInfo"); k; k = wats__xtree_next_same(k)) {
		const char *kk = wats__xtree_attr(k, "key"), *v = wats__xtree_attr(k, "value");
		if (kk && v && *v && !strcmp(kk, key))
			return v;
	}
	return NULL;
}

static const char *first(const char *a, const char *b, const char *c)
{
	return a ? a : b ? b : c;
}

static int header(ts *t, const wats__xnode *rep, const wats__xnode *main)
{
	wats__cctx *c = t->c;
	wats_report *r = t->r;
	const wats__xnode *uut = prop(rep, "UUT"), *si = prop(rep, "StationInfo");
	const char *v;
	int rc = 0;
	if ((v = first(pval(uut, "SerialNumber"), report_info(rep, "SN"), NULL)))
		rc = wats_report_set_sn(r, v);
	else
		wats__cctx_warn(c, rep->line, "UUT.SerialNumber", "no serial number in the report");
	if (!rc && (v = first(pval(uut, "UUTPartNumber"), pval(uut, "PartNumber"), report_info(rep, "PN"))))
		rc = wats_report_set_pn(r, v);
	if (!rc && (v = first(pval(uut, "UUTPartRevisionNumber"), report_info(rep, "Rev"), NULL)))
		rc = wats_report_set_rev(r, v);
	if (!rc && (v = first(pval(uut, "UUTOperationType"), report_info(rep, "PCode"), NULL)))
		rc = wats_report_set_process_code(r, atoi(v));
	if (!rc && (v = pval(si, "LoginName")))
		rc = wats_report_set_operator(r, v);
	if (!rc && (v = first(pval(si, "StationID"), pval(si, "StationComputerName"), NULL)))
		rc = wats_report_set_machine_name(r, v);
	if (!rc && (v = pval(si, "Location")))
		rc = wats_report_set_location(r, v);
	if (!rc && (v = pval(si, "Purpose")))
		rc = wats_report_set_purpose(r, v);
	if (!rc)
		rc = wats__vu_finish(c, r, rep->line);
	if (!rc && (v = report_info(rep, "ID")))
		if (wats_report_set_id(r, v) < 0)
			wats__cctx_warn(c, rep->line, "ReportInfo ID", "'%s' is not a GUID; a new id used", v);
	wats_node *info = wats_report_info(r);
	if (!rc && (v = pval(uut, "BatchSerialNumber")))
		rc = wats_node_set_string(r, info, "batchSN", v);
	if (!rc && (v = pval(uut, "TestSocketIndex")) && strcmp(v, "-1"))
		rc = wats__vu_num(c, r, info, "testSocketIndex", v, uut->line);
	if (!rc && (v = pval(uut, "Comment")))
		rc = wats_node_set_string(r, info, "comment", v);
	if (!rc && (v = pval(uut, "UUT_Fixture_ID")))
		rc = wats_node_set_string(r, info, "fixtureId", v);
	if (!rc && (v = pval(main, "TS.TotalTime")))
		rc = wats__vu_num(c, r, info, "execTime", v, main->line);
	/* Start: ReportInfo Start keeps the station's offset; otherwise StartDate + StartTime. */
	if (!rc && (v = report_info(rep, "Start"))) {
		rc = wats__vu_set_start_iso(c, r, v, rep->line);
	} else if (!rc) {
		const wats__xnode *d = prop(rep, "StartDate"), *tm = prop(rep, "StartTime");
		const char *y = pval(d, "Year"), *mo = pval(d, "Month"), *md = pval(d, "MonthDay");
		const char *h = pval(tm, "Hours"), *mi = pval(tm, "Minutes"), *se = pval(tm, "Seconds"),
			   *ms = pval(tm, "Milliseconds");
		if (!y || !mo || !md || !h || !mi || !se ||
		    wats__vu_set_start_local(c, r, atoi(y), atoi(mo), atoi(md), atoi(h), atoi(mi),
					     atoi(se), ms ? atoi(ms) : 0) < 0)
			wats__cctx_warn(c, rep->line, "StartDate", "no usable start time; conversion time used");
	}
	/* Result: the report's UUTResult, else the main sequence's status. */
	wats_status res = status_of(wats__xtree_attr(rep, "UUTResult"));
	if (res == WATS_STATUS_NONE)
		res = status_of(pval(main, "Status"));
	if (!rc && res != WATS_STATUS_NONE)
		rc = wats_report_set_result(r, res == WATS_STATUS_SKIPPED ? WATS_STATUS_DONE : res);
	return rc;
}

static wats__xnode *main_result(const wats__xnode *rep)
{
	wats__xnode *m = prop(rep, "MainSequenceResults");
	if (m)
		return m;
	for (wats__xnode *k = rep->first; k; k = k->next)
		if (!strcmp(k->name, "Prop") && wats__xtree_attr(k, "Type") &&
		    !strcmp(wats__xtree_attr(k, "Type"), "TEResult"))
			return k;
	return NULL;
}

static int one_report(ts *t, const wats__xnode *rep)
{
	wats__cctx *c = t->c;
	const wats__xnode *main = main_result(rep);
	if (!main)
		return wats__cctx_error(c, WATS_EPARSE, rep->line, 0,
					"<%s> has no TEResult (MainSequenceResults) prop", rep->name);
	int rc = wats__new_uut(&t->r, c);
	if (rc < 0)
		return rc;
	wats_step *root = wats_report_root(t->r);
	rc = header(t, rep, main);
	wats__xnode *sc = prop(main, "TS.SequenceCall");
	const char *v;
	if (!rc && sc)
		rc = wats_step_set_seq_call(root, pval(sc, "SequenceFile"), pval(sc, "Sequence"),
					    first(pval(sc, "SequenceFileVersion"),
						  wats__cctx_param(c, "sequenceVersion"), NULL));
	if (!rc && (v = pval(main, "TS.StepName")))
		rc = wats_node_set_string(t->r, root, "name", v);
	if (!rc)
		rc = common(t, root, main);
	if (!rc)
		rc = steps(t, root, main, 0);
	wats_report *r = t->r;
	t->r = NULL;
	if (rc < 0) {
		wats_report_free(r);
		return wats__cctx_refused(c, rc, rep->line);
	}
	return wats__cctx_emit(c, r);
}

double wats__teststand_detect(const wats_converter *cv, const char *name,
			      const unsigned char *head, size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)name;
	int tsr = wats__find(head, len, "<TSReport") != NULL;
	int rep = wats__find(head, len, "<Reports") && wats__find(head, len, "<Report Type=");
	if (!tsr && !rep)
		return 0;
	/* The Prop dump is what makes it TestStand (WSXF also has Reports/Report). */
	if (!wats__find(head, len, "<Prop Name=") && !wats__find(head, len, "<Prop Type="))
		return tsr ? 0.4 : 0;
	const char *p = wats__find(head, len, "Name='SerialNumber'");
	if (p) {
		size_t off = (size_t)(p - (const char *)head);
		const char *v = wats__find(head + off, len - off, "<Value>");
		if (v) {
			v += 7;
			const char *e = memchr(v, '<', (size_t)((const char *)head + len - v));
			if (e)
				wats__copy_trim(sn, size, v, (size_t)(e - v));
		}
	}
	p = wats__find(head, len, "Name='UUTPartNumber'");
	if (p) {
		size_t off = (size_t)(p - (const char *)head);
		const char *v = wats__find(head + off, len - off, "<Value>");
		if (v) {
			v += 7;
			const char *e = memchr(v, '<', (size_t)((const char *)head + len - v));
			if (e)
				wats__copy_trim(pn, size, v, (size_t)(e - v));
		}
	}
	return 0.95;
}

int wats__teststand_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	wats__xnode *root;
	int rc = wats__xtree_read(&root, c, MAX_NODES);
	if (rc < 0)
		return rc;
	ts t = { c, NULL };
	if (!strcmp(root->name, "TSReport") || !strcmp(root->name, "Report")) {
		rc = one_report(&t, root);
	} else if (!strcmp(root->name, "Reports")) {
		for (wats__xnode *k = wats__xtree_child(root, "Report"); k && !rc; k = wats__xtree_next_same(k)) {
			const char *type = wats__xtree_attr(k, "Type");
			if (type && strcasecmp(type, "UUT")) {
				wats__cctx_warn(c, k->line, "Report", "report of type '%s' skipped", type);
				continue;
			}
			rc = one_report(&t, k);
		}
		if (!rc && c->count == 0)
			rc = wats__cctx_error(c, WATS_EPARSE, root->line, 0, "no <Report Type='UUT'> in <Reports>");
	} else {
		rc = wats__cctx_error(c, WATS_EPARSE, root->line, 0,
				      "root element <%s> is not a TestStand report (TSReport or Reports)",
				      root->name);
	}
	wats__xtree_free(root);
	return rc;
}
