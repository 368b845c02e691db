/* Lossless reading and writing of WSJF: the shared real exports and hand-made edge cases. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "wats/wats.h"

static wats_report *parse_ok(const char *json)
{
	wats_report *r = NULL;
	int rc = wats_report_parse(&r, json, strlen(json), NULL);
	if (rc)
		fail_msg("parse failed: %s", wats_error_last()->message);
	return r;
}

static char *write_ok(const wats_report *r, unsigned flags)
{
	char *out = NULL;
	assert_int_equal(wats_report_write(&out, NULL, r, flags), 0);
	return out;
}

/* parse(s) then write gives exactly s */
static void assert_roundtrip(const char *json)
{
	wats_report *r = parse_ok(json);
	char *out = write_ok(r, 0);
	assert_string_equal(out, json);
	wats_free(out);
	wats_report_free(r);
}

static void roundtrip_fixture(const char *name)
{
	size_t len;
	char *orig = tu_read(tu_fixture(name), &len);
	wats_report *r = NULL;
	assert_int_equal(wats_report_read_file(&r, tu_fixture(name), NULL), 0);
	char *out = NULL;
	size_t olen = 0;
	assert_int_equal(wats_report_write(&out, &olen, r, 0), 0);
	assert_int_equal(olen, len);
	assert_memory_equal(out, orig, len);
	/* Pretty output is the same document: parse it back and write it compact. */
	char *pretty = write_ok(r, WATS_WRITE_PRETTY);
	assert_true(strlen(pretty) > len);
	wats_report *r2 = parse_ok(pretty);
	char *again = write_ok(r2, 0);
	assert_string_equal(again, orig);
	/* Memory while parsed stays under 3x the JSON (the target). */
	assert_true(wats_report_memory(r) < 3 * len);
	wats_free(out);
	wats_free(pretty);
	wats_free(again);
	wats_report_free(r);
	wats_report_free(r2);
	free(orig);
}

static void test_fixture_uut_byte_exact(void **state)
{
	(void)state;
	roundtrip_fixture("new_report_example.json");
}

static void test_fixture_uur_byte_exact(void **state)
{
	(void)state;
	roundtrip_fixture("uur_example.json");
}

static void test_fixture_content(void **state)
{
	(void)state;
	wats_report *r = NULL;
	assert_int_equal(wats_report_read_file(&r, tu_fixture("new_report_example.json"), NULL), 0);
	assert_string_equal(wats_report_pn(r), "4494394418");
	assert_string_equal(wats_report_sn(r), "244750022142");
	int pc = 0;
	assert_int_equal(wats_report_process_code(&pc, r), 0);
	assert_int_equal(pc, 50);
	assert_int_equal(wats_report_result(r), WATS_STATUS_PASSED);
	wats_step *root = wats_report_root(r);
	assert_string_equal(wats_step_type(root), "WATS_SeqCall");
	assert_int_equal(wats_step_kind_of(root), WATS_STEP_SEQUENCE);
	assert_int_equal(wats_step_count(root), 281);
	wats_step *first = wats_step_first_child(root);
	assert_string_equal(wats_step_name(first), "Measure fixture temp");
	assert_int_equal(wats_step_kind_of(first), WATS_STEP_NUMERIC);
	wats_meas *m = wats_step_meas_at(first, 0);
	char text[64];
	assert_int_equal(wats_node_number_text(text, sizeof(text), wats_node_get(m, "value")), 0);
	assert_string_equal(text, "30.1822794904241");
	/* A buffer one byte short: an error naming the size, never a cut number. */
	char small[17];
	assert_int_equal(wats_node_number_text(small, 16, wats_node_get(m, "value")), WATS_ELIMIT);
	assert_string_equal(small, "");
	assert_non_null(strstr(wats_error_last()->message, "17 bytes"));
	assert_int_equal(wats_node_number_text(small, sizeof(small), wats_node_get(m, "value")), 0);
	assert_string_equal(small, "30.1822794904241");
	assert_int_equal(wats_meas_compop(m), WATS_COMP_GELE);
	time_t t;
	long ns;
	int off;
	assert_int_equal(wats_report_start_time(&t, &ns, &off, r), 0);
	assert_int_equal(t, 1769770176); /* 2026-01-30T10:49:36Z */
	assert_int_equal(ns, 919000000);
	assert_int_equal(off, 0);
	wats_report_free(r);
}

