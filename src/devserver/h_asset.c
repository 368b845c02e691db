/* /api/Asset...: assets (by id or serial number), counts, calibration, log, types. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K_ASSET "asset"
#define K_LOG "assetLog"
#define K_TYPE "assetType"

/* AssetLogType values (core.md 19.2). */
enum { LOG_MESSAGE = 0, LOG_REGISTER = 1, LOG_UPDATE = 2, LOG_RESET = 3, LOG_CALIBRATION = 4,
       LOG_MAINTENANCE = 5, LOG_STATE = 6 };

static json_object *asset_by_key(ds_store *st, const char *key)
{
	json_object *a = ds_doc_get(st, K_ASSET, key, NULL);
	return a ? a : ds_doc_find(st, K_ASSET, "serialNumber", key);
}

/* The asset named by ?id= or ?serialNumber=; replies 400/404 and returns NULL otherwise. */
static json_object *asset_from_query(ds_req *r)
{
	const char *id = ds_query(r, "id"), *sn = ds_query(r, "serialNumber");
	json_object *a = NULL;
	if (id && *id)
		a = ds_doc_get(&r->srv->store, K_ASSET, id, NULL);
	else if (sn && *sn)
		a = ds_doc_find(&r->srv->store, K_ASSET, "serialNumber", sn);
	else {
		ds_reply_error(r, 400, "give the asset as query parameter 'id' or 'serialNumber'");
		return NULL;
	}
	if (!a)
		ds_reply_error(r, 404, "asset '%s' not found", id && *id ? id : sn);
	return a;
}

static void save(ds_req *r, json_object *a)
{
	char key[128];
	snprintf(key, sizeof(key), "%s", ds_jstr(a, "assetId"));
	ds_doc_put(&r->srv->store, K_ASSET, key, NULL, a);
}

static void add_log(ds_req *r, json_object *a, int type, const char *comment, const char *user)
{
	json_object *l = json_object_new_object();
	char id[37];
	ds_guid_new(id);
	ds_jset(l, "logId", json_object_new_string(id));
	ds_jset(l, "assetId", json_object_new_string(ds_jstr(a, "assetId")));
	const char *sn = ds_jstr(a, "serialNumber");
	if (sn)
		ds_jset(l, "serialNumber", json_object_new_string(sn));
	ds_jset_now(l, "date");
	ds_jset(l, "user", json_object_new_string(user ? user : "wats-devserver"));
	ds_jset(l, "type", json_object_new_int(type));
	ds_jset(l, "comment", json_object_new_string(comment ? comment : ""));
	ds_doc_put(&r->srv->store, K_LOG, id, NULL, l);
	json_object_put(l);
}

int h_assets_get(ds_req *r)
{
	return ds_reply_doc_query(r, K_ASSET);
}

int h_asset_get(ds_req *r)
{
	json_object *a = asset_by_key(&r->srv->store, r->params[0]);
	if (!a)
		ds_reply_error(r, 404, "asset '%s' not found (by id or serial number)", r->params[0]);
	else
		ds_reply_json(r, 200, a);
	return 0;
}

int h_asset_put(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_object);
	if (!body)
		return 0;
	const char *sn = ds_jrequire(r, body, "serialNumber", "asset");
	if (!sn) {
		json_object_put(body);
		return 0;
	}
	ds_store *st = &r->srv->store;
	const char *id = ds_jstr(body, "assetId");
	json_object *a = id ? ds_doc_get(st, K_ASSET, id, NULL) : NULL;
	if (!a)
		a = ds_doc_find(st, K_ASSET, "serialNumber", sn);
	int created = !a;
	if (created) {
		a = json_object_new_object();
		char g[37];
		ds_guid_new(g);
		ds_jset(a, "assetId", json_object_new_string(g));
		ds_jset(a, "state", json_object_new_int(1));
		ds_jset(a, "totalCount", json_object_new_int(0));
		ds_jset(a, "runningCount", json_object_new_int(0));
		ds_jset_now(a, "firstSeenDate");
	}
	/* The id is the server's; a body with a new id for an existing serial keeps the old. */
	json_object *keep = json_object_get(json_object_object_get(a, "assetId"));
	ds_jmerge(a, body);
	ds_jset(a, "assetId", keep);
	ds_jset_now(a, "lastSeenDate");
	/* A parent given by serial number only (as add_child_asset may send it) gets its id. */
	const char *psn = ds_jstr(a, "parentSerialNumber");
	if (psn && *psn && !ds_jstr(a, "parentAssetId")) {
		json_object *parent = ds_doc_find(st, K_ASSET, "serialNumber", psn);
		if (!parent) {
			ds_reply_error(r, 404, "asset: parent asset '%s' not found", psn);
			json_object_put(a);
			json_object_put(body);
			return 0;
		}
		ds_jset(a, "parentAssetId", json_object_new_string(ds_jstr(parent, "assetId")));
		json_object_put(parent);
	}
	save(r, a);
	add_log(r, a, created ? LOG_REGISTER : LOG_UPDATE, created ? "Registered" : "Updated", NULL);
	json_object_put(body);
	ds_reply_json(r, 200, a);
	return 0;
}

