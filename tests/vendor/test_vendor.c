/*
 * Vendor converters against the real files in ../shared/fixtures/vendor: per file the number
 * of reports, header fields, step and measurement counts, the overall result and individual
 * values compared with the text of the source; detection of every fixture by every converter;
 * malformed input with file and line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "convert/vendor_util.h"
#include "testutil.h"
#include "wats/convert.h"

#define MAXR 64

typedef struct got {
	wats_report *r[MAXR];
	size_t n;
} got;

static int keep(wats_report *r, void *p)
{
	got *g = p;
	if (g->n == MAXR) {
		wats_report_free(r);
		return -1000;
	}
	g->r[g->n++] = r;
	return 0;
}

static void got_free(got *g)
{
	for (size_t i = 0; i < g->n; i++)
		wats_report_free(g->r[i]);
	g->n = 0;
}

static wats_converters *reg;

static int setup(void **st)
{
	(void)st;
	return wats_converters_new(&reg);
}

static int teardown(void **st)
{
	(void)st;
	wats_converters_free(reg);
	return 0;
}

/* Convert a file with converter conv ("auto" = detect); every report must validate. */
static void convert_path(got *g, const char *path, const char *conv, const char *const *params)
{
	const char *rel = path;
	/* What watsd passes from its station identity. */
	static const char *const station[] = { "station=ICT-7", "location=Line 1", "purpose=Production", NULL };
	if (!params)
		params = station;
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = conv;
	o.params = params;
	size_t n = 0;
	int rc = wats_convert_file(&n, reg, path, &o, keep, g);
	if (rc)
		fail_msg("%s: %s", rel, wats_error_last()->message);
	assert_int_equal(n, g->n);
	for (size_t i = 0; i < g->n; i++) {
		wats_validation *v = NULL;
		int vr = wats_report_validate(g->r[i], &v);
		for (size_t k = 0; k < wats_validation_count(v); k++) {
			const wats_issue *is = wats_validation_get(v, k);
			if (is->severity == WATS_SEVERITY_ERROR)
				fprintf(stderr, "%s report %zu: %s: %s\n", rel, i, is->path, is->message);
		}
		assert_int_equal(vr, 0);
		assert_int_equal(wats_validation_errors(v), 0);
		wats_validation_free(v);
	}
}

static void convert(got *g, const char *rel, const char *conv, const char *const *params)
{
	convert_path(g, tu_fixture(rel), conv, params);
}

static void count_meas(wats_step *s, size_t *steps, size_t *meas)
{
	(*steps)++;
	*meas += wats_step_meas_count(s);
	for (wats_step *k = wats_step_first_child(s); k; k = wats_step_next(k))
		count_meas(k, steps, meas);
}

static void counts(wats_report *r, size_t steps, size_t meas)
{
	size_t s = 0, m = 0;
	count_meas(wats_report_root(r), &s, &m);
	assert_int_equal(s, steps);
	assert_int_equal(m, meas);
}

static wats_step *find(wats_step *s, const char *name)
{
	if (wats_step_name(s) && !strcmp(wats_step_name(s), name))
		return s;
	for (wats_step *k = wats_step_first_child(s); k; k = wats_step_next(k)) {
		wats_step *f = find(k, name);
		if (f)
			return f;
	}
	return NULL;
}

/* The member's number exactly as written (source text kept), or its string. */
static const char *member(wats_node *obj, const char *key)
{
	static char buf[8][64];
	static int i;
	wats_node *n = wats_node_get(obj, key);
	if (!n)
		return "(absent)";
	char *b = buf[i++ % 8];
	if (wats_node_number_text(b, 64, n) == 0)
		return b;
	const char *s = wats_node_string(n, NULL);
	return s ? s : "(other)";
}

/* Step `name`'s measurement i: value, compOp, low, high, unit, status, all as text. */
static void meas_is(wats_report *r, const char *step, size_t i, const char *value, const char *op,
		    const char *low, const char *high, const char *unit, wats_status st)
{
	wats_step *s = find(wats_report_root(r), step);
	if (!s)
		fail_msg("no step '%s'", step);
	wats_meas *m = wats_step_meas_at(s, i);
	assert_non_null(m);
	if (value)
		assert_string_equal(member(m, "value"), value);
	if (op)
		assert_string_equal(wats_compop_name(wats_meas_compop(m)), op);
	if (low)
		assert_string_equal(member(m, "lowLimit"), low);
	if (high)
		assert_string_equal(member(m, "highLimit"), high);
	if (unit)
		assert_string_equal(member(m, "unit"), unit);
	assert_int_equal(wats_meas_status(m), st);
}

static void header(wats_report *r, const char *sn, const char *pn, const char *rev, int pcode,
		   const char *op, const char *station, wats_status res)
{
	int code = -1;
	assert_string_equal(wats_report_sn(r), sn);
	assert_string_equal(wats_report_pn(r), pn);
	if (rev)
		assert_string_equal(wats_report_rev(r), rev);
	assert_int_equal(wats_report_process_code(&code, r), 0);
	assert_int_equal(code, pcode);
	if (op)
		assert_string_equal(wats_report_operator(r), op);
	if (station)
		assert_string_equal(wats_report_machine_name(r), station);
	assert_int_equal(wats_report_result(r), res);
}

/* ---- TestStand XML --------------------------------------------------------------------- */

static void test_teststand_with_wats(void **st)
{
	(void)st;
	got g = { 0 };
	convert(&g, "vendor/teststand-xml/ts-with-wats.xml", "auto", NULL);
	assert_int_equal(g.n, 1);
	wats_report *r = g.r[0];
	header(r, "12345", "PN1", "1.0", 60, "administrator", "VIC-PCBA-003", WATS_STATUS_PASSED);
	assert_string_equal(wats_report_id(r), "f4fb0a29-93b1-4f7f-ada7-672b382774ab");
	assert_string_equal(wats_report_start(r), "2022-06-23T10:55:04.3700000+02:00");
	assert_string_equal(wats_report_location(r), "Norautron Horten");
	assert_string_equal(wats_report_purpose(r), "PCBA Test");
	counts(r, 2, 1);
	wats_step *s = find(wats_report_root(r), "Pass/Fail Test");
	assert_non_null(s);
	assert_string_equal(wats_step_type(s), "ET_PFT");
	assert_string_equal(member(s, "totTime"), "5.41e-05");
	meas_is(r, "Pass/Fail Test", 0, NULL, NULL, NULL, NULL, NULL, WATS_STATUS_PASSED);
	got_free(&g);
}

static void test_teststand_without_wats(void **st)
{
	(void)st;
	got g = { 0 };
	/* No part number in the file: the watch folder's parameters give it. */
	const char *params[] = { "partNumber=MB-100", "processCode=50", "utcOffset=+02:00",
				 "location=Line 1", "purpose=Production", NULL };
	convert(&g, "vendor/teststand-xml/ts-without-wats.xml", "auto", params);
	assert_int_equal(g.n, 1);
	wats_report *r = g.r[0];
	header(r, "2342343", "MB-100", "1.0", 50, "administrator", "TS-2021-BETA", WATS_STATUS_PASSED);
	/* StartDate/StartTime are wall clock; the utcOffset parameter places them. */
	assert_string_equal(wats_report_start(r), "2022-07-01T15:47:48.927+02:00");
	/* 18 TEResults (the root among them) = the file's StepCount 17 + the root sequence. */
	counts(r, 18, 9);
	meas_is(r, "Video Test", 0, "5", "GTLT", "0", "10", "microseconds", WATS_STATUS_PASSED);
	meas_is(r, "Keyboard Test", 0, "6", "GT", "5", NULL, NULL, WATS_STATUS_PASSED);
	wats_step *cpu = find(wats_report_root(r), "CPU Test");
	assert_non_null(cpu);
	assert_int_equal(wats_step_child_count(cpu), 4);
	assert_string_equal(wats_step_type(find(cpu, "FPU Test")), "PassFailTest");
	assert_int_equal(wats_step_status(find(wats_report_root(r), "Simulation Dialog")), WATS_STATUS_DONE);
	got_free(&g);
}

/* ---- SPEA 3030 --------------------------------------------------------------------------- */

static void test_spea(void **st)
{
	(void)st;
	got g = { 0 };
	const char *params[] = { "partNumber=23462", "station=ICT-7", "location=Line 1",
				 "purpose=Production", NULL };
	convert(&g, "vendor/spea-3030/testdata_SN9871234012.csv", "auto", params);
	/* Ten START..END boards: nine FAIL, the last PASS. */
	assert_int_equal(g.n, 10);
	static const size_t tests[10] = { 1198, 1198, 1198, 1198, 1201, 1201, 1198, 1198, 1198, 2410 };
	size_t total = 0;
	for (size_t i = 0; i < g.n; i++) {
		header(g.r[i], "SN9871234012", "23462", "1.0", 10, "Test Operator op1", "ICT-7",
		       i == 9 ? WATS_STATUS_PASSED : WATS_STATUS_FAILED);
		size_t s = 0, m = 0, seqs = 0;
		count_meas(wats_report_root(g.r[i]), &s, &m);
		seqs = wats_step_child_count(wats_report_root(g.r[i]));
		/* Every ANL/FUNC record is one step with one measurement. */
		assert_int_equal(m, tests[i]);
		assert_int_equal(s, 1 + seqs + tests[i]);
		total += m;
	}
	assert_int_equal(total, 13198);
	wats_report *r = g.r[0];
	assert_int_equal(strncmp(wats_report_start(r), "2024-10-12T16:15:03", 19), 0);
	/* ANL;1;DSC-CP[C109];14;6;DSC-CP[C109] Verify capacitor discharge;;PASS;-9.062500e-04;
	 * -1.000000e-01;1.000000e-01;V;179 30 ;6 */
	meas_is(r, "DSC-CP[C109] Verify capacitor discharge", 0, "-9.062500e-04", "GELE",
		"-1.000000e-01", "1.000000e-01", "V", WATS_STATUS_PASSED);
	/* ANL;1;Counter;13;1;SET UFL3 FOR COUNTER;;PASS;6.250000e-04;-1.000000e+00;1.000000e+00;V */
	meas_is(r, "SET UFL3 FOR COUNTER", 0, "6.250000e-04", "GELE", "-1.000000e+00",
		"1.000000e+00", "V", WATS_STATUS_PASSED);
	/* ANL;1;C332;763;1;CAPC332 1nF 10% -10%;;FAIL(+/-);-NAN;8.500000e-10;1.150000e-09;F;.. */
	meas_is(r, "CAPC332 1nF 10% -10%", 0, "NaN", "GELE", "8.500000e-10", "1.150000e-09", "F",
		WATS_STATUS_FAILED);
	assert_int_equal(wats_step_status(find(wats_report_root(r), "CAPC332 1nF 10% -10%")),
			 WATS_STATUS_FAILED);
	assert_int_equal(wats_step_status(wats_report_root(r)), WATS_STATUS_FAILED);
	assert_string_equal(wats_step_name(wats_step_first_child(wats_report_root(r))), "ADA");
	got_free(&g);
}

/* ---- Teradyne GR228X --------------------------------------------------------------------- */

