#include "http.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	char *p;
	size_t n;
} sink;

static size_t collect(char *data, size_t size, size_t nmemb, void *u)
{
	sink *s = u;
	size_t add = size * nmemb;
	char *p = realloc(s->p, s->n + add + 1);
	if (!p)
		return 0;
	memcpy(p + s->n, data, add);
	s->p = p;
	s->n += add;
	s->p[s->n] = '\0';
	return add;
}

th_resp th_request(const tu_devserver *s, const char *method, const char *path,
		   const char *body, size_t len, const char *content_type, const char *auth)
{
	th_resp r = { 0 };
	sink b = { 0 }, h = { 0 };
	CURL *c = curl_easy_init();
	assert_non_null(c);
	/* Sized to the path: tests send query strings of tens of KB. */
	size_t ulen = strlen(tu_devserver_url(s)) + strlen(path) + 1;
	char *url = malloc(ulen), hdr[512];
	assert_non_null(url);
	snprintf(url, ulen, "%s%s", tu_devserver_url(s), path);
	struct curl_slist *hl = NULL;
	if (auth != TH_NO_AUTH) {
		if (auth)
			snprintf(hdr, sizeof(hdr), "Authorization: %s", auth);
		else
			snprintf(hdr, sizeof(hdr), "Authorization: Basic %s", tu_devserver_token(s));
		hl = curl_slist_append(hl, hdr);
	}
	if (content_type) {
		snprintf(hdr, sizeof(hdr), "Content-Type: %s", content_type);
		hl = curl_slist_append(hl, hdr);
	}
	hl = curl_slist_append(hl, "Accept: application/json");
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	free(url); /* libcurl keeps its own copy */
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	} else if (!strcmp(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	r.curl = curl_easy_perform(c);
	if (r.curl == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r.seconds);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	r.body = b.p ? b.p : calloc(1, 1);
	r.len = b.n;
	r.headers = h.p ? h.p : calloc(1, 1);
	return r;
}

th_resp th_get(const tu_devserver *s, const char *path)
{
	return th_request(s, "GET", path, NULL, 0, NULL, NULL);
}

th_resp th_post(const tu_devserver *s, const char *path, const char *json)
{
	return th_request(s, "POST", path, json, json ? strlen(json) : 0, "application/json", NULL);
}

th_resp th_put(const tu_devserver *s, const char *path, const char *json)
{
	return th_request(s, "PUT", path, json, json ? strlen(json) : 0, "application/json", NULL);
}

th_resp th_delete(const tu_devserver *s, const char *path)
{
	return th_request(s, "DELETE", path, NULL, 0, NULL, NULL);
}

void th_free(th_resp *r)
{
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

json_object *th_json(const th_resp *r)
{
	json_object *o = json_tokener_parse(r->body);
	if (!o && strcmp(r->body, "null"))
		fail_msg("response (HTTP %ld) is not JSON: %.300s", r->status, r->body);
	return o;
}

const char *th_header(const th_resp *r, const char *name, char *buf, size_t size)
{
	size_t nl = strlen(name);
	for (const char *l = r->headers; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncasecmp(l, name, nl) && l[nl] == ':') {
			const char *v = l + nl + 1;
			while (*v == ' ')
				v++;
			size_t n = strcspn(v, "\r\n");
			snprintf(buf, size, "%.*s", (int)n, v);
			return buf;
		}
	}
	return NULL;
}

char *th_escape(const char *s)
{
	return curl_easy_escape(NULL, s, 0);
}

const char *th_str(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

void th_expect(const th_resp *r, long status)
{
	if (r->status != status)
		fail_msg("expected HTTP %ld, got %ld (curl: %s): %.500s", status, r->status,
			 curl_easy_strerror(r->curl), r->body);
	if (status >= 400) {
		json_object *o = th_json(r);
		const char *m = th_str(o, "message");
		if (!m || !*m)
			fail_msg("error response without a JSON message: %.300s", r->body);
		json_object_put(o);
	}
}
