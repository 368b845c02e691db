/* App, products, production, assets, software and root cause routes. */
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
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_devserver_stop(srv);
	return 0;
}

/* Request, expect status, return the JSON body (caller puts it), or NULL for errors. */
static json_object *call(const char *method, const char *path, const char *body, long status)
{
	th_resp r = th_request(srv, method, path, body, body ? strlen(body) : 0,
			       body ? "application/json" : NULL, NULL);
	th_expect(&r, status);
	json_object *o = status < 300 ? th_json(&r) : NULL;
	th_free(&r);
	return o;
}

static void expect_true(const char *method, const char *path, const char *body)
{
	json_object *o = call(method, path, body, 200);
	assert_true(json_object_is_type(o, json_type_boolean) && json_object_get_boolean(o));
	json_object_put(o);
}

static const char *str(json_object *o, const char *key)
{
	const char *v = th_str(o, key);
	if (!v)
		fail_msg("no string '%s' in %s", key, json_object_to_json_string(o));
	return v;
}

static int64_t num(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no '%s' in %s", key, json_object_to_json_string(o));
	return json_object_get_int64(v);
}

static void test_app(void **state)
{
	(void)state;
	json_object *v = call("GET", "/api/App/Version", NULL, 200);
	assert_true(json_object_is_type(v, json_type_string));
	json_object_put(v);
	json_object *all = call("GET", "/api/App/Processes", NULL, 200);
	json_object *rep = call("GET", "/api/App/Processes?includeRepairOperations=true", NULL, 200);
	assert_true(json_object_array_length(all) > json_object_array_length(rep));
	json_object *p = json_object_array_get_idx(rep, 0);
	assert_true(json_object_get_boolean(json_object_object_get(p, "isRepairOperation")));
	assert_non_null(th_str(p, "name"));
	json_object_put(all);
	json_object_put(rep);
	expect_true("GET", "/api/internal/Production/isConnected", NULL);
	expect_true("GET", "/api/internal/Software/isConnected", NULL);
}

static void test_products_and_revisions(void **state)
{
	(void)state;
	json_object *p = call("PUT", "/api/Product", "{\"partNumber\":\"PN-1\",\"name\":\"Board\","
			      "\"nonSerial\":false,\"state\":1,\"revisions\":[{\"revision\":\"A\"}],"
			      "\"tags\":[]}", 200);
	assert_string_equal(str(p, "partNumber"), "PN-1");
	char product_id[64];
	snprintf(product_id, sizeof(product_id), "%s", str(p, "productId"));
	assert_int_equal(json_object_array_length(json_object_object_get(p, "revisions")), 1);
	json_object_put(p);

	json_object *rv = call("PUT", "/api/Product/Revision",
			       "{\"partNumber\":\"PN-1\",\"revision\":\"B\",\"name\":\"rev B\"}", 200);
	assert_string_equal(str(rv, "productId"), product_id);
	assert_non_null(th_str(rv, "productRevisionId"));
	json_object_put(rv);
	call("PUT", "/api/Product/Revision", "{\"partNumber\":\"NOPE\",\"revision\":\"A\"}", 404);
	call("PUT", "/api/Product/Revision", "{\"revision\":\"A\"}", 400);

	p = call("GET", "/api/Product/PN-1", NULL, 200);
	assert_string_equal(str(p, "name"), "Board");
	assert_int_equal(json_object_array_length(json_object_object_get(p, "revisions")), 2);
	json_object_put(p);
	rv = call("GET", "/api/Product?partNumber=PN-1&revision=B", NULL, 200);
	assert_string_equal(str(rv, "name"), "rev B");
	json_object_put(rv);
	call("GET", "/api/Product?partNumber=PN-1&revision=Z", NULL, 404);
	call("GET", "/api/Product?partNumber=PN-1", NULL, 400);
	call("GET", "/api/Product/NOPE", NULL, 404);

	/* update keeps the id; bulk saves */
	p = call("PUT", "/api/Product", "{\"partNumber\":\"PN-1\",\"name\":\"Board v2\"}", 200);
	assert_string_equal(str(p, "productId"), product_id);
	json_object_put(p);
	json_object *list = call("PUT", "/api/Product/Products",
				 "[{\"partNumber\":\"PN-2\",\"name\":\"x\"},"
				 "{\"partNumber\":\"PN-3\",\"name\":\"y\"}]", 200);
	assert_int_equal(json_object_array_length(list), 2);
	json_object_put(list);
	list = call("PUT", "/api/Product/Revisions", "[{\"partNumber\":\"PN-2\",\"revision\":\"1\"},"
		    "{\"partNumber\":\"PN-3\",\"revision\":\"1\"}]", 200);
	assert_int_equal(json_object_array_length(list), 2);
	json_object_put(list);
	call("PUT", "/api/Product", "{\"name\":\"no part number\"}", 400);
	call("PUT", "/api/Product", "not json", 400);

	list = call("GET", "/api/Product/Query", NULL, 200);
	assert_int_equal(json_object_array_length(list), 3);
	json_object_put(list);
	list = call("GET", "/api/Product/Query?$filter=partNumber%20eq%20'PN-2'", NULL, 200);
	assert_int_equal(json_object_array_length(list), 1);
	json_object_put(list);
}

