/*
 * The client and the typed operations against the real wats-devserver process: every typed
 * call, auth failure, Retry-After, the breaker under an outage (counting what the server saw),
 * timeouts, cache invalidation, and several threads on one client.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "testutil.h"
#include "devcontrol.h"
#include "devserver.h"
#include "wats/wats.h"

/* A call that must succeed; on failure the message says why. */
#define OK(x) do { int rc_ = (x); if (rc_) fail_msg("%s: %d: %s", #x, rc_, wats_error_last()->message); } while (0)

static tu_devserver *ds;

static int setup(void **state)
{
	(void)state;
	ds = tu_devserver_start(NULL, NULL);
	return ds ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tu_devserver_stop(ds);
	return 0;
}

static wats_client *client_with(wats_client_options *o)
{
	o->base_url = tu_devserver_url(ds);
	if (!o->token)
		o->token = tu_devserver_token(ds);
	o->station_name = o->station_name ? o->station_name : "ci-station";
	o->station_file = "/nonexistent";
	wats_client *c = NULL;
	OK(wats_client_new(&c, o));
	return c;
}

static wats_client *client(void)
{
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.retry_base_ms = 50;
	return client_with(&o);
}

/* A /_dev call with the plain client (never faulted by the server). */
static char *dev(wats_client *c, const char *method, const char *path, const char *body)
{
	return tu_dev_request(c, method, path, body);
}

/* Requests the server saw for "METHOD /pattern" (all statuses), from /_dev/stats. */
static long seen(wats_client *c, const char *route)
{
	char *text = dev(c, "GET", "/_dev/stats", NULL);
	json_object *j = json_tokener_parse(text), *routes, *by;
	long n = 0;
	if (json_object_object_get_ex(j, "routes", &routes) && json_object_object_get_ex(routes, route, &by)) {
		json_object_object_foreach(by, k, v) {
			(void)k;
			n += json_object_get_int64(v);
		}
	}
	json_object_put(j);
	free(text);
	return n;
}

static void faults(wats_client *c, const char *json)
{
	free(dev(c, "POST", "/_dev/faults", json));
}

