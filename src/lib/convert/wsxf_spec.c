#include <ctype.h>
#include <strings.h>
#include <string.h>

#include "util/jsonnum.h"
#include "convert/nodeutil.h"
#include "convert/wsxf_spec.h"

#define A(j, x, c) { j, x, WS_ATTR, c, WD_NONE, 0, -1, 0 }
#define AN(j, x, c) { j, x, WS_ATTR, c, WD_NULL, 0, -1, 0 }
#define E(j) { j, NULL, WS_EXT, WC_STR, WD_NONE, 0, -1, 0 }

static const char *const no_ignored[] = { NULL };

static const wsxf_field report_f[] = {
	A("type", "type", WC_TYPE), A("id", "ID", WC_GUID), A("pn", "PN", WC_STR),
	A("sn", "SN", WC_STR), A("rev", "Rev", WC_STR), A("productName", "ProductName", WC_STRN),
	{ "processCode", "Code", WS_SUB, WC_NUM, WD_NONE, WF_PH, -1, 0 },
	E("processCodeFormat"),
	{ "processName", "Name", WS_SUB, WC_STR, WD_NONE, WF_PH, -1, 0 },
	A("result", "Result", WC_STATUS), A("machineName", "MachineName", WC_STR),
	A("location", "Location", WC_STR), A("purpose", "Purpose", WC_STR),
	A("origin", "origin", WC_STR), A("start", "Start", WC_STR),
	A("startUTC", "Start_utc", WC_STR),
	{ "root", "Step", WS_OBJ, 0, WD_NONE, WF_PH, WK_STEP, 9 },
	{ "uut", "UUT", WS_OBJ, 0, WD_NONE, WF_PH, WK_UUT, 1 },
	{ "uur", "UUR", WS_OBJ, 0, WD_NONE, WF_PH, WK_UUR, 2 },
	{ "miscInfos", "MiscInfo", WS_ARR, 0, WD_ARRAY, WF_PH, WK_MISC, 4 },
	{ "subUnits", "ReportUnitHierarchy", WS_ARR, 0, WD_ARRAY, WF_PH, WK_UNIT, 5 },
	{ "assets", "Asset", WS_ARR, 0, WD_NONE, WF_PH, WK_ASSET, 6 },
	E("assetStats"),
	{ "binaryData", "BinaryData", WS_ARR, 0, WD_NONE, WF_PH, WK_BINARY, 7 },
	E("additionalData"),
};
static const char *const report_ign[] = { NULL };

static const wsxf_field uut_f[] = {
	AN("execTime", "ExecutionTime", WC_NUM), AN("testSocketIndex", "TestSocketIndex", WC_NUM),
	AN("batchSN", "BatchSN", WC_STR),
	{ "comment", "Comment", WS_TEXT, WC_STR, WD_NULL, WF_PH, -1, 1 },
	AN("errorCode", "ErrorCode", WC_NUM), AN("errorMessage", "ErrorMessage", WC_STR),
	AN("fixtureId", "FixtureId", WC_STR), A("user", "UserLoginName", WC_STR),
	AN("batchFailCount", "BatchFailCount", WC_NUM),
	AN("batchLoopIndex", "BatchLoopIndex", WC_NUM),
	AN("stepIdCausedUUTFailure", "StepIdCausedUUTFailure", WC_NUM),
};

static const wsxf_field uur_f[] = {
	{ "comment", "Comment", WS_TEXT, WC_STR, WD_NONE, WF_PH, -1, 1 },
	A("user", "UserLoginName", WC_STR), A("processCode", "ProcessCode", WC_NUM),
	A("processName", "ProcessName", WC_STR), A("refUUT", "ReferencedUUT", WC_STR),
	A("confirmDate", "ConfirmDate", WC_STR), A("finalizeDate", "FinalizeDate", WC_STR),
	A("execTime", "ExecutionTime", WC_NUM), A("active", "Active", WC_BOOL),
	A("parent", "Parent", WC_STR),
};

static const wsxf_field misc_f[] = {
	A("description", "Description", WC_STR),
	{ "text", NULL, WS_BODY, WC_STRN, WD_NULL, WF_PH, -1, 0 },
	AN("numeric", "Numeric", WC_NUM),
};
static const char *const misc_ign[] = { "Typedef", "idx", "order_no", NULL };

static const wsxf_field unit_f[] = {
	A("partType", "PartType", WC_STR), A("pn", "PN", WC_STR), A("rev", "Rev", WC_STR),
	A("sn", "SN", WC_STR), A("idx", "Idx", WC_NUM), A("position", "Position", WC_NUM),
	A("parentIdx", "ParentIDX", WC_NUM), A("replacedIdx", "ReplacedIDX", WC_NUM),
	{ "failures", "Failure", WS_ARR, 0, WD_NONE, 0, WK_FAILURE, 1 },
};

