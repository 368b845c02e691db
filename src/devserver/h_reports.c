/* /api/Report/...: submit (WSJF, WSXF), fetch, and the header queries. */
#include "devserver.h"
#include "handlers.h"
#include "odata.h"
#include "report_index.h"
#include "wats/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define QUERY_MAX_ROWS 10000

static int submit(ds_req *r, int xml)
{
	ds_report_meta m = { 0 };
	char err[512], path[128], msg[512];
	const char *body = r->body.ptr ? r->body.ptr : "";
	m.is_xml = xml;
	int rc;
	if (xml) {
		rc = ds_report_index_xml(&m, body, r->body.len, r->srv->cfg.max_depth, err,
					 sizeof(err));
	} else if (r->srv->cfg.full_validation) {
		/* The report model's parser and validator: the same rules as `wats validate`. */
		rc = ds_report_check_model(&m, body, r->body.len, r->srv->cfg.max_depth, path,
					   sizeof(path), msg, sizeof(msg));
		if (rc == -2)
			goto invalid;
		snprintf(err, sizeof(err), "%s", msg);
	} else {
		rc = ds_report_index_json(&m, body, r->body.len, r->srv->cfg.max_depth, err,
					  sizeof(err));
	}
	if (rc < 0) {
		ds_reply_error(r, 400, "%s", err);
		goto out;
	}
	if (ds_validate_report(&m, path, sizeof(path), msg, sizeof(msg)) < 0) {
invalid:;
		json_object *o = json_object_new_object();
		char full[700];
		snprintf(full, sizeof(full), "Report validation failed: %s", msg);
		json_object_object_add(o, "message", json_object_new_string(full));
		json_object_object_add(o, "field", json_object_new_string(path));
		ds_reply_json(r, 400, o);
		goto out;
	}
	if (ds_store_put_report(&r->srv->store, &m, xml ? "wsxf" : "wsjf", body, r->body.len, err,
				sizeof(err)) < 0) {
		ds_reply_error(r, 500, "could not store report %s: %s", m.id, err);
		goto out;
	}
	ds_stats_report_stored(&r->srv->stats);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ID", json_object_new_string(m.id));
	ds_reply_json(r, 200, o);
out:
	ds_report_meta_free(&m);
	return 0;
}

int h_report_post_wsjf(ds_req *r)
{
	return submit(r, 0);
}

int h_report_post_wsxf(ds_req *r)
{
	return submit(r, 1);
}

static int get_report(ds_req *r, int want_xml)
{
	char id[37];
	const char *raw = r->params[0];
	if (ds_guid_normalize(raw, strlen(raw), id) < 0) {
		ds_reply_error(r, 400, "'%s' is not a report id (a GUID)", raw);
		return 0;
	}
	char *body = NULL;
	size_t len = 0;
	const char *format = NULL;
	int found = ds_store_get_report(&r->srv->store, id, &body, &len, &format);
	if (found < 0) {
		ds_reply_error(r, 500, "database error while reading report %s", id);
	} else if (!found) {
		ds_reply_error(r, 404, "report %s not found", id);
	} else if (!strcmp(format, want_xml ? "wsxf" : "wsjf")) {
		ds_reply_raw(r, 200, want_xml ? "application/xml; charset=utf-8"
					      : "application/json; charset=utf-8", body, len);
	} else {
		/* Posted in the other format: convert with the project's WSXF reader/writer. */
		char *conv = NULL, err[512];
		size_t clen = 0;
		int rc = want_xml ? ds_wsjf_to_wsxf(&conv, &clen, body, len, err, sizeof(err))
				  : ds_wsxf_to_wsjf(&conv, &clen, body, len, err, sizeof(err));
		if (rc < 0)
			ds_reply_error(r, 501, "report %s was submitted as %s and cannot be served as "
				       "%s (%s); fetch it with GET /api/Report/%s/%s", id,
				       want_xml ? "WSJF" : "WSXF", want_xml ? "WSXF" : "WSJF", err,
				       want_xml ? "Wsjf" : "Wsxf", id);
		else
			ds_reply_raw(r, 200, want_xml ? "application/xml; charset=utf-8"
						      : "application/json; charset=utf-8", conv, clen);
		wats_free(conv);
	}
	free(body);
	return 0;
}

