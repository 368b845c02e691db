/* Reports: submit (WSJF, WSXF), fetch, overwrite, validation errors, header queries. */
#include "testutil.h"
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UUT_ID "7b234dbc-3d06-4738-b176-c6d995dacb66"
#define UUR_ID "83ac0b8e-b575-4004-94de-f905774c3ed8"
#define XML_ID "33a2d408-3fc8-480b-b554-6866c77fd91c"

static tu_devserver *srv;

static int setup(void **state)
{
	(void)state;
	srv = tu_devserver_start(NULL, NULL);
	/* The two real fixtures and the hand-written WSXF are in every test's database. */
	size_t len;
	char *uut = tu_read(tu_fixture("new_report_example.json"), &len);
	th_resp r = th_request(srv, "POST", "/api/Report/WSJF", uut, len, "application/json", NULL);
	th_expect(&r, 200);
	th_free(&r);
	free(uut);
	char *uur = tu_read(tu_fixture("uur_example.json"), &len);
	r = th_request(srv, "POST", "/api/Report/WSJF", uur, len, "application/json", NULL);
	th_expect(&r, 200);
	th_free(&r);
	free(uur);
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/devserver/data/sample_wsxf.xml",
		 getenv("WATS_SOURCE_DIR"));
	char *xml = tu_read(path, &len);
	r = th_request(srv, "POST", "/api/Report/WSXF", xml, len, "application/xml", NULL);
	th_expect(&r, 200);
	th_free(&r);
	free(xml);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_devserver_stop(srv);
	return 0;
}

/* Number of headers a query returns (and, optionally, the first uuid). */
static size_t query(const char *params, char *first_uuid)
{
	char path[2048];
	snprintf(path, sizeof(path), "/api/Report/Query/Header?%s", params);
	th_resp r = th_get(srv, path);
	th_expect(&r, 200);
	json_object *a = th_json(&r);
	assert_true(json_object_is_type(a, json_type_array));
	size_t n = json_object_array_length(a);
	if (first_uuid && n)
		snprintf(first_uuid, 37, "%s", th_str(json_object_array_get_idx(a, 0), "uuid"));
	json_object_put(a);
	th_free(&r);
	return n;
}

static size_t filter(const char *type, const char *expr)
{
	char *e = th_escape(expr), params[2048];
	snprintf(params, sizeof(params), "reportType=%s&$filter=%s", type, e);
	curl_free(e);
	return query(params, NULL);
}

static void test_submit_returns_id_and_get_returns_bytes(void **state)
{
	(void)state;
	size_t len;
	char *uut = tu_read(tu_fixture("new_report_example.json"), &len);
	th_resp r = th_request(srv, "POST", "/api/Report/WSJF", uut, len, "application/json", NULL);
	th_expect(&r, 200);
	json_object *o = th_json(&r);
	assert_string_equal(th_str(o, "ID"), UUT_ID);
	json_object_put(o);
	th_free(&r);

	r = th_get(srv, "/api/Report/Wsjf/" UUT_ID);
	th_expect(&r, 200);
	assert_int_equal(r.len, len);
	assert_memory_equal(r.body, uut, len);
	th_free(&r);
	/* ids are accepted in any GUID spelling */
	r = th_get(srv, "/api/Report/Wsjf/7B234DBC3D064738B176C6D995DACB66");
	th_expect(&r, 200);
	th_free(&r);
	free(uut);
}

static void test_same_id_overwrites(void **state)
{
	(void)state;
	const char *a = "{\"id\":\"11111111-2222-4333-8444-555555555555\",\"type\":\"T\","
			"\"pn\":\"OVR\",\"sn\":\"S1\",\"rev\":\"A\",\"processCode\":100,"
			"\"machineName\":\"m\",\"location\":\"l\",\"purpose\":\"p\",\"result\":\"F\","
			"\"start\":\"2024-01-01T00:00:00Z\"}";
	th_resp r = th_post(srv, "/api/Report/WSJF", a);
	th_expect(&r, 200);
	th_free(&r);
	char *b = strdup(a);
	memcpy(strstr(b, "\"F\""), "\"P\"", 3);
	r = th_post(srv, "/api/Report/WSJF", b);
	th_expect(&r, 200);
	th_free(&r);
	r = th_get(srv, "/api/Report/Wsjf/11111111-2222-4333-8444-555555555555");
	th_expect(&r, 200);
	assert_string_equal(r.body, b);
	th_free(&r);
	r = th_get(srv, "/api/Report/Query/Header?reportType=U&$filter=partNumber%20eq%20'OVR'");
	th_expect(&r, 200);
	json_object *arr = th_json(&r);
	assert_int_equal(json_object_array_length(arr), 1);
	json_object *h = json_object_array_get_idx(arr, 0);
	assert_string_equal(th_str(h, "result"), "P");
	assert_int_equal(json_object_get_int(json_object_object_get(h, "receiveCount")), 2);
	json_object_put(arr);
	th_free(&r);
	free(b);
}

