/*
 * Client construction and the pool of libcurl handles. Each handle is configured once (TLS,
 * proxy, timeouts, callbacks) and keeps its connection alive between calls; a call borrows a
 * handle for its whole duration, so a single-threaded program always reuses the same one and
 * concurrent callers never share a handle (libcurl handles are not thread-safe).
 */
#include "http/client_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/url.h"
#include "util/error.h"
#include "wats/version.h"

#define BODY_LIMIT ((size_t)512 * 1024 * 1024)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int wats_client_options_init(wats_client_options *opts, unsigned int version)
{
	if (!opts || version != WATS_CLIENT_OPTIONS_VERSION)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_client_options_init: unsupported version %u", version);
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	return 0;
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src && !(*dst = strdup(src)))
		return wats__error_oom();
	return 0;
}

static void conn_free(wats__conn *k);

static void target_free(wats__target *t)
{
	while (t) {
		wats__target *older = t->older;
		wats__station_dispose(&t->station);
		free(t->base_url);
		free(t->referer);
		free(t->auth_header);
		free(t->ca_file);
		free(t->proxy);
		free(t->no_proxy);
		free(t->proxy_username);
		free(t->proxy_password);
		free(t);
		t = older;
	}
}

/* Build a target from the options (the part wats_client_reconfigure may change). */
static int target_new(wats__target **out, const wats_client_options *o)
{
	*out = NULL;
	wats__target *t = calloc(1, sizeof(*t));
	if (!t)
		return wats__error_oom();
	t->request_timeout_ms = o->request_timeout_ms > 0 ? o->request_timeout_ms : 30000;
	t->total_timeout_ms = o->total_timeout_ms > 0 ? o->total_timeout_ms : 120000;
	int rc = wats__url_normalize(&t->base_url, &t->referer, o->base_url);
	if (rc)
		goto fail;
	/* Keep "Referer: " in front so the header is built once. */
	char *ref = malloc(strlen(t->referer) + 10);
	if (!ref) {
		rc = wats__error_oom();
		goto fail;
	}
	strcpy(ref, "Referer: ");
	strcat(ref, t->referer);
	free(t->referer);
	t->referer = ref;
	if (o->token && *o->token) {
		if (strpbrk(o->token, "\r\n")) {
			rc = wats__error(WATS_EINVAL, WATS_ERRCLASS_CONFIG,
					 "the token contains a line break; give the base64 text only");
			goto fail;
		}
		t->auth_header = malloc(strlen(o->token) + 22);
		if (!t->auth_header) {
			rc = wats__error_oom();
			goto fail;
		}
		strcpy(t->auth_header, "Authorization: Basic ");
		strcat(t->auth_header, o->token);
	}
	if ((rc = dup_opt(&t->ca_file, o->ca_file)) || (rc = dup_opt(&t->proxy, o->proxy)) ||
	    (rc = dup_opt(&t->no_proxy, o->no_proxy)) ||
	    (rc = dup_opt(&t->proxy_username, o->proxy_username)) ||
	    (rc = dup_opt(&t->proxy_password, o->proxy_password)))
		goto fail;
	rc = wats__station_resolve(&t->station, o->station_name, o->location, o->purpose,
				   o->station_file);
	if (rc)
		goto fail;
	t->pub_station.name = t->station.name;
	t->pub_station.location = t->station.location;
	t->pub_station.purpose = t->station.purpose;
	t->pub_station.source = t->station.source;
	*out = t;
	return 0;
fail:
	target_free(t);
	return rc;
}

