/*
 * One logical request: cache, breaker gate, attempts with backoff, error mapping, logging.
 * The order matters: a cached static answer is served even while the breaker is open (the
 * data is still right), and the breaker is asked before anything is allocated for the wire so
 * a refused call costs a lock and a message.
 */
#include "http/client_int.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/url.h"
#include "util/error.h"

#define LOGGER "wats.http"

int wats__http_status_code(int s)
{
	if (s >= 200 && s < 300)
		return 0;
	switch (s) {
	case 400: return WATS_EVALIDATION;
	case 401: return WATS_EAUTH;
	case 403: return WATS_EFORBIDDEN;
	case 404: return WATS_ENOTFOUND;
	case 409: return WATS_ECONFLICT;
	case 429: return WATS_ERATELIMIT;
	default: return s >= 500 && s < 600 ? WATS_ESERVER : WATS_EHTTP;
	}
}

void wats_response_free(wats_response *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->content_type);
	free(r);
}

/* The server's own words: message/Message/error/detail/title of a JSON body, else the text. */
static void server_message(char *dst, size_t cap, const char *body, size_t len)
{
	dst[0] = '\0';
	if (!len)
		return;
	const char *p = body;
	while (p < body + len && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	if (p < body + len && (*p == '{' || *p == '"')) {
		json_object *j = json_tokener_parse(body);
		if (j && json_object_is_type(j, json_type_string)) {
			snprintf(dst, cap, "%s", json_object_get_string(j));
			json_object_put(j);
			return;
		}
		static const char *const keys[] = { "message", "Message", "error", "detail", "title" };
		for (size_t i = 0; j && i < sizeof(keys) / sizeof(keys[0]); i++) {
			json_object *v;
			if (json_object_object_get_ex(j, keys[i], &v) && json_object_is_type(v, json_type_string)) {
				snprintf(dst, cap, "%s", json_object_get_string(v));
				json_object_put(j);
				return;
			}
		}
		json_object_put(j);
	}
	size_t n = len < cap - 1 ? len : cap - 1;
	memcpy(dst, body, n);
	dst[n] = '\0';
	for (char *q = dst; *q; q++)
		if (*q == '\n' || *q == '\r' || *q == '\t')
			*q = ' ';
}

static int retryable_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_UNSUPPORTED_PROTOCOL: case CURLE_URL_MALFORMAT: case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE: case CURLE_SSL_CERTPROBLEM: case CURLE_WRITE_ERROR:
	case CURLE_OUT_OF_MEMORY: case CURLE_TOO_MANY_REDIRECTS: case CURLE_ABORTED_BY_CALLBACK:
		return 0;
	default:
		return 1;
	}
}

static int method_idempotent(const char *m)
{
	return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "PUT") ||
	       !strcmp(m, "DELETE") || !strcmp(m, "OPTIONS");
}

static void make_cid(char *dst, size_t cap, wats_client *c, const char *given)
{
	if (!given)
		given = wats_log_correlation_id();
	if (given) {
		snprintf(dst, cap, "%s", given);
		return;
	}
	snprintf(dst, cap, "%016llx", (unsigned long long)c->clock.rand64(c->clock.payload));
}

static void set_method(CURL *e, const char *m, const void *body, size_t len)
{
	curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
	if (!strcmp(m, "GET") && !body) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(m, "HEAD")) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (!body && !strcmp(m, "DELETE")) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
	} else {
		/* POSTFIELDS is not copied: the caller's buffer outlives the transfer. */
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
		if (strcmp(m, "POST"))
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
	}
}

static struct curl_slist *add_header(struct curl_slist *l, const char *h, int *oom)
{
	struct curl_slist *n = curl_slist_append(l, h);
	if (!n)
		*oom = 1;
	return n ? n : l;
}

static int build_headers(struct curl_slist **out, const wats__target *t, const wats_request *r,
			 const char *cid)
{
	int oom = 0;
	char tmp[384];
	struct curl_slist *l = NULL;
	if (t->auth_header)
		l = add_header(l, t->auth_header, &oom);
	snprintf(tmp, sizeof(tmp), "Accept: %s", r->accept ? r->accept : "application/json");
	l = add_header(l, tmp, &oom);
	if (r->body) {
		snprintf(tmp, sizeof(tmp), "Content-Type: %s",
			 r->content_type ? r->content_type : "application/json");
		l = add_header(l, tmp, &oom);
	}
	/* libcurl would wait for "100 Continue" before sending a large body: a wasted round trip. */
	l = add_header(l, "Expect:", &oom);
	snprintf(tmp, sizeof(tmp), "X-Correlation-ID: %s", cid);
	l = add_header(l, tmp, &oom);
	if (r->flags & WATS_REQ_INTERNAL)
		l = add_header(l, t->referer, &oom);
	if (oom) {
		curl_slist_free_all(l);
		return wats__error_oom();
	}
	*out = l;
	return 0;
}