int h_report_get_wsjf(ds_req *r)
{
	return get_report(r, 0);
}

int h_report_get_wsxf(ds_req *r)
{
	return get_report(r, 1);
}

/* ---- header queries ------------------------------------------------------------------- */

static const struct {
	const char *name;
	const char *sql;
	ds_col_type type;
} header_fields[] = {
	{ "uuid", "id", DS_COL_TEXT }, { "id", "id", DS_COL_TEXT },
	{ "serialNumber", "sn", DS_COL_TEXT }, { "partNumber", "pn", DS_COL_TEXT },
	{ "revision", "rev", DS_COL_TEXT }, { "batchNumber", "batch_sn", DS_COL_TEXT },
	{ "reportType", "(CASE type WHEN 'R' THEN 'R' ELSE 'U' END)", DS_COL_TEXT },
	{ "stationName", "machine_name", DS_COL_TEXT }, { "location", "location", DS_COL_TEXT },
	{ "purpose", "purpose", DS_COL_TEXT }, { "processCode", "process_code", DS_COL_NUM },
	{ "processName", "process_name", DS_COL_TEXT }, { "result", "result", DS_COL_TEXT },
	{ "start", "start_epoch", DS_COL_TIME }, { "startUtc", "start_epoch", DS_COL_TIME },
	{ "operator", "operator", DS_COL_TEXT }, { "comment", "comment", DS_COL_TEXT },
	{ "executionTime", "exec_time", DS_COL_NUM }, { "fixtureId", "fixture_id", DS_COL_TEXT },
	{ "testSocketIndex", "socket_index", DS_COL_NUM },
	{ "errorCode", "error_code", DS_COL_NUM },
	{ "errorMessage", "error_message", DS_COL_TEXT },
	{ "referencedUut", "ref_uut", DS_COL_TEXT },
	{ "receiveCount", "receive_count", DS_COL_NUM }, { "reportSize", "size", DS_COL_NUM },
};

static int header_field(const ds_odata_schema *sc, const char *name, char *sql, size_t sqllen,
			ds_col_type *type)
{
	(void)sc;
	for (size_t i = 0; i < sizeof(header_fields) / sizeof(header_fields[0]); i++)
		if (!strcasecmp(header_fields[i].name, name)) {
			snprintf(sql, sqllen, "reports.%s", header_fields[i].sql);
			if (header_fields[i].sql[0] == '(')
				snprintf(sql, sqllen, "%s", header_fields[i].sql);
			*type = header_fields[i].type;
			return 0;
		}
	return -1;
}

static int subunit_field(const ds_odata_schema *sc, const char *name, char *sql, size_t sqllen,
			 ds_col_type *type)
{
	(void)sc;
	static const char *const map[][2] = { { "partNumber", "pn" }, { "serialNumber", "sn" },
					      { "revision", "rev" }, { "partType", "part_type" } };
	for (size_t i = 0; i < 4; i++)
		if (!strcasecmp(map[i][0], name)) {
			snprintf(sql, sqllen, "su.%s", map[i][1]);
			*type = DS_COL_TEXT;
			return 0;
		}
	return -1;
}

static int misc_field(const ds_odata_schema *sc, const char *name, char *sql, size_t sqllen,
		      ds_col_type *type)
{
	(void)sc;
	if (!strcasecmp(name, "description"))
		snprintf(sql, sqllen, "mi.description");
	else if (!strcasecmp(name, "value") || !strcasecmp(name, "text"))
		snprintf(sql, sqllen, "mi.text");
	else
		return -1;
	*type = DS_COL_TEXT;
	return 0;
}

static const ds_odata_schema subunit_schema = { subunit_field, NULL,
						"partNumber, serialNumber, revision, partType" };
