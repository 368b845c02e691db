/* Validation: each rule names the field path and the rule. */
#include "testutil.h"

#include <string.h>

#include "wats/wats.h"

#define GOOD_HEADER                                                                          \
	"\"id\":\"7b234dbc-3d06-4738-b176-c6d995dacb66\",\"type\":\"T\",\"pn\":\"PN1\",\"sn\":\"SN1\"," \
	"\"rev\":\"A\",\"processCode\":10,\"result\":\"P\",\"machineName\":\"st\",\"location\":\"L\","  \
	"\"purpose\":\"P\",\"start\":\"2026-01-30T10:49:36.919+00:00\""

/* Validate json; expect an issue with this path and rule (and severity), or none when path NULL. */
static void expect(const char *json, const char *path, const char *rule, wats_severity sev)
{
	wats_report *r = NULL;
	if (wats_report_parse(&r, json, strlen(json), NULL))
		fail_msg("parse: %s", wats_error_last()->message);
	wats_validation *v = NULL;
	int rc = wats_report_validate(r, &v);
	int found = 0;
	for (size_t i = 0; i < wats_validation_count(v); i++) {
		const wats_issue *is = wats_validation_get(v, i);
		if (path && !strcmp(is->path, path) && !strcmp(is->rule, rule) && is->severity == sev)
			found = 1;
	}
	if (!path) {
		for (size_t i = 0; i < wats_validation_count(v); i++)
			print_message("unexpected: %s %s %s\n", wats_validation_get(v, i)->path,
				      wats_validation_get(v, i)->rule, wats_validation_get(v, i)->message);
		assert_int_equal(rc, 0);
		assert_int_equal(wats_validation_count(v), 0);
	} else {
		if (!found) {
			for (size_t i = 0; i < wats_validation_count(v); i++)
				print_message("got: %s [%s] %s\n", wats_validation_get(v, i)->path,
					      wats_validation_get(v, i)->rule, wats_validation_get(v, i)->message);
			fail_msg("expected %s [%s]", path, rule);
		}
		assert_int_equal(rc, sev == WATS_SEVERITY_ERROR ? WATS_EVALIDATION : rc);
	}
	wats_validation_free(v);
	wats_report_free(r);
}

#define E WATS_SEVERITY_ERROR
#define W WATS_SEVERITY_WARNING

static void test_good_report_is_clean(void **state)
{
	(void)state;
	expect("{" GOOD_HEADER ",\"root\":{\"stepType\":\"SequenceCall\",\"name\":\"Main\",\"steps\":[]}}", NULL, NULL, 0);
}

static void test_header_rules(void **state)
{
	(void)state;
	expect("{\"id\":\"7b234dbc-3d06-4738-b176-c6d995dacb66\",\"root\":{}}", "pn", "required", E);
	expect("{" GOOD_HEADER ",\"sn\":\"SN*001\",\"root\":{}}", "sn", "forbidden-chars", E);
	expect("{" GOOD_HEADER ",\"pn\":\"PART/001\",\"root\":{}}", "pn", "forbidden-chars", E);
	expect("{" GOOD_HEADER ",\"pn\":\"\",\"root\":{}}", "pn", "required", E);
	expect("{" GOOD_HEADER ",\"id\":\"1234\",\"root\":{}}", "id", "guid", E);
	expect("{" GOOD_HEADER ",\"type\":\"X\",\"root\":{}}", "type", "type", E);
	expect("{" GOOD_HEADER ",\"result\":\"S\",\"root\":{}}", "result", "status", E);
	expect("{" GOOD_HEADER ",\"processCode\":10.5,\"root\":{}}", "processCode", "type", E);
	expect("{" GOOD_HEADER ",\"processCode\":\"10\",\"root\":{}}", "processCode", "type", E);
	expect("{" GOOD_HEADER ",\"start\":\"yesterday\",\"root\":{}}", "start", "time", E);
	expect("{" GOOD_HEADER ",\"start\":\"2026-01-30T10:49:36\",\"root\":{}}", "start", "time-offset", W);
	char longname[1024] = "{" GOOD_HEADER ",\"location\":\"";
	size_t n = strlen(longname);
	memset(longname + n, 'x', 101);
	strcpy(longname + n + 101, "\",\"root\":{}}");
	expect(longname, "location", "max-length", E);
	/* Length counts characters, not bytes: 100 two-byte characters are fine. */
	char utf[1024] = "{" GOOD_HEADER ",\"location\":\"";
	n = strlen(utf);
	for (int i = 0; i < 100; i++) {
		utf[n++] = '\xC3';
		utf[n++] = '\xA9';
	}
	strcpy(utf + n, "\",\"root\":{\"stepType\":\"SequenceCall\",\"name\":\"M\"}}");
	expect(utf, "location", "duplicate-key", W);
	wats_report *r = NULL;
	assert_int_equal(wats_report_parse(&r, utf, strlen(utf), NULL), 0);
	assert_int_equal(wats_report_validate(r, NULL), 0); /* a warning only: the later value is valid */
	assert_int_equal(strlen(wats_report_location(r)), 200);
	wats_report_free(r);
}

