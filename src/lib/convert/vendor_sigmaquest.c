/*
 * SigmaSure (SigmaQuest) unit report XML ("sigmaquest"):
 *   <UnitReport start-time= end-time= mode= software-version=>
 *     <Station guid= name=><Property>..</Property></Station>  <Operator name=/>
 *     <Category name=><Product part-no= serial-no= version=>..</Product></Category>
 *     <Property>values</Property>
 *     <TestRun name= start-time= end-time= grade=>      (the root sequence)
 *       <TestRun ..> nested; <Result>|<SetUp> values or <Property>values</Property>;
 *       <Property> step properties (Comparison, Fail Notes, attachments, others); <Error><Message>
 * Values: <ValueDouble|ValueInteger|ValueString|ValueBoolean|ValueTimestamp name= lsl= usl=
 * uom= grade=>text</..>, <ValueAttachment name= fqn=/>, <ValueRecord>, <ValueArray>.
 * As WATS maps it: a TestRun with TestRuns inside is a sequence, one with values a numeric,
 * string or pass/fail step (multiple when it has several values), one with neither a pass/fail
 * step with its grade.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/vendor_util.h"
#include "util/buf.h"
#include "util/timefmt.h"

#define SQ_MAX_NODES 4000000
#define SQ_MAX_DEPTH 200

typedef struct sq {
	wats__cctx *c;
	wats_report *r;
	int depth;
} sq;

static wats_status grade(const char *g)
{
	if (!g)
		return WATS_STATUS_NONE;
	size_t n = 0;
	while (g[n] && ((g[n] >= 'A' && g[n] <= 'Z') || (g[n] >= 'a' && g[n] <= 'z') || g[n] == '_' ||
			(g[n] >= '0' && g[n] <= '9')))
		n++;
	static const struct {
		const char *w;
		wats_status st;
	} map[] = { { "PASS", WATS_STATUS_PASSED },	 { "DONE", WATS_STATUS_PASSED },
		    { "FAIL", WATS_STATUS_FAILED },	 { "Failed", WATS_STATUS_FAILED },
		    { "INCOMPLETE", WATS_STATUS_TERMINATED }, { "ABORTED", WATS_STATUS_TERMINATED },
		    { "SKIPPED", WATS_STATUS_SKIPPED }, { "PENDING", WATS_STATUS_ERROR } };
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].w) == n && !strncmp(g, map[i].w, n))
			return map[i].st;
	return WATS_STATUS_NONE;
}

static int is_value(const wats__xnode *k)
{
	return !strncmp(k->name, "Value", 5);
}

static const char *text_of(const wats__xnode *k)
{
	return k->text ? k->text : "";
}

/* Seconds between two ISO 8601 times; -1 when either is missing or not understood. */
static int iso_diff(double *out, const char *a, const char *b)
{
	time_t ta, tb;
	long na, nb;
	int off, has;
	if (!a || !b || wats__time_parse(a, &ta, &na, &off, &has) < 0 ||
	    wats__time_parse(b, &tb, &nb, &off, &has) < 0)
		return -1;
	*out = (double)(tb - ta) + (double)(nb - na) / 1e9;
	return 0;
}

/* "name=value" of a value element (attachments: "name: fqn") on a line of its own. */
static int describe(wats_buf *b, const wats__xnode *k)
{
	const char *name = wats__xtree_attr(k, "name");
	int rc = b->len ? wats__buf_putc(b, '\n') : 0;
	if (rc)
		return rc;
	if (!strcmp(k->name, "ValueAttachment")) {
		const char *fqn = wats__xtree_attr(k, "fqn");
		return wats__buf_printf(b, "%s: %s", name ? name : "Attachment", fqn ? fqn : "");
	}
	if (!strcmp(k->name, "ValueRecord") || !strcmp(k->name, "ValueArray")) {
		rc = wats__buf_printf(b, "%s=", name ? name : "");
		int first = 1;
		for (const wats__xnode *e = k->first; e && !rc; e = e->next, first = 0) {
			const char *en = wats__xtree_attr(e, "name");
			rc = wats__buf_printf(b, "%s%s%s%s", first ? "" : "; ", en ? en : "", en ? "=" : "",
					      text_of(e));
		}
		return rc;
	}
	const char *uom = wats__xtree_attr(k, "uom");
	return wats__buf_printf(b, "%s=%s%s%s", name ? name : "", text_of(k), uom && *uom ? " " : "",
				uom && *uom ? uom : "");
}

