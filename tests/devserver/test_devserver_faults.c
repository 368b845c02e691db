/* Fault injection: latency, error statuses with Retry-After, resets before/after the body,
 * outage windows, route matching, counters; set at run time and from flags. */
#include "testutil.h"
#include "http.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static tu_devserver *srv;

static const char report[] =
	"{\"id\":\"%s\",\"type\":\"T\",\"pn\":\"FLT\",\"sn\":\"%s\",\"rev\":\"A\","
	"\"processCode\":100,\"machineName\":\"m\",\"location\":\"l\",\"purpose\":\"p\","
	"\"start\":\"2024-01-01T00:00:00Z\"}";

static int setup(void **state)
{
	(void)state;
	srv = tu_devserver_start(NULL, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_devserver_stop(srv);
	return 0;
}

/* Faults are per test: clear them before and after each. */
static int clear(void **state)
{
	(void)state;
	th_resp r = th_delete(srv, "/_dev/faults");
	th_expect(&r, 200);
	th_free(&r);
	return 0;
}

static void set_faults(const char *json)
{
	th_resp r = th_post(srv, "/_dev/faults", json);
	th_expect(&r, 200);
	th_free(&r);
}

static long version_status(char *retry_after, size_t n)
{
	th_resp r = th_get(srv, "/api/App/Version");
	long st = r.status;
	if (retry_after && !th_header(&r, "Retry-After", retry_after, n))
		retry_after[0] = '\0';
	if (st >= 400)
		th_expect(&r, st);  /* injected errors carry a JSON message too */
	th_free(&r);
	return st;
}

static void test_error_count_then_recovery(void **state)
{
	(void)state;
	set_faults("{\"error_count\":2,\"error_status\":503,\"retry_after\":7}");
	char ra[32];
	assert_int_equal(version_status(ra, sizeof(ra)), 503);
	assert_string_equal(ra, "7");
	assert_int_equal(version_status(ra, sizeof(ra)), 503);
	assert_int_equal(version_status(ra, sizeof(ra)), 200);
	assert_string_equal(ra, "");
}

static void test_each_error_status(void **state)
{
	(void)state;
	static const int statuses[] = { 500, 502, 503, 429 };
	for (size_t i = 0; i < 4; i++) {
		char json[128], ra[32];
		snprintf(json, sizeof(json), "{\"error_rate\":1.0,\"error_status\":%d,"
			 "\"retry_after\":3}", statuses[i]);
		set_faults(json);
		assert_int_equal(version_status(ra, sizeof(ra)), statuses[i]);
		/* Retry-After only where HTTP gives it meaning */
		assert_string_equal(ra, statuses[i] == 429 || statuses[i] == 503 ? "3" : "");
	}
}

static void test_error_rate_is_a_fraction(void **state)
{
	(void)state;
	set_faults("{\"error_rate\":0.5,\"error_status\":500,\"seed\":12345}");
	int failed = 0;
	for (int i = 0; i < 200; i++)
		failed += version_status(NULL, 0) == 500;
	/* binomial(200, 0.5): outside 60..140 has probability < 1e-8 */
	assert_in_range(failed, 60, 140);
}

static void test_latency(void **state)
{
	(void)state;
	set_faults("{\"latency_ms\":400}");
	th_resp r = th_get(srv, "/api/App/Version");
	th_expect(&r, 200);
	assert_true(r.seconds >= 0.4);
	th_free(&r);
	/* the control routes are never delayed */
	r = th_get(srv, "/_dev/faults");
	th_expect(&r, 200);
	assert_true(r.seconds < 0.4);
	th_free(&r);
}

static int transport_failed(const th_resp *r)
{
	return r->status == 0 && (r->curl == CURLE_RECV_ERROR || r->curl == CURLE_GOT_NOTHING ||
				  r->curl == CURLE_SEND_ERROR);
}

static th_resp post_report(const char *id, const char *sn)
{
	char body[512];
	snprintf(body, sizeof(body), report, id, sn);
	return th_post(srv, "/api/Report/WSJF", body);
}

static long get_status(const char *path)
{
	th_resp r = th_get(srv, path);
	long st = r.status;
	th_free(&r);
	return st;
}

static void test_reset_before_body_stores_nothing(void **state)
{
	(void)state;
	set_faults("{\"reset_before_count\":1}");
	th_resp r = post_report("b0000000-0000-4000-8000-000000000001", "RB");
	if (!transport_failed(&r))
		fail_msg("expected a reset, got HTTP %ld / %s", r.status, curl_easy_strerror(r.curl));
	th_free(&r);
	assert_int_equal(get_status("/api/Report/Wsjf/b0000000-0000-4000-8000-000000000001"), 404);
	/* the count is used up: the retry goes through */
	r = post_report("b0000000-0000-4000-8000-000000000001", "RB");
	th_expect(&r, 200);
	th_free(&r);
}

static void test_reset_after_body_stores_the_report(void **state)
{
	(void)state;
	set_faults("{\"reset_after_count\":1}");
	th_resp r = post_report("a0000000-0000-4000-8000-000000000001", "RA");
	if (!transport_failed(&r))
		fail_msg("expected a reset, got HTTP %ld / %s", r.status, curl_easy_strerror(r.curl));
	th_free(&r);
	/* the answer was lost, the effect was not: a retry with the same id overwrites */
	assert_int_equal(get_status("/api/Report/Wsjf/a0000000-0000-4000-8000-000000000001"), 200);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

static void test_outage_window(void **state)
{
	(void)state;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	set_faults("{\"outage_ms\":1500,\"retry_after\":1}");
	char ra[32];
	assert_int_equal(version_status(ra, sizeof(ra)), 503);
	assert_string_equal(ra, "1");
	/* the controls stay reachable during an outage */
	th_resp r = th_get(srv, "/_dev/faults");
	th_expect(&r, 200);
	json_object *o = th_json(&r);
	assert_true(json_object_get_int(json_object_object_get(o, "outage_remaining_ms")) > 0);
	json_object_put(o);
	th_free(&r);
	/* poll until the server is back; it must not be back early, and must come back */
	long st;
	while ((st = version_status(NULL, 0)) == 503 && ms_since(&t0) < 10000)
		;
	assert_int_equal(st, 200);
	assert_true(ms_since(&t0) >= 1400);
}

static void test_outage_with_resets(void **state)
{
	(void)state;
	set_faults("{\"outage_ms\":60000,\"outage_status\":0}");
	th_resp r = th_get(srv, "/api/App/Version");
	assert_true(transport_failed(&r));
	th_free(&r);
}

static void test_match_limits_faults_to_routes(void **state)
{
	(void)state;
	set_faults("{\"error_rate\":1,\"error_status\":502,\"match\":\"POST /api/Report\"}");
	assert_int_equal(version_status(NULL, 0), 200);
	th_resp r = post_report("c0000000-0000-4000-8000-000000000001", "M");
	th_expect(&r, 502);
	th_free(&r);
	set_faults("{\"error_rate\":1,\"error_status\":500,\"match\":\"/api/app\"}");
	assert_int_equal(version_status(NULL, 0), 500);
	r = post_report("c0000000-0000-4000-8000-000000000001", "M");
	th_expect(&r, 200);
	th_free(&r);
}

static void test_bad_fault_descriptions_are_400(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"{\"error_rate\":2}", "{\"error_status\":200}", "{\"no_such_fault\":1}",
		"{\"latency_ms\":-5}", "[1]", "{", "{\"match\":5}", "{\"outage_status\":302}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		th_resp r = th_post(srv, "/_dev/faults", bad[i]);
		th_expect(&r, 400);
		th_free(&r);
	}
	th_resp r = th_post(srv, "/_dev/faults", "{\"no_such_fault\":1}");
	assert_non_null(strstr(r.body, "no_such_fault"));
	th_free(&r);
	/* nothing was switched on by the rejected bodies */
	assert_int_equal(version_status(NULL, 0), 200);
}

static json_object *route_stats(json_object *stats, const char *route)
{
	json_object *routes, *v = NULL;
	assert_true(json_object_object_get_ex(stats, "routes", &routes));
	json_object_object_get_ex(routes, route, &v);
	return v;
}

static int count(json_object *by_status, const char *status)
{
	json_object *n;
	return by_status && json_object_object_get_ex(by_status, status, &n) ? json_object_get_int(n)
									     : 0;
}

static void test_stats_by_route_and_status(void **state)
{
	(void)state;
	th_resp r = th_delete(srv, "/_dev/stats");
	th_expect(&r, 200);
	th_free(&r);
	set_faults("{\"error_count\":1,\"error_status\":429}");
	version_status(NULL, 0);
	version_status(NULL, 0);
	set_faults("{\"reset_after_count\":1}");
	r = post_report("d0000000-0000-4000-8000-000000000001", "ST");
	th_free(&r);
	r = post_report("d0000000-0000-4000-8000-000000000002", "ST");
	th_expect(&r, 200);
	th_free(&r);
	r = th_get(srv, "/_dev/stats");
	th_expect(&r, 200);
	json_object *o = th_json(&r);
	json_object *v = route_stats(o, "GET /api/App/Version");
	assert_int_equal(count(v, "429"), 1);
	assert_int_equal(count(v, "200"), 1);
	json_object *p = route_stats(o, "POST /api/Report/WSJF");
	assert_int_equal(count(p, "reset"), 1);
	assert_int_equal(count(p, "200"), 1);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "reportsStored")), 2);
	json_object_put(o);
	th_free(&r);
}