static void test_groups_and_vendors(void **state)
{
	(void)state;
	json_object *g = call("PUT", "/api/Product/Group", "{\"productGroupName\":\"Boards\"}", 200);
	assert_true(num(g, "productGroupId") > 0);
	json_object_put(g);
	json_object *list = call("GET", "/api/Product/Groups", NULL, 200);
	assert_int_equal(json_object_array_length(list), 1);
	json_object_put(list);

	json_object *v = call("PUT", "/api/Product/Vendors", "{\"name\":\"Acme\"}", 200);
	char path[128];
	snprintf(path, sizeof(path), "/api/Product/Vendors/%s", str(v, "vendorId"));
	json_object_put(v);
	list = call("GET", "/api/Product/Vendors", NULL, 200);
	assert_int_equal(json_object_array_length(list), 1);
	json_object_put(list);
	expect_true("DELETE", path, NULL);
	call("DELETE", path, NULL, 404);

	/* /api/App/ProductGroups lists the same groups; /api/App/Levels has one level */
	list = call("GET", "/api/App/ProductGroups?includeFilters=true", NULL, 200);
	assert_int_equal(json_object_array_length(list), 1);
	assert_string_equal(str(json_object_array_get_idx(list, 0), "productGroupName"), "Boards");
	json_object_put(list);
	list = call("GET", "/api/App/Levels", NULL, 200);
	assert_true(json_object_array_length(list) >= 1);
	assert_non_null(str(json_object_array_get_idx(list, 0), "levelName"));
	assert_true(num(json_object_array_get_idx(list, 0), "levelId") > 0);
	json_object_put(list);
}

/* POST SerialNumbers/Take: count the <SN id="..."> elements, copy them into ids[]. */
static size_t take(tu_devserver *s, const char *params, char ids[][64], size_t max, long status)
{
	char path[512];
	snprintf(path, sizeof(path), "/api/Production/SerialNumbers/Take?%s", params);
	th_resp r = th_request(s, "POST", path, NULL, 0, NULL, NULL);
	th_expect(&r, status);
	size_t n = 0;
	if (status == 200) {
		char ct[128];
		assert_non_null(th_header(&r, "Content-Type", ct, sizeof(ct)));
		assert_non_null(strstr(ct, "xml"));
		assert_non_null(strstr(r.body, "<SerialNumbers>"));
		for (const char *p = strstr(r.body, "<SN id=\""); p; p = strstr(p + 1, "<SN id=\"")) {
			const char *v = p + 8, *e = strchr(v, '"');
			assert_non_null(e);
			if (n < max)
				snprintf(ids[n], 64, "%.*s", (int)(e - v), v);
			n++;
		}
	}
	th_free(&r);
	return n;
}

