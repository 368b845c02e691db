/*
 * WSJF <-> WSXF for GET /api/Report/Wsjf|Wsxf/{id} when the report was posted in the other
 * format, with the project's converters (the WSXF reader/writer of libwats' convert area).
 */
#include "report_index.h"

#include <stdio.h>
#include <string.h>

#include "wats/wats.h"
#include "wats/convert.h"

static void last_error(char *err, size_t errlen, const char *what)
{
	const wats_error *e = wats_error_last();
	if (e->line)
		snprintf(err, errlen, "%s at line %d, column %d: %s", what, e->line, e->column,
			 e->message);
	else
		snprintf(err, errlen, "%s: %s", what, e->message);
}

int ds_wsjf_to_wsxf(char **out, size_t *len, const char *json, size_t jlen, char *err,
		    size_t errlen)
{
	wats_report *r = NULL;
	if (wats_report_parse(&r, json, jlen, NULL) < 0) {
		last_error(err, errlen, "stored WSJF does not parse");
		return -1;
	}
	int rc = wats_report_to_wsxf(out, len, r);
	if (rc < 0)
		last_error(err, errlen, "cannot write WSXF");
	wats_report_free(r);
	return rc < 0 ? -1 : 0;
}

static int keep_first(wats_report *report, void *payload)
{
	wats_report **first = payload;
	if (!*first) {
		*first = report;
		return 0;
	}
	wats_report_free(report);
	return 0;
}

int ds_wsxf_to_wsjf(char **out, size_t *len, const char *xml, size_t xlen, char *err,
		    size_t errlen)
{
	wats_converters *reg = NULL;
	wats_report *first = NULL;
	int rc = wats_converters_new(&reg);
	if (rc < 0) {
		last_error(err, errlen, "converters");
		return -1;
	}
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = "wsxf";
	rc = wats_convert_buffer(NULL, reg, "report.xml", xml, xlen, &o, keep_first, &first);
	if (rc < 0 || !first) {
		if (rc < 0)
			last_error(err, errlen, "stored WSXF does not convert");
		else
			snprintf(err, errlen, "stored WSXF holds no report");
		rc = -1;
	} else if (wats_report_write(out, len, first, 0) < 0) {
		last_error(err, errlen, "cannot write WSJF");
		rc = -1;
	}
	wats_report_free(first);
	wats_converters_free(reg);
	return rc < 0 ? -1 : 0;
}