static const wsxf_field failure_f[] = {
	A("artNumber", "ArtNumber", WC_STR), A("artRev", "ArtRev", WC_STR),
	A("artVendor", "ArtVendor", WC_STR), A("artDescription", "ArtDescription", WC_STR),
	A("category", "Category", WC_STR), A("code", "Code", WC_STR),
	A("comment", "Comment", WC_STR), A("comRef", "CompRef", WC_STR),
	A("funcBlock", "FuncBlock", WC_STR), A("refStepId", "StepID", WC_NUM),
	A("refStepName", "StepName", WC_STR),
};

static const wsxf_field asset_f[] = {
	A("sn", "SN", WC_STR), A("assetType", "AssetType", WC_STR),
	A("partNumber", "PartNumber", WC_STR), A("usageCount", "UsageCount", WC_NUM),
	A("calibrationDate", "CalibrationDate", WC_STR),
	A("calibrationDue", "CalibrationDue", WC_STR),
};

static const wsxf_field binary_f[] = {
	A("name", "Name", WC_STR), A("contentType", "ContentType", WC_STR),
	A("description", "Description", WC_STR), A("failIdx", "FailIdx", WC_NUM),
	{ "data", NULL, WS_BODY, WC_STR, WD_NONE, WF_PH, -1, 0 },
};

static const wsxf_field step_f[] = {
	A("id", "Id", WC_NUM), A("group", "Group", WC_GROUP), A("stepType", "StepType", WC_STR),
	{ "loop", "Loop", WS_OBJ, 0, WD_NONE, WF_PH, WK_LOOP, 1 },
	A("name", "Name", WC_STR), E("start"), A("status", "Status", WC_STATUS),
	A("errorCode", "StepErrorCode", WC_NUM), A("errorMessage", "StepErrorMessage", WC_STR),
	E("tsGuid"), A("totTime", "total_time", WC_NUM),
	A("causedUUTFailure", "StepCausedUUTFailure", WC_BOOL),
	{ "reportText", "ReportText", WS_TEXT, WC_STR, WD_NONE, 0, -1, 2 },
	{ "numericMeas", "NumericLimit", WS_ARR, 0, WD_NONE, 0, WK_NUMERIC, 3 },
	{ "booleanMeas", "PassFail", WS_ARR, 0, WD_NONE, 0, WK_PASSFAIL, 4 },
	{ "stringMeas", "StringValue", WS_ARR, 0, WD_NONE, 0, WK_STRING, 5 },
	{ "messagePopup", "MessagePopup", WS_OBJ, 0, WD_NONE, 0, WK_POPUP, 6 },
	{ "callExe", "Callexe", WS_OBJ, 0, WD_NONE, 0, WK_CALLEXE, 7 },
	{ "chart", "Chart", WS_OBJ, 0, WD_NONE, 0, WK_CHART, 9 },
	{ "attachment", "Attachment", WS_OBJ, 0, WD_NONE, 0, WK_ATTACHMENT, 10 },
	{ "steps", "Step", WS_ARR, 0, WD_ARRAY_SEQ, WF_PH, WK_STEP, 11 },
	{ "seqCall", "SequenceCall", WS_OBJ, 0, WD_NONE, WF_PH, WK_SEQCALL, 8 },
};
static const char *const step_ign[] = { "StepIndex", NULL };

static const wsxf_field loop_f[] = {
	AN("idx", "index", WC_NUM), AN("num", "num", WC_NUM),
	AN("endingIndex", "ending_index", WC_NUM), AN("passed", "passed", WC_NUM),
	AN("failed", "failed", WC_NUM),
};

static const wsxf_field seqcall_f[] = {
	A("path", "Filepath", WC_STR), A("name", "Name", WC_STR),
	A("version", "Version", WC_STRN),
};
static const char *const seqcall_ign[] = { "Filename", "MeasIndex", NULL };

static const wsxf_field numeric_f[] = {
	A("compOp", "CompOperator", WC_STR), AN("name", "Name", WC_STR),
	A("status", "Status", WC_STATUS), AN("unit", "Units", WC_STRN),
	AN("value", "NumericValue", WC_NUM), AN("highLimit", "HighLimit", WC_NUM),
	AN("lowLimit", "LowLimit", WC_NUM),
};
static const char *const meas_ign[] = { "MeasIndex", "MeasOrderNumber", NULL };

