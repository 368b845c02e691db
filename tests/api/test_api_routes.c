/* The compiled route table against the reference list (re-parsed here, independently of the
 * generator), the OData builder, and wats_call's parameter handling on the wire. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "miniserver.h"
#include "wats/wats.h"

/* Split a markdown table row into cells (handles "\|" inside a cell). */
static int cells(char *line, char **out, int max)
{
	int n = 0;
	char *p = line + 1, *w = p;
	out[n++] = w;
	for (; *p && n < max; p++) {
		if (p[0] == '\\' && p[1] == '|') {
			*w++ = '|';
			p++;
		} else if (*p == '|') {
			*w++ = '\0';
			out[n++] = w;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	for (int i = 0; i < n; i++) {
		while (*out[i] == ' ')
			out[i]++;
		char *e = out[i] + strlen(out[i]);
		while (e > out[i] && (e[-1] == ' ' || e[-1] == '\n'))
			*--e = '\0';
	}
	return n;
}

static void test_table_matches_reference(void **state)
{
	(void)state;
	char md[1024];
	snprintf(md, sizeof(md), "%s/../reference/routes.md", getenv("WATS_FIXTURES"));
	size_t len;
	char *text = tu_read(md, &len);
	int checked = 0, mi = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "## ", 3))
			mi = strstr(line, "Manual Inspection") != NULL;
		if (strncmp(line, "| ", 2))
			continue;
		char *c[12];
		int n = cells(line, c, 12);
		if (n < 6 || line[2] == '(')
			continue;
		const char *m = c[1];
		if (strcmp(m, "GET") && strcmp(m, "POST") && strcmp(m, "PUT") && strcmp(m, "DELETE") && strcmp(m, "PATCH"))
			continue;
		char id[16];
		sscanf(c[0], "%15s", id);
		const wats_route *r = wats_route_find(id);
		if (!r)
			fail_msg("route %s (%s %s) is missing from the table", id, m, c[2]);
		char path[512];
		snprintf(path, sizeof(path), "%s%s", mi ? "/api/internal/ManualInspection" : "", c[2]);
		if (strcmp(r->method, m) || strcmp(r->path, path))
			fail_msg("route %s: table has %s %s, reference %s %s", id, r->method, r->path, m, path);
		assert_int_equal(!!(r->flags & WATS_ROUTE_INTERNAL), strstr(c[0], "INT") != NULL);
		assert_ptr_equal(wats_route_find(r->name), r);
		checked++;
	}
	free(text);
	assert_int_equal(checked, 204);
	assert_int_equal(wats_route_count(), 204);
	/* Names are unique; ids resolve in any case; the table is complete. */
	for (size_t i = 0; i < wats_route_count(); i++)
		for (size_t j = i + 1; j < wats_route_count(); j++)
			assert_string_not_equal(wats_route_at(i)->name, wats_route_at(j)->name);
	assert_non_null(wats_route_find("pr14"));
	assert_string_equal(wats_route_find("product.get_bom")->path, "/api/internal/Product/Bom");
	assert_null(wats_route_at(204));
	assert_null(wats_route_find("product.nope"));
	/* Flags the client depends on. */
	assert_true(wats_route_find("report.submit_report")->flags & WATS_ROUTE_IDEMPOTENT);
	assert_false(wats_route_find("production.allocate_serial_numbers")->flags & WATS_ROUTE_IDEMPOTENT);
	assert_int_equal(wats_route_find("A2")->cache_tags, WATS_CACHE_PROCESSES);
	assert_int_equal(wats_route_find("software.log_download")->cache_tags, 0); /* a write by GET */
	assert_int_equal(wats_route_find("product.create_group")->invalidates, WATS_CACHE_PRODUCT_GROUPS);
	assert_int_equal(wats_route_find("R5")->body, WATS_BODY_RAW);
	assert_string_equal(wats_route_find("R5")->content_type, "application/xml");
	assert_string_equal(wats_route_find("AS5")->query, "id,serialNumber,translate,cultureCode");
	assert_string_equal(wats_route_find("R1")->query, "reportType,$expand,$filter,$top,$orderby,$skip");
}

