/* The step tree: adding steps, reading them, step fields, payloads, propagation. */
#include <string.h>

#include "report/report_internal.h"
#include "util/error.h"
#include "util/utf8.h"

int wats__build_base64(wats_obj_builder *b, int key_id, const void *data, size_t len);

typedef struct kind_name {
	const char *type;
	wats_step_kind kind;
} kind_name;

/* Every stepType spelling the WATS server, TestStand exports and pyWATS use. The first entry
 * of each kind is the one new steps get. */
static const kind_name step_types[] = {
	{ "SequenceCall", WATS_STEP_SEQUENCE }, { "WATS_SeqCall", WATS_STEP_SEQUENCE },
	{ "ET_NLT", WATS_STEP_NUMERIC }, { "NumericLimitTest", WATS_STEP_NUMERIC },
	{ "ET_MNLT", WATS_STEP_MULTI_NUMERIC }, { "MultiNumericLimitTest", WATS_STEP_MULTI_NUMERIC },
	{ "WATS_XYGMNLT", WATS_STEP_MULTI_NUMERIC },
	{ "ET_PFT", WATS_STEP_PASSFAIL }, { "PassFailTest", WATS_STEP_PASSFAIL },
	{ "ET_MPFT", WATS_STEP_MULTI_PASSFAIL }, { "MultiBooleanTest", WATS_STEP_MULTI_PASSFAIL },
	{ "ET_SVT", WATS_STEP_STRING }, { "StringValueTest", WATS_STEP_STRING },
	{ "ET_MSVT", WATS_STEP_MULTI_STRING }, { "MultiStringTest", WATS_STEP_MULTI_STRING },
	{ "Action", WATS_STEP_ACTION }, { "ET_A", WATS_STEP_ACTION },
	{ "GT", WATS_STEP_GENERIC }, { "GenericTest", WATS_STEP_GENERIC },
	{ "Chart", WATS_STEP_CHART },
	{ "CallExecutable", WATS_STEP_CALL_EXE },
	{ "MessagePopup", WATS_STEP_MESSAGE_POPUP },
};

/* TestStand flow-control, synchronisation, database, IVI and LabVIEW step types: generic. */
static const char *const generic_types[] = {
	"NI_FTPFiles", "NI_Flow_If", "NI_Flow_ElseIf", "NI_Flow_Else", "NI_Flow_End", "NI_Flow_For",
	"NI_Flow_ForEach", "NI_Flow_Break", "NI_Flow_Continue", "NI_Flow_DoWhile", "NI_Flow_While",
	"NI_Flow_Select", "NI_Flow_Case", "NI_Flow_StreamLoop", "NI_Flow_SweepLoop", "NI_Lock",
	"NI_Rendezvous", "NI_Queue", "NI_Notification", "NI_Wait", "NI_Batch_Sync",
	"NI_AutoSchedule", "NI_UseResource", "NI_ThreadPriority", "NI_Semaphore", "NI_BatchSpec",
	"NI_BatchSync", "NI_OpenDatabase", "NI_OpenSQLStatement", "NI_CloseSQLStatement",
	"NI_CloseDatabase", "NI_DataOperation", "NI_CPUAffinity", "NI_IviDmm", "NI_IviScope",
	"NI_IviFgen", "NI_IviDCPower", "NI_IviSwitch", "NI_IviTools", "NI_IVIDmm", "NI_IVIScope",
	"NI_IVIFgen", "NI_IVIPowerSupply", "NI_Switch", "NI_IVITools", "NI_LV_DeployLibrary",
	"NI_LV_CheckSystemStatus", "NI_LV_RunVIAsynchronously", "NI_PropertyLoader",
	"NI_VariableAndPropertyLoader", "NI_NewCsvFileInputRecordStream",
	"NI_NewCsvFileOutputRecordStream", "NI_WriteRecord", "Goto", "WATS_Goto", "Statement",
	"Label", "NONE", "DoWhile",
};

wats_step_kind wats_step_kind_from_type(const char *type)
{
	if (!type)
		return WATS_STEP_UNKNOWN;
	for (size_t i = 0; i < sizeof(step_types) / sizeof(step_types[0]); i++)
		if (!strcmp(type, step_types[i].type))
			return step_types[i].kind;
	for (size_t i = 0; i < sizeof(generic_types) / sizeof(generic_types[0]); i++)
		if (!strcmp(type, generic_types[i]))
			return WATS_STEP_GENERIC;
	return WATS_STEP_UNKNOWN;
}

