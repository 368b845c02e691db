/* wats diff: semantic JSON differences, independent of the report model. */
#include "cli_test.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = tu_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

/* diff two texts; returns the exit code and the stdout text (free it). */
static int diff_text(const char *a, const char *b, char **out, char **err)
{
	const char *pa = put(dir, "a.json", a, 0);
	const char *pb = put(dir, "b.json", b, 1);
	return cli(out, err, "diff", pa, pb, NULL);
}

static void expect(const char *a, const char *b, int code, const char *want_out)
{
	char *out;
	int rc = diff_text(a, b, &out, NULL);
	if (rc != code || strcmp(out, want_out))
		fail_msg("diff %s %s: exit %d (want %d), output:\n%s\nwanted:\n%s", a, b, rc, code,
			 out, want_out);
	free(out);
}

static void test_equal_documents(void **state)
{
	(void)state;
	expect("{}", "{}", 0, "");
	/* key order is ignored, whitespace is irrelevant */
	expect("{\"a\":1,\"b\":[1,2]}", "{ \"b\" : [ 1 , 2 ] ,\n \"a\" : 1 }", 0, "");
	/* numbers by value: 10 == 10.0 == 1e1 == 100e-1, -0 == 0 */
	expect("{\"n\":10,\"m\":10,\"k\":0}", "{\"n\":10.0,\"m\":1e1,\"k\":-0.0}", 0, "");
	expect("[1.5]", "[15E-1]", 0, "");
	/* a BOM is not a difference */
	expect("\xEF\xBB\xBF{\"a\":\"x\"}", "{\"a\":\"x\"}", 0, "");
}

static void test_injected_differences(void **state)
{
	(void)state;
	/* changed number, with the path into a step tree */
	expect("{\"root\":{\"steps\":[{},{},{},{\"numericMeas\":[{\"value\":1.5}]}]}}",
	       "{\"root\":{\"steps\":[{},{},{},{\"numericMeas\":[{\"value\":1.6}]}]}}", 1,
	       "root.steps[3].numericMeas[0].value: 1.5 != 1.6\n");
	/* missing key, either side */
	expect("{\"uut\":{\"comment\":\"x\",\"user\":\"u\"}}", "{\"uut\":{\"user\":\"u\"}}", 1,
	       "uut.comment: only in A\n");
	expect("{\"a\":1}", "{\"a\":1,\"b\":2}", 1, "b: only in B\n");
	/* null is not absent */
	expect("{\"a\":null}", "{}", 1, "a: only in A\n");
	expect("{\"a\":null}", "{\"a\":0}", 1, "a: null != 0\n");
	/* strings, booleans, types */
	expect("{\"s\":\"P\"}", "{\"s\":\"F\"}", 1, "s: \"P\" != \"F\"\n");
	expect("{\"b\":true}", "{\"b\":false}", 1, "b: true != false\n");
	expect("{\"v\":\"10\"}", "{\"v\":10}", 1, "v: \"10\" != 10\n");
	expect("{\"v\":[]}", "{\"v\":{}}", 1, "v: [...] != {...}\n");
	/* array length */
	expect("[1,2,3]", "[1,2]", 1, "[2]: only in A\n");
	expect("[1]", "[1,{\"x\":1}]", 1, "[1]: only in B\n");
	/* integers compare exactly, even where doubles cannot tell them apart */
	expect("[9007199254740993]", "[9007199254740992]", 1,
	       "[0]: 9007199254740993 != 9007199254740992\n");
	expect("[18446744073709551615]", "[18446744073709551615]", 0, "");
	expect("[3]", "[3.000001]", 1, "[0]: 3 != 3.000001\n");
	/* keys that are not plain names are quoted */
	expect("{\"a b\":{\"c.d\":1}}", "{\"a b\":{\"c.d\":2}}", 1, "[\"a b\"][\"c.d\"]: 1 != 2\n");
	/* whole documents of different kinds */
	expect("{}", "[]", 1, "(document): {...} != [...]\n");
	/* several differences, one line each */
	char *out;
	assert_int_equal(diff_text("{\"a\":1,\"b\":2,\"c\":3}", "{\"a\":2,\"b\":3,\"d\":3}", &out, NULL), 1);
	assert_string_equal(out, "a: 1 != 2\nb: 2 != 3\nc: only in A\nd: only in B\n");
	free(out);
}

