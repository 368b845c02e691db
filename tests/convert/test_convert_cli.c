/* wats convert / wats detect: the command line, the WSJF -> WSXF -> WSJF round trip checked
 * with `wats diff`, exit codes and messages. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wats/wats.h"

static int run(char **out, char **err, const char *a1, const char *a2, const char *a3,
	       const char *a4, const char *a5, const char *a6)
{
	char *argv[] = { (char *)tu_cli(), (char *)a1, (char *)a2, (char *)a3, (char *)a4, (char *)a5,
			 (char *)a6, NULL };
	return tu_run(argv, out, err);
}

static void test_roundtrip_diff(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	const char *fx[] = { "new_report_example.json", "uur_example.json" };
	for (int i = 0; i < 2; i++) {
		char x[4096], j[4096];
		snprintf(x, sizeof(x), "%s/%d.xml", dir, i);
		snprintf(j, sizeof(j), "%s/%d.json", dir, i);
		char *out = NULL, *err = NULL;
		assert_int_equal(run(&out, &err, "convert", tu_fixture(fx[i]), "--to", "wsxf", "-o", x), 0);
		free(out), free(err);
		assert_int_equal(run(&out, &err, "convert", x, "-o", j, NULL, NULL), 0);
		free(out), free(err);
		int rc = run(&out, &err, "diff", tu_fixture(fx[i]), j, NULL, NULL, NULL);
		if (rc)
			fail_msg("differences after WSJF -> WSXF -> WSJF:\n%s%s", out, err);
		assert_string_equal(out, "");
		free(out), free(err);
	}
	tu_rmtree(dir);
	free(dir);
}

/* The report ids of WSJF text, in order, joined by spaces. */
static void ids_of(char *dst, size_t size, const char *json)
{
	dst[0] = '\0';
	for (const char *p = json; (p = strstr(p, "{\"id\":\"")); p += 7)
		snprintf(dst + strlen(dst), size - strlen(dst), "%.36s ", p + 7);
}

/* wats convert gives reports without an id in the file the derived one: the same ids for the
 * same file, every time (the start time of a file without one is still the clock's);
 * --random-ids restores fresh GUIDs. */
static void test_same_ids_twice(void **state)
{
	(void)state;
	char *o1 = NULL, *o2 = NULL, *o3 = NULL, *err = NULL;
	const char *f = tu_data("wstf/two_uuts.txt");
	assert_int_equal(run(&o1, &err, "convert", f, NULL, NULL, NULL, NULL), 0);
	free(err);
	assert_int_equal(run(&o2, &err, "convert", f, NULL, NULL, NULL, NULL), 0);
	free(err);
	char i1[256], i2[256];
	ids_of(i1, sizeof(i1), o1);
	ids_of(i2, sizeof(i2), o2);
	assert_int_equal(strlen(i1), 2 * 37);
	assert_string_equal(i1, i2);
	size_t len;
	char *data = tu_read(f, &len);
	char id[37];
	wats_convert_derive_id(id, data, len, 0);
	assert_non_null(strstr(o1, id));
	free(data);
	assert_int_equal(run(&o3, &err, "convert", f, "--random-ids", NULL, NULL, NULL), 0);
	free(err);
	assert_null(strstr(o3, id));
	free(o1), free(o2), free(o3);
}

static void test_detect_and_errors(void **state)
{
	(void)state;
	char *out = NULL, *err = NULL;
	char *f1 = strdup(tu_data("wstf/all_steps.txt")); /* tu_data's buffer is static */
	assert_int_equal(run(&out, &err, "detect", f1, tu_data("atml/all_steps-5.00.xml"), NULL, NULL, NULL), 0);
	free(f1);
	assert_non_null(strstr(out, "wstf confidence=0.98 sn=SN12345 pn=PN-001"));
	assert_non_null(strstr(out, "atml"));
	free(out), free(err);
	assert_int_equal(run(&out, &err, "convert", tu_data("wsxf/bad/entity_bomb.xml"), NULL, NULL, NULL, NULL), 3);
	assert_non_null(strstr(err, "entity_bomb.xml:2:"));
	free(out), free(err);
	assert_int_equal(run(&out, &err, "convert", tu_data("wstf/all_steps.txt"), "--to", "yaml", NULL, NULL), 2);
	free(out), free(err);
	assert_int_equal(run(&out, &err, "convert", "--list", NULL, NULL, NULL, NULL), 0);
	assert_non_null(strstr(out, "atml"));
	free(out), free(err);
	/* several reports: a JSON array; --log prints the conversion log */
	assert_int_equal(run(&out, &err, "convert", tu_data("wsxf/two_reports.xml"), "--log", NULL, NULL, NULL), 0);
	assert_true(out[0] == '[');
	assert_non_null(strstr(err, "reports: 2"));
	free(out), free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_diff),
		cmocka_unit_test(test_same_ids_twice),
		cmocka_unit_test(test_detect_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
