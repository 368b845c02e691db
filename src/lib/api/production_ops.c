/* Production: units, unit verification, serial-number allocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_util.h"
#include "wats/api.h"
#include "util/buf.h"
#include "util/error.h"

void wats_unit_free(wats_unit *u)
{
	if (!u)
		return;
	free(u->serial_number);
	free(u->part_number);
	free(u->revision);
	free(u->batch_number);
	free(u->parent_serial_number);
	free(u->current_location);
	free(u->unit_phase);
	free(u->json);
	free(u);
}

int wats_api_get_unit(wats_unit **out, wats_client *c, const char *sn, const char *pn)
{
	if (out)
		*out = NULL;
	if (!out || !c || !sn || !*sn || !pn || !*pn)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "get unit: serial number and part number are required");
	wats_param p[] = { { "serialNumber", sn }, { "partNumber", pn } };
	wats_response *r = NULL;
	json_object *o = NULL;
	int rc = wats_call(&r, c, "production.get_unit", p, 2, NULL, 0);
	rc = rc ? rc : wats__json_parse(&o, r, "unit");
	if (rc == 0 && (!o || !json_object_is_type(o, json_type_object)))
		rc = wats__error(WATS_EPARSE, WATS_ERRCLASS_JSON, "unit: the server's answer is not an object");
	wats_unit *u = NULL;
	if (rc == 0 && !(u = calloc(1, sizeof(*u))))
		rc = wats__error_oom();
	if (rc == 0) {
		u->serial_number = wats__jstr(o, "serialNumber", NULL);
		u->part_number = wats__jstr(o, "partNumber", NULL);
		u->revision = wats__jstr(o, "revision", NULL);
		u->batch_number = wats__jstr(o, "batchNumber", NULL);
		u->parent_serial_number = wats__jstr(o, "parentSerialNumber", NULL);
		u->current_location = wats__jstr(o, "currentLocation", NULL);
		u->unit_phase = wats__jstr(o, "unitPhase", NULL);
		u->unit_phase_id = wats__jint(o, "unitPhaseId", NULL, 0);
		u->json = wats__jtext(o);
		*out = u;
	}
	json_object_put(o);
	wats_response_free(r);
	return rc;
}

static int unit_json(json_object **out, const wats_unit *u)
{
	if (!u || !u->serial_number || !u->part_number)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "save units: every unit needs a serial number and a part number");
	json_object *o = NULL;
	int rc = wats__jbase(&o, u->json);
	if (rc)
		return rc;
	if ((rc = wats__jset_str(o, "serialNumber", u->serial_number)) ||
	    (rc = wats__jset_str(o, "partNumber", u->part_number)) ||
	    (u->revision && (rc = wats__jset_str(o, "revision", u->revision))) ||
	    (u->batch_number && (rc = wats__jset_str(o, "batchNumber", u->batch_number))) ||
	    (u->parent_serial_number && (rc = wats__jset_str(o, "parentSerialNumber", u->parent_serial_number))) ||
	    (u->current_location && (rc = wats__jset_str(o, "currentLocation", u->current_location))) ||
	    (u->unit_phase_id && (rc = wats__jset_int(o, "unitPhaseId", u->unit_phase_id)))) {
		json_object_put(o);
		return rc;
	}
	*out = o;
	return 0;
}

int wats_api_save_units(wats_client *c, const wats_unit *const *units, size_t n)
{
	if (!c || (!units && n))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "save units: NULL argument");
	json_object *arr = json_object_new_array();
	if (!arr)
		return wats__error_oom();
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_object *o = NULL;
		rc = unit_json(&o, units[i]);
		if (rc == 0 && json_object_array_add(arr, o)) {
			json_object_put(o);
			rc = wats__error_oom();
		}
	}
	char *text = rc ? NULL : wats__jtext(arr);
	if (rc == 0 && !text)
		rc = wats__error_oom();
	json_object_put(arr);
	if (rc)
		return rc;
	wats_response *r = NULL;
	rc = wats_call(&r, c, "production.create_units", NULL, 0, text, strlen(text));
	free(text);
	/* The server may answer 200 with {"errorCount": n, ...}: that is a failure. */
	if (rc == 0) {
		json_object *j = json_tokener_parse(r->body);
		int errs = wats__jint(j, "errorCount", "ErrorCount", 0);
		if (errs > 0) {
			char *msg = wats__jstr(j, "message", "Message");
			rc = wats__error(WATS_EVALIDATION, WATS_ERRCLASS_HTTP,
					 "PUT /api/Production/Units: the server rejected %d unit%s%s%s", errs,
					 errs == 1 ? "" : "s", msg ? ": " : "", msg ? msg : "");
			free(msg);
		}
		json_object_put(j);
	}
	wats_response_free(r);
	return rc;
}

