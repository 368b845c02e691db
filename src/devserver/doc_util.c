/* JSON helpers shared by the domain handlers (products, units, assets, packages, tickets). */
#include "handlers.h"
#include "odata.h"

#include <stdio.h>
#include <string.h>

const char *ds_jstr(json_object *o, const char *key)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

const char *ds_jrequire(ds_req *r, json_object *o, const char *key, const char *what)
{
	const char *v = ds_jstr(o, key);
	if (!v || !*v) {
		ds_reply_error(r, 400, "%s: '%s' is required (a non-empty string)", what, key);
		return NULL;
	}
	return v;
}

void ds_jset(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

void ds_jmerge(json_object *dst, json_object *src)
{
	json_object_object_foreach(src, k, v) {
		json_object_object_add(dst, k, json_object_get(v));
	}
}

void ds_jset_now(json_object *o, const char *key)
{
	char now[32];
	ds_now_iso(now);
	json_object_object_add(o, key, json_object_new_string(now));
}

json_object *ds_doc_find(ds_store *st, const char *kind, const char *field, const char *value)
{
	char where[160], err[256];
	snprintf(where, sizeof(where), "json_extract(json,'$.%s') = ?3", field);
	ds_binds b = { 0 };
	ds_binds_add_text(&b, value, strlen(value));
	json_object *arr = ds_doc_list(st, kind, NULL, where, &b, NULL, 1, 0, err, sizeof(err));
	ds_binds_free(&b);
	json_object *o = NULL;
	if (arr && json_object_array_length(arr))
		o = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	return o;
}

int ds_reply_doc_query(ds_req *r, const char *kind)
{
	wats_buf where = WATS_BUF_INIT, order = WATS_BUF_INIT;
	ds_binds b = { 0 };
	char err[512];
	long top, skip;
	if (ds_query_long(r, "$top", -1, 0, 1000000, &top) < 0 ||
	    ds_query_long(r, "$skip", 0, 0, 1000000000L, &skip) < 0)
		goto out;
	/* ds_doc_list uses ?1 and ?2 itself, so the filter's anonymous '?' become ?3... */
	const char *f = ds_query(r, "$filter");
	if (f && *f && ds_odata_filter(f, &ds_odata_json_schema, &where, &b, err, sizeof(err)) < 0) {
		ds_reply_error(r, 400, "%s", err);
		goto out;
	}
	const char *o = ds_query(r, "$orderby");
	if (o && *o) {
		if (ds_odata_orderby(o, &ds_odata_json_schema, &order, err, sizeof(err)) < 0) {
			ds_reply_error(r, 400, "%s", err);
			goto out;
		}
		wats__buf_puts(&order, ", seq");
	}
	json_object *arr = ds_doc_list(&r->srv->store, kind, NULL, where.ptr, &b, order.ptr, top,
				       skip, err, sizeof(err));
	if (!arr)
		ds_reply_error(r, 400, "%s", err);
	else
		ds_reply_json(r, 200, arr);
out:
	ds_binds_free(&b);
	wats__buf_dispose(&where);
	wats__buf_dispose(&order);
	return 0;
}