static void test_gr228x(void **st)
{
	(void)st;
	got g = { 0 };
	convert(&g, "vendor/teradyne-gr228x/43420_BIO2.LOG", "auto", NULL);
	/* '?' aborted, '/' failed, '"' passed; ']' (back to diagnosis) ends no board. */
	assert_int_equal(g.n, 3);
	header(g.r[0], "65428553938829725787", "43420", "1.0", 10, NULL, NULL, WATS_STATUS_TERMINATED);
	header(g.r[1], "24422984989544535753", "43420", "1.0", 10, NULL, NULL, WATS_STATUS_FAILED);
	header(g.r[2], "42842937739687688567", "43420", "1.0", 10, NULL, NULL, WATS_STATUS_PASSED);
	assert_int_equal(strncmp(wats_report_start(g.r[1]), "2012-07-31T14:19:32", 19), 0);
	counts(g.r[0], 1 + 1 + 2, 2);
	/* R508=100.20007K(92.919K,105.131K)R : limits in the value's prefix keep their text. */
	meas_is(g.r[1], "R508(R)", 0, "100.20007", "GELE", "92.919", "105.131", "K(R)",
		WATS_STATUS_PASSED);
	/* R402=45.131532MEG(500K,)R : 500K in MEG is 0.5, only a low limit. */
	meas_is(g.r[1], "R402(R)", 0, "45.131532", "GE", "0.5", NULL, "M(R)", WATS_STATUS_PASSED);
	/* R211#10.636159(,)R : logged. */
	meas_is(g.r[1], "R211(R)", 0, "10.636159", "LOG", NULL, NULL, "(R)", WATS_STATUS_DONE);
	/* K500_RLY1_NO=62.061187M(-500M,500M)V */
	wats_step *k = find(wats_report_root(g.r[1]), "K500_RLY1_NO(V)");
	assert_non_null(k);
	assert_string_equal(member(wats_step_meas_at(wats_step_next(k), 0), "value"), "62.061187");
	/* PS_OFF=(1.6,5.5)V : no value, a passed pass/fail step. */
	meas_is(g.r[1], "PS_OFF(V)", 0, NULL, NULL, NULL, NULL, NULL, WATS_STATUS_PASSED);
	/* The OPENS failure is a failed step with the node list. */
	wats_step *o = find(wats_report_root(g.r[1]), "OPENS test, failed");
	assert_non_null(o);
	assert_string_equal(member(wats_step_meas_at(o, 0), "value"), "397,398,");
	assert_int_equal(wats_step_status(o), WATS_STATUS_FAILED);
	got_free(&g);
}

/* ---- Teradyne Spectrum ------------------------------------------------------------------ */

static const char *misc(wats_report *r, const char *desc)
{
	wats_node *a = wats_node_get(wats_report_node(r), "miscInfos");
	for (wats_node *m = a ? wats_node_first(a) : NULL; m; m = wats_node_next(m))
		if (!strcmp(wats_node_get_string(m, "description"), desc))
			return wats_node_get_string(m, "text");
	return "(absent)";
}

static void test_spectrum(void **st)
{
	(void)st;
	got g = { 0 };
	convert(&g, "vendor/teradyne-spectrum/sample_ict_data.txt", "auto", NULL);
	assert_int_equal(g.n, 1);
	wats_report *r = g.r[0];
	/* (PROGRAM_NAME: "PB3187900"), (USER:  Serialnumber:1111111111), (USER:  Operator:1234567),
	 * (USER:  STATUS: BOARD PASSED) */
	header(r, "1111111111", "PB3187900", "1.0", 10, "1234567", "ICT-7", WATS_STATUS_PASSED);
	/* The first STEP's (TIME: 02/09/2023 16:44:11 ), MM/dd/yyyy; EndTime 16:44:38:124. */
	assert_int_equal(strncmp(wats_report_start(r), "2023-02-09T16:44:11", 19), 0);
	assert_string_equal(member(wats_report_info(r), "execTime"), "27.124");
	assert_string_equal(misc(r, "CustomerSN"), "AAAAAAAAAAA");
	assert_string_equal(misc(r, "OrderNumber"), "222222222");
	assert_string_equal(misc(r, "File"), "sample_ict_data.txt");
	/* 519 PAGEs + 11 SECTION_NAMEs + 3 STEPs of several pages + root; 457 MEASVALs are numeric
	 * measurements, the 57 pages with limits but no value pass/fail ones. */
	counts(r, 534, 514);
	assert_int_equal(wats_step_child_count(wats_report_root(r)), 11);
	/* (LOLIM: (VAL: 2.24) (SCALE: n) (UNIT: O) ) (MEASVAL: (VAL: 193.4001) (SCALE: m) (UNIT: O) )
	 * (HILIM: (VAL: 250) (SCALE: m) (UNIT: O) ): the low limit moved to milli exactly. */
	meas_is(r, "FU1_IN", 0, "193.4001", "GELE", "0.00000224", "250", "mO", WATS_STATUS_PASSED);
	meas_is(r, "C1", 0, "4.6900024", "GELE", "3.64", "5.76", "nF", WATS_STATUS_PASSED);
	/* LOWR: (HILIM: (VAL: 5) (UNIT: O) ) .. (INTC_RESULT: (STAT: PASS)(MEASVAL: (VAL: 1.4330307) */
	meas_is(r, "L3", 0, "1.4330307", "LE", "5", NULL, "O", WATS_STATUS_PASSED);
	meas_is(r, "SMBJ33A[V6]_REV_V_1", 0, "38.324821", "GELE", "36.7", "40.6", "V", WATS_STATUS_PASSED);
	/* DESC and COMMENT (without "Analysis Comments:") become the report text. */
	assert_string_equal(member(find(wats_report_root(r), "SMBJ33A[V6]_REV_V_1"), "reportText"),
			    "TVS DIODE SMBJ33A BOTTOM 3.694 1.687 place marker.");
	/* Discharge: a high limit and a verdict, no value. */
	meas_is(r, "C118_DSG", 0, NULL, NULL, NULL, NULL, NULL, WATS_STATUS_PASSED);
	/* The START step has two EXT_PROG pages: a sequence. */
	wats_step *start = find(wats_report_root(r), "START");
	assert_non_null(start);
	assert_int_equal(wats_step_child_count(start), 2);
	assert_string_equal(member(wats_step_first_child(start), "reportText"),
			    "EXT_PROG: C:\\TP\\PB3187900\\img\\start.bat");
	got_free(&g);

	/* Two boards in one file (own sample): Latin-1 operator, a page of two values, the end
	 * time past midnight, a failed board. */
	const char *params[] = { "utcOffset=+01:00", "station=ICT-7", "location=Line 1",
				 "purpose=Production", NULL };
	convert_path(&g, tu_data("vendor/spectrum/two_boards.txt"), "spectrum", params);
	assert_int_equal(g.n, 2);
	header(g.r[0], "SN-A", "PB100", "1.0", 10, "J\xC3\xB8rn", "ICT-7", WATS_STATUS_FAILED);
	header(g.r[1], "SN-B", "PB100", "1.0", 10, NULL, "ICT-7", WATS_STATUS_PASSED);
	assert_string_equal(wats_report_start(g.r[0]), "2023-12-31T23:59:58.000+01:00");
	assert_string_equal(member(wats_report_info(g.r[0]), "execTime"), "3.5");
	counts(g.r[0], 5, 2);
	counts(g.r[1], 4, 1);
	meas_is(g.r[0], "R1 - N1", 0, "12000", "GELE", "9500", "1.05e4", "O", WATS_STATUS_FAILED);
	meas_is(g.r[0], "R1 - N1", 1, "1.5", "GELE", "1", "2", "uA", WATS_STATUS_FAILED);
	assert_int_equal(wats_step_status(wats_report_root(g.r[0])), WATS_STATUS_FAILED);
	meas_is(g.r[1], "C1", 0, "-0.5", "LOG", NULL, NULL, "pF", WATS_STATUS_PASSED);
	got_free(&g);
}

/* ---- XJTAG ---------------------------------------------------------------------------------- */

static size_t steps_with_status(wats_step *s, wats_status st)
{
	size_t n = wats_step_status(s) == st && wats_step_kind_of(s) != WATS_STEP_SEQUENCE;
	for (wats_step *k = wats_step_first_child(s); k; k = wats_step_next(k))
		n += steps_with_status(k, st);
	return n;
}

static void test_xjtag(void **st)
{
	(void)st;
	/* The log has no part number: the watch folder's parameters give it. */
	const char *params[] = { "partNumber=XJ-100", "partRevision=B", "processCode=210",
				 "sequenceName=JTAGSeq1", "sequenceVersion=1.0.0", "station=ICT-7",
				 "location=Line 1", "purpose=Production", NULL };
	got g = { 0 };
	/* .xjlog = ZIP: Info.xml (<TestRunCount>1) + "Run 1.xml" (deflated). <testruninfo>
	 * <project-description>Demonstration hardware <user>ADMINISTRATOR <serial>1234
	 * <result>Passed; no <xjlink-name>: the station parameter. */
	convert(&g, "vendor/xjtag/1234_Pass.xjlog", "auto", params);
	assert_int_equal(g.n, 1);
	header(g.r[0], "1234", "XJ-100", "B", 210, "ADMINISTRATOR", "ICT-7", WATS_STATUS_PASSED);
	assert_string_equal(wats_report_start(g.r[0]), "2018-08-10T12:25:32.9968057Z");
	assert_string_equal(member(wats_report_info(g.r[0]), "comment"), "Demonstration hardware");
	assert_string_equal(misc(g.r[0], "XJLink serial"), "12164");
	/* 12 testgroups, 19 testfunctions (19 <result value=..>) */
	counts(g.r[0], 32, 19);
	got_free(&g);

	convert(&g, "vendor/xjtag/55804022_Pass.xjlog", "xjtag", params);
	assert_int_equal(g.n, 1);
	header(g.r[0], "55804022", "XJ-100", "B", 210, "lumi", "ICT-7", WATS_STATUS_PASSED);
	assert_string_equal(wats_report_start(g.r[0]), "2019-06-20T11:55:57.4460362Z");
	assert_string_equal(member(wats_report_info(g.r[0]), "comment"), "FireBird Quad CXP-6 PCB03B");
	counts(g.r[0], 54, 35);
	/* <testfunction name="U56.TEST"> .. "5V PSU (U37) = 5091 mV." in its text output */
	wats_step *u56 = find(wats_report_root(g.r[0]), "U56.TEST");
	assert_non_null(u56);
	assert_non_null(strstr(member(u56, "reportText"), "5V PSU (U37) = 5091 mV."));
	meas_is(g.r[0], "U56.TEST", 0, NULL, NULL, NULL, NULL, NULL, WATS_STATUS_PASSED);
	got_free(&g);

	/* The same run zipped and as XJTAG XML give the same report. */
	for (int k = 0; k < 2; k++) {
		convert(&g, k ? "vendor/xjtag/567567_Pass.xml" : "vendor/xjtag/567567_Pass.xjlog", "auto",
			params);
		assert_int_equal(g.n, 1);
		wats_report *r = g.r[0];
		/* <xjlink-name /> is empty: the station parameter. */
		header(r, "567567", "XJ-100", "B", 210, "ADMINISTRATOR", "ICT-7", WATS_STATUS_PASSED);
		assert_string_equal(wats_report_start(r), "2020-06-17T13:29:24.2586780Z");
		/* <time-taken>47960</time-taken> ms, <time-taken>4231</time-taken> */
		assert_string_equal(member(wats_report_info(r), "execTime"), "47.960");
		counts(r, 38, 22);
		wats_step *ns = find(wats_report_root(r), "NEW_SERIAL_NUMBER");
		assert_non_null(ns);
		assert_string_equal(member(ns, "totTime"), "4.231");
		assert_non_null(strstr(member(ns, "reportText"), "Voltage read: 3271 mV - within tolerance."));
		assert_string_equal(misc(r, "XJTAG version"), "3.10.0.0");
		got_free(&g);
	}

	/* Six runs in one archive (Info.xml <TestRunCount>6</TestRunCount>). */
	convert(&g, "vendor/xjtag/demonstration-hardware.xjlog", "auto", params);
	assert_int_equal(g.n, 6);
	static const char *const sns[6] = { "10001", "1002", "10004", "10003", "10006", "10005" };
	static const char *const links[6] = { "OriginalXJLink", "XJLink2", "OriginalXJLink", "XJLink2",
					      "OriginalXJLink", "XJLink2" };
	static const wats_status res[6] = { WATS_STATUS_FAILED, WATS_STATUS_PASSED, WATS_STATUS_FAILED,
					    WATS_STATUS_FAILED, WATS_STATUS_FAILED, WATS_STATUS_PASSED };
	for (int i = 0; i < 6; i++) {
		header(g.r[i], sns[i], "XJ-100", "B", 210, "a", links[i], res[i]);
		counts(g.r[i], i ? 25 : 5, i ? 14 : 2);
	}
	assert_string_equal(wats_report_start(g.r[0]), "2019-10-28T13:52:10.8594008Z");
	/* Run 1: <testfunction name="CheckChain"> .. <result value="Failed" /> */
	meas_is(g.r[0], "CheckChain", 0, NULL, NULL, NULL, NULL, NULL, WATS_STATUS_FAILED);
	assert_int_equal(wats_step_status(find(wats_report_root(g.r[0]), "Check Chain")), WATS_STATUS_FAILED);
	assert_non_null(strstr(member(find(wats_report_root(g.r[0]), "CheckChain"), "reportText"),
			       "CHECKCHAIN: Failed to count the number of devices"));
	/* Run 3: D2.Test failed ("LED D2 FAILED."), CONNTEST failed. */
	assert_int_equal(steps_with_status(wats_report_root(g.r[2]), WATS_STATUS_FAILED), 2);
	meas_is(g.r[2], "D2.Test", 0, NULL, NULL, NULL, NULL, NULL, WATS_STATUS_FAILED);
	assert_int_equal(steps_with_status(wats_report_root(g.r[3]), WATS_STATUS_FAILED), 1);
	assert_int_equal(steps_with_status(wats_report_root(g.r[1]), WATS_STATUS_FAILED), 0);
	got_free(&g);

	/* Without parameters: no part number anywhere, "Unknown" (warned). */
	convert(&g, "vendor/xjtag/567567_Pass.xml", "xjtag", NULL);
	assert_string_equal(wats_report_pn(g.r[0]), "Unknown");
	got_free(&g);
}

