/* The client against a scripted local server: headers, keep-alive, retry and Retry-After,
 * error mapping, transport errors, timeouts, breaker, cache invalidation, logging, threads,
 * reconfigure (a cached answer in flight from the old server is not served for the new one). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "miniserver.h"
#include "http/client_int.h"
#include "wats/wats.h"

static ms_server *srv;

static int setup(void **state)
{
	(void)state;
	srv = ms_start();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ms_stop(srv);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static wats_client *client(unsigned int flags, unsigned int attempts)
{
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.base_url = ms_url(srv);
	o.token = "dXNlcjpwYXNz";
	o.station_name = "test-st";
	o.station_file = "/nonexistent";
	o.flags = flags;
	o.retry_attempts = attempts;
	o.retry_base_ms = 1;
	o.retry_max_delay_ms = 3000;
	o.request_timeout_ms = 5000;
	wats_client *c = NULL;
	assert_int_equal(wats_client_new(&c, &o), 0);
	ms_script(srv, NULL, 0);
	ms_reset_counts(srv);
	return c;
}

static int get(wats_client *c, const char *path, unsigned int flags, unsigned int tags)
{
	wats_request r = WATS_REQUEST_INIT;
	r.method = "GET";
	r.path = path;
	r.flags = flags;
	r.cache_tags = tags;
	wats_response *resp = NULL;
	int rc = wats_client_request(&resp, c, &r);
	wats_response_free(resp);
	return rc;
}

static int post(wats_client *c, const char *method, const char *path, unsigned int flags,
		unsigned int invalidate)
{
	wats_request r = WATS_REQUEST_INIT;
	r.method = method;
	r.path = path;
	r.body = "{\"a\":1}";
	r.body_len = 7;
	r.flags = flags;
	r.invalidate_tags = invalidate;
	wats_response *resp = NULL;
	int rc = wats_client_request(&resp, c, &r);
	wats_response_free(resp);
	return rc;
}

static void test_headers_keepalive(void **state)
{
	(void)state;
	wats_client *c = client(0, 1);
	wats_request r = WATS_REQUEST_INIT;
	r.method = "GET";
	r.path = "/api/internal/Mes/GetUnitPhases";
	const char *q[] = { "serialNumber", "A/B 1", NULL };
	r.query = q;
	r.flags = WATS_REQ_INTERNAL;
	wats_response *resp = NULL;
	assert_int_equal(wats_client_request(&resp, c, &r), 0);
	assert_int_equal(resp->status, 200);
	assert_string_equal(resp->body, "{}");
	assert_string_equal(resp->content_type, "application/json");
	assert_int_equal(resp->attempts, 1);
	assert_int_equal(strlen(resp->correlation_id), 16);
	char head[4096], want[128];
	ms_request_head(srv, 0, head, sizeof(head));
	assert_non_null(strstr(head, "GET /api/internal/Mes/GetUnitPhases?serialNumber=A%2FB%201 HTTP/1.1\r\n"));
	assert_non_null(strstr(head, "Authorization: Basic dXNlcjpwYXNz\r\n"));
	assert_non_null(strstr(head, "Accept: application/json\r\n"));
	snprintf(want, sizeof(want), "X-Correlation-ID: %s\r\n", resp->correlation_id);
	assert_non_null(strstr(head, want));
	snprintf(want, sizeof(want), "Referer: %s\r\n", ms_url(srv));
	assert_non_null(strstr(head, want));
	assert_non_null(strstr(head, "User-Agent: libwats/"));
	wats_response_free(resp);
	/* Public routes carry no Referer; a body gets its Content-Type and no Expect. */
	assert_int_equal(post(c, "PUT", "/api/Product", 0, 0), 0);
	ms_request_head(srv, 1, head, sizeof(head));
	assert_null(strstr(head, "Referer:"));
	assert_non_null(strstr(head, "Content-Type: application/json\r\n"));
	assert_null(strstr(head, "Expect:"));
	assert_int_equal(ms_request_body_len(srv, 1), 7);
	/* Many calls, one connection. */
	for (int i = 0; i < 20; i++)
		assert_int_equal(get(c, "/api/App/Version", 0, 0), 0);
	assert_int_equal(ms_requests(srv), 22);
	assert_int_equal(ms_connections(srv), 1);
	/* The thread's correlation id wins over a fresh one. */
	wats_log_set_correlation_id("file-0001");
	assert_int_equal(get(c, "/x", 0, 0), 0);
	wats_log_set_correlation_id(NULL);
	ms_request_head(srv, 22, head, sizeof(head));
	assert_non_null(strstr(head, "X-Correlation-ID: file-0001\r\n"));
	wats_client_free(c);
}

