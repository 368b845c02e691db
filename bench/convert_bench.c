/*
 * Converter throughput: WSXF -> WSJF, WSTF -> WSJF and CSV -> WSJF on large generated inputs
 * (one core), plus the largest single report held in memory while a multi-report file streams
 * through (bounded by one report, not the file). Each input is converted from memory and every
 * report is written as WSJF and freed in the callback, as `wats convert` does.
 * Usage: convert_bench [MB [FILTER [ROUNDS]]]   (MB: size of each generated input, default 64;
 * FILTER: run only inputs whose name contains it, e.g. "CSV"; ROUNDS: runs per figure, best kept,
 * default 3 — 1 under callgrind; OUTPUT: "reports" or "wsjf" to run only that column, e.g. to
 * profile one of them)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <expat.h>

#include "wats/wats.h"

/* CPU time of this thread, not wall time: the machine is shared, and a wall clock counts the
 * time the scheduler gave to others (the figure is bytes per second of one core's work). */
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct stats {
	size_t reports, max_mem, out_bytes;
	int write;
} stats;

static int on_report(wats_report *r, void *p)
{
	stats *s = p;
	size_t m = wats_report_memory(r);
	if (m > s->max_mem)
		s->max_mem = m;
	char *out;
	size_t len;
	if (s->write && wats_report_write(&out, &len, r, 0) == 0) {
		s->out_bytes += len;
		wats_free(out);
	}
	wats_report_free(r);
	s->reports++;
	return 0;
}

static const char *filter;
static int rounds = 3;
static int write_from = 0, write_to = 1; /* the output columns to run: 0 reports, 1 + WSJF text */

static int wanted(const char *name)
{
	return !filter || strstr(name, filter);
}

static void run(wats_converters *reg, const char *name, const char *conv, const char *data,
		size_t len, const char *const *params)
{
	if (!wanted(name))
		return;
	for (int write = write_from; write <= write_to; write++) {
	double best = 1e9;
	stats s = { 0, 0, 0, 0 };
	for (int round = 0; round < rounds; round++) {
		memset(&s, 0, sizeof(s));
		s.write = write;
		wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
		o.converter = conv;
		o.params = params;
		double t0 = now();
		int rc = wats_convert_buffer(NULL, reg, name, data, len, &o, on_report, &s);
		double t = now() - t0;
		if (rc) {
			fprintf(stderr, "%s: %s\n", name, wats_error_last()->message);
			exit(1);
		}
		if (t < best)
			best = t;
	}
	printf("| %s | %s | %.1f MB | %zu | %.0f MB/s | %.2f MB |\n", name,
	       write ? "reports + WSJF text" : "reports", (double)len / 1e6, s.reports,
	       (double)len / 1e6 / best, (double)s.max_mem / 1e6);
	}
}

/* The bound of any expat-based reader: expat alone on the same document, empty handlers, with
 * and without namespace processing (the WSXF reader uses it), 64 KiB per XML_Parse call. */
static void xs(void *u, const char *n, const char **a) { (void)u, (void)n, (void)a; }
static void xe(void *u, const char *n) { (void)u, (void)n; }
static void xt(void *u, const char *t, int l) { (void)u, (void)t, (void)l; }

static void expat_alone(const char *name, const char *data, size_t len)
{
	if (!wanted(name))
		return;
	for (int ns = 1; ns >= 0; ns--) {
		double best = 1e9;
		for (int round = 0; round < rounds; round++) {
			double t0 = now();
			XML_Parser p = ns ? XML_ParserCreateNS(NULL, '|') : XML_ParserCreate(NULL);
			XML_SetElementHandler(p, xs, xe);
			XML_SetCharacterDataHandler(p, xt);
			for (size_t o = 0; o < len; o += 65536) {
				size_t n = len - o < 65536 ? len - o : 65536;
				if (XML_Parse(p, data + o, (int)n, o + n >= len) != XML_STATUS_OK) {
					fprintf(stderr, "expat: %s\n", XML_ErrorString(XML_GetErrorCode(p)));
					exit(1);
				}
			}
			XML_ParserFree(p);
			double t = now() - t0;
			if (t < best)
				best = t;
		}
		printf("| %s | expat alone, namespaces %s | %.1f MB | | %.0f MB/s | |\n", name,
		       ns ? "on" : "off", (double)len / 1e6, (double)len / 1e6 / best);
	}
}