/* ---- Takaya ATD ------------------------------------------------------------------------------ */

static void test_takaya(void **st)
{
	(void)st;
	got g = { 0 };
	/* A panel of four boards (* GROUP No.1 .. No.4), 76 test lines each. */
	convert(&g, "vendor/takaya/PB2939800_E_BOT.ATD", "auto", NULL);
	assert_int_equal(g.n, 4);
	static const char *const sns[4] = { "0610982638", "0610982639", "0610982637", "0610982636" };
	for (int i = 0; i < 4; i++) {
		/* Model:PB2939800_E_BOT.SWX, Test ID :TAK4, * PASS * */
		header(g.r[i], sns[i], "PB2939800_E_BOT.SWX", "1.0", 10, NULL, "TAK4", WATS_STATUS_PASSED);
		/* DATE 20/4/2023 13:02:39 (d/M/yyyy), Test time:73 s */
		assert_int_equal(strncmp(wats_report_start(g.r[i]), "2023-04-20T13:02:39", 19), 0);
		assert_string_equal(member(wats_report_info(g.r[i]), "execTime"), "73");
		/* 76 lines: 75 tests with a value, one jumped (JP) "After-correct." line */
		counts(g.r[i], 77, 75);
	}
	wats_report *r = g.r[0];
	/* 01 000002 U1 .. P3V3 .. GND .. PASS D 0.532 0.532 V D 0.536 0.536 V .. +10% -10% .. ** */
	meas_is(r, "U1_P3V3_GND", 0, "0.536", "GELE", "0.4788", "0.5852", "V", WATS_STATUS_PASSED);
	/* C34* 34.9 nF reference, 32.6 nF measured */
	meas_is(r, "C34*_CHASSIS_GND", 0, "32.6", "GELE", "31.41", "38.39", "nF", WATS_STATUS_PASSED);
	/* OP: an open test, GT 100 */
	meas_is(r, "U8_NetQ4_4_NetQ4_1", 0, "409.5", "GT", "100", NULL, "O", WATS_STATUS_PASSED);
	assert_string_equal(member(find(wats_report_root(r), "U1_P3V3_GND"), "totTime"), "0.0010");
	assert_int_equal(wats_step_status(find(wats_report_root(r), "After-correct._*_*")), WATS_STATUS_SKIPPED);
	/* U11 4-GP on board 1 measured twice (1.172 then 1.138 V): the last one counts. */
	wats_step *u11 = NULL;
	for (wats_step *k = wats_step_first_child(wats_report_root(g.r[1])); k; k = wats_step_next(k))
		if (!strcmp(wats_step_name(k), "U11_POW_RETURN_GND") &&
		    strstr(member(k, "reportText"), "first measurement"))
			u11 = k;
	assert_non_null(u11);
	assert_string_equal(member(wats_step_meas_at(u11, 0), "value"), "1.138");
	got_free(&g);

	/* APT94xx: DATE yy, quoted fields, "Serial No.:12345 - SN0001 (FP1 - OP01)",
	 * Model:DEMO-PCB-A_V1.SW01; steps grouped by component type. */
	const char *params[] = { "station=ICT-7", "location=Line 1", "purpose=Production", NULL };
	convert(&g, "vendor/takaya/APT94xx_12345-SN0001.ATD", "auto", params);
	assert_int_equal(g.n, 1);
	r = g.r[0];
	header(r, "SN0001", "DEMO-PCB-A", "V1.SW01", 10, "FP1", "ICT-7", WATS_STATUS_PASSED);
	assert_string_equal(member(wats_report_info(r), "batchSN"), "12345");
	assert_string_equal(misc(r, "Operator 2"), "OP01");
	assert_int_equal(strncmp(wats_report_start(r), "2024-01-01T08:00:00", 19), 0);
	/* 875 test lines: 865 with a value, 10 jumped; 6 component-type sequences */
	counts(r, 1 + 6 + 875, 865);
	/* 000009 "R173" "10KO" "RES-10K-EX" 489 491 "10.00 KO " " 9.65 KO " .. +5% -5% "PASS" .. "**" */
	meas_is(r, "R173_RES-10K-EX", 0, "9.65", "GELE", "9.5", "10.5", "KO", WATS_STATUS_PASSED);
	/* 000782 R386: measured 8.89 then 7.91 KO */
	meas_is(r, "R386_RES-10K-EX", 0, "7.91", "GELE", "7.714", "8.526", "KO", WATS_STATUS_PASSED);
	assert_non_null(find(wats_report_root(r), "ISH"));
	assert_int_equal(wats_step_status(find(wats_report_root(r), "ISH62_582-583")), WATS_STATUS_SKIPPED);
	got_free(&g);
}

/* ---- Saki AOI XML ---------------------------------------------------------------------------- */

static void test_saki(void **st)
{
	(void)st;
	const char *params[] = { "utcOffset=+01:00", "station=AOI-2", "location=Line 1",
				 "purpose=Production", NULL };
	got g = { 0 };
	/* <Panel barcode="SN123456789" result="failed" startDate="01/10/2024" startTime="08:59:14"
	 * side="PN1" operator="Operator"> <Program name="Test Sequence" ver="" /> */
	convert(&g, "vendor/saki-aoi/SAKI-testdata.xml", "auto", params);
	assert_int_equal(g.n, 1);
	wats_report *r = g.r[0];
	header(r, "SN123456789", "PN1", "1.0", 10, "Operator", "AOI-2", WATS_STATUS_FAILED);
	/* MM/dd/yyyy: 10 January */
	assert_string_equal(wats_report_start(r), "2024-01-10T08:59:14.000+01:00");
	/* 3 images; image 1 has FalseCalls (23) and Failed (6), images 2 and 3 FalseCalls (2, 3):
	 * root + 3 + 4 sequences + 34 references, one string measurement each. */
	counts(r, 1 + 3 + 4 + 34, 34);
	wats_step *root = wats_report_root(r);
	assert_int_equal(wats_step_child_count(root), 3);
	assert_string_equal(wats_node_get_string(wats_node_get(root, "seqCall"), "name"), "Test Sequence");
	wats_step *img1 = find(root, "Image 1");
	assert_non_null(img1);
	assert_int_equal(wats_step_status(img1), WATS_STATUS_FAILED);
	assert_int_equal(wats_step_status(find(root, "Image 2")), WATS_STATUS_PASSED);
	wats_step *failed = find(img1, "Failed");
	assert_non_null(failed);
	assert_int_equal(wats_step_child_count(failed), 6);
	assert_int_equal(wats_step_status(failed), WATS_STATUS_FAILED);
	assert_int_equal(wats_step_child_count(find(img1, "False Calls")), 23);
	/* First FalseCalls reference: R1165 partNumber="4123456" package="4123456_R0603" */
	meas_is(r, "R1165", 0, "4123456", "LOG", NULL, NULL, NULL, WATS_STATUS_PASSED);
	assert_string_equal(member(find(root, "R1165"), "reportText"),
			    "Package: 4123456_R0603\nDescription: Description text");
	/* Failed: <Reference designator="M103" partNumber="4326532" package="4326532_SOT32" */
	wats_step *m103 = wats_step_first_child(failed);
	for (; m103 && strcmp(wats_step_name(m103), "M103"); m103 = wats_step_next(m103))
		;
	assert_non_null(m103);
	assert_int_equal(wats_step_status(m103), WATS_STATUS_FAILED);
	assert_string_equal(member(wats_step_meas_at(m103, 0), "value"), "4326532");
	assert_int_equal(wats_meas_status(wats_step_meas_at(m103, 0)), WATS_STATUS_FAILED);
	/* Image 3: IC1101 partNumber="4326101" */
	meas_is(r, "IC1101", 0, "4326101", "LOG", NULL, NULL, NULL, WATS_STATUS_PASSED);
	assert_int_equal(wats_step_status(root), WATS_STATUS_FAILED);
	got_free(&g);
}

/* ---- SigmaSure (SigmaQuest) XML ------------------------------------------------------------ */

