/* Comparison operators, status words, active-mode propagation, and the real export's verdicts. */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "wats/wats.h"

#define P WATS_STATUS_PASSED
#define F WATS_STATUS_FAILED

static void test_compop_truth_table(void **state)
{
	(void)state;
	struct { wats_compop op; double v, lo, hi; wats_status want; } cases[] = {
		{ WATS_COMP_LOG, 1, 0, 0, P },
		{ WATS_COMP_EQ, 5, 5, 0, P }, { WATS_COMP_EQ, 5.0001, 5, 0, F },
		{ WATS_COMP_NE, 5, 5, 0, F }, { WATS_COMP_NE, 4, 5, 0, P },
		{ WATS_COMP_GT, 5, 5, 0, F }, { WATS_COMP_GT, 6, 5, 0, P },
		{ WATS_COMP_GE, 5, 5, 0, P }, { WATS_COMP_GE, 4.9, 5, 0, F },
		{ WATS_COMP_LT, 5, 5, 0, F }, { WATS_COMP_LT, 4, 5, 0, P },
		{ WATS_COMP_LE, 5, 5, 0, P }, { WATS_COMP_LE, 62.6, 72, 0, P }, { WATS_COMP_LE, 5.1, 5, 0, F },
		{ WATS_COMP_GTLT, 1, 1, 2, F }, { WATS_COMP_GTLT, 1.5, 1, 2, P }, { WATS_COMP_GTLT, 2, 1, 2, F },
		{ WATS_COMP_GTLE, 500, 500, 501, F }, { WATS_COMP_GTLE, 501, 500, 501, P },
		{ WATS_COMP_GELT, 1, 1, 2, P }, { WATS_COMP_GELT, 2, 1, 2, F },
		{ WATS_COMP_GELE, 500, 500, 500, P }, { WATS_COMP_GELE, 2.1, 1, 2, F }, { WATS_COMP_GELE, 0.9, 1, 2, F },
		{ WATS_COMP_LTGT, 0, 1, 2, P }, { WATS_COMP_LTGT, 1, 1, 2, F }, { WATS_COMP_LTGT, 3, 1, 2, P },
		{ WATS_COMP_LTGE, 2, 1, 2, P }, { WATS_COMP_LTGE, 1, 1, 2, F },
		{ WATS_COMP_LEGT, 1, 1, 2, P }, { WATS_COMP_LEGT, 2, 1, 2, F },
		{ WATS_COMP_LEGE, 1, 1, 2, P }, { WATS_COMP_LEGE, 2, 1, 2, P }, { WATS_COMP_LEGE, 1.5, 1, 2, F },
		{ WATS_COMP_EQT, 9, 1, 0, P },
		{ WATS_COMP_GE, NAN, 0, 0, F }, { WATS_COMP_NE, NAN, 0, 0, P }, { WATS_COMP_GELE, NAN, 0, 1, F },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wats_status got = wats_compop_eval(cases[i].op, cases[i].v, cases[i].lo, cases[i].hi);
		if (got != cases[i].want)
			fail_msg("case %zu: %s(%g, %g, %g) = %c, want %c", i, wats_compop_name(cases[i].op),
				 cases[i].v, cases[i].lo, cases[i].hi, got, cases[i].want);
	}
}

static void test_compop_names(void **state)
{
	(void)state;
	for (int op = WATS_COMP_LOG; op <= WATS_COMP_IGNORECASE; op++) {
		const char *n = wats_compop_name((wats_compop)op);
		assert_non_null(n);
		assert_int_equal(wats_compop_parse(n), op);
	}
	assert_int_equal(wats_compop_parse("IgnoreCase"), WATS_COMP_IGNORECASE);
	assert_int_equal(wats_compop_parse("gele"), WATS_COMP_GELE);
	assert_int_equal(wats_compop_parse("BETWEEN"), WATS_COMP_UNKNOWN);
	assert_null(wats_compop_name(WATS_COMP_UNKNOWN));
	assert_int_equal(wats_compop_limits(WATS_COMP_LOG), 0);
	assert_int_equal(wats_compop_limits(WATS_COMP_LE), 1);
	assert_int_equal(wats_compop_limits(WATS_COMP_LEGE), 2);
}

