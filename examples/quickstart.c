/*
 * quickstart: build a test report and submit it to WATS.
 * The server and token come from WATS_BASE_URL and WATS_AUTH_TOKEN (try wats-devserver).
 */
#include <stdio.h>
#include <wats/wats.h>

int main(void)
{
	wats_report *report;
	wats_report_new(&report, WATS_REPORT_UUT);
	wats_report_set_mode(report, WATS_MODE_ACTIVE); /* limits decide pass/fail */
	wats_report_set_pn(report, "PSU-1000");
	wats_report_set_sn(report, "SN-0042");
	wats_report_set_rev(report, "B");
	wats_report_set_process_code(report, 10);
	wats_report_set_operator(report, "operator1");

	wats_step *root = wats_report_root(report), *step;
	wats_step_add(&step, root, WATS_STEP_NUMERIC, "Output voltage");
	wats_step_add_numeric(NULL, step, NULL, 5.02, WATS_COMP_GELE, 4.9, 5.1, "V");
	wats_step_add(&step, root, WATS_STEP_PASSFAIL, "Fan spins");
	wats_step_add_passfail(NULL, step, NULL, 1);

	wats_client *client;
	if (wats_client_new_from_env(&client, NULL) < 0) {
		fprintf(stderr, "client: %s\n", wats_error_last()->message);
		return 1;
	}
	/* The client's station identity fills machineName, location and purpose. */
	char *json, *id = NULL;
	size_t len;
	int rc = wats_report_write(&json, &len, report, 0);
	if (rc == 0)
		rc = wats_api_submit_report(&id, client, json, len, WATS_WIRE_WSJF,
					    WATS_SUBMIT_APPLY_STATION);
	if (rc < 0)
		fprintf(stderr, "submit: %s\n", wats_error_last()->message);
	else
		printf("submitted report %s, result %c\n", id, (char)wats_report_result(report));
	wats_free(id);
	wats_free(json);
	wats_client_free(client);
	wats_report_free(report);
	return rc < 0;
}