static void test_collections(void **state)
{
	(void)state;
	expect("{" GOOD_HEADER ",\"miscInfos\":[{\"text\":\"x\"}],\"root\":{}}", "miscInfos[0].description", "required", E);
	expect("{" GOOD_HEADER ",\"subUnits\":[{\"pn\":\"A\",\"sn\":\"B?\"}],\"root\":{}}", "subUnits[0].sn", "forbidden-chars", E);
	expect("{" GOOD_HEADER ",\"subUnits\":[5],\"root\":{}}", "subUnits[0]", "type", E);
	expect("{" GOOD_HEADER ",\"assets\":[{\"assetType\":\"x\"}],\"root\":{}}", "assets[0].sn", "required", E);
	expect("{" GOOD_HEADER ",\"binaryData\":[{\"name\":\"a\",\"data\":\"AA==\"}],\"root\":{}}", "binaryData[0].contentType", "required", E);
	expect("{" GOOD_HEADER ",\"miscInfos\":{},\"root\":{}}", "miscInfos", "type", E);
}

#define STEP(body) "{" GOOD_HEADER ",\"root\":{\"stepType\":\"SequenceCall\",\"name\":\"M\",\"steps\":[" body "]}}"

static void test_step_rules(void **state)
{
	(void)state;
	expect(STEP("{\"stepType\":\"ET_NLT\",\"name\":\"a\",\"group\":\"Main\"}"), "root.steps[0].group", "group", E);
	expect(STEP("{\"stepType\":\"ET_NLT\",\"name\":\"a\",\"status\":\"X\"}"), "root.steps[0].status", "status", E);
	expect(STEP("{\"name\":\"a\"}"), "root.steps[0].stepType", "required", W);
	expect(STEP("{\"stepType\":\"ET_A\",\"name\":\"a\",\"totTime\":\"slow\"}"), "root.steps[0].totTime", "type", E);
	expect(STEP("{\"stepType\":\"ET_A\",\"name\":\"a\",\"totTime\":\"NaN\"}"), NULL, NULL, 0);
	expect(STEP("{\"stepType\":\"ET_A\",\"name\":\"a\",\"steps\":[{\"stepType\":\"X\",\"name\":\"\"}]}"),
	       "root.steps[0].steps[0].name", "required", E);
	expect(STEP("{\"stepType\":\"ET_NLT\",\"name\":\"a\",\"numericMeas\":[{\"compOp\":\"BETWEEN\",\"value\":1}]}"),
	       "root.steps[0].numericMeas[0].compOp", "compop", E);
	expect(STEP("{\"stepType\":\"ET_NLT\",\"name\":\"a\",\"numericMeas\":[{\"compOp\":\"GELE\",\"value\":1,\"lowLimit\":0}]}"),
	       "root.steps[0].numericMeas[0].highLimit", "limits", W);
	expect(STEP("{\"stepType\":\"ET_NLT\",\"name\":\"a\",\"numericMeas\":[{\"compOp\":\"GE\",\"value\":true,\"lowLimit\":0}]}"),
	       "root.steps[0].numericMeas[0].value", "type", E);
	expect(STEP("{\"stepType\":\"ET_MNLT\",\"name\":\"a\",\"numericMeas\":[{\"compOp\":\"LOG\",\"value\":1}]}"),
	       "root.steps[0].numericMeas[0].name", "required", E);
	expect(STEP("{\"stepType\":\"ET_NLT\",\"name\":\"a\",\"numericMeas\":[{\"value\":1},{\"value\":2}]}"),
	       "root.steps[0].numericMeas", "single-step", W);
	expect(STEP("{\"stepType\":\"ET_SVT\",\"name\":\"a\",\"stringMeas\":[{\"value\":12.5,\"compOp\":\"LOG\"}]}"),
	       "root.steps[0].stringMeas[0].value", "type", E);
	expect(STEP("{\"stepType\":\"Chart\",\"name\":\"a\",\"chart\":{\"chartType\":\"LineChart\",\"xUnit\":null}}"),
	       "root.steps[0].chart.chartType", "chart-type", E);
	expect(STEP("{\"stepType\":\"ET_A\",\"name\":\"a\",\"loop\":{\"idx\":1.5}}"), "root.steps[0].loop.idx", "type", E);
	expect(STEP("{\"stepType\":\"ET_A\",\"name\":\"a\",\"attachment\":{\"data\":\"AA==\"}}"),
	       "root.steps[0].attachment.name", "required", E);
}