static void expect_invalid(const char *body, const char *field, const char *words)
{
	th_resp r = th_post(srv, "/api/Report/WSJF", body);
	th_expect(&r, 400);
	json_object *o = th_json(&r);
	const char *msg = th_str(o, "message");
	if (field && !strstr(msg, field))
		fail_msg("message does not name '%s': %s", field, msg);
	if (words && !strstr(msg, words))
		fail_msg("message does not say '%s': %s", words, msg);
	json_object_put(o);
	th_free(&r);
}

static void test_validation_errors_name_the_field(void **state)
{
	(void)state;
	const char *no_pn = "{\"type\":\"T\",\"sn\":\"S\",\"rev\":\"A\",\"processCode\":1,"
			    "\"machineName\":\"m\",\"location\":\"l\",\"purpose\":\"p\"}";
	expect_invalid(no_pn, "pn", NULL);
	const char *bad_code = "{\"type\":\"T\",\"pn\":\"P\",\"sn\":\"S\",\"rev\":\"A\","
			       "\"processCode\":\"abc\",\"machineName\":\"m\",\"location\":\"l\","
			       "\"purpose\":\"p\"}";
	expect_invalid(bad_code, "processCode", NULL);
	const char *bad_id = "{\"id\":\"not-a-guid\",\"type\":\"T\",\"pn\":\"P\",\"sn\":\"S\","
			     "\"rev\":\"A\",\"processCode\":1,\"machineName\":\"m\","
			     "\"location\":\"l\",\"purpose\":\"p\"}";
	expect_invalid(bad_id, "id", NULL);
	expect_invalid("{\"pn\": ", NULL, "line 1");
	expect_invalid("[1,2,3]", NULL, "object");
	expect_invalid("", NULL, NULL);
	expect_invalid("{\"a\":1} trailing", NULL, NULL);
	/* nothing of the above was stored */
	assert_int_equal(filter("U", "partNumber eq 'P'"), 0);
}

/* A text field's limit counts characters, not bytes (the validator counts only strings with
 * more bytes than the limit): 100 two-byte characters pass, 101 are refused, naming the field. */
static void test_text_limits_count_characters(void **state)
{
	(void)state;
	const char *head = "{\"id\":\"5d0c0a55-1e1f-4c55-9d3e-00000000a100\",\"type\":\"T\","
			   "\"pn\":\"LEN-PN\",\"sn\":\"LEN-SN\",\"rev\":\"A\",\"processCode\":10,"
			   "\"result\":\"P\",\"machineName\":\"st\",\"purpose\":\"p\","
			   "\"start\":\"2025-06-01T08:00:00+00:00\",\"root\":{\"stepType\":"
			   "\"SequenceCall\",\"name\":\"Main\",\"steps\":[]},\"location\":\"";
	const char *chars[] = { "\xC3\xA9", "x" };
	for (size_t c = 0; c < 2; c++) {
		for (int count = 100; count <= 101; count++) {
			char body[1024];
			size_t n = (size_t)snprintf(body, sizeof(body), "%s", head);
			for (int i = 0; i < count; i++)
				n += (size_t)snprintf(body + n, sizeof(body) - n, "%s", chars[c]);
			snprintf(body + n, sizeof(body) - n, "\"}");
			if (count == 100) {
				th_resp r = th_post(srv, "/api/Report/WSJF", body);
				th_expect(&r, 200);
				th_free(&r);
			} else {
				expect_invalid(body, "location", "101 characters long");
			}
		}
	}
}

/* The validator remembers what recent step types mean: many types in turn, then one again,
 * must still be read right. A multiple-measurement step needs named measurements (400 naming
 * the field); a single one does not. */
