/* Building reports through the typed API: every step type, measurement rules, UUR failures. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wats/wats.h"

static char *write_ok(const wats_report *r)
{
	char *out = NULL;
	assert_int_equal(wats_report_write(&out, NULL, r, 0), 0);
	return out;
}

static void contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected to find %s in %s", needle, hay);
}

static wats_report *new_uut(void)
{
	wats_report *r = NULL;
	assert_int_equal(wats_report_new(&r, WATS_REPORT_UUT), 0);
	assert_int_equal(wats_report_set_pn(r, "PN-1"), 0);
	assert_int_equal(wats_report_set_sn(r, "SN-1"), 0);
	assert_int_equal(wats_report_set_rev(r, "A"), 0);
	assert_int_equal(wats_report_set_process_code(r, 10), 0);
	assert_int_equal(wats_report_set_machine_name(r, "station-1"), 0);
	assert_int_equal(wats_report_set_location(r, "Lab"), 0);
	assert_int_equal(wats_report_set_purpose(r, "Test"), 0);
	return r;
}

static void test_new_report_defaults(void **state)
{
	(void)state;
	wats_report *r = NULL;
	assert_int_equal(wats_report_new(&r, WATS_REPORT_UUT), 0);
	assert_int_equal(wats_report_get_type(r), WATS_REPORT_UUT);
	assert_int_equal(strlen(wats_report_id(r)), 36);
	assert_int_equal(wats_report_result(r), WATS_STATUS_PASSED);
	time_t t;
	long ns;
	int off;
	assert_int_equal(wats_report_start_time(&t, &ns, &off, r), 0);
	assert_true(llabs((long long)(t - time(NULL))) < 5);
	assert_string_equal(wats_step_name(wats_report_root(r)), "MainSequence Callback");
	/* Missing required fields are reported, by name. */
	wats_validation *v = NULL;
	assert_int_equal(wats_report_validate(r, &v), WATS_EVALIDATION);
	assert_true(wats_validation_errors(v) >= 7);
	assert_string_equal(wats_error_last()->path, "pn");
	wats_validation_free(v);
	/* Two new reports never share an id. */
	wats_report *r2 = NULL;
	assert_int_equal(wats_report_new(&r2, WATS_REPORT_UUR), 0);
	assert_string_not_equal(wats_report_id(r), wats_report_id(r2));
	assert_int_equal(wats_report_get_type(r2), WATS_REPORT_UUR);
	assert_null(wats_report_root(r2));
	wats_report_free(r);
	wats_report_free(r2);
	assert_int_equal(wats_report_new(&r, (wats_report_type)'X'), WATS_EINVAL);
}

