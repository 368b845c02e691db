/* wats summary: one short paragraph per report, for a person reading a terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_io.h"
#include "wats/wats.h"

#define MAX_LISTED_FAILURES 5
#define NAME_PATH_MAX 512
#define JSON_PATH_MAX 256

static const char *const kind_names[WATS_STEP_UNKNOWN + 1] = {
	"sequence", "numeric", "multi-numeric", "pass/fail", "multi-pass/fail", "string",
	"multi-string", "action", "generic", "chart", "call-exe", "message-popup", "unknown"
};

typedef struct failure {
	char names[NAME_PATH_MAX]; /* "MainSequence Callback/Sub/Step" as TestStand shows it */
	char json[JSON_PATH_MAX];  /* "root.steps[2].steps[0]" to find it in the file */
} failure;

typedef struct tally {
	size_t kinds[WATS_STEP_UNKNOWN + 1];
	size_t steps, meas, failed;
	size_t listed;
	failure first[MAX_LISTED_FAILURES];
} tally;

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/*
 * Depth-first walk. A failure propagates to every enclosing sequence, so the steps worth
 * naming are the failed ones with no failed child: where the failure starts.
 */
static int walk(tally *t, const wats_step *s, const char *names, const char *json)
{
	t->steps++;
	wats_step_kind k = wats_step_kind_of(s);
	t->kinds[k <= WATS_STEP_UNKNOWN ? k : WATS_STEP_UNKNOWN]++;
	t->meas += wats_step_meas_count(s);
	int failed_below = 0;
	size_t idx = 0;
	for (const wats_step *c = wats_step_first_child(s); c; c = wats_step_next(c), idx++) {
		char cn[NAME_PATH_MAX], cj[JSON_PATH_MAX];
		snprintf(cn, sizeof(cn), "%s/%s", names, or_dash(wats_step_name(c)));
		snprintf(cj, sizeof(cj), "%s.steps[%zu]", json, idx);
		failed_below |= walk(t, c, cn, cj);
	}
	int failed = wats_step_status(s) == WATS_STATUS_FAILED;
	if (failed) {
		t->failed++;
		if (!failed_below && t->listed < MAX_LISTED_FAILURES) {
			failure *f = &t->first[t->listed++];
			snprintf(f->names, sizeof(f->names), "%s", names);
			snprintf(f->json, sizeof(f->json), "%s", json);
		}
	}
	return failed || failed_below;
}

static void print_steps(const tally *t)
{
	printf("  %zu step%s", t->steps, t->steps == 1 ? "" : "s");
	const char *sep = " (";
	for (int k = 0; k <= WATS_STEP_UNKNOWN; k++) {
		if (!t->kinds[k])
			continue;
		printf("%s%zu %s", sep, t->kinds[k], kind_names[k]);
		sep = ", ";
	}
	printf("%s, %zu measurement%s\n", t->steps ? ")" : "", t->meas, t->meas == 1 ? "" : "s");
	if (!t->failed) {
		printf("  failed steps: none\n");
		return;
	}
	printf("  failed steps: %zu; where failures start%s:\n", t->failed,
	       t->listed == MAX_LISTED_FAILURES ? " (first 5)" : "");
	for (size_t i = 0; i < t->listed; i++)
		printf("    %s  [%s]\n", t->first[i].names, t->first[i].json);
}

/* UUR: failures sit on the sub units; count them instead of steps. */
static void print_repair(wats_report *r)
{
	size_t units = 0, failures = 0;
	const wats_node *subs = wats_node_get(wats_report_node(r), "subUnits");
	for (const wats_node *u = subs ? wats_node_first(subs) : NULL; u; u = wats_node_next(u)) {
		units++;
		const wats_node *f = wats_node_get(u, "failures");
		failures += f ? wats_node_count(f) : 0;
	}
	printf("  %zu sub unit%s, %zu failure%s recorded\n", units, units == 1 ? "" : "s", failures,
	       failures == 1 ? "" : "s");
}

static int summary_one(const char *path)
{
	const char *name = cli_display_name(path);
	wats_report *r;
	int rc = cli_load_report(&r, path);
	if (rc < 0) {
		wats_cli_print_error(NULL);
		return rc == WATS_ENOMEM ? WATS_EXIT_INTERNAL : WATS_EXIT_INPUT;
	}
	wats_report_type type = wats_report_get_type(r);
	const wats_node *doc = wats_report_node(r);
	int code;
	char process[160] = "-";
	if (wats_report_process_code(&code, r) == 0) {
		const char *pname = wats_node_get_string(doc, "processName");
		snprintf(process, sizeof(process), pname ? "%d (%s)" : "%d", code, pname);
	}
	wats_status res = wats_report_result(r);
	printf("%s: %s %s\n", name,
	       type == WATS_REPORT_UUR ? "repair report (UUR)" :
	       type == WATS_REPORT_UUT ? "test report (UUT)" : "report of unknown type",
	       or_dash(wats_report_id(r)));
	printf("  pn %s  sn %s  rev %s  process %s\n", or_dash(wats_report_pn(r)),
	       or_dash(wats_report_sn(r)), or_dash(wats_report_rev(r)), process);
	printf("  result %s  station %s  start %s\n",
	       res == WATS_STATUS_NONE ? "-" : wats_status_word(res), or_dash(wats_report_machine_name(r)),
	       or_dash(wats_report_start(r)));
	const wats_step *root = wats_report_root(r);
	if (root) {
		tally *t = calloc(1, sizeof(*t));
		if (!t) {
			wats_report_free(r);
			fprintf(stderr, "wats: out of memory\n");
			return WATS_EXIT_INTERNAL;
		}
		walk(t, root, or_dash(wats_step_name(root)), "root");
		print_steps(t);
		free(t);
	} else if (type == WATS_REPORT_UUR) {
		print_repair(r);
	} else {
		printf("  no steps\n");
	}
	wats_report_free(r);
	return WATS_EXIT_OK;
}

int wats_cmd_summary(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: wats summary FILE...\n");
		return WATS_EXIT_USAGE;
	}
	int worst = WATS_EXIT_OK;
	for (int i = 1; i < argc; i++) {
		if (i > 1)
			putchar('\n');
		int rc = summary_one(argv[i]);
		if (rc > worst)
			worst = rc;
	}
	fflush(stdout);
	return worst;
}
