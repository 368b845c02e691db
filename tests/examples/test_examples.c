/* The examples do what the README says: run them for real. */
#include "testutil.h"
#include "devserver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wats/wats.h"

static void test_quickstart_submits_to_devserver(void **state)
{
	(void)state;
	tu_devserver *s = tu_devserver_start(NULL, NULL);
	setenv("WATS_BASE_URL", tu_devserver_url(s), 1);
	setenv("WATS_AUTH_TOKEN", tu_devserver_token(s), 1);
	setenv("WATS_STATION", "quickstart-station", 1);
	/* Only the server and token, as the README shows: the station identity fills the rest. */
	unsetenv("WATS_LOCATION");
	unsetenv("WATS_PURPOSE");
	char *out = NULL, *err = NULL;
	char *argv[] = { (char *)getenv("WATS_EXAMPLE_QUICKSTART"), NULL };
	int rc = tu_run(argv, &out, &err);
	if (rc != 0)
		fail_msg("quickstart exited %d: %s", rc, err);
	char id[64] = "";
	assert_int_equal(sscanf(out, "submitted report %36[0-9a-f-]", id), 1);
	assert_non_null(strstr(out, "result P"));

	/* The server has it, with the station identity filled in. */
	wats_client *c = NULL;
	assert_int_equal(wats_client_new_from_env(&c, NULL), 0);
	char *json = NULL;
	size_t len = 0;
	assert_int_equal(wats_api_get_report(&json, &len, c, id, WATS_WIRE_WSJF), 0);
	wats_report *r = NULL;
	assert_int_equal(wats_report_parse(&r, json, len, NULL), 0);
	assert_string_equal(wats_report_sn(r), "SN-0042");
	assert_string_equal(wats_report_machine_name(r), "QUICKSTART-STATION");
	assert_int_equal(wats_report_validate(r, NULL), 0);
	wats_report_free(r);
	wats_free(json);
	wats_client_free(c);
	free(out);
	free(err);
	tu_devserver_stop(s);
}

static void test_build_report_writes_valid_wsjf(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[4096];
	snprintf(path, sizeof(path), "%s/report.json", dir);
	char *argv[] = { (char *)getenv("WATS_EXAMPLE_BUILD_REPORT"), path, NULL };
	char *err = NULL;
	assert_int_equal(tu_run(argv, NULL, &err), 0);
	assert_non_null(strstr(err, "result F"));
	wats_report *r = NULL;
	assert_int_equal(wats_report_read_file(&r, path, NULL), 0);
	assert_int_equal(wats_report_validate(r, NULL), 0);
	/* every kind of step is in it */
	int seen[WATS_STEP_UNKNOWN + 1] = { 0 };
	for (wats_step *s = wats_step_first_child(wats_report_root(r)); s; s = wats_step_next(s)) {
		seen[wats_step_kind_of(s)] = 1;
		for (wats_step *c = wats_step_first_child(s); c; c = wats_step_next(c))
			seen[wats_step_kind_of(c)] = 1;
	}
	for (int k = 0; k <= WATS_STEP_UNKNOWN; k++)
		if (!seen[k] && k != WATS_STEP_GENERIC)
			fail_msg("step kind %d missing from the example", k);
	wats_report_free(r);
	free(err);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quickstart_submits_to_devserver),
		cmocka_unit_test(test_build_report_writes_valid_wsjf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
