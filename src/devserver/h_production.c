/*
 * /api/Production...: units, unit verification (computed from the stored reports), phases,
 * processes and assemblies.
 */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K_UNIT "unit"

/* UnitPhaseFlag values from the reference notes (core.md 19.3). */
static const struct {
	int id;
	const char *code, *name;
} phases[] = {
	{ 1, "Unknown", "Unknown" }, { 2, "UnderProduction", "Under production" },
	{ 4, "ProductionRepair", "Production repair" }, { 8, "ServiceRepair", "Service repair" },
	{ 16, "Finalized", "Finalized" }, { 32, "Scrapped", "Scrapped" },
	{ 64, "ExtendedTest", "Extended test" }, { 128, "Customization", "Customization" },
	{ 256, "Repaired", "Repaired" }, { 512, "Missing", "Missing" },
	{ 1024, "InStorage", "In storage" }, { 2048, "Shipped", "Shipped" },
};

#define NPHASES (sizeof(phases) / sizeof(phases[0]))

int h_unit_phases(ds_req *r)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < NPHASES; i++) {
		json_object *o = json_object_new_object();
		ds_jset(o, "UnitPhaseId", json_object_new_int(phases[i].id));
		ds_jset(o, "Code", json_object_new_string(phases[i].code));
		ds_jset(o, "Name", json_object_new_string(phases[i].name));
		ds_jset(o, "Description", json_object_new_string(phases[i].name));
		json_object_array_add(arr, o);
	}
	ds_reply_json(r, 200, arr);
	return 0;
}

int h_unit_get(ds_req *r)
{
	json_object *u = ds_doc_get(&r->srv->store, K_UNIT, r->params[0], r->params[1]);
	if (!u)
		ds_reply_error(r, 404, "unit '%s' of product '%s' not found", r->params[0],
			       r->params[1]);
	else
		ds_reply_json(r, 200, u);
	return 0;
}

int h_units_put(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_array);
	if (!body)
		return 0;
	json_object *out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(body); i++) {
		json_object *u = json_object_array_get_idx(body, i);
		const char *sn = ds_jrequire(r, u, "serialNumber", "unit");
		const char *pn = sn ? ds_jrequire(r, u, "partNumber", "unit") : NULL;
		if (!pn) {
			json_object_put(out);
			json_object_put(body);
			return 0;
		}
		json_object *doc = ds_doc_get(&r->srv->store, K_UNIT, sn, pn);
		if (!doc) {
			doc = json_object_new_object();
			ds_jset_now(doc, "serialDate");
			ds_jset(doc, "unitPhaseId", json_object_new_int(2));
			ds_jset(doc, "unitPhase", json_object_new_string("Under production"));
		}
		ds_jmerge(doc, u);
		if (ds_doc_put(&r->srv->store, K_UNIT, sn, pn, doc) < 0) {
			json_object_put(doc);
			json_object_put(out);
			json_object_put(body);
			ds_reply_error(r, 500, "database error saving unit %s", sn);
			return 0;
		}
		json_object_array_add(out, doc);
	}
	json_object_put(body);
	ds_reply_json(r, 200, out);
	return 0;
}

/* Load the unit named by the query parameters sn_key/pn_key; replies 400/404 on failure. */
static json_object *unit_from_query(ds_req *r, const char *sn_key, const char *pn_key,
				    const char **sn, const char **pn)
{
	*sn = ds_query_required(r, sn_key);
	*pn = *sn ? ds_query_required(r, pn_key) : NULL;
	if (!*pn)
		return NULL;
	json_object *u = ds_doc_get(&r->srv->store, K_UNIT, *sn, *pn);
	if (!u)
		ds_reply_error(r, 404, "unit '%s' of product '%s' not found (create it with PUT "
			       "/api/Production/Units)", *sn, *pn);
	return u;
}

int h_unit_set_phase(ds_req *r)
{
	const char *sn, *pn;
	long phase;
	json_object *u = unit_from_query(r, "serialNumber", "partNumber", &sn, &pn);
	if (!u)
		return 0;
	if (ds_query_long(r, "phase", -1, 0, 1L << 30, &phase) < 0 || phase < 0) {
		if (!r->resp)
			ds_reply_error(r, 400, "query parameter 'phase' (a UnitPhaseId) is required");
		json_object_put(u);
		return 0;
	}
	const char *name = NULL;
	for (size_t i = 0; i < NPHASES; i++)
		if (phases[i].id == phase)
			name = phases[i].name;
	if (!name) {
		ds_reply_error(r, 400, "unknown unit phase %ld (see GET /api/internal/Mes/GetUnitPhases)",
			       phase);
		json_object_put(u);
		return 0;
	}
	ds_jset(u, "unitPhaseId", json_object_new_int((int)phase));
	ds_jset(u, "unitPhase", json_object_new_string(name));
	ds_doc_put(&r->srv->store, K_UNIT, sn, pn, u);
	json_object_put(u);
	ds_reply_bool(r, 1);
	return 0;
}

