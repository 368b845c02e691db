/*
 * Report model benchmark: parse and write throughput on a real export, memory while parsed,
 * building a large step tree; and the same file through json-c (parse, write) and yajl
 * (tokenize only) as the yardstick for the library choice.
 *
 * usage: report_bench [FIXTURE] [ROUNDS]   (prints a table; best of ROUNDS for each figure)
 *        report_bench --profile-build N     (only the 10,000-step build, N times: for perf)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <malloc.h>

#include <json-c/json.h>
#include <yajl/yajl_parse.h>

#include "wats/report.h"

#ifndef WATS_BENCH_FIXTURE
#define WATS_BENCH_FIXTURE "../shared/fixtures/new_report_example.json"
#endif

#define BUILD_STEPS 10000
#define TARGET_BATCH_SECONDS 0.05 /* each timed batch runs about this long */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

static void die(const char *what)
{
	fprintf(stderr, "report_bench: %s: %s\n", what, wats_error_last()->message);
	exit(1);
}

static const char *text;
static size_t text_len;
static wats_report *parsed;
static json_object *parsed_jc;

/* One operation of each kind; `sink` keeps the compiler from dropping the work. */
static volatile size_t sink;

static void op_parse(void)
{
	wats_report *r;
	if (wats_report_parse(&r, text, text_len, NULL) != 0)
		die("parse");
	sink += wats_report_memory(r);
	wats_report_free(r);
}

static void op_write(void)
{
	char *out;
	size_t len;
	if (wats_report_write(&out, &len, parsed, 0) != 0)
		die("write");
	sink += len;
	wats_free(out);
}

static void op_jsonc_parse(void)
{
	json_tokener *tok = json_tokener_new_ex(256);
	json_object *o = json_tokener_parse_ex(tok, text, (int)text_len);
	if (!o)
		die("json-c parse");
	sink += (size_t)json_object_object_length(o);
	json_object_put(o);
	json_tokener_free(tok);
}

static void op_jsonc_write(void)
{
	size_t len;
	/* json-c re-serializes the whole tree on every call (no cache at the top level) */
	const char *s = json_object_to_json_string_length(parsed_jc, JSON_C_TO_STRING_PLAIN, &len);
	sink += len + (size_t)(s != NULL);
}

static void op_yajl_tokenize(void)
{
	yajl_handle h = yajl_alloc(NULL, NULL, NULL);
	yajl_config(h, yajl_allow_comments, 0);
	if (yajl_parse(h, (const unsigned char *)text, text_len) != yajl_status_ok ||
	    yajl_complete_parse(h) != yajl_status_ok)
		die("yajl tokenize");
	sink += yajl_get_bytes_consumed(h);
	yajl_free(h);
}

/* Best time per operation (seconds) over `rounds` batches of about TARGET_BATCH_SECONDS. */
static double best_per_op(void (*op)(void), int rounds)
{
	op(); /* warm caches and the allocator */
	int batch = 1;
	double t0 = now();
	op();
	double one = now() - t0;
	if (one > 0)
		batch = (int)(TARGET_BATCH_SECONDS / one) + 1;
	double best = 1e30;
	for (int r = 0; r < rounds; r++) {
		t0 = now();
		for (int i = 0; i < batch; i++)
			op();
		double per = (now() - t0) / batch;
		if (per < best)
			best = per;
	}
	return best;
}

static size_t build_memory;

/* Build BUILD_STEPS numeric steps under one root: milliseconds for the step calls alone. */
static double build_once(char names[][16])
{
	wats_report *r;
	if (wats_report_new(&r, WATS_REPORT_UUT) != 0)
		die("report_new");
	wats_step *root = wats_report_root(r);
	double t0 = now();
	for (int i = 0; i < BUILD_STEPS; i++) {
		wats_step *s;
		if (wats_step_add(&s, root, WATS_STEP_NUMERIC, names[i]) != 0 ||
		    wats_step_add_numeric(NULL, s, NULL, 1.0 + i * 1e-3, WATS_COMP_GELE, 0.5, 20.0, "V") != 0)
			die("build");
	}
	double ms = (now() - t0) * 1e3;
	sink += wats_step_count(root);
	build_memory = wats_report_memory(r);
	wats_report_free(r);
	return ms;
}