static void test_serial_number_take(void **state)
{
	(void)state;
	char dir_db[4096], ids[8][64], more[8][64];
	char *dir = tu_tmpdir();
	snprintf(dir_db, sizeof(dir_db), "%s/sn.db", dir);
	tu_devserver *s = tu_devserver_start(dir_db, NULL);
	assert_int_equal(take(s, "serialNumberType=Board&quantity=3&refSN=P1&refPN=PN&"
			      "stationName=st", ids, 8, 200), 3);
	assert_string_equal(ids[0], "Board-000001");
	assert_string_equal(ids[2], "Board-000003");
	/* quantity defaults to 1; each type counts on its own */
	assert_int_equal(take(s, "serialNumberType=Board", more, 8, 200), 1);
	assert_string_equal(more[0], "Board-000004");
	assert_int_equal(take(s, "serialNumberType=A%26B", more, 8, 200), 1);
	assert_string_equal(more[0], "A&amp;B-000001");   /* escaped in the XML */
	/* bad requests */
	take(s, "quantity=2", NULL, 0, 400);
	take(s, "serialNumberType=Board&quantity=0", NULL, 0, 400);
	take(s, "serialNumberType=Board&quantity=x", NULL, 0, 400);
	take(s, "serialNumberType=Board&quantity=10001", NULL, 0, 400);
	take(s, "serialNumberType=%20", NULL, 0, 400);
	th_resp r = th_get(s, "/api/Production/SerialNumbers/Take?serialNumberType=Board");
	assert_true(r.status == 405 || r.status == 501);   /* only POST takes numbers */
	th_free(&r);
	/* a restart with the same database never hands out a number twice */
	tu_devserver_stop(s);
	s = tu_devserver_start(dir_db, NULL);
	assert_int_equal(take(s, "serialNumberType=Board&quantity=2", more, 8, 200), 2);
	assert_string_equal(more[0], "Board-000005");
	assert_string_equal(more[1], "Board-000006");
	tu_devserver_stop(s);
	tu_rmtree(dir);
	free(dir);
}

static void post_report(const char *id, const char *sn, int code, const char *result,
			const char *start, const char *type)
{
	char body[768];
	snprintf(body, sizeof(body),
		 "{\"id\":\"%s\",\"type\":\"%s\",\"pn\":\"UNIT-PN\",\"sn\":\"%s\",\"rev\":\"A\","
		 "\"processCode\":%d,\"result\":\"%s\",\"machineName\":\"st\",\"location\":\"l\","
		 "\"purpose\":\"p\",\"start\":\"%s\"%s}",
		 id, type, sn, code, result, start,
		 type[0] == 'R' ? ",\"uur\":{\"user\":\"op\",\"processCode\":100}" : "");
	th_resp r = th_post(srv, "/api/Report/WSJF", body);
	th_expect(&r, 200);
	th_free(&r);
}

