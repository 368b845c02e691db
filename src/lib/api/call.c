/*
 * wats_call: any route of the table by name, with key=value parameters. The table says where
 * each parameter goes (path placeholder or query string), how the body is sent and how the
 * client treats the route (retry, cache, Referer), so callers never hand-build URLs.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/routes.h"
#include "http/url.h"
#include "util/buf.h"
#include "util/error.h"

size_t wats_route_count(void)
{
	return wats__route_count;
}

const wats_route *wats_route_at(size_t i)
{
	return i < wats__route_count ? &wats__routes[i] : NULL;
}

const wats_route *wats_route_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < wats__route_count; i++)
		if (!strcmp(wats__routes[i].name, name) || !strcasecmp(wats__routes[i].id, name))
			return &wats__routes[i];
	return NULL;
}

/* Is key one of the comma-separated names in list? */
static int in_list(const char *list, const char *key, size_t klen)
{
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == klen && !strncmp(p, key, n))
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* Does a placeholder text ("partNumber", "assetId or serialNumber") accept key? */
static int placeholder_accepts(const char *ph, size_t phlen, const char *key)
{
	size_t klen = strlen(key);
	if (klen == phlen && !strncmp(ph, key, klen))
		return 1;
	for (const char *p = ph; p < ph + phlen;) {
		const char *e = strstr(p, " or ");
		size_t n = e && e < ph + phlen ? (size_t)(e - p) : (size_t)(ph + phlen - p);
		if (n == klen && !strncmp(p, key, n))
			return 1;
		if (!e || e >= ph + phlen)
			break;
		p = e + 4;
	}
	return 0;
}

static int usage_error(const wats_route *r, const char *what)
{
	return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
			   "%s (%s %s): %s; path placeholders are in {}, query parameters: %s", r->name,
			   r->method, r->path, what, r->query[0] ? r->query : "none");
}

int wats_call(wats_response **out, wats_client *client, const char *route,
	      const wats_param *params, size_t nparams, const void *body, size_t body_len)
{
	if (out)
		*out = NULL;
	if (!out || !client || !route || (nparams && !params))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_call: NULL argument");
	const wats_route *r = wats_route_find(route);
	if (!r)
		return wats__error(WATS_ENOTFOUND, WATS_ERRCLASS_INVALID,
				   "no route named '%s' (see `wats api list`)", route);
	if (body && r->body == WATS_BODY_NONE)
		return usage_error(r, "this route takes no body");

	char used[64] = { 0 };
	if (nparams > sizeof(used))
		return usage_error(r, "too many parameters");
	wats_buf path = WATS_BUF_INIT;
	int rc = 0;
	for (const char *p = r->path; *p && rc == 0;) {
		const char *open = strchr(p, '{');
		if (!open) {
			rc = wats__buf_puts(&path, p);
			break;
		}
		rc = wats__buf_put(&path, p, (size_t)(open - p));
		const char *close = strchr(open, '}');
		size_t phlen = (size_t)(close - open - 1);
		size_t i = 0;
		while (i < nparams && !(params[i].key && placeholder_accepts(open + 1, phlen, params[i].key)))
			i++;
		if (i == nparams || !params[i].value || !*params[i].value) {
			char msg[160];
			snprintf(msg, sizeof(msg), "missing path parameter %.*s=VALUE", (int)phlen, open + 1);
			wats__buf_dispose(&path);
			return usage_error(r, msg);
		}
		used[i] = 1;
		rc = rc ? rc : wats__url_escape(&path, params[i].value, NULL);
		p = close + 1;
	}
	const char **kv = calloc(nparams * 2 + 1, sizeof(*kv));
	if (rc || !kv) {
		free(kv);
		wats__buf_dispose(&path);
		return rc ? rc : wats__error_oom();
	}
	size_t nkv = 0;
	for (size_t i = 0; i < nparams; i++) {
		if (used[i])
			continue;
		const char *k = params[i].key ? params[i].key : "";
		if (!in_list(r->query, k, strlen(k))) {
			char msg[160];
			snprintf(msg, sizeof(msg), "unknown parameter '%s'", k);
			free(kv);
			wats__buf_dispose(&path);
			return usage_error(r, msg);
		}
		kv[nkv++] = k;
		kv[nkv++] = params[i].value ? params[i].value : "";
	}
	kv[nkv] = NULL;

	wats_request req = WATS_REQUEST_INIT;
	req.method = r->method;
	req.path = path.ptr;
	req.query = kv;
	req.body = body;
	req.body_len = body ? body_len : 0;
	req.content_type = r->body == WATS_BODY_RAW ? r->content_type : "application/json";
	req.accept = (r->flags & WATS_ROUTE_RAW_RESPONSE) ? "*/*" : "application/json";
	req.cache_tags = r->cache_tags;
	req.invalidate_tags = r->invalidates;
	if (r->flags & WATS_ROUTE_INTERNAL)
		req.flags |= WATS_REQ_INTERNAL;
	if (r->flags & WATS_ROUTE_IDEMPOTENT)
		req.flags |= WATS_REQ_IDEMPOTENT;
	if (r->flags & WATS_ROUTE_KEEP_CACHE)
		req.flags |= WATS_REQ_KEEP_CACHE;
	rc = wats_client_request(out, client, &req);
	free(kv);
	wats__buf_dispose(&path);
	return rc;
}