static void post_steps(const char *last_type, long status)
{
	static const char *const types[] = { "ET_MNLT", "ET_NLT", "ET_PFT", "ET_SVT", "Action",
					     "GenericTest", "ET_MPFT", "ET_MSVT", "NI_Wait",
					     "Label", "ET_A", "ET_NLT", "ET_MNLT" };
	char body[8192];
	size_t n = (size_t)snprintf(body, sizeof(body),
		"{\"id\":\"5d0c0a55-1e1f-4c55-9d3e-00000000b200\",\"type\":\"T\","
		"\"pn\":\"KIND-PN\",\"sn\":\"KIND-SN\",\"rev\":\"A\",\"processCode\":10,"
		"\"result\":\"P\",\"machineName\":\"st\",\"location\":\"l\",\"purpose\":\"p\","
		"\"start\":\"2025-06-01T08:00:00+00:00\",\"root\":{\"stepType\":\"SequenceCall\","
		"\"name\":\"Main\",\"steps\":[");
	/* Every type twice, in turn; the multiple ones with named measurements. */
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			int multi = !strncmp(types[i], "ET_M", 4);
			n += (size_t)snprintf(body + n, sizeof(body) - n,
				"{\"stepType\":\"%s\",\"name\":\"s%zu\",\"status\":\"P\"%s},", types[i], i,
				multi ? ",\"numericMeas\":[{\"name\":\"m\",\"compOp\":\"LOG\",\"status\":\"P\","
					"\"value\":1}]" : "");
		}
	snprintf(body + n, sizeof(body) - n,
		 "{\"stepType\":\"%s\",\"name\":\"last\",\"status\":\"P\",\"numericMeas\":"
		 "[{\"compOp\":\"LOG\",\"status\":\"P\",\"value\":1}]}]}}", last_type);
	if (status == 200) {
		th_resp r = th_post(srv, "/api/Report/WSJF", body);
		th_expect(&r, 200);
		th_free(&r);
	} else {
		expect_invalid(body, "name", NULL);
	}
}

static void test_step_types_read_right_in_turn(void **state)
{
	(void)state;
	post_steps("ET_NLT", 200);   /* single: an unnamed measurement is fine */
	post_steps("ET_MNLT", 400);  /* multiple: refused, the message names 'name' */
	post_steps("NumericLimitTest", 200);
	post_steps("MultiNumericLimitTest", 400);
}

/* The validator also remembers recent comparison operators: after numeric operators in turn
 * (more than it keeps, and in mixed case), a string operator on a numeric measurement is
 * still refused, naming compOp. */
static void post_ops(const char *last_op, long status)
{
	static const char *const ops[] = { "GELE", "LT", "gt", "EQ", "NE", "LOG", "GeLt", "LE" };
	char body[8192];
	size_t n = (size_t)snprintf(body, sizeof(body),
		"{\"id\":\"5d0c0a55-1e1f-4c55-9d3e-00000000c300\",\"type\":\"T\","
		"\"pn\":\"OP-PN\",\"sn\":\"OP-SN\",\"rev\":\"A\",\"processCode\":10,"
		"\"result\":\"P\",\"machineName\":\"st\",\"location\":\"l\",\"purpose\":\"p\","
		"\"start\":\"2025-06-01T08:00:00+00:00\",\"root\":{\"stepType\":\"SequenceCall\","
		"\"name\":\"Main\",\"steps\":[");
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			n += (size_t)snprintf(body + n, sizeof(body) - n,
				"{\"stepType\":\"ET_NLT\",\"name\":\"s%zu\",\"status\":\"P\",\"numericMeas\":"
				"[{\"compOp\":\"%s\",\"status\":\"P\",\"value\":5,\"lowLimit\":1,"
				"\"highLimit\":9}]},", i, ops[i]);
	snprintf(body + n, sizeof(body) - n,
		 "{\"stepType\":\"ET_NLT\",\"name\":\"last\",\"status\":\"P\",\"numericMeas\":"
		 "[{\"compOp\":\"%s\",\"status\":\"P\",\"value\":5,\"lowLimit\":1,"
		 "\"highLimit\":9}]}]}}", last_op);
	if (status == 200) {
		th_resp r = th_post(srv, "/api/Report/WSJF", body);
		th_expect(&r, 200);
		th_free(&r);
	} else {
		expect_invalid(body, "compOp", NULL);
	}
}