static const wsxf_field passfail_f[] = {
	AN("name", "Name", WC_STR), A("status", "Status", WC_STATUS),
};

static const wsxf_field string_f[] = {
	A("compOp", "CompOperator", WC_STR), AN("name", "Name", WC_STR),
	A("status", "Status", WC_STATUS), AN("value", "StringValue", WC_STR),
	AN("limit", "StringLimit", WC_STR),
};

static const wsxf_field popup_f[] = {
	A("response", "Response", WC_STRN), A("button", "Button", WC_NUM),
};
static const wsxf_field callexe_f[] = { A("exitCode", "ExitCode", WC_NUM) };

static const wsxf_field chart_f[] = {
	A("chartType", "ChartType", WC_STR), A("label", "Label", WC_STRN),
	A("xLabel", "XLabel", WC_STRN), A("xUnit", "XUnit", WC_STRN),
	A("yLabel", "YLabel", WC_STRN), A("yUnit", "YUnit", WC_STRN),
	{ "series", "Series", WS_ARR, 0, WD_NONE, 0, WK_SERIES, 1 },
};
static const char *const chart_ign[] = { "idx", NULL };

static const wsxf_field series_f[] = {
	A("name", "Name", WC_STR), A("dataType", "DataType", WC_STR),
	{ "ydata", "ydata", WS_TEXT, WC_STR, WD_NONE, 0, -1, 1 },
	{ "xdata", "xdata", WS_TEXT, WC_STR, WD_NONE, 0, -1, 2 },
};

/* WRML (the .NET API) writes the repair header's dates as Confirmed / Finalized. */
static const char *const uur_alias[] = { "Confirmed", "confirmDate", "Finalized", "finalizeDate", NULL };

#define SPEC(el, f, ign) { el, f, sizeof(f) / sizeof(f[0]), ign, NULL, NULL }
const wsxf_spec wats__wsxf_specs[WK_COUNT] = {
	[WK_REPORT] = { "Report", report_f, sizeof(report_f) / sizeof(report_f[0]), report_ign, "Process", NULL },
	[WK_UUT] = SPEC("UUT", uut_f, no_ignored),
	[WK_UUR] = { "UUR", uur_f, sizeof(uur_f) / sizeof(uur_f[0]), no_ignored, NULL, uur_alias },
	[WK_MISC] = SPEC("MiscInfo", misc_f, misc_ign),
	[WK_UNIT] = SPEC("ReportUnitHierarchy", unit_f, no_ignored),
	[WK_FAILURE] = SPEC("Failure", failure_f, no_ignored),
	[WK_ASSET] = SPEC("Asset", asset_f, no_ignored),
	[WK_BINARY] = SPEC("BinaryData", binary_f, no_ignored),
	[WK_STEP] = SPEC("Step", step_f, step_ign),
	[WK_LOOP] = SPEC("Loop", loop_f, no_ignored),
	[WK_SEQCALL] = SPEC("SequenceCall", seqcall_f, seqcall_ign),
	[WK_NUMERIC] = SPEC("NumericLimit", numeric_f, meas_ign),
	[WK_PASSFAIL] = SPEC("PassFail", passfail_f, meas_ign),
	[WK_STRING] = SPEC("StringValue", string_f, meas_ign),
	[WK_POPUP] = SPEC("MessagePopup", popup_f, meas_ign),
	[WK_CALLEXE] = SPEC("Callexe", callexe_f, meas_ign),
	[WK_CHART] = SPEC("Chart", chart_f, chart_ign),
	[WK_SERIES] = SPEC("Series", series_f, no_ignored),
	[WK_ATTACHMENT] = SPEC("Attachment", binary_f, no_ignored),
};

const wsxf_field *wats__wsxf_field(const wsxf_spec *s, const char *json)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->fields[i].json, json))
			return &s->fields[i];
	return NULL;
}

static const char *const group_words[3][2] = { { "M", "Main" }, { "S", "Setup" }, { "C", "Cleanup" } };