static void test_numbers_keep_their_text(void **state)
{
	(void)state;
	assert_roundtrip("{\"a\":4.55E-05,\"b\":10.0,\"c\":28.9230769230769,\"d\":-0.0,\"e\":1e+16,"
			 "\"f\":123456789012345678901234567890,\"g\":0.1000000000000000055511151231257827}");
}

static void test_unknown_keys_nulls_and_order_kept(void **state)
{
	(void)state;
	assert_roundtrip("{\"zeta\":1,\"pn\":null,\"futureKey\":{\"x\":[null,true,false,\"s\"]},"
			 "\"root\":{\"stepType\":\"ET_FUTURE\",\"extra\":{\"deep\":[1,2]},\"steps\":[]},"
			 "\"empty\":{},\"arr\":[]}");
}

static void test_strings_escapes_and_unicode(void **state)
{
	(void)state;
	assert_roundtrip("{\"s\":\"quote \\\" backslash \\\\ newline \\n tab \\t ctrl \\u0001\","
			 "\"u\":\"Zürich – 温度 😀\",\"slash\":\"a/b\"}");
}

static void test_aliases_map_to_wsjf_keys(void **state)
{
	(void)state;
	wats_report *r = parse_ok("{\"process_code\":10,\"station_name\":\"S1\",\"uut\":{\"operator\":\"ann\"},"
				  "\"root\":{\"step_type\":\"ET_NLT\",\"loop\":{\"i\":2,\"n\":3},"
				  "\"numericMeas\":[{\"comp_op\":\"GE\",\"low_limit\":1}]},"
				  "\"other\":{\"process_code\":1}}");
	char *out = write_ok(r, 0);
	/* Renamed only inside objects the model knows; "other" is left alone. */
	assert_string_equal(out, "{\"processCode\":10,\"machineName\":\"S1\",\"uut\":{\"user\":\"ann\"},"
				 "\"root\":{\"stepType\":\"ET_NLT\",\"loop\":{\"idx\":2,\"num\":3},"
				 "\"numericMeas\":[{\"compOp\":\"GE\",\"lowLimit\":1}]},"
				 "\"other\":{\"process_code\":1}}");
	wats_free(out);
	wats_report_free(r);

	wats_parse_options o = WATS_PARSE_OPTIONS_INIT;
	o.flags = WATS_PARSE_KEEP_ALIASES;
	const char *in = "{\"process_code\":10}";
	assert_int_equal(wats_report_parse(&r, in, strlen(in), &o), 0);
	out = write_ok(r, 0);
	assert_string_equal(out, in);
	wats_free(out);
	wats_report_free(r);
}

static void test_status_words_become_letters(void **state)
{
	(void)state;
	wats_report *r = parse_ok("{\"result\":\"Failed\",\"root\":{\"status\":\"passed\",\"steps\":[{\"status\":\"ok\","
				  "\"numericMeas\":[{\"status\":\"NG\"}]},{\"status\":\"weird\"}]},"
				  "\"other\":{\"status\":\"Passed\"}}");
	char *out = write_ok(r, 0);
	assert_string_equal(out, "{\"result\":\"F\",\"root\":{\"status\":\"P\",\"steps\":[{\"status\":\"P\","
				 "\"numericMeas\":[{\"status\":\"F\"}]},{\"status\":\"weird\"}]},"
				 "\"other\":{\"status\":\"Passed\"}}");
	wats_free(out);
	wats_report_free(r);
}

static void test_bom_is_skipped(void **state)
{
	(void)state;
	const char *in = "\xEF\xBB\xBF{\"a\":1}";
	wats_report *r = NULL;
	assert_int_equal(wats_report_parse(&r, in, strlen(in), NULL), 0);
	char *out = write_ok(r, 0);
	assert_string_equal(out, "{\"a\":1}");
	wats_free(out);
	wats_report_free(r);
}

static void expect_parse_error(const char *json, int code, int line, int col, const char *needle)
{
	wats_report *r = (wats_report *)0x1;
	wats_parse_options o = WATS_PARSE_OPTIONS_INIT;
	o.filename = "in.json";
	assert_int_equal(wats_report_parse(&r, json, strlen(json), &o), code);
	assert_null(r);
	const wats_error *e = wats_error_last();
	if (line) {
		assert_int_equal(e->line, line);
		assert_int_equal(e->column, col);
	}
	if (!strstr(e->message, needle))
		fail_msg("message '%s' lacks '%s'", e->message, needle);
	assert_non_null(strstr(e->message, "in.json"));
}

