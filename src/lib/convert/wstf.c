/*
 * WSTF: WATS Standard Text Format (tab-delimited). Sections --Header-Start--,
 * --Step-Data-Start--, --Step-Data-End-- (footer), --UUT-End--; a file may hold several UUTs
 * one after the other (each --Header-Start-- after an end starts the next report). Each
 * report is delivered when its --UUT-End-- (or the end of the file) is reached.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/lines.h"
#include "report/report_internal.h"
#include "util/jsonnum.h"

enum { S_NONE, S_HEADER, S_STEPS, S_FOOTER };
#define MAXF 16
#define MAX_SEQ_DEPTH 100

typedef struct wstf {
	wats__cctx *c;
	wats_report *r;
	int state;
	wats_step *stack[MAX_SEQ_DEPTH + 1];
	int depth;
	wats_step *last_numeric; /* for further measurement rows */
	wats_step *last_chart;
	char op_text[16];        /* the last operator text and its value: files repeat a few */
	wats_compop op;
} wstf;

static wats_compop compop_of(wstf *w, const char *text)
{
	if (!strcmp(text, w->op_text))
		return w->op;
	wats_compop op = wats_compop_parse(text);
	if (strlen(text) < sizeof(w->op_text)) {
		strcpy(w->op_text, text);
		w->op = op;
	}
	return op;
}

static wats_status status_of(const char *s, wstf *w, long line)
{
	if (!*s)
		return WATS_STATUS_DONE;
	wats_status st = wats_status_parse(s);
	if (st == WATS_STATUS_NONE) {
		wats__cctx_warn(w->c, line, "StepStatus", "status '%s' not recognised; Done used", s);
		return WATS_STATUS_DONE;
	}
	return st;
}

static int split(char *line, char **f)
{
	int n = 0;
	char *p = line;
	for (;;) {
		char *tab = strchr(p, '\t');
		if (tab)
			*tab = '\0';
		if (n < MAXF)
			f[n++] = wats__trim(p);
		if (!tab)
			break;
		p = tab + 1;
	}
	for (int i = n; i < MAXF; i++)
		f[i] = "";
	return n;
}

static int begin_report(wstf *w)
{
	wats_report_free(w->r);
	w->r = NULL;
	int rc = wats__new_uut(&w->r, w->c);
	if (rc < 0)
		return rc;
	w->depth = 0;
	w->stack[0] = wats_report_root(w->r);
	w->last_numeric = w->last_chart = NULL;
	const char *v;
	if ((v = wats__cctx_param(w->c, "sequenceName")) || (v = wats__cctx_param(w->c, "sequenceVersion")))
		wats_step_set_seq_call(w->stack[0], NULL, wats__cctx_param(w->c, "sequenceName"),
				       wats__cctx_param(w->c, "sequenceVersion"));
	return 0;
}

static int finish_report(wstf *w)
{
	if (!w->r)
		return 0;
	if (!wats_report_sn(w->r))
		wats__cctx_warn(w->c, 0, "SerialNumber", "the report has no SerialNumber");
	wats_report *r = w->r;
	/* The root sequence carries the UUT status, as in TestStand exports. */
	wats_status res = wats_report_result(r);
	if (res != WATS_STATUS_NONE && wats_report_root(r))
		wats_step_set_status(wats_report_root(r), res);
	w->r = NULL;
	w->state = S_NONE;
	return wats__cctx_emit(w->c, r);
}

static int num_or_warn(wstf *w, wats_node *obj, const char *key, const char *text, long line,
		       const char *col)
{
	if (!*text)
		return 0;
	if (wats__set_num_text(w->r, obj, key, text) == 0)
		return 0;
	wats__cctx_warn(w->c, line, col, "'%s' is not a number; kept as text", text);
	return wats_node_set_string(w->r, obj, key, text);
}