static void test_retry_statuses(void **state)
{
	(void)state;
	wats_client *c = client(0, 3);
	ms_reply s1[] = { { 503, NULL, NULL, 0 }, { 502, NULL, NULL, 0 }, { 200, NULL, "[]", 0 } };
	ms_script(srv, s1, 3);
	wats_request r = WATS_REQUEST_INIT;
	r.method = "GET";
	r.path = "/api/App/Levels";
	wats_response *resp = NULL;
	assert_int_equal(wats_client_request(&resp, c, &r), 0);
	assert_int_equal(resp->attempts, 3);
	assert_string_equal(resp->body, "[]");
	wats_response_free(resp);
	assert_int_equal(ms_requests(srv), 3);
	/* Exhausted: the last status is reported, with the server's message and the count. */
	ms_reply s2[] = { { 500, NULL, "{\"Message\":\"db down\"}", 0 }, { 500, NULL, "{\"Message\":\"db down\"}", 0 },
			  { 504, NULL, "{\"message\":\"gateway\"}", 0 } };
	ms_script(srv, s2, 3);
	ms_reset_counts(srv);
	assert_int_equal(get(c, "/api/App/Levels", 0, 0), WATS_ESERVER);
	assert_int_equal(wats_error_last()->http_status, 504);
	assert_non_null(strstr(wats_error_last()->message, "gateway"));
	assert_non_null(strstr(wats_error_last()->message, "3 attempts"));
	assert_int_equal(ms_requests(srv), 3);
	/* POST is not retried, unless the route is idempotent (report submission by id). */
	ms_reply s3[] = { { 503, NULL, NULL, 0 }, { 200, NULL, NULL, 0 } };
	ms_script(srv, s3, 2);
	ms_reset_counts(srv);
	assert_int_equal(post(c, "POST", "/api/App/DynamicYield", 0, 0), WATS_ESERVER);
	assert_int_equal(ms_requests(srv), 1);
	ms_script(srv, s3, 2);
	ms_reset_counts(srv);
	assert_int_equal(post(c, "POST", "/api/Report/WSJF", WATS_REQ_IDEMPOTENT, 0), 0);
	assert_int_equal(ms_requests(srv), 2);
	/* 4xx are final. */
	ms_reply s4[] = { { 404, NULL, "{\"message\":\"no such product\"}", 0 } };
	ms_script(srv, s4, 1);
	ms_reset_counts(srv);
	assert_int_equal(get(c, "/api/Product/X", 0, 0), WATS_ENOTFOUND);
	assert_int_equal(ms_requests(srv), 1);
	wats_client_stats st;
	wats_client_get_stats(&st, c);
	assert_true(st.retries >= 3);
	wats_client_free(c);
}