static void test_string_compare(void **state)
{
	(void)state;
	assert_int_equal(wats_compop_eval_string(WATS_COMP_CASESENSIT, "Abc", "Abc"), P);
	assert_int_equal(wats_compop_eval_string(WATS_COMP_CASESENSIT, "abc", "Abc"), F);
	assert_int_equal(wats_compop_eval_string(WATS_COMP_EQ, "abc", "Abc"), F);
	assert_int_equal(wats_compop_eval_string(WATS_COMP_IGNORECASE, "abc", "ABC"), P);
	assert_int_equal(wats_compop_eval_string(WATS_COMP_NE, "a", "b"), P);
	assert_int_equal(wats_compop_eval_string(WATS_COMP_LOG, "a", "b"), P);
	assert_int_equal(wats_compop_eval_string(WATS_COMP_GT, "a", "b"), WATS_STATUS_ERROR);
	assert_int_equal(wats_compop_eval_string(WATS_COMP_EQ, NULL, "b"), P);
}

static void test_status_words(void **state)
{
	(void)state;
	assert_int_equal(wats_status_parse("P"), P);
	assert_int_equal(wats_status_parse("passed"), P);
	assert_int_equal(wats_status_parse("OK"), P);
	assert_int_equal(wats_status_parse("ng"), F);
	assert_int_equal(wats_status_parse("skip"), WATS_STATUS_SKIPPED);
	assert_int_equal(wats_status_parse("Completed"), WATS_STATUS_DONE);
	assert_int_equal(wats_status_parse("err"), WATS_STATUS_ERROR);
	assert_int_equal(wats_status_parse("aborted"), WATS_STATUS_TERMINATED);
	assert_int_equal(wats_status_parse("maybe"), WATS_STATUS_NONE);
	assert_int_equal(wats_status_parse(NULL), WATS_STATUS_NONE);
	assert_string_equal(wats_status_word(F), "Failed");
}

static wats_report *uut(wats_report_mode mode)
{
	wats_report *r = NULL;
	assert_int_equal(wats_report_new(&r, WATS_REPORT_UUT), 0);
	wats_report_set_mode(r, mode);
	return r;
}

static void test_active_mode_propagates_three_levels(void **state)
{
	(void)state;
	wats_report *r = uut(WATS_MODE_ACTIVE);
	wats_step *root = wats_report_root(r), *a, *b, *ok, *bad;
	assert_int_equal(wats_step_add(&a, root, WATS_STEP_SEQUENCE, "A"), 0);
	assert_int_equal(wats_step_add(&b, a, WATS_STEP_SEQUENCE, "B"), 0);
	assert_int_equal(wats_step_add(&ok, b, WATS_STEP_NUMERIC, "ok"), 0);
	wats_meas *m = NULL;
	assert_int_equal(wats_step_add_numeric(&m, ok, NULL, 1.5, WATS_COMP_GELE, 1, 2, "V"), 0);
	assert_int_equal(wats_meas_status(m), P);
	assert_int_equal(wats_report_result(r), P);
	assert_int_equal(wats_step_add(&bad, b, WATS_STEP_NUMERIC, "bad"), 0);
	assert_int_equal(wats_step_add_numeric(&m, bad, NULL, 2.5, WATS_COMP_GELE, 1, 2, "V"), 0);
	assert_int_equal(wats_meas_status(m), F);
	assert_int_equal(wats_step_status(bad), F);
	assert_int_equal(wats_step_status(b), F);
	assert_int_equal(wats_step_status(a), F);
	assert_int_equal(wats_step_status(root), F);
	assert_int_equal(wats_report_result(r), F);
	assert_int_equal(wats_step_status(ok), P);
	/* A worse status (Error) ripples over Failed; a milder one never does. */
	wats_step *e;
	assert_int_equal(wats_step_add(&e, a, WATS_STEP_ACTION, "crash"), 0);
	assert_int_equal(wats_step_set_status(e, WATS_STATUS_ERROR), 0);
	assert_int_equal(wats_step_status(root), WATS_STATUS_ERROR);
	assert_int_equal(wats_report_result(r), WATS_STATUS_ERROR);
	wats_report_free(r);
}

