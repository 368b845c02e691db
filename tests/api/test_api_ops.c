/* Typed operations against scripted answers: what goes on the wire and how answers map into
 * the model structs. (The same operations run against wats-devserver in test_api_devserver.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "miniserver.h"
#include "wats/wats.h"

static ms_server *srv;
static wats_client *cli;

static int setup(void **state)
{
	(void)state;
	srv = ms_start();
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.base_url = ms_url(srv);
	o.station_name = "bench-7";
	o.location = "Hall A";
	o.purpose = "Production";
	o.retry_base_ms = 1;
	return wats_client_new(&cli, &o);
}

static int teardown(void **state)
{
	(void)state;
	wats_client_free(cli);
	ms_stop(srv);
	return 0;
}

static void reply(int status, const char *body)
{
	ms_reply r[] = { { status, NULL, body, 0 } };
	ms_script(srv, r, 1);
	ms_reset_counts(srv);
}

static char head[8192], body[8192];

static void last(void)
{
	int n = ms_requests(srv) - 1;
	ms_request_head(srv, n, head, sizeof(head));
	ms_request_body(srv, n, body, sizeof(body));
}

static void test_submit(void **state)
{
	(void)state;
	char *id = NULL;
	reply(200, "{\"ID\":\"9f1c\",\"status\":\"ok\"}");
	assert_int_equal(wats_api_submit_report(&id, cli, "{\"id\":\"9f1c\",\"machineName\":\"\"}", 31,
						WATS_WIRE_AUTO, WATS_SUBMIT_APPLY_STATION), 0);
	assert_string_equal(id, "9f1c");
	wats_free(id);
	last();
	assert_non_null(strstr(head, "POST /api/Report/WSJF HTTP/1.1"));
	assert_non_null(strstr(body, "\"machineName\":\"BENCH-7\""));
	assert_non_null(strstr(body, "\"location\":\"Hall A\""));
	assert_non_null(strstr(body, "\"purpose\":\"Production\""));
	/* Set fields are left alone; without the flag the bytes go out untouched. */
	reply(200, "[{\"id\":\"a1\"}]");
	const char *rep = "{\"id\":\"a1\", \"machineName\":\"OWN\"}";
	assert_int_equal(wats_api_submit_report(&id, cli, rep, strlen(rep), WATS_WIRE_WSJF, 0), 0);
	assert_string_equal(id, "a1");
	wats_free(id);
	last();
	assert_string_equal(body, rep);
	/* XML is detected and sent as WSXF. */
	reply(200, "\"x-1\"");
	assert_int_equal(wats_api_submit_report(&id, cli, "\n<Reports/>", 11, WATS_WIRE_AUTO, 0), 0);
	assert_string_equal(id, "x-1");
	wats_free(id);
	last();
	assert_non_null(strstr(head, "POST /api/Report/WSXF"));
	assert_non_null(strstr(head, "Content-Type: application/xml"));
	/* Submission is retried (idempotent by report id); a 400 is final and explained. */
	ms_reply r[] = { { 503, NULL, NULL, 0 }, { 200, NULL, "{\"id\":\"b2\"}", 0 } };
	ms_script(srv, r, 2);
	ms_reset_counts(srv);
	assert_int_equal(wats_api_submit_report(NULL, cli, "{}", 2, WATS_WIRE_WSJF, 0), 0);
	assert_int_equal(ms_requests(srv), 2);
	reply(400, "{\"message\":\"pn is required\"}");
	assert_int_equal(wats_api_submit_report(NULL, cli, "{}", 2, WATS_WIRE_WSJF, 0), WATS_EVALIDATION);
	assert_non_null(strstr(wats_error_last()->message, "pn is required"));
	assert_int_equal(ms_requests(srv), 1);
	/* Download. */
	reply(200, "{\"id\":\"r1\"}");
	char *txt = NULL;
	size_t len = 0;
	assert_int_equal(wats_api_get_report(&txt, &len, cli, "r1", WATS_WIRE_WSJF), 0);
	assert_string_equal(txt, "{\"id\":\"r1\"}");
	assert_int_equal(len, 11);
	wats_free(txt);
	last();
	assert_non_null(strstr(head, "GET /api/Report/Wsjf/r1 HTTP/1.1"));
}