static void test_units_and_verification(void **state)
{
	(void)state;
	json_object *list = call("PUT", "/api/Production/Units",
				 "[{\"serialNumber\":\"U1\",\"partNumber\":\"UNIT-PN\",\"revision\":\"A\"},"
				 "{\"serialNumber\":\"C1\",\"partNumber\":\"CHILD\",\"revision\":\"1\"}]",
				 200);
	assert_int_equal(json_object_array_length(list), 2);
	json_object_put(list);
	call("PUT", "/api/Production/Units", "[{\"partNumber\":\"X\"}]", 400);

	json_object *u = call("GET", "/api/Production/Unit/U1/UNIT-PN", NULL, 200);
	assert_string_equal(str(u, "revision"), "A");
	json_object_put(u);
	call("GET", "/api/Production/Unit/U9/UNIT-PN", NULL, 404);

	expect_true("PUT", "/api/Production/SetUnitPhase?serialNumber=U1&partNumber=UNIT-PN&phase=16",
		    NULL);
	call("PUT", "/api/Production/SetUnitPhase?serialNumber=U1&partNumber=UNIT-PN&phase=3", NULL,
	     400);
	expect_true("PUT", "/api/Production/SetUnitProcess?serialNumber=U1&partNumber=UNIT-PN"
		    "&processCode=100", NULL);
	u = call("GET", "/api/Production/Unit/U1/UNIT-PN", NULL, 200);
	assert_int_equal(num(u, "unitPhaseId"), 16);
	assert_int_equal(num(u, "processCode"), 100);
	json_object_put(u);

	expect_true("POST", "/api/Production/AddChildUnit?parentSerialNumber=U1&parentPartNumber="
		    "UNIT-PN&childSerialNumber=C1&childPartNumber=CHILD", NULL);
	u = call("GET", "/api/Production/Unit/U1/UNIT-PN", NULL, 200);
	assert_int_equal(json_object_array_length(json_object_object_get(u, "subUnits")), 1);
	json_object_put(u);
	u = call("GET", "/api/Production/Unit/C1/CHILD", NULL, 200);
	assert_string_equal(str(u, "parentSerialNumber"), "U1");
	json_object_put(u);
	expect_true("POST", "/api/Production/RemoveChildUnit?parentSerialNumber=U1&parentPartNumber="
		    "UNIT-PN&childSerialNumber=C1&childPartNumber=CHILD", NULL);
	u = call("GET", "/api/Production/Unit/U1/UNIT-PN", NULL, 200);
	assert_int_equal(json_object_array_length(json_object_object_get(u, "subUnits")), 0);
	json_object_put(u);

	list = call("GET", "/api/internal/Mes/GetUnitPhases", NULL, 200);
	assert_int_equal(num(json_object_array_get_idx(list, 0), "UnitPhaseId"), 1);
	json_object_put(list);
	list = call("GET", "/api/Production/SerialNumbers/Types", NULL, 200);
	json_object_put(list);

	/* verification from the reports: 50 fails then passes, 100 passes first time */
	json_object *v = call("GET", "/api/Production/UnitVerification?serialNumber=U1&partNumber="
			      "UNIT-PN", NULL, 200);
	assert_string_equal(str(v, "status"), "Unknown");
	json_object_put(v);
	post_report("e0000000-0000-4000-8000-000000000001", "U1", 50, "F", "2024-01-01T10:00:00Z", "T");
	post_report("e0000000-0000-4000-8000-000000000002", "U1", 50, "P", "2024-01-01T11:00:00Z", "T");
	post_report("e0000000-0000-4000-8000-000000000003", "U1", 100, "P", "2024-01-01T12:00:00Z", "T");
	v = call("GET", "/api/Production/UnitVerification?serialNumber=U1&partNumber=UNIT-PN", NULL,
		 200);
	assert_string_equal(str(v, "status"), "Passed");
	assert_false(json_object_get_boolean(json_object_object_get(v, "allProcessesPassedFirstRun")));
	assert_true(json_object_get_boolean(json_object_object_get(v, "allProcessesPassedLastRun")));
	assert_true(json_object_get_boolean(json_object_object_get(v, "noRepairs")));
	json_object *res = json_object_object_get(v, "results");
	assert_int_equal(json_object_array_length(res), 2);
	json_object *first = json_object_array_get_idx(res, 0);
	assert_int_equal(num(first, "processCode"), 50);
	assert_int_equal(num(first, "totalCount"), 2);
	assert_int_equal(num(first, "nonPassedCount"), 1);
	json_object_put(v);
	post_report("e0000000-0000-4000-8000-000000000004", "U1", 500, "P", "2024-01-01T13:00:00Z", "R");
	post_report("e0000000-0000-4000-8000-000000000005", "U1", 100, "F", "2024-01-01T14:00:00Z", "T");
	v = call("GET", "/api/Production/UnitVerification?serialNumber=U1&partNumber=UNIT-PN", NULL,
		 200);
	assert_string_equal(str(v, "status"), "Failed");
	assert_false(json_object_get_boolean(json_object_object_get(v, "noRepairs")));
	json_object_put(v);
	call("GET", "/api/Production/UnitVerification?serialNumber=U1", NULL, 400);
}

