/* /api/Software...: packages with versions and the Draft -> Pending -> Released -> Revoked flow. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define K_PACKAGE "package"

static json_object *all_packages(ds_req *r)
{
	char err[256];
	json_object *a = ds_doc_list(&r->srv->store, K_PACKAGE, NULL, NULL, NULL, NULL, -1, 0, err,
				     sizeof(err));
	if (!a)
		ds_reply_error(r, 500, "%s", err);
	return a;
}

int h_packages_get(ds_req *r)
{
	return ds_reply_doc_query(r, K_PACKAGE);
}

int h_package_get(ds_req *r)
{
	json_object *p = ds_doc_get(&r->srv->store, K_PACKAGE, r->params[0], NULL);
	if (!p)
		ds_reply_error(r, 404, "software package '%s' not found", r->params[0]);
	else
		ds_reply_json(r, 200, p);
	return 0;
}

static int status_ok(const char *s)
{
	return !strcmp(s, "Draft") || !strcmp(s, "Pending") || !strcmp(s, "Released") ||
	       !strcmp(s, "Revoked");
}

static int by_version_desc(const void *a, const void *b)
{
	int64_t va = json_object_get_int64(json_object_object_get(*(json_object *const *)a, "version"));
	int64_t vb = json_object_get_int64(json_object_object_get(*(json_object *const *)b, "version"));
	return va < vb ? 1 : va > vb ? -1 : 0;
}

/* Packages named name (and with status / version when given), highest version first. */
static json_object *matching(ds_req *r, const char *name, const char *status, long version)
{
	json_object *all = all_packages(r);
	if (!all)
		return NULL;
	json_object *out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		json_object *p = json_object_array_get_idx(all, i);
		const char *n = ds_jstr(p, "name"), *s = ds_jstr(p, "status");
		long v = (long)json_object_get_int64(json_object_object_get(p, "version"));
		if (!n || strcasecmp(n, name) || (status && (!s || strcasecmp(s, status))) ||
		    (version >= 0 && v != version))
			continue;
		json_object_array_add(out, json_object_get(p));
	}
	json_object_put(all);
	json_object_array_sort(out, by_version_desc);
	return out;
}

int h_package_by_name(ds_req *r)
{
	const char *name = ds_query_required(r, "name");
	long version;
	if (!name || ds_query_long(r, "version", -1, 0, 1L << 30, &version) < 0)
		return 0;
	const char *status = ds_query(r, "status");
	json_object *m = matching(r, name, status && *status ? status : NULL, version);
	if (!m)
		return 0;
	if (!json_object_array_length(m))
		ds_reply_error(r, 404, "no software package named '%s'%s%s", name,
			       status ? " with status " : "", status ? status : "");
	else
		ds_reply_json(r, 200, json_object_get(json_object_array_get_idx(m, 0)));
	json_object_put(m);
	return 0;
}

int h_packages_by_tag(ds_req *r)
{
	const char *tag = ds_query_required(r, "tag");
	if (!tag)
		return 0;
	const char *value = ds_query(r, "value"), *status = ds_query(r, "status");
	json_object *all = all_packages(r);
	if (!all)
		return 0;
	json_object *out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		json_object *p = json_object_array_get_idx(all, i);
		const char *s = ds_jstr(p, "status");
		if (status && *status && (!s || strcasecmp(s, status)))
			continue;
		json_object *tags = json_object_object_get(p, "tags");
		for (size_t j = 0; tags && json_object_is_type(tags, json_type_array) &&
				   j < json_object_array_length(tags); j++) {
			json_object *t = json_object_array_get_idx(tags, j);
			const char *k = ds_jstr(t, "key"), *v = ds_jstr(t, "value");
			if (k && !strcasecmp(k, tag) && (!value || (v && !strcmp(v, value)))) {
				json_object_array_add(out, json_object_get(p));
				break;
			}
		}
	}
	json_object_put(all);
	ds_reply_json(r, 200, out);
	return 0;
}

int h_package_post(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_object);
	if (!body)
		return 0;
	const char *name = ds_jrequire(r, body, "name", "software package");
	if (name) {
		json_object *same = matching(r, name, NULL, -1);
		long version = 1;
		if (same && json_object_array_length(same))
			version = (long)json_object_get_int64(json_object_object_get(
					  json_object_array_get_idx(same, 0), "version")) + 1;
		json_object_put(same);
		json_object *p = json_object_new_object();
		ds_jmerge(p, body);
		char id[37];
		ds_guid_new(id);
		ds_jset(p, "packageId", json_object_new_string(id));
		ds_jset(p, "version", json_object_new_int64(version));
		ds_jset(p, "status", json_object_new_string("Draft"));
		ds_jset_now(p, "createdUtc");
		ds_jset_now(p, "modifiedUtc");
		if (!json_object_object_get(p, "tags"))
			ds_jset(p, "tags", json_object_new_array());
		if (!json_object_object_get(p, "files"))
			ds_jset(p, "files", json_object_new_array());
		ds_doc_put(&r->srv->store, K_PACKAGE, id, NULL, p);
		ds_reply_json(r, 200, p);
	}
	json_object_put(body);
	return 0;
}