static void test_fixture_injected(void **state)
{
	(void)state;
	const char *f = tu_fixture("new_report_example.json");
	size_t len;
	char *text = tu_read(f, &len);
	/* the fixture against itself re-spelled: 10.0 -> 10 changes text, not value */
	char *hl = strstr(text, "\"highLimit\":45.0");
	assert_non_null(hl);
	memcpy(hl, "\"highLimit\":45  ", 16);
	const char *b = put(dir, "b.json", text, 1);
	char *out;
	assert_int_equal(cli(&out, NULL, "diff", f, b, NULL), 0);
	assert_string_equal(out, "");
	free(out);
	/* now a real change deep in the tree */
	memcpy(hl, "\"highLimit\":46  ", 16);
	b = put(dir, "b.json", text, 1);
	assert_int_equal(cli(&out, NULL, "diff", f, b, NULL), 1);
	assert_string_equal(out, "root.steps[0].numericMeas[0].highLimit: 45.0 != 46\n");
	free(out);
	free(text);
}

static void test_bad_input(void **state)
{
	(void)state;
	char *out, *err;
	/* truncated: names file, line and column; nothing on stdout */
	assert_int_equal(diff_text("{\n  \"a\": [1,\n", "{}", &out, &err), 3);
	assert_contains(err, "a.json:3:1:");
	assert_string_equal(out, "");
	free(out);
	free(err);
	/* B broken */
	assert_int_equal(diff_text("{}", "{\"a\" 1}", NULL, &err), 3);
	assert_contains(err, "b.json:1:");
	free(err);
	/* trailing text after the document */
	assert_int_equal(diff_text("{} {}", "{}", NULL, &err), 3);
	assert_contains(err, "a.json:1:4:");
	free(err);
	/* invalid UTF-8 */
	assert_int_equal(diff_text("{\"a\":\"\xc3\x28\"}", "{}", NULL, &err), 3);
	assert_contains(err, "a.json:1:");
	free(err);
	/* not strict JSON */
	assert_int_equal(diff_text("{\"a\":1,}", "{}", NULL, &err), 3);
	free(err);
	assert_int_equal(diff_text("", "{}", NULL, &err), 3);
	free(err);
	/* missing file */
	assert_int_equal(cli(NULL, &err, "diff", in_dir(dir, "none.json", 0), tu_fixture("uur_example.json"), NULL), 3);
	assert_contains(err, "none.json");
	free(err);
	/* usage */
	assert_int_equal(cli(NULL, NULL, "diff", "x.json", NULL), 2);
	assert_int_equal(cli(NULL, NULL, "diff", "-", "-", NULL), 2);
}

static void test_deep_nesting(void **state)
{
	(void)state;
	/* 200 levels (deeper than json-c's default 32): compared fine */
	size_t depth = 200;
	char *deep = malloc(depth * 6 + 8);
	size_t n = 0;
	for (size_t i = 0; i < depth; i++)
		n += (size_t)sprintf(deep + n, "{\"a\":");
	size_t one = n;
	deep[n++] = '1';
	for (size_t i = 0; i < depth; i++)
		deep[n++] = '}';
	deep[n] = '\0';
	char *other = strdup(deep);
	other[one] = '2';
	char *out, *err;
	assert_int_equal(diff_text(deep, deep, &out, NULL), 0);
	free(out);
	assert_int_equal(diff_text(deep, other, &out, NULL), 1);
	assert_contains(out, "a.a.a.a");
	assert_contains(out, ": 1 != 2\n");
	free(out);
	free(deep);
	free(other);
	/* far deeper: refused with a message, never a stack overflow */
	depth = 100000;
	char *huge = malloc(depth * 2 + 2);
	memset(huge, '[', depth);
	memset(huge + depth, ']', depth);
	huge[2 * depth] = '\0';
	assert_int_equal(diff_text(huge, "[]", NULL, &err), 3);
	assert_contains(err, "a.json:1:");
	assert_contains(err, "nesting");
	free(err);
	free(huge);
}

static void test_stdin(void **state)
{
	(void)state;
	char cmd[8192], *out;
	const char *f = tu_fixture("uur_example.json");
	snprintf(cmd, sizeof(cmd), "'%s' fmt --pretty '%s' | '%s' diff - '%s'", tu_cli(), f, tu_cli(), f);
	assert_int_equal(sh(&out, NULL, cmd), 0);
	assert_string_equal(out, "");
	free(out);
	snprintf(cmd, sizeof(cmd), "sed 's/Thermal/Cold/g' '%s' | '%s' diff '%s' -", f, tu_cli(), f);
	assert_int_equal(sh(&out, NULL, cmd), 1);
	assert_string_equal(out, "uur.comment: \"Thermal failure repaired\" != \"Cold failure repaired\"\n"
				 "subUnits[0].failures[0].comment: \"Thermal failure during burn-in - Reworked thermal interface\" != "
				 "\"Cold failure during burn-in - Reworked thermal interface\"\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_documents),
		cmocka_unit_test(test_injected_differences),
		cmocka_unit_test(test_fixture_injected),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_stdin),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
