/*
 * StepWize configuration and results (XSPC, "stepwize"):
 *   <ConfigAndResultsDataFile><ConfigandResultsData>
 *     <partNumber/> <revision/> <serialNumber/> <sourceFile/> <operation/> <sequencePF/> ..
 *     <Config_and_Result_Data>
 *       <Config_and_Data_Result> <stepName/> <subItemName/> <dataType>0|1|2</dataType>
 *         <lowerLimit/> <upperLimit/> <limitMode>LL &lt;= Value &lt;= UL</limitMode>
 *         <stepValue/> <units/> <stepOutcome/> <measurementOutcome/> <startDateTime/>
 *         <endDateTime/> <totalTime/> <assetID/> <operatorStamp/> <stringValue/> ..
 *       </Config_and_Data_Result> ..
 * One record per measured sub item: records of one stepName in a row make a sequence; a record
 * is a numeric (dataType 0), pass/fail (1) or action (2) step named after its sub item.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/vendor_util.h"
#include "util/buf.h"
#include "util/timefmt.h"

#define SW_MAX_NODES 8000000

/* Leaf text trimmed into buf ("" when absent). */
static char *leaf(char *buf, size_t size, const wats__xnode *n, const char *name)
{
	const wats__xnode *k = n ? wats__xtree_child(n, name) : NULL;
	const char *t = k && k->text ? k->text : "";
	wats__copy_trim(buf, size, t, strlen(t));
	return buf;
}

static wats_status outcome(const char *o)
{
	if (!strcasecmp(o, "Pass") || !strcasecmp(o, "Passed"))
		return WATS_STATUS_PASSED;
	if (!strcasecmp(o, "Fail") || !strcasecmp(o, "Failed"))
		return WATS_STATUS_FAILED;
	if (!strcasecmp(o, "Incomplete") || !strncasecmp(o, "Abort", 5) || !strncasecmp(o, "Terminat", 8))
		return WATS_STATUS_TERMINATED;
	if (!strncasecmp(o, "Skip", 4))
		return WATS_STATUS_SKIPPED;
	if (!strncasecmp(o, "Error", 5))
		return WATS_STATUS_ERROR;
	return WATS_STATUS_NONE;
}

/* limitMode text ("LL <= Value <= UL") as an operator; UNKNOWN when not one of them. */
static wats_compop limit_mode(const char *m)
{
	static const struct {
		const char *t;
		wats_compop op;
	} map[] = { { "Value > LL", WATS_COMP_GE }, /* as WATS maps it: written '>', checked as >= */
		    { "Value >= LL", WATS_COMP_GE },
		    { "LL <= Value <= UL", WATS_COMP_GELE },
		    { "LL < Value < UL", WATS_COMP_GTLT },
		    { "LL <= Value < UL", WATS_COMP_GELT },
		    { "LL < Value <= UL", WATS_COMP_GTLE },
		    { "Value <= UL", WATS_COMP_LE },
		    { "Value < UL", WATS_COMP_LT },
		    { "Value = LL", WATS_COMP_EQ },
		    { "Value == LL", WATS_COMP_EQ },
		    { "Value <> LL", WATS_COMP_NE },
		    { "Value != LL", WATS_COMP_NE } };
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(m, map[i].t))
			return map[i].op;
	return WATS_COMP_UNKNOWN;
}