static const char *default_type(wats_step_kind kind)
{
	for (size_t i = 0; i < sizeof(step_types) / sizeof(step_types[0]); i++)
		if (step_types[i].kind == kind)
			return step_types[i].type;
	return NULL;
}

static int is_step(const wats_node *n)
{
	return n && n->kind == WATS_NODE_OBJECT;
}

wats_step *wats_report_root(wats_report *report)
{
	wats_node *root = report ? wats__obj_get(report->doc, WATS_K_root) : NULL;
	return is_step(root) ? root : NULL;
}

wats_step *wats__step_parent(const wats_step *step)
{
	const wats_node *arr = step ? step->parent : NULL;
	if (!arr || arr->kind != WATS_NODE_ARRAY || arr->key_id != WATS_K_steps + 1)
		return NULL;
	return arr->parent;
}

wats_step *wats_step_parent(const wats_step *step)
{
	return wats__step_parent(step);
}

wats_step *wats_step_first_child(const wats_step *step)
{
	wats_node *arr = wats__obj_get(step, WATS_K_steps);
	if (!arr || arr->kind != WATS_NODE_ARRAY)
		return NULL;
	return arr->u.first;
}

wats_step *wats_step_next(const wats_step *step)
{
	const wats_node *arr = step ? step->parent : NULL;
	if (!arr || arr->kind != WATS_NODE_ARRAY)
		return NULL;
	return step->next;
}

size_t wats_step_child_count(const wats_step *step)
{
	wats_node *arr = wats__obj_get(step, WATS_K_steps);
	return arr && arr->kind == WATS_NODE_ARRAY ? arr->len : 0;
}

size_t wats_step_count(const wats_step *step)
{
	if (!is_step(step))
		return 0;
	size_t n = 1;
	for (wats_step *c = wats_step_first_child(step); c; c = c->next)
		n += wats_step_count(c);
	return n;
}

const char *wats_step_type(const wats_step *step)
{
	return wats__obj_str(step, WATS_K_stepType);
}

const char *wats_step_name(const wats_step *step)
{
	return wats__obj_str(step, WATS_K_name);
}

wats_step_kind wats_step_kind_of(const wats_step *step)
{
	const char *t = wats_step_type(step);
	if (!t && wats__obj_get(step, WATS_K_steps))
		return WATS_STEP_SEQUENCE; /* no stepType but children: a sequence, as pyWATS reads it */
	return wats_step_kind_from_type(t);
}

wats_status wats_step_status(const wats_step *step)
{
	return wats__node_status(step);
}

static int add_step(wats_step **out, wats_step *parent, const char *type, wats_step_kind kind,
		    const char *name, int static_type)
{
	if (out)
		*out = NULL;
	if (!is_step(parent) || !name)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "adding a step needs a parent step object and a name");
	wats_report *r = wats__report_of(parent);
	wats_node *arr = wats__obj_get(parent, WATS_K_steps);
	if (!arr || arr->kind != WATS_NODE_ARRAY) {
		arr = wats__obj_put(r, parent, WATS_K_steps, WATS_NODE_ARRAY);
		if (!arr)
			return wats__failed();
	}
	/* Actions and flow steps record that they ran ("Done"), tests that they passed. */
	const char *status = (kind == WATS_STEP_ACTION || kind == WATS_STEP_GENERIC) ? "D" : "P";
	wats_obj_builder b;
	if (!wats__build_begin(&b, r, WATS_NODE_OBJECT))
		return wats__failed();
	int rc = static_type ? wats__build_static(&b, WATS_K_stepType, type)
			     : wats__build_str(&b, WATS_K_stepType, type);
	if (rc < 0 || wats__build_str(&b, WATS_K_name, name) < 0 ||
	    wats__build_static(&b, WATS_K_group, "M") < 0 ||
	    wats__build_static(&b, WATS_K_status, status) < 0)
		return wats__failed();
	if (kind == WATS_STEP_SEQUENCE && !wats__build_member(&b, WATS_K_steps, WATS_NODE_ARRAY))
		return wats__failed();
	wats__node_append(r, arr, b.obj);
	if (out)
		*out = b.obj;
	return 0;
}