enum { K_NUM, K_BOOL, K_STR, K_OTHER };

static int kind(const wats__xnode *k)
{
	if (!strcmp(k->name, "ValueDouble") || !strcmp(k->name, "ValueInteger"))
		return K_NUM;
	if (!strcmp(k->name, "ValueBoolean"))
		return K_BOOL;
	if (!strcmp(k->name, "ValueString"))
		return K_STR;
	return K_OTHER;
}

/* The values of the TestRun's Result or SetUp elements, directly or in their <Property>. */
static size_t collect(const wats__xnode **v, size_t max, const wats__xnode *tr, const char *what)
{
	size_t n = 0;
	for (const wats__xnode *res = wats__xtree_child(tr, what); res; res = wats__xtree_next_same(res))
		for (const wats__xnode *k = res->first; k; k = k->next) {
			if (!strcmp(k->name, "Property")) {
				for (const wats__xnode *p = k->first; p; p = p->next)
					if (is_value(p) && n < max)
						v[n++] = p;
			} else if (is_value(k) && n < max) {
				v[n++] = k;
			}
		}
	return n;
}

static size_t count_values(const wats__xnode *tr, const char *what)
{
	size_t n = 0;
	for (const wats__xnode *res = wats__xtree_child(tr, what); res; res = wats__xtree_next_same(res))
		for (const wats__xnode *k = res->first; k; k = k->next) {
			if (!strcmp(k->name, "Property")) {
				for (const wats__xnode *p = k->first; p; p = p->next)
					n += is_value(p);
			} else {
				n += is_value(k);
			}
		}
	return n;
}

/* A measurement name unique in its step: the value's name, " #2" etc. on a repeat. */
static void meas_name(char *out, size_t size, const wats__xnode *const *v, size_t i, int main_kind)
{
	const char *name = wats__xtree_attr(v[i], "name");
	if (!name || !*name)
		name = "Value";
	int dup = 1;
	for (size_t j = 0; j < i; j++) {
		const char *o = wats__xtree_attr(v[j], "name");
		if (kind(v[j]) == main_kind && o && !strcmp(o, name))
			dup++;
	}
	if (dup > 1)
		snprintf(out, size, "%s #%d", name, dup);
	else
		snprintf(out, size, "%s", name);
}