static void test_assets(void **state)
{
	(void)state;
	json_object *t = call("PUT", "/api/Asset/Types", "{\"typeName\":\"Fixture\","
			      "\"runningCountLimit\":10,\"warningThreshold\":50,"
			      "\"alarmThreshold\":90}", 200);
	char body[512];
	snprintf(body, sizeof(body), "{\"serialNumber\":\"FX-1\",\"assetName\":\"Bed of nails\","
		 "\"typeId\":\"%s\"}", str(t, "typeId"));
	json_object_put(t);
	json_object *a = call("PUT", "/api/Asset", body, 200);
	char id[64], path[256];
	snprintf(id, sizeof(id), "%s", str(a, "assetId"));
	assert_int_equal(num(a, "state"), 1);
	json_object_put(a);
	/* PUT again by serial number updates the same asset */
	a = call("PUT", "/api/Asset", "{\"serialNumber\":\"FX-1\",\"location\":\"Line 2\"}", 200);
	assert_string_equal(str(a, "assetId"), id);
	json_object_put(a);
	call("PUT", "/api/Asset", "{\"assetName\":\"no serial\"}", 400);

	snprintf(path, sizeof(path), "/api/Asset/%s", id);
	a = call("GET", path, NULL, 200);
	assert_string_equal(str(a, "location"), "Line 2");
	json_object_put(a);
	a = call("GET", "/api/Asset/FX-1", NULL, 200);
	assert_string_equal(str(a, "assetId"), id);
	json_object_put(a);
	call("GET", "/api/Asset/NOPE", NULL, 404);

	char child[256];
	snprintf(child, sizeof(child), "{\"serialNumber\":\"PROBE-1\",\"parentAssetId\":\"%s\"}", id);
	json_object_put(call("PUT", "/api/Asset", child, 200));
	json_object_put(call("PUT", "/api/Asset", "{\"serialNumber\":\"PROBE-2\","
			     "\"parentSerialNumber\":\"FX-1\"}", 200));
	call("PUT", "/api/Asset", "{\"serialNumber\":\"P3\",\"parentSerialNumber\":\"NONE\"}", 404);
	json_object *list = call("GET", "/api/Asset/SubAssets?serialNumber=FX-1", NULL, 200);
	assert_int_equal(json_object_array_length(list), 2);
	json_object_put(list);
	expect_true("DELETE", "/api/Asset?serialNumber=PROBE-2", NULL);
	list = call("GET", "/api/Asset?$filter=serialNumber%20eq%20'FX-1'", NULL, 200);
	assert_int_equal(json_object_array_length(list), 1);
	json_object_put(list);
	list = call("GET", "/api/Asset?$orderby=serialNumber%20desc&$top=1", NULL, 200);
	assert_string_equal(str(json_object_array_get_idx(list, 0), "serialNumber"), "PROBE-1");
	json_object_put(list);

	/* counts, alarm state from the type's limits, reset, calibration */
	expect_true("PUT", "/api/Asset/Count?serialNumber=FX-1&incrementBy=6", NULL);
	json_object *s = call("GET", "/api/Asset/Status?serialNumber=FX-1", NULL, 200);
	assert_int_equal(num(s, "runningCount"), 6);
	assert_int_equal(num(s, "alarmState"), 1);
	json_object_put(s);
	expect_true("PUT", "/api/Asset/Count?serialNumber=FX-1&incrementBy=4", NULL);
	s = call("GET", "/api/Asset/Status?serialNumber=FX-1", NULL, 200);
	assert_int_equal(num(s, "alarmState"), 2);
	assert_int_equal(num(s, "totalCount"), 10);
	json_object_put(s);
	a = call("GET", "/api/Asset/PROBE-1", NULL, 200);
	assert_int_equal(num(a, "runningCount"), 10);  /* children counted too */
	json_object_put(a);
	expect_true("POST", "/api/Asset/ResetRunningCount?serialNumber=FX-1&comment=new%20pins",
		    NULL);
	expect_true("POST", "/api/Asset/Calibration?serialNumber=FX-1&dateTime=2024-05-01T00:00:00Z",
		    NULL);
	expect_true("POST", "/api/Asset/Maintenance?serialNumber=FX-1", NULL);
	call("POST", "/api/Asset/Calibration?serialNumber=FX-1&dateTime=yesterday", NULL, 400);
	expect_true("PUT", "/api/Asset/State?serialNumber=FX-1&state=3", NULL);
	call("PUT", "/api/Asset/State?serialNumber=FX-1&state=9", NULL, 400);
	snprintf(body, sizeof(body), "{\"assetId\":\"%s\",\"comment\":\"hello\",\"user\":\"me\"}", id);
	expect_true("POST", "/api/Asset/Message", body);
	a = call("GET", "/api/Asset/FX-1", NULL, 200);
	assert_int_equal(num(a, "runningCount"), 0);
	assert_int_equal(num(a, "state"), 3);
	assert_string_equal(str(a, "lastCalibrationDate"), "2024-05-01T00:00:00Z");
	json_object_put(a);
	list = call("GET", "/api/Asset/Log?$filter=comment%20eq%20'hello'", NULL, 200);
	assert_int_equal(json_object_array_length(list), 1);
	assert_string_equal(str(json_object_array_get_idx(list, 0), "user"), "me");
	json_object_put(list);
	list = call("GET", "/api/Asset/Types", NULL, 200);
	assert_int_equal(json_object_array_length(list), 1);
	json_object_put(list);

	call("GET", "/api/Asset/Status", NULL, 400);
	expect_true("DELETE", "/api/Asset?serialNumber=PROBE-1", NULL);
	call("DELETE", "/api/Asset?serialNumber=PROBE-1", NULL, 404);
}