void wats_unit_verification_free(wats_unit_verification *v)
{
	if (!v)
		return;
	free(v->status);
	free(v->grade);
	free(v->json);
	free(v);
}

int wats_api_verify_unit(wats_unit_verification **out, wats_client *c, const char *sn,
			 const char *pn, const char *rev)
{
	if (out)
		*out = NULL;
	if (!out || !c || !sn || !pn)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "verify unit: serial number and part number are required");
	wats_param p[] = { { "serialNumber", sn }, { "partNumber", pn }, { "revision", rev } };
	wats_response *r = NULL;
	json_object *o = NULL;
	int rc = wats_call(&r, c, "production.verify_unit", p, rev ? 3 : 2, NULL, 0);
	rc = rc ? rc : wats__json_parse(&o, r, "unit verification");
	wats_unit_verification *v = NULL;
	if (rc == 0 && !(v = calloc(1, sizeof(*v))))
		rc = wats__error_oom();
	if (rc == 0) {
		v->status = wats__jstr(o, "status", NULL);
		v->grade = wats__jstr(o, "grade", NULL);
		v->executed_in_order = wats__jbool(o, "allProcessesExecutedInCorrectOrder", NULL);
		v->passed_first_run = wats__jbool(o, "allProcessesPassedFirstRun", NULL);
		v->passed_any_run = wats__jbool(o, "allProcessesPassedAnyRun", NULL);
		v->passed_last_run = wats__jbool(o, "allProcessesPassedLastRun", NULL);
		v->no_repairs = wats__jbool(o, "noRepairs", NULL);
		v->json = r->body;
		r->body = NULL;
		*out = v;
	}
	json_object_put(o);
	wats_response_free(r);
	return rc;
}

void wats_strings_free(char **list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int push(char ***list, size_t *n, size_t *cap, const char *s, size_t len)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		char **nl = realloc(*list, nc * sizeof(*nl));
		if (!nl)
			return wats__error_oom();
		*list = nl;
		*cap = nc;
	}
	if (!((*list)[*n] = strndup(s, len)))
		return wats__error_oom();
	(*n)++;
	return 0;
}

/* The answer is XML (<SerialNumbers><SN id="..."/>...) or a JSON list of strings or objects. */
static int parse_serials(char ***out, size_t *n, const wats_response *r)
{
	char **list = NULL;
	size_t cnt = 0, cap = 0;
	int rc = 0;
	const char *b = r->body;
	while (*b == ' ' || *b == '\n' || *b == '\r' || *b == '\t')
		b++;
	if (*b == '<') {
		for (const char *p = strstr(b, "<SN"); p && rc == 0; p = strstr(p + 3, "<SN")) {
			const char *id = strstr(p, "id=\"");
			const char *end = id ? strchr(id + 4, '"') : NULL;
			const char *close = strchr(p, '>');
			if (!id || !end || (close && id > close))
				continue;
			rc = push(&list, &cnt, &cap, id + 4, (size_t)(end - id - 4));
		}
	} else {
		json_object *j = NULL;
		rc = wats__json_parse(&j, r, "serial numbers");
		if (rc == 0 && (!j || !json_object_is_type(j, json_type_array)))
			rc = wats__error(WATS_EPARSE, WATS_ERRCLASS_JSON, "serial numbers: expected a list");
		for (size_t i = 0; rc == 0 && i < json_object_array_length(j); i++) {
			json_object *e = json_object_array_get_idx(j, i);
			char *s = json_object_is_type(e, json_type_object)
				  ? wats__jstr(e, "serialNumber", "id") : strdup(json_object_get_string(e));
			if (s)
				rc = push(&list, &cnt, &cap, s, strlen(s));
			free(s);
		}
		json_object_put(j);
	}
	if (rc) {
		wats_strings_free(list, cnt);
		return rc;
	}
	*out = list;
	*n = cnt;
	return 0;
}

int wats_api_allocate_serials(char ***out, size_t *n, wats_client *c, const char *type,
			      unsigned int count, const char *ref_sn, const char *ref_pn)
{
	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n || !c || !type || !*type || !count)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "allocate serial numbers: type and a count > 0 are required");
	char qty[16];
	snprintf(qty, sizeof(qty), "%u", count);
	wats_param p[5];
	size_t np = 0;
	p[np++] = (wats_param){ "serialNumberType", type };
	p[np++] = (wats_param){ "quantity", qty };
	p[np++] = (wats_param){ "stationName", wats_client_station(c)->name };
	if (ref_sn)
		p[np++] = (wats_param){ "refSN", ref_sn };
	if (ref_pn)
		p[np++] = (wats_param){ "refPN", ref_pn };
	wats_response *r = NULL;
	int rc = wats_call(&r, c, "production.allocate_serial_numbers", p, np, NULL, 0);
	rc = rc ? rc : parse_serials(out, n, r);
	wats_response_free(r);
	return rc;
}
