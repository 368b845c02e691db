/* Authentication, unknown routes and the shape of error answers. */
#include "testutil.h"
#include "http.h"

#include <string.h>

static tu_devserver *srv;

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

static void expect_401(const char *method, const char *path, const char *auth)
{
	th_resp r = th_request(srv, method, path, NULL, 0, NULL, auth);
	th_expect(&r, 401);
	char v[128];
	assert_non_null(th_header(&r, "WWW-Authenticate", v, sizeof(v)));
	assert_non_null(strstr(r.body, "Authorization: Basic"));
	th_free(&r);
}

static void test_missing_or_wrong_token_is_401(void **state)
{
	(void)state;
	expect_401("GET", "/api/App/Version", TH_NO_AUTH);
	expect_401("GET", "/api/App/Version", "Basic d3Jvbmc6dG9rZW4=");
	expect_401("GET", "/api/App/Version", "Bearer dGVzdDp0ZXN0");
	expect_401("GET", "/api/App/Version", "Basic ");
	expect_401("GET", "/api/App/Version", "Basic dGVzdDp0ZXN0X");  /* token + 1 byte */
	expect_401("GET", "/api/App/Version", "Basic dGVzdDp0ZXN");    /* token - 1 byte */
	expect_401("GET", "/_dev/stats", TH_NO_AUTH);
	expect_401("GET", "/api/No/Such/Route", TH_NO_AUTH);
	/* a report sent without a token is refused and not stored */
	th_resp r = th_request(srv, "POST", "/api/Report/WSJF", "{}", 2, "application/json",
			       TH_NO_AUTH);
	th_expect(&r, 401);
	th_free(&r);
}

static void test_right_token_any_case_scheme(void **state)
{
	(void)state;
	th_resp r = th_get(srv, "/api/App/Version");
	th_expect(&r, 200);
	th_free(&r);
	char auth[128];
	snprintf(auth, sizeof(auth), "basic %s", tu_devserver_token(srv));
	r = th_request(srv, "GET", "/api/App/Version", NULL, 0, NULL, auth);
	th_expect(&r, 200);
	th_free(&r);
}

static void test_unknown_api_route_is_501_naming_it(void **state)
{
	(void)state;
	th_resp r = th_get(srv, "/api/Report/Certificate/123");
	th_expect(&r, 501);
	assert_non_null(strstr(r.body, "GET /api/Report/Certificate/123"));
	th_free(&r);
	r = th_request(srv, "PUT", "/api/Product/BOM", "<BOM/>", 6, "application/xml", NULL);
	th_expect(&r, 501);
	assert_non_null(strstr(r.body, "PUT /api/Product/BOM"));
	th_free(&r);
	r = th_request(srv, "PATCH", "/api/SCIM/v2/Users/1", "{}", 2, "application/json", NULL);
	th_expect(&r, 501);
	th_free(&r);
	r = th_get(srv, "/index.html");
	th_expect(&r, 404);
	th_free(&r);
	r = th_request(srv, "PUT", "/_dev/stats", NULL, 0, NULL, NULL);
	th_expect(&r, 405);
	th_free(&r);
}

static void test_routes_are_case_insensitive(void **state)
{
	(void)state;
	th_resp r = th_get(srv, "/API/app/VERSION");
	th_expect(&r, 200);
	th_free(&r);
}

static void test_stats_count_auth_failures(void **state)
{
	(void)state;
	th_resp r = th_delete(srv, "/_dev/stats");
	th_expect(&r, 200);
	th_free(&r);
	expect_401("GET", "/api/App/Version", TH_NO_AUTH);
	expect_401("GET", "/api/App/Version", TH_NO_AUTH);
	r = th_get(srv, "/_dev/stats");
	th_expect(&r, 200);
	json_object *o = th_json(&r), *routes, *v, *n;
	assert_true(json_object_object_get_ex(o, "routes", &routes));
	assert_true(json_object_object_get_ex(routes, "GET /api/App/Version", &v));
	assert_true(json_object_object_get_ex(v, "401", &n));
	assert_int_equal(json_object_get_int(n), 2);
	json_object_put(o);
	th_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_or_wrong_token_is_401),
		cmocka_unit_test(test_right_token_any_case_scheme),
		cmocka_unit_test(test_unknown_api_route_is_501_naming_it),
		cmocka_unit_test(test_routes_are_case_insensitive),
		cmocka_unit_test(test_stats_count_auth_failures),
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
