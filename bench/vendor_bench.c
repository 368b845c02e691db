/*
 * Vendor converter throughput: each fixture of ../shared/fixtures/vendor converted from memory
 * repeatedly (one core, reports written as WSJF and freed in the callback, as `wats convert`
 * does) until about `seconds` have passed; MB/s of input and reports/s.
 * Usage: vendor_bench FIXTURES_DIR [seconds per file, default 1] [converter: only its files]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "wats/wats.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int on_report(wats_report *r, void *p)
{
	size_t *bytes = p;
	char *out;
	size_t len;
	if (wats_report_write(&out, &len, r, 0) == 0) {
		*bytes += len;
		wats_free(out);
	}
	wats_report_free(r);
	return 0;
}

static const struct {
	const char *conv, *file;
	const char *params[4];
} files[] = {
	{ "teststand", "vendor/teststand-xml/ts-with-wats.xml", { NULL } },
	{ "teststand", "vendor/teststand-xml/ts-without-wats.xml", { "partNumber=P", NULL } },
	{ "spea3030", "vendor/spea-3030/testdata_SN9871234012.csv", { "partNumber=P", NULL } },
	{ "gr228x", "vendor/teradyne-gr228x/43420_BIO2.LOG", { NULL } },
	{ "spectrum", "vendor/teradyne-spectrum/sample_ict_data.txt", { NULL } },
	{ "xjtag", "vendor/xjtag/demonstration-hardware.xjlog", { "partNumber=P", NULL } },
	{ "xjtag", "vendor/xjtag/567567_Pass.xml", { "partNumber=P", NULL } },
	{ "takaya", "vendor/takaya/PB2939800_E_BOT.ATD", { NULL } },
	{ "takaya", "vendor/takaya/APT94xx_12345-SN0001.ATD", { NULL } },
	{ "saki", "vendor/saki-aoi/SAKI-testdata.xml", { NULL } },
	{ "sigmaquest", "vendor/sigmaquest/testdata_SN651658.xml", { NULL } },
	{ "stepwize", "vendor/stepwize/20250316_133653_CONFIG_AND_RESULTS.XSPC", { NULL } },
	{ "listen", "vendor/listen-soundcheck/us-complete-test.txt", { NULL } },
	{ "listen", "vendor/listen-soundcheck/eu-data-logging.txt", { NULL } },
	/* by path: the summary reads the folder of curve files beside it (its size counted) */
	{ "klippel", "vendor/klippel/DUT xyz115 2020-05-14 10-01-37-5 UTC+0200.txt", { "partNumber=P", NULL } },
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

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: vendor_bench FIXTURES_DIR [seconds]\n");
		return 2;
	}
	double secs = argc > 2 ? atof(argv[2]) : 1.0;
	wats_converters *reg;
	if (wats_converters_new(&reg) < 0)
		return 1;
	printf("%-10s %-44s %9s %9s %10s\n", "converter", "file", "KB", "MB/s", "reports/s");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (argc > 3 && strcmp(argv[3], files[i].conv))
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", argv[1], files[i].file);
		FILE *f = fopen(path, "rb");
		if (!f) {
			printf("%-10s %-44s missing\n", files[i].conv, files[i].file);
			continue;
		}
		fseek(f, 0, SEEK_END);
		long n = ftell(f);
		fseek(f, 0, SEEK_SET);
		char *buf = malloc((size_t)n + 1);
		if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
			fclose(f);
			free(buf);
			return 1;
		}
		fclose(f);
		wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
		o.converter = files[i].conv;
		o.params = files[i].params;
		size_t reports = 0, out = 0, runs = 0;
		int by_path = !strcmp(files[i].conv, "klippel");
		long total = n + (by_path ? folder_bytes(path) : 0);
		double t0 = now(), t;
		do {
			size_t cnt = 0;
			if (by_path ? wats_convert_file(&cnt, reg, path, &o, on_report, &out)
				    : wats_convert_buffer(&cnt, reg, files[i].file, buf, (size_t)n, &o, on_report, &out)) {
				fprintf(stderr, "%s: %s\n", files[i].file, wats_error_last()->message);
				return 1;
			}
			reports += cnt;
			runs++;
			t = now() - t0;
		} while (t < secs);
		printf("%-10s %-44s %9.1f %9.1f %10.0f\n", files[i].conv, files[i].file, total / 1024.0,
		       (double)total * (double)runs / t / 1e6, (double)reports / t);
		free(buf);
	}
	wats_converters_free(reg);
	return 0;
}