static void test_retry_after(void **state)
{
	(void)state;
	wats_client *c = client(0, 3);
	/* Lower-case header (what proxies send): honoured, and the wait is the server's. */
	ms_reply s1[] = { { 429, "retry-after: 1\r\n", NULL, 0 }, { 200, NULL, NULL, 0 } };
	ms_script(srv, s1, 2);
	double t0 = now_s();
	assert_int_equal(get(c, "/api/App/Processes", 0, 0), 0);
	double dt = now_s() - t0;
	assert_true(dt >= 0.95 && dt < 2.5);
	assert_int_equal(ms_requests(srv), 2);
	/* Asking for more than the cap: stop at once and say why. */
	ms_reply s2[] = { { 503, "Retry-After: 120\r\n", NULL, 0 }, { 200, NULL, NULL, 0 } };
	ms_script(srv, s2, 2);
	ms_reset_counts(srv);
	t0 = now_s();
	assert_int_equal(get(c, "/api/App/Processes", 0, 0), WATS_ESERVER);
	assert_true(now_s() - t0 < 0.5);
	assert_non_null(strstr(wats_error_last()->message, "retry after 120.0 s"));
	assert_int_equal(wats_error_last()->retry_after_ms, 120000); /* for the queue to pause */
	assert_int_equal(ms_requests(srv), 1);
	/* An answer without the header says so. */
	ms_reply s3[] = { { 503, NULL, NULL, 0 }, { 503, NULL, NULL, 0 }, { 503, NULL, NULL, 0 },
			  { 503, NULL, NULL, 0 }, { 503, NULL, NULL, 0 } };
	ms_script(srv, s3, 5);
	assert_int_equal(get(c, "/api/App/Processes", 0, 0), WATS_ESERVER);
	assert_int_equal(wats_error_last()->retry_after_ms, -1);
	wats_client_free(c);
}

/* A fake clock: time moves only when the client sleeps, and the sleeps are recorded. */
typedef struct { uint64_t now; uint64_t slept[8]; int n; uint64_t rnd; } fake;
static uint64_t f_now(void *p) { return ((fake *)p)->now; }
static void f_sleep(void *p, uint64_t ms) { fake *f = p; f->now += ms; if (f->n < 8) f->slept[f->n++] = ms; }
static uint64_t f_rand(void *p) { return ((fake *)p)->rnd; }
static int64_t f_wall(void *p) { (void)p; return 1700000000; }

static void test_backoff_fake_clock(void **state)
{
	(void)state;
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.base_url = ms_url(srv);
	o.station_name = "x";
	o.retry_attempts = 4;
	o.retry_base_ms = 100;
	o.retry_max_delay_ms = 2500;
	wats_client *c = NULL;
	assert_int_equal(wats_client_new(&c, &o), 0);
	fake f = { 1000, { 0 }, 0, 1000003 };
	wats__clock clk = { f_now, f_sleep, f_rand, f_wall, &f };
	wats__client_set_clock(c, &clk);
	/* The reset comes first, on a fresh connection: on a reused one libcurl itself re-sends once. */
	ms_reply s[] = { { 0, NULL, NULL, 0 }, { 503, NULL, NULL, 0 }, { 500, NULL, NULL, 0 }, { 200, NULL, NULL, 0 } };
	ms_script(srv, s, 4);
	ms_reset_counts(srv);
	assert_int_equal(get(c, "/a", 0, 0), 0);
	/* Windows 100, 200, 400: draws are rnd % (window + 1). */
	assert_int_equal(f.n, 3);
	assert_int_equal(f.slept[0], 1000003 % 101);
	assert_int_equal(f.slept[1], 1000003 % 201);
	assert_int_equal(f.slept[2], 1000003 % 401);
	assert_int_equal(ms_requests(srv), 4);
	/* An HTTP-date Retry-After relative to the (fake) wall clock. */
	f.n = 0;
	ms_reply s2[] = { { 503, "Retry-After: Tue, 14 Nov 2023 22:13:22 GMT\r\n", NULL, 0 }, { 200, NULL, NULL, 0 } };
	ms_script(srv, s2, 2);
	assert_int_equal(get(c, "/a", 0, 0), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.slept[0], 2000);
	wats_client_free(c);
}