static void test_sigmaquest(void **st)
{
	(void)st;
	got g = { 0 };
	/* <UnitReport start-time="2024-12-11T10:19:25+00:00" end-time="2024-12-11T14:47:47+00:00">
	 * <Station name="&lt;No Station>"/> <Operator name="OP2"/> <Product part-no="1564678564"
	 * serial-no="SN651658"/>, the outer <TestRun name="OP2" .. grade="FAIL"> */
	convert(&g, "vendor/sigmaquest/testdata_SN651658.xml", "auto", NULL);
	assert_int_equal(g.n, 1);
	wats_report *r = g.r[0];
	header(r, "SN651658", "1564678564", "1.0", 10, "OP2", "<No Station>", WATS_STATUS_FAILED);
	assert_string_equal(wats_report_start(r), "2024-12-11T10:19:25+00:00");
	/* 10:19:25 .. 14:47:47 */
	assert_string_equal(member(wats_report_info(r), "execTime"), "16102");
	wats_step *root = wats_report_root(r);
	assert_string_equal(wats_node_get_string(wats_node_get(root, "seqCall"), "name"), "OP2");
	/* 55 TestRuns, one step each (the outer one is the root); 175 ValueDoubles, and a pass/fail
	 * measurement for each of the 19 TestRuns without values or TestRuns inside. */
	counts(r, 55, 175 + 19);
	assert_int_equal(wats_step_status(root), WATS_STATUS_FAILED);
	/* <ValueDouble name="Collision Pressure" lsl="0.0035000" usl="0.0040000">0.0039323 */
	meas_is(r, "Gas Inlet Manifold", 0, "0.0039323", "GELE", "0.0035000", "0.0040000", NULL,
		WATS_STATUS_PASSED);
	/* Two values: a multiple numeric step, measurements named as the values. */
	wats_step *rf = find(root, "Align RF Generator");
	assert_non_null(rf);
	assert_string_equal(wats_step_type(rf), "ET_MNLT");
	assert_string_equal(wats_meas_name(wats_step_meas_at(rf, 1)), "MS2 value");
	meas_is(r, "Align RF Generator", 1, "-3.2405", "GELE", "0", "-2.4000", NULL, WATS_STATUS_PASSED);
	/* lsl="2.19e+11" usl="0" 5.4601e+13: exponents kept as written */
	meas_is(r, "Basic Beam - Positive", 0, "5.4601e+13", "GELE", "2.19e+11", "0", NULL,
		WATS_STATUS_PASSED);
	/* grade="FAIL" on "Low Mass Resolution", PENDING -> Error on "High Mass Resolution" with a
	 * "null" value (no value, limits of a LOG measurement left out). */
	wats_step *ms2 = find(root, "MS2 POSITIVE MODE QUAD TUNING AND TESTING");
	assert_int_equal(wats_step_status(ms2), WATS_STATUS_FAILED);
	wats_step *lmr = find(ms2, "Low Mass Resolution");
	assert_int_equal(wats_step_status(lmr), WATS_STATUS_FAILED);
	/* <ValueDouble name="pos DCneg FWHH" lsl="0" usl="0">0 in a FAIL TestRun */
	assert_string_equal(member(wats_step_meas_at(lmr, 0), "value"), "0");
	assert_int_equal(wats_meas_status(wats_step_meas_at(lmr, 0)), WATS_STATUS_FAILED);
	assert_int_equal(wats_step_status(find(root, "Low Mass Resolution")), WATS_STATUS_PASSED);
	wats_step *hmr = find(ms2, "High Mass Resolution");
	assert_int_equal(wats_step_status(hmr), WATS_STATUS_ERROR);
	wats_meas *nul = wats_step_meas_at(hmr, 1);
	assert_string_equal(wats_meas_name(nul), "pos DCneg Valley Percent");
	assert_string_equal(member(nul, "value"), "(other)");
	/* A leaf TestRun: a pass/fail step with its grade, its attachment name in the text. */
	meas_is(r, "Vacuum Check", 0, NULL, NULL, NULL, NULL, NULL, WATS_STATUS_PASSED);
	assert_non_null(strstr(member(find(root, "Vacuum Check"), "reportText"),
			       "DHR: //OP2_TestResults/Analyser_Lid/SN651658/PreTest/VacuumCheck/"));
	assert_string_equal(member(find(root, "Vacuum Check"), "totTime"), "123.0");
	assert_string_equal(wats_step_type(find(root, "MANUFACTURING PRE-TEST")), "SequenceCall");
	got_free(&g);

	/* Own sample (ISO-8859-1): station properties, a sub unit, decimal commas, a Comparison
	 * property, strings, booleans, SetUp, Error. */
	const char *params[] = { "station=ICT-7", "processCode=40", "purpose=Production", NULL };
	convert_path(&g, tu_data("vendor/sigmaquest/features.xml"), "auto", params);
	assert_int_equal(g.n, 1);
	r = g.r[0];
	root = wats_report_root(r);
	header(r, "S-1", "PN-77", "C", 40, "J\xC3\xB8rn", "ST-9", WATS_STATUS_PASSED);
	assert_string_equal(wats_report_location(r), "Hall B");
	assert_string_equal(wats_node_get_string(wats_node_get(root, "seqCall"), "version"), "4.2.1");
	assert_string_equal(misc(r, "Rack"), "R7");
	assert_string_equal(misc(r, "Lot"), "L9");
	assert_string_equal(misc(r, "Mode"), "P");
	assert_string_equal(misc(r, "Test Software"), "(absent)");
	wats_node *subs = wats_node_get(wats_report_node(r), "subUnits");
	assert_int_equal(wats_node_count(subs), 1);
	assert_string_equal(wats_node_get_string(wats_node_first(subs), "sn"), "SS-1");
	assert_string_equal(wats_report_start(r), "2025-03-01T08:00:00.250+01:00");
	assert_string_equal(member(wats_report_info(r), "execTime"), "90.5");
	counts(r, 5, 6);
	meas_is(r, "Config", 0, "3", "LOG", NULL, NULL, "#", WATS_STATUS_PASSED);
	assert_string_equal(member(find(root, "Config"), "group"), "S");
	/* 5,0012345678901234 with a decimal comma: the point, every digit kept */
	meas_is(r, "Voltage", 0, "5.0012345678901234", "GTLT", "4.75", "5.25", "V", WATS_STATUS_PASSED);
	assert_string_equal(member(find(root, "Voltage"), "reportText"), "Note=probe 2");
	wats_step *id = find(root, "Ident");
	assert_string_equal(wats_step_type(id), "ET_MSVT");
	assert_string_equal(member(wats_step_meas_at(id, 0), "limit"), "1.2.3");
	assert_string_equal(wats_compop_name(wats_meas_compop(wats_step_meas_at(id, 0))), "IGNORECASE");
	assert_string_equal(member(wats_step_meas_at(id, 1), "value"), "rev C");
	wats_step *ck = find(root, "Checks");
	assert_int_equal(wats_step_status(ck), WATS_STATUS_SKIPPED);
	assert_string_equal(wats_meas_name(wats_step_meas_at(ck, 1)), "Fan #2");
	assert_int_equal(wats_meas_status(wats_step_meas_at(ck, 1)), WATS_STATUS_SKIPPED);
	assert_string_equal(member(ck, "errorMessage"), "E12=fan 2 not fitted");
	got_free(&g);
}

/* ---- StepWize XSPC -------------------------------------------------------------------------- */

static void test_stepwize(void **st)
{
	(void)st;
	got g = { 0 };
	const char *params[] = { "utcOffset=+01:00", "location=Line 1", "purpose=Production", NULL };
	/* <partNumber>PN1 <revision>A <serialNumber>SN65632341 <sourceFile>sequenceFileName.xml
	 * <sequencePF>Pass; the first record's <assetID>SN_PCB-001 and <operatorStamp>custom */
	convert(&g, "vendor/stepwize/20250316_133653_CONFIG_AND_RESULTS.XSPC", "auto", params);
	assert_int_equal(g.n, 1);
	wats_report *r = g.r[0];
	header(r, "SN65632341", "PN1", "A", 10, "custom", "SN_PCB-001", WATS_STATUS_PASSED);
	wats_step *root = wats_report_root(r);
	assert_string_equal(wats_node_get_string(wats_node_get(root, "seqCall"), "name"), "sequenceFileName.xml");
	assert_string_equal(wats_node_get_string(wats_node_get(root, "seqCall"), "version"), "000");
	/* first <startDateTime>2025-03-16T13:36:53.277, last <endDateTime>2025-03-16T17:27:07.924 */
	assert_string_equal(wats_report_start(r), "2025-03-16T13:36:53.277+01:00");
	assert_string_equal(member(wats_report_info(r), "execTime"), "13814.647");
	assert_string_equal(misc(r, "operation"), "SW Debug");
	assert_string_equal(misc(r, "build"), "1.0.1");
	assert_string_equal(misc(r, "resultSetID"), "234asd342KH4523423GH123");
	/* 233 records in 52 runs of one stepName: 182 numeric (dataType 0), 51 actions (2). */
	counts(r, 1 + 52 + 233, 182);
	assert_int_equal(wats_step_child_count(root), 52);
	wats_step *last = wats_step_first_child(root);
	while (wats_step_next(last))
		last = wats_step_next(last);
	assert_string_equal(wats_step_name(last), "90mA_CH2 FB_-10 to 10 Volts Linear Check");
	assert_int_equal(wats_step_child_count(last), 5);
	/* <subItemName>Offfset Max <lowerLimit>-5.0000000000000000E-1 <upperLimit>5.0000000000000000E-1
	 * <limitMode>LL &lt;= Value &lt;= UL <stepValue>-2.8130436567312630E-3 <units>V */
	wats_step *off = find(last, "Offfset Max");
	wats_meas *m = wats_step_meas_at(off, 0);
	assert_string_equal(member(m, "value"), "-2.8130436567312630E-3");
	assert_string_equal(member(m, "lowLimit"), "-5.0000000000000000E-1");
	assert_string_equal(member(m, "highLimit"), "5.0000000000000000E-1");
	assert_string_equal(member(m, "unit"), "V");
	assert_string_equal(wats_compop_name(wats_meas_compop(m)), "GELE");
	/* Value &lt;= UL: the upper limit 2.5000000000000000E+0 is the one limit */
	m = wats_step_meas_at(find(last, "FS Error %"), 0);
	assert_string_equal(member(m, "value"), "3.4923553466796868E-2");
	assert_string_equal(wats_compop_name(wats_meas_compop(m)), "LE");
	assert_string_equal(member(m, "lowLimit"), "2.5000000000000000E+0");
	assert_string_equal(member(find(last, "FS Error %"), "totTime"), "4.3948999999999998E+1");
	/* "Performed- Record Only": logged, no limits */
	m = wats_step_meas_at(find(last, "iteration"), 0);
	assert_string_equal(wats_compop_name(wats_meas_compop(m)), "LOG");
	assert_string_equal(member(m, "value"), "0.0000000000000000E+0");
	wats_step *oo = find(last, "Overall Outcome");
	assert_string_equal(wats_step_type(oo), "Action");
	assert_string_equal(member(oo, "reportText"), "Pass");
	got_free(&g);
}

/* ---- Listen SoundCheck -------------------------------------------------------------------- */

static size_t series_points(wats_step *s, const char *key)
{
	wats_node *ser = wats_node_first(wats_node_get(wats_node_get(s, "chart"), "series"));
	const char *d = wats_node_get_string(ser, key);
	size_t n = d && *d ? 1 : 0;
	for (; d && *d; d++)
		n += *d == ';';
	return n;
}