typedef struct {
	int status;         /* HTTP status of the last attempt, 0 if none */
	CURLcode cc;        /* transport result of the last attempt */
	unsigned int attempts;
	int64_t retry_after;/* ms, last answer, -1 none */
	int gave_up_wait;   /* stopped because Retry-After asked for more than we may wait */
} outcome;

static void log_attempt(wats_client *c, const wats_request *r, const char *cid, const outcome *o,
			uint64_t dt)
{
	if (!wats__log_enabled(&c->log, WATS_LOG_DEBUG))
		return;
	char st[16], ms[32], at[16];
	snprintf(st, sizeof(st), "%d", o->status);
	snprintf(ms, sizeof(ms), "%llu", (unsigned long long)dt);
	snprintf(at, sizeof(at), "%u", o->attempts);
	wats_log_field f[] = { { "method", r->method, 0 }, { "path", r->path, 0 },
			       { "status", st, 1 }, { "duration_ms", ms, 1 }, { "attempt", at, 1 } };
	wats__log(&c->log, WATS_LOG_DEBUG, LOGGER, cid, f, 5, "%s %s -> %s", r->method, r->path,
		  o->cc == CURLE_OK ? st : curl_easy_strerror(o->cc));
}

/* The attempt loop. Returns 0 when an answer (any status) or a final transport error is in o. */
static int perform(wats_client *c, const wats__target *t, wats__conn *k, const wats_request *r,
		   const char *url, struct curl_slist *hdrs, const char *cid, uint64_t deadline,
		   outcome *o)
{
	CURL *e = k->easy;
	int may_retry = !(r->flags & WATS_REQ_NO_RETRY) &&
			((r->flags & WATS_REQ_IDEMPOTENT) || method_idempotent(r->method));
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	set_method(e, r->method, r->body, r->body_len);
	for (;;) {
		uint64_t now = c->clock.now_ms(c->clock.payload);
		if (now >= deadline) {
			o->cc = CURLE_OPERATION_TIMEDOUT;
			o->status = 0;
			return 0;
		}
		long tmo = t->request_timeout_ms;
		if ((uint64_t)tmo > deadline - now)
			tmo = (long)(deadline - now);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, tmo);
		k->body.len = 0;
		k->retry_after[0] = k->content_type[0] = '\0';
		k->errbuf[0] = '\0';
		o->attempts++;
		atomic_fetch_add(&c->n_attempts, 1);
		if (o->attempts > 1)
			atomic_fetch_add(&c->n_retries, 1);
		o->cc = curl_easy_perform(e);
		long status = 0;
		if (o->cc == CURLE_OK)
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		o->status = (int)status;
		uint64_t after = c->clock.now_ms(c->clock.payload);
		log_attempt(c, r, cid, o, after - now);
		o->retry_after = k->retry_after[0]
			? wats__retry_after_ms(k->retry_after, c->clock.wall_s(c->clock.payload)) : -1;
		int transient = o->cc != CURLE_OK ? retryable_curl(o->cc) : wats__retry_status(o->status);
		if (!may_retry || !transient)
			return 0;
		int64_t remaining = (int64_t)(deadline - after);
		int64_t d = wats__retry_delay(&c->retry, o->attempts, o->cc == CURLE_OK ? o->retry_after : -1,
					      c->clock.rand64(c->clock.payload), remaining);
		if (d < 0) {
			o->gave_up_wait = o->retry_after >= 0 && o->attempts < c->retry.attempts;
			return 0;
		}
		if (wats__log_enabled(&c->log, WATS_LOG_INFO)) {
			char why[64];
			if (o->cc == CURLE_OK)
				snprintf(why, sizeof(why), "HTTP %d", o->status);
			else
				snprintf(why, sizeof(why), "%s", curl_easy_strerror(o->cc));
			wats__log(&c->log, WATS_LOG_INFO, LOGGER, cid, NULL, 0,
				  "retry %u/%u for %s %s after %.3f s (%s)", o->attempts + 1,
				  c->retry.attempts, r->method, r->path, (double)d / 1000.0, why);
		}
		if (d > 0)
			c->clock.sleep_ms(c->clock.payload, (uint64_t)d);
	}
}

