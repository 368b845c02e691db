/*
 * /api/Product...: products, revisions, groups, vendors. Products are stored without their
 * revisions; GET /api/Product/{pn} joins them back, as the real server answers.
 */
#include "handlers.h"

#include <stdio.h>
#include <string.h>

#define K_PRODUCT "product"
#define K_REVISION "revision"
#define K_GROUP "productGroup"
#define K_VENDOR "vendor"

static json_object *product_full(ds_store *st, const char *pn)
{
	json_object *p = ds_doc_get(st, K_PRODUCT, pn, NULL);
	if (!p)
		return NULL;
	char err[256];
	json_object *revs = ds_doc_list(st, K_REVISION, pn, NULL, NULL, NULL, -1, 0, err,
					sizeof(err));
	ds_jset(p, "revisions", revs ? revs : json_object_new_array());
	return p;
}

int h_product_query(ds_req *r)
{
	return ds_reply_doc_query(r, K_PRODUCT);
}

int h_product_get(ds_req *r)
{
	json_object *p = product_full(&r->srv->store, r->params[0]);
	if (!p)
		ds_reply_error(r, 404, "product '%s' not found", r->params[0]);
	else
		ds_reply_json(r, 200, p);
	return 0;
}

/* Save one revision of an existing product; returns the stored object or NULL (replied). */
static json_object *save_revision(ds_req *r, json_object *body)
{
	ds_store *st = &r->srv->store;
	const char *pn = ds_jstr(body, "partNumber");
	json_object *prod = NULL;
	if (pn && *pn) {
		prod = ds_doc_get(st, K_PRODUCT, pn, NULL);
	} else if (ds_jstr(body, "productId")) {
		prod = ds_doc_find(st, K_PRODUCT, "productId", ds_jstr(body, "productId"));
	} else {
		ds_reply_error(r, 400, "revision: 'partNumber' or 'productId' is required");
		return NULL;
	}
	if (!prod) {
		ds_reply_error(r, 404, "revision: product '%s' does not exist; create it with PUT "
			       "/api/Product first", pn ? pn : ds_jstr(body, "productId"));
		return NULL;
	}
	const char *rev = ds_jrequire(r, body, "revision", "revision");
	if (!rev) {
		json_object_put(prod);
		return NULL;
	}
	pn = ds_jstr(prod, "partNumber");
	json_object *old = ds_doc_get(st, K_REVISION, pn, rev);
	json_object *doc = old ? old : json_object_new_object();
	ds_jmerge(doc, body);
	ds_jset(doc, "partNumber", json_object_new_string(pn));
	ds_jset(doc, "productId", json_object_new_string(ds_jstr(prod, "productId")));
	if (!ds_jstr(doc, "productRevisionId")) {
		char id[37];
		ds_guid_new(id);
		ds_jset(doc, "productRevisionId", json_object_new_string(id));
	}
	if (!json_object_object_get(doc, "state"))
		ds_jset(doc, "state", json_object_new_int(1));
	json_object_put(prod);
	if (ds_doc_put(st, K_REVISION, ds_jstr(doc, "partNumber"), ds_jstr(doc, "revision"),
		       doc) < 0) {
		json_object_put(doc);
		ds_reply_error(r, 500, "database error saving revision");
		return NULL;
	}
	return doc;
}

/* Save one product (and the revisions it carries). Returns the full product or NULL. */
static json_object *save_product(ds_req *r, json_object *body)
{
	ds_store *st = &r->srv->store;
	if (!json_object_is_type(body, json_type_object)) {
		ds_reply_error(r, 400, "product must be a JSON object");
		return NULL;
	}
	const char *pn = ds_jrequire(r, body, "partNumber", "product");
	if (!pn)
		return NULL;
	json_object *old = ds_doc_get(st, K_PRODUCT, pn, NULL);
	json_object *doc = old ? old : json_object_new_object();
	ds_jmerge(doc, body);
	json_object *revs = json_object_get(json_object_object_get(doc, "revisions"));
	json_object_object_del(doc, "revisions");
	if (!ds_jstr(doc, "productId")) {
		char id[37];
		ds_guid_new(id);
		ds_jset(doc, "productId", json_object_new_string(id));
	}
	if (!json_object_object_get(doc, "state"))
		ds_jset(doc, "state", json_object_new_int(1));
	if (!json_object_object_get(doc, "nonSerial"))
		ds_jset(doc, "nonSerial", json_object_new_boolean(0));
	if (!json_object_object_get(doc, "tags"))
		ds_jset(doc, "tags", json_object_new_array());
	/* Keep the key as sent in the body (pn may point into the old document). */
	char key[512];
	snprintf(key, sizeof(key), "%s", ds_jstr(doc, "partNumber"));
	int rc = ds_doc_put(st, K_PRODUCT, key, NULL, doc);
	json_object_put(doc);
	if (rc < 0) {
		json_object_put(revs);
		ds_reply_error(r, 500, "database error saving product");
		return NULL;
	}
	for (size_t i = 0; revs && json_object_is_type(revs, json_type_array) &&
			   i < json_object_array_length(revs); i++) {
		json_object *rv = json_object_array_get_idx(revs, i);
		if (!json_object_is_type(rv, json_type_object))
			continue;
		ds_jset(rv, "partNumber", json_object_new_string(key));
		json_object *saved = save_revision(r, rv);
		if (!saved) {
			json_object_put(revs);
			return NULL;
		}
		json_object_put(saved);
	}
	json_object_put(revs);
	return product_full(st, key);
}