static void test_operators_read_right_in_turn(void **state)
{
	(void)state;
	post_ops("GELE", 200);
	post_ops("IGNORECASE", 400);
	post_ops("gele", 200);
	post_ops("CASESENSIT", 400);
	post_ops("GELEX", 400);
}

static void test_report_without_id_gets_one(void **state)
{
	(void)state;
	const char *body = "{\"type\":\"T\",\"pn\":\"NOID\",\"sn\":\"S\",\"rev\":\"A\","
			   "\"processCode\":10,\"machineName\":\"m\",\"location\":\"l\","
			   "\"purpose\":\"p\"}";
	th_resp r = th_post(srv, "/api/Report/WSJF", body);
	th_expect(&r, 200);
	json_object *o = th_json(&r);
	char path[128];
	snprintf(path, sizeof(path), "/api/Report/Wsjf/%s", th_str(o, "ID"));
	json_object_put(o);
	th_free(&r);
	r = th_get(srv, path);
	th_expect(&r, 200);
	assert_string_equal(r.body, body);
	th_free(&r);
}

static void test_get_missing_and_malformed_ids(void **state)
{
	(void)state;
	th_resp r = th_get(srv, "/api/Report/Wsjf/00000000-0000-4000-8000-000000000000");
	th_expect(&r, 404);
	th_free(&r);
	r = th_get(srv, "/api/Report/Wsjf/nope");
	th_expect(&r, 400);
	th_free(&r);
}