static const ds_odata_schema misc_schema = { misc_field, NULL, "description, value" };

static const ds_odata_schema *header_collection(const ds_odata_schema *sc, const char *name,
						const char **open)
{
	(void)sc;
	if (!strcasecmp(name, "subUnits") || !strcasecmp(name, "uurSubUnits")) {
		*open = "EXISTS (SELECT 1 FROM report_subunits su WHERE su.report_id = reports.id"
			" AND (";
		return &subunit_schema;
	}
	if (!strcasecmp(name, "miscInfo") || !strcasecmp(name, "uurMiscInfo")) {
		*open = "EXISTS (SELECT 1 FROM report_misc mi WHERE mi.report_id = reports.id"
			" AND (";
		return &misc_schema;
	}
	return NULL;
}

static const ds_odata_schema header_schema = {
	header_field, header_collection,
	"uuid, serialNumber, partNumber, revision, batchNumber, reportType, stationName, "
	"location, purpose, processCode, processName, result, start, operator, comment, "
	"executionTime, fixtureId, testSocketIndex, errorCode, errorMessage, referencedUut, "
	"receiveCount, reportSize; collections subUnits, miscInfo",
};

enum { EXP_MISC = 1, EXP_SUB = 2 };

static const char header_cols[] =
	"id, type, pn, sn, rev, process_code, process_name, result, machine_name, location,"
	" purpose, start, start_epoch, operator, batch_sn, fixture_id, exec_time, comment,"
	" socket_index, error_code, error_message, ref_uut, receive_count, size";

static void add_text(json_object *o, const char *key, sqlite3_stmt *s, int col)
{
	const unsigned char *v = sqlite3_column_text(s, col);
	if (v)
		json_object_object_add(o, key, json_object_new_string((const char *)v));
}

static void add_int(json_object *o, const char *key, sqlite3_stmt *s, int col)
{
	if (sqlite3_column_type(s, col) != SQLITE_NULL)
		json_object_object_add(o, key, json_object_new_int64(sqlite3_column_int64(s, col)));
}

static json_object *header_row(sqlite3_stmt *s)
{
	json_object *o = json_object_new_object();
	add_text(o, "uuid", s, 0);
	add_text(o, "serialNumber", s, 3);
	add_text(o, "partNumber", s, 2);
	add_text(o, "revision", s, 4);
	add_text(o, "batchNumber", s, 14);
	const char *type = (const char *)sqlite3_column_text(s, 1);
	json_object_object_add(o, "reportType",
			       json_object_new_string(type && type[0] == 'R' ? "R" : "U"));
	add_text(o, "stationName", s, 8);
	add_text(o, "location", s, 9);
	add_text(o, "purpose", s, 10);
	add_int(o, "processCode", s, 5);
	if (sqlite3_column_type(s, 6) != SQLITE_NULL) {
		add_text(o, "processName", s, 6);
	} else if (sqlite3_column_type(s, 5) != SQLITE_NULL) {
		const char *n = ds_process_name(sqlite3_column_int64(s, 5));
		if (n)
			json_object_object_add(o, "processName", json_object_new_string(n));
	}
	add_text(o, "result", s, 7);
	add_text(o, "start", s, 11);
	if (sqlite3_column_type(s, 12) != SQLITE_NULL) {
		char iso[32];
		ds_format_iso(sqlite3_column_double(s, 12), iso);
		json_object_object_add(o, "startUtc", json_object_new_string(iso));
	}
	add_text(o, "operator", s, 13);
	add_text(o, "fixtureId", s, 15);
	if (sqlite3_column_type(s, 16) != SQLITE_NULL)
		json_object_object_add(o, "executionTime",
				       json_object_new_double(sqlite3_column_double(s, 16)));
	add_text(o, "comment", s, 17);
	add_int(o, "testSocketIndex", s, 18);
	add_int(o, "errorCode", s, 19);
	add_text(o, "errorMessage", s, 20);
	add_text(o, "referencedUut", s, 21);
	add_int(o, "receiveCount", s, 22);
	add_int(o, "reportSize", s, 23);
	return o;
}