static void test_error_mapping(void **state)
{
	(void)state;
	wats_client *c = client(WATS_CLIENT_NO_BREAKER, 1);
	static const struct { int status; int code; } cases[] = {
		{ 400, WATS_EVALIDATION }, { 401, WATS_EAUTH }, { 403, WATS_EFORBIDDEN },
		{ 404, WATS_ENOTFOUND }, { 409, WATS_ECONFLICT }, { 429, WATS_ERATELIMIT },
		{ 418, WATS_EHTTP }, { 500, WATS_ESERVER }, { 503, WATS_ESERVER },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ms_reply s[] = { { cases[i].status, NULL, "{\"error\":\"said the server\"}", 0 } };
		ms_script(srv, s, 1);
		wats_request r = WATS_REQUEST_INIT;
		r.method = "GET";
		r.path = "/api/x";
		wats_response *resp = NULL;
		assert_int_equal(wats_client_request(&resp, c, &r), cases[i].code);
		assert_non_null(resp); /* the body of an error is readable */
		assert_int_equal(resp->status, cases[i].status);
		wats_response_free(resp);
		assert_int_equal(wats_error_last()->http_status, cases[i].status);
		assert_int_equal(wats_error_last()->klass, WATS_ERRCLASS_HTTP);
		assert_non_null(strstr(wats_error_last()->message, "said the server"));
		assert_non_null(strstr(wats_error_last()->message, "GET /api/x"));
	}
	/* Plain-text body. */
	ms_reply s[] = { { 401, NULL, "bad token\n", 0 } };
	ms_script(srv, s, 1);
	assert_int_equal(get(c, "/api/y", 0, 0), WATS_EAUTH);
	assert_non_null(strstr(wats_error_last()->message, "HTTP 401: bad token"));
	/* Bad requests never leave the process. */
	wats_response *resp = (wats_response *)1;
	wats_request bad = WATS_REQUEST_INIT;
	bad.method = "GET";
	bad.path = "api/no-slash";
	assert_int_equal(wats_client_request(&resp, c, &bad), WATS_EINVAL);
	assert_null(resp);
	wats_client_free(c);
}

static void test_transport_and_timeout(void **state)
{
	(void)state;
	wats_client *c = client(WATS_CLIENT_NO_BREAKER, 3);
	/* Connection dropped without an answer three times: one transport error, three tries. */
	ms_reply s[] = { { 0, NULL, NULL, 0 }, { 0, NULL, NULL, 0 }, { 0, NULL, NULL, 0 } };
	ms_script(srv, s, 3);
	assert_int_equal(get(c, "/api/App/Version", 0, 0), WATS_ETRANSPORT);
	assert_int_equal(ms_requests(srv), 3);
	assert_non_null(strstr(wats_error_last()->message, "3 attempts"));
	wats_client_free(c);
	/* Per-attempt timeout. */
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.base_url = ms_url(srv);
	o.station_name = "x";
	o.request_timeout_ms = 300;
	o.flags = WATS_CLIENT_NO_RETRY;
	assert_int_equal(wats_client_new(&c, &o), 0);
	ms_reply slow[] = { { 200, NULL, NULL, 1200 } };
	ms_script(srv, slow, 1);
	double t0 = now_s();
	assert_int_equal(get(c, "/slow", 0, 0), WATS_ETIMEOUT);
	double dt = now_s() - t0;
	assert_true(dt >= 0.25 && dt < 1.0);
	wats_client_free(c);
	/* Total timeout caps the whole call, retries included. */
	o.flags = 0;
	o.request_timeout_ms = 5000;
	o.total_timeout_ms = 400;
	o.retry_attempts = 5;
	o.retry_base_ms = 1;
	assert_int_equal(wats_client_new(&c, &o), 0);
	ms_reply slow2[] = { { 503, NULL, NULL, 150 }, { 503, NULL, NULL, 150 }, { 503, NULL, NULL, 150 },
			     { 503, NULL, NULL, 150 }, { 503, NULL, NULL, 150 } };
	ms_script(srv, slow2, 5);
	t0 = now_s();
	int rc = get(c, "/slow", 0, 0);
	dt = now_s() - t0;
	assert_true(rc == WATS_ETIMEOUT || rc == WATS_ESERVER);
	assert_true(dt < 0.9);
	wats_client_free(c);
	/* Nobody listening. */
	o.base_url = "http://127.0.0.1:1";
	o.total_timeout_ms = 0;
	o.retry_attempts = 2;
	assert_int_equal(wats_client_new(&c, &o), 0);
	assert_int_equal(get(c, "/x", 0, 0), WATS_ETRANSPORT);
	assert_non_null(strstr(wats_error_last()->message, "127.0.0.1:1"));
	wats_client_free(c);
	/* Wait until the slow replies are flushed before the next test scripts the server. */
	struct timespec ts = { 1, 300000000 };
	nanosleep(&ts, NULL);
}