static void clear_faults(wats_client *c)
{
	free(dev(c, "DELETE", "/_dev/faults", NULL));
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_connection_and_auth(void **state)
{
	(void)state;
	wats_client *c = client();
	char *v = NULL;
	OK(wats_client_ping(&v, c));
	assert_true(strlen(v) > 0);
	wats_free(v);
	wats_client_free(c);
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.token = "d3Jvbmc6d3Jvbmc=";
	c = client_with(&o);
	assert_int_equal(wats_client_ping(NULL, c), WATS_EAUTH);
	assert_int_equal(wats_error_last()->http_status, 401);
	wats_client_stats st;
	wats_client_get_stats(&st, c);
	assert_int_equal(st.attempts, 1); /* a 401 is not retried */
	assert_int_equal(st.breaker_state, WATS_BREAKER_CLOSED);
	wats_client_free(c);
}

static void test_reports(void **state)
{
	(void)state;
	wats_client *c = client();
	size_t len;
	char *rep = tu_read(tu_fixture("new_report_example.json"), &len);
	char *id = NULL;
	OK(wats_api_submit_report(&id, c, rep, len, WATS_WIRE_AUTO, 0));
	assert_true(strlen(id) >= 32);
	/* Read it back, both formats. */
	char *back = NULL;
	size_t blen = 0;
	OK(wats_api_get_report(&back, &blen, c, id, WATS_WIRE_WSJF));
	json_object *orig = json_tokener_parse(rep), *got = json_tokener_parse(back), *sn_o, *sn_g;
	assert_non_null(got);
	assert_true(json_object_object_get_ex(orig, "sn", &sn_o) && json_object_object_get_ex(got, "sn", &sn_g));
	assert_string_equal(json_object_get_string(sn_o), json_object_get_string(sn_g));
	char sn[128];
	snprintf(sn, sizeof(sn), "%s", json_object_get_string(sn_o));
	json_object_put(orig);
	json_object_put(got);
	wats_free(back);
	/* WSXF of a WSJF report: the server converts it. */
	OK(wats_api_get_report(&back, &blen, c, id, WATS_WIRE_WSXF));
	assert_non_null(strstr(back, "wats.virinco.com/schemas/WATS/Report/wsxf"));
	assert_non_null(strstr(back, sn));
	wats_free(back);
	/* Query headers by serial number, through the escaping builder. */
	wats_odata *f = NULL;
	wats_odata_new(&f);
	wats_odata_add_string(f, "serialNumber", "eq", sn);
	wats_header_query q = WATS_HEADER_QUERY_INIT;
	q.filter = wats_odata_text(f);
	wats_report_header_list *l = NULL;
	OK(wats_api_query_headers(&l, c, &q));
	assert_true(l->count >= 1);
	assert_string_equal(l->items[0].serial_number, sn);
	wats_report_header_list_free(l);
	/* A quote in the value is data, not syntax: no match, no error. */
	wats_odata_free(f);
	wats_odata_new(&f);
	wats_odata_add_string(f, "serialNumber", "eq", "x' or serialNumber ne 'y");
	q.filter = wats_odata_text(f);
	OK(wats_api_query_headers(&l, c, &q));
	assert_int_equal(l->count, 0);
	wats_report_header_list_free(l);
	wats_odata_free(f);
	/* Re-submitting the same report (a retry after a lost answer) is harmless. */
	char *id2 = NULL;
	OK(wats_api_submit_report(&id2, c, rep, len, WATS_WIRE_WSJF, 0));
	assert_string_equal(id, id2);
	wats_free(id2);
	wats_free(id);
	/* An invalid report is a validation error with the server's reason. */
	assert_int_equal(wats_api_submit_report(NULL, c, "{\"type\":\"T\"}", 12, WATS_WIRE_WSJF, 0), WATS_EVALIDATION);
	assert_int_equal(wats_error_last()->http_status, 400);
	assert_int_equal(wats_api_get_report(&back, &blen, c, "00000000-0000-0000-0000-000000000000",
					     WATS_WIRE_WSJF), WATS_ENOTFOUND);
	free(rep);
	wats_client_free(c);
}

static void test_products_units_processes(void **state)
{
	(void)state;
	wats_client *c = client();
	wats_product p = { 0 };
	p.part_number = (char *)"CW-100";
	p.name = (char *)"Widget";
	p.state = 1;
	wats_product *saved = NULL;
	OK(wats_api_save_product(&saved, c, &p));
	assert_string_equal(saved->part_number, "CW-100");
	wats_product_free(saved);
	wats_product_revision rev = { 0 };
	rev.part_number = (char *)"CW-100";
	rev.revision = (char *)"A";
	rev.state = 1;
	wats_product_revision *r = NULL;
	OK(wats_api_save_revision(&r, c, &rev));
	assert_string_equal(r->revision, "A");
	wats_product_revision_free(r);
	wats_product *got = NULL;
	OK(wats_api_get_product(&got, c, "CW-100"));
	assert_string_equal(got->name, "Widget");
	assert_int_equal(got->revision_count, 1);
	wats_product_free(got);
	assert_int_equal(wats_api_get_product(&got, c, "NO-SUCH"), WATS_ENOTFOUND);

	wats_unit u = { 0 };
	u.serial_number = (char *)"SN-0001";
	u.part_number = (char *)"CW-100";
	u.revision = (char *)"A";
	const wats_unit *units[] = { &u };
	OK(wats_api_save_units(c, units, 1));
	wats_unit *gu = NULL;
	OK(wats_api_get_unit(&gu, c, "SN-0001", "CW-100"));
	assert_string_equal(gu->revision, "A");
	wats_unit_free(gu);
	wats_unit_verification *v = NULL;
	OK(wats_api_verify_unit(&v, c, "SN-0001", "CW-100", NULL));
	assert_non_null(v->json);
	wats_unit_verification_free(v);

	/* Processes come from the cache after the first call. */
	long before = seen(c, "GET /api/App/Processes");
	for (int i = 0; i < 5; i++) {
		wats_process_list *pl = NULL;
		OK(wats_api_get_processes(&pl, c));
		assert_true(pl->count > 0);
		wats_process_list_free(pl);
	}
	assert_int_equal(seen(c, "GET /api/App/Processes") - before, 1);
	wats_client_free(c);
}

static void test_allocate_serials(void **state)
{
	(void)state;
	wats_client *c = client();
	char **sns = NULL;
	size_t n = 0;
	OK(wats_api_allocate_serials(&sns, &n, c, "Default", 3, NULL, NULL));
	assert_int_equal(n, 3);
	/* Three different numbers, and the next call continues after them. */
	assert_string_not_equal(sns[0], sns[1]);
	assert_string_not_equal(sns[1], sns[2]);
	char **more = NULL;
	size_t m = 0;
	OK(wats_api_allocate_serials(&more, &m, c, "Default", 1, NULL, NULL));
	assert_int_equal(m, 1);
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(more[0], sns[i]);
	wats_strings_free(more, m);
	/* Not retried: a 503 is reported, not repeated (a repeat would take more numbers). */
	faults(c, "{\"error_count\":3,\"error_status\":503,\"match\":\"POST /api/Production/SerialNumbers/Take\"}");
	long before = seen(c, "POST /api/Production/SerialNumbers/Take");
	char **none = NULL;
	size_t k = 0;
	assert_int_equal(wats_api_allocate_serials(&none, &k, c, "Default", 1, NULL, NULL), WATS_ESERVER);
	assert_null(none);
	assert_int_equal(seen(c, "POST /api/Production/SerialNumbers/Take") - before, 1);
	clear_faults(c);
	wats_strings_free(sns, n);
	wats_client_free(c);
}

static void test_cache_invalidation(void **state)
{
	(void)state;
	wats_client *c = client();
	wats_response *r = NULL;
	long base = seen(c, "GET /api/Product/Groups");
	for (int i = 0; i < 3; i++) {
		OK(wats_call(&r, c, "product.get_groups", NULL, 0, NULL, 0));
		wats_response_free(r);
	}
	assert_int_equal(seen(c, "GET /api/Product/Groups") - base, 1);
	/* Creating a group makes the cached list stale: the next read goes to the server and
	 * sees the new group. */
	const char *g = "{\"productGroupName\":\"Group-42\"}";
	OK(wats_call(&r, c, "product.create_group", NULL, 0, g, strlen(g)));
	wats_response_free(r);
	OK(wats_call(&r, c, "product.get_groups", NULL, 0, NULL, 0));
	assert_false(r->flags & WATS_RESPONSE_FROM_CACHE);
	assert_non_null(strstr(r->body, "Group-42"));
	wats_response_free(r);
	assert_int_equal(seen(c, "GET /api/Product/Groups") - base, 2);
	/* A report submission leaves the static data cached. */
	wats_process_list *pl = NULL;
	OK(wats_api_get_processes(&pl, c));
	wats_process_list_free(pl);
	size_t len;
	char *rep = tu_read(tu_fixture("new_report_example.json"), &len);
	OK(wats_api_submit_report(NULL, c, rep, len, WATS_WIRE_WSJF, 0));
	free(rep);
	long p0 = seen(c, "GET /api/App/Processes");
	OK(wats_api_get_processes(&pl, c));
	wats_process_list_free(pl);
	assert_int_equal(seen(c, "GET /api/App/Processes"), p0);
	wats_client_free(c);
}

static void test_retry_after(void **state)
{
	(void)state;
	wats_client *c = client();
	faults(c, "{\"error_count\":1,\"error_status\":429,\"retry_after\":1,\"match\":\"GET /api/App/Version\"}");
	long before = seen(c, "GET /api/App/Version");
	double t0 = now_s();
	OK(wats_client_ping(NULL, c));
	double dt = now_s() - t0;
	assert_true(dt >= 0.95 && dt < 3.0);
	assert_int_equal(seen(c, "GET /api/App/Version") - before, 2);
	/* 503s on a submission: retried (idempotent by report id), then stored once. */
	faults(c, "{\"error_count\":2,\"error_status\":503,\"match\":\"POST /api/Report/WSJF\"}");
	size_t len;
	char *rep = tu_read(tu_fixture("uur_example.json"), &len);
	before = seen(c, "POST /api/Report/WSJF");
	OK(wats_api_submit_report(NULL, c, rep, len, WATS_WIRE_WSJF, 0));
	assert_int_equal(seen(c, "POST /api/Report/WSJF") - before, 3);
	free(rep);
	clear_faults(c);
	wats_client_free(c);
}

static void test_timeout(void **state)
{
	(void)state;
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.request_timeout_ms = 300;
	o.flags = WATS_CLIENT_NO_RETRY;
	wats_client *c = client_with(&o);
	faults(c, "{\"latency_ms\":1500,\"match\":\"GET /api/App/Version\"}");
	double t0 = now_s();
	assert_int_equal(wats_client_ping(NULL, c), WATS_ETIMEOUT);
	assert_true(now_s() - t0 < 1.2);
	clear_faults(c);
	wats_client_free(c);
}

static void test_breaker_outage(void **state)
{
	(void)state;
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.retry_attempts = 3;
	o.retry_base_ms = 10;
	o.breaker_failures = 5;
	o.breaker_open_ms = 400;
	o.breaker_successes = 2;
	wats_client *c = client_with(&o);
	wats_client *ctl = client(); /* talks to /_dev without touching c's breaker */
	faults(ctl, "{\"outage_ms\":1500,\"outage_status\":503}");
	long before = seen(ctl, "GET /api/App/Version");
	int refused = 0, failed = 0;
	double t0 = now_s();
	/* 200 calls as fast as possible during the outage. */
	for (int i = 0; i < 200; i++) {
		int rc = wats_client_ping(NULL, c);
		if (rc == WATS_EBREAKER)
			refused++;
		else if (rc == WATS_ESERVER)
			failed++;
	}
	double dt = now_s() - t0;
	long during = seen(ctl, "GET /api/App/Version") - before;
	/* Five failed calls of three tries open it; the rest fail fast. At most one probe per
	 * open period can have reached the server while the loop ran. */
	assert_int_equal(failed + refused, 200);
	assert_true(failed >= 5);
	long probes = (long)(dt / 0.4) + 1;
	if (during > 15 + probes * 3)
		fail_msg("retry storm: the server saw %ld requests for 200 calls in %.2f s", during, dt);
	wats_client_stats st;
	wats_client_get_stats(&st, c);
	assert_true(st.breaker_opens >= 1);
	/* After the outage: a probe passes, two successes close the breaker. */
	struct timespec ts = { 1, 600000000 };
	nanosleep(&ts, NULL);
	int ok = 0;
	for (int i = 0; i < 5 && ok < 3; i++) {
		if (wats_client_ping(NULL, c) == 0)
			ok++;
		else
			nanosleep(&(struct timespec){ 0, 450000000 }, NULL);
	}
	assert_int_equal(ok, 3);
	wats_client_get_stats(&st, c);
	assert_int_equal(st.breaker_state, WATS_BREAKER_CLOSED);
	clear_faults(ctl);
	wats_client_free(ctl);
	wats_client_free(c);
}

typedef struct { wats_client *c; const char *rep; size_t len; int ok; } worker;

static void *work(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < 25; i++) {
		if (wats_api_submit_report(NULL, w->c, w->rep, w->len, WATS_WIRE_WSJF, 0) == 0)
			w->ok++;
		wats_process_list *pl = NULL;
		if (wats_api_get_processes(&pl, w->c) == 0)
			w->ok++;
		wats_process_list_free(pl);
		if (wats_client_ping(NULL, w->c) == 0)
			w->ok++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	wats_client *c = client();
	size_t len;
	char *rep = tu_read(tu_fixture("uur_example.json"), &len);
	enum { N = 6 };
	pthread_t t[N];
	worker w[N];
	for (int i = 0; i < N; i++) {
		w[i] = (worker){ c, rep, len, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].ok, 75);
	}
	wats_client_stats st;
	wats_client_get_stats(&st, c);
	assert_int_equal(st.failures, 0);
	assert_true(st.handles <= N);
	free(rep);
	wats_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connection_and_auth), cmocka_unit_test(test_reports),
		cmocka_unit_test(test_products_units_processes), cmocka_unit_test(test_allocate_serials),
		cmocka_unit_test(test_cache_invalidation),
		cmocka_unit_test(test_retry_after), cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_breaker_outage), cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