static void test_software_packages(void **state)
{
	(void)state;
	json_object *p1 = call("POST", "/api/Software/Package", "{\"name\":\"fw\",\"tags\":"
			       "[{\"key\":\"line\",\"value\":\"L1\"}]}", 200);
	assert_int_equal(num(p1, "version"), 1);
	assert_string_equal(str(p1, "status"), "Draft");
	char id[64], path[256];
	snprintf(id, sizeof(id), "%s", str(p1, "packageId"));
	json_object_put(p1);
	json_object *p2 = call("POST", "/api/Software/Package", "{\"name\":\"fw\"}", 200);
	assert_int_equal(num(p2, "version"), 2);
	json_object_put(p2);
	call("POST", "/api/Software/Package", "{\"description\":\"no name\"}", 400);

	/* workflow: Draft -> Pending -> Released -> Revoked; Draft -> Released is refused */
	snprintf(path, sizeof(path), "/api/Software/PackageStatus/%s?status=Released", id);
	call("POST", path, NULL, 400);
	snprintf(path, sizeof(path), "/api/Software/PackageStatus/%s?status=Pending", id);
	expect_true("POST", path, NULL);
	snprintf(path, sizeof(path), "/api/Software/PackageStatus/%s?status=Released", id);
	expect_true("POST", path, NULL);
	snprintf(path, sizeof(path), "/api/Software/PackageStatus/%s?status=Bogus", id);
	call("POST", path, NULL, 400);

	json_object *p = call("GET", "/api/Software/PackageByName?name=fw&status=Released", NULL, 200);
	assert_string_equal(str(p, "packageId"), id);
	json_object_put(p);
	p = call("GET", "/api/Software/PackageByName?name=fw", NULL, 200);
	assert_int_equal(num(p, "version"), 2);  /* the newest */
	json_object_put(p);
	call("GET", "/api/Software/PackageByName?name=nope", NULL, 404);
	json_object *list = call("GET", "/api/Software/PackagesByTag?tag=line&value=L1", NULL, 200);
	assert_int_equal(json_object_array_length(list), 1);
	json_object_put(list);
	list = call("GET", "/api/Software/Packages", NULL, 200);
	assert_int_equal(json_object_array_length(list), 2);
	json_object_put(list);

	snprintf(path, sizeof(path), "/api/Software/Package/%s", id);
	p = call("PUT", path, "{\"description\":\"changed\",\"status\":\"Draft\"}", 200);
	assert_string_equal(str(p, "description"), "changed");
	assert_string_equal(str(p, "status"), "Released");  /* status changes only via PackageStatus */
	json_object_put(p);
	p = call("GET", path, NULL, 200);
	assert_string_equal(str(p, "description"), "changed");
	json_object_put(p);
	snprintf(path, sizeof(path), "/api/Software/PackageFiles/%s", id);
	list = call("GET", path, NULL, 200);
	assert_int_equal(json_object_array_length(list), 0);
	json_object_put(list);
	list = call("GET", "/api/Software/VirtualFolders", NULL, 200);
	json_object_put(list);

	snprintf(path, sizeof(path), "/api/Software/Package/%s", id);
	expect_true("DELETE", path, NULL);
	call("GET", path, NULL, 404);
	expect_true("DELETE", "/api/Software/PackageByName?name=fw&version=2", NULL);
	call("DELETE", "/api/Software/PackageByName?name=fw", NULL, 404);
}