static void test_query_headers(void **state)
{
	(void)state;
	reply(200, "[{\"uuid\":\"u1\",\"serialNumber\":\"SN1\",\"partNumber\":\"PN1\",\"revision\":\"A\","
		   "\"result\":\"Passed\",\"processCode\":100,\"stationName\":\"S\",\"startUtc\":\"2026-01-01T00:00:00Z\"},"
		   "{\"uuid\":\"u2\",\"serialNumber\":\"SN2\"}]");
	wats_odata *f = NULL;
	wats_odata_new(&f);
	wats_odata_add_string(f, "serialNumber", "eq", "O'1");
	wats_header_query q = WATS_HEADER_QUERY_INIT;
	q.filter = wats_odata_text(f);
	q.top = 5;
	wats_report_header_list *l = NULL;
	assert_int_equal(wats_api_query_headers(&l, cli, &q), 0);
	wats_odata_free(f);
	assert_int_equal(l->count, 2);
	assert_string_equal(l->items[0].uuid, "u1");
	assert_string_equal(l->items[0].serial_number, "SN1");
	assert_int_equal(l->items[0].process_code, 100);
	assert_string_equal(l->items[0].result, "Passed");
	assert_null(l->items[1].part_number);
	assert_non_null(strstr(l->json, "u2"));
	wats_report_header_list_free(l);
	last();
	assert_non_null(strstr(head, "GET /api/Report/Query/Header?reportType=U&$top=5&$orderby=start%20desc"
				     "&$filter=serialNumber%20eq%20%27O%27%271%27 HTTP/1.1"));
	reply(200, "{\"value\":[]}");
	q.uur = 1;
	q.filter = NULL;
	assert_int_equal(wats_api_query_headers(&l, cli, &q), 0);
	assert_int_equal(l->count, 0);
	wats_report_header_list_free(l);
	last();
	assert_non_null(strstr(head, "reportType=R"));
	reply(200, "not json");
	assert_int_equal(wats_api_query_headers(&l, cli, NULL), WATS_EPARSE);
	assert_null(l);
}

static void test_products(void **state)
{
	(void)state;
	reply(200, "{\"partNumber\":\"PN1\",\"name\":\"Widget\",\"nonSerial\":false,\"state\":1,"
		   "\"productId\":\"p-1\",\"xmlData\":\"<x/>\",\"revisions\":[{\"revision\":\"A\",\"state\":1,"
		   "\"productRevisionId\":\"r-a\"},{\"revision\":\"B\",\"state\":0}]}");
	wats_product *p = NULL;
	assert_int_equal(wats_api_get_product(&p, cli, "PN 1/x"), 0);
	last();
	assert_non_null(strstr(head, "GET /api/Product/PN%201%2Fx HTTP/1.1"));
	assert_string_equal(p->name, "Widget");
	assert_string_equal(p->product_id, "p-1");
	assert_int_equal(p->revision_count, 2);
	assert_string_equal(p->revisions[0].product_revision_id, "r-a");
	assert_string_equal(p->revisions[1].part_number, "PN1");
	assert_int_equal(p->revisions[1].state, 0);
	/* Save keeps fields the struct does not model (xmlData). */
	free(p->name);
	p->name = strdup("Gadget");
	reply(200, "{\"partNumber\":\"PN1\",\"name\":\"Gadget\"}");
	wats_product *saved = NULL;
	assert_int_equal(wats_api_save_product(&saved, cli, p), 0);
	last();
	assert_non_null(strstr(head, "PUT /api/Product HTTP/1.1"));
	assert_non_null(strstr(body, "\"name\":\"Gadget\""));
	assert_non_null(strstr(body, "\"xmlData\":\"<x/>\""));
	assert_string_equal(saved->name, "Gadget");
	wats_product_free(saved);
	wats_product_free(p);
	/* A revision without productId: looked up first. */
	ms_reply r[] = { { 200, NULL, "{\"partNumber\":\"PN1\",\"productId\":\"p-1\"}", 0 },
			 { 200, NULL, "{\"revision\":\"C\",\"productRevisionId\":\"r-c\"}", 0 } };
	ms_script(srv, r, 2);
	ms_reset_counts(srv);
	wats_product_revision rev = { 0 };
	rev.part_number = (char *)"PN1";
	rev.revision = (char *)"C";
	rev.state = 1;
	wats_product_revision *out = NULL;
	assert_int_equal(wats_api_save_revision(&out, cli, &rev), 0);
	assert_string_equal(out->product_revision_id, "r-c");
	assert_string_equal(out->part_number, "PN1");
	wats_product_revision_free(out);
	last();
	assert_non_null(strstr(head, "PUT /api/Product/Revision HTTP/1.1"));
	assert_non_null(strstr(body, "\"productId\":\"p-1\""));
	reply(404, "{\"message\":\"Product not found\"}");
	assert_int_equal(wats_api_get_product(&p, cli, "nope"), WATS_ENOTFOUND);
	assert_int_equal(wats_error_last()->http_status, 404);
	assert_null(p);
}

