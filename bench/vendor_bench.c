/*
 * Vendor converter throughput: each fixture of ../shared/fixtures/vendor converted from memory
 * repeatedly (one core, reports written as WSJF and freed in the callback, as `wats convert`
 * does) until about `seconds` of CPU time have passed; MB/s of input and reports/s.
 * The small fixtures measure per-file and per-report cost more than parsing, so for the formats
 * that log many boards or rows per file a larger input is also generated here from the
 * fixture's own structure (vendor_gen.c) and measured on the line after it ("gen").
 * Usage: vendor_bench FIXTURES_DIR [seconds per file, default 1] [converter, or a part of a
 * file name: only those files; "all"] [fixture|gen: only those lines]. With seconds 0 each
 * input is converted once, for instruction counts (valgrind --tool=callgrind).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vendor_gen.h"
#include "wats/wats.h"

/* CPU time of this thread, not wall time: the bench machine is shared, and on a loaded one
 * wall time counts the waits for the core (runs of the same binary varied tenfold). */
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The WSJF writing is the report model's cost, not the converter's: `conv MB/s` leaves it out. */
static int write_wsjf = 1;

static int on_report(wats_report *r, void *p)
{
	size_t *bytes = p;
	char *out;
	size_t len;
	if (write_wsjf && wats_report_write(&out, &len, r, 0) == 0) {
		*bytes += len;
		wats_free(out);
	}
	wats_report_free(r);
	return 0;
}

/* gen: how a larger input is made from the fixture (vendor_gen.h), about GEN_KB of it */
#define GEN_KB 2048
static const struct {
	const char *conv, *file;
	const char *params[4];
	vg_spec gen;
} files[] = {
	{ "teststand", "vendor/teststand-xml/ts-with-wats.xml", { NULL }, { 0 } },
	/* the top ResultList's 13 results again and again (the Values up to its closing Prop) */
	{ "teststand", "vendor/teststand-xml/ts-without-wats.xml", { "partNumber=P", NULL },
	  { "\n\t\t\t\t<Value ID='[0]'>", 0, "\n\t\t\t</Prop>", NULL, 1 } },
	{ "spea3030", "vendor/spea-3030/testdata_SN9871234012.csv", { "partNumber=P", NULL }, { 0 } },
	/* boards from the first '@' on, each copy with new serial numbers */
	{ "gr228x", "vendor/teradyne-gr228x/43420_BIO2.LOG", { NULL }, { "@", 0, NULL, "SN ", 0 } },
	{ "spectrum", "vendor/teradyne-spectrum/sample_ict_data.txt", { NULL }, { 0 } },
	{ "xjtag", "vendor/xjtag/demonstration-hardware.xjlog", { "partNumber=P", NULL }, { 0 } },
	/* a run with more test groups */
	{ "xjtag", "vendor/xjtag/567567_Pass.xml", { "partNumber=P", NULL }, { "<testgroup", 0, "</testrun>", NULL, 0 } },
	{ "takaya", "vendor/takaya/PB2939800_E_BOT.ATD", { NULL }, { 0 } },
	{ "takaya", "vendor/takaya/APT94xx_12345-SN0001.ATD", { NULL }, { 0 } },
	/* a panel of more images (boards) */
	{ "saki", "vendor/saki-aoi/SAKI-testdata.xml", { NULL }, { "<Image", 0, "</Panel>", NULL, 0 } },
	/* more test runs under the top one */
	{ "sigmaquest", "vendor/sigmaquest/testdata_SN651658.xml", { NULL }, { "<TestRun", 2, "</TestRun>", NULL, 0 } },
	{ "stepwize", "vendor/stepwize/20250316_133653_CONFIG_AND_RESULTS.XSPC", { NULL }, { 0 } },
	/* more DUTs: the rows again under new serial numbers ("S/N 2-13"; EU "2.2-58.21") */
	{ "listen", "vendor/listen-soundcheck/us-complete-test.txt", { NULL }, { "S/N ", 0, NULL, "S/N ", 0 } },
	{ "listen", "vendor/listen-soundcheck/eu-data-logging.txt", { NULL }, { "Serial #:", 0, NULL, "\n2.", 0 } },
	/* by path: the summary reads the folder of curve files beside it (its size counted); gen:
	 * curves with their rows repeated (vg_klippel) */
	{ "klippel", "vendor/klippel/DUT xyz115 2020-05-14 10-01-37-5 UTC+0200.txt", { "partNumber=P", NULL }, { 0 } },
};