static void test_rootcause_tickets(void **state)
{
	(void)state;
	json_object *t = call("POST", "/api/RootCause/Ticket", "{\"subject\":\"Fixture drift\","
			      "\"priority\":2,\"assignee\":\"anna\",\"update\":{\"content\":"
			      "\"first comment\"}}", 200);
	char id[64], path[256];
	snprintf(id, sizeof(id), "%s", str(t, "ticketId"));
	assert_int_equal(num(t, "status"), 1);
	assert_int_equal(num(t, "ticketNumber"), 1);
	assert_int_equal(json_object_array_length(json_object_object_get(t, "history")), 1);
	json_object_put(t);
	json_object_put(call("POST", "/api/RootCause/Ticket", "{\"subject\":\"Other\"}", 200));
	call("POST", "/api/RootCause/Ticket", "{\"priority\":1}", 400);

	snprintf(path, sizeof(path), "/api/RootCause/Ticket?ticketId=%s", id);
	t = call("GET", path, NULL, 200);
	assert_string_equal(str(t, "subject"), "Fixture drift");
	json_object_put(t);
	call("GET", "/api/RootCause/Ticket?ticketId=nope", NULL, 404);

	char body[512];
	snprintf(body, sizeof(body), "{\"ticketId\":\"%s\",\"status\":2,\"assignee\":\"anna\","
		 "\"update\":{\"content\":\"working on it\"}}", id);
	t = call("PUT", "/api/RootCause/Ticket", body, 200);
	assert_int_equal(num(t, "status"), 2);
	assert_int_equal(json_object_array_length(json_object_object_get(t, "history")), 2);
	json_object_put(t);
	call("PUT", "/api/RootCause/Ticket", "{\"ticketId\":\"nope\"}", 404);

	json_object *list = call("GET", "/api/RootCause/Tickets?status=2", NULL, 200);
	assert_int_equal(json_object_array_length(list), 1);
	json_object_put(list);
	list = call("GET", "/api/RootCause/Tickets?status=3&searchString=other", NULL, 200);
	assert_int_equal(json_object_array_length(list), 1);
	json_object_put(list);

	snprintf(body, sizeof(body), "[\"%s\"]", id);
	list = call("POST", "/api/RootCause/ArchiveTickets", body, 200);
	assert_int_equal(num(json_object_array_get_idx(list, 0), "status"), 32);
	json_object_put(list);
	call("POST", "/api/RootCause/ArchiveTickets", "[\"nope\"]", 404);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_app),
		cmocka_unit_test(test_products_and_revisions),
		cmocka_unit_test(test_groups_and_vendors),
		cmocka_unit_test(test_serial_number_take),
		cmocka_unit_test(test_units_and_verification),
		cmocka_unit_test(test_assets),
		cmocka_unit_test(test_software_packages),
		cmocka_unit_test(test_rootcause_tickets),
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