int h_unit_set_process(ds_req *r)
{
	const char *sn, *pn;
	long code;
	json_object *u = unit_from_query(r, "serialNumber", "partNumber", &sn, &pn);
	if (!u)
		return 0;
	if (ds_query_long(r, "processCode", -1, 0, 1L << 30, &code) < 0 || code < 0) {
		if (!r->resp)
			ds_reply_error(r, 400, "query parameter 'processCode' is required");
		json_object_put(u);
		return 0;
	}
	ds_jset(u, "processCode", json_object_new_int((int)code));
	ds_doc_put(&r->srv->store, K_UNIT, sn, pn, u);
	json_object_put(u);
	ds_reply_bool(r, 1);
	return 0;
}

static int child_op(ds_req *r, int add)
{
	const char *psn, *ppn, *csn, *cpn;
	json_object *parent = unit_from_query(r, "parentSerialNumber", "parentPartNumber", &psn,
					      &ppn);
	if (!parent)
		return 0;
	json_object *child = unit_from_query(r, "childSerialNumber", "childPartNumber", &csn, &cpn);
	if (!child) {
		json_object_put(parent);
		return 0;
	}
	json_object *subs = json_object_object_get(parent, "subUnits");
	json_object *kept = json_object_new_array();
	for (size_t i = 0; subs && json_object_is_type(subs, json_type_array) &&
			   i < json_object_array_length(subs); i++) {
		json_object *s = json_object_array_get_idx(subs, i);
		const char *ssn = ds_jstr(s, "serialNumber"), *spn = ds_jstr(s, "partNumber");
		if (ssn && spn && !strcmp(ssn, csn) && !strcmp(spn, cpn))
			continue;
		json_object_array_add(kept, json_object_get(s));
	}
	if (add) {
		json_object *s = json_object_new_object();
		ds_jset(s, "serialNumber", json_object_new_string(csn));
		ds_jset(s, "partNumber", json_object_new_string(cpn));
		const char *rev = ds_jstr(child, "revision");
		if (rev)
			ds_jset(s, "revision", json_object_new_string(rev));
		json_object_array_add(kept, s);
		ds_jset(child, "parentSerialNumber", json_object_new_string(psn));
	} else {
		json_object_object_del(child, "parentSerialNumber");
	}
	ds_jset(parent, "subUnits", kept);
	ds_doc_put(&r->srv->store, K_UNIT, psn, ppn, parent);
	ds_doc_put(&r->srv->store, K_UNIT, csn, cpn, child);
	json_object_put(parent);
	json_object_put(child);
	ds_reply_bool(r, 1);
	return 0;
}

int h_unit_add_child(ds_req *r)
{
	return child_op(r, 1);
}

int h_unit_remove_child(ds_req *r)
{
	return child_op(r, 0);
}

/* ---- UnitVerification ----------------------------------------------------------------- */

typedef struct {
	int64_t code;
	char name[128], station[128], status_first, status_last;
	double first_start, last_start;
	long total, non_passed;
	int any_passed;
} proc_run;

static const char *status_word(char s)
{
	switch (s) {
	case 'P': return "Passed";
	case 'F': return "Failed";
	case 'E': return "Error";
	case 'T': return "Terminated";
	case 'D': return "Done";
	default: return "Unknown";
	}
}

/*
 * Grade a unit from its test reports: per operation the first and last run, counts of runs
 * and non-passed runs; overall whether all passed on the first, any, and last run, and whether
 * there was any repair report. This is the dev server's own approximation of the WATS rule.
 */