static void test_header_fields(void **state)
{
	(void)state;
	wats_report *r = new_uut();
	assert_int_equal(wats_report_set_id(r, "not-a-guid"), WATS_EINVAL);
	assert_int_equal(wats_report_set_id(r, "7b234dbc-3d06-4738-b176-c6d995dacb66"), 0);
	assert_int_equal(wats_report_set_operator(r, "oper"), 0);
	assert_string_equal(wats_report_operator(r), "oper");
	assert_int_equal(wats_report_set_start(r, 1769770176, 919, 60), 0);
	assert_string_equal(wats_report_start(r), "2026-01-30T11:49:36.919+01:00");
	assert_int_equal(wats_report_set_start_text(r, "2026-01-30T10:49:36"), WATS_EINVAL);
	assert_int_equal(wats_report_set_start_text(r, "2026-01-30T10:49:36.4707353+01:00"), 0);
	assert_int_equal(wats_report_set_result(r, WATS_STATUS_SKIPPED), WATS_EINVAL);
	assert_int_equal(wats_report_set_result(r, WATS_STATUS_FAILED), 0);
	wats_node *info = wats_report_info(r);
	assert_int_equal(wats_node_set_string(r, info, "comment", "a comment"), 0);
	assert_int_equal(wats_node_set_string(r, info, "fixtureId", "FX-9"), 0);
	assert_int_equal(wats_node_set_int(r, info, "testSocketIndex", -1), 0);
	assert_int_equal(wats_node_set_number(r, info, "execTime", 12.5), 0);
	assert_int_equal(wats_report_add_misc_info(NULL, r, "Firmware", "1.2.3"), 0);
	assert_int_equal(wats_report_add_sub_unit(NULL, r, "PCB", "PCB-77", "B", "Board"), 0);
	assert_int_equal(wats_report_add_asset(NULL, r, "DMM-1", "Multimeter", 42), 0);
	unsigned char bytes[] = { 0, 1, 2, 250, 255 };
	assert_int_equal(wats_report_add_binary(NULL, r, "blob.bin", "application/octet-stream", bytes, 5), 0);
	wats_node *ad = NULL;
	assert_int_equal(wats_report_add_additional_data(&ad, r, "Station"), 0);
	wats_node *props = wats_node_get(ad, "props"), *prop = NULL;
	assert_int_equal(wats_node_set_object(&prop, r, props, NULL), 0);
	assert_int_equal(wats_node_set_string(r, prop, "name", "Temp"), 0);
	assert_int_equal(wats_node_set_string(r, prop, "type", "Number"), 0);
	assert_int_equal(wats_node_set_string(r, prop, "value", "21.5"), 0);

	char *out = write_ok(r);
	contains(out, "\"id\":\"7b234dbc-3d06-4738-b176-c6d995dacb66\",\"type\":\"T\",\"pn\":\"PN-1\",\"sn\":\"SN-1\","
		      "\"rev\":\"A\",\"processCode\":10,\"result\":\"F\",\"machineName\":\"station-1\"");
	contains(out, "\"start\":\"2026-01-30T10:49:36.4707353+01:00\"");
	contains(out, "\"uut\":{\"user\":\"oper\",\"comment\":\"a comment\",\"fixtureId\":\"FX-9\","
		      "\"testSocketIndex\":-1,\"execTime\":12.5}");
	contains(out, "\"miscInfos\":[{\"description\":\"Firmware\",\"text\":\"1.2.3\"}]");
	contains(out, "\"subUnits\":[{\"pn\":\"PCB\",\"sn\":\"PCB-77\",\"rev\":\"B\",\"partType\":\"Board\"}]");
	contains(out, "\"assets\":[{\"sn\":\"DMM-1\",\"assetType\":\"Multimeter\",\"usageCount\":42}]");
	contains(out, "\"binaryData\":[{\"contentType\":\"application/octet-stream\",\"data\":\"AAEC+v8=\",\"name\":\"blob.bin\"}]");
	contains(out, "\"additionalData\":[{\"name\":\"Station\",\"props\":[{\"name\":\"Temp\",\"type\":\"Number\",\"value\":\"21.5\"}]}]");
	assert_int_equal(wats_report_validate(r, NULL), 0);
	wats_free(out);
	wats_report_free(r);
}