static void test_faults_from_flags(void **state)
{
	(void)state;
	tu_devserver *s = tu_devserver_start(NULL, (const char *[]){
		"--error-rate", "1", "--error-status", "502", "--latency", "100", NULL });
	th_resp r = th_get(s, "/api/App/Version");
	th_expect(&r, 502);
	assert_true(r.seconds >= 0.1);
	th_free(&r);
	tu_devserver_stop(s);

	s = tu_devserver_start(NULL, (const char *[]){
		"--faults", "{\"error_count\":1,\"error_status\":500}", NULL });
	r = th_get(s, "/api/App/Version");
	th_expect(&r, 500);
	th_free(&r);
	r = th_get(s, "/api/App/Version");
	th_expect(&r, 200);
	th_free(&r);
	tu_devserver_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_error_count_then_recovery, clear, clear),
		cmocka_unit_test_setup_teardown(test_each_error_status, clear, clear),
		cmocka_unit_test_setup_teardown(test_error_rate_is_a_fraction, clear, clear),
		cmocka_unit_test_setup_teardown(test_latency, clear, clear),
		cmocka_unit_test_setup_teardown(test_reset_before_body_stores_nothing, clear, clear),
		cmocka_unit_test_setup_teardown(test_reset_after_body_stores_the_report, clear, clear),
		cmocka_unit_test_setup_teardown(test_outage_window, clear, clear),
		cmocka_unit_test_setup_teardown(test_outage_with_resets, clear, clear),
		cmocka_unit_test_setup_teardown(test_match_limits_faults_to_routes, clear, clear),
		cmocka_unit_test_setup_teardown(test_bad_fault_descriptions_are_400, clear, clear),
		cmocka_unit_test_setup_teardown(test_stats_by_route_and_status, clear, clear),
		cmocka_unit_test(test_faults_from_flags),
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