static void test_uur_rules(void **state)
{
	(void)state;
	expect("{\"id\":\"7b234dbc-3d06-4738-b176-c6d995dacb66\",\"type\":\"R\",\"pn\":\"P\",\"sn\":\"S\",\"rev\":\"A\","
	       "\"processCode\":500,\"machineName\":\"m\",\"location\":\"l\",\"purpose\":\"p\","
	       "\"start\":\"2026-01-30T10:49:36Z\"}", "uur", "required", E);
	expect("{\"id\":\"7b234dbc-3d06-4738-b176-c6d995dacb66\",\"type\":\"R\",\"pn\":\"P\",\"sn\":\"S\",\"rev\":\"A\","
	       "\"processCode\":500,\"machineName\":\"m\",\"location\":\"l\",\"purpose\":\"p\","
	       "\"start\":\"2026-01-30T10:49:36Z\",\"uur\":{\"refUUT\":\"nope\",\"processCode\":500}}",
	       "uur.refUUT", "guid", E);
	expect("{\"id\":\"7b234dbc-3d06-4738-b176-c6d995dacb66\",\"type\":\"R\",\"pn\":\"P\",\"sn\":\"S\",\"rev\":\"A\","
	       "\"processCode\":500,\"machineName\":\"m\",\"location\":\"l\",\"purpose\":\"p\","
	       "\"start\":\"2026-01-30T10:49:36Z\",\"uur\":{\"processCode\":500}}", "processCode", "process-code", W);
}

static void test_first_error_in_last_error(void **state)
{
	(void)state;
	const char *json = STEP("{\"stepType\":\"ET_NLT\",\"name\":\"a\",\"group\":\"Q\"}");
	wats_report *r = NULL;
	assert_int_equal(wats_report_parse(&r, json, strlen(json), NULL), 0);
	assert_int_equal(wats_report_validate(r, NULL), WATS_EVALIDATION);
	assert_string_equal(wats_error_last()->path, "root.steps[0].group");
	assert_non_null(strstr(wats_error_last()->message, "'Q'"));
	wats_report_free(r);
}

static void test_fixtures_are_valid(void **state)
{
	(void)state;
	const char *files[] = { "new_report_example.json", "uur_example.json" };
	for (size_t i = 0; i < 2; i++) {
		wats_report *r = NULL;
		assert_int_equal(wats_report_read_file(&r, tu_fixture(files[i]), NULL), 0);
		wats_validation *v = NULL;
		assert_int_equal(wats_report_validate(r, &v), 0);
		assert_int_equal(wats_validation_count(v), 0);
		wats_validation_free(v);
		wats_report_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_report_is_clean),
		cmocka_unit_test(test_header_rules),
		cmocka_unit_test(test_collections),
		cmocka_unit_test(test_step_rules),
		cmocka_unit_test(test_uur_rules),
		cmocka_unit_test(test_first_error_in_last_error),
		cmocka_unit_test(test_fixtures_are_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