static int raise_transport(const wats__target *t, const wats_request *r, const outcome *o,
			   const char *errbuf)
{
	int code = o->cc == CURLE_OPERATION_TIMEDOUT ? WATS_ETIMEOUT : WATS_ETRANSPORT;
	return wats__error(code, WATS_ERRCLASS_HTTP, "%s %s%s: %s after %u attempt%s", r->method,
			   t->base_url, r->path, errbuf[0] ? errbuf : curl_easy_strerror(o->cc),
			   o->attempts, o->attempts == 1 ? "" : "s");
}

static int raise_status(const wats_request *r, const outcome *o, const wats_response *resp)
{
	char msg[512];
	server_message(msg, sizeof(msg), resp->body, resp->body_len);
	int code = wats__http_status_code(o->status);
	char extra[96] = "";
	if (o->gave_up_wait)
		snprintf(extra, sizeof(extra), " (server asked to retry after %.1f s, more than allowed)",
			 (double)o->retry_after / 1000.0);
	else if (o->attempts > 1)
		snprintf(extra, sizeof(extra), " (after %u attempts)", o->attempts);
	wats__error(code, WATS_ERRCLASS_HTTP, "%s %s: HTTP %d%s%s%s", r->method, r->path, o->status,
		    msg[0] ? ": " : "", msg, extra);
	wats__error_set_http(o->status);
	wats__error_set_retry_after((long)o->retry_after);
	return code;
}

static int is_write(const char *m)
{
	return strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
}