static void test_units(void **state)
{
	(void)state;
	reply(200, "{\"serialNumber\":\"SN1\",\"partNumber\":\"PN1\",\"revision\":\"A\",\"unitPhaseId\":2,"
		   "\"unitPhase\":\"Under production\",\"tags\":[]}");
	wats_unit *u = NULL;
	assert_int_equal(wats_api_get_unit(&u, cli, "SN1", "PN1"), 0);
	assert_string_equal(u->revision, "A");
	assert_int_equal(u->unit_phase_id, 2);
	free(u->batch_number);
	u->batch_number = strdup("B7");
	reply(200, "{\"errorCount\":0}");
	const wats_unit *list[] = { u };
	assert_int_equal(wats_api_save_units(cli, list, 1), 0);
	last();
	assert_non_null(strstr(head, "PUT /api/Production/Units HTTP/1.1"));
	assert_non_null(strstr(body, "\"batchNumber\":\"B7\""));
	assert_non_null(strstr(body, "\"tags\":[]"));
	assert_int_equal(body[0], '[');
	reply(200, "{\"errorCount\":1,\"message\":\"unknown product\"}");
	assert_int_equal(wats_api_save_units(cli, list, 1), WATS_EVALIDATION);
	assert_non_null(strstr(wats_error_last()->message, "unknown product"));
	wats_unit_free(u);
	reply(200, "{\"status\":\"Passed\",\"grade\":\"A\",\"allProcessesPassedLastRun\":true,\"noRepairs\":true}");
	wats_unit_verification *v = NULL;
	assert_int_equal(wats_api_verify_unit(&v, cli, "SN1", "PN1", NULL), 0);
	assert_true(v->passed_last_run);
	assert_false(v->passed_first_run);
	assert_string_equal(v->grade, "A");
	wats_unit_verification_free(v);
	last();
	assert_non_null(strstr(head, "GET /api/Production/UnitVerification?serialNumber=SN1&partNumber=PN1 HTTP"));
	/* Serial numbers: XML or JSON answers; the station name goes along; never retried. */
	reply(200, "<SerialNumbers><SN id=\"S-001\"/><SN id=\"S-002\" /></SerialNumbers>");
	char **sns = NULL;
	size_t n = 0;
	assert_int_equal(wats_api_allocate_serials(&sns, &n, cli, "Default", 2, NULL, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(sns[1], "S-002");
	wats_strings_free(sns, n);
	last();
	assert_non_null(strstr(head, "POST /api/Production/SerialNumbers/Take?serialNumberType=Default&quantity=2"
				     "&stationName=BENCH-7 HTTP"));
	reply(200, "[\"J1\",{\"serialNumber\":\"J2\"}]");
	assert_int_equal(wats_api_allocate_serials(&sns, &n, cli, "Default", 2, "R", "P"), 0);
	assert_int_equal(n, 2);
	assert_string_equal(sns[0], "J1");
	assert_string_equal(sns[1], "J2");
	wats_strings_free(sns, n);
	ms_reply r[] = { { 503, NULL, NULL, 0 }, { 200, NULL, "[]", 0 } };
	ms_script(srv, r, 2);
	ms_reset_counts(srv);
	assert_int_equal(wats_api_allocate_serials(&sns, &n, cli, "Default", 1, NULL, NULL), WATS_ESERVER);
	assert_int_equal(ms_requests(srv), 1);
}

static void test_processes_cached(void **state)
{
	(void)state;
	wats_client_cache_clear(cli);
	reply(200, "[{\"code\":100,\"name\":\"End of line\",\"isTestOperation\":true},"
		   "{\"code\":500,\"name\":\"Repair\",\"isRepairOperation\":true}]");
	for (int i = 0; i < 3; i++) {
		wats_process_list *l = NULL;
		assert_int_equal(wats_api_get_processes(&l, cli), 0);
		assert_int_equal(l->count, 2);
		assert_true(wats_process_find(l, 100)->is_test);
		assert_true(wats_process_find(l, 500)->is_repair);
		assert_null(wats_process_find(l, 7));
		wats_process_list_free(l);
	}
	assert_int_equal(ms_requests(srv), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_submit), cmocka_unit_test(test_query_headers),
		cmocka_unit_test(test_products), cmocka_unit_test(test_units),
		cmocka_unit_test(test_processes_cached),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