static int header_line(wstf *w, char **f, int n, long line, int footer)
{
	if (n < 2 || !*f[0])
		return 0;
	const char *k = f[0], *v = f[1];
	wats_report *r = w->r;
	wats_node *info = wats_report_info(r);
	int rc = 0;
	if (!strcasecmp(k, "UUTStatus")) {
		wats_status st = wats_status_parse(v);
		if (st == WATS_STATUS_NONE || st == WATS_STATUS_SKIPPED) {
			wats__cctx_warn(w->c, line, k, "UUTStatus '%s' not recognised; Passed used", v);
			st = WATS_STATUS_PASSED;
		}
		return wats_report_set_result(r, st);
	}
	if (!strcasecmp(k, "ErrorCode"))
		return num_or_warn(w, info, "errorCode", v, line, k);
	if (!strcasecmp(k, "ErrorMessage"))
		return wats_node_set_string(r, info, "errorMessage", v);
	if (!strcasecmp(k, "ExecutionTime"))
		return num_or_warn(w, info, "execTime", v, line, k);
	if (footer) {
		wats__cctx_warn(w->c, line, k, "footer key '%s' not known; ignored", k);
		return 0;
	}
	if (!strcasecmp(k, "SerialNumber"))
		rc = wats_report_set_sn(r, v);
	else if (!strcasecmp(k, "PartNumber"))
		rc = wats_report_set_pn(r, v);
	else if (!strcasecmp(k, "Revision"))
		rc = wats_report_set_rev(r, v);
	else if (!strcasecmp(k, "OperationTypeName"))
		rc = wats_node_set_string(r, wats_report_node(r), "processName", v);
	else if (!strcasecmp(k, "OperationTypeCode")) {
		char *end;
		long code = strtol(v, &end, 10);
		if (*v && !*end)
			rc = wats_report_set_process_code(r, (int)code);
		else
			wats__cctx_warn(w->c, line, k, "OperationTypeCode '%s' is not an integer; ignored", v);
	} else if (!strcasecmp(k, "StationName"))
		rc = wats_report_set_machine_name(r, v);
	else if (!strcasecmp(k, "Location"))
		rc = wats_report_set_location(r, v);
	else if (!strcasecmp(k, "Purpose"))
		rc = wats_report_set_purpose(r, v);
	else if (!strcasecmp(k, "OperatorName"))
		rc = wats_report_set_operator(r, v);
	else if (!strcasecmp(k, "SoftwareName") || !strcasecmp(k, "SoftwareVersion")) {
		wats_node *sc = wats_node_get(w->stack[0], "seqCall");
		if (!sc || wats_node_kind_of(sc) != WATS_NODE_OBJECT)
			rc = wats_node_set_object(&sc, r, w->stack[0], "seqCall");
		if (!rc)
			rc = wats_node_set_string(r, sc, !strcasecmp(k, "SoftwareName") ? "name" : "version", v);
	} else if (!strcasecmp(k, "BatchSerialNumber"))
		rc = wats_node_set_string(r, info, "batchSN", v);
	else if (!strcasecmp(k, "Comment"))
		rc = wats_node_set_string(r, info, "comment", v);
	else if (!strcasecmp(k, "FixtureId"))
		rc = wats_node_set_string(r, info, "fixtureId", v);
	else if (!strcasecmp(k, "TestSocketIndex"))
		rc = num_or_warn(w, info, "testSocketIndex", v, line, k);
	else if (!strcasecmp(k, "StartDateTime") || !strcasecmp(k, "UTCStartDateTime")) {
		char buf[80];
		snprintf(buf, sizeof(buf), "%s%s", v,
			 !strcasecmp(k, "UTCStartDateTime") && !strchr(v + (strlen(v) > 10 ? 10 : 0), 'Z') &&
				 !strchr(v + (strlen(v) > 10 ? 10 : 0), '+') ? "Z" : "");
		if (wats_report_set_start_text(r, buf) < 0) {
			/* A local time without an offset: kept as written (WATS takes it as local). */
			wats__cctx_warn(w->c, line, k, "'%s' has no UTC offset; kept as written", v);
			rc = wats_node_set_string(r, wats_report_node(r), "start", v);
		} else if (!strcasecmp(k, "UTCStartDateTime")) {
			rc = wats_node_set_string(r, wats_report_node(r), "startUTC", buf);
		}
	} else if (!strcasecmp(k, "Subunit")) {
		if (n < 4)
			wats__cctx_warn(w->c, line, k, "Subunit needs PartType, PartNumber, SerialNumber"
					"[, Revision]; line ignored");
		else
			rc = wats_report_add_sub_unit(NULL, r, f[2], f[3], n > 4 ? f[4] : NULL, f[1]);
	} else if (*v) {
		rc = wats_report_add_misc_info(NULL, r, k, v);
	}
	return rc;
}