static void test_breaker_live(void **state)
{
	(void)state;
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.base_url = ms_url(srv);
	o.station_name = "x";
	o.flags = WATS_CLIENT_NO_RETRY;
	o.breaker_failures = 2;
	o.breaker_open_ms = 300;
	o.breaker_successes = 2;
	wats_client *c = NULL;
	assert_int_equal(wats_client_new(&c, &o), 0);
	ms_reply s[] = { { 500, NULL, NULL, 0 }, { 404, NULL, NULL, 0 }, { 500, NULL, NULL, 0 }, { 502, NULL, NULL, 0 } };
	ms_script(srv, s, 4);
	ms_reset_counts(srv);
	assert_int_equal(get(c, "/a", 0, 0), WATS_ESERVER);
	assert_int_equal(get(c, "/a", 0, 0), WATS_ENOTFOUND); /* a 4xx resets the count */
	assert_int_equal(get(c, "/a", 0, 0), WATS_ESERVER);
	assert_int_equal(get(c, "/a", 0, 0), WATS_ESERVER);
	wats_client_stats st;
	wats_client_get_stats(&st, c);
	assert_int_equal(st.breaker_state, WATS_BREAKER_OPEN);
	/* Open: nothing reaches the server. */
	for (int i = 0; i < 50; i++)
		assert_int_equal(get(c, "/a", 0, 0), WATS_EBREAKER);
	assert_non_null(strstr(wats_error_last()->message, "next probe in"));
	assert_int_equal(ms_requests(srv), 4);
	struct timespec ts = { 0, 350000000 };
	nanosleep(&ts, NULL);
	assert_int_equal(get(c, "/a", 0, 0), 0); /* probe */
	wats_client_get_stats(&st, c);
	assert_int_equal(st.breaker_state, WATS_BREAKER_HALF_OPEN);
	assert_int_equal(get(c, "/a", 0, 0), 0);
	wats_client_get_stats(&st, c);
	assert_int_equal(st.breaker_state, WATS_BREAKER_CLOSED);
	assert_int_equal(st.breaker_opens, 1);
	assert_int_equal(st.breaker_rejections, 50);
	assert_int_equal(ms_requests(srv), 6);
	wats_client_free(c);
}

