/* The `wats` CLI against the dev server, checked from the server's side: what the CLI sends
 * is what the server stores and counts. */
#include "testutil.h"
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tu_devserver *srv;

static int setup(void **state)
{
	(void)state;
	srv = tu_devserver_start(NULL, NULL);
	setenv("WATS_BASE_URL", tu_devserver_url(srv), 1);
	setenv("WATS_AUTH_TOKEN", tu_devserver_token(srv), 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_devserver_stop(srv);
	return 0;
}

static int wats(char **out, char **err, const char *a1, const char *a2, const char *a3,
		const char *a4)
{
	char *argv[] = { (char *)tu_cli(), (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL };
	return tu_run(argv, out, err);
}

static int route_count(const char *route, const char *status)
{
	th_resp r = th_get(srv, "/_dev/stats");
	th_expect(&r, 200);
	json_object *o = th_json(&r), *routes, *by, *n;
	int c = 0;
	if (json_object_object_get_ex(o, "routes", &routes) &&
	    json_object_object_get_ex(routes, route, &by) &&
	    json_object_object_get_ex(by, status, &n))
		c = json_object_get_int(n);
	json_object_put(o);
	th_free(&r);
	return c;
}

static void test_submit_stores_the_file_as_sent(void **state)
{
	(void)state;
	char *out, *err, path[4096];
	snprintf(path, sizeof(path), "%s", tu_fixture("new_report_example.json"));
	int rc = wats(&out, &err, "test-connection", NULL, NULL, NULL);
	if (rc)
		fail_msg("wats test-connection: exit %d: %s%s", rc, out, err);
	free(out);
	free(err);
	rc = wats(&out, &err, "submit", path, NULL, NULL);
	if (rc)
		fail_msg("wats submit: exit %d: %s%s", rc, out, err);
	free(out);
	free(err);
	assert_int_equal(route_count("POST /api/Report/WSJF", "200"), 1);

	/* the server kept the report; fetched back it is the same document */
	th_resp r = th_get(srv, "/api/Report/Wsjf/7b234dbc-3d06-4738-b176-c6d995dacb66");
	th_expect(&r, 200);
	json_object *got = th_json(&r);
	json_object *want = json_object_from_file(path);
	assert_non_null(want);
	assert_true(json_object_equal(got, want));
	json_object_put(got);
	json_object_put(want);
	th_free(&r);

	rc = wats(&out, &err, "report", "query", "--json", NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "7b234dbc-3d06-4738-b176-c6d995dacb66"));
	free(out);
	free(err);

	/* Regression: --since sends an unparenthesised "start ge 2020-01-01T00:00:00Z", alone or
	 * joined with "and" to --pn. The report starts 2026-01-30. */
	static const struct { const char *args[7]; int found; } since[] = {
		{ { "report", "query", "--since", "2020-01-01", "--json" }, 1 },
		{ { "report", "query", "--since", "2020-01-01T00:00:00", "--json" }, 1 },
		{ { "report", "query", "--since", "2099-01-01", "--json" }, 0 },
		{ { "report", "query", "--pn", "4494394418", "--since", "2020-01-01", "--json" }, 1 },
		{ { "report", "query", "--since", "2026-01-31", "--pn", "4494394418", "--json" }, 0 },
		{ { "report", "query", "--since", "7d", "--json" }, -1 },
	};
	for (size_t i = 0; i < sizeof(since) / sizeof(since[0]); i++) {
		char *argv[9] = { (char *)tu_cli() };
		for (size_t j = 0; j < 7 && since[i].args[j]; j++)
			argv[j + 1] = (char *)since[i].args[j];
		rc = tu_run(argv, &out, &err);
		if (rc)
			fail_msg("wats report query --since %s: exit %d: %s%s", since[i].args[3], rc,
				 out, err);
		int found = strstr(out, "7b234dbc-3d06-4738-b176-c6d995dacb66") != NULL;
		if (since[i].found >= 0 && found != since[i].found)
			fail_msg("case %zu: report %sfound: %s", i, found ? "" : "not ", out);
		free(out);
		free(err);
	}
}

static void test_objects_made_over_http_are_seen_by_the_cli(void **state)
{
	(void)state;
	th_resp r = th_put(srv, "/api/Product", "{\"partNumber\":\"CLI-PN\",\"name\":\"Seen by CLI\","
			   "\"revisions\":[{\"revision\":\"A\"}]}");
	th_expect(&r, 200);
	th_free(&r);
	r = th_put(srv, "/api/Production/Units", "[{\"serialNumber\":\"CLI-SN\","
		   "\"partNumber\":\"CLI-PN\",\"revision\":\"A\"}]");
	th_expect(&r, 200);
	th_free(&r);
	char *out, *err;
	assert_int_equal(wats(&out, &err, "product", "get", "CLI-PN", NULL), 0);
	assert_non_null(strstr(out, "CLI-PN"));
	free(out);
	free(err);
	assert_int_equal(wats(&out, &err, "unit", "get", "CLI-SN", "CLI-PN"), 0);
	assert_non_null(strstr(out, "CLI-SN"));
	free(out);
	free(err);
	assert_int_equal(route_count("GET /api/Product/{partNumber}", "200"), 1);
}

static void test_cli_sees_outage_and_bad_token(void **state)
{
	(void)state;
	th_resp r = th_post(srv, "/_dev/faults", "{\"outage_ms\":60000}");
	th_expect(&r, 200);
	th_free(&r);
	char *out, *err;
	/* server or network error: exit 4 */
	assert_int_equal(wats(&out, &err, "product", "get", "CLI-PN", NULL), 4);
	free(out);
	free(err);
	assert_true(route_count("GET /api/Product/{partNumber}", "503") >= 1);
	r = th_delete(srv, "/_dev/faults");
	th_expect(&r, 200);
	th_free(&r);

	setenv("WATS_AUTH_TOKEN", "d3Jvbmc=", 1);
	assert_int_equal(wats(&out, &err, "test-connection", NULL, NULL, NULL), 4);
	assert_non_null(strstr(err, "401"));
	free(out);
	free(err);
	setenv("WATS_AUTH_TOKEN", tu_devserver_token(srv), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_submit_stores_the_file_as_sent),
		cmocka_unit_test(test_objects_made_over_http_are_seen_by_the_cli),
		cmocka_unit_test(test_cli_sees_outage_and_bad_token),
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