static void test_every_step_type(void **state)
{
	(void)state;
	wats_report *r = new_uut();
	wats_step *root = wats_report_root(r), *seq, *s;
	assert_int_equal(wats_step_add(&seq, root, WATS_STEP_SEQUENCE, "Sub"), 0);
	assert_int_equal(wats_step_set_seq_call(seq, "C:/seq/sub.seq", "Sub", "1.2.0"), 0);

	assert_int_equal(wats_step_add(&s, seq, WATS_STEP_NUMERIC, "Voltage"), 0);
	assert_int_equal(wats_step_add_numeric(NULL, s, NULL, 3.3, WATS_COMP_GELE, 3.0, 3.6, "V"), 0);
	assert_int_equal(wats_step_add_numeric(NULL, s, NULL, 1, WATS_COMP_LOG, 0, 0, NULL), WATS_EINVAL);
	assert_non_null(strstr(wats_error_last()->message, "single-measurement"));

	assert_int_equal(wats_step_add(&s, seq, WATS_STEP_MULTI_NUMERIC, "Rails"), 0);
	assert_int_equal(wats_step_add_numeric(NULL, s, "5V", 5.01, WATS_COMP_GELE, 4.9, 5.1, "V"), 0);
	assert_int_equal(wats_step_add_numeric(NULL, s, "12V", 12.2, WATS_COMP_LT, 13, 0, "V"), 0);
	assert_int_equal(wats_step_add_numeric(NULL, s, "12V", 1, WATS_COMP_LOG, 0, 0, NULL), WATS_EEXISTS);
	assert_int_equal(wats_step_add_numeric(NULL, s, NULL, 1, WATS_COMP_LOG, 0, 0, NULL), WATS_EINVAL);
	assert_int_equal(wats_step_meas_count(s), 2);

	assert_int_equal(wats_step_add(&s, seq, WATS_STEP_PASSFAIL, "Boot"), 0);
	assert_int_equal(wats_step_add_passfail(NULL, s, NULL, 1), 0);
	assert_int_equal(wats_step_add_string(NULL, s, NULL, "x", WATS_COMP_LOG, NULL), WATS_EINVAL);
	assert_int_equal(wats_step_add(&s, seq, WATS_STEP_MULTI_PASSFAIL, "LEDs"), 0);
	assert_int_equal(wats_step_add_passfail(NULL, s, "red", 1), 0);
	assert_int_equal(wats_step_add_passfail(NULL, s, "green", 0), 0);
	assert_int_equal(wats_step_add(&s, seq, WATS_STEP_STRING, "FW"), 0);
	assert_int_equal(wats_step_add_string(NULL, s, NULL, "1.2.3", WATS_COMP_CASESENSIT, "1.2.3"), 0);
	assert_int_equal(wats_step_add(&s, seq, WATS_STEP_MULTI_STRING, "IDs"), 0);
	assert_int_equal(wats_step_add_string(NULL, s, "mac", "00:11", WATS_COMP_IGNORECASE, "00:11"), 0);
	assert_int_equal(wats_step_add_string(NULL, s, "hw", "r2", WATS_COMP_LOG, NULL), 0);

	assert_int_equal(wats_step_add(&s, seq, WATS_STEP_ACTION, "Power on"), 0);
	assert_int_equal(wats_step_status(s), WATS_STATUS_DONE);
	assert_int_equal(wats_step_add_typed(&s, seq, "NI_Wait", "Wait 1 s"), 0);
	assert_int_equal(wats_step_kind_of(s), WATS_STEP_GENERIC);
	assert_int_equal(wats_step_add_typed(&s, seq, "ET_VENDOR_X", "Vendor step"), 0);
	assert_int_equal(wats_step_kind_of(s), WATS_STEP_UNKNOWN);
	assert_int_equal(wats_step_add(&s, seq, WATS_STEP_CALL_EXE, "Flash"), 0);
	assert_int_equal(wats_step_set_call_exe(s, 0), 0);
	assert_int_equal(wats_step_add(&s, seq, WATS_STEP_MESSAGE_POPUP, "Ask"), 0);
	assert_int_equal(wats_step_set_message_popup(s, "Yes", 1), 0);

	assert_int_equal(wats_step_add(&s, seq, WATS_STEP_CHART, "Sweep"), 0);
	assert_int_equal(wats_step_add_chart_series(s, "gain", NULL, (double[]){ 1 }, 1), WATS_EINVAL);
	assert_int_equal(wats_step_set_chart(s, WATS_CHART_LINE_LOG_X, "Response", "f", "Hz", "gain", "dB"), 0);
	double x[] = { 10, 100, 1000 }, y[] = { 0.5, -1.25, -3 };
	assert_int_equal(wats_step_add_chart_series(s, "gain", x, y, 3), 0);

	assert_int_equal(wats_step_add(&s, seq, WATS_STEP_NUMERIC, "Looped"), 0);
	assert_int_equal(wats_step_set_loop(s, -1, 3, 3, 0), 0);
	assert_int_equal(wats_step_set_attachment(s, "log.txt", "text/plain", "hello", 5), 0);
	assert_int_equal(wats_step_set_group(s, 'C'), 0);
	assert_int_equal(wats_step_set_group(s, 'X'), WATS_EINVAL);
	assert_int_equal(wats_step_set_id(s, 99), 0);
	assert_int_equal(wats_step_set_tot_time(s, 0.25), 0);
	assert_int_equal(wats_step_set_error(s, 9999, "timeout"), 0);
	assert_int_equal(wats_step_set_report_text(s, "line 1\nline 2"), 0);
	wats_node *ar = NULL;
	assert_int_equal(wats_step_add_additional_result(&ar, s, "Extra"), 0);

	char *out = write_ok(r);
	contains(out, "\"seqCall\":{\"path\":\"C:/seq/sub.seq\",\"name\":\"Sub\",\"version\":\"1.2.0\"}");
	contains(out, "{\"stepType\":\"ET_NLT\",\"name\":\"Voltage\",\"group\":\"M\",\"status\":\"P\","
		      "\"numericMeas\":[{\"status\":\"P\",\"value\":3.3,\"unit\":\"V\",\"compOp\":\"GELE\","
		      "\"highLimit\":3.6,\"lowLimit\":3.0}]}");
	/* single-limit operators carry their limit in lowLimit, LT included */
	contains(out, "{\"status\":\"P\",\"name\":\"12V\",\"value\":12.2,\"unit\":\"V\",\"compOp\":\"LT\",\"lowLimit\":13.0}");
	contains(out, "\"booleanMeas\":[{\"status\":\"P\",\"name\":\"red\"},{\"status\":\"F\",\"name\":\"green\"}]");
	contains(out, "\"stringMeas\":[{\"status\":\"P\",\"value\":\"1.2.3\",\"compOp\":\"CASESENSIT\",\"limit\":\"1.2.3\"}]");
	contains(out, "{\"stepType\":\"NI_Wait\",\"name\":\"Wait 1 s\",\"group\":\"M\",\"status\":\"D\"}");
	contains(out, "\"callExe\":{\"exitCode\":0.0}");
	contains(out, "\"messagePopup\":{\"response\":\"Yes\",\"button\":1}");
	contains(out, "\"chart\":{\"chartType\":\"LineLogX\",\"label\":\"Response\",\"xLabel\":\"f\",\"xUnit\":\"Hz\","
		      "\"yLabel\":\"gain\",\"yUnit\":\"dB\",\"series\":[{\"dataType\":\"XYG\",\"name\":\"gain\","
		      "\"xdata\":\"10.0;100.0;1000.0\",\"ydata\":\"0.5;-1.25;-3.0\"}]}");
	contains(out, "\"loop\":{\"num\":3,\"endingIndex\":3,\"passed\":3,\"failed\":0}");
	contains(out, "\"attachment\":{\"name\":\"log.txt\",\"contentType\":\"text/plain\",\"data\":\"aGVsbG8=\"}");
	contains(out, "\"reportText\":\"line 1\\nline 2\"");

	/* What we build validates, and reads back to the same document. */
	wats_validation *v = NULL;
	int rc = wats_report_validate(r, &v);
	for (size_t i = 0; i < wats_validation_count(v); i++)
		print_message("%s: %s\n", wats_validation_get(v, i)->path, wats_validation_get(v, i)->message);
	assert_int_equal(rc, 0);
	wats_validation_free(v);
	wats_report *back = NULL;
	assert_int_equal(wats_report_parse(&back, out, strlen(out), NULL), 0);
	char *out2 = write_ok(back);
	assert_string_equal(out, out2);
	assert_int_equal(wats_step_count(wats_report_root(back)), wats_step_count(root));
	wats_free(out);
	wats_free(out2);
	wats_report_free(back);
	wats_report_free(r);
}

