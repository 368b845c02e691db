/* The network verbs of the `wats` CLI against wats-devserver: output and exit codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "devserver.h"

static tu_devserver *ds;

static int setup(void **state)
{
	(void)state;
	ds = tu_devserver_start(NULL, NULL);
	setenv("WATS_BASE_URL", tu_devserver_url(ds), 1);
	setenv("WATS_AUTH_TOKEN", tu_devserver_token(ds), 1);
	setenv("WATS_STATION", "cli-test", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_devserver_stop(ds);
	return 0;
}

/* Run wats with up to 8 arguments; returns the exit status, output in *out (free it). */
static int wats(char **out, char **err, const char *a1, const char *a2, const char *a3,
		const char *a4, const char *a5)
{
	char *argv[] = { (char *)tu_cli(), (char *)a1, (char *)a2, (char *)a3, (char *)a4, (char *)a5, NULL };
	return tu_run(argv, out, err);
}

static void test_cli(void **state)
{
	(void)state;
	char *out, *err;
	assert_int_equal(wats(&out, &err, "test-connection", NULL, NULL, NULL, NULL), 0);
	assert_non_null(strstr(out, "connected to"));
	assert_non_null(strstr(out, "CLI-TEST"));
	free(out), free(err);
	/* Submit two reports: one id per file. */
	char rep[1024], uur[1024];
	snprintf(rep, sizeof(rep), "%s", tu_fixture("new_report_example.json"));
	snprintf(uur, sizeof(uur), "%s", tu_fixture("uur_example.json"));
	assert_int_equal(wats(&out, &err, "submit", rep, uur, NULL, NULL), 0);
	assert_non_null(strstr(out, "2 submitted, 0 failed"));
	char id[64] = "";
	const char *colon = strstr(out, ".json: ");
	assert_non_null(colon);
	sscanf(colon + 7, "%63s", id);
	free(out), free(err);
	assert_int_equal(wats(&out, &err, "report", "get", id, NULL, NULL), 0);
	assert_non_null(strstr(out, id));
	free(out), free(err);
	assert_int_equal(wats(&out, &err, "report", "query", "--json", NULL, NULL), 0);
	assert_non_null(strstr(out, id));
	free(out), free(err);
	/* The route table from the shell. */
	assert_int_equal(wats(&out, &err, "api", "list", NULL, NULL, NULL), 0);
	assert_non_null(strstr(out, "204 routes"));
	free(out), free(err);
	assert_int_equal(wats(&out, &err, "api", "call", "analytics.get_version", NULL, NULL), 0);
	assert_non_null(strstr(out, "wats-devserver"));
	free(out), free(err);
	assert_int_equal(wats(&out, &err, "api", "call", "PR14", "partNumber=X", "rev=A"), 2);
	assert_non_null(strstr(err, "unknown parameter 'rev'"));
	free(out), free(err);
	/* Not found is a negative answer (1); bad usage 2; no server 4. */
	assert_int_equal(wats(&out, &err, "product", "get", "NO-SUCH", NULL, NULL), 1);
	assert_non_null(strstr(err, "404"));
	free(out), free(err);
	assert_int_equal(wats(&out, &err, "unit", "get", "SN-only", NULL, NULL), 2);
	free(out), free(err);
	assert_int_equal(wats(&out, &err, "test-connection", "--url", "http://127.0.0.1:1", NULL, NULL), 4);
	free(out), free(err);
	assert_int_equal(wats(&out, &err, "test-connection", "--token", "bad", NULL, NULL), 4);
	assert_non_null(strstr(err, "401"));
	free(out), free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_cli) };
	return cmocka_run_group_tests(tests, setup, teardown);
}