int wats_step_add(wats_step **out, wats_step *parent, wats_step_kind kind, const char *name)
{
	const char *type = default_type(kind);
	if (!type)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_step_add: kind %d has no default stepType; use wats_step_add_typed",
				   (int)kind);
	return add_step(out, parent, type, kind, name, 1);
}

int wats_step_add_typed(wats_step **out, wats_step *parent, const char *step_type, const char *name)
{
	if (!step_type || !*step_type)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "stepType must not be empty");
	wats_step_kind kind = wats_step_kind_from_type(step_type);
	return add_step(out, parent, step_type, kind, name, 0);
}

int wats_step_set_status(wats_step *step, wats_status status)
{
	const char *letter = wats__status_letter(status);
	if (!is_step(step) || !letter)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "step status must be one of P F S D E T");
	wats_report *r = wats__report_of(step);
	wats_node *n = wats__obj_put(r, step, WATS_K_status, WATS_NODE_STRING);
	if (!n)
		return wats__failed();
	n->u.str = letter;
	n->len = 1;
	step->flags |= WATS_NF_STATUS_SET;
	if (r->mode == WATS_MODE_ACTIVE)
		wats__propagate(r, step, status);
	return 0;
}

int wats_step_set_group(wats_step *step, char group)
{
	static const char *const groups[] = { "S", "M", "C" };
	int i = group == 'S' ? 0 : group == 'M' ? 1 : group == 'C' ? 2 : -1;
	if (!is_step(step) || i < 0)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "step group must be 'S' (setup), 'M' (main) or 'C' (cleanup)");
	wats_node *n = wats__obj_put(wats__report_of(step), step, WATS_K_group, WATS_NODE_STRING);
	if (!n)
		return wats__failed();
	n->u.str = groups[i];
	n->len = 1;
	return 0;
}

void wats_step_set_fail_parent(wats_step *step, int fail_parent)
{
	if (!is_step(step))
		return;
	if (fail_parent)
		step->flags &= (uint8_t)~WATS_NF_NO_PROPAGATE;
	else
		step->flags |= WATS_NF_NO_PROPAGATE;
}

static int step_check(const wats_step *step)
{
	return is_step(step) ? 0 : wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "not a step object");
}

int wats_step_set_id(wats_step *step, long id)
{
	if (step_check(step) < 0)
		return WATS_EINVAL;
	return wats__obj_set_int(wats__report_of(step), step, WATS_K_id, id);
}

int wats_step_set_tot_time(wats_step *step, double seconds)
{
	if (step_check(step) < 0)
		return WATS_EINVAL;
	return wats__obj_set_num(wats__report_of(step), step, WATS_K_totTime, seconds);
}

int wats_step_set_start_text(wats_step *step, const char *timestamp)
{
	if (step_check(step) < 0)
		return WATS_EINVAL;
	return wats_node_set_string(wats__report_of(step), step, "start", timestamp);
}

int wats_step_set_report_text(wats_step *step, const char *text)
{
	if (step_check(step) < 0)
		return WATS_EINVAL;
	return wats_node_set_string(wats__report_of(step), step, "reportText", text);
}

int wats_step_set_error(wats_step *step, long error_code, const char *message)
{
	if (step_check(step) < 0)
		return WATS_EINVAL;
	wats_report *r = wats__report_of(step);
	int rc = wats__obj_set_int(r, step, WATS_K_errorCode, error_code);
	return rc < 0 ? rc : wats_node_set_string(r, step, "errorMessage", message);
}

int wats_step_set_seq_call(wats_step *step, const char *path, const char *name, const char *version)
{
	if (step_check(step) < 0)
		return WATS_EINVAL;
	wats_report *r = wats__report_of(step);
	wats_node *sc = wats__obj_put(r, step, WATS_K_seqCall, WATS_NODE_OBJECT);
	if (!sc)
		return wats__failed();
	int rc = wats_node_set_string(r, sc, "path", path);
	if (!rc)
		rc = wats_node_set_string(r, sc, "name", name);
	if (!rc)
		rc = wats_node_set_string(r, sc, "version", version);
	return rc;
}

