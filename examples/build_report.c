/*
 * build_report: a test program's view of libwats. It builds a UUT report with every step type
 * in active mode (so limits decide pass/fail and failures ripple up), validates it and writes
 * WSJF to the file named on the command line (or stdout).
 *
 *   cc build_report.c $(pkg-config --cflags --libs libwats) -o build_report
 *   ./build_report report.json
 */
#include <stdio.h>
#include <stdlib.h>

#include <wats/wats.h>

/* Stop on the first error with the library's explanation: fine for an example. */
#define CHECK(call)                                                                       \
	do {                                                                              \
		if ((call) < 0) {                                                         \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,                \
				wats_error_last()->message);                              \
			exit(1);                                                          \
		}                                                                         \
	} while (0)

int main(int argc, char **argv)
{
	wats_report *r;
	CHECK(wats_report_new(&r, WATS_REPORT_UUT));
	wats_report_set_mode(r, WATS_MODE_ACTIVE);
	CHECK(wats_report_set_pn(r, "PSU-1000"));
	CHECK(wats_report_set_sn(r, "SN-0042"));
	CHECK(wats_report_set_rev(r, "B"));
	CHECK(wats_report_set_process_code(r, 10));
	CHECK(wats_report_set_machine_name(r, "line1-station3"));
	CHECK(wats_report_set_location(r, "Oslo"));
	CHECK(wats_report_set_purpose(r, "Production"));
	CHECK(wats_report_set_operator(r, "operator1"));
	CHECK(wats_report_add_misc_info(NULL, r, "Firmware", "2.4.1"));
	CHECK(wats_report_add_sub_unit(NULL, r, "PCB-77", "PCB-0042", "C", "Main board"));
	CHECK(wats_report_add_asset(NULL, r, "DMM-7", "Multimeter", 1532));

	wats_step *root = wats_report_root(r), *seq, *s;
	CHECK(wats_step_add(&seq, root, WATS_STEP_SEQUENCE, "Power rails"));
	CHECK(wats_step_set_seq_call(seq, "C:/Tests/power.seq", "Power rails", "1.0.0"));

	CHECK(wats_step_add(&s, seq, WATS_STEP_ACTION, "Switch mains on"));
	CHECK(wats_step_add_typed(&s, seq, "NI_Wait", "Settle 500 ms"));

	CHECK(wats_step_add(&s, seq, WATS_STEP_NUMERIC, "Input current"));
	CHECK(wats_step_add_numeric(NULL, s, NULL, 0.412, WATS_COMP_LE, 0.5, 0, "A"));

	CHECK(wats_step_add(&s, seq, WATS_STEP_MULTI_NUMERIC, "Output rails"));
	CHECK(wats_step_add_numeric(NULL, s, "5V", 5.02, WATS_COMP_GELE, 4.9, 5.1, "V"));
	CHECK(wats_step_add_numeric(NULL, s, "12V", 12.31, WATS_COMP_GELE, 11.8, 12.2, "V")); /* fails */
	CHECK(wats_step_add_numeric(NULL, s, "ripple", 31.5, WATS_COMP_LOG, 0, 0, "mV"));

	CHECK(wats_step_add(&s, seq, WATS_STEP_PASSFAIL, "Fan spins"));
	CHECK(wats_step_add_passfail(NULL, s, NULL, 1));
	CHECK(wats_step_add(&s, seq, WATS_STEP_MULTI_PASSFAIL, "LEDs"));
	CHECK(wats_step_add_passfail(NULL, s, "power", 1));
	CHECK(wats_step_add_passfail(NULL, s, "fault", 1));

	CHECK(wats_step_add(&s, root, WATS_STEP_STRING, "Firmware version"));
	CHECK(wats_step_add_string(NULL, s, NULL, "2.4.1", WATS_COMP_CASESENSIT, "2.4.1"));
	CHECK(wats_step_add(&s, root, WATS_STEP_MULTI_STRING, "Identity"));
	CHECK(wats_step_add_string(NULL, s, "MAC", "00:1b:44:11:3a:b7", WATS_COMP_LOG, NULL));
	CHECK(wats_step_add_string(NULL, s, "Model", "psu-1000", WATS_COMP_IGNORECASE, "PSU-1000"));

	CHECK(wats_step_add(&s, root, WATS_STEP_CHART, "Efficiency curve"));
	CHECK(wats_step_set_chart(s, WATS_CHART_LINE, "Efficiency", "Load", "%", "Efficiency", "%"));
	double load[] = { 10, 25, 50, 75, 100 }, eff[] = { 78.5, 86.1, 90.4, 91.2, 90.7 };
	CHECK(wats_step_add_chart_series(s, "230 VAC", load, eff, 5));

	CHECK(wats_step_add(&s, root, WATS_STEP_CALL_EXE, "Program EEPROM"));
	CHECK(wats_step_set_call_exe(s, 0));
	CHECK(wats_step_add(&s, root, WATS_STEP_MESSAGE_POPUP, "Check label"));
	CHECK(wats_step_set_message_popup(s, "Label OK", 1));
	CHECK(wats_step_set_attachment(s, "label.txt", "text/plain", "PSU-1000 SN-0042", 16));

	/* A loop: a summary record, then one step per iteration. */
	CHECK(wats_step_add(&s, root, WATS_STEP_NUMERIC, "Burn-in temperature"));
	CHECK(wats_step_set_loop(s, -1, 3, 3, 0));
	CHECK(wats_step_add_numeric(NULL, s, NULL, 41.2, WATS_COMP_LT, 60, 0, "degC"));
	for (long i = 0; i < 3; i++) {
		CHECK(wats_step_add(&s, root, WATS_STEP_NUMERIC, "Burn-in temperature"));
		CHECK(wats_step_set_loop(s, i, -1, -1, -1));
		CHECK(wats_step_add_numeric(NULL, s, NULL, 40.5 + i * 0.3, WATS_COMP_LT, 60, 0, "degC"));
	}

	CHECK(wats_step_add_typed(&s, root, "ET_VENDOR_CALIBRATE", "Vendor calibration"));

	wats_validation *v;
	int rc = wats_report_validate(r, &v);
	for (size_t i = 0; i < wats_validation_count(v); i++) {
		const wats_issue *is = wats_validation_get(v, i);
		fprintf(stderr, "%s: %s: %s\n", is->severity == WATS_SEVERITY_ERROR ? "error" : "warning",
			is->path, is->message);
	}
	wats_validation_free(v);
	if (rc < 0)
		return 1;
	fprintf(stderr, "result %c (the 12V rail is out of limits), %zu steps\n",
		(char)wats_report_result(r), wats_step_count(root));

	if (argc > 1)
		CHECK(wats_report_write_file(r, argv[1], WATS_WRITE_PRETTY));
	else {
		char *json;
		CHECK(wats_report_write(&json, NULL, r, WATS_WRITE_PRETTY));
		puts(json);
		wats_free(json);
	}
	wats_report_free(r);
	return 0;
}