int wats_client_new(wats_client **out, const wats_client_options *o)
{
	if (!out)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_client_new: out is NULL");
	*out = NULL;
	if (!o || o->version != WATS_CLIENT_OPTIONS_VERSION)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_client_new: options missing or of an unknown version");
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return wats__error(WATS_ETRANSPORT, WATS_ERRCLASS_HTTP, "libcurl initialisation failed: %s",
				   curl_easy_strerror(curl_init_rc));

	wats_client *c = calloc(1, sizeof(*c));
	if (!c)
		return wats__error_oom();
	pthread_mutex_init(&c->pool_lock, NULL);
	pthread_mutex_init(&c->target_lock, NULL);
	c->clock = wats__clock_real;
	c->flags = o->flags;
	c->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
	c->retry.attempts = (o->flags & WATS_CLIENT_NO_RETRY) ? 1
			    : o->retry_attempts ? o->retry_attempts : 3;
	c->retry.base_ms = o->retry_base_ms ? o->retry_base_ms : 500;
	c->retry.max_ms = o->retry_max_delay_ms ? o->retry_max_delay_ms : 30000;
	wats__breaker_init(&c->breaker, o->breaker_failures,
			   o->breaker_open_ms ? o->breaker_open_ms : 30000, o->breaker_successes,
			   !(o->flags & WATS_CLIENT_NO_BREAKER));
	wats__cache_init(&c->cache, o->cache_ttl_ms ? o->cache_ttl_ms : 300000, o->cache_max_entries);
	c->log.cb = o->log_cb;
	c->log.payload = o->log_payload;
	c->log.level = o->log_level ? o->log_level : WATS_LOG_INFO;

	wats__target *t = NULL;
	int rc = target_new(&t, o);
	if (!rc && !(c->user_agent = strdup(o->user_agent ? o->user_agent : "libwats/" WATS_VERSION)))
		rc = wats__error_oom();
	if (rc) {
		target_free(t);
		wats_client_free(c);
		return rc;
	}
	atomic_store(&c->target, t);
	*out = c;
	return 0;
}

int wats_client_reconfigure(wats_client *c, const wats_client_options *o)
{
	if (!c || !o || o->version != WATS_CLIENT_OPTIONS_VERSION)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_client_reconfigure: need a client and options of a known version");
	wats__target *t = NULL;
	int rc = target_new(&t, o);
	if (rc)
		return rc;
	pthread_mutex_lock(&c->target_lock);
	wats__target *cur = atomic_load(&c->target);
	t->older = cur;
	t->gen = cur->gen + 1;
	int same_server = !strcmp(cur->base_url, t->base_url);
	atomic_store(&c->target, t);
	pthread_mutex_unlock(&c->target_lock);
	wats__breaker_set_limits(&c->breaker, o->breaker_failures,
				 o->breaker_open_ms ? o->breaker_open_ms : 30000, o->breaker_successes);
	if (!same_server) {
		/* Another server: what the old one answered and how it failed says nothing about it. */
		wats__cache_invalidate(&c->cache, WATS_CACHE_ALL);
		wats__breaker_reset(&c->breaker);
	}
	/* Idle handles of the old target are closed now; busy ones when they come back. */
	pthread_mutex_lock(&c->pool_lock);
	wats__conn *idle = c->pool;
	c->pool = NULL;
	pthread_mutex_unlock(&c->pool_lock);
	while (idle) {
		wats__conn *k = idle;
		idle = k->next;
		conn_free(k);
	}
	return 0;
}

void wats_client_free(wats_client *c)
{
	if (!c)
		return;
	while (c->pool) {
		wats__conn *k = c->pool;
		c->pool = k->next;
		conn_free(k);
	}
	pthread_mutex_destroy(&c->pool_lock);
	pthread_mutex_destroy(&c->target_lock);
	wats__breaker_dispose(&c->breaker);
	wats__cache_dispose(&c->cache);
	target_free(atomic_load(&c->target));
	free(c->user_agent);
	free(c);
}

const char *wats_client_base_url(const wats_client *c)
{
	return c ? wats__client_target(c)->base_url : NULL;
}

const wats_station *wats_client_station(const wats_client *c)
{
	return c ? &wats__client_target(c)->pub_station : NULL;
}

void wats__client_set_clock(wats_client *c, const wats__clock *clock)
{
	c->clock = clock ? *clock : wats__clock_real;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	wats__conn *k = ud;
	size_t len = size * n;
	if (k->body.len + len > k->body_limit)
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	return wats__buf_put(&k->body, data, len) ? 0 : len;
}

/* Copy the value of header "name: value" into dst when the line is that header. */
static void grab(char *dst, size_t cap, const char *line, size_t len, const char *name)
{
	size_t nl = strlen(name);
	if (len <= nl || strncasecmp(line, name, nl) || line[nl] != ':')
		return;
	const char *v = line + nl + 1;
	const char *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	size_t n = (size_t)(end - v) < cap - 1 ? (size_t)(end - v) : cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	wats__conn *k = ud;
	size_t len = size * n;
	if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
		/* A new response (after 100-continue or a redirect): forget the previous one's. */
		k->retry_after[0] = k->content_type[0] = '\0';
		k->body.len = 0;
	}
	grab(k->retry_after, sizeof(k->retry_after), data, len, "retry-after");
	grab(k->content_type, sizeof(k->content_type), data, len, "content-type");
	return len;
}