static void test_wsxf_stored_and_served(void **state)
{
	(void)state;
	th_resp r = th_get(srv, "/api/Report/Wsxf/" XML_ID);
	th_expect(&r, 200);
	assert_non_null(strstr(r.body, "XSN-0001"));
	char ct[128];
	assert_non_null(th_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_non_null(strstr(ct, "xml"));
	th_free(&r);
	/* each format can be read back in the other one (through the converters) */
	r = th_get(srv, "/api/Report/Wsjf/" XML_ID);
	th_expect(&r, 200);
	json_object *o = th_json(&r);
	assert_string_equal(th_str(o, "sn"), "XSN-0001");
	assert_string_equal(th_str(o, "pn"), "XPN-77");
	assert_string_equal(th_str(o, "id"), XML_ID);
	json_object_put(o);
	th_free(&r);
	r = th_get(srv, "/api/Report/Wsxf/" UUT_ID);
	th_expect(&r, 200);
	assert_non_null(strstr(r.body, "<Reports"));
	assert_non_null(strstr(r.body, "244750022142"));
	th_free(&r);
	/* the WSXF header is indexed */
	assert_int_equal(filter("U", "serialNumber eq 'XSN-0001' and processCode eq 100 and "
				"result eq 'F' and operator eq 'xml-operator'"), 1);
	/* bad XML and XML without the required attributes are refused */
	r = th_request(srv, "POST", "/api/Report/WSXF", "<Reports><Report", 16, "application/xml",
		       NULL);
	th_expect(&r, 400);
	th_free(&r);
	const char *nopn = "<Reports><Report type=\"UUT\" SN=\"1\" Rev=\"A\" MachineName=\"m\" "
			   "Location=\"l\" Purpose=\"p\"><Process Code=\"1\"/></Report></Reports>";
	r = th_request(srv, "POST", "/api/Report/WSXF", nopn, strlen(nopn), "application/xml",
		       NULL);
	th_expect(&r, 400);
	assert_non_null(strstr(r.body, "PN"));
	th_free(&r);
	const char *doctype = "<!DOCTYPE x [<!ENTITY a \"b\">]><Reports/>";
	r = th_request(srv, "POST", "/api/Report/WSXF", doctype, strlen(doctype),
		       "application/xml", NULL);
	th_expect(&r, 400);
	th_free(&r);
}

static void test_query_report_type(void **state)
{
	(void)state;
	char id[37];
	assert_int_equal(query("reportType=R", id), 1);
	assert_string_equal(id, UUR_ID);
	assert_true(query("reportType=U", NULL) >= 2);
	th_resp r = th_get(srv, "/api/Report/Query/Header?reportType=X");
	th_expect(&r, 400);
	th_free(&r);
}

static void test_query_filters(void **state)
{
	(void)state;
	assert_int_equal(filter("U", "serialNumber eq '244750022142'"), 1);
	assert_int_equal(filter("U", "serialNumber eq '244750022142' and processCode eq 50"), 1);
	assert_int_equal(filter("U", "serialNumber eq '244750022142' and processCode ne 50"), 0);
	assert_int_equal(filter("U", "processCode gt 49 and processCode lt 51"), 1);
	assert_int_equal(filter("U", "processCode ge 50 and processCode le 50 and "
				"partNumber eq '4494394418'"), 1);
	assert_int_equal(filter("U", "contains(stationName, 'NGH-Z')"), 1);
	assert_int_equal(filter("U", "startswith(partNumber, '44943')"), 1);
	assert_int_equal(filter("U", "endswith(partNumber, '4418')"), 1);
	assert_int_equal(filter("U", "contains(stationName, '%')"), 0);
	assert_int_equal(filter("U", "serialNumber eq 'nope' or serialNumber eq '244750022142'"), 1);
	assert_int_equal(filter("U", "not (serialNumber eq '244750022142') and "
				"partNumber eq '4494394418'"), 0);
	/* case-insensitive equality, like WATS on SQL Server */
	assert_int_equal(filter("U", "stationName eq 'wvxm-ngh-z-998'"), 1);
	/* dates: quoted, unquoted, datetime'...' and offsets */
	assert_int_equal(filter("U", "start ge 2026-01-30T10:49:36Z and start le "
				"2026-01-30T10:49:37Z"), 1);
	assert_int_equal(filter("U", "start gt '2026-01-30T11:49:37+01:00' and "
				"partNumber eq '4494394418'"), 0);
	assert_int_equal(filter("R", "start lt datetime'2026-01-01T00:00:00'"), 1);
	assert_int_equal(filter("U", "subUnits/any(s: s/partNumber eq '4494394453')"), 1);
	assert_int_equal(filter("U", "subUnits/any(s: s/serialNumber eq 'none')"), 0);
	assert_int_equal(filter("U", "miscInfo/any(m: m/description eq 'Firmware' and "
				"m/value eq '1.2.3')"), 1);
	assert_int_equal(filter("U", "batchNumber eq '19524558858' and fixtureId ne null"), 1);
	assert_int_equal(filter("R", "referencedUut eq '873d67f8-7669-4f4b-a627-e598e444d323'"), 1);
	/* a quote inside a literal is doubled */
	assert_int_equal(filter("U", "serialNumber eq 'it''s'"), 0);
}

/*
 * Regression: an unparenthesised comparison whose value ends the filter (what
 * `wats report query --since` sends: "start ge 2020-01-01T00:00:00Z") must give the same
 * answer as the parenthesised one, for every value type, alone and combined with and/or.
 */
static void test_query_unparenthesised_comparisons(void **state)
{
	(void)state;
	size_t all = query("reportType=U", NULL);
	assert_true(all >= 2);
	static const struct { const char *expr; int n; } cases[] = {
		/* dates: bare, date only, fractions, quoted, offsets, datetime'' */
		{ "start ge 2020-01-01T00:00:00Z", -1 },
		{ "start gt 2020-01-01T00:00:00Z", -1 },
		{ "start lt 2020-01-01T00:00:00Z", 0 },
		{ "start le 2020-01-01T00:00:00Z", 0 },
		{ "start ge 2020-01-01", -1 },
		{ "start ge 2020-01-01T00:00:00.000Z", -1 },
		{ "start ge 2020-01-01T00:00:00+01:00", -1 },
		{ "start ge 2020-01-01T00:00:00-0130", -1 },
		{ "start ge '2020-01-01T00:00:00Z'", -1 },
		{ "start ge datetime'2020-01-01T00:00:00'", -1 },
		{ "start ne 2020-01-01T00:00:00Z", -1 },
		{ "start eq 2026-01-30T10:49:36.6Z", 0 },
		{ "startUtc ge 2020-01-01T00:00:00Z", -1 },
		/* strings */
		{ "serialNumber eq '244750022142'", 1 },
		{ "serialNumber ne '244750022142'", -2 },
		{ "serialNumber gt '244750022141'", -3 },
		{ "partNumber eq '4494394418'", 1 },
		/* numbers */
		{ "processCode eq 50", 1 },
		{ "processCode ge 50", -3 },
		{ "processCode lt 50.5", -3 },
		{ "processCode ne 50", -2 },
		/* combined with and / or, the date first and last */
		{ "start ge 2020-01-01T00:00:00Z and serialNumber eq '244750022142'", 1 },
		{ "serialNumber eq '244750022142' and start ge 2020-01-01T00:00:00Z", 1 },
		{ "processCode eq 50 and start ge 2020-01-01T00:00:00Z", 1 },
		{ "start ge 2020-01-01T00:00:00Z and processCode eq 50", 1 },
		{ "start lt 2020-01-01T00:00:00Z or processCode eq 50", 1 },
		{ "processCode eq 50 or start lt 2020-01-01T00:00:00Z", 1 },
		{ "serialNumber eq 'none' or start ge 2020-01-01T00:00:00Z", -1 },
		{ "start lt 2020-01-01T00:00:00Z or serialNumber eq '244750022142'", 1 },
		{ "start lt 2020-01-01T00:00:00Z and serialNumber eq '244750022142' or "
		  "processCode eq 50", 1 },
		{ "partNumber eq '4494394418' and processCode eq 50 and start ge 2020-01-01", 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* -1: both 2026 test reports (at least 2); -2: some but not all; -3: at least one */
		size_t bare = filter("U", cases[i].expr);
		char paren[512];
		snprintf(paren, sizeof(paren), "(%s)", cases[i].expr);
		size_t wrapped = filter("U", paren);
		if (bare != wrapped)
			fail_msg("'%s' gave %zu, in parentheses %zu", cases[i].expr, bare, wrapped);
		int ok = cases[i].n >= 0 ? bare == (size_t)cases[i].n
		       : cases[i].n == -1 ? bare >= 2
		       : cases[i].n == -2 ? bare >= 1 && bare < all : bare >= 1;
		if (!ok)
			fail_msg("'%s' gave %zu of %zu reports (expected %d)", cases[i].expr, bare,
				 all, cases[i].n);
	}
}

static void test_query_bad_filters_are_400(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"nosuchfield eq 1", "serialNumber eq", "serialNumber eq 'x' and", "(serialNumber eq 'x'",
		"serialNumber xx 'x'", "processCode eq 'abc'", "start gt 'yesterday'",
		"serialNumber eq 'unterminated", "contains(processCode, '1')", "subUnits/any(s: x eq 1)",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *e = th_escape(bad[i]), path[1024];
		snprintf(path, sizeof(path), "/api/Report/Query/Header?reportType=U&$filter=%s", e);
		curl_free(e);
		th_resp r = th_get(srv, path);
		if (r.status != 400)
			fail_msg("filter '%s' gave %ld: %s", bad[i], r.status, r.body);
		th_expect(&r, 400);
		assert_non_null(strstr(r.body, "$filter"));
		th_free(&r);
	}
	th_resp r = th_get(srv, "/api/Report/Query/Header?reportType=U&$filter=nosuchfield%20eq%201");
	assert_non_null(strstr(r.body, "nosuchfield"));
	th_free(&r);
	r = th_get(srv, "/api/Report/Query/Header?reportType=U&$top=abc");
	th_expect(&r, 400);
	th_free(&r);
	r = th_get(srv, "/api/Report/Query/Header?reportType=U&$orderby=bogus%20desc");
	th_expect(&r, 400);
	th_free(&r);
	/* A filter of 1,200 conditions (a 40 KB query string) is a 400 that says why, not
	 * SQLite's "Expression tree is too large" as a 500. */
	char *path = malloc(1200 * 40 + 128);
	assert_non_null(path);
	size_t len = (size_t)sprintf(path, "/api/Report/Query/Header?reportType=U&$filter=");
	for (int i = 0; i < 1200; i++)
		len += (size_t)sprintf(path + len, "%sserialNumber%%20eq%%20%%27x%d%%27",
				       i ? "%20or%20" : "", i);
	r = th_get(srv, path);
	th_expect(&r, 400);
	assert_non_null(strstr(r.body, "too many conditions"));
	th_free(&r);
	free(path);
}

static void test_query_top_skip_orderby(void **state)
{
	(void)state;
	/* three more reports for one serial number, started one day apart */
	for (int i = 0; i < 3; i++) {
		char body[512];
		snprintf(body, sizeof(body),
			 "{\"id\":\"aaaaaaaa-0000-4000-8000-00000000000%d\",\"type\":\"T\","
			 "\"pn\":\"PAGE\",\"sn\":\"PG\",\"rev\":\"A\",\"processCode\":%d,"
			 "\"machineName\":\"m%d\",\"location\":\"l\",\"purpose\":\"p\","
			 "\"start\":\"2024-01-0%dT00:00:00Z\"}", i, 100 + i, i, i + 1);
		th_resp r = th_post(srv, "/api/Report/WSJF", body);
		th_expect(&r, 200);
		th_free(&r);
	}
	char id[37];
	/* default order: newest first */
	assert_int_equal(query("reportType=U&$filter=partNumber%20eq%20'PAGE'", id), 3);
	assert_string_equal(id, "aaaaaaaa-0000-4000-8000-000000000002");
	assert_int_equal(query("reportType=U&$filter=partNumber%20eq%20'PAGE'&$top=2", NULL), 2);
	assert_int_equal(query("reportType=U&$filter=partNumber%20eq%20'PAGE'&$skip=2", id), 1);
	assert_string_equal(id, "aaaaaaaa-0000-4000-8000-000000000000");
	assert_int_equal(query("reportType=U&$filter=partNumber%20eq%20'PAGE'"
			       "&$orderby=start%20asc", id), 3);
	assert_string_equal(id, "aaaaaaaa-0000-4000-8000-000000000000");
	assert_int_equal(query("reportType=U&$filter=partNumber%20eq%20'PAGE'"
			       "&$orderby=stationName%20desc,processCode", id), 3);
	assert_string_equal(id, "aaaaaaaa-0000-4000-8000-000000000002");
}

static void test_query_expand_and_misc_info(void **state)
{
	(void)state;
	th_resp r = th_get(srv, "/api/Report/Query/Header?reportType=U&$expand=miscInfo,subUnits"
			   "&$filter=serialNumber%20eq%20'244750022142'");
	th_expect(&r, 200);
	json_object *a = th_json(&r), *h = json_object_array_get_idx(a, 0);
	json_object *mi = json_object_object_get(h, "miscInfo");
	json_object *su = json_object_object_get(h, "subUnits");
	assert_int_equal(json_object_array_length(mi), 1);
	assert_string_equal(th_str(json_object_array_get_idx(mi, 0), "description"),
			    "UUT Description");
	assert_int_equal(json_object_array_length(su), 2);
	assert_string_equal(th_str(json_object_array_get_idx(su, 0), "partNumber"), "4494394453");
	assert_string_equal(th_str(h, "processName"), "PCBA test");
	assert_string_equal(th_str(h, "startUtc"), "2026-01-30T10:49:36.919Z");
	json_object_put(a);
	th_free(&r);

	r = th_get(srv, "/api/Report/Query/HeaderByMiscInfo?description=Firmware&stringValue=1.2.3");
	th_expect(&r, 200);
	a = th_json(&r);
	assert_int_equal(json_object_array_length(a), 1);
	assert_string_equal(th_str(json_object_array_get_idx(a, 0), "uuid"), XML_ID);
	json_object_put(a);
	th_free(&r);
	r = th_get(srv, "/api/Report/Query/HeaderByMiscInfo?description=nothing&$top=5");
	th_expect(&r, 200);
	assert_string_equal(r.body, "[]");
	th_free(&r);
	r = th_get(srv, "/api/Report/Query/HeaderByMiscInfo");
	th_expect(&r, 400);
	th_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_submit_returns_id_and_get_returns_bytes),
		cmocka_unit_test(test_same_id_overwrites),
		cmocka_unit_test(test_validation_errors_name_the_field),
		cmocka_unit_test(test_text_limits_count_characters),
		cmocka_unit_test(test_step_types_read_right_in_turn),
		cmocka_unit_test(test_operators_read_right_in_turn),
		cmocka_unit_test(test_report_without_id_gets_one),
		cmocka_unit_test(test_get_missing_and_malformed_ids),
		cmocka_unit_test(test_wsxf_stored_and_served),
		cmocka_unit_test(test_query_report_type),
		cmocka_unit_test(test_query_filters),
		cmocka_unit_test(test_query_unparenthesised_comparisons),
		cmocka_unit_test(test_query_bad_filters_are_400),
		cmocka_unit_test(test_query_top_skip_orderby),
		cmocka_unit_test(test_query_expand_and_misc_info),
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