static void test_listen(void **st)
{
	(void)st;
	got g = { 0 };
	const char *params[] = { "utcOffset=-07:00", "station=AUDIO-1", "location=Line 1",
				 "purpose=Production", NULL };
	/* Serial #: Operator: Time: Lot #: Name Margin Unit Result Tolerance Limits;
	 * S/N 13 .. S/N 20, five rows each. */
	convert(&g, "vendor/listen-soundcheck/us-complete-test.txt", "auto", params);
	assert_int_equal(g.n, 8);
	for (size_t i = 0; i < g.n; i++) {
		char sn[16];
		/* WATS refuses '/' in serial and part numbers: '_', the original as misc info */
		snprintf(sn, sizeof(sn), "S_N %zu", 13 + i);
		header(g.r[i], sn, "P_N #12345", "1.0", 10, "Rick", "AUDIO-1", WATS_STATUS_PASSED);
		snprintf(sn, sizeof(sn), "S/N %zu", 13 + i);
		assert_string_equal(misc(g.r[i], "Serial #"), sn);
		assert_string_equal(misc(g.r[i], "Lot #"), "P/N #12345");
		counts(g.r[i], 6, 5);
	}
	/* S/N 13 Rick 7/22/2020 10:22:14 AM; S/N 19 .. 10:22:27 AM */
	assert_string_equal(wats_report_start(g.r[0]), "2020-07-22T10:22:14.000-07:00");
	assert_string_equal(wats_report_start(g.r[6]), "2020-07-22T10:22:27.000-07:00");
	/* Ave Sensitivity 95.50 dB PASS Max/Min 100.0/90.0 */
	meas_is(g.r[0], "Ave Sensitivity", 0, "95.50", "GELE", "90.0", "100.0", "dB", WATS_STATUS_PASSED);
	/* Rub & Buzz margin 0.10 % PASS Tolerance curves Absolute Limits */
	meas_is(g.r[7], "Rub & Buzz margin", 0, "0.10", "LOG", NULL, NULL, "%", WATS_STATUS_PASSED);
	assert_string_equal(member(find(wats_report_root(g.r[7]), "Rub & Buzz margin"), "reportText"),
			    "Tolerance curves: Absolute Limits");
	meas_is(g.r[3], "Polarity", 0, "90.00", "LOG", NULL, NULL, "deg.", WATS_STATUS_PASSED);
	got_free(&g);

	/* EU data logging: decimal commas, two limit curves and one measured curve (row pairs of
	 * x and y values), all of serial 2.58.21: one report of three chart steps. */
	convert(&g, "vendor/listen-soundcheck/eu-data-logging.txt", "auto", params);
	assert_int_equal(g.n, 1);
	wats_report *r = g.r[0];
	header(r, "2.58.21", "BLR-SC-WATS", "1.0", 10, NULL, "AUDIO-1", WATS_STATUS_PASSED);
	/* 12-01-2021 09:08:35: day first */
	assert_string_equal(wats_report_start(r), "2021-01-12T09:08:35.000-07:00");
	counts(r, 4, 0);
	wats_step *up = wats_step_first_child(wats_report_root(r));
	assert_string_equal(wats_step_name(up), "Fundamental Limit Upper Limit");
	assert_string_equal(wats_step_type(up), "Chart");
	wats_node *ch = wats_node_get(up, "chart");
	assert_string_equal(wats_node_get_string(ch, "xUnit"), "Hz");
	assert_string_equal(wats_node_get_string(ch, "yUnit"), "dB re 1 V/sqrt(Hz)");
	assert_string_equal(wats_node_get_string(ch, "chartType"), "LineLogX");
	wats_node *ser = wats_node_first(wats_node_get(ch, "series"));
	/* 100,00 400,00 2000,00 6000,00 7000,00 10000,00 / 4,00 6,00 6,00 2,00 0,00 0,00: the
	 * source's digits kept, the comma a point */
	assert_string_equal(wats_node_get_string(ser, "xdata"), "100.00;400.00;2000.00;6000.00;7000.00;10000.00");
	assert_string_equal(wats_node_get_string(ser, "ydata"), "4.00;6.00;6.00;2.00;0.00;0.00");
	wats_step *data = wats_step_next(wats_step_next(up));
	assert_int_equal(series_points(data, "xdata"), 2205);
	assert_int_equal(series_points(data, "ydata"), 2205);
	/* y: -87,32 -106,54 .. -115,92 */
	ser = wats_node_first(wats_node_get(wats_node_get(data, "chart"), "series"));
	assert_int_equal(strncmp(wats_node_get_string(ser, "ydata"), "-87.32;-106.54;", 15), 0);
	const char *yd = wats_node_get_string(ser, "ydata");
	assert_string_equal(yd + strlen(yd) - 8, ";-115.92");
	got_free(&g);

	/* Own sample: UTF-16 LE with a BOM, decimal commas in results, a FAIL, 12-hour times. */
	convert_path(&g, tu_data("vendor/listen/utf16_fail.txt"), "listen", params);
	assert_int_equal(g.n, 2);
	header(g.r[0], "A1", "LOT-\xC3\x86", "1.0", 10, NULL, "AUDIO-1", WATS_STATUS_FAILED);
	header(g.r[1], "A2", "LOT-\xC3\x86", "1.0", 10, NULL, "AUDIO-1", WATS_STATUS_PASSED);
	assert_string_equal(wats_report_start(g.r[0]), "2020-07-22T13:05:09.000-07:00");
	assert_string_equal(wats_report_start(g.r[1]), "2020-07-22T00:00:01.000-07:00");
	meas_is(g.r[0], "Sens", 0, "89.5", "GELE", "90.0", "100.0", "dB", WATS_STATUS_FAILED);
	meas_is(g.r[0], "THD", 0, "1.25", "LOG", NULL, NULL, "%", WATS_STATUS_PASSED);
	assert_int_equal(wats_step_status(wats_report_root(g.r[0])), WATS_STATUS_FAILED);
	got_free(&g);
}

/* ---- Klippel QC ----------------------------------------------------------------------------- */

#define KL_SUMMARY "vendor/klippel/DUT xyz115 2020-05-14 10-01-37-5 UTC+0200.txt"

static wats_step *child(wats_step *s, size_t i)
{
	wats_step *k = wats_step_first_child(s);
	while (k && i--)
		k = wats_step_next(k);
	assert_non_null(k);
	return k;
}

/* Series i of a chart step: its name and point count (x and y alike). */
static size_t series_n(wats_step *s, size_t i, const char *name)
{
	wats_node *ser = wats_node_first(wats_node_get(wats_node_get(s, "chart"), "series"));
	while (ser && i--)
		ser = wats_node_next(ser);
	assert_non_null(ser);
	assert_string_equal(wats_node_get_string(ser, "name"), name);
	size_t n = 0;
	for (const char *k = "xdata"; k; k = strcmp(k, "xdata") ? NULL : "ydata") {
		const char *d = wats_node_get_string(ser, k);
		size_t c = d && *d ? 1 : 0;
		for (; d && *d; d++)
			c += *d == ';';
		if (!strcmp(k, "xdata"))
			n = c;
		else
			assert_int_equal(c, n);
	}
	return n;
}

static size_t nseries(wats_step *s)
{
	size_t n = 0;
	for (wats_node *ser = wats_node_first(wats_node_get(wats_node_get(s, "chart"), "series")); ser;
	     ser = wats_node_next(ser))
		n++;
	return n;
}

/* A curve step's statistics: avg (to 1e-9), min and max as the file wrote them, OutOfBounds
 * (out < 0: none) with its verdict. */
static void curve_stats(wats_step *s, double avg, const char *min, const char *max, int out)
{
	assert_non_null(s);
	wats_meas *m = wats_step_meas_at(s, 0);
	assert_non_null(m);
	assert_string_equal(wats_meas_name(m), "avg");
	assert_string_equal(wats_compop_name(wats_meas_compop(m)), "LOG");
	assert_true(fabs(strtod(member(m, "value"), NULL) - avg) < 1e-9);
	m = wats_step_meas_at(s, 1);
	assert_string_equal(wats_meas_name(m), "min");
	assert_string_equal(member(m, "value"), min);
	m = wats_step_meas_at(s, 2);
	assert_string_equal(wats_meas_name(m), "max");
	assert_string_equal(member(m, "value"), max);
	m = wats_step_meas_at(s, 3);
	if (out < 0) {
		assert_null(m);
		return;
	}
	assert_string_equal(wats_meas_name(m), "OutOfBounds");
	assert_string_equal(wats_compop_name(wats_meas_compop(m)), "LT");
	assert_string_equal(member(m, "lowLimit"), "1");
	assert_int_equal((int)strtod(member(m, "value"), NULL), out);
	assert_int_equal(wats_meas_status(m), out ? WATS_STATUS_FAILED : WATS_STATUS_PASSED);
}