int wats__wsxf_from_xml(wats_buf *out, wats_node_kind *kind, int conv, const char *text)
{
	wats__buf_clear(out);
	*kind = WATS_NODE_STRING;
	switch (conv) {
	case WC_STR:
		wats__buf_puts(out, text);
		return 1;
	case WC_STRN:
		if (!*text)
			*kind = WATS_NODE_NULL;
		wats__buf_puts(out, text);
		return 1;
	case WC_NUM:
		wats__buf_puts(out, text);
		if (wats__json_number_valid(text)) {
			*kind = WATS_NODE_NUMBER;
			return 1;
		}
		return !strcmp(text, "NaN") || !strcmp(text, "Infinity") || !strcmp(text, "-Infinity");
	case WC_BOOL:
		*kind = WATS_NODE_BOOL;
		if (!strcmp(text, "true") || !strcmp(text, "false")) {
			wats__buf_puts(out, text);
			return 1;
		}
		if (!strcasecmp(text, "true") || !strcmp(text, "1")) {
			wats__buf_puts(out, "true");
			return 1;
		}
		if (!strcasecmp(text, "false") || !strcmp(text, "0")) {
			wats__buf_puts(out, "false");
			return 1;
		}
		*kind = WATS_NODE_STRING;
		wats__buf_puts(out, text);
		return 0;
	case WC_STATUS: {
		wats_status st = wats_status_parse(text);
		if (st == WATS_STATUS_NONE) {
			wats__buf_puts(out, text);
			return 0;
		}
		wats__buf_putc(out, (char)st);
		return 1;
	}
	case WC_GROUP:
		for (int i = 0; i < 3; i++)
			if (!strcasecmp(text, group_words[i][1]) || !strcmp(text, group_words[i][0])) {
				wats__buf_puts(out, group_words[i][0]);
				return 1;
			}
		wats__buf_puts(out, text);
		return 0;
	case WC_GUID:
		for (const char *p = text; *p; p++)
			wats__buf_putc(out, (char)tolower((unsigned char)*p));
		if (!out->ptr)
			wats__buf_puts(out, "");
		return 1;
	case WC_TYPE:
		if (!strcasecmp(text, "UUT") || !strcmp(text, "T")) {
			wats__buf_puts(out, "T");
			return 1;
		}
		if (!strcasecmp(text, "UUR") || !strcmp(text, "R")) {
			wats__buf_puts(out, "R");
			return 1;
		}
		wats__buf_puts(out, text);
		return 0;
	}
	return 0;
}

int wats__wsxf_to_xml(wats_buf *out, int conv, const wats_node *v)
{
	wats__buf_clear(out);
	wats_node_kind k = wats_node_kind_of(v);
	const char *s = k == WATS_NODE_STRING ? wats_node_string(v, NULL) : NULL;
	switch (conv) {
	case WC_STR:
		if (!s)
			return 0;
		wats__buf_puts(out, s);
		break;
	case WC_STRN:
		if (k == WATS_NODE_NULL) {
			wats__buf_puts(out, "");
			break;
		}
		if (!s)
			return 0;
		wats__buf_puts(out, s);
		break;
	case WC_NUM:
		if (k == WATS_NODE_NUMBER) {
			char num[128];
			const char *t = wats__node_num_text(v, num, sizeof(num));
			if (!t)
				return 0;
			wats__buf_puts(out, t);
		} else if (s) {
			wats__buf_puts(out, s);
		} else {
			return 0;
		}
		break;
	case WC_BOOL:
		if (k != WATS_NODE_BOOL)
			return 0;
		wats__buf_puts(out, wats_node_bool(v) ? "true" : "false");
		break;
	case WC_STATUS:
		if (!s || strlen(s) != 1)
			return 0;
		if (!*wats_status_word((wats_status)s[0]))
			return 0;
		wats__buf_puts(out, wats_status_word((wats_status)s[0]));
		break;
	case WC_GROUP:
		if (!s)
			return 0;
		for (int i = 0; i < 3; i++)
			if (!strcmp(s, group_words[i][0]))
				wats__buf_puts(out, group_words[i][1]);
		if (!out->len)
			return 0;
		break;
	case WC_GUID:
		if (!s)
			return 0;
		for (const char *p = s; *p; p++)
			wats__buf_putc(out, (char)toupper((unsigned char)*p));
		break;
	case WC_TYPE:
		if (!s || (strcmp(s, "T") && strcmp(s, "R")))
			return 0;
		wats__buf_puts(out, s[0] == 'T' ? "UUT" : "UUR");
		break;
	default:
		return 0;
	}
	if (!out->ptr)
		wats__buf_puts(out, "");
	/* Exact only when the reader gives back the same value. */
	wats_buf back = WATS_BUF_INIT;
	wats_node_kind bk;
	int ok = wats__wsxf_from_xml(&back, &bk, conv, out->ptr);
	if (ok) {
		if (bk != k)
			ok = 0;
		else if (k == WATS_NODE_STRING)
			ok = !strcmp(back.ptr ? back.ptr : "", s);
		else if (k == WATS_NODE_NUMBER)
			ok = !strcmp(back.ptr ? back.ptr : "", out->ptr);
	}
	wats__buf_dispose(&back);
	return ok;
}