static int apply_common(wstf *w, wats_step *s, char **f, long line)
{
	int rc = 0;
	if (*f[9])
		rc = num_or_warn(w, s, "totTime", f[9], line, "StepExecutionTime");
	if (!rc && *f[10])
		rc = wats_step_set_report_text(s, f[10]);
	if (!rc && *f[11])
		rc = num_or_warn(w, s, "errorCode", f[11], line, "ErrorCode");
	if (!rc && *f[12])
		rc = wats_node_set_string(w->r, s, "errorMessage", f[12]);
	return rc;
}

static int numeric_meas(wstf *w, wats_step *s, const char *name, char **f, long line)
{
	wats_compop op = *f[6] ? wats_compop_parse(f[6]) : WATS_COMP_LOG;
	if (op == WATS_COMP_UNKNOWN) {
		wats__cctx_warn(w->c, line, "CompOperator", "operator '%s' not known; LOG used", f[6]);
		op = WATS_COMP_LOG;
	}
	if (!*f[6] && (*f[4] || *f[5]))
		op = *f[4] && *f[5] ? WATS_COMP_GELE : WATS_COMP_GE;
	wats_meas *m;
	int rc = wats_step_add_numeric(&m, s, name, 0, op, 0, 0, *f[7] ? f[7] : NULL);
	if (rc < 0)
		return rc;
	rc = *f[3] ? num_or_warn(w, m, "value", f[3], line, "Value")
		   : wats_node_set_null(w->r, m, "value");
	int nl = wats_compop_limits(op);
	if (!rc && nl >= 1 && *f[4])
		rc = num_or_warn(w, m, "lowLimit", f[4], line, "LowLimit");
	if (!rc && nl >= 2 && *f[5])
		rc = num_or_warn(w, m, "highLimit", f[5], line, "HighLimit");
	if (!rc && nl < 2 && *f[5])
		wats__cctx_warn(w->c, line, "HighLimit", "HighLimit '%s' unused by operator %s",
				f[5], wats_compop_name(op));
	if (!rc)
		rc = wats_meas_set_status(m, status_of(f[8], w, line));
	return rc;
}

static int plain_num(const char *v)
{
	return *v && wats__json_number_valid(v);
}

/*
 * The common row: a NumericLimitTest whose value and limits are plain numbers, a known
 * operator and status, at most an execution time. Built in one go through the bulk builder —
 * the same document the general path makes. 1 when done (rc set), 0 to take the general path.
 */