static void test_klippel(void **st)
{
	(void)st;
	got g = { 0 };
	const char *params[] = { "partNumber=SPK-1", "station=AUDIO-1", "location=Line 1",
				 "purpose=Production", NULL };
	convert(&g, KL_SUMMARY, "auto", params);
	assert_int_equal(g.n, 1);
	wats_report *r = g.r[0];
	/* Cfg_SerialNumber=xyz115, Cfg_UserName=win:m.liebig, Ctrl_OverallVerdict=0 (fail) */
	header(r, "xyz115", "SPK-1", "1.0", 10, "win:m.liebig", "AUDIO-1", WATS_STATUS_FAILED);
	/* Cfg_DutStartTime=2020-5-20-135-5-14-10-1-37-563-120-1.589E+09: 14 May 2020 10:01:37.563,
	 * 120 minutes east of UTC */
	assert_string_equal(wats_report_start(r), "2020-05-14T10:01:37.563+02:00");
	assert_string_equal(misc(r, "Cfg_LoginMode"), "PROGRAMMER");
	assert_string_equal(misc(r, "Cfg_Speaker"), "sp2");
	assert_string_equal(misc(r, "FileName"), "DUT xyz115 2020-05-14 10-01-37-5 UTC+0200.txt");
	assert_string_equal(misc(r, "Ctrl_OverallVerdict"), "0 (fail)");
	assert_string_equal(misc(r, "Cfg_PCName"), "(absent)"); /* empty */
	/* root, 2 tasks; Impedance: re qts imp; Sound Pressure: level rbz resp thd; measurements:
	 * 3 value rows + avg/min/max/OutOfBounds for each of the 4 curves */
	counts(r, 10, 19);
	wats_step *root = wats_report_root(r);
	assert_int_equal(wats_step_status(root), WATS_STATUS_FAILED);
	wats_step *imp = child(root, 0), *sp = child(root, 1);
	assert_string_equal(wats_step_name(imp), "Impedance");
	assert_string_equal(wats_step_type(imp), "SequenceCall");
	assert_string_equal(wats_step_name(sp), "Sound Pressure");
	/* Results_Fail=imp re fs; Results_Pass=resp level pol thd rbz */
	assert_int_equal(wats_step_status(imp), WATS_STATUS_FAILED);
	assert_int_equal(wats_step_status(sp), WATS_STATUS_PASSED);
	/* re - 3.5156 2.8764: no value, both limits */
	meas_is(r, "re", 0, "(other)", "GELE", "2.8764", "3.5156", NULL, WATS_STATUS_FAILED);
	assert_null(wats_node_string(wats_node_get(wats_step_meas_at(find(root, "re"), 0), "value"), NULL));
	/* qts - (empty) (empty): nothing, not in any Results_ list */
	meas_is(r, "qts", 0, NULL, "LOG", NULL, NULL, NULL, WATS_STATUS_SKIPPED);
	assert_string_equal(member(wats_step_meas_at(find(root, "qts"), 0), "lowLimit"), "(absent)");
	/* level 95.203 97.337 91.337 */
	meas_is(r, "level", 0, "95.203", "GELE", "91.337", "97.337", NULL, WATS_STATUS_PASSED);
	/* Impedance-imp.txt: frq imp max min, 129 rows */
	wats_step *ic = child(imp, 2);
	assert_string_equal(wats_step_name(ic), "imp");
	assert_string_equal(wats_step_type(ic), "WATS_XYGMNLT");
	assert_int_equal(wats_step_status(ic), WATS_STATUS_FAILED);
	/* The curve's statistics, computed by hand from Impedance-imp.txt: the imp column sums to
	 * 554.8014 over 129 rows; smallest 1.7263 (18.750 Hz), largest 6.6844 (5001.6 Hz); 3 rows
	 * above max (23.438 Hz: 4.5925 > 3.4223; 51.563: 3.9256 > 3.7036; 328.13: 4.0178 > 3.9689)
	 * and 17 below min (18.750: 1.7263 < 3.0445; 37.500: 2.5603 < 3.1185; ..): 20 out. */
	curve_stats(ic, 554.8014 / 129, "1.7263", "6.6844", 20);
	wats_node *ch = wats_node_get(ic, "chart");
	assert_string_equal(wats_node_get_string(ch, "chartType"), "LineLogX");
	assert_string_equal(wats_node_get_string(ch, "xUnit"), "Hz");
	assert_int_equal(nseries(ic), 3);
	assert_int_equal(series_n(ic, 0, "imp"), 129);
	assert_int_equal(series_n(ic, 1, "max"), 129);
	assert_int_equal(series_n(ic, 2, "min"), 129);
	/* first row 18.750 1.7263 3.4030 3.0445 */
	wats_node *ser = wats_node_first(wats_node_get(ch, "series"));
	/* (the source's digits kept: 18.750, 3.4030) */
	assert_int_equal(strncmp(wats_node_get_string(ser, "xdata"), "18.750;23.438;", 14), 0);
	assert_int_equal(strncmp(wats_node_get_string(ser, "ydata"), "1.7263;4.5925;3.1249;", 21), 0);
	ser = wats_node_next(ser);
	assert_int_equal(strncmp(wats_node_get_string(ser, "ydata"), "3.4030;3.4223;", 14), 0);
	/* Sound Pressure: level, then the curves in name order */
	assert_string_equal(wats_step_name(child(sp, 0)), "level");
	wats_step *rbz = child(sp, 1), *resp = child(sp, 2), *thd = child(sp, 3);
	assert_string_equal(wats_step_name(rbz), "rbz");
	assert_string_equal(wats_step_name(resp), "resp");
	assert_string_equal(wats_step_name(thd), "thd");
	/* resp: 161 rows, every one with values */
	assert_int_equal(nseries(resp), 3);
	assert_int_equal(series_n(resp, 0, "resp"), 161);
	assert_int_equal(series_n(resp, 2, "min"), 161);
	/* rbz: frq rbz max, 35 of 161 rows '-' (first 200.00 - -, then 206.00 56.344 66.924) */
	assert_int_equal(nseries(rbz), 2);
	assert_int_equal(series_n(rbz, 0, "rbz"), 126);
	assert_int_equal(series_n(rbz, 1, "max"), 126);
	ser = wats_node_first(wats_node_get(wats_node_get(rbz, "chart"), "series"));
	assert_int_equal(strncmp(wats_node_get_string(ser, "xdata"), "206.00;212.00;", 14), 0);
	assert_int_equal(strncmp(wats_node_get_string(ser, "ydata"), "56.344;54.367;", 14), 0);
	/* by hand: the 126 rbz values sum to 6021.775, 34.370 (7500 Hz) the least, 58.393 (230 Hz)
	 * the most, none above max (no min column) */
	curve_stats(rbz, 6021.775 / 126, "34.370", "58.393", 0);
	/* resp: 161 values, sum 14621.962, 66.947 (19500 Hz) to 104.46 (1600 Hz), all inside */
	curve_stats(resp, 14621.962 / 161, "66.947", "104.46", 0);
	/* thd: 131 of 161 rows with values */
	assert_int_equal(series_n(thd, 0, "thd"), 131);
	/* thd: 131 values, sum 5238.762, 30.452 (7100 Hz) to 51.419 (243 Hz) */
	curve_stats(thd, 5238.762 / 131, "30.452", "51.419", 0);
	assert_int_equal(wats_step_status(thd), WATS_STATUS_PASSED);
	got_free(&g);

	/* Own sample in a temporary folder: pass verdict, a negative offset, one-sided limits,
	 * a result without a verdict list entry, a folder file that is not <Task>-<kind>.txt. */
	char *dir = tu_tmpdir();
	char path[1024], sub[512];
	snprintf(path, sizeof(path), "%s/DUT a1.txt", dir);
	const char *sum = "//c\r\nCfg_SerialNumber=A/1\r\nCfg_UserName=\r\n"
			  "Cfg_DutStartTime=2021-1-1-1-5-1-23-59-59-7--300-1.6E+09\r\n"
			  "Ctrl_OverallVerdict=1\r\nResults_Pass=v1\tc\r\n";
	tu_write(path, sum, strlen(sum));
	snprintf(sub, sizeof(sub), "%s/DUT a1", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/T-values.txt", sub);
	const char *vals = "name\tvalue\tmax\tmin\nv1\t1.50\t-\t1\nv2\t-2e3\t0\t-\nv3\t7\n";
	tu_write(path, vals, strlen(vals));
	snprintf(path, sizeof(path), "%s/T-c.txt", sub);
	const char *curve = "frq\tc\tmax\tmin\n10\t1\t2\t0\n20\t-\t2\t0\n30\t3\n";
	tu_write(path, curve, strlen(curve));
	snprintf(path, sizeof(path), "%s/notes.md", sub);
	tu_write(path, "x", 1);
	snprintf(path, sizeof(path), "%s/DUT a1.txt", dir);
	const char *p2[] = { "operator=Op", "station=S", "location=L", "purpose=P", NULL };
	convert_path(&g, path, "klippel", p2);
	assert_int_equal(g.n, 1);
	r = g.r[0];
	header(r, "A_1", "Unknown", "1.0", 10, "Op", NULL, WATS_STATUS_PASSED);
	assert_string_equal(misc(r, "Cfg_SerialNumber"), "A/1");
	assert_string_equal(wats_report_start(r), "2021-01-01T23:59:59.007-05:00");
	counts(r, 6, 7);
	meas_is(r, "v1", 0, "1.50", "GE", "1", NULL, NULL, WATS_STATUS_PASSED);
	meas_is(r, "v2", 0, "-2e3", "LE", "0", NULL, NULL, WATS_STATUS_PASSED);
	assert_int_equal(wats_step_status(find(wats_report_root(r), "v2")), WATS_STATUS_DONE);
	meas_is(r, "v3", 0, "7", "LOG", NULL, NULL, NULL, WATS_STATUS_PASSED);
	wats_step *c = find(wats_report_root(r), "c");
	assert_int_equal(series_n(c, 0, "c"), 2);
	assert_int_equal(series_n(c, 1, "max"), 2);
	assert_int_equal(series_n(c, 2, "min"), 2);
	assert_int_equal(wats_step_status(c), WATS_STATUS_PASSED);
	/* c: 1 at 10 Hz (inside 0..2), no value at 20, 3 at 30 without limits */
	curve_stats(c, 2.0, "1", "3", 0);
	got_free(&g);

	/* Out of bounds both ways, '-' limits not compared, a curve without limit columns (no
	 * OutOfBounds), and a curve with no values (no statistics). */
	snprintf(path, sizeof(path), "%s/T-c.txt", sub);
	curve = "frq\tc\tmin\tmax\n10\t5\t0\t4\n20\t-1.5\t0\t4\n30\t2\t-\t-\n40\t9\t-\t10\n";
	tu_write(path, curve, strlen(curve));
	snprintf(path, sizeof(path), "%s/T-d.txt", sub);
	const char *dc = "frq\td\n1\t2.50\n2\t0.5\n", *ec = "frq\te\tmax\n1\t-\t1\n";
	tu_write(path, dc, strlen(dc));
	snprintf(path, sizeof(path), "%s/T-e.txt", sub);
	tu_write(path, ec, strlen(ec));
	snprintf(path, sizeof(path), "%s/DUT a1.txt", dir);
	convert_path(&g, path, "klippel", p2);
	assert_int_equal(g.n, 1);
	/* 5 > 4 and -1.5 < 0 out; 2 (no limits) and 9 (<= 10) in */
	curve_stats(find(wats_report_root(g.r[0]), "c"), (5 - 1.5 + 2 + 9) / 4.0, "-1.5", "9", 2);
	wats_step *d = find(wats_report_root(g.r[0]), "d");
	curve_stats(d, 1.5, "0.5", "2.50", -1);
	assert_int_equal(wats_step_meas_count(d), 3);
	assert_int_equal(wats_step_meas_count(find(wats_report_root(g.r[0]), "e")), 0);
	got_free(&g);
	snprintf(path, sizeof(path), "%s/T-d.txt", sub);
	remove(path);
	snprintf(path, sizeof(path), "%s/T-e.txt", sub);
	remove(path);

	/* A bad number in a folder file: that file and its line. */
	snprintf(path, sizeof(path), "%s/T-c.txt", sub);
	tu_write(path, "frq\tc\n10\t1\n20\tx2\n", 18);
	snprintf(path, sizeof(path), "%s/DUT a1.txt", dir);
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = "klippel";
	assert_int_equal(wats_convert_file(NULL, reg, path, &o, keep, &g), WATS_EPARSE);
	got_free(&g);
	assert_non_null(strstr(wats_error_last()->message, "DUT a1/T-c.txt:3: 'x2' (c) is not a number"));
	tu_rmtree(dir);
	free(dir);

	/* Buffer input: the summary alone (no folder), with a warning. */
	size_t len;
	char *text = tu_read(tu_fixture(KL_SUMMARY), &len);
	assert_non_null(text);
	assert_int_equal(wats_convert_buffer(NULL, reg, "s.txt", text, len, &o, keep, &g), 0);
	assert_int_equal(g.n, 1);
	counts(g.r[0], 1, 0);
	assert_int_equal(wats_report_result(g.r[0]), WATS_STATUS_FAILED);
	got_free(&g);
	free(text);
}

/* The folder files are not reached by the fuzz target (a buffer is the summary alone): mutated
 * copies of the fixture's curve and values files, converted by path. Each either converts or
 * fails with WATS_EPARSE naming the file and line; ASan/valgrind watch the rest. */
static void test_klippel_mutations(void **st)
{
	(void)st;
	static const char *const names[] = { "Impedance-imp.txt", "Sound Pressure-rbz.txt",
					     "Sound Pressure-values.txt" };
	static const char alphabet[] = "0123456789.-+eE\t\n\r -x,";
	char *dir = tu_tmpdir(), sum[1024], sub[512], path[1024], src[1024];
	snprintf(sum, sizeof(sum), "%s/DUT m.txt", dir);
	size_t sl;
	char *summary = tu_read(tu_fixture(KL_SUMMARY), &sl);
	tu_write(sum, summary, sl);
	free(summary);
	snprintf(sub, sizeof(sub), "%s/DUT m", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	srand(11);
	for (int round = 0; round < 150; round++) {
		const char *name = names[round % 3];
		snprintf(src, sizeof(src), "vendor/klippel/DUT xyz115 2020-05-14 10-01-37-5 UTC+0200/%s", name);
		size_t n;
		char *text = tu_read(tu_fixture(src), &n);
		assert_non_null(text);
		/* a few bytes changed, cut, or a run duplicated */
		int edits = 1 + rand() % 6;
		for (int e = 0; e < edits && n; e++) {
			size_t at = (size_t)rand() % n;
			int how = rand() % 3;
			if (how == 0)
				text[at] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
			else if (how == 1)
				n = at;
			else if (at + 8 < n)
				memcpy(text + at, text + (size_t)rand() % (n - 8), 8);
		}
		snprintf(path, sizeof(path), "%s/%s", sub, name);
		tu_write(path, text, n);
		free(text);
		got g = { 0 };
		wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
		o.converter = "klippel";
		int rc = wats_convert_file(NULL, reg, sum, &o, keep, &g);
		if (rc) {
			assert_int_equal(rc, WATS_EPARSE);
			const char *msg = wats_error_last()->message;
			if (!strstr(msg, name))
				fail_msg("round %d: '%s' does not name %s", round, msg, name);
		} else {
			assert_int_equal(g.n, 1);
			char *out;
			size_t len;
			assert_int_equal(wats_report_write(&out, &len, g.r[0], 0), 0);
			wats_free(out);
		}
		got_free(&g);
		remove(path);
	}
	tu_rmtree(dir);
	free(dir);
}

/* ---- detection ----------------------------------------------------------------------------- */

static const struct {
	const char *file, *conv;
} all[] = {
	{ "vendor/teststand-xml/ts-with-wats.xml", "teststand" },
	{ "vendor/teststand-xml/ts-without-wats.xml", "teststand" },
	{ "vendor/spea-3030/testdata_SN9871234012.csv", "spea3030" },
	{ "vendor/teradyne-gr228x/43420_BIO2.LOG", "gr228x" },
	/* Not ours (yet): no vendor converter may claim them. */
	{ "vendor/teradyne-spectrum/sample_ict_data.txt", "spectrum" },
	{ "vendor/xjtag/1234_Pass.xjlog", "xjtag" },
	{ "vendor/xjtag/55804022_Pass.xjlog", "xjtag" },
	{ "vendor/xjtag/567567_Pass.xjlog", "xjtag" },
	{ "vendor/xjtag/demonstration-hardware.xjlog", "xjtag" },
	{ "vendor/xjtag/567567_Pass.xml", "xjtag" },
	{ "vendor/takaya/PB2939800_E_BOT.ATD", "takaya" },
	{ "vendor/takaya/APT94xx_12345-SN0001.ATD", "takaya" },
	{ "vendor/saki-aoi/SAKI-testdata.xml", "saki" },
	{ "vendor/sigmaquest/testdata_SN651658.xml", "sigmaquest" },
	{ "vendor/stepwize/20250316_133653_CONFIG_AND_RESULTS.XSPC", "stepwize" },
	{ "vendor/listen-soundcheck/eu-data-logging.txt", "listen" },
	{ "vendor/listen-soundcheck/us-complete-test.txt", "listen" },
	{ KL_SUMMARY, "klippel" },
	{ "new_report_example.json", "wsjf" },
	{ "uur_example.json", "wsjf" },
	{ "atml/atml-2.02.xml", "atml" },
	{ "atml/atml-5.00.xml", "atml" },
	{ "atml/atml-6.01.xml", "atml" },
};

static const char *vendors[] = { "teststand", "spea3030", "gr228x", "spectrum", "xjtag", "takaya", "saki", "sigmaquest", "stepwize", "listen", "klippel" };

static void test_detect(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		wats_detection d;
		assert_int_equal(wats_convert_detect(&d, reg, tu_fixture(all[i].file)), 0);
		const char *best = d.converter ? wats_converter_name(d.converter) : "(none)";
		if (all[i].conv) {
			if (strcmp(best, all[i].conv))
				fail_msg("%s detected as %s, not %s", all[i].file, best, all[i].conv);
			continue;
		}
		for (size_t v = 0; v < sizeof(vendors) / sizeof(vendors[0]); v++)
			if (!strcmp(best, vendors[v]))
				fail_msg("%s claimed by %s (%.2f)", all[i].file, best, d.confidence);
	}
	wats_detection d;
	assert_int_equal(wats_convert_detect(&d, reg, tu_fixture(all[0].file)), 0);
	assert_string_equal(d.sn, "12345");
	assert_string_equal(d.pn, "PN1");
	assert_int_equal(wats_convert_detect(&d, reg, tu_fixture(all[3].file)), 0);
	assert_string_equal(d.sn, "65428553938829725787");
}

/* ---- malformed input: clear errors with file and line -------------------------------------- */

static void expect_error(const char *conv, const char *text, const char *needle)
{
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = conv;
	got g = { 0 };
	int rc = wats_convert_buffer(NULL, reg, "bad.txt", text, strlen(text), &o, keep, &g);
	got_free(&g);
	assert_int_equal(rc, WATS_EPARSE);
	const char *msg = wats_error_last()->message;
	if (!strstr(msg, needle))
		fail_msg("'%s' lacks '%s'", msg, needle);
}

/* ---- numbers as the source wrote them (vendor_util) --------------------------------------- */

/* wats__vu_parse gives strtod's double, bit for bit, or refuses what strtod does not take whole. */
static void parse_is_strtod(const char *t)
{
	double a, b;
	char *end;
	b = strtod(t, &end);
	int ok = *t && !*end;
	int rc = wats__vu_parse(t, strlen(t), &a);
	if (rc != (ok ? 0 : -1))
		fail_msg("'%s': rc %d, strtod %s", t, rc, ok ? "takes it" : "does not");
	if (ok && memcmp(&a, &b, sizeof(a)) && !(isnan(a) && isnan(b)))
		fail_msg("'%s': %.17g, strtod %.17g", t, a, b);
}

static void test_number_text(void **st)
{
	(void)st;
	static const char *const edge[] = {
		"0", "-0", "+0", "0.0", "1", "-1", "0.1", "0.3", "1e22", "1e23", "1e-22", "1e-23",
		"123456789012345", "1234567890123456", "9007199254740993", "0.000000000000001",
		"123456789012345e7", "1.7976931348623157e308", "4.9e-324", "1e400", "2.5E+03",
		"18.750", "000123", "-.5", ".5", "5.", "inf", "-Infinity", "nan", "0x1p3", "",
		"-", ".", "1e", "1e+", "1.2.3", "1,5", " 5", "5 ", "1e5x", "--1", NULL };
	for (size_t i = 0; edge[i]; i++)
		parse_is_strtod(edge[i]);
	/* longer than any buffer of the fast path: strtod still decides */
	char lng[400];
	memset(lng, '0', sizeof(lng));
	memcpy(lng, "0.", 2);
	memcpy(lng + 300, "123", 4);
	parse_is_strtod(lng); /* 1.23e-299 */
	memset(lng, '9', 300);
	lng[300] = '\0';
	parse_is_strtod(lng); /* 1e300 */
	memcpy(lng + 200, "x", 2);
	parse_is_strtod(lng); /* not a number */
	/* random decimals: 1 to 20 digits, a point anywhere, exponents around the fast path's edge */
	srand(7);
	for (int k = 0; k < 20000; k++) {
		char t[64];
		size_t n = 0;
		if (rand() % 3 == 0)
			t[n++] = '-';
		int nd = 1 + rand() % 20, point = rand() % (nd + 1);
		for (int d = 0; d < nd; d++) {
			if (d == point && d)
				t[n++] = '.';
			t[n++] = (char)('0' + rand() % 10);
		}
		if (rand() % 2)
			n += (size_t)snprintf(t + n, sizeof(t) - n, "e%d", rand() % 61 - 30);
		t[n] = '\0';
		parse_is_strtod(t);
	}

	/* series text: kept as written, a decimal comma made a point, other forms written as doubles */
	wats__vu_text x = { 0 };
	double v;
	assert_int_equal(wats__vu_text_add(&x, "18.750", 6, 0, &v), 0);
	assert_true(v == 18.75);
	assert_int_equal(wats__vu_text_add(&x, "-87,32", 6, 1, &v), 0);
	assert_true(v == -87.32);
	assert_int_equal(wats__vu_text_add(&x, "1,5", 3, 0, NULL), -1); /* no comma unless asked */
	assert_int_equal(wats__vu_text_add(&x, "+5", 2, 0, NULL), 0);
	assert_int_equal(wats__vu_text_add(&x, ".5", 2, 0, NULL), 0);
	assert_int_equal(wats__vu_text_add(&x, "2.5E+03", 7, 0, NULL), 0);
	assert_int_equal(wats__vu_text_add(&x, "x", 1, 0, NULL), -1);
	assert_int_equal(x.n, 5);
	assert_string_equal(x.s, "18.750;-87.32;5.0;0.5;2.5E+03");
	/* a number longer than the copy buffer is still a number, kept as written */
	char big[201];
	memset(big, '1', 200);
	big[200] = '\0';
	big[1] = ',';
	assert_int_equal(wats__vu_text_add(&x, big, 200, 1, &v), 0);
	assert_true(v > 1.1 && v < 1.2);
	big[1] = '.';
	assert_string_equal(strrchr(x.s, ';') + 1, big);
	wats__vu_text_cut(&x, 5);
	assert_string_equal(x.s, "18.750;-87.32;5.0;0.5;2.5E+03");
	wats__vu_text_cut(&x, 2);
	assert_string_equal(x.s, "18.750;-87.32");
	wats__vu_text_cut(&x, 0);
	assert_int_equal(x.n, 0);
	assert_string_equal(x.s, "");
	wats__vu_text_free(&x);

	/* copies cut at a character boundary */
	char b[5];
	assert_int_equal(wats__vu_copy(b, 4, "ab\xC3\x86z"), 2); /* not half of the Æ */
	assert_string_equal(b, "ab");
	assert_int_equal(wats__vu_copy(b, 5, "ab\xC3\x86z"), 4);
	assert_string_equal(b, "ab\xC3\x86");
	assert_int_equal(wats__vu_copy(b, sizeof(b), "abcd"), 4);
	assert_string_equal(b, "abcd");
	char j[8];
	assert_int_equal(wats__vu_join(j, sizeof(j), 0, "a", "_", "bc", NULL), 4);
	assert_string_equal(j, "a_bc");
	assert_int_equal(wats__vu_join(j, sizeof(j), 4, "-", "defgh", NULL), 7); /* cut to fit */
	assert_string_equal(j, "a_bc-de");
	assert_int_equal(wats__vu_join(j, sizeof(j), 7, "x", NULL), 7);
	assert_string_equal(j, "a_bc-de");
	/* a piece cut before a character that does not fit ends the text: what follows it must
	 * not fill the bytes left (a name is a prefix of the whole, never "abc_z") */
	assert_int_equal(wats__vu_join(j, 5, 0, "abc\xC3\x86", "_", "z", NULL), 3);
	assert_string_equal(j, "abc");
}

/* ---- local start times (the per-hour offset kept by vendor_util) --------------------------- */

/* What mktime makes of a local time, as the report writes it. */
static void mktime_iso(char *out, size_t size, int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { 0 };
	tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
	tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = s, tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	long off = tm.tm_gmtoff / 60;
	time_t l = t + off * 60;
	struct tm u;
	gmtime_r(&l, &u);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.000%c%02ld:%02ld", u.tm_year + 1900,
		 u.tm_mon + 1, u.tm_mday, u.tm_hour, u.tm_min, u.tm_sec, off < 0 ? '-' : '+',
		 labs(off) / 60, labs(off) % 60);
}

