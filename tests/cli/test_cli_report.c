/* wats validate, fmt, summary and the top-level options: output and exit codes. */
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

static const char *const fixtures[] = { "new_report_example.json", "uur_example.json" };

/* ---- top level ------------------------------------------------------------------------- */

static void test_help_and_usage(void **state)
{
	(void)state;
	char *out, *err;
	assert_int_equal(cli(&out, NULL, "--help", NULL), 0);
	for (const char *const *c = (const char *const[]){ "validate", "fmt", "diff", "summary", NULL }; *c; c++)
		assert_contains(out, *c);
	assert_contains(out, "exit codes");
	free(out);
	assert_int_equal(cli(NULL, &err, "no-such-command", NULL), 2);
	assert_contains(err, "unknown command");
	free(err);
	assert_int_equal(cli(NULL, NULL, NULL), 2);
	assert_int_equal(cli(NULL, NULL, "validate", NULL), 2);
	assert_int_equal(cli(NULL, NULL, "summary", NULL), 2);
	assert_int_equal(cli(NULL, NULL, "fmt", NULL), 2);
	assert_int_equal(cli(NULL, NULL, "fmt", "--bogus", "x.json", NULL), 2);
	assert_int_equal(cli(NULL, NULL, "fmt", "a.json", "b.json", NULL), 2);
	assert_int_equal(cli(NULL, NULL, "fmt", "-o", NULL), 2);
}

/* ---- validate -------------------------------------------------------------------------- */

static void test_validate_fixtures_ok(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		char *out, *err;
		const char *f = tu_fixture(fixtures[i]);
		assert_int_equal(cli(&out, &err, "validate", f, NULL), 0);
		char want[16600];
		snprintf(want, sizeof(want), "%s: ok\n", f);
		assert_string_equal(out, want);
		assert_string_equal(err, "");
		free(out);
		free(err);
	}
	const char *small = put(dir, "small.json", SMALL_UUT, 0);
	char *out;
	assert_int_equal(cli(&out, NULL, "validate", small, NULL), 0);
	assert_contains(out, "small.json: ok");
	free(out);
}

static void test_validate_invalid(void **state)
{
	(void)state;
	/* A forbidden character in the serial number and no part number. */
	char *text = strdup(SMALL_UUT);
	char *sn = strstr(text, "SN-42");
	sn[2] = '*';
	char *pn = strstr(text, "\"pn\"");
	memcpy(pn, "\"xx\"", 4);
	const char *bad = put(dir, "bad.json", text, 0);
	free(text);
	char *out, *err;
	assert_int_equal(cli(&out, &err, "validate", bad, NULL), 1);
	char want[16600];
	snprintf(want, sizeof(want), "%s: error: sn: ", bad);
	assert_contains(out, want);
	snprintf(want, sizeof(want), "%s: error: pn: ", bad);
	assert_contains(out, want);
	assert_not_contains(out, ": ok");
	free(out);
	free(err);

	/* Several files: one invalid makes the answer 1, and the valid one still says ok. */
	assert_int_equal(cli(&out, NULL, "validate", tu_fixture(fixtures[1]), bad, NULL), 1);
	assert_contains(out, "uur_example.json: ok");
	assert_contains(out, "bad.json: error: ");
	free(out);
}

static void test_validate_unreadable(void **state)
{
	(void)state;
	char *out, *err;
	const char *missing = in_dir(dir, "missing.json", 0);
	assert_int_equal(cli(&out, &err, "validate", missing, NULL), 3);
	assert_contains(err, "missing.json");
	assert_string_equal(out, "");
	free(out);
	free(err);

	/* Unreadable beats invalid: 3 even with an invalid file alongside. */
	const char *notobj = put(dir, "array.json", "[1,2]", 1);
	assert_int_equal(cli(NULL, &err, "validate", tu_fixture(fixtures[0]), notobj, NULL), 3);
	assert_contains(err, "array.json:1:");
	free(err);

	/* A syntax error names file, line and column. */
	const char *syn = put(dir, "syntax.json", "{\n  \"type\": \"T\",\n  \"pn\": tru\n}", 2);
	assert_int_equal(cli(&out, &err, "validate", syn, NULL), 3);
	char want[16600];
	snprintf(want, sizeof(want), "%s:3:", syn);
	assert_contains(err, want);
	assert_string_equal(out, "");
	free(out);
	free(err);
}