/* Bytes of the files in the folder beside a Klippel summary (its name without ".txt"). */
static long folder_bytes(const char *summary)
{
	char dir[4096], p[8192];
	snprintf(dir, sizeof(dir), "%s", summary);
	size_t l = strlen(dir);
	if (l > 4)
		dir[l - 4] = '\0';
	DIR *d = opendir(dir);
	long n = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (e->d_name[0] != '.' && stat(p, &st) == 0)
			n += (long)st.st_size;
	}
	if (d)
		closedir(d);
	return n;
}

/* MB/s of converting buf (or the file at path) for about secs. */
static double timed(wats_converters *reg, const char *conv, const char *label, const char *path,
		    const char *buf, size_t n, long total, const char *const *params, double secs,
		    double *reports_s)
{
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = conv;
	o.params = params;
	size_t reports = 0, out = 0, runs = 0;
	double t0 = now(), t;
	do {
		size_t cnt = 0;
		if (path ? wats_convert_file(&cnt, reg, path, &o, on_report, &out)
			 : wats_convert_buffer(&cnt, reg, label, buf, n, &o, on_report, &out)) {
			fprintf(stderr, "%s: %s\n", label, wats_error_last()->message);
			return -1;
		}
		reports += cnt;
		runs++;
		t = now() - t0;
	} while (t < secs);
	if (reports_s)
		*reports_s = (double)reports / t;
	return (double)total * (double)runs / t / 1e6;
}

/* One table line: with the WSJF written (as `wats convert`), then without (secs 0: once,
 * written, for callgrind). */
static int bench_run(wats_converters *reg, const char *conv, const char *label, const char *path,
		     const char *buf, size_t n, long total, const char *const *params, double secs)
{
	double rs, mbs = timed(reg, conv, label, path, buf, n, total, params, secs, &rs), conv_mbs = 0;
	if (mbs >= 0 && secs > 0) {
		write_wsjf = 0;
		conv_mbs = timed(reg, conv, label, path, buf, n, total, params, secs, NULL);
		write_wsjf = 1;
	}
	if (mbs < 0 || conv_mbs < 0)
		return -1;
	printf("%-10s %-44s %9.1f %9.1f %10.1f %10.0f\n", conv, label, total / 1024.0, mbs, conv_mbs, rs);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: vendor_bench FIXTURES_DIR [seconds] [converter]\n");
		return 2;
	}
	double secs = argc > 2 ? atof(argv[2]) : 1.0;
	wats_converters *reg;
	if (wats_converters_new(&reg) < 0)
		return 1;
	printf("%-10s %-44s %9s %9s %10s %10s\n", "converter", "file", "KB", "MB/s", "conv MB/s", "reports/s");
	int rc = 0;
	for (size_t i = 0; !rc && i < sizeof(files) / sizeof(files[0]); i++) {
		if (argc > 3 && strcmp(argv[3], "all") && strcmp(argv[3], files[i].conv) &&
		    !strstr(files[i].file, argv[3]))
			continue;
		const char *only = argc > 4 ? argv[4] : "";
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", argv[1], files[i].file);
		size_t n;
		char *buf = vg_read_file(path, &n);
		if (!buf) {
			printf("%-10s %-44s missing\n", files[i].conv, files[i].file);
			continue;
		}
		int by_path = !strcmp(files[i].conv, "klippel");
		const char *base = strrchr(files[i].file, '/') + 1;
		if (strcmp(only, "gen"))
			rc = bench_run(reg, files[i].conv, base, by_path ? path : NULL, buf, n,
				 (long)n + (by_path ? folder_bytes(path) : 0), files[i].params, secs);
		if (!strcmp(only, "fixture")) {
			free(buf);
			continue;
		}
		char label[128];
		snprintf(label, sizeof(label), "gen: %.38s", base);
		if (!rc && files[i].gen.start) {
			size_t gl;
			char *g = vg_repeat(buf, n, &files[i].gen, GEN_KB * 1024, &gl);
			if (!g) {
				fprintf(stderr, "%s: no body to repeat\n", files[i].file);
				rc = -1;
			} else {
				rc = bench_run(reg, files[i].conv, label, NULL, g, gl, (long)gl, files[i].params, secs);
			}
			free(g);
		} else if (!rc && by_path) {
			/* 16 times the rows of every curve: about 3 000 to 10 000 points a curve */
			char dir[] = "/tmp/vendor_bench.XXXXXX", sum[8192];
			long total = mkdtemp(dir) ? vg_klippel(path, dir, 16, sum, sizeof(sum)) : -1;
			rc = total < 0 ? -1 : bench_run(reg, files[i].conv, label, sum, NULL, 0, total, files[i].params, secs);
			vg_klippel_remove(dir);
		}
		free(buf);
	}
	wats_converters_free(reg);
	return rc ? 1 : 0;
}