int wats_step_set_loop(wats_step *step, long index, long num, long passed, long failed)
{
	if (step_check(step) < 0)
		return WATS_EINVAL;
	wats_report *r = wats__report_of(step);
	wats_node *loop = wats__obj_put(r, step, WATS_K_loop, WATS_NODE_OBJECT);
	if (!loop)
		return wats__failed();
	int rc = 0;
	/* The server's two record kinds: an iteration {idx} or the summary {num, endingIndex, ...}. */
	if (index >= 0) {
		rc = wats__obj_set_int(r, loop, WATS_K_idx, index);
	} else {
		if (num >= 0) {
			rc |= wats__obj_set_int(r, loop, WATS_K_num, num);
			rc |= wats__obj_set_int(r, loop, WATS_K_endingIndex, num);
		}
		if (passed >= 0)
			rc |= wats__obj_set_int(r, loop, WATS_K_passed, passed);
		if (failed >= 0)
			rc |= wats__obj_set_int(r, loop, WATS_K_failed, failed);
	}
	return rc ? wats__failed() : 0;
}

int wats_step_set_attachment(wats_step *step, const char *name, const char *content_type,
			     const void *data, size_t len)
{
	if (step_check(step) < 0)
		return WATS_EINVAL;
	if (!name || !*name || (!data && len))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "an attachment needs a name and data");
	wats_report *r = wats__report_of(step);
	wats_obj_builder b;
	if (!wats__build_begin(&b, r, WATS_NODE_OBJECT) || wats__build_str(&b, WATS_K_name, name) < 0 ||
	    wats__build_str(&b, WATS_K_contentType, content_type ? content_type : "application/octet-stream") < 0 ||
	    wats__build_base64(&b, WATS_K_data, data, len) < 0)
		return wats__failed();
	wats_node *slot = wats__obj_put(r, step, WATS_K_attachment, WATS_NODE_OBJECT);
	if (!slot)
		return wats__failed();
	slot->u.first = b.obj->u.first;
	slot->len = b.obj->len;
	for (wats_node *c = slot->u.first; c; c = c->next)
		c->parent = slot;
	return 0;
}

int wats_step_set_call_exe(wats_step *step, double exit_code)
{
	if (step_check(step) < 0)
		return WATS_EINVAL;
	wats_report *r = wats__report_of(step);
	wats_node *ce = wats__obj_put(r, step, WATS_K_callExe, WATS_NODE_OBJECT);
	return ce ? wats__obj_set_num(r, ce, WATS_K_exitCode, exit_code) : WATS_ENOMEM;
}

int wats_step_set_message_popup(wats_step *step, const char *response, long button)
{
	if (step_check(step) < 0)
		return WATS_EINVAL;
	wats_report *r = wats__report_of(step);
	wats_node *mp = wats__obj_put(r, step, WATS_K_messagePopup, WATS_NODE_OBJECT);
	if (!mp)
		return wats__failed();
	int rc = wats_node_set_string(r, mp, "response", response);
	return rc < 0 ? rc : wats__obj_set_int(r, mp, WATS_K_button, button);
}

int wats_step_add_additional_result(wats_node **out, wats_step *step, const char *name)
{
	if (step_check(step) < 0 || !name)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "additional result needs a step and a name");
	wats_report *r = wats__report_of(step);
	wats_node *arr = wats__obj_get(step, WATS_K_additionalResults);
	if (!arr || arr->kind != WATS_NODE_ARRAY)
		arr = wats__obj_put(r, step, WATS_K_additionalResults, WATS_NODE_ARRAY);
	wats_obj_builder b;
	if (!arr || !wats__build_begin(&b, r, WATS_NODE_OBJECT) || wats__build_str(&b, WATS_K_name, name) < 0 ||
	    !wats__build_member(&b, WATS_K_props, WATS_NODE_ARRAY))
		return wats__failed();
	wats__node_append(r, arr, b.obj);
	if (out)
		*out = b.obj;
	return 0;
}

static const char *const chart_types[] = { "Line", "LineLogXY", "LineLogX", "LineLogY" };