static void test_local_times(void **st)
{
	(void)st;
	/* Listen US rows, one DUT each, around Berlin's DST start (29 Mar 2020 02:00 -> 03:00) and
	 * end (25 Oct 2020 03:00 -> 02:00), several in one hour (where the offset is reused). */
	static const int when[][6] = {
		{ 2020, 3, 29, 1, 10, 0 }, { 2020, 3, 29, 1, 59, 59 }, { 2020, 3, 29, 2, 30, 0 },
		{ 2020, 3, 29, 3, 0, 0 },   { 2020, 3, 29, 3, 10, 0 },	{ 2020, 3, 29, 3, 50, 0 },
		{ 2020, 10, 25, 1, 30, 0 }, { 2020, 10, 25, 2, 30, 0 }, { 2020, 10, 25, 3, 30, 0 },
		{ 2020, 7, 1, 12, 0, 1 },   { 2020, 7, 1, 12, 59, 59 }, { 2020, 7, 1, 12, 30, 0 },
	};
	size_t nw = sizeof(when) / sizeof(when[0]);
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof(text), "Serial #:\tTime: \tLot #: \tName\tMargin\tUnit\t"
				    "Result\tTolerance\tLimits\n");
	for (size_t i = 0; i < nw; i++) {
		int h = when[i][3] % 12 ? when[i][3] % 12 : 12;
		n += (size_t)snprintf(text + n, sizeof(text) - n, "D%zu\t%d/%d/%d %d:%02d:%02d %s\tL\tV\t1.0\tdB\t"
				      "PASS\tMax/Min\t2/0\n", i, when[i][1], when[i][2], when[i][0], h,
				      when[i][4], when[i][5], when[i][3] < 12 ? "AM" : "PM");
	}
	const char *saved = getenv("TZ");
	char *keep_tz = saved ? strdup(saved) : NULL;
	const char *zones[] = { "Europe/Berlin", "America/New_York", "UTC", "Europe/Berlin" };
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		/* zone after zone within the same second: each conversion must see its own */
		setenv("TZ", zones[z], 1);
		tzset();
		got g = { 0 };
		wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
		o.converter = "listen";
		assert_int_equal(wats_convert_buffer(NULL, reg, "t.txt", text, n, &o, keep, &g), 0);
		assert_int_equal(g.n, nw);
		for (size_t i = 0; i < nw; i++) {
			char want[64];
			mktime_iso(want, sizeof(want), when[i][0], when[i][1], when[i][2], when[i][3],
				   when[i][4], when[i][5]);
			if (strcmp(wats_report_start(g.r[i]), want))
				fail_msg("%s, row %zu: %s, mktime %s", zones[z], i, wats_report_start(g.r[i]), want);
		}
		got_free(&g);
	}
	if (keep_tz)
		setenv("TZ", keep_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(keep_tz);
}