int h_asset_delete(ds_req *r)
{
	json_object *a = asset_from_query(r);
	if (!a)
		return 0;
	ds_doc_delete(&r->srv->store, K_ASSET, ds_jstr(a, "assetId"), NULL);
	json_object_put(a);
	ds_reply_bool(r, 1);
	return 0;
}

/* OK / warning / alarm from the running count against the type's limit (AssetAlarmState). */
static int alarm_state(ds_req *r, json_object *a, const char **why)
{
	*why = "OK";
	const char *type = ds_jstr(a, "typeId");
	json_object *t = type ? ds_doc_get(&r->srv->store, K_TYPE, type, NULL) : NULL;
	if (!t)
		return 0;
	double limit = json_object_get_double(json_object_object_get(t, "runningCountLimit"));
	double warn = json_object_get_double(json_object_object_get(t, "warningThreshold"));
	double alarm = json_object_get_double(json_object_object_get(t, "alarmThreshold"));
	double used = json_object_get_double(json_object_object_get(a, "runningCount"));
	json_object_put(t);
	if (limit <= 0)
		return 0;
	double pct = used * 100.0 / limit;
	if (alarm > 0 ? pct >= alarm : pct >= 100) {
		*why = "running count limit reached";
		return 2;
	}
	if (warn > 0 && pct >= warn) {
		*why = "running count near its limit";
		return 1;
	}
	return 0;
}

int h_asset_status(ds_req *r)
{
	json_object *a = asset_from_query(r);
	if (!a)
		return 0;
	const char *why;
	int alarm = alarm_state(r, a, &why);
	json_object *o = json_object_new_object();
	static const char *const keys[] = { "assetId", "serialNumber", "assetName", "state",
					    "runningCount", "totalCount", "lastCalibrationDate",
					    "lastMaintenanceDate" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_object *v = json_object_object_get(a, keys[i]);
		if (v)
			ds_jset(o, keys[i], json_object_get(v));
	}
	ds_jset(o, "alarmState", json_object_new_int(alarm));
	ds_jset(o, "message", json_object_new_string(why));
	json_object_put(a);
	ds_reply_json(r, 200, o);
	return 0;
}

int h_asset_state(ds_req *r)
{
	long state;
	if (ds_query_long(r, "state", -1, 0, 6, &state) < 0)
		return 0;
	if (state < 0) {
		ds_reply_error(r, 400, "query parameter 'state' (0..6) is required");
		return 0;
	}
	json_object *a = asset_from_query(r);
	if (!a)
		return 0;
	ds_jset(a, "state", json_object_new_int((int)state));
	save(r, a);
	char msg[64];
	snprintf(msg, sizeof(msg), "State changed to %ld", state);
	add_log(r, a, LOG_STATE, msg, NULL);
	json_object_put(a);
	ds_reply_bool(r, 1);
	return 0;
}

static void bump(json_object *a, const char *key, int64_t by, int set, int64_t value)
{
	int64_t v = set ? value : json_object_get_int64(json_object_object_get(a, key)) + by;
	ds_jset(a, key, json_object_new_int64(v));
}

int h_asset_count(ds_req *r)
{
	long inc, total;
	if (ds_query_long(r, "incrementBy", 1, -1000000000L, 1000000000L, &inc) < 0 ||
	    ds_query_long(r, "totalCount", -1, 0, 1L << 62, &total) < 0)
		return 0;
	json_object *a = asset_from_query(r);
	if (!a)
		return 0;
	bump(a, "runningCount", inc, 0, 0);
	bump(a, "totalCount", inc, total >= 0, total);
	save(r, a);
	/* incrementChildren (default true): children count too. */
	const char *ic = ds_query(r, "incrementChildren");
	if (!ic || strcmp(ic, "false")) {
		char err[128];
		ds_binds b = { 0 };
		const char *id = ds_jstr(a, "assetId");
		ds_binds_add_text(&b, id, strlen(id));
		json_object *kids = ds_doc_list(&r->srv->store, K_ASSET, NULL,
						"json_extract(json,'$.parentAssetId') = ?3", &b, NULL,
						-1, 0, err, sizeof(err));
		ds_binds_free(&b);
		for (size_t i = 0; kids && i < json_object_array_length(kids); i++) {
			json_object *k = json_object_array_get_idx(kids, i);
			bump(k, "runningCount", inc, 0, 0);
			bump(k, "totalCount", inc, 0, 0);
			save(r, k);
		}
		json_object_put(kids);
	}
	json_object_put(a);
	ds_reply_bool(r, 1);
	return 0;
}