int h_package_put(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_object);
	if (!body)
		return 0;
	json_object *p = ds_doc_get(&r->srv->store, K_PACKAGE, r->params[0], NULL);
	if (!p) {
		ds_reply_error(r, 404, "software package '%s' not found", r->params[0]);
	} else {
		/* Identity and workflow state are the server's: PackageStatus changes status. */
		json_object *keep_id = json_object_get(json_object_object_get(p, "packageId"));
		json_object *keep_status = json_object_get(json_object_object_get(p, "status"));
		json_object *keep_ver = json_object_get(json_object_object_get(p, "version"));
		ds_jmerge(p, body);
		ds_jset(p, "packageId", keep_id);
		ds_jset(p, "status", keep_status);
		ds_jset(p, "version", keep_ver);
		ds_jset_now(p, "modifiedUtc");
		ds_doc_put(&r->srv->store, K_PACKAGE, r->params[0], NULL, p);
		ds_reply_json(r, 200, p);
	}
	json_object_put(body);
	return 0;
}

int h_package_delete(ds_req *r)
{
	if (ds_doc_delete(&r->srv->store, K_PACKAGE, r->params[0], NULL) <= 0)
		ds_reply_error(r, 404, "software package '%s' not found", r->params[0]);
	else
		ds_reply_bool(r, 1);
	return 0;
}

int h_package_delete_by_name(ds_req *r)
{
	const char *name = ds_query_required(r, "name");
	long version;
	if (!name || ds_query_long(r, "version", -1, 0, 1L << 30, &version) < 0)
		return 0;
	json_object *m = matching(r, name, NULL, version);
	if (!m)
		return 0;
	size_t n = json_object_array_length(m);
	for (size_t i = 0; i < n; i++)
		ds_doc_delete(&r->srv->store, K_PACKAGE,
			      ds_jstr(json_object_array_get_idx(m, i), "packageId"), NULL);
	json_object_put(m);
	if (!n)
		ds_reply_error(r, 404, "no software package named '%s'", name);
	else
		ds_reply_bool(r, 1);
	return 0;
}

/* Allowed moves of the package workflow. */
static int transition_ok(const char *from, const char *to)
{
	static const char *const ok[][2] = {
		{ "Draft", "Pending" }, { "Pending", "Draft" }, { "Pending", "Released" },
		{ "Released", "Revoked" }, { "Draft", "Draft" }, { "Revoked", "Draft" },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(ok[i][0], from) && !strcmp(ok[i][1], to))
			return 1;
	return 0;
}

int h_package_status(ds_req *r)
{
	const char *to = ds_query_required(r, "status");
	if (!to)
		return 0;
	if (!status_ok(to)) {
		ds_reply_error(r, 400, "status must be Draft, Pending, Released or Revoked, got '%s'",
			       to);
		return 0;
	}
	json_object *p = ds_doc_get(&r->srv->store, K_PACKAGE, r->params[0], NULL);
	if (!p) {
		ds_reply_error(r, 404, "software package '%s' not found", r->params[0]);
		return 0;
	}
	const char *from = ds_jstr(p, "status");
	if (!from)
		from = "Draft";
	if (!transition_ok(from, to)) {
		ds_reply_error(r, 400, "a %s package cannot become %s (Draft -> Pending -> Released "
			       "-> Revoked; Pending -> Draft)", from, to);
	} else {
		ds_jset(p, "status", json_object_new_string(to));
		ds_jset_now(p, "modifiedUtc");
		ds_doc_put(&r->srv->store, K_PACKAGE, r->params[0], NULL, p);
		ds_reply_bool(r, 1);
	}
	json_object_put(p);
	return 0;
}

int h_package_files(ds_req *r)
{
	json_object *p = ds_doc_get(&r->srv->store, K_PACKAGE, r->params[0], NULL);
	if (!p) {
		ds_reply_error(r, 404, "software package '%s' not found", r->params[0]);
		return 0;
	}
	json_object *f = json_object_object_get(p, "files");
	ds_reply_json(r, 200, f && json_object_is_type(f, json_type_array) ? json_object_get(f)
									  : json_object_new_array());
	json_object_put(p);
	return 0;
}