static int fast_numeric(wstf *w, wats_step *parent, const char *name, char **f, int *rc)
{
	wats_compop op = *f[6] ? compop_of(w, f[6]) : WATS_COMP_LOG;
	if (op == WATS_COMP_UNKNOWN || op == WATS_COMP_CASESENSIT || op == WATS_COMP_IGNORECASE)
		return 0; /* the general path warns or refuses */
	if (!*f[6] && (*f[4] || *f[5]))
		op = *f[4] && *f[5] ? WATS_COMP_GELE : WATS_COMP_GE;
	int nl = wats_compop_limits(op);
	if (nl < 0 || (*f[3] && !plain_num(f[3])) || (nl >= 1 && !plain_num(f[4])) ||
	    (nl == 2 && !plain_num(f[5])) || (nl < 2 && *f[5]) || (nl < 1 && *f[4]) ||
	    (*f[9] && !plain_num(f[9])) || *f[10] || *f[11] || *f[12])
		return 0;
	wats_status st = *f[8] ? wats_status_parse(f[8]) : WATS_STATUS_DONE;
	wats_node *steps = wats__obj_get(parent, WATS_K_steps);
	if (st == WATS_STATUS_NONE || !steps || steps->kind != WATS_NODE_ARRAY)
		return 0;
	if (!name)
		name = "NumericTest";
	wats_obj_builder b;
	wats_numeric_texts t = { .value = *f[3] ? f[3] : NULL, .unit = *f[7] ? f[7] : NULL,
				 .low = nl >= 1 ? f[4] : NULL, .high = nl == 2 ? f[5] : NULL,
				 .op = op, .status = st };
	if (!wats__build_numeric_step(&b, w->r, "ET_NLT", name, strlen(name), &t) ||
	    (*f[9] && !wats__build_textn(&b, WATS_K_totTime, WATS_NODE_NUMBER, f[9], strlen(f[9])))) {
		*rc = wats__error_oom();
		return 1;
	}
	wats__node_append(w->r, steps, b.obj);
	w->last_numeric = b.obj;
	*rc = 0;
	return 1;
}