int wats_client_request(wats_response **out, wats_client *c, const wats_request *r)
{
	if (out)
		*out = NULL;
	if (!out || !c || !r || r->version != WATS_REQUEST_VERSION || !r->method || !r->path ||
	    r->path[0] != '/')
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_client_request: need out, client, and a request with a method "
				   "and a path starting with '/'");
	atomic_fetch_add(&c->n_requests, 1);
	/* The server, credentials and proxy of this whole call (wats_client_reconfigure). */
	const wats__target *t = wats__client_target(c);

	wats_buf url = WATS_BUF_INIT;
	int rc = wats__buf_puts(&url, t->base_url);
	rc = rc ? rc : wats__buf_puts(&url, r->path);
	rc = rc ? rc : wats__url_query(&url, r->query);
	if (rc) {
		wats__buf_dispose(&url);
		return rc;
	}
	/* The whole URL: an answer of the server before a wats_client_reconfigure (a call in
	 * flight stores it after the cache was cleared) is never one of the new server's. */
	const char *key = url.ptr;
	int cacheable = r->cache_tags && !(c->flags & WATS_CLIENT_NO_CACHE) && !strcmp(r->method, "GET");
	if (cacheable && !(r->flags & WATS_REQ_NO_CACHE)) {
		uint64_t now = c->clock.now_ms(c->clock.payload);
		rc = wats__cache_get(out, &c->cache, key, now);
		if (rc != WATS_ENOTFOUND) {
			wats__buf_dispose(&url);
			if (rc == 0)
				make_cid((*out)->correlation_id, sizeof((*out)->correlation_id), c,
					 r->correlation_id);
			return rc;
		}
	}

	int probe;
	uint64_t wait_ms;
	if (wats__breaker_acquire(&c->breaker, c->clock.now_ms(c->clock.payload), &probe, &wait_ms)) {
		wats__buf_dispose(&url);
		atomic_fetch_add(&c->n_failures, 1);
		if (wait_ms)
			return wats__error(WATS_EBREAKER, WATS_ERRCLASS_HTTP,
					   "%s %s: not sent, circuit breaker for %s is open after repeated "
					   "failures; next probe in %.1f s", r->method, r->path, t->base_url,
					   (double)wait_ms / 1000.0);
		return wats__error(WATS_EBREAKER, WATS_ERRCLASS_HTTP,
				   "%s %s: not sent, circuit breaker for %s is half-open and its probe "
				   "request is in flight", r->method, r->path, t->base_url);
	}

	char cid[64];
	make_cid(cid, sizeof(cid), c, r->correlation_id);
	struct curl_slist *hdrs = NULL;
	wats__conn *k = NULL;
	if ((rc = build_headers(&hdrs, t, r, cid)) || (rc = wats__conn_get(&k, c, t))) {
		wats__breaker_record(&c->breaker, c->clock.now_ms(c->clock.payload), probe,
				     WATS__OUTCOME_CANCEL);
		curl_slist_free_all(hdrs);
		wats__buf_dispose(&url);
		atomic_fetch_add(&c->n_failures, 1);
		return rc;
	}

	uint64_t start = c->clock.now_ms(c->clock.payload);
	long total = r->timeout_ms > 0 ? r->timeout_ms : t->total_timeout_ms;
	outcome o = { 0, CURLE_OK, 0, -1, 0 };
	perform(c, t, k, r, url.ptr, hdrs, cid, start + (uint64_t)total, &o);
	uint64_t end = c->clock.now_ms(c->clock.payload);
	curl_slist_free_all(hdrs);

	int failed = o.cc != CURLE_OK || o.status >= 500;
	wats_breaker_state before = c->breaker.enabled ? wats__breaker_state(&c->breaker) : WATS_BREAKER_CLOSED;
	wats_breaker_state after = wats__breaker_record(&c->breaker, end, probe,
		failed ? WATS__OUTCOME_FAILURE : WATS__OUTCOME_SUCCESS);
	if (after != before)
		wats__log(&c->log, after == WATS_BREAKER_CLOSED ? WATS_LOG_INFO : WATS_LOG_WARNING,
			  LOGGER, cid, NULL, 0, "circuit breaker for %s is now %s", t->base_url,
			  wats_breaker_state_name(after));

	/* A write may have changed what we cached even when it failed: drop it either way. */
	if (is_write(r->method))
		wats__cache_invalidate(&c->cache, (r->flags & WATS_REQ_KEEP_CACHE) ? r->invalidate_tags
				       : r->invalidate_tags ? r->invalidate_tags : WATS_CACHE_ALL);

	if (o.cc != CURLE_OK) {
		rc = raise_transport(t, r, &o, k->errbuf);
		wats__conn_put(c, k);
		wats__buf_dispose(&url);
		atomic_fetch_add(&c->n_failures, 1);
		wats__log(&c->log, WATS_LOG_WARNING, LOGGER, cid, NULL, 0, "%s", wats_error_last()->message);
		return rc;
	}

	wats_response *resp = calloc(1, sizeof(*resp));
	if (!resp || wats__buf_grow(&k->body, 0) < 0) {
		free(resp);
		wats__conn_put(c, k);
		wats__buf_dispose(&url);
		return wats__error_oom();
	}
	resp->status = o.status;
	resp->attempts = o.attempts;
	resp->content_type = k->content_type[0] ? strdup(k->content_type) : NULL;
	resp->body = wats__buf_detach(&k->body, &resp->body_len);
	snprintf(resp->correlation_id, sizeof(resp->correlation_id), "%s", cid);
	wats__conn_put(c, k);

	rc = wats__http_status_code(o.status);
	if (rc == 0 && cacheable)
		wats__cache_put(&c->cache, key, r->cache_tags, end, resp);
	wats__buf_dispose(&url);
	if (rc) {
		raise_status(r, &o, resp);
		atomic_fetch_add(&c->n_failures, 1);
		wats__log(&c->log, o.status >= 500 ? WATS_LOG_WARNING : WATS_LOG_INFO, LOGGER, cid, NULL, 0,
			  "%s", wats_error_last()->message);
	}
	*out = resp;
	return rc;
}

int wats_client_ping(char **version_out, wats_client *c)
{
	if (version_out)
		*version_out = NULL;
	wats_request r = WATS_REQUEST_INIT;
	r.method = "GET";
	r.path = "/api/App/Version";
	r.cache_tags = WATS_CACHE_VERSION;
	r.flags = WATS_REQ_NO_CACHE; /* a ping must reach the server */
	wats_response *resp = NULL;
	int rc = wats_client_request(&resp, c, &r);
	if (rc == 0 && version_out) {
		/* The answer is a JSON string ("2025.3.9.824") or plain text. */
		json_object *j = json_tokener_parse(resp->body);
		const char *v = j && json_object_is_type(j, json_type_string) ? json_object_get_string(j)
									      : resp->body;
		if (!(*version_out = strdup(v)))
			rc = wats__error_oom();
		json_object_put(j);
	}
	wats_response_free(resp);
	return rc;
}