int h_asset_reset_count(ds_req *r)
{
	json_object *a = asset_from_query(r);
	if (!a)
		return 0;
	ds_jset(a, "runningCount", json_object_new_int(0));
	save(r, a);
	add_log(r, a, LOG_RESET, ds_query(r, "comment"), NULL);
	json_object_put(a);
	ds_reply_bool(r, 1);
	return 0;
}

static int record_service(ds_req *r, const char *last_key, int type)
{
	json_object *a = asset_from_query(r);
	if (!a)
		return 0;
	const char *when = ds_query(r, "dateTime");
	double t;
	if (when && *when && ds_parse_iso(when, strlen(when), &t) < 0) {
		ds_reply_error(r, 400, "query parameter 'dateTime' must be ISO-8601, got '%s'", when);
		json_object_put(a);
		return 0;
	}
	if (when && *when)
		ds_jset(a, last_key, json_object_new_string(when));
	else
		ds_jset_now(a, last_key);
	if (type == LOG_CALIBRATION)
		ds_jset(a, "runningCount", json_object_new_int(0));
	save(r, a);
	add_log(r, a, type, ds_query(r, "comment"), NULL);
	json_object_put(a);
	ds_reply_bool(r, 1);
	return 0;
}

int h_asset_calibration(ds_req *r)
{
	return record_service(r, "lastCalibrationDate", LOG_CALIBRATION);
}

int h_asset_maintenance(ds_req *r)
{
	return record_service(r, "lastMaintenanceDate", LOG_MAINTENANCE);
}

int h_asset_log(ds_req *r)
{
	return ds_reply_doc_query(r, K_LOG);
}

int h_asset_message(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_object);
	if (!body)
		return 0;
	const char *id = ds_jrequire(r, body, "assetId", "asset message");
	json_object *a = id ? ds_doc_get(&r->srv->store, K_ASSET, id, NULL) : NULL;
	if (id && !a)
		ds_reply_error(r, 404, "asset '%s' not found", id);
	if (a) {
		add_log(r, a, LOG_MESSAGE, ds_jstr(body, "comment"), ds_jstr(body, "user"));
		ds_reply_bool(r, 1);
		json_object_put(a);
	}
	json_object_put(body);
	return 0;
}

int h_asset_types_get(ds_req *r)
{
	return ds_reply_doc_query(r, K_TYPE);
}

int h_asset_type_put(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_object);
	if (!body)
		return 0;
	if (ds_jrequire(r, body, "typeName", "asset type")) {
		const char *id = ds_jstr(body, "typeId");
		json_object *t = id ? ds_doc_get(&r->srv->store, K_TYPE, id, NULL) : NULL;
		if (!t)
			t = json_object_new_object();
		ds_jmerge(t, body);
		if (!ds_jstr(t, "typeId")) {
			char g[37];
			ds_guid_new(g);
			ds_jset(t, "typeId", json_object_new_string(g));
		}
		char key[128];
		snprintf(key, sizeof(key), "%s", ds_jstr(t, "typeId"));
		ds_doc_put(&r->srv->store, K_TYPE, key, NULL, t);
		ds_reply_json(r, 200, t);
	}
	json_object_put(body);
	return 0;
}

int h_asset_subassets(ds_req *r)
{
	json_object *a = asset_from_query(r);
	if (!a)
		return 0;
	char err[256];
	ds_binds b = { 0 };
	const char *id = ds_jstr(a, "assetId");
	ds_binds_add_text(&b, id, strlen(id));
	json_object *kids = ds_doc_list(&r->srv->store, K_ASSET, NULL,
					"json_extract(json,'$.parentAssetId') = ?3", &b, NULL, -1, 0,
					err, sizeof(err));
	ds_binds_free(&b);
	json_object_put(a);
	if (!kids)
		ds_reply_error(r, 500, "%s", err);
	else
		ds_reply_json(r, 200, kids);
	return 0;
}
