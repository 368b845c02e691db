/*
 * report_index.h - the header fields of a report that the query routes need, extracted from
 * the body without building a tree of it (a 97 KB WSJF report has thousands of values; the
 * header is a dozen), plus the light validation the server applies before storing.
 */
#ifndef WATS_DEVSERVER_REPORT_INDEX_H
#define WATS_DEVSERVER_REPORT_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct ds_misc {
	char *description;
	char *text;
} ds_misc;

typedef struct ds_subunit {
	char *pn, *sn, *rev, *part_type;
} ds_subunit;

enum {
	DS_WT_ID = 1 << 0, DS_WT_TYPE = 1 << 1, DS_WT_PN = 1 << 2, DS_WT_SN = 1 << 3,
	DS_WT_REV = 1 << 4, DS_WT_RESULT = 1 << 5, DS_WT_MACHINE = 1 << 6,
	DS_WT_LOCATION = 1 << 7, DS_WT_PURPOSE = 1 << 8, DS_WT_START = 1 << 9
};

/* Header of one report. Strings are NUL-terminated copies (NULL = absent or JSON null). */
typedef struct ds_report_meta {
	char id[37];            /* canonical GUID ("" until known) */
	char *raw_id;           /* id as written, for error messages */
	char type;              /* 'T' or 'R' */
	char *type_raw;
	char *pn, *sn, *rev, *result, *machine_name, *location, *purpose, *start, *process_name;
	int has_process_code;
	int64_t process_code;
	char *process_code_raw; /* processCode given as something other than an integer */
	int has_start_epoch;
	double start_epoch;
	char *op, *batch_sn, *fixture_id, *comment, *error_message, *ref_uut;
	int has_exec_time, has_socket, has_error_code;
	double exec_time;
	int64_t socket_index, error_code;
	ds_misc *misc;
	size_t nmisc, misc_cap;
	ds_subunit *sub;
	size_t nsub, sub_cap;
	int is_xml;             /* came from WSXF: name attributes in messages */
	unsigned wrong_type;    /* DS_WT_* bits: keys that held a number/bool, not a string */
} ds_report_meta;

void ds_report_meta_free(ds_report_meta *m);

/*
 * Stream a WSJF body through yajl and fill m. Checks that the body is well-formed JSON with
 * valid UTF-8, an object at the top and at most max_depth levels of nesting.
 * Returns 0, or -1 with a message in err (naming line and column).
 */
int ds_report_index_json(ds_report_meta *m, const char *body, size_t len, unsigned max_depth,
			 char *err, size_t errlen);

/*
 * Same for a WSXF (XML) body, with expat: the first <Report> element's attributes, its <UUT>,
 * <Process>, <MiscInfo> and <ReportUnitHierarchy> children.
 */
int ds_report_index_xml(ds_report_meta *m, const char *body, size_t len, unsigned max_depth,
			char *err, size_t errlen);

/*
 * Parse with the report model and run its full validator; on success fill m from the tree.
 * Returns 0; -1 malformed (msg), -2 breaks a rule (path and msg from the validator).
 */
int ds_report_check_model(ds_report_meta *m, const char *body, size_t len, unsigned max_depth,
			  char *path, size_t pathlen, char *msg, size_t msglen);

/*
 * The server's acceptance rules for a report (see docs/devserver.md): required header keys
 * pn, sn, rev, processCode, machineName, location, purpose; a well-formed id, type, result and
 * start when given. On failure returns -1, with the field path in path and a sentence in msg.
 * Fills m->id with a new GUID when the report has none.
 */
int ds_validate_report(ds_report_meta *m, char *path, size_t pathlen, char *msg, size_t msglen);

/*
 * Convert a stored report to the other format (report_convert.c). *out is freed with
 * wats_free(). Returns 0, or -1 with the reason in err.
 */
int ds_wsjf_to_wsxf(char **out, size_t *len, const char *json, size_t jlen, char *err,
		    size_t errlen);
int ds_wsxf_to_wsjf(char **out, size_t *len, const char *xml, size_t xlen, char *err,
		    size_t errlen);

#endif
