/* Products and revisions: GET /api/Product/{pn}, PUT /api/Product, PUT /api/Product/Revision.
 * Saving starts from the object the server sent (model->json) so fields this struct does not
 * model survive a read-modify-write. */
#include <stdlib.h>
#include <string.h>

#include "api/json_util.h"
#include "wats/api.h"
#include "util/error.h"

static void revision_clear(wats_product_revision *r)
{
	free(r->part_number);
	free(r->revision);
	free(r->name);
	free(r->description);
	free(r->product_revision_id);
	free(r->product_id);
	free(r->json);
}

void wats_product_revision_free(wats_product_revision *r)
{
	if (!r)
		return;
	revision_clear(r);
	free(r);
}

void wats_product_free(wats_product *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->revision_count; i++)
		revision_clear(&p->revisions[i]);
	free(p->revisions);
	free(p->part_number);
	free(p->name);
	free(p->description);
	free(p->product_id);
	free(p->json);
	free(p);
}

static void revision_from(wats_product_revision *r, json_object *o, const char *pn)
{
	r->part_number = wats__jstr(o, "partNumber", NULL);
	if (!r->part_number && pn)
		r->part_number = strdup(pn);
	r->revision = wats__jstr(o, "revision", NULL);
	r->name = wats__jstr(o, "name", NULL);
	r->description = wats__jstr(o, "description", NULL);
	r->state = wats__jint(o, "state", NULL, 1);
	r->product_revision_id = wats__jstr(o, "productRevisionId", NULL);
	r->product_id = wats__jstr(o, "productId", NULL);
	r->json = wats__jtext(o);
}

static int product_from(wats_product **out, json_object *o)
{
	if (!o || !json_object_is_type(o, json_type_object))
		return wats__error(WATS_EPARSE, WATS_ERRCLASS_JSON, "product: the server's answer is not an object");
	wats_product *p = calloc(1, sizeof(*p));
	if (!p)
		return wats__error_oom();
	p->part_number = wats__jstr(o, "partNumber", NULL);
	p->name = wats__jstr(o, "name", NULL);
	p->description = wats__jstr(o, "description", NULL);
	p->non_serial = wats__jbool(o, "nonSerial", NULL);
	p->state = wats__jint(o, "state", NULL, 1);
	p->product_id = wats__jstr(o, "productId", NULL);
	p->json = wats__jtext(o);
	json_object *revs = wats__jget(o, "revisions", NULL);
	size_t n = revs && json_object_is_type(revs, json_type_array) ? json_object_array_length(revs) : 0;
	if (n && !(p->revisions = calloc(n, sizeof(*p->revisions)))) {
		wats_product_free(p);
		return wats__error_oom();
	}
	for (size_t i = 0; i < n; i++)
		revision_from(&p->revisions[i], json_object_array_get_idx(revs, i), p->part_number);
	p->revision_count = n;
	*out = p;
	return 0;
}

int wats_api_get_product(wats_product **out, wats_client *c, const char *pn)
{
	if (out)
		*out = NULL;
	if (!out || !c || !pn || !*pn)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "get product: no part number");
	wats_param p[] = { { "partNumber", pn } };
	wats_response *r = NULL;
	json_object *j = NULL;
	int rc = wats_call(&r, c, "product.get_product", p, 1, NULL, 0);
	rc = rc ? rc : wats__json_parse(&j, r, "product");
	rc = rc ? rc : product_from(out, j);
	json_object_put(j);
	wats_response_free(r);
	return rc;
}

/* PUT a JSON object to a route and parse the answer with from() when out is wanted. */
static int put_object(json_object *body, wats_client *c, const char *route, json_object **answer)
{
	char *text = wats__jtext(body);
	if (!text)
		return wats__error_oom();
	wats_response *r = NULL;
	int rc = wats_call(&r, c, route, NULL, 0, text, strlen(text));
	free(text);
	if (rc == 0 && answer)
		rc = wats__json_parse(answer, r, route);
	wats_response_free(r);
	return rc;
}

int wats_api_save_product(wats_product **out, wats_client *c, const wats_product *p)
{
	if (out)
		*out = NULL;
	if (!c || !p || !p->part_number || !*p->part_number)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "save product: no part number");
	json_object *o = NULL, *ans = NULL;
	int rc = wats__jbase(&o, p->json);
	if (rc)
		return rc;
	/* The revisions travel with their own route; keep what the server had. */
	if ((rc = wats__jset_str(o, "partNumber", p->part_number)) ||
	    (p->name && (rc = wats__jset_str(o, "name", p->name))) ||
	    (p->description && (rc = wats__jset_str(o, "description", p->description))) ||
	    (rc = wats__jset_bool(o, "nonSerial", p->non_serial)) ||
	    (rc = wats__jset_int(o, "state", p->state)) ||
	    (p->product_id && (rc = wats__jset_str(o, "productId", p->product_id))))
		goto done;
	rc = put_object(o, c, "product.create_product", out ? &ans : NULL);
	if (rc == 0 && out)
		rc = ans ? product_from(out, ans) : wats_api_get_product(out, c, p->part_number);
done:
	json_object_put(ans);
	json_object_put(o);
	return rc;
}

int wats_api_save_revision(wats_product_revision **out, wats_client *c, const wats_product_revision *rev)
{
	if (out)
		*out = NULL;
	if (!c || !rev || !rev->part_number || !rev->revision)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "save revision: part number and revision are required");
	char *pid = rev->product_id ? strdup(rev->product_id) : NULL;
	int rc = 0;
	if (!pid) {
		wats_product *p = NULL;
		rc = wats_api_get_product(&p, c, rev->part_number);
		if (rc == 0 && !(pid = p->product_id ? strdup(p->product_id) : NULL))
			rc = wats__error(WATS_EPARSE, WATS_ERRCLASS_JSON,
					 "save revision: product '%s' has no productId", rev->part_number);
		wats_product_free(p);
		if (rc)
			return rc;
	}
	json_object *o = NULL, *ans = NULL;
	if ((rc = wats__jbase(&o, rev->json)))
		goto done;
	if ((rc = wats__jset_str(o, "partNumber", rev->part_number)) ||
	    (rc = wats__jset_str(o, "revision", rev->revision)) ||
	    (rc = wats__jset_str(o, "productId", pid)) ||
	    (rev->name && (rc = wats__jset_str(o, "name", rev->name))) ||
	    (rev->description && (rc = wats__jset_str(o, "description", rev->description))) ||
	    (rc = wats__jset_int(o, "state", rev->state)) ||
	    (rev->product_revision_id && (rc = wats__jset_str(o, "productRevisionId", rev->product_revision_id))))
		goto done;
	rc = put_object(o, c, "product.create_revision", out ? &ans : NULL);
	if (rc == 0 && out) {
		if (!ans || !json_object_is_type(ans, json_type_object)) {
			rc = wats__error(WATS_EPARSE, WATS_ERRCLASS_JSON, "save revision: the answer is not an object");
		} else if (!(*out = calloc(1, sizeof(**out)))) {
			rc = wats__error_oom();
		} else {
			revision_from(*out, ans, rev->part_number);
		}
	}
done:
	free(pid);
	json_object_put(ans);
	json_object_put(o);
	return rc;
}