int h_unit_verification(ds_req *r)
{
	const char *sn = ds_query_required(r, "serialNumber");
	const char *pn = sn ? ds_query_required(r, "partNumber") : NULL;
	if (!pn)
		return 0;
	const char *rev = ds_query(r, "revision");
	ds_store *st = &r->srv->store;
	proc_run runs[64];
	size_t n = 0;
	long repairs = 0;
	sqlite3_stmt *s = NULL;
	ds_store_lock(st);
	int rc = sqlite3_prepare_v2(st->db,
		"SELECT type, process_code, process_name, result, start_epoch, machine_name"
		" FROM reports WHERE sn = ?1 AND pn = ?2 AND (?3 IS NULL OR rev = ?3)"
		" ORDER BY start_epoch, received", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, sn, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, pn, -1, SQLITE_STATIC);
		if (rev && *rev)
			sqlite3_bind_text(s, 3, rev, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			const char *type = (const char *)sqlite3_column_text(s, 0);
			if (type && type[0] == 'R') {
				repairs++;
				continue;
			}
			int64_t code = sqlite3_column_int64(s, 1);
			const char *res = (const char *)sqlite3_column_text(s, 3);
			char status = res && res[0] ? res[0] : 'P';
			double start = sqlite3_column_double(s, 4);
			const char *station = (const char *)sqlite3_column_text(s, 5);
			size_t i;
			for (i = 0; i < n; i++)
				if (runs[i].code == code)
					break;
			if (i == n) {
				if (n == sizeof(runs) / sizeof(runs[0]))
					continue;
				memset(&runs[n], 0, sizeof(runs[n]));
				runs[n].code = code;
				const char *pname = (const char *)sqlite3_column_text(s, 2);
				if (!pname)
					pname = ds_process_name(code);
				snprintf(runs[n].name, sizeof(runs[n].name), "%s", pname ? pname : "");
				runs[n].status_first = status;
				runs[n].first_start = start;
				n++;
			}
			proc_run *p = &runs[i];
			p->total++;
			p->non_passed += status != 'P';
			p->any_passed |= status == 'P';
			p->status_last = status;
			p->last_start = start;
			snprintf(p->station, sizeof(p->station), "%s", station ? station : "");
		}
	}
	int ok = rc == SQLITE_DONE;
	if (!ok)
		ds_reply_error(r, 500, "database error: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	ds_store_unlock(st);
	if (!ok)
		return 0;

	int first = n > 0, any = n > 0, last = n > 0;
	json_object *results = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		proc_run *p = &runs[i];
		first &= p->status_first == 'P';
		any &= p->any_passed;
		last &= p->status_last == 'P';
		json_object *o = json_object_new_object();
		ds_jset(o, "processCode", json_object_new_int64(p->code));
		ds_jset(o, "processName", json_object_new_string(p->name));
		ds_jset(o, "processIndex", json_object_new_int((int)i));
		ds_jset(o, "status", json_object_new_string(status_word(p->status_last)));
		char iso[32];
		ds_format_iso(p->last_start, iso);
		ds_jset(o, "startUtc", json_object_new_string(iso));
		ds_jset(o, "stationName", json_object_new_string(p->station));
		ds_jset(o, "totalCount", json_object_new_int64(p->total));
		ds_jset(o, "nonPassedCount", json_object_new_int64(p->non_passed));
		ds_jset(o, "repairCount", json_object_new_int64(0));
		json_object_array_add(results, o);
	}
	json_object *o = json_object_new_object();
	ds_jset(o, "serialNumber", json_object_new_string(sn));
	ds_jset(o, "partNumber", json_object_new_string(pn));
	ds_jset(o, "status", json_object_new_string(!n ? "Unknown" : last ? "Passed" : "Failed"));
	ds_jset(o, "grade", json_object_new_string(!n ? "" : first && !repairs ? "A"
							  : last ? "B" : "F"));
	ds_jset(o, "allProcessesExecutedInCorrectOrder", json_object_new_boolean(n > 0));
	ds_jset(o, "allProcessesPassedFirstRun", json_object_new_boolean(first));
	ds_jset(o, "allProcessesPassedAnyRun", json_object_new_boolean(any));
	ds_jset(o, "allProcessesPassedLastRun", json_object_new_boolean(last));
	ds_jset(o, "noRepairs", json_object_new_boolean(repairs == 0));
	ds_jset(o, "results", results);
	ds_reply_json(r, 200, o);
	return 0;
}

static void xml_attr(wats_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': wats__buf_puts(b, "&amp;"); break;
		case '<': wats__buf_puts(b, "&lt;"); break;
		case '>': wats__buf_puts(b, "&gt;"); break;
		case '"': wats__buf_puts(b, "&quot;"); break;
		default: wats__buf_putc(b, *s);
		}
	}
}

/*
 * POST /api/Production/SerialNumbers/Take?serialNumberType=T&quantity=N[&refSN&refPN&stationName]
 * Allocates N new serial numbers of type T: "T-000001", "T-000002", ... from a counter per
 * type kept in the database, so a number is never handed out twice, also across restarts.
 * Any type name is accepted (WATS would need the type configured). The answer is the XML the
 * real server sends: <SerialNumbers><SN id="T-000001" />...</SerialNumbers>.
 */
#define MAX_TAKE 10000L

int h_serials_take(ds_req *r)
{
	const char *type = ds_query_required(r, "serialNumberType");
	long qty;
	if (!type || ds_query_long(r, "quantity", 1, 1, MAX_TAKE, &qty) < 0)
		return 0;
	if (strlen(type) > 100 || strspn(type, " \t") == strlen(type)) {
		ds_reply_error(r, 400, "serialNumberType must be 1 to 100 characters, not blank");
		return 0;
	}
	char key[128];
	snprintf(key, sizeof(key), "serial:%s", type);
	long last = ds_store_add_counter(&r->srv->store, key, qty);
	if (last < qty) {
		ds_reply_error(r, 500, "could not allocate serial numbers of type '%s'", type);
		return 0;
	}
	wats_buf b = WATS_BUF_INIT;
	wats__buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?><SerialNumbers>");
	for (long v = last - qty + 1; v <= last; v++) {
		char num[32];
		snprintf(num, sizeof(num), "-%06ld", v);
		wats__buf_puts(&b, "<SN id=\"");
		xml_attr(&b, type);
		wats__buf_puts(&b, num);
		wats__buf_puts(&b, "\" />");
	}
	wats__buf_puts(&b, "</SerialNumbers>");
	ds_reply_raw(r, 200, "application/xml; charset=utf-8", b.ptr, b.len);
	wats__buf_dispose(&b);
	return 0;
}