static void test_malformed_input_errors(void **state)
{
	(void)state;
	expect_parse_error("{\"a\":1,\n  \"b\": }", WATS_EPARSE, 2, 8, "not valid JSON");
	expect_parse_error("{\"a\":1", WATS_EPARSE, 1, 7, "premature EOF");
	expect_parse_error("{\n\"a\":[1,\n2", WATS_EPARSE, 3, 2, "premature EOF");
	expect_parse_error("[1,2]", WATS_EPARSE, 1, 1, "must be a JSON object");
	expect_parse_error("", WATS_EPARSE, 0, 0, "empty input");
	expect_parse_error("{\"a\":1} {}", WATS_EPARSE, 0, 0, "not valid JSON");
	expect_parse_error("{\"a\":\"\xC3\x28\"}", WATS_EPARSE, 0, 0, "not valid JSON");
	expect_parse_error("{\"a\":01}", WATS_EPARSE, 0, 0, "not valid JSON");
}

static void test_depth_limit(void **state)
{
	(void)state;
	char deep[600];
	size_t n = 0;
	deep[n++] = '{';
	deep[n++] = '"';
	deep[n++] = 'a';
	deep[n++] = '"';
	deep[n++] = ':';
	for (int i = 0; i < 200; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	wats_report *r = NULL;
	assert_int_equal(wats_report_parse(&r, deep, n, NULL), WATS_ELIMIT);
	assert_non_null(strstr(wats_error_last()->message, "deeper"));
	/* Exactly at the limit still parses and writes. */
	char ok[400];
	n = 0;
	ok[n++] = '{';
	ok[n++] = '"';
	ok[n++] = 'a';
	ok[n++] = '"';
	ok[n++] = ':';
	for (int i = 0; i < WATS_PARSE_MAX_DEPTH - 1; i++)
		ok[n++] = '[';
	for (int i = 0; i < WATS_PARSE_MAX_DEPTH - 1; i++)
		ok[n++] = ']';
	ok[n++] = '}';
	ok[n] = '\0';
	assert_roundtrip(ok);
}

static void test_read_file_errors_name_the_file(void **state)
{
	(void)state;
	wats_report *r = NULL;
	assert_int_equal(wats_report_read_file(&r, "/nonexistent/report.json", NULL), WATS_ENOTFOUND);
	assert_non_null(strstr(wats_error_last()->message, "/nonexistent/report.json"));
	char *dir = tu_tmpdir();
	char path[4096];
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	tu_write(path, "{\n\"x\": [1,\n", 11);
	assert_int_equal(wats_report_read_file(&r, path, NULL), WATS_EPARSE);
	assert_non_null(strstr(wats_error_last()->message, "bad.json"));
	assert_string_equal(wats_error_last()->file, path);
	tu_rmtree(dir);
	free(dir);
}

static void test_write_file_atomic(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[4096];
	snprintf(path, sizeof(path), "%s/out.json", dir);
	wats_report *r = parse_ok("{\"a\":[1,2,{\"b\":null}]}");
	assert_int_equal(wats_report_write_file(r, path, 0), 0);
	char *back = tu_read(path, NULL);
	assert_string_equal(back, "{\"a\":[1,2,{\"b\":null}]}");
	free(back);
	wats_report_free(r);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_uut_byte_exact),
		cmocka_unit_test(test_fixture_uur_byte_exact),
		cmocka_unit_test(test_fixture_content),
		cmocka_unit_test(test_numbers_keep_their_text),
		cmocka_unit_test(test_unknown_keys_nulls_and_order_kept),
		cmocka_unit_test(test_strings_escapes_and_unicode),
		cmocka_unit_test(test_aliases_map_to_wsjf_keys),
		cmocka_unit_test(test_status_words_become_letters),
		cmocka_unit_test(test_bom_is_skipped),
		cmocka_unit_test(test_malformed_input_errors),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_read_file_errors_name_the_file),
		cmocka_unit_test(test_write_file_atomic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