static int add_value(sq *q, wats_step *s, const char *mname, const wats__xnode *k, wats_compop comp,
		     wats_status st)
{
	const char *g = wats__xtree_attr(k, "grade");
	wats_status vs = g ? grade(g) : st;
	if (vs == WATS_STATUS_NONE) {
		wats__cctx_warn(q->c, k->line, "grade", "value grade '%s' not known; step status used", g);
		vs = st;
	}
	const char *lsl = wats__xtree_attr(k, "lsl"), *usl = wats__xtree_attr(k, "usl");
	if (lsl && !*lsl)
		lsl = NULL;
	if (usl && !*usl)
		usl = NULL;
	const char *uom = wats__xtree_attr(k, "uom");
	wats_meas *m;
	int rc;
	switch (kind(k)) {
	case K_NUM: {
		char val[128], lo[128], hi[128];
		wats__copy_trim(val, sizeof(val), text_of(k), strlen(text_of(k)));
		for (char *p = val; *p; p++)
			if (*p == ',')
				*p = '.';
		wats_compop op = lsl && usl ? WATS_COMP_GELE : usl ? WATS_COMP_LE : lsl ? WATS_COMP_GE : WATS_COMP_LOG;
		if (comp != WATS_COMP_UNKNOWN && (lsl || usl))
			op = comp;
		/* A single-limit operator takes its one limit as lowLimit. */
		const char *l1 = lsl, *l2 = usl;
		if (wats_compop_limits(op) == 1 && !lsl)
			l1 = usl;
		if (l1)
			wats__copy_trim(lo, sizeof(lo), l1, strlen(l1));
		if (l2)
			wats__copy_trim(hi, sizeof(hi), l2, strlen(l2));
		for (char *p = lo; l1 && *p; p++)
			if (*p == ',')
				*p = '.';
		for (char *p = hi; l2 && *p; p++)
			if (*p == ',')
				*p = '.';
		if (!strcmp(val, "null") || !*val) {
			/* No value measured (SigmaSure writes "null"): the limits are kept. */
			rc = wats_step_add_numeric_text(&m, s, mname, NULL, WATS_COMP_LOG, NULL, NULL,
							uom && *uom ? uom : NULL);
			if (!rc)
				rc = wats_meas_set_status(m, vs);
			return rc;
		}
		return wats__vu_numeric(q->c, q->r, s, mname, val, op, l1 ? lo : NULL, l2 ? hi : NULL,
					uom, vs, k->line);
	}
	case K_BOOL: {
		const char *t = text_of(k);
		rc = wats_step_add_passfail(&m, s, mname, !strcasecmp(t, "true") || !strcmp(t, "1"));
		if (!rc)
			rc = wats_meas_set_status(m, vs);
		return rc;
	}
	default: {
		const char *lim = usl ? usl : lsl;
		rc = wats_step_add_string(&m, s, mname, text_of(k),
					  lim ? (comp != WATS_COMP_UNKNOWN ? comp : WATS_COMP_IGNORECASE)
					      : WATS_COMP_LOG,
					  lim);
		if (!rc)
			rc = wats_meas_set_status(m, vs);
		return rc;
	}
	}
}

/* The step of a TestRun's values, in seq; strings beside numbers go to the report text. */
static int value_step(sq *q, wats_step **out, wats_step *seq, const wats__xnode *tr, const char *what,
		      wats_compop comp, wats_status st, wats_buf *text)
{
	size_t n = count_values(tr, what);
	const wats__xnode **v = malloc(n * sizeof(*v));
	if (!v)
		return wats__error_oom();
	collect(v, n, tr, what);
	int has[4] = { 0 };
	for (size_t i = 0; i < n; i++)
		has[kind(v[i])]++;
	int main_kind = has[K_NUM] ? K_NUM : has[K_BOOL] ? K_BOOL : has[K_STR] ? K_STR : K_OTHER;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		if (kind(v[i]) != main_kind)
			rc = describe(text, v[i]);
	const char *name = wats__xtree_attr(tr, "name");
	name = name && *name ? name : "(unnamed)";
	size_t nm = (size_t)has[main_kind];
	wats_step *s = NULL;
	if (!rc && main_kind != K_OTHER) {
		static const wats_step_kind single[] = { WATS_STEP_NUMERIC, WATS_STEP_PASSFAIL, WATS_STEP_STRING };
		static const wats_step_kind multi[] = { WATS_STEP_MULTI_NUMERIC, WATS_STEP_MULTI_PASSFAIL,
							WATS_STEP_MULTI_STRING };
		rc = wats_step_add(&s, seq, nm > 1 ? multi[main_kind] : single[main_kind], name);
		for (size_t i = 0; i < n && !rc; i++) {
			if (kind(v[i]) != main_kind)
				continue;
			char mn[256];
			meas_name(mn, sizeof(mn), v, i, main_kind);
			rc = add_value(q, s, nm > 1 ? mn : NULL, v[i], comp, st);
		}
	}
	free(v);
	*out = s;
	return rc;
}