static void test_numeric_from_text_keeps_it(void **state)
{
	(void)state;
	wats_report *r = new_uut();
	wats_report_set_mode(r, WATS_MODE_ACTIVE);
	wats_step *s;
	assert_int_equal(wats_step_add(&s, wats_report_root(r), WATS_STEP_MULTI_NUMERIC, "texts"), 0);
	assert_int_equal(wats_step_add_numeric_text(NULL, s, "a", "4.55E-05", WATS_COMP_GELE, "1.0E-05", "1.00E-04", "A"), 0);
	assert_int_equal(wats_step_add_numeric_text(NULL, s, "b", "NaN", WATS_COMP_GE, "0", NULL, NULL), 0);
	assert_int_equal(wats_step_add_numeric_text(NULL, s, "c", NULL, WATS_COMP_LOG, NULL, NULL, NULL), 0);
	assert_int_equal(wats_step_add_numeric_text(NULL, s, "d", "12,5", WATS_COMP_LOG, NULL, NULL, NULL), WATS_EINVAL);
	assert_non_null(strstr(wats_error_last()->message, "'12,5'"));
	assert_int_equal(wats_step_add_numeric_text(NULL, s, "e", "1", WATS_COMP_GE, "1e400x", NULL, NULL), WATS_EINVAL);
	char *out = write_ok(r);
	contains(out, "{\"status\":\"P\",\"name\":\"a\",\"value\":4.55E-05,\"unit\":\"A\",\"compOp\":\"GELE\","
		      "\"highLimit\":1.00E-04,\"lowLimit\":1.0E-05}");
	/* NaN fails GE, in active mode: the step and the report fail */
	contains(out, "{\"status\":\"F\",\"name\":\"b\",\"value\":\"NaN\",\"compOp\":\"GE\",\"lowLimit\":0}");
	contains(out, "{\"status\":\"P\",\"name\":\"c\",\"value\":null,\"compOp\":\"LOG\"}");
	assert_int_equal(wats_report_result(r), WATS_STATUS_FAILED);
	assert_int_equal(wats_step_meas_count(s), 3);
	assert_int_equal(wats_report_validate(r, NULL), 0);
	wats_free(out);
	wats_report_free(r);
}