static void row(const char *what, double value, const char *unit, const char *target, int ok)
{
	printf("| %-34s | %10.1f %-5s | %-10s | %-4s |\n", what, value, unit, target,
	       ok < 0 ? "" : ok ? "ok" : "MISS");
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--profile-build")) {
		static char pnames[BUILD_STEPS][16];
		for (int i = 0; i < BUILD_STEPS; i++)
			snprintf(pnames[i], sizeof(pnames[i]), "Step %d", i);
		double best = 1e30;
		for (int n = atoi(argv[2]); n > 0; n--) {
			double ms = build_once(pnames);
			best = ms < best ? ms : best;
		}
		printf("build 10,000 numeric steps: best %.2f ms\n", best);
		return 0;
	}
	const char *path = argc > 1 ? argv[1] : WATS_BENCH_FIXTURE;
	int rounds = argc > 2 ? atoi(argv[2]) : 15;
	if (rounds < 1)
		rounds = 1;
	char *buf = read_file(path, &text_len);
	if (!buf) {
		fprintf(stderr, "report_bench: cannot read %s\n", path);
		return 1;
	}
	text = buf;
	if (wats_report_parse(&parsed, text, text_len, NULL) != 0)
		die("parse");
	json_tokener *tok = json_tokener_new_ex(256);
	parsed_jc = json_tokener_parse_ex(tok, text, (int)text_len);
	json_tokener_free(tok);
	if (!parsed_jc)
		die("json-c parse");

	double mb = (double)text_len / 1e6;
	double t_parse = best_per_op(op_parse, rounds);
	double t_write = best_per_op(op_write, rounds);
	double t_jparse = best_per_op(op_jsonc_parse, rounds);
	double t_jwrite = best_per_op(op_jsonc_write, rounds);
	double t_yajl = best_per_op(op_yajl_tokenize, rounds);
	double mem_ratio = (double)wats_report_memory(parsed) / (double)text_len;

	static char names[BUILD_STEPS][16];
	for (int i = 0; i < BUILD_STEPS; i++)
		snprintf(names[i], sizeof(names[i]), "Step %d", i);
	double t_build = 1e30, t_build_warm = 1e30;
	build_once(names); /* warm-up */
	for (int r = 0; r < rounds; r++) {
		double ms = build_once(names);
		if (ms < t_build)
			t_build = ms;
	}
	/*
	 * The same with freed memory kept in the process: glibc otherwise returns the arena's
	 * big blocks to the kernel at wats_report_free, and the next build pays a page fault
	 * per 4 KiB again. The difference between the two rows is that first-touch cost.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	build_once(names);
	for (int r = 0; r < rounds; r++) {
		double ms = build_once(names);
		if (ms < t_build_warm)
			t_build_warm = ms;
	}

	printf("report model benchmark: %s (%zu bytes), best of %d\n\n", path, text_len, rounds);
	printf("| %-34s | %16s | %-10s | %-4s |\n", "measure", "value", "target", "");
	printf("|%s|%s|%s|%s|\n", "------------------------------------", "------------------",
	       "------------", "------");
	row("wats parse (parse + free)", mb / t_parse, "MB/s", ">= 200", mb / t_parse >= 200);
	row("wats write (compact)", mb / t_write, "MB/s", ">= 300", mb / t_write >= 300);
	row("wats memory while parsed / JSON", mem_ratio, "x", "< 3", mem_ratio < 3);
	row("wats build 10,000 numeric steps", t_build, "ms", "< 2", t_build < 2);
	row("  same, freed memory kept", t_build_warm, "ms", "< 2", t_build_warm < 2);
	row("json-c parse (tokener + free)", mb / t_jparse, "MB/s", "", -1);
	row("json-c write (plain)", mb / t_jwrite, "MB/s", "", -1);
	row("yajl tokenize only (no callbacks)", mb / t_yajl, "MB/s", "", -1);
	printf("\nmemory: %zu bytes held for %zu bytes of JSON; %zu bytes for 10,000 built steps\n",
	       wats_report_memory(parsed), text_len, build_memory);

	json_object_put(parsed_jc);
	wats_report_free(parsed);
	free(buf);
	return 0;
}