static int test_run(sq *q, wats_step *seq, const wats__xnode *tr, int is_root)
{
	if (++q->depth > SQ_MAX_DEPTH)
		return wats__cctx_error(q->c, WATS_EPARSE, tr->line, 0, "TestRuns nested deeper than %d",
					SQ_MAX_DEPTH);
	const char *name = wats__xtree_attr(tr, "name");
	name = name && *name ? name : "(unnamed)";
	const char *g = wats__xtree_attr(tr, "grade");
	wats_status st = grade(g);
	if (st == WATS_STATUS_NONE) {
		wats__cctx_warn(q->c, tr->line, "grade", "TestRun '%s' grade '%s' not known; Error used",
				name, g ? g : "");
		st = WATS_STATUS_ERROR;
	}
	int rc = 0;
	wats_buf text = WATS_BUF_INIT, err = WATS_BUF_INIT;
	wats_compop comp = WATS_COMP_UNKNOWN;
	/* The TestRun's own properties. */
	for (const wats__xnode *p = wats__xtree_child(tr, "Property"); p && !rc; p = wats__xtree_next_same(p))
		for (const wats__xnode *k = p->first; k && !rc; k = k->next) {
			const char *kn = wats__xtree_attr(k, "name");
			if (!strcmp(k->name, "ValueString") && kn &&
			    (!strcasecmp(kn, "Comparison") || !strcasecmp(kn, "COMP"))) {
				char op[32];
				const char *t = text_of(k), *par = strchr(t, '(');
				wats__copy_trim(op, sizeof(op), t, par ? (size_t)(par - t) : strlen(t));
				wats_compop o = !strcmp(op, "E") ? WATS_COMP_EQ : wats_compop_parse(op);
				if (o != WATS_COMP_UNKNOWN && o != WATS_COMP_LOG) {
					comp = o;
					continue;
				}
			}
			if (is_value(k))
				rc = describe(&text, k);
		}
	for (const wats__xnode *e = wats__xtree_child(tr, "Error"); e && !rc; e = wats__xtree_next_same(e))
		for (const wats__xnode *m = wats__xtree_child(e, "Message"); m && !rc; m = wats__xtree_next_same(m)) {
			const char *mn = wats__xtree_attr(m, "name");
			rc = wats__buf_printf(&err, "%s%s%s%s", err.len ? "\n" : "", mn ? mn : "",
					      mn ? "=" : "", text_of(m));
		}
	int has_sub = wats__xtree_child(tr, "TestRun") != NULL;
	wats_step *step = NULL;
	if (is_root)
		step = seq;
	else if (!rc && has_sub) {
		rc = wats_step_add(&seq, seq, WATS_STEP_SEQUENCE, name);
		step = seq;
	}
	int nres = wats__xtree_child(tr, "Result") != NULL, nset = wats__xtree_child(tr, "SetUp") != NULL;
	if (!rc && nres && nset)
		wats__cctx_warn(q->c, tr->line, "SetUp", "TestRun '%s' with both SetUp and Result: "
				"the SetUp values are in the report text", name);
	if (!rc && (nres || nset)) {
		wats_step *vs = NULL;
		rc = value_step(q, &vs, seq, tr, nres ? "Result" : "SetUp", comp, st, &text);
		if (!rc && nres && nset) {
			size_t n = count_values(tr, "SetUp");
			const wats__xnode **v = malloc((n ? n : 1) * sizeof(*v));
			if (!v)
				rc = wats__error_oom();
			else {
				collect(v, n, tr, "SetUp");
				for (size_t i = 0; i < n && !rc; i++)
					rc = describe(&text, v[i]);
				free(v);
			}
		}
		if (vs) {
			step = vs;
			if (!rc && !nres)
				rc = wats_step_set_group(vs, 'S');
		}
	}
	if (!rc && !step) {
		wats_meas *m;
		rc = wats_step_add(&step, seq, WATS_STEP_PASSFAIL, name);
		if (!rc)
			rc = wats_step_add_passfail(&m, step, NULL, st == WATS_STATUS_PASSED);
		if (!rc)
			rc = wats_meas_set_status(m, st);
	}
	if (!rc)
		rc = wats_step_set_status(step, st);
	if (!rc && is_root && step != seq)
		rc = wats_step_set_status(seq, st);
	const char *t0 = wats__xtree_attr(tr, "start-time"), *t1 = wats__xtree_attr(tr, "end-time");
	if (!rc && t0 && *t0 && wats__time_parse(t0, &(time_t){ 0 }, &(long){ 0 }, &(int){ 0 }, &(int){ 0 }) == 0)
		rc = wats_step_set_start_text(step, t0);
	double d;
	if (!rc && iso_diff(&d, t0, t1) == 0 && d >= 0)
		rc = wats_step_set_tot_time(step, d);
	if (!rc && text.len && !(rc = wats__buf_putc(&text, '\0')))
		rc = wats_step_set_report_text(step, text.ptr);
	if (!rc && err.len && !(rc = wats__buf_putc(&err, '\0')))
		rc = wats_step_set_error(step, 0, err.ptr);
	wats__buf_dispose(&text);
	wats__buf_dispose(&err);
	for (const wats__xnode *k = wats__xtree_child(tr, "TestRun"); k && !rc; k = wats__xtree_next_same(k))
		rc = test_run(q, seq, k, 0);
	q->depth--;
	return rc;
}

