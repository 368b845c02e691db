/* wats convert / wats detect: the command line, the WSJF -> WSXF -> WSJF round trip checked
 * with `wats diff`, exit codes and messages. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		cmocka_unit_test(test_detect_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