/* Add miscInfo / subUnits arrays to each header ($expand). Called with the store locked. */
static void expand(sqlite3 *db, json_object *arr, int flags)
{
	sqlite3_stmt *misc = NULL, *sub = NULL;
	if (flags & EXP_MISC)
		sqlite3_prepare_v2(db, "SELECT description, text FROM report_misc WHERE report_id=?1"
				   " ORDER BY idx", -1, &misc, NULL);
	if (flags & EXP_SUB)
		sqlite3_prepare_v2(db, "SELECT sn, pn, rev, part_type FROM report_subunits"
				   " WHERE report_id=?1 ORDER BY idx", -1, &sub, NULL);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *h = json_object_array_get_idx(arr, i), *id;
		json_object_object_get_ex(h, "uuid", &id);
		const char *rid = json_object_get_string(id);
		int uur = !strcmp(json_object_get_string(json_object_object_get(h, "reportType")),
				  "R");
		if (misc) {
			json_object *a = json_object_new_array();
			sqlite3_bind_text(misc, 1, rid, -1, SQLITE_STATIC);
			while (sqlite3_step(misc) == SQLITE_ROW) {
				json_object *e = json_object_new_object();
				add_text(e, "description", misc, 0);
				add_text(e, "value", misc, 1);
				json_object_array_add(a, e);
			}
			sqlite3_reset(misc);
			json_object_object_add(h, uur ? "uurMiscInfo" : "miscInfo", a);
		}
		if (sub) {
			json_object *a = json_object_new_array();
			sqlite3_bind_text(sub, 1, rid, -1, SQLITE_STATIC);
			while (sqlite3_step(sub) == SQLITE_ROW) {
				json_object *e = json_object_new_object();
				add_text(e, "serialNumber", sub, 0);
				add_text(e, "partNumber", sub, 1);
				add_text(e, "revision", sub, 2);
				add_text(e, "partType", sub, 3);
				json_object_array_add(a, e);
			}
			sqlite3_reset(sub);
			json_object_object_add(h, uur ? "uurSubUnits" : "subUnits", a);
		}
	}
	sqlite3_finalize(misc);
	sqlite3_finalize(sub);
}

/* Run SELECT header_cols FROM reports WHERE <where> ORDER BY <order> LIMIT/OFFSET; reply. */
static void run_header_query(ds_req *r, const char *where, const ds_binds *b, const char *order,
			     long top, long skip, int expand_flags)
{
	wats_buf sql = WATS_BUF_INIT;
	wats__buf_printf(&sql, "SELECT %s FROM reports WHERE %s ORDER BY %s LIMIT %ld OFFSET %ld",
			 header_cols, where, order, top, skip);
	ds_store *st = &r->srv->store;
	sqlite3_stmt *s = NULL;
	ds_store_lock(st);
	if (sqlite3_prepare_v2(st->db, sql.ptr, -1, &s, NULL) != SQLITE_OK ||
	    ds_binds_apply(b, s, 1) < 0) {
		ds_reply_error(r, 500, "query failed: %s", sqlite3_errmsg(st->db));
	} else {
		json_object *arr = json_object_new_array();
		int rc;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			json_object_array_add(arr, header_row(s));
		if (rc != SQLITE_DONE) {
			ds_reply_error(r, 500, "query failed: %s", sqlite3_errmsg(st->db));
			json_object_put(arr);
		} else {
			if (expand_flags)
				expand(st->db, arr, expand_flags);
			ds_reply_json(r, 200, arr);
		}
	}
	sqlite3_finalize(s);
	ds_store_unlock(st);
	wats__buf_dispose(&sql);
}