/* Properties as misc infos ("name" = text); the keys in skip[] are left out. */
static int misc_props(sq *q, const wats__xnode *owner, const char *const *skip)
{
	int rc = 0;
	for (const wats__xnode *p = wats__xtree_child(owner, "Property"); p && !rc; p = wats__xtree_next_same(p))
		for (const wats__xnode *k = p->first; k && !rc; k = k->next) {
			if (!is_value(k))
				continue;
			const char *kn = wats__xtree_attr(k, "name");
			int s = 0;
			for (int i = 0; skip && skip[i] && kn; i++)
				s |= !strcasecmp(kn, skip[i]);
			if (s)
				continue;
			wats_buf b = WATS_BUF_INIT;
			rc = describe(&b, k);
			char *eq = b.ptr ? memchr(b.ptr, strcmp(k->name, "ValueAttachment") ? '=' : ':', b.len) : NULL;
			if (!rc && eq && !(rc = wats__buf_putc(&b, '\0'))) {
				*eq = '\0';
				const char *val = eq + 1 + (*(eq + 1) == ' ');
				rc = wats_report_add_misc_info(NULL, q->r, *b.ptr ? b.ptr : "Property", val);
			}
			wats__buf_dispose(&b);
		}
	return rc;
}

/* Products: the first is the unit under test, the others sub units; their properties misc. */
static int products(sq *q, const wats__xnode *n, int *first, int depth)
{
	if (depth > SQ_MAX_DEPTH)
		return 0;
	int rc = misc_props(q, n, NULL);
	for (const wats__xnode *k = n->first; k && !rc; k = k->next) {
		if (!strcmp(k->name, "Product")) {
			const char *pn = wats__xtree_attr(k, "part-no"), *sn = wats__xtree_attr(k, "serial-no");
			const char *ver = wats__xtree_attr(k, "version");
			if (*first) {
				*first = 0;
				if (sn && *sn)
					rc = wats_report_set_sn(q->r, sn);
				if (!rc && pn && *pn)
					rc = wats_report_set_pn(q->r, pn);
				if (!rc && ver && *ver)
					rc = wats_report_set_rev(q->r, ver);
			} else {
				rc = wats_report_add_sub_unit(NULL, q->r, pn ? pn : "", sn ? sn : "",
							      ver ? ver : "", NULL);
			}
			if (!rc)
				rc = products(q, k, first, depth + 1);
		} else if (!strcmp(k->name, "Category")) {
			rc = products(q, k, first, depth + 1);
		}
	}
	return rc;
}

