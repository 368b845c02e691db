/* Report operations: submit (WSJF/WSXF), download, header queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_util.h"
#include "wats/api.h"
#include "util/error.h"

static wats_wire_format sniff(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')
			continue;
		/* A UTF-8 byte order mark may precede an XML declaration. */
		if ((unsigned char)data[i] == 0xEF && i + 3 < len)
			return data[i + 3] == '<' ? WATS_WIRE_WSXF : WATS_WIRE_WSJF;
		return data[i] == '<' ? WATS_WIRE_WSXF : WATS_WIRE_WSJF;
	}
	return WATS_WIRE_WSJF;
}

/* The id in a submit answer: ID/id/uuid of an object (or of a list's first element), a JSON
 * string, or the text itself. */
static int answer_id(char **out, const wats_response *r)
{
	json_object *j = json_tokener_parse(r->body);
	json_object *o = j;
	if (o && json_object_is_type(o, json_type_array) && json_object_array_length(o) > 0)
		o = json_object_array_get_idx(o, 0);
	char *id = NULL;
	if (o && json_object_is_type(o, json_type_object)) {
		id = wats__jstr(o, "ID", "id");
		if (!id)
			id = wats__jstr(o, "uuid", "Id");
	} else if (o && json_object_is_type(o, json_type_string)) {
		id = strdup(json_object_get_string(o));
	} else {
		id = strdup(r->body);
	}
	json_object_put(j);
	if (!id)
		return wats__error_oom();
	*out = id;
	return 0;
}

/* Fill empty machineName/location/purpose from the client's station. */
static int apply_station(char **out, size_t *len, wats_client *c, const char *data, size_t n)
{
	wats_response fake = { 0 };
	fake.body = (char *)data;
	fake.body_len = n;
	json_object *j = NULL;
	int rc = wats__json_parse(&j, &fake, "report");
	if (rc)
		return rc;
	if (!j || !json_object_is_type(j, json_type_object)) {
		json_object_put(j);
		return wats__error(WATS_EPARSE, WATS_ERRCLASS_JSON, "report: a WSJF report is a JSON object");
	}
	const wats_station *st = wats_client_station(c);
	static const char *const keys[] = { "machineName", "location", "purpose" };
	const char *vals[] = { st->name, st->location, st->purpose };
	for (int i = 0; i < 3 && rc == 0; i++) {
		json_object *v = wats__jget(j, keys[i], NULL);
		const char *cur = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
		if ((!cur || !*cur) && vals[i] && *vals[i])
			rc = wats__jset_str(j, keys[i], vals[i]);
	}
	if (rc == 0) {
		*out = wats__jtext(j);
		if (!*out)
			rc = wats__error_oom();
		else
			*len = strlen(*out);
	}
	json_object_put(j);
	return rc;
}

int wats_api_submit_report(char **id_out, wats_client *c, const char *data, size_t len,
			   wats_wire_format format, unsigned int flags)
{
	if (id_out)
		*id_out = NULL;
	if (!c || !data || !len)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "submit: no report data");
	if (format == WATS_WIRE_AUTO)
		format = sniff(data, len);
	char *patched = NULL;
	if (format == WATS_WIRE_WSJF && (flags & WATS_SUBMIT_APPLY_STATION)) {
		int rc = apply_station(&patched, &len, c, data, len);
		if (rc)
			return rc;
		data = patched;
	}
	wats_response *r = NULL;
	int rc = wats_call(&r, c, format == WATS_WIRE_WSXF ? "report.submit_report_xml" : "report.submit_report",
			   NULL, 0, data, len);
	free(patched);
	if (rc == 0 && id_out)
		rc = answer_id(id_out, r);
	wats_response_free(r);
	return rc;
}

int wats_api_get_report(char **out, size_t *len, wats_client *c, const char *id, wats_wire_format format)
{
	if (out)
		*out = NULL;
	if (!out || !c || !id || !*id)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "get report: no report id");
	wats_param p[] = { { "reportId", id } };
	wats_response *r = NULL;
	int rc = wats_call(&r, c, format == WATS_WIRE_WSXF ? "report.get_report_xml" : "report.get_report",
			   p, 1, NULL, 0);
	if (rc == 0) {
		*out = r->body;
		if (len)
			*len = r->body_len;
		r->body = NULL;
	}
	wats_response_free(r);
	return rc;
}