static int record(wats__cctx *c, wats_report *r, wats_step *seq, const wats__xnode *rec)
{
	char name[512], dt[16], out[64], mo[128], b[4096];
	long line = rec->line;
	leaf(name, sizeof(name), rec, "subItemName");
	if (!*name)
		leaf(name, sizeof(name), rec, "genus");
	if (!*name)
		snprintf(name, sizeof(name), "(unnamed)");
	leaf(dt, sizeof(dt), rec, "dataType");
	leaf(out, sizeof(out), rec, "stepOutcome");
	leaf(mo, sizeof(mo), rec, "measurementOutcome");
	wats_status st = outcome(out);
	if (st == WATS_STATUS_NONE) {
		wats__cctx_warn(c, line, "stepOutcome", "step outcome '%s' not known; Failed used", out);
		st = WATS_STATUS_FAILED;
	}
	wats_step *s;
	int rc;
	if (!strcmp(dt, "0")) {
		char val[128], lo[128], hi[128], mode[64], unit[128];
		leaf(val, sizeof(val), rec, "stepValue");
		leaf(lo, sizeof(lo), rec, "lowerLimit");
		leaf(hi, sizeof(hi), rec, "upperLimit");
		leaf(mode, sizeof(mode), rec, "limitMode");
		leaf(unit, sizeof(unit), rec, "units");
		wats_compop op = limit_mode(mode);
		int record_only = !strncasecmp(mo, "Performed", 9) && strstr(mo, "Record");
		if (record_only)
			op = WATS_COMP_LOG; /* recorded, not checked: the zero limits are no limits */
		else if (op == WATS_COMP_UNKNOWN)
			return wats__cctx_error(c, WATS_EPARSE, line, 0, "limitMode '%s' not known", mode);
		/* Upper-limit-only modes take the upper limit as their one limit. */
		const char *l1 = lo, *l2 = hi;
		if (op == WATS_COMP_LE || op == WATS_COMP_LT)
			l1 = hi, l2 = NULL;
		wats_status ms = outcome(mo);
		rc = wats_step_add(&s, seq, WATS_STEP_NUMERIC, name);
		if (!rc)
			rc = wats__vu_numeric(c, r, s, NULL, val, op, l1, l2, unit, ms != WATS_STATUS_NONE ? ms : st,
					      line);
	} else if (!strcmp(dt, "1")) {
		wats_meas *m;
		rc = wats_step_add(&s, seq, WATS_STEP_PASSFAIL, name);
		if (!rc)
			rc = wats_step_add_passfail(&m, s, NULL, st == WATS_STATUS_PASSED);
		if (!rc)
			rc = wats_meas_set_status(m, st);
	} else if (!strcmp(dt, "2")) {
		rc = wats_step_add(&s, seq, WATS_STEP_ACTION, name);
		if (!rc && *leaf(b, sizeof(b), rec, "stringValue"))
			rc = wats_step_set_report_text(s, b);
	} else {
		return wats__cctx_error(c, WATS_EPARSE, line, 0, "dataType '%s' is not 0, 1 or 2", dt);
	}
	if (!rc)
		rc = wats_step_set_status(s, st);
	/* totalTime as written, else endDateTime - startDateTime */
	if (!rc && *leaf(b, sizeof(b), rec, "totalTime"))
		rc = wats__vu_num(c, r, (wats_node *)s, "totTime", b, line);
	if (!rc && *leaf(b, sizeof(b), rec, "stepNotes"))
		rc = wats_step_set_report_text(s, b);
	return rc;
}