static void test_validate_bad_input(void **state)
{
	(void)state;
	char *err;
	/* truncated */
	const char *p = put(dir, "trunc.json", "{\"type\":\"T\",\"id\":\"0b7d", 0);
	assert_int_equal(cli(NULL, &err, "validate", p, NULL), 3);
	assert_contains(err, "trunc.json:1:");
	free(err);
	/* invalid UTF-8 inside a string, column of the bad byte's string */
	p = put(dir, "utf8.json", "{\"type\":\"T\",\n\"sn\":\"a\xff\xfe\"}", 0);
	assert_int_equal(cli(NULL, &err, "validate", p, NULL), 3);
	assert_contains(err, "utf8.json:2:");
	free(err);
	/* empty */
	p = put(dir, "empty.json", "", 0);
	assert_int_equal(cli(NULL, &err, "validate", p, NULL), 3);
	assert_contains(err, "empty.json");
	free(err);
	/* nesting deeper than the parser's limit: refused, not a crash */
	size_t depth = 400;
	char *deep = malloc(depth * 6 + 8);
	size_t n = 0;
	for (size_t i = 0; i < depth; i++)
		n += (size_t)sprintf(deep + n, "{\"a\":");
	deep[n++] = '1';
	for (size_t i = 0; i < depth; i++)
		deep[n++] = '}';
	deep[n] = '\0';
	p = put(dir, "deep.json", deep, 0);
	free(deep);
	assert_int_equal(cli(NULL, &err, "validate", p, NULL), 3);
	assert_contains(err, "deep.json:1:");
	assert_contains(err, "nest");
	free(err);
}

/* ---- fmt ------------------------------------------------------------------------------- */

static void test_fmt_roundtrip_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		const char *f = tu_fixture(fixtures[i]);
		size_t flen;
		char *orig = tu_read(f, &flen);
		/* stdout: byte for byte */
		char *out;
		assert_int_equal(cli(&out, NULL, "fmt", f, NULL), 0);
		assert_int_equal(strlen(out), flen);
		assert_memory_equal(out, orig, flen);
		free(out);
		/* -o: the same bytes in the file */
		const char *o = in_dir(dir, "out.json", 0);
		assert_int_equal(cli(NULL, NULL, "fmt", "-o", o, f, NULL), 0);
		size_t olen;
		char *got = tu_read(o, &olen);
		assert_int_equal(olen, flen);
		assert_memory_equal(got, orig, flen);
		free(got);
		/* pretty, then compact again: back to the original */
		const char *pretty = in_dir(dir, "pretty.json", 1);
		assert_int_equal(cli(NULL, NULL, "fmt", "--pretty", "-o", pretty, f, NULL), 0);
		char *ptext = tu_read(pretty, NULL);
		assert_contains(ptext, "\n  \"type\": ");
		free(ptext);
		assert_int_equal(cli(&out, NULL, "fmt", pretty, NULL), 0);
		assert_int_equal(strlen(out), flen);
		assert_memory_equal(out, orig, flen);
		free(out);
		/* and the semantic diff agrees: no differences */
		assert_int_equal(cli(&out, NULL, "diff", f, pretty, NULL), 0);
		assert_string_equal(out, "");
		free(out);
		free(orig);
	}
}

