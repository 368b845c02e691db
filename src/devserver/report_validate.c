/*
 * The server's own acceptance rules for a report header: what the index needs (required keys,
 * id, type, result, start). They run after the full validator too, which does not normalise
 * ids or compute the start time.
 */
#include "report_index.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "devserver.h"

#define MAX_TEXT 100

/* Where each WSJF key lives in WSXF, so messages about XML reports name the attribute. */
static const char *xml_name(const char *field)
{
	static const char *const map[][2] = {
		{ "pn", "Report/@PN" }, { "sn", "Report/@SN" }, { "rev", "Report/@Rev" },
		{ "processCode", "Report/Process/@Code" }, { "machineName", "Report/@MachineName" },
		{ "location", "Report/@Location" }, { "purpose", "Report/@Purpose" },
		{ "id", "Report/@ID" }, { "type", "Report/@type" }, { "result", "Report/@Result" },
		{ "start", "Report/@Start" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], field))
			return map[i][1];
	return field;
}

static int fail_m(const ds_report_meta *m, char *path, size_t pathlen, char *msg, size_t msglen,
		  const char *field, const char *what)
{
	if (m->is_xml) {
		snprintf(path, pathlen, "%s", xml_name(field));
		snprintf(msg, msglen, "WSXF %s %s", xml_name(field), what);
	} else {
		snprintf(path, pathlen, "%s", field);
		snprintf(msg, msglen, "report field '%s' %s", field, what);
	}
	return -1;
}

#define fail(path, pathlen, msg, msglen, field, what) \
	fail_m(m, path, pathlen, msg, msglen, field, what)

/* Length in characters (code points) of UTF-8 text; the body was already checked as UTF-8. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

static int check_text(const ds_report_meta *m, const char *v, const char *field, char *path,
		      size_t pathlen, char *msg, size_t msglen)
{
	if (!v)
		return fail(path, pathlen, msg, msglen, field, "is required (a non-empty string)");
	if (blank(v))
		return fail(path, pathlen, msg, msglen, field, "must not be empty");
	if (utf8_chars(v) > MAX_TEXT)
		return fail(path, pathlen, msg, msglen, field, "is longer than 100 characters");
	return 0;
}

static int result_ok(const char *r)
{
	static const char *const words[] = { "P", "F", "D", "E", "T", "Passed", "Failed", "Done",
					     "Error", "Terminated" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(r, words[i]))
			return 1;
	return 0;
}

int ds_validate_report(ds_report_meta *m, char *path, size_t pathlen, char *msg, size_t msglen)
{
	/* Type errors first: "pn": 5 is a different mistake from a missing pn. */
	static const struct { const char *name; unsigned bit; } typed[] = {
		{ "pn", DS_WT_PN }, { "sn", DS_WT_SN }, { "rev", DS_WT_REV },
		{ "machineName", DS_WT_MACHINE }, { "location", DS_WT_LOCATION },
		{ "purpose", DS_WT_PURPOSE }, { "id", DS_WT_ID }, { "type", DS_WT_TYPE },
		{ "result", DS_WT_RESULT }, { "start", DS_WT_START },
	};
	for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++)
		if (m->wrong_type & typed[i].bit)
			return fail(path, pathlen, msg, msglen, typed[i].name, "must be a string");
	if (check_text(m, m->pn, "pn", path, pathlen, msg, msglen) ||
	    check_text(m, m->sn, "sn", path, pathlen, msg, msglen) ||
	    check_text(m, m->rev, "rev", path, pathlen, msg, msglen))
		return -1;
	if (m->process_code_raw)
		return fail(path, pathlen, msg, msglen, "processCode", "must be an integer");
	if (!m->has_process_code)
		return fail(path, pathlen, msg, msglen, "processCode",
			    "is required (the operation code, an integer such as 100)");
	if (check_text(m, m->machine_name, "machineName", path, pathlen, msg, msglen) ||
	    check_text(m, m->location, "location", path, pathlen, msg, msglen) ||
	    check_text(m, m->purpose, "purpose", path, pathlen, msg, msglen))
		return -1;
	if (m->type_raw) {
		if (strcmp(m->type_raw, "T") && strcmp(m->type_raw, "R"))
			return fail(path, pathlen, msg, msglen, "type",
				    "must be \"T\" (test, UUT) or \"R\" (repair, UUR)");
		m->type = m->type_raw[0];
	} else if (!m->type) {
		m->type = 'T';
	}
	if (m->result && !result_ok(m->result))
		return fail(path, pathlen, msg, msglen, "result",
			    "must be one of P, F, D, E, T (Passed, Failed, Done, Error, Terminated)");
	if (m->start) {
		if (ds_parse_iso(m->start, strlen(m->start), &m->start_epoch) < 0)
			return fail(path, pathlen, msg, msglen, "start",
				    "is not an ISO-8601 date/time (e.g. 2024-01-31T12:00:00+01:00)");
		m->has_start_epoch = 1;
	}
	if (m->raw_id) {
		if (ds_guid_normalize(m->raw_id, strlen(m->raw_id), m->id) < 0)
			return fail(path, pathlen, msg, msglen, "id",
				    "is not a GUID (8-4-4-4-12 hexadecimal digits)");
	} else if (!m->id[0]) {
		/* The real server assigns an id to a report that has none. */
		ds_guid_new(m->id);
	}
	return 0;
}