static void test_cache_live(void **state)
{
	(void)state;
	wats_client *c = client(0, 1);
	ms_reply s[] = { { 200, NULL, "[\"p1\"]", 0 } };
	ms_script(srv, s, 1);
	wats_request r = WATS_REQUEST_INIT;
	r.method = "GET";
	r.path = "/api/App/Processes";
	r.cache_tags = WATS_CACHE_PROCESSES;
	wats_response *resp = NULL;
	assert_int_equal(wats_client_request(&resp, c, &r), 0);
	assert_false(resp->flags & WATS_RESPONSE_FROM_CACHE);
	wats_response_free(resp);
	assert_int_equal(wats_client_request(&resp, c, &r), 0);
	assert_true(resp->flags & WATS_RESPONSE_FROM_CACHE);
	assert_string_equal(resp->body, "[\"p1\"]");
	assert_int_equal(resp->attempts, 0);
	wats_response_free(resp);
	assert_int_equal(ms_requests(srv), 1);
	/* Another query string is another key. */
	assert_int_equal(get(c, "/api/App/Processes?x=1", 0, WATS_CACHE_PROCESSES), 0);
	assert_int_equal(ms_requests(srv), 2);
	/* A write that names other tags keeps it; one that names none drops everything. */
	assert_int_equal(post(c, "POST", "/api/Report/WSJF", WATS_REQ_KEEP_CACHE, 0), 0);
	assert_int_equal(post(c, "PUT", "/api/Product/Group", WATS_REQ_KEEP_CACHE, WATS_CACHE_PRODUCT_GROUPS), 0);
	assert_int_equal(get(c, "/api/App/Processes", 0, WATS_CACHE_PROCESSES), 0);
	assert_int_equal(ms_requests(srv), 4);
	assert_int_equal(post(c, "PUT", "/api/Unknown", 0, 0), 0);
	assert_int_equal(get(c, "/api/App/Processes", 0, WATS_CACHE_PROCESSES), 0);
	assert_int_equal(ms_requests(srv), 6);
	/* NO_CACHE forces a trip; uncached routes never hit the cache. */
	assert_int_equal(get(c, "/api/App/Processes", WATS_REQ_NO_CACHE, WATS_CACHE_PROCESSES), 0);
	assert_int_equal(get(c, "/api/Product/X", 0, 0), 0);
	assert_int_equal(get(c, "/api/Product/X", 0, 0), 0);
	assert_int_equal(ms_requests(srv), 9);
	wats_client_stats st;
	wats_client_get_stats(&st, c);
	assert_int_equal(st.cache_hits, 2);
	assert_int_equal(st.cache_misses, 3);
	assert_int_equal(st.cache_entries, 1);
	wats_client_cache_clear(c);
	wats_client_get_stats(&st, c);
	assert_int_equal(st.cache_entries, 0);
	wats_client_free(c);
	/* Errors are not cached; a disabled cache never serves. */
	c = client(WATS_CLIENT_NO_CACHE, 1);
	assert_int_equal(get(c, "/api/App/Levels", 0, WATS_CACHE_LEVELS), 0);
	assert_int_equal(get(c, "/api/App/Levels", 0, WATS_CACHE_LEVELS), 0);
	assert_int_equal(ms_requests(srv), 2);
	wats_client_free(c);
}

typedef struct { int n; int debug; char cid[64]; pthread_mutex_t lock; } logsink;

static void on_log(const wats_log_record *rec, void *payload)
{
	logsink *s = payload;
	pthread_mutex_lock(&s->lock);
	s->n++;
	if (rec->level == WATS_LOG_DEBUG)
		s->debug++;
	snprintf(s->cid, sizeof(s->cid), "%s", rec->correlation_id ? rec->correlation_id : "");
	pthread_mutex_unlock(&s->lock);
}

static void test_logging(void **state)
{
	(void)state;
	logsink s = { 0, 0, "", PTHREAD_MUTEX_INITIALIZER };
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.base_url = ms_url(srv);
	o.station_name = "x";
	o.log_cb = on_log;
	o.log_payload = &s;
	o.log_level = WATS_LOG_DEBUG;
	o.retry_base_ms = 1;
	wats_client *c = NULL;
	assert_int_equal(wats_client_new(&c, &o), 0);
	ms_reply sc[] = { { 503, NULL, NULL, 0 }, { 200, NULL, NULL, 0 } };
	ms_script(srv, sc, 2);
	wats_request r = WATS_REQUEST_INIT;
	r.method = "GET";
	r.path = "/a";
	wats_response *resp = NULL;
	assert_int_equal(wats_client_request(&resp, c, &r), 0);
	/* Two attempt records (DEBUG) and a retry record (INFO), all with the request's id. */
	assert_int_equal(s.debug, 2);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.cid, resp->correlation_id);
	wats_response_free(resp);
	wats_client_free(c);
}