static void test_fmt_stdin_and_errors(void **state)
{
	(void)state;
	char cmd[8192], *out, *err;
	snprintf(cmd, sizeof(cmd), "'%s' fmt - < '%s'", tu_cli(), tu_fixture(fixtures[1]));
	assert_int_equal(sh(&out, NULL, cmd), 0);
	size_t flen;
	char *orig = tu_read(tu_fixture(fixtures[1]), &flen);
	assert_int_equal(strlen(out), flen);
	assert_memory_equal(out, orig, flen);
	free(orig);
	free(out);

	snprintf(cmd, sizeof(cmd), "printf '{\\n\"a\": [1,,2]}' | '%s' fmt -", tu_cli());
	assert_int_equal(sh(&out, &err, cmd), 3);
	assert_contains(err, "<stdin>:2:");
	assert_string_equal(out, "");
	free(out);
	free(err);

	/* output folder missing: nothing written, input-side failure */
	const char *o = in_dir(dir, "no/such/dir/out.json", 0);
	assert_int_equal(cli(NULL, &err, "fmt", "-o", o, tu_fixture(fixtures[1]), NULL), 3);
	assert_contains(err, "out.json");
	free(err);

	/* a failed fmt leaves an existing output untouched */
	const char *keep = put(dir, "keep.json", "old", 1);
	const char *bad = put(dir, "bad.json", "{\"a\":", 2);
	assert_int_equal(cli(NULL, NULL, "fmt", "-o", keep, bad, NULL), 3);
	char *kept = tu_read(keep, NULL);
	assert_string_equal(kept, "old");
	free(kept);
}

/* ---- summary --------------------------------------------------------------------------- */

static void test_summary_fixtures(void **state)
{
	(void)state;
	char *out;
	/* tu_fixture() returns one static buffer: copy the first path */
	char *uut = strdup(tu_fixture(fixtures[0]));
	assert_int_equal(cli(&out, NULL, "summary", uut, tu_fixture(fixtures[1]), NULL), 0);
	free(uut);
	assert_contains(out, "test report (UUT) 7b234dbc-3d06-4738-b176-c6d995dacb66");
	assert_contains(out, "pn 4494394418  sn 244750022142  rev 03  process 50 (PCBA test)");
	assert_contains(out, "result Passed  station WVXM-NGH-Z-998  start 2026-01-30T10:49:36.919+00:00");
	assert_contains(out, "281 steps (35 sequence, 140 numeric, 9 multi-numeric, 14 pass/fail, 9 string, 32 action, 42 generic)");
	assert_contains(out, "failed steps: none");
	assert_contains(out, "repair report (UUR) 83ac0b8e-b575-4004-94de-f905774c3ed8");
	assert_contains(out, "process 500 (Repair)");
	assert_contains(out, "1 sub unit, 1 failure recorded");
	free(out);
}

static void test_summary_failures(void **state)
{
	(void)state;
	const char *p = put(dir, "failed.json", SMALL_UUT, 0);
	char *out;
	assert_int_equal(cli(&out, NULL, "summary", p, NULL), 0);
	assert_contains(out, "result Failed");
	assert_contains(out, "4 steps (2 sequence, 2 numeric), 2 measurements");
	/* the two failed sequences are counted; only the step where it starts is named */
	assert_contains(out, "failed steps: 3");
	assert_contains(out, "MainSequence Callback/Power/Current  [root.steps[1].steps[0]]");
	assert_not_contains(out, "Callback/Vcc");
	free(out);

	char *err;
	assert_int_equal(cli(&out, &err, "summary", in_dir(dir, "gone.json", 1), NULL), 3);
	assert_contains(err, "gone.json");
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_and_usage),
		cmocka_unit_test(test_validate_fixtures_ok),
		cmocka_unit_test(test_validate_invalid),
		cmocka_unit_test(test_validate_unreadable),
		cmocka_unit_test(test_validate_bad_input),
		cmocka_unit_test(test_fmt_roundtrip_fixtures),
		cmocka_unit_test(test_fmt_stdin_and_errors),
		cmocka_unit_test(test_summary_fixtures),
		cmocka_unit_test(test_summary_failures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