static void test_nonfinite_numbers_are_strings(void **state)
{
	(void)state;
	wats_report *r = new_uut();
	wats_step *s;
	assert_int_equal(wats_step_add(&s, wats_report_root(r), WATS_STEP_MULTI_NUMERIC, "odd"), 0);
	assert_int_equal(wats_step_add_numeric(NULL, s, "nan", NAN, WATS_COMP_LOG, 0, 0, NULL), 0);
	assert_int_equal(wats_step_add_numeric(NULL, s, "inf", -INFINITY, WATS_COMP_LOG, 0, 0, NULL), 0);
	assert_int_equal(wats_step_add_numeric(NULL, s, "tiny", 1e-10, WATS_COMP_LOG, 0, 0, NULL), 0);
	assert_int_equal(wats_step_add_numeric(NULL, s, "third", 1.0 / 3, WATS_COMP_LOG, 0, 0, NULL), 0);
	char *out = write_ok(r);
	contains(out, "\"value\":\"NaN\"");
	contains(out, "\"value\":\"-Infinity\"");
	contains(out, "\"value\":1e-10");
	contains(out, "\"value\":0.3333333333333333");
	assert_int_equal(wats_report_validate(r, NULL), 0);
	wats_free(out);
	wats_report_free(r);
}

static void test_uur_failures_and_main_unit(void **state)
{
	(void)state;
	wats_report *r = NULL;
	assert_int_equal(wats_report_new(&r, WATS_REPORT_UUR), 0);
	wats_report_set_pn(r, "PN");
	wats_report_set_sn(r, "SN1");
	wats_report_set_rev(r, "A");
	wats_report_set_process_code(r, 500);
	wats_report_set_machine_name(r, "repair");
	wats_report_set_location(r, "Lab");
	wats_report_set_purpose(r, "Repair");
	wats_node *uur = wats_report_info(r);
	assert_int_equal(wats_node_set_int(r, uur, "processCode", 90), 0);
	assert_int_equal(wats_node_set_string(r, uur, "refUUT", "873d67f8-7669-4f4b-a627-e598e444d323"), 0);
	wats_node *f = NULL;
	assert_int_equal(wats_uur_add_failure(&f, r, 0, "Component", "Burned"), 0);
	assert_int_equal(wats_node_set_string(r, f, "comRef", "U1"), 0);
	assert_int_equal(wats_uur_add_failure(NULL, r, 7, "Component", "X"), WATS_ENOTFOUND);
	assert_non_null(strstr(wats_error_last()->message, "idx=7"));
	wats_node *part = NULL;
	assert_int_equal(wats_report_add_sub_unit(&part, r, "PSU", "P-1", "1", "Power"), 0);
	int64_t idx = -1;
	assert_int_equal(wats_node_int(&idx, wats_node_get(part, "idx")), 0);
	assert_int_equal(idx, 1);
	assert_int_equal(wats_uur_add_failure(NULL, r, 1, "Solder", "Bridge"), 0);
	char *out = write_ok(r);
	contains(out, "\"subUnits\":[{\"pn\":\"PN\",\"sn\":\"SN1\",\"rev\":\"A\",\"partType\":\"Main\",\"idx\":0,"
		      "\"failures\":[{\"category\":\"Component\",\"code\":\"Burned\",\"comRef\":\"U1\"}]},"
		      "{\"pn\":\"PSU\",\"sn\":\"P-1\",\"rev\":\"1\",\"partType\":\"Power\",\"idx\":1,"
		      "\"failures\":[{\"category\":\"Solder\",\"code\":\"Bridge\"}]}]");
	assert_int_equal(wats_report_validate(r, NULL), 0);
	wats_free(out);
	wats_report_free(r);
}