int h_product_put(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_object);
	if (!body)
		return 0;
	json_object *p = save_product(r, body);
	json_object_put(body);
	if (p)
		ds_reply_json(r, 200, p);
	return 0;
}

int h_products_put(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_array);
	if (!body)
		return 0;
	json_object *out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(body); i++) {
		json_object *p = save_product(r, json_object_array_get_idx(body, i));
		if (!p) {
			json_object_put(out);
			out = NULL;
			break;
		}
		json_object_array_add(out, p);
	}
	json_object_put(body);
	if (out)
		ds_reply_json(r, 200, out);
	return 0;
}

int h_product_revision_get(ds_req *r)
{
	const char *pn = ds_query_required(r, "partNumber");
	if (!pn)
		return 0;
	const char *rev = ds_query_required(r, "revision");
	if (!rev)
		return 0;
	json_object *o = ds_doc_get(&r->srv->store, K_REVISION, pn, rev);
	if (!o)
		ds_reply_error(r, 404, "revision '%s' of product '%s' not found", rev, pn);
	else
		ds_reply_json(r, 200, o);
	return 0;
}

int h_revision_put(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_object);
	if (!body)
		return 0;
	json_object *o = save_revision(r, body);
	json_object_put(body);
	if (o)
		ds_reply_json(r, 200, o);
	return 0;
}

int h_revisions_put(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_array);
	if (!body)
		return 0;
	json_object *out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(body); i++) {
		json_object *rv = json_object_array_get_idx(body, i);
		json_object *o = json_object_is_type(rv, json_type_object) ? save_revision(r, rv)
									  : NULL;
		if (!o) {
			if (!r->resp)
				ds_reply_error(r, 400, "revision %zu is not a JSON object", i);
			json_object_put(out);
			out = NULL;
			break;
		}
		json_object_array_add(out, o);
	}
	json_object_put(body);
	if (out)
		ds_reply_json(r, 200, out);
	return 0;
}

int h_product_groups(ds_req *r)
{
	return ds_reply_doc_query(r, K_GROUP);
}

int h_product_group_put(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_object);
	if (!body)
		return 0;
	const char *name = ds_jrequire(r, body, "productGroupName", "product group");
	if (name) {
		json_object *doc = ds_doc_find(&r->srv->store, K_GROUP, "productGroupName", name);
		if (!doc) {
			doc = json_object_new_object();
			ds_jset(doc, "productGroupId", json_object_new_int64(
				ds_store_next_counter(&r->srv->store, K_GROUP)));
			ds_jset(doc, "productGroupName", json_object_new_string(name));
		}
		char key[32];
		snprintf(key, sizeof(key), "%lld", (long long)json_object_get_int64(
			json_object_object_get(doc, "productGroupId")));
		ds_doc_put(&r->srv->store, K_GROUP, key, NULL, doc);
		ds_reply_json(r, 200, doc);
	}
	json_object_put(body);
	return 0;
}

int h_vendors_get(ds_req *r)
{
	return ds_reply_doc_query(r, K_VENDOR);
}

int h_vendor_put(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_object);
	if (!body)
		return 0;
	if (ds_jrequire(r, body, "name", "vendor")) {
		const char *id = ds_jstr(body, "vendorId");
		json_object *doc = id ? ds_doc_get(&r->srv->store, K_VENDOR, id, NULL) : NULL;
		if (!doc)
			doc = json_object_new_object();
		ds_jmerge(doc, body);
		if (!ds_jstr(doc, "vendorId")) {
			char g[37];
			ds_guid_new(g);
			ds_jset(doc, "vendorId", json_object_new_string(g));
		}
		char key[128];
		snprintf(key, sizeof(key), "%s", ds_jstr(doc, "vendorId"));
		ds_doc_put(&r->srv->store, K_VENDOR, key, NULL, doc);
		ds_reply_json(r, 200, doc);
	}
	json_object_put(body);
	return 0;
}

int h_vendor_delete(ds_req *r)
{
	int n = ds_doc_delete(&r->srv->store, K_VENDOR, r->params[0], NULL);
	if (n <= 0)
		ds_reply_error(r, 404, "vendor '%s' not found", r->params[0]);
	else
		ds_reply_bool(r, 1);
	return 0;
}