static int unit_report(wats__cctx *c, const wats__xnode *u)
{
	if (!u || strcmp(u->name, "UnitReport"))
		return wats__cctx_error(c, WATS_EPARSE, u ? u->line : 1, 0,
					"root element <%s> is not a SigmaSure <UnitReport>", u ? u->name : "");
	const wats__xnode *tr = wats__xtree_child(u, "TestRun");
	if (!tr)
		return wats__cctx_error(c, WATS_EPARSE, u->line, 0, "<UnitReport> without <TestRun>");
	const wats__xnode *cat = wats__xtree_child(u, "Category");
	long line = u->line;
	sq q = { c, NULL, 0 };
	int rc = wats__new_uut(&q.r, c);
	if (rc < 0)
		return rc;
	wats_report *r = q.r;
	int first = 1;
	if (cat)
		rc = products(&q, cat, &first, 0);
	if (!rc && first)
		wats__cctx_warn(c, cat ? cat->line : line, "Product", "no <Product> (serial and part "
				"number) in the <Category>");
	const wats__xnode *op = wats__xtree_child(u, "Operator");
	const char *v;
	if (!rc && op && (v = wats__xtree_attr(op, "name")) && *v)
		rc = wats_report_set_operator(r, v);
	const wats__xnode *sta = wats__xtree_child(u, "Station");
	if (!rc && sta && (v = wats__xtree_attr(sta, "name")) && *v)
		rc = wats_report_set_machine_name(r, v);
	/* Station properties: Location and Test Software (the version) are header fields. */
	const char *version = wats__xtree_attr(u, "software-version");
	for (const wats__xnode *p = sta ? wats__xtree_child(sta, "Property") : NULL; p && !rc; p = wats__xtree_next_same(p))
		for (const wats__xnode *k = wats__xtree_child(p, "ValueString"); k && !rc; k = wats__xtree_next_same(k)) {
			const char *kn = wats__xtree_attr(k, "name");
			if (kn && !strcasecmp(kn, "Location") && k->text)
				rc = wats_report_set_location(r, k->text);
			else if (kn && !strcasecmp(kn, "Test Software") && !version)
				version = text_of(k);
		}
	/* "Test Software" is left out when it gave the version (no software-version attribute). */
	static const char *const both[] = { "Location", "Test Software", NULL }, *const loc[] = { "Location", NULL };
	if (!rc && sta)
		rc = misc_props(&q, sta, wats__xtree_attr(u, "software-version") ? loc : both);
	if (!rc && (v = wats__xtree_attr(u, "mode")))
		rc = wats_report_add_misc_info(NULL, r, "Mode", v);
	if (!rc)
		rc = misc_props(&q, u, NULL);
	const char *rn = wats__xtree_attr(tr, "name");
	if (!rc)
		rc = wats_step_set_seq_call(wats_report_root(r), NULL, rn ? rn : "", version ? version : "");
	if (!rc)
		rc = wats__vu_set_start_iso(c, r, wats__xtree_attr(u, "start-time"), line);
	double d;
	if (!rc && iso_diff(&d, wats__xtree_attr(u, "start-time"), wats__xtree_attr(u, "end-time")) == 0 && d >= 0) {
		char b[64];
		snprintf(b, sizeof(b), "%.17g", d);
		rc = wats__vu_num(c, r, wats_report_info(r), "execTime", b, line);
	}
	if (!rc)
		rc = test_run(&q, wats_report_root(r), tr, 1);
	wats_status res = grade(wats__xtree_attr(tr, "grade"));
	if (res == WATS_STATUS_SKIPPED || res == WATS_STATUS_NONE)
		res = WATS_STATUS_ERROR;
	if (!rc)
		rc = wats_report_set_result(r, res);
	return wats__vu_deliver(c, c, r, line, rc);
}

static void attr_copy(char *out, size_t size, const unsigned char *head, size_t len, const char *key)
{
	const char *a = wats__find(head, len, key);
	if (!a)
		return;
	a += strlen(key);
	const char *end = (const char *)head + len, *e = a;
	while (e < end && *e != '"' && *e != '\'')
		e++;
	if (e < end)
		wats__copy_trim(out, size, a, (size_t)(e - a));
}

double wats__sigmaquest_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			       size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)name;
	if (!wats__find(head, len, "<UnitReport") ||
	    !(wats__find(head, len, "<TestRun ") || wats__find(head, len, "<Product ") ||
	      wats__find(head, len, "<Station ")))
		return 0;
	attr_copy(sn, size, head, len, "serial-no=\"");
	attr_copy(pn, size, head, len, "part-no=\"");
	return 0.9;
}

int wats__sigmaquest_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	wats__xnode *root;
	int rc = wats__xtree_read(&root, c, SQ_MAX_NODES);
	if (rc < 0)
		return rc;
	rc = unit_report(c, root);
	wats__xtree_free(root);
	return rc < 0 ? rc : 0;
}