static void test_odata(void **state)
{
	(void)state;
	wats_odata *f = NULL;
	assert_int_equal(wats_odata_new(&f), 0);
	assert_string_equal(wats_odata_text(f), "");
	assert_int_equal(wats_odata_add_string(f, "serialNumber", "eq", "O'Neil''s"), 0);
	assert_int_equal(wats_odata_add_time(f, "start", "ge", 1700000000), 0);
	assert_int_equal(wats_odata_add_number(f, "processCode", "eq", 100), 0);
	assert_int_equal(wats_odata_add_function(f, "startswith", "partNumber", "PN-'1"), 0);
	assert_int_equal(wats_odata_add_raw(f, "subUnits/any(s: s/partNumber eq 'X')"), 0);
	assert_string_equal(wats_odata_text(f),
		"serialNumber eq 'O''Neil''''s' and start ge 2023-11-14T22:13:20Z and processCode eq 100 and "
		"startswith(partNumber,'PN-''1') and (subUnits/any(s: s/partNumber eq 'X'))");
	/* Injection through a field name or operator is refused. */
	assert_int_equal(wats_odata_add_string(f, "sn eq 'a' or 1", "eq", "x"), WATS_EINVAL);
	assert_int_equal(wats_odata_add_string(f, "sn", "contains", "x"), WATS_EINVAL);
	assert_int_equal(wats_odata_add_function(f, "substringof", "sn", "x"), WATS_EINVAL);
	wats_odata_free(f);
	assert_int_equal(wats_odata_new(&f), 0);
	wats_odata_use_or(f, 1);
	wats_odata_add_string(f, "a", "eq", "1");
	wats_odata_add_string(f, "b", "ne", "2");
	assert_string_equal(wats_odata_text(f), "a eq '1' or b ne '2'");
	wats_odata_free(f);
	wats_odata_free(NULL);
	char *q = NULL;
	assert_int_equal(wats_odata_quote(&q, "it's"), 0);
	assert_string_equal(q, "'it''s'");
	wats_free(q);
}

static void test_call_wire(void **state)
{
	(void)state;
	ms_server *s = ms_start();
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.base_url = ms_url(s);
	o.token = "tok";
	o.station_name = "st";
	o.station_file = "/nonexistent";
	wats_client *c = NULL;
	assert_int_equal(wats_client_new(&c, &o), 0);
	wats_response *r = NULL;
	char head[4096];
	/* Path placeholders are escaped as one segment; query names from the table. */
	wats_param p1[] = { { "serialNumber", "SN/1 #2" }, { "partNumber", "PN?1" } };
	assert_int_equal(wats_call(&r, c, "production.get_unit", p1, 2, NULL, 0), 0);
	wats_response_free(r);
	ms_request_head(s, 0, head, sizeof(head));
	assert_non_null(strstr(head, "GET /api/Production/Unit/SN%2F1%20%232/PN%3F1 HTTP/1.1"));
	assert_null(strstr(head, "Referer"));
	wats_param p2[] = { { "partNumber", "PN1" }, { "revision", "A" } };
	assert_int_equal(wats_call(&r, c, "PR14", p2, 2, NULL, 0), 0);
	wats_response_free(r);
	ms_request_head(s, 1, head, sizeof(head));
	assert_non_null(strstr(head, "GET /api/internal/Product/Bom?partNumber=PN1&revision=A HTTP/1.1"));
	assert_non_null(strstr(head, "Referer: http://127.0.0.1:"));
	/* "{assetId or serialNumber}" takes either name. */
	wats_param p3[] = { { "serialNumber", "A-1" } };
	assert_int_equal(wats_call(&r, c, "asset.get_asset", p3, 1, NULL, 0), 0);
	wats_response_free(r);
	ms_request_head(s, 2, head, sizeof(head));
	assert_non_null(strstr(head, "GET /api/Asset/A-1 HTTP/1.1"));
	/* Raw bodies carry the route's content type. */
	assert_int_equal(wats_call(&r, c, "report.submit_report_xml", NULL, 0, "<Reports/>", 10), 0);
	wats_response_free(r);
	ms_request_head(s, 3, head, sizeof(head));
	assert_non_null(strstr(head, "POST /api/Report/WSXF HTTP/1.1"));
	assert_non_null(strstr(head, "Content-Type: application/xml"));
	/* Mistakes are caught before the wire, with what the route accepts. */
	wats_param bad[] = { { "partNumbr", "x" } };
	assert_int_equal(wats_call(&r, c, "product.get_product", bad, 1, NULL, 0), WATS_EINVAL);
	assert_non_null(strstr(wats_error_last()->message, "missing path parameter partNumber"));
	wats_param bad2[] = { { "partNumber", "x" }, { "rev", "A" } };
	assert_int_equal(wats_call(&r, c, "product.get_bom", bad2, 2, NULL, 0), WATS_EINVAL);
	assert_non_null(strstr(wats_error_last()->message, "unknown parameter 'rev'"));
	assert_non_null(strstr(wats_error_last()->message, "partNumber,revision"));
	assert_int_equal(wats_call(&r, c, "analytics.get_version", NULL, 0, "{}", 2), WATS_EINVAL);
	assert_int_equal(wats_call(&r, c, "no.such", NULL, 0, NULL, 0), WATS_ENOTFOUND);
	assert_null(r);
	assert_int_equal(ms_requests(s), 4);
	wats_client_free(c);
	ms_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_matches_reference),
		cmocka_unit_test(test_odata),
		cmocka_unit_test(test_call_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