static int step_line(wstf *w, char **f, int n, long line)
{
	(void)n;
	const char *type = f[0];
	wats_step *parent = w->stack[w->depth];
	wats_step *s = NULL;
	int rc = 0;
	if (!*type)
		return 0;
	if (!strcmp(type, "StepType"))
		return 0; /* column header row */
	/* A row without a step name right after a numeric step adds a measurement to it. */
	if (!*f[1] && w->last_numeric &&
	    (!strcasecmp(type, "NumericLimitTest") || !strcasecmp(type, "MultipleNumericLimitTest"))) {
		s = w->last_numeric;
		if (wats_step_kind_of(s) == WATS_STEP_NUMERIC) {
			/* Becomes a multiple numeric step: the first measurement needs a name too. */
			wats_node_set_string(w->r, s, "stepType", "ET_MNLT");
			wats_meas *m0 = wats_step_meas_at(s, 0);
			if (m0 && !wats_meas_name(m0))
				wats_node_set_string(w->r, m0, "name", "Measurement 1");
		}
		return numeric_meas(w, s, *f[2] ? f[2] : "Measurement", f, line);
	}
	w->last_numeric = NULL;
	const char *name = *f[1] ? f[1] : *f[2] ? f[2] : NULL;
	if (!strcasecmp(type, "NumericLimitTest") && fast_numeric(w, parent, name, f, &rc))
		return rc;
	wats_status st = status_of(f[8], w, line);
	if (!strcasecmp(type, "SequenceCall")) {
		if (w->depth >= MAX_SEQ_DEPTH)
			return wats__cctx_error(w->c, WATS_ELIMIT, line, 0,
						"sequences nested deeper than %d (rule max-depth)", MAX_SEQ_DEPTH);
		rc = wats_step_add(&s, parent, WATS_STEP_SEQUENCE, name ? name : "Sequence");
		if (!rc)
			rc = wats_step_set_seq_call(s, NULL, name ? name : "Sequence", NULL);
		if (!rc)
			w->stack[++w->depth] = s;
	} else if (!strcasecmp(type, "EndSequenceCall")) {
		if (w->depth == 0) {
			wats__cctx_warn(w->c, line, "EndSequenceCall", "EndSequenceCall without SequenceCall; ignored");
			return 0;
		}
		s = w->stack[w->depth--];
		if (*f[8])
			rc = wats_step_set_status(s, st);
		if (!rc)
			rc = apply_common(w, s, f, line);
		return rc;
	} else if (!strcasecmp(type, "NumericLimitTest") || !strcasecmp(type, "MultipleNumericLimitTest")) {
		int multi = !strcasecmp(type, "MultipleNumericLimitTest");
		rc = wats_step_add(&s, parent, multi ? WATS_STEP_MULTI_NUMERIC : WATS_STEP_NUMERIC,
				   name ? name : "NumericTest");
		if (!rc)
			rc = numeric_meas(w, s, multi ? (*f[2] ? f[2] : "Measurement 1") : NULL, f, line);
		w->last_numeric = s;
	} else if (!strcasecmp(type, "PassFailTest")) {
		rc = wats_step_add(&s, parent, WATS_STEP_PASSFAIL, name ? name : "PassFailTest");
		int pass = !strcasecmp(f[3], "TRUE") || !strcmp(f[3], "1") || !strcasecmp(f[3], "PASS") ||
			   !strcasecmp(f[3], "PASSED");
		wats_meas *m;
		if (!rc)
			rc = wats_step_add_passfail(&m, s, NULL, pass);
		if (!rc && *f[8])
			rc = wats_meas_set_status(m, st);
		else if (!rc)
			st = pass ? WATS_STATUS_PASSED : WATS_STATUS_FAILED;
	} else if (!strcasecmp(type, "StringValueTest")) {
		wats_compop op = *f[6] ? wats_compop_parse(f[6]) : (*f[4] ? WATS_COMP_CASESENSIT : WATS_COMP_LOG);
		if (op == WATS_COMP_UNKNOWN) {
			wats__cctx_warn(w->c, line, "CompOperator", "operator '%s' not known; LOG used", f[6]);
			op = WATS_COMP_LOG;
		}
		rc = wats_step_add(&s, parent, WATS_STEP_STRING, name ? name : "StringTest");
		wats_meas *m;
		if (!rc)
			rc = wats_step_add_string(&m, s, NULL, f[3], op, *f[4] ? f[4] : NULL);
		if (!rc)
			rc = wats_meas_set_status(m, st);
	} else if (!strcasecmp(type, "ActionStep") || !strcasecmp(type, "Action")) {
		rc = wats_step_add(&s, parent, WATS_STEP_ACTION, name ? name : "Action");
	} else if (!strcasecmp(type, "Chart")) {
		/* cwats layout: Chart, StepName, Label, ChartType, XLabel, XUnit, YLabel, YUnit */
		rc = wats_step_add(&s, parent, WATS_STEP_CHART, name ? name : "Chart");
		if (!rc) {
			wats_chart_type ct = !strcasecmp(f[3], "LineLogXY") ? WATS_CHART_LINE_LOG_XY
					     : !strcasecmp(f[3], "LineLogX") ? WATS_CHART_LINE_LOG_X
					     : !strcasecmp(f[3], "LineLogY") ? WATS_CHART_LINE_LOG_Y
					     : WATS_CHART_LINE;
			rc = wats_step_set_chart(s, ct, *f[2] ? f[2] : name, f[4], f[5], f[6], f[7]);
		}
		w->last_chart = s;
		st = *f[8] ? st : WATS_STATUS_DONE;
	} else if (!strcasecmp(type, "Series")) {
		/* Series, (unused), Name, YData "1;2;3", XData "0;1;2" */
		if (!w->last_chart) {
			wats__cctx_warn(w->c, line, "Series", "Series row without a Chart row before it; ignored");
			return 0;
		}
		wats_node *chart = wats_node_get(w->last_chart, "chart"), *series, *one;
		series = chart ? wats_node_get(chart, "series") : NULL;
		if (chart && !series)
			rc = wats_node_set_array(&series, w->r, chart, "series");
		if (!chart || rc)
			return rc;
		rc = wats_node_set_object(&one, w->r, series, NULL);
		if (!rc)
			rc = wats_node_set_string(w->r, one, "dataType", "XYG");
		if (!rc)
			rc = wats_node_set_string(w->r, one, "name", *f[2] ? f[2] : "Series");
		if (!rc && *f[4])
			rc = wats_node_set_string(w->r, one, "xdata", f[4]);
		if (!rc)
			rc = wats_node_set_string(w->r, one, "ydata", f[3]);
		return rc;
	} else {
		rc = wats_step_add_typed(&s, parent, type, name ? name : type);
		if (!rc && !*f[8])
			st = WATS_STATUS_DONE;
	}
	if (!rc && s && strcasecmp(type, "SequenceCall"))
		rc = wats_step_set_status(s, st);
	else if (!rc && s && *f[8])
		rc = wats_step_set_status(s, st);
	if (!rc && s)
		rc = apply_common(w, s, f, line);
	return rc;
}