typedef struct { wats_client *c; int ok; } worker;

static void *work(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < 50; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/api/t/%d", i);
		if (get(w->c, path, 0, 0) == 0)
			w->ok++;
		if (get(w->c, "/api/App/Levels", 0, WATS_CACHE_LEVELS) == 0)
			w->ok++;
		if (i % 10 == 0 && post(w->c, "PUT", "/api/Product/Group", WATS_REQ_KEEP_CACHE, WATS_CACHE_LEVELS) == 0)
			w->ok++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	wats_client *c = client(0, 1);
	enum { N = 8 };
	pthread_t t[N];
	worker w[N];
	for (int i = 0; i < N; i++) {
		w[i].c = c;
		w[i].ok = 0;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].ok, 105);
	}
	wats_client_stats st;
	wats_client_get_stats(&st, c);
	assert_int_equal(st.requests, N * 105);
	assert_true(st.handles >= 1 && st.handles <= N);
	assert_int_equal(st.cache_hits + st.cache_misses, N * 50);
	assert_int_equal((uint64_t)ms_requests(srv), N * 105 - st.cache_hits);
	wats_client_free(c);
}

/* wats_client_reconfigure: later calls go to the new server with the new token; a bad URL
 * changes nothing; threads calling all the time while the target changes (TSan). */
typedef struct rc_worker {
	wats_client *c;
	int ok;
	int *stop;
} rc_worker;

static void *rc_work(void *arg)
{
	rc_worker *w = arg;
	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED))
		if (get(w->c, "/api/App/Version", 0, 0) == 0)
			w->ok++;
	return NULL;
}

static void test_reconfigure(void **state)
{
	(void)state;
	ms_server *two = ms_start();
	wats_client *c = client(0, 1);
	assert_int_equal(get(c, "/a", 0, 0), 0);
	assert_int_equal(ms_requests(srv), 1);
	const char *old_url = wats_client_base_url(c);
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.base_url = ms_url(two);
	o.token = "bmV3OnRva2Vu";
	o.station_name = "st-two";
	o.location = "Line 2";
	o.station_file = "/nonexistent";
	assert_int_equal(wats_client_reconfigure(c, &o), 0);
	assert_string_equal(old_url, ms_url(srv)); /* still valid after a reconfigure */
	assert_string_equal(wats_client_base_url(c), ms_url(two));
	assert_string_equal(wats_client_station(c)->name, "ST-TWO");
	assert_string_equal(wats_client_station(c)->location, "Line 2");
	assert_int_equal(get(c, "/b", 0, 0), 0);
	assert_int_equal(ms_requests(srv), 1);
	assert_int_equal(ms_requests(two), 1);
	char head[4096];
	ms_request_head(two, 0, head, sizeof(head));
	assert_non_null(strstr(head, "GET /b HTTP/1.1\r\n"));
	assert_non_null(strstr(head, "Authorization: Basic bmV3OnRva2Vu\r\n"));
	/* Without a token: no Authorization header any more. */
	o.token = NULL;
	assert_int_equal(wats_client_reconfigure(c, &o), 0);
	assert_int_equal(get(c, "/c", 0, 0), 0);
	ms_request_head(two, 1, head, sizeof(head));
	assert_null(strstr(head, "Authorization:"));
	/* Refused: nothing changes. */
	o.base_url = "ftp://nowhere";
	assert_int_not_equal(wats_client_reconfigure(c, &o), 0);
	o.base_url = ms_url(srv);
	o.token = "bad\ntoken";
	assert_int_not_equal(wats_client_reconfigure(c, &o), 0);
	assert_string_equal(wats_client_base_url(c), ms_url(two));
	/* Threads keep calling while the server changes back and forth: every call succeeds, on
	 * one server or the other. */
	o.token = "dXNlcjpwYXNz";
	enum { N = 4 };
	int stop = 0;
	pthread_t t[N];
	rc_worker w[N];
	ms_reset_counts(srv);
	ms_reset_counts(two);
	for (int i = 0; i < N; i++) {
		w[i] = (rc_worker){ c, 0, &stop };
		assert_int_equal(pthread_create(&t[i], NULL, rc_work, &w[i]), 0);
	}
	for (int k = 0; k < 20; k++) {
		o.base_url = k % 2 ? ms_url(two) : ms_url(srv);
		assert_int_equal(wats_client_reconfigure(c, &o), 0);
		struct timespec ts = { 0, 5 * 1000000L };
		nanosleep(&ts, NULL);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	int ok = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		ok += w[i].ok;
	}
	assert_true(ok > 0);
	assert_int_equal(ms_requests(srv) + ms_requests(two), ok);
	assert_true(ms_requests(srv) > 0 && ms_requests(two) > 0);
	wats_client_free(c);
	ms_stop(two);
}