static void test_explicit_status_wins(void **state)
{
	(void)state;
	wats_report *r = uut(WATS_MODE_ACTIVE);
	wats_step *root = wats_report_root(r), *seq, *s;
	assert_int_equal(wats_step_add(&seq, root, WATS_STEP_SEQUENCE, "Retry block"), 0);
	assert_int_equal(wats_step_set_status(seq, P), 0); /* the sequence's own verdict */
	assert_int_equal(wats_report_set_result(r, P), 0);
	assert_int_equal(wats_step_add(&s, seq, WATS_STEP_PASSFAIL, "first try"), 0);
	assert_int_equal(wats_step_add_passfail(NULL, s, NULL, 0), 0);
	assert_int_equal(wats_step_status(s), F);
	assert_int_equal(wats_step_status(seq), P);
	assert_int_equal(wats_step_status(root), P);
	assert_int_equal(wats_report_result(r), P);
	/* An explicitly set step status is not changed by its measurements either. */
	wats_step *t;
	assert_int_equal(wats_step_add(&t, root, WATS_STEP_NUMERIC, "waived"), 0);
	assert_int_equal(wats_step_set_status(t, WATS_STATUS_DONE), 0);
	assert_int_equal(wats_step_add_numeric(NULL, t, NULL, 9, WATS_COMP_LT, 1, 0, NULL), 0);
	assert_int_equal(wats_step_status(t), WATS_STATUS_DONE);
	wats_report_free(r);
}

static void test_fail_parent_off_stops_the_chain(void **state)
{
	(void)state;
	wats_report *r = uut(WATS_MODE_ACTIVE);
	wats_step *root = wats_report_root(r), *seq, *s;
	assert_int_equal(wats_step_add(&seq, root, WATS_STEP_SEQUENCE, "diag"), 0);
	wats_step_set_fail_parent(seq, 0);
	assert_int_equal(wats_step_add(&s, seq, WATS_STEP_STRING, "id"), 0);
	assert_int_equal(wats_step_add_string(NULL, s, NULL, "abc", WATS_COMP_CASESENSIT, "abd"), 0);
	assert_int_equal(wats_step_status(s), F);
	assert_int_equal(wats_step_status(seq), F);
	assert_int_equal(wats_step_status(root), P);
	assert_int_equal(wats_report_result(r), P);
	wats_report_free(r);
}

static void test_import_mode_computes_nothing(void **state)
{
	(void)state;
	wats_report *r = uut(WATS_MODE_IMPORT);
	wats_step *root = wats_report_root(r), *s;
	assert_int_equal(wats_step_add(&s, root, WATS_STEP_NUMERIC, "x"), 0);
	wats_meas *m = NULL;
	assert_int_equal(wats_step_add_numeric(&m, s, NULL, 99, WATS_COMP_LT, 1, 0, NULL), 0);
	assert_int_equal(wats_meas_status(m), P);
	assert_int_equal(wats_meas_evaluate(m), F); /* the truth is still there to ask for */
	assert_int_equal(wats_step_set_status(s, F), 0);
	assert_int_equal(wats_step_status(root), P);
	assert_int_equal(wats_report_result(r), P);
	wats_report_free(r);
}

/* Every measurement of the real export: our evaluation agrees with the stored verdict. */
static void walk(const wats_step *st, size_t *checked, size_t *disagree)
{
	for (size_t i = 0; i < wats_step_meas_count(st); i++) {
		wats_meas *m = wats_step_meas_at(st, i);
		wats_status stored = wats_meas_status(m), ours = wats_meas_evaluate(m);
		(*checked)++;
		if (stored != ours) {
			(*disagree)++;
			print_message("%s[%zu]: stored %c, evaluated %c\n", wats_step_name(st), i, stored, ours);
		}
	}
	for (wats_step *c = wats_step_first_child(st); c; c = wats_step_next(c))
		walk(c, checked, disagree);
}

static void test_fixture_verdicts_reproduced(void **state)
{
	(void)state;
	wats_report *r = NULL;
	assert_int_equal(wats_report_read_file(&r, tu_fixture("new_report_example.json"), NULL), 0);
	size_t checked = 0, disagree = 0;
	walk(wats_report_root(r), &checked, &disagree);
	assert_true(checked > 150);
	assert_int_equal(disagree, 0);
	wats_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compop_truth_table),
		cmocka_unit_test(test_compop_names),
		cmocka_unit_test(test_string_compare),
		cmocka_unit_test(test_status_words),
		cmocka_unit_test(test_active_mode_propagates_three_levels),
		cmocka_unit_test(test_explicit_status_wins),
		cmocka_unit_test(test_fail_parent_off_stops_the_chain),
		cmocka_unit_test(test_import_mode_computes_nothing),
		cmocka_unit_test(test_fixture_verdicts_reproduced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