static void test_generic_node_api(void **state)
{
	(void)state;
	wats_report *r = NULL;
	const char *in = "{\"a\":1,\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":true}}";
	assert_int_equal(wats_report_parse(&r, in, strlen(in), NULL), 0);
	wats_node *doc = wats_report_node(r);
	assert_int_equal(wats_node_count(doc), 4);
	assert_int_equal(wats_node_kind_of(wats_node_get(doc, "c")), WATS_NODE_ARRAY);
	assert_int_equal(wats_node_bool(wats_node_get(wats_node_get(doc, "d"), "e")), 1);
	assert_null(wats_node_get(doc, "zz"));
	/* Replace in place keeps the position; remove; set on array appends. */
	assert_int_equal(wats_node_set_string(r, doc, "a", "one"), 0);
	assert_int_equal(wats_node_remove(r, doc, "b"), 0);
	assert_int_equal(wats_node_remove(r, doc, "b"), WATS_ENOTFOUND);
	assert_int_equal(wats_node_set_int(r, wats_node_get(doc, "c"), NULL, 3), 0);
	assert_int_equal(wats_node_set_int(r, wats_node_get(doc, "c"), "k", 3), WATS_EINVAL);
	assert_int_equal(wats_node_set_number_text(r, doc, "n", "1.50"), 0);
	assert_int_equal(wats_node_set_number_text(r, doc, "m", "1."), WATS_EINVAL);
	assert_int_equal(wats_node_set_string(r, doc, "bad", "\xff"), WATS_EINVAL);
	assert_int_equal(wats_node_set_null(r, doc, "z"), 0);
	char *out = write_ok(r);
	assert_string_equal(out, "{\"a\":\"one\",\"c\":[1,2,3],\"d\":{\"e\":true},\"n\":1.50,\"z\":null}");
	wats_free(out);
	wats_report_free(r);
}

static void test_invalid_utf8_refused_everywhere(void **state)
{
	(void)state;
	wats_report *r = new_uut();
	wats_step *root = wats_report_root(r), *s;
	const char *bad = "caf\xe9"; /* Latin-1 e-acute: not UTF-8 */
	assert_int_equal(wats_step_add(&s, root, WATS_STEP_NUMERIC, bad), WATS_EINVAL);
	assert_non_null(strstr(wats_error_last()->message, "UTF-8"));
	assert_int_equal(wats_step_add_typed(&s, root, bad, "x"), WATS_EINVAL);
	assert_int_equal(wats_report_add_misc_info(NULL, r, "d", bad), WATS_EINVAL);
	assert_int_equal(wats_report_add_sub_unit(NULL, r, bad, "s", "r", NULL), WATS_EINVAL);
	assert_int_equal(wats_report_set_sn(r, bad), WATS_EINVAL);
	assert_int_equal(wats_step_add(&s, root, WATS_STEP_MULTI_STRING, "ok"), 0);
	assert_int_equal(wats_step_add_string(NULL, s, "m", bad, WATS_COMP_LOG, NULL), WATS_EINVAL);
	assert_int_equal(wats_step_set_chart(s, WATS_CHART_LINE, bad, NULL, NULL, NULL, NULL), WATS_EINVAL);
	assert_null(wats_node_get(s, "chart"));
	/* Nothing invalid got in: the report still writes and validates. */
	char *out = write_ok(r);
	wats_report *back = NULL;
	assert_int_equal(wats_report_parse(&back, out, strlen(out), NULL), 0);
	wats_report_free(back);
	wats_free(out);
	wats_report_free(r);
}

static void test_build_many_steps(void **state)
{
	(void)state;
	/* The append path stays linear: 20,000 steps in one sequence, each with a measurement. */
	wats_report *r = new_uut();
	wats_step *root = wats_report_root(r);
	for (int i = 0; i < 20000; i++) {
		wats_step *s;
		assert_int_equal(wats_step_add(&s, root, WATS_STEP_NUMERIC, "step"), 0);
		assert_int_equal(wats_step_add_numeric(NULL, s, NULL, i, WATS_COMP_GE, 0, 0, "V"), 0);
	}
	assert_int_equal(wats_step_child_count(root), 20000);
	assert_int_equal(wats_step_count(root), 20001);
	wats_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_report_defaults),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_every_step_type),
		cmocka_unit_test(test_numeric_from_text_keeps_it),
		cmocka_unit_test(test_nonfinite_numbers_are_strings),
		cmocka_unit_test(test_uur_failures_and_main_unit),
		cmocka_unit_test(test_generic_node_api),
		cmocka_unit_test(test_invalid_utf8_refused_everywhere),
		cmocka_unit_test(test_build_many_steps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