static int results(wats__cctx *c, const wats__xnode *root)
{
	if (!root || strcmp(root->name, "ConfigAndResultsDataFile"))
		return wats__cctx_error(c, WATS_EPARSE, root ? root->line : 1, 0, "root element <%s> is "
					"not a StepWize <ConfigAndResultsDataFile>", root ? root->name : "");
	const wats__xnode *h = wats__xtree_child(root, "ConfigandResultsData");
	if (!h)
		return wats__cctx_error(c, WATS_EPARSE, root->line, 0, "no <ConfigandResultsData>");
	const wats__xnode *list = wats__xtree_child(h, "Config_and_Result_Data");
	const wats__xnode *first = list ? wats__xtree_child(list, "Config_and_Data_Result") : NULL;
	if (!first)
		return wats__cctx_error(c, WATS_EPARSE, list ? list->line : h->line, 0,
					"no <Config_and_Data_Result> record");
	long line = h->line;
	char b[4096], t0[64], t1[64];
	leaf(t0, sizeof(t0), first, "startDateTime");
	time_t ts;
	long ns;
	int off, has;
	if (wats__time_parse(t0, &ts, &ns, &off, &has) < 0)
		return wats__cctx_error(c, WATS_EPARSE, first->line, 0, "startDateTime '%s' is not "
					"yyyy-MM-ddTHH:mm:ss.fff", t0);
	wats_report *r;
	int rc = wats__new_uut(&r, c);
	if (rc < 0)
		return rc;
	if (*leaf(b, sizeof(b), h, "serialNumber"))
		rc = wats_report_set_sn(r, b);
	else
		wats__cctx_warn(c, line, "serialNumber", "no <serialNumber>");
	if (!rc && *leaf(b, sizeof(b), h, "partNumber"))
		rc = wats_report_set_pn(r, b);
	if (!rc && *leaf(b, sizeof(b), h, "revision"))
		rc = wats_report_set_rev(r, b);
	if (!rc && *leaf(b, sizeof(b), first, "operatorStamp"))
		rc = wats_report_set_operator(r, b);
	if (!rc && *leaf(b, sizeof(b), first, "assetID"))
		rc = wats_report_set_machine_name(r, b);
	char src[1024], ver[256];
	leaf(src, sizeof(src), h, "sourceFile");
	const char *pv = wats__cctx_param(c, "sequenceVersion");
	if (pv)
		snprintf(ver, sizeof(ver), "%s", pv);
	else
		leaf(ver, sizeof(ver), h, "version");
	if (!rc)
		rc = wats_step_set_seq_call(wats_report_root(r), NULL, src, ver);
	static const char *const misc[] = { "operation", "resultSetID", "modelNumber", "partDescription",
					    "label", "description", "build", "softwarePN", "workOrder",
					    "factoryNumber", "exportRestriction", "plantName",
					    "alternatePartNumber", "alternateModelNumber", "Organization",
					    NULL };
	for (int i = 0; misc[i] && !rc; i++)
		if (*leaf(b, sizeof(b), h, misc[i]))
			rc = wats_report_add_misc_info(NULL, r, misc[i], b);
	if (!rc)
		rc = wats__vu_set_start_iso(c, r, t0, first->line);
	/* Records: a new sequence each time stepName changes. */
	wats_step *seq = NULL;
	char cur[512] = "";
	const wats__xnode *last = first;
	for (const wats__xnode *rec = first; rec && !rc; rec = wats__xtree_next_same(rec)) {
		char sn[512];
		leaf(sn, sizeof(sn), rec, "stepName");
		if (!seq || strcmp(sn, cur)) {
			snprintf(cur, sizeof(cur), "%s", sn);
			rc = wats_step_add(&seq, wats_report_root(r), WATS_STEP_SEQUENCE, *sn ? sn : "(unnamed)");
		}
		if (!rc)
			rc = record(c, r, seq, rec);
		last = rec;
	}
	/* execTime: the last record's end - the first one's start (both local: offsets cancel). */
	time_t te;
	long ne;
	if (!rc && wats__time_parse(leaf(t1, sizeof(t1), last, "endDateTime"), &te, &ne, &off, &has) == 0) {
		long long ms = (long long)(te - ts) * 1000 + (ne - ns) / 1000000;
		if (ms >= 0) {
			snprintf(b, sizeof(b), "%lld.%03lld", ms / 1000, ms % 1000);
			rc = wats__vu_num(c, r, wats_report_info(r), "execTime", b, last->line);
		}
	}
	leaf(b, sizeof(b), h, "sequencePF");
	wats_status res = outcome(b);
	if (res == WATS_STATUS_NONE || res == WATS_STATUS_SKIPPED) {
		wats__cctx_warn(c, line, "sequencePF", "sequencePF '%s' not known; Passed used", b);
		res = WATS_STATUS_PASSED;
	}
	if (!rc)
		rc = wats_report_set_result(r, res);
	if (!rc && res != WATS_STATUS_PASSED)
		rc = wats_step_set_status(wats_report_root(r), res);
	return wats__vu_deliver(c, c, r, line, rc);
}

static void leaf_copy(char *out, size_t size, const unsigned char *head, size_t len, const char *open)
{
	const char *a = wats__find(head, len, open);
	if (!a)
		return;
	a += strlen(open);
	const char *end = (const char *)head + len, *e = a;
	while (e < end && *e != '<')
		e++;
	if (e < end)
		wats__copy_trim(out, size, a, (size_t)(e - a));
}

double wats__stepwize_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			     size_t len, char *sn, char *pn, size_t size)
{
	(void)cv;
	if (!(wats__find(head, len, "<ConfigAndResultsDataFile") || wats__find(head, len, "<ConfigandResultsData")) ||
	    !(wats__find(head, len, "<Config_and_Result_Data") || wats__find(head, len, "<serialNumber>")))
		return 0;
	leaf_copy(sn, size, head, len, "<serialNumber>");
	leaf_copy(pn, size, head, len, "<partNumber>");
	char ext[16];
	return !strcmp(wats__ext(ext, sizeof(ext), name ? name : ""), "xspc") ? 0.95 : 0.9;
}

int wats__stepwize_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	wats__xnode *root;
	int rc = wats__xtree_read(&root, c, SW_MAX_NODES);
	if (rc < 0)
		return rc;
	rc = results(c, root);
	wats__xtree_free(root);
	return rc < 0 ? rc : 0;
}