int wats_step_set_chart(wats_step *step, wats_chart_type type, const char *label,
			const char *x_label, const char *x_unit, const char *y_label, const char *y_unit)
{
	if (step_check(step) < 0 || (unsigned)type > WATS_CHART_LINE_LOG_Y)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "bad chart type");
	/* Check every text first, so a bad one leaves no half-made chart behind. */
	const char *texts[] = { label, x_label, x_unit, y_label, y_unit };
	for (size_t i = 0; i < 5; i++)
		if (texts[i] && !wats__utf8_valid(texts[i], strlen(texts[i])))
			return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "chart text '%s' is not valid UTF-8",
					   i == 0 ? "label" : i == 1 ? "xLabel" : i == 2 ? "xUnit" : i == 3 ? "yLabel" : "yUnit");
	wats_report *r = wats__report_of(step);
	wats_node *c = wats__obj_put(r, step, WATS_K_chart, WATS_NODE_OBJECT);
	if (!c)
		return wats__failed();
	int rc = 0;
	rc |= wats__obj_set_str(r, c, WATS_K_chartType, chart_types[type]);
	rc |= wats__obj_set_str(r, c, WATS_K_label, label ? label : "Chart");
	rc |= wats__obj_set_str(r, c, WATS_K_xLabel, x_label ? x_label : "X");
	rc |= wats__obj_set_str(r, c, WATS_K_xUnit, x_unit ? x_unit : "");
	rc |= wats__obj_set_str(r, c, WATS_K_yLabel, y_label ? y_label : "Y");
	rc |= wats__obj_set_str(r, c, WATS_K_yUnit, y_unit ? y_unit : "");
	rc |= wats__obj_put(r, c, WATS_K_series, WATS_NODE_ARRAY) ? 0 : wats__failed();
	return rc ? wats__failed() : 0;
}

/* Series data are ';'-separated decimal numbers, shortest round-trip text each. */
static int join_numbers(wats_obj_builder *b, int key, const double *v, size_t n)
{
	wats_node *node = wats__build_member(b, key, WATS_NODE_STRING);
	if (!node)
		return wats__failed();
	char *s = wats__arena_alloc(&b->r->arena, n * 26 + 1);
	if (!s)
		return wats__error_oom();
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			s[len++] = ';';
		len += (size_t)wats__format_double(s + len, 26, v[i]);
	}
	s[len] = '\0';
	node->u.str = s;
	node->len = (uint32_t)len;
	return 0;
}

int wats_step_add_chart_series(wats_step *step, const char *name, const double *x,
			       const double *y, size_t n)
{
	wats_node *chart = wats__obj_get(step, WATS_K_chart);
	if (!chart || chart->kind != WATS_NODE_OBJECT)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "add a chart to the step (wats_step_set_chart) before its series");
	if (!name || (!y && n))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "a series needs a name and y values");
	wats_report *r = wats__report_of(step);
	wats_node *arr = wats__obj_get(chart, WATS_K_series);
	if (!arr || arr->kind != WATS_NODE_ARRAY)
		arr = wats__obj_put(r, chart, WATS_K_series, WATS_NODE_ARRAY);
	wats_obj_builder b;
	if (!arr || !wats__build_begin(&b, r, WATS_NODE_OBJECT) ||
	    wats__build_static(&b, WATS_K_dataType, "XYG") < 0 || wats__build_str(&b, WATS_K_name, name) < 0)
		return wats__failed();
	if (x && join_numbers(&b, WATS_K_xdata, x, n) < 0)
		return wats__failed();
	if (join_numbers(&b, WATS_K_ydata, y, n) < 0)
		return wats__failed();
	wats__node_append(r, arr, b.obj);
	return 0;
}

void wats__propagate(wats_report *r, wats_step *step, wats_status status)
{
	int sev = wats__status_severity(status);
	if (sev == 0 || (step->flags & WATS_NF_NO_PROPAGATE))
		return;
	/* Ripple up to a worse status only; an explicitly set status is the caller's word. */
	for (wats_step *p = wats__step_parent(step); p; p = wats__step_parent(p)) {
		if (p->flags & WATS_NF_STATUS_SET)
			return;
		if (wats__status_severity(wats__node_status(p)) < sev) {
			wats_node *n = wats__obj_put(r, p, WATS_K_status, WATS_NODE_STRING);
			if (!n)
				return;
			n->u.str = wats__status_letter(status);
			n->len = 1;
		}
		if (p->flags & WATS_NF_NO_PROPAGATE)
			return;
	}
	/* Reached the root: the report result follows, unless set explicitly. */
	wats_node *res = wats__obj_get(r->doc, WATS_K_result);
	if (res && (res->flags & WATS_NF_STATUS_SET))
		return;
	if (wats__status_severity(wats_report_result(r)) < sev) {
		res = wats__obj_put(r, r->doc, WATS_K_result, WATS_NODE_STRING);
		if (res) {
			res->u.str = wats__status_letter(status);
			res->len = 1;
		}
	}
}