static int marker(const char *line, const char *m)
{
	return strstr(line, m) != NULL;
}

int wats__wstf_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	wstf w;
	memset(&w, 0, sizeof(w));
	w.c = c;
	wats__lines l;
	wats__lines_init(&l, c);
	char *line, *f[MAXF];
	size_t len;
	int rc;
	while ((rc = wats__lines_next(&l, &line, &len)) == 1) {
		if (!len)
			continue;
		/* Section markers: looked for only on lines that have a "--" at all. */
		int mark = strstr(line, "--") != NULL;
		if (mark && marker(line, "--Header-Start--")) {
			if (w.r && (rc = finish_report(&w)) < 0)
				break;
			if ((rc = begin_report(&w)) < 0)
				break;
			w.state = S_HEADER;
			continue;
		}
		if (!w.r)
			continue;
		if (mark && marker(line, "--Step-Data-Start--")) {
			w.state = S_STEPS;
			continue;
		}
		if (mark && marker(line, "--Step-Data-End--")) {
			w.state = S_FOOTER;
			continue;
		}
		if (mark && (marker(line, "--UUT-End--") || marker(line, "-- UUT-End--"))) {
			if ((rc = finish_report(&w)) < 0)
				break;
			continue;
		}
		int n = split(line, f);
		if (n > MAXF)
			n = MAXF;
		if (w.state == S_HEADER || w.state == S_FOOTER)
			rc = header_line(&w, f, n, l.line, w.state == S_FOOTER);
		else if (w.state == S_STEPS)
			rc = step_line(&w, f, n, l.line);
		if (rc < 0) {
			rc = wats__cctx_refused(c, rc, l.line);
			break;
		}
	}
	if (rc == 0 && w.r) {
		if (w.state != S_NONE)
			wats__cctx_warn(c, l.line, NULL, "the file ends without --UUT-End--; the report is kept");
		rc = finish_report(&w);
	}
	if (rc == 0 && c->count == 0)
		rc = wats__cctx_error(c, WATS_EPARSE, l.line, 0,
				      "no --Header-Start-- found: not a WATS Standard Text Format file");
	wats_report_free(w.r);
	wats__lines_free(&l);
	return rc < 0 ? rc : 0;
}

double wats__wstf_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			 size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)name;
	int h = wats__find(head, len, "--Header-Start--") != NULL;
	int s = wats__find(head, len, "--Step-Data-Start--") != NULL;
	if (!h)
		return 0;
	const char *keys[2] = { "\nSerialNumber\t", "\nPartNumber\t" };
	char *dst[2] = { sn, pn };
	for (int i = 0; i < 2; i++) {
		const char *p = wats__find(head, len, keys[i]);
		if (!p)
			continue;
		p += strlen(keys[i]);
		const char *end = (const char *)head + len, *e = p;
		while (e < end && *e != '\n' && *e != '\r' && *e != '\t')
			e++;
		wats__copy_trim(dst[i], size, p, (size_t)(e - p));
	}
	return s ? 0.98 : 0.85;
}