static char *repeat(size_t *len, const char *head, const char *unit, size_t unit_len,
		    const char *tail, size_t target)
{
	size_t n = target / unit_len + 1, hl = strlen(head), tl = strlen(tail);
	char *b = malloc(hl + n * unit_len + tl + 1);
	memcpy(b, head, hl);
	for (size_t i = 0; i < n; i++)
		memcpy(b + hl + i * unit_len, unit, unit_len);
	memcpy(b + hl + n * unit_len, tail, tl + 1);
	*len = hl + n * unit_len + tl;
	return b;
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? (size_t)atoi(argv[1]) : 64;
	size_t target = mb << 20;
	filter = argc > 2 && *argv[2] ? argv[2] : NULL;
	rounds = argc > 3 && atoi(argv[3]) > 0 ? atoi(argv[3]) : 3;
	if (argc > 4 && !strcmp(argv[4], "reports"))
		write_to = 0;
	else if (argc > 4 && !strcmp(argv[4], "wsjf"))
		write_from = 1;
	wats_converters *reg;
	if (wats_converters_new(&reg))
		return 1;
	printf("| input | output | size | reports | throughput | largest report in memory |\n"
	       "|---|---|---|---|---|---|\n");

	/* WSXF: the real UUT export (281 steps) as WSXF, repeated as many <Report>s. */
	wats_report *r;
	if (wats_report_read_file(&r, WATS_BENCH_FIXTURE, NULL)) {
		fprintf(stderr, "%s\n", wats_error_last()->message);
		return 1;
	}
	char *x;
	size_t xl;
	const wats_report *one = r;
	wats_reports_to_wsxf(&x, &xl, &one, 1, WATS_WSXF_NO_PROLOG | WATS_WSXF_NO_EPILOG, NULL);
	char *wsxf_head = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Reports xmlns=\"http://wats.virinco.com/"
			  "schemas/WATS/Report/wsxf\" xmlns:cw=\"urn:cwats:wsxf-ext:1\">";
	size_t len;
	char *doc = repeat(&len, wsxf_head, x, xl, "</Reports>", target);
	run(reg, "WSXF -> WSJF (real export, 281 steps per report)", "wsxf", doc, len, NULL);
	expat_alone("WSXF -> WSJF (real export, 281 steps per report)", doc, len);
	free(doc);
	/* and a plain-catalogue WSXF (no extension attributes), as a server export looks */
	wats_free(x);
	wats_reports_to_wsxf(&x, &xl, &one, 1, WATS_WSXF_NO_PROLOG | WATS_WSXF_NO_EPILOG |
				   WATS_WSXF_NO_EXTENSIONS, NULL);
	doc = repeat(&len, wsxf_head, x, xl, "</Reports>", target);
	run(reg, "WSXF -> WSJF (catalogue only, no extensions)", "wsxf", doc, len, NULL);
	expat_alone("WSXF -> WSJF (catalogue only, no extensions)", doc, len);
	free(doc);
	wats_free(x);
	wats_report_free(r);

	/* WSTF: a UUT with 200 numeric steps, repeated. */
	char unit[65536];
	size_t ul = (size_t)snprintf(unit, sizeof(unit), "--Header-Start--\nSerialNumber\tSN1\nPartNumber\tPN\n"
				     "Revision\tA\nOperationTypeCode\t10\nStationName\tS\nUUTStatus\tPassed\n"
				     "--Step-Data-Start--\nSequenceCall\tMain\t\t\t\t\t\t\tPassed\t1\n");
	for (int i = 0; i < 200; i++)
		ul += (size_t)snprintf(unit + ul, sizeof(unit) - ul,
				       "NumericLimitTest\tStep %d\t\t%d.%03d\t1.5\t12.5\tGELE\tV\tPassed\t0.0%d\n",
				       i, 5 + i % 7, i, i % 10);
	ul += (size_t)snprintf(unit + ul, sizeof(unit) - ul, "EndSequenceCall\n--Step-Data-End--\n--UUT-End--\n");
	doc = repeat(&len, "", unit, ul, "", target);
	run(reg, "WSTF -> WSJF (200 numeric steps per UUT)", "wstf", doc, len, NULL);
	free(doc);

	/* CSV: one row per UUT, 40 measurement columns. */
	char map_path[] = "/tmp/convert_bench_map_XXXXXX";
	int fd = mkstemp(map_path);
	FILE *mf = fdopen(fd, "w");
	fprintf(mf, "layout = wide\nsn = SN\npn = \"PN\"\nrev = \"A\"\nprocessCode = \"10\"\nstation = \"S\"\n"
		    "location = \"L\"\npurpose = \"P\"\n");
	char header[4096] = "SN", row[4096];
	size_t hl = 2, rl = 0;
	for (int i = 0; i < 40; i++) {
		fprintf(mf, "step.M%d = numeric value=M%d low=\"1\" high=\"10\" unit=\"V\"\n", i, i);
		hl += (size_t)snprintf(header + hl, sizeof(header) - hl, ",M%d", i);
	}
	fclose(mf);
	header[hl++] = '\n';
	header[hl] = '\0';
	rl = (size_t)snprintf(row, sizeof(row), "SN00001");
	for (int i = 0; i < 40; i++)
		rl += (size_t)snprintf(row + rl, sizeof(row) - rl, ",%d.%04d", 2 + i % 7, i * 37);
	row[rl++] = '\n';
	row[rl] = '\0';
	doc = repeat(&len, header, row, rl, "", target);
	char mp[128];
	snprintf(mp, sizeof(mp), "mapping=%s", map_path);
	const char *params[] = { mp, NULL };
	run(reg, "CSV -> WSJF (40 measurements per row)", "csv", doc, len, params);
	free(doc);

	/* CSV as a station writes it: one file per UUT, a header block of "Key,value" lines and one
	 * row per measurement (200 or 2,000), converted file by file (one call per file). */
	mf = fopen(map_path, "w");
	fprintf(mf, "layout = long\nskip = 8\ndelimiter = ,\nsn = @Serial Number\npn = @Part Number\n"
		    "rev = @Revision\nprocessCode = \"10\"\nstation = @Station\noperator = @Operator\n"
		    "location = @Location\npurpose = \"FCT\"\nstart = @Start\n"
		    "row = numeric name=Test value=Measured low=Low high=High unit=Unit status=Status\n");
	fclose(mf);
	/* A station's mapping is older than its CSV files: the registry's mapping cache compares
	 * the text of a file changed in the last two seconds on every use (the mtime of a quick
	 * edit may not differ), which a mapping written just now would measure instead. */
	struct timespec past[2];
	clock_gettime(CLOCK_REALTIME, &past[0]);
	past[0].tv_sec -= 60;
	past[1] = past[0];
	utimensat(AT_FDCWD, map_path, past, 0);
	for (int rows = 200; rows <= 2000; rows *= 10) {
		char name[96];
		snprintf(name, sizeof(name), "CSV station file -> WSJF (%d measurement rows per file)", rows);
		if (!wanted(name))
			continue;
		size_t cap = 256 + (size_t)rows * 64, fl = 0;
		char *file = malloc(cap);
		fl = (size_t)snprintf(file, cap, "Station,FCT-07\nOperator,anna\nLocation,Line 3\n"
				      "Serial Number,SN-2024-0042\nPart Number,PWR-100\nRevision,C\n"
				      "Start,2024-03-05T10:15:30.250+01:00\nFixture,F-12\n"
				      "Test,Measured,Low,High,Unit,Status\n");
		for (int i = 0; i < rows; i++)
			fl += (size_t)snprintf(file + fl, cap - fl, i % 4 ? "Rail %d voltage,%d.%03d,4.75,5.25,V,\n"
					       : "Rail %d voltage,%d.%03d,4.75,5.25,V,Passed\n", i, 4 + i % 2 * 1, 800 + i % 200);
		for (int write = write_from; write <= write_to; write++) {
			double best = 1e9;
			stats st = { 0, 0, 0, 0 };
			size_t files = target / fl + 1;
			for (int round = 0; round < rounds; round++) {
				memset(&st, 0, sizeof(st));
				st.write = write;
				wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
				o.converter = "csv";
				o.params = params;
				double t0 = now();
				for (size_t k = 0; k < files; k++)
					if (wats_convert_buffer(NULL, reg, "station.csv", file, fl, &o, on_report, &st)) {
						fprintf(stderr, "%s: %s\n", name, wats_error_last()->message);
						exit(1);
					}
				double t = now() - t0;
				if (t < best)
					best = t;
			}
			printf("| %s | %s | %.1f MB | %zu | %.0f MB/s | %.2f MB |\n", name,
			       write ? "reports + WSJF text" : "reports", (double)(files * fl) / 1e6, st.reports,
			       (double)(files * fl) / 1e6 / best, (double)st.max_mem / 1e6);
		}
		free(file);
	}
	unlink(map_path);

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS of the whole benchmark (inputs are held in memory): %.0f MB\n", ru.ru_maxrss / 1024.0);
	wats_converters_free(reg);
	return 0;
}