static int parse_expand(ds_req *r, int *flags)
{
	const char *e = ds_query(r, "$expand");
	*flags = 0;
	if (!e)
		return 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", e);
	char *save = NULL;
	for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		if (!strcasecmp(t, "miscInfo") || !strcasecmp(t, "uurMiscInfo"))
			*flags |= EXP_MISC;
		else if (!strcasecmp(t, "subUnits") || !strcasecmp(t, "uurSubUnits"))
			*flags |= EXP_SUB;
		else if (strcasecmp(t, "assets") && strcasecmp(t, "attachments") &&
			 strcasecmp(t, "uurAssets") && strcasecmp(t, "uurAttachments")) {
			ds_reply_error(r, 400, "$expand: unknown collection '%s' (known: miscInfo, "
				       "subUnits, assets, attachments)", t);
			return -1;
		}
	}
	return 0;
}

int h_report_query_header(ds_req *r)
{
	wats_buf where = WATS_BUF_INIT, order = WATS_BUF_INIT;
	ds_binds b = { 0 };
	char err[512];
	long top, skip;
	int flags;
	const char *type = ds_query(r, "reportType");
	if (ds_query_long(r, "$top", QUERY_MAX_ROWS, 0, QUERY_MAX_ROWS, &top) < 0 ||
	    ds_query_long(r, "$skip", 0, 0, 1000000000L, &skip) < 0 || parse_expand(r, &flags) < 0)
		goto out;
	wats__buf_puts(&where, "1");
	if (type && *type) {
		if (!strcasecmp(type, "U") || !strcasecmp(type, "T") || !strcasecmp(type, "UUT")) {
			wats__buf_puts(&where, " AND type <> 'R'");
		} else if (!strcasecmp(type, "R") || !strcasecmp(type, "UUR")) {
			wats__buf_puts(&where, " AND type = 'R'");
		} else {
			ds_reply_error(r, 400, "reportType must be U (test reports) or R (repair "
				       "reports), got '%s'", type);
			goto out;
		}
	}
	const char *filter = ds_query(r, "$filter");
	if (filter && *filter) {
		wats__buf_puts(&where, " AND ");
		if (ds_odata_filter(filter, &header_schema, &where, &b, err, sizeof(err)) < 0) {
			ds_reply_error(r, 400, "%s", err);
			goto out;
		}
	}
	const char *ob = ds_query(r, "$orderby");
	if (ob && *ob) {
		if (ds_odata_orderby(ob, &header_schema, &order, err, sizeof(err)) < 0) {
			ds_reply_error(r, 400, "%s", err);
			goto out;
		}
		wats__buf_puts(&order, ", ");
	}
	/* Newest first, as pyWATS asks by default; id last so paging is stable. */
	wats__buf_puts(&order, "start_epoch DESC, id");
	run_header_query(r, where.ptr, &b, order.ptr, top, skip, flags);
out:
	ds_binds_free(&b);
	wats__buf_dispose(&where);
	wats__buf_dispose(&order);
	return 0;
}

int h_report_query_misc(ds_req *r)
{
	ds_binds b = { 0 };
	long top;
	const char *desc = ds_query(r, "description"), *value = ds_query(r, "stringValue");
	if (ds_query_long(r, "$top", QUERY_MAX_ROWS, 0, QUERY_MAX_ROWS, &top) < 0)
		return 0;
	if ((!desc || !*desc) && (!value || !*value)) {
		ds_reply_error(r, 400, "give 'description' and/or 'stringValue' to search the "
			       "reports' misc info");
		return 0;
	}
	wats_buf where = WATS_BUF_INIT;
	wats__buf_puts(&where, "id IN (SELECT report_id FROM report_misc WHERE 1");
	if (desc && *desc) {
		wats__buf_puts(&where, " AND description = ? COLLATE NOCASE");
		ds_binds_add_text(&b, desc, strlen(desc));
	}
	if (value && *value) {
		wats__buf_puts(&where, " AND text = ? COLLATE NOCASE");
		ds_binds_add_text(&b, value, strlen(value));
	}
	wats__buf_puts(&where, ")");
	run_header_query(r, where.ptr, &b, "start_epoch DESC, id", top, 0, EXP_MISC);
	ds_binds_free(&b);
	wats__buf_dispose(&where);
	return 0;
}