void wats_report_header_list_free(wats_report_header_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++) {
		wats_report_header *h = &l->items[i];
		free(h->uuid);
		free(h->serial_number);
		free(h->part_number);
		free(h->revision);
		free(h->report_type);
		free(h->result);
		free(h->station_name);
		free(h->location);
		free(h->purpose);
		free(h->process_name);
		free(h->operator_name);
		free(h->start_utc);
	}
	free(l->items);
	free(l->json);
	free(l);
}

static void header_from(wats_report_header *h, json_object *o)
{
	h->uuid = wats__jstr(o, "uuid", "id");
	h->serial_number = wats__jstr(o, "serialNumber", "sn");
	h->part_number = wats__jstr(o, "partNumber", "pn");
	h->revision = wats__jstr(o, "revision", "rev");
	h->report_type = wats__jstr(o, "reportType", "type");
	h->result = wats__jstr(o, "result", "status");
	h->station_name = wats__jstr(o, "stationName", "machineName");
	h->location = wats__jstr(o, "location", NULL);
	h->purpose = wats__jstr(o, "purpose", NULL);
	h->process_name = wats__jstr(o, "processName", NULL);
	h->process_code = wats__jint(o, "processCode", NULL, 0);
	h->operator_name = wats__jstr(o, "operator", NULL);
	h->start_utc = wats__jstr(o, "startUtc", "start");
	h->execution_time = wats__jdouble(o, "executionTime", NULL);
}

int wats_api_query_headers(wats_report_header_list **out, wats_client *c, const wats_header_query *q)
{
	if (out)
		*out = NULL;
	if (!out || !c || (q && q->version != WATS_HEADER_QUERY_VERSION))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "query headers: bad arguments");
	wats_header_query dflt = WATS_HEADER_QUERY_INIT;
	if (!q)
		q = &dflt;
	char top[16], skip[16];
	snprintf(top, sizeof(top), "%u", q->top ? q->top : 100);
	snprintf(skip, sizeof(skip), "%u", q->skip);
	wats_param p[6];
	size_t n = 0;
	p[n++] = (wats_param){ "reportType", q->uur ? "R" : "U" };
	p[n++] = (wats_param){ "$top", top };
	p[n++] = (wats_param){ "$orderby", q->orderby ? q->orderby : "start desc" };
	if (q->skip)
		p[n++] = (wats_param){ "$skip", skip };
	if (q->filter && *q->filter)
		p[n++] = (wats_param){ "$filter", q->filter };
	if (q->expand && *q->expand)
		p[n++] = (wats_param){ "$expand", q->expand };
	wats_response *r = NULL;
	json_object *j = NULL;
	int rc = wats_call(&r, c, "report.query_headers", p, n, NULL, 0);
	rc = rc ? rc : wats__json_parse(&j, r, "report header query");
	/* OData servers may wrap the list: {"value": [...]}. */
	json_object *arr = j && json_object_is_type(j, json_type_object) ? wats__jget(j, "value", NULL) : j;
	if (rc == 0 && arr && !json_object_is_type(arr, json_type_array))
		rc = wats__error(WATS_EPARSE, WATS_ERRCLASS_JSON, "report header query: expected a list");
	wats_report_header_list *l = NULL;
	if (rc == 0 && !(l = calloc(1, sizeof(*l))))
		rc = wats__error_oom();
	size_t cnt = arr ? json_object_array_length(arr) : 0;
	if (rc == 0 && cnt && !(l->items = calloc(cnt, sizeof(*l->items))))
		rc = wats__error_oom();
	if (rc == 0) {
		for (size_t i = 0; i < cnt; i++)
			header_from(&l->items[i], json_object_array_get_idx(arr, i));
		l->count = cnt;
		l->json = r->body;
		r->body = NULL;
		*out = l;
		l = NULL;
	}
	wats_report_header_list_free(l);
	json_object_put(j);
	wats_response_free(r);
	return rc;
}