static void test_errors(void **st)
{
	(void)st;
	expect_error("spea3030", "FORMAT;mmdd\nSTART;P;S;1;S;op;10/12/2024;16:15:03\nSN;1\n",
		     "bad.txt:3: the board started at line 2 has no END");
	expect_error("spea3030", "FORMAT;mmdd\nANL;1;R1;1;1;x;;PASS;1;0;2;V;;1\n",
		     "bad.txt:2: ANL record before START");
	expect_error("spea3030", "FORMAT;mmdd\nSTART;P;S;1;S;op;10/12/2024;16:15:03\nANL;1;R1\n",
		     "bad.txt:3: ANL record with 3 fields");
	expect_error("gr228x", "X:\\A\\B_C.obc[31-JUL-12  14:17:35\n@31-JUL-12  14:18:51 SN 1\nR1=1(0,2)R\n",
		     "bad.txt:3: the board started at line 2 has no end");
	expect_error("gr228x", "X:\\A\\B_C.obc[31-JUL-12  14:17:35\n", "no board");
	expect_error("spectrum", "(PROGRAM_NAME: \"X\")\n(STEP:\n  (TYPE: RAW)\n",
		     "bad.txt:3: the '(STEP:' of line 2 is not closed");
	expect_error("spectrum", "(STEP:\n  (TYPE RAW))\n", "bad.txt:2:3: '(' not followed by 'KEY:'");
	expect_error("spectrum", "(STEP: (STAT: PASS))\n)\n", "bad.txt:2:1: ')' without '('");
	expect_error("spectrum", "(STEP: (PAGE: (PAGE_NAME: \"a\") (STAT: PASS)) (STAT: PASS))\n",
		     "bad.txt:1: the board started at line 1 has no (USER: STATUS");
	expect_error("spectrum", "(STEP: (SNAME: \"a)\n\n", "bad.txt:2: the quote opened on line 1");
	expect_error("xjtag", "<?xml version='1.0'?>\n<other/>\n",
		     "bad.txt:2: root element <other> is not an XJTAG <testrun>");
	expect_error("xjtag", "<?xml version='1.0'?>\n<testrun datetime='x'>\n</testrun>\n",
		     "bad.txt:2: <testrun> without <testruninfo>");
	expect_error("xjtag", "<?xml version='1.0'?>\n<testrun>\n<testgroup>\n", "bad.txt:4");
	/* A truncated archive, and one whose deflate data is damaged. */
	size_t zl;
	char *zip = tu_read(tu_fixture("vendor/xjtag/demonstration-hardware.xjlog"), &zl);
	assert_non_null(zip);
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = "xjtag";
	got g = { 0 };
	assert_int_equal(wats_convert_buffer(NULL, reg, "x.xjlog", zip, zl / 2, &o, keep, &g), WATS_EPARSE);
	assert_non_null(strstr(wats_error_last()->message, "x.xjlog: not a complete ZIP archive"));
	for (size_t i = 200; i < 1200; i++)
		zip[i] ^= 0x55;
	assert_int_equal(wats_convert_buffer(NULL, reg, "x.xjlog", zip, zl, &o, keep, &g), WATS_EPARSE);
	assert_non_null(strstr(wats_error_last()->message, "Run 1.xml"));
	got_free(&g);
	free(zip);
	expect_error("takaya", "@\nModel:X\nDATE 1/2/2023 10:00:00\n@\n* GROUP No.1 *\n* PASS *\n"
		     "Serial No.:1\n01\t000001\tR1\n", "bad.txt:8: test line with 3 tab-separated fields");
	expect_error("takaya", "@\nModel:X\n@\n01\t000001\tR1\n", "bad.txt:4:1: test line before");
	expect_error("takaya", "@\nModel:X\n@\n* GROUP No.1 *\nSerial No.:1\n",
		     "bad.txt:5: the board of line 4 has no closing '@'");
	expect_error("takaya", "@\nModel:X\n@\n* GROUP No.1 *\n@\n", "bad.txt:4: the board of line 4 "
		     "has no 'Serial No.:'");
	expect_error("takaya", "@\nModel:X\nDATE 01/01/24 08:00:00\n@\n* GROUP No.1 *\nSerial No.:1\n"
		     "000001 \"R1 \" \"x\n", "bad.txt:7:");
	expect_error("teststand", "<?xml version='1.0'?>\n<Other/>\n", "bad.txt:2");
	expect_error("saki", "<?xml version='1.0'?>\n<Other/>\n",
		     "bad.txt:2: root element <Other> is not a Saki <Panel>");
	expect_error("saki", "<Panel barcode='1'\n startDate='2024-01-10' startTime='08:00:00'>\n</Panel>\n",
		     "bad.txt:1: <Panel> startDate '2024-01-10' is not MM/dd/yyyy");
	expect_error("sigmaquest", "<?xml version='1.0'?>\n<Other/>\n",
		     "bad.txt:2: root element <Other> is not a SigmaSure <UnitReport>");
	expect_error("sigmaquest", "<?xml version='1.0'?>\n<UnitReport start-time='x'>\n</UnitReport>\n",
		     "bad.txt:2: <UnitReport> without <TestRun>");
	expect_error("sigmaquest", "<UnitReport>\n<TestRun name='a'>\n<Result>\n", "bad.txt:4");
	expect_error("stepwize", "<?xml version='1.0'?>\n<Other/>\n",
		     "bad.txt:2: root element <Other> is not a StepWize <ConfigAndResultsDataFile>");
	expect_error("stepwize", "<ConfigAndResultsDataFile>\n<ConfigandResultsData>\n"
		     "<Config_and_Result_Data>\n</Config_and_Result_Data>\n</ConfigandResultsData>\n"
		     "</ConfigAndResultsDataFile>\n", "bad.txt:3: no <Config_and_Data_Result> record");
	expect_error("stepwize", "<ConfigAndResultsDataFile><ConfigandResultsData><Config_and_Result_Data>\n"
		     "<Config_and_Data_Result><startDateTime>2025-03-16T13:36:53.277</startDateTime>\n"
		     "<dataType>2</dataType><stepOutcome>Pass</stepOutcome></Config_and_Data_Result>\n"
		     "<Config_and_Data_Result>\n<dataType>0</dataType><limitMode>Value ~ LL</limitMode>"
		     "<stepOutcome>Pass</stepOutcome>\n</Config_and_Data_Result>\n"
		     "</Config_and_Result_Data></ConfigandResultsData></ConfigAndResultsDataFile>\n",
		     "bad.txt:4: limitMode 'Value ~ LL' not known");
	expect_error("listen", "Serial #:\tTime: \tLot #: \tName\tMargin\tUnit\tResult\tTolerance\tLimits\n"
		     "S1\t7/22/2020 10:22:14 AM\tL\tA\t1.5\tdB\tPASS\tMax/Min\t2/1\n"
		     "S1\t7/22/2020 10:22:14 AM\tL\tB\tx1\tdB\tPASS\tMax/Min\t2/1\n",
		     "bad.txt:3: value 'x1' of 'B' is not a number");
	expect_error("listen", "S1\t7/22/2020\n", "bad.txt:1: data before a 'Serial #:' header line");
	expect_error("listen", "Serial #:\tTime: \tLot #: \tName\tMargin\n\nS1\t2020-07-22 10:00:00\tL\tA\t1\n",
		     "bad.txt:3: time '2020-07-22 10:00:00' is neither");
	expect_error("listen", "Serial #:\tTime: \tLot #: \tCurve\n\nS1\tx\tL\t1,0\t2,0\n", "bad.txt:3: time");
	expect_error("listen", "Serial #:\tTime: \tLot #: \tCurve\nS1\t12-01-2021 09:08:35\tL\t1,0\t2;0\n",
		     "bad.txt:2: curve value '2;0' (column 5) is not a number");
	expect_error("klippel", "//c\nCfg_SerialNumber=1\nCtrl_OverallVerdict=1\njunk\n",
		     "bad.txt:4: line is neither a //comment nor Key=Value");
	expect_error("klippel", "Cfg_SerialNumber=1\nCfg_DutStartTime=2020-5\nCtrl_OverallVerdict=1\n",
		     "bad.txt:2: Cfg_DutStartTime '2020-5' is not");
	expect_error("klippel", "Cfg_SerialNumber=1\nCtrl_OverallVerdict=7\n",
		     "bad.txt:2: Ctrl_OverallVerdict '7' is not one of");
	expect_error("klippel", "//c\nCfg_UserName=a\nCtrl_OverallVerdict=1\n", "bad.txt:3: no Cfg_SerialNumber");
	expect_error("saki", "<Panel barcode='1' startDate='01/10/2024'>\n<Image id='1'>\n", "bad.txt:3");
	expect_error("teststand", "<?xml version='1.0'?>\n<TSReport>\n<Prop Name='UUT'>", "bad.txt:3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_teststand_with_wats),
		cmocka_unit_test(test_teststand_without_wats),
		cmocka_unit_test(test_spea),
		cmocka_unit_test(test_gr228x),
		cmocka_unit_test(test_spectrum),
		cmocka_unit_test(test_xjtag),
		cmocka_unit_test(test_takaya),
		cmocka_unit_test(test_saki),
		cmocka_unit_test(test_sigmaquest),
		cmocka_unit_test(test_stepwize),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_klippel),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_number_text),
		cmocka_unit_test(test_local_times),
		cmocka_unit_test(test_klippel_mutations),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
