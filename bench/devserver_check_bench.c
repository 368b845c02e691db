/*
 * The CPU a wats-devserver submission spends before SQLite: parse, full validation and the
 * index fields (ds_report_check_model), on the 97 KB fixture, without HTTP and without the
 * database. Per report, best of ROUNDS batches of N, in process CPU time, so that other jobs
 * on the machine change the figure less than they change wrk's requests/s.
 * usage: devserver_check_bench [FIXTURE] [N]      (scripts/bench.sh runs it via
 *        bench/devserver_bench.sh; figures in docs/PERFORMANCE.md, ## wats-devserver)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_index.h"

#define ROUNDS 7

static double cpu_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : WATS_BENCH_FIXTURE;
	int n = argc > 2 ? atoi(argv[2]) : 200;
	FILE *f = fopen(path, "rb");
	if (!f || n <= 0) {
		fprintf(stderr, "devserver_check_bench: cannot read %s\n", path);
		return 1;
	}
	char *body = NULL;
	size_t len = 0, cap = 0, got;
	do {
		if (len + 65536 > cap) {
			cap = (len + 65536) * 2;
			char *nb = realloc(body, cap);
			if (!nb)
				return 1;
			body = nb;
		}
		got = fread(body + len, 1, cap - len, f);
		len += got;
	} while (got);
	fclose(f);
	double best = 1e18;
	for (int round = 0; round < ROUNDS; round++) {
		double t0 = cpu_us();
		for (int i = 0; i < n; i++) {
			ds_report_meta m = { 0 };
			char field[128], msg[512];
			if (ds_report_check_model(&m, body, len, 128, field, sizeof(field), msg,
						  sizeof(msg)) < 0) {
				fprintf(stderr, "devserver_check_bench: refused: %s %s\n", field, msg);
				return 1;
			}
			ds_report_meta_free(&m);
		}
		double us = (cpu_us() - t0) / n;
		if (us < best)
			best = us;
	}
	printf("%-44s %9.1f us CPU/report (%zu bytes, best of %d x %d)\n",
	       "parse + validate + index (check_model)", best, len, ROUNDS, n);
	free(body);
	return 0;
}