static int conn_new(wats__conn **out, wats_client *c, const wats__target *t)
{
	wats__conn *k = calloc(1, sizeof(*k));
	if (!k || !(k->easy = curl_easy_init())) {
		free(k);
		return wats__error_oom();
	}
	CURL *e = k->easy;
	k->body_limit = BODY_LIMIT;
	k->gen = t->gen;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L); /* signals and threads do not mix */
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, k->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, k);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (c->flags & WATS_CLIENT_HTTP1)
			 ? (long)CURL_HTTP_VERSION_1_1 : (long)CURL_HTTP_VERSION_2TLS);
	/* Follow redirects (http -> https front ends) keeping the method; libcurl does not send
	 * our Authorization header to another host. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(e, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
	if (c->flags & WATS_CLIENT_INSECURE) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (t->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, t->ca_file);
	if (t->proxy)
		curl_easy_setopt(e, CURLOPT_PROXY, t->proxy);
	if (t->no_proxy)
		curl_easy_setopt(e, CURLOPT_NOPROXY, t->no_proxy);
	if (t->proxy_username)
		curl_easy_setopt(e, CURLOPT_PROXYUSERNAME, t->proxy_username);
	if (t->proxy_password)
		curl_easy_setopt(e, CURLOPT_PROXYPASSWORD, t->proxy_password);
	atomic_fetch_add(&c->n_handles, 1);
	*out = k;
	return 0;
}

static void conn_free(wats__conn *k)
{
	curl_easy_cleanup(k->easy);
	wats__buf_dispose(&k->body);
	free(k);
}

int wats__conn_get(wats__conn **out, wats_client *c, const wats__target *t)
{
	for (;;) {
		pthread_mutex_lock(&c->pool_lock);
		wats__conn *k = c->pool;
		if (k)
			c->pool = k->next;
		pthread_mutex_unlock(&c->pool_lock);
		if (!k)
			return conn_new(out, c, t);
		if (k->gen == t->gen) {
			*out = k;
			return 0;
		}
		conn_free(k); /* configured for another target */
	}
}

void wats__conn_put(wats_client *c, wats__conn *k)
{
	/* Keep a small body buffer around for the next call; drop big ones. */
	if (k->gen != wats__client_target(c)->gen) { /* reconfigured meanwhile */
		conn_free(k);
		return;
	}
	if (k->body.cap > 1024 * 1024)
		wats__buf_dispose(&k->body);
	k->body.len = 0;
	pthread_mutex_lock(&c->pool_lock);
	k->next = c->pool;
	c->pool = k;
	pthread_mutex_unlock(&c->pool_lock);
}

int wats_client_get_stats(wats_client_stats *out, wats_client *c)
{
	if (!out || !c)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_client_get_stats: NULL argument");
	memset(out, 0, sizeof(*out));
	out->requests = atomic_load(&c->n_requests);
	out->attempts = atomic_load(&c->n_attempts);
	out->retries = atomic_load(&c->n_retries);
	out->failures = atomic_load(&c->n_failures);
	out->handles = atomic_load(&c->n_handles);
	pthread_mutex_lock(&c->breaker.lock);
	out->breaker_state = c->breaker.state;
	out->breaker_opens = c->breaker.opens;
	out->breaker_rejections = c->breaker.rejections;
	pthread_mutex_unlock(&c->breaker.lock);
	wats__cache_stats(&c->cache, out);
	return 0;
}

const char *wats_breaker_state_name(wats_breaker_state s)
{
	switch (s) {
	case WATS_BREAKER_CLOSED: return "closed";
	case WATS_BREAKER_OPEN: return "open";
	case WATS_BREAKER_HALF_OPEN: return "half-open";
	}
	return "unknown";
}

void wats_client_cache_clear(wats_client *c)
{
	if (c)
		wats__cache_invalidate(&c->cache, WATS_CACHE_ALL);
}

void wats_client_breaker_reset(wats_client *c)
{
	if (c)
		wats__breaker_reset(&c->breaker);
}