/* A cached GET in flight to the old server while the client is reconfigured to another one:
 * its answer must not be served for the new server (the cache is cleared before it lands). */
typedef struct slow_get {
	wats_client *c;
	int rc;
} slow_get;

static void *slow_get_run(void *arg)
{
	slow_get *g = arg;
	g->rc = get(g->c, "/api/App/Processes", 0, WATS_CACHE_PROCESSES);
	return NULL;
}

static void test_reconfigure_cache_in_flight(void **state)
{
	(void)state;
	ms_server *two = ms_start();
	wats_client *c = client(0, 1);
	ms_reply s[] = { { 200, NULL, "[\"old\"]", 500 } };
	ms_script(srv, s, 1);
	ms_reply s2[] = { { 200, NULL, "[\"new\"]", 0 } };
	ms_script(two, s2, 1);
	slow_get g = { c, -1 };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, slow_get_run, &g), 0);
	/* Reconfigure once the old server has the GET (it answers 500 ms later). */
	for (int i = 0; i < 1000 && ms_requests(srv) < 1; i++) {
		struct timespec ts = { 0, 5 * 1000000L };
		nanosleep(&ts, NULL);
	}
	assert_int_equal(ms_requests(srv), 1);
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.base_url = ms_url(two);
	o.station_file = "/nonexistent";
	assert_int_equal(wats_client_reconfigure(c, &o), 0);
	pthread_join(t, NULL);
	assert_int_equal(g.rc, 0);
	assert_int_equal(ms_requests(srv), 1);
	wats_request r = WATS_REQUEST_INIT;
	r.method = "GET";
	r.path = "/api/App/Processes";
	r.cache_tags = WATS_CACHE_PROCESSES;
	wats_response *resp = NULL;
	assert_int_equal(wats_client_request(&resp, c, &r), 0);
	assert_string_equal(resp->body, "[\"new\"]");
	assert_false(resp->flags & WATS_RESPONSE_FROM_CACHE);
	wats_response_free(resp);
	assert_int_equal(ms_requests(two), 1);
	wats_client_free(c);
	ms_stop(two);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers_keepalive), cmocka_unit_test(test_retry_statuses),
		cmocka_unit_test(test_retry_after),       cmocka_unit_test(test_backoff_fake_clock),
		cmocka_unit_test(test_error_mapping),     cmocka_unit_test(test_transport_and_timeout),
		cmocka_unit_test(test_breaker_live),      cmocka_unit_test(test_cache_live),
		cmocka_unit_test(test_logging),           cmocka_unit_test(test_threads),
		cmocka_unit_test(test_reconfigure),     cmocka_unit_test(test_reconfigure_cache_in_flight),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
