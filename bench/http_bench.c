/*
 * http_bench: the client's cost against wats-devserver, side by side with bare libcurl.
 *   http_bench DEVSERVER_BINARY REPORT.json [N]
 * Starts the dev server on a free port (light validation, so the server is not what is
 * measured), then reports:
 *   1. N sequential GETs: a bare libcurl keep-alive loop vs wats_client_request (best of 5
 *      interleaved rounds each), and the ratio;
 *   2. N submissions of REPORT.json through wats_api_submit_report on one thread (reports/s);
 *   3. the cost of a call refused by an open breaker (mean over 200 000 calls).
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wats/wats.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t sink(char *d, size_t s, size_t n, void *u)
{
	(void)d;
	(void)u;
	return s * n;
}

static pid_t start_server(const char *bin, char *url, size_t cap)
{
	int p[2];
	if (pipe(p))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]); /* first: the read end may be fd 3 itself */
		if (p[1] != 3) {
			dup2(p[1], 3);
			close(p[1]);
		}
		execl(bin, bin, "--listen", "127.0.0.1:0", "--ready-fd", "3", "--validate", "light", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char line[256] = "";
	ssize_t n = read(p[0], line, sizeof(line) - 1);
	close(p[0]);
	if (n <= 0 || strncmp(line, "READY ", 6))
		return -1;
	line[n] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	snprintf(url, cap, "%s", line + 6);
	return pid;
}

static double bare_loop(const char *url, int n)
{
	char full[512];
	snprintf(full, sizeof(full), "%s/api/App/Version", url);
	CURL *e = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Authorization: Basic ZGV2OmRldg==");
	h = curl_slist_append(h, "Accept: application/json");
	curl_easy_setopt(e, CURLOPT_URL, full);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_perform(e); /* connect outside the timing */
	double t0 = now();
	for (int i = 0; i < n; i++)
		if (curl_easy_perform(e) != CURLE_OK)
			fprintf(stderr, "bare: request failed\n");
	double dt = now() - t0;
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	return dt;
}

static double client_loop(wats_client *c, int n)
{
	wats_request r = WATS_REQUEST_INIT;
	r.method = "GET";
	r.path = "/api/App/Version"; /* no cache tags: every call is a round trip */
	wats_response *resp = NULL;
	wats_client_request(&resp, c, &r);
	wats_response_free(resp);
	double t0 = now();
	for (int i = 0; i < n; i++) {
		if (wats_client_request(&resp, c, &r))
			fprintf(stderr, "client: %s\n", wats_error_last()->message);
		wats_response_free(resp);
	}
	return now() - t0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: http_bench DEVSERVER_BINARY REPORT.json [N]\n");
		return 2;
	}
	int n = argc > 3 ? atoi(argv[3]) : 1000;
	char url[256];
	pid_t pid = start_server(argv[1], url, sizeof(url));
	if (pid < 0) {
		fprintf(stderr, "http_bench: cannot start %s\n", argv[1]);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.base_url = url;
	o.token = "ZGV2OmRldg==";
	o.station_name = "bench";
	o.station_file = "/nonexistent";
	wats_client *c = NULL;
	if (wats_client_new(&c, &o)) {
		fprintf(stderr, "http_bench: %s\n", wats_error_last()->message);
		return 1;
	}

	double best_bare = 1e9, best_client = 1e9;
	for (int round = 0; round < 5; round++) {
		double b = bare_loop(url, n), w = client_loop(c, n);
		if (b < best_bare)
			best_bare = b;
		if (w < best_client)
			best_client = w;
	}
	printf("http: %d sequential GETs  bare libcurl %.1f ms (%.1f us/req)  wats_client %.1f ms (%.1f us/req)  ratio %.2f\n",
	       n, best_bare * 1e3, best_bare * 1e6 / n, best_client * 1e3, best_client * 1e6 / n,
	       best_client / best_bare);

	FILE *f = fopen(argv[2], "rb");
	if (!f)
		return 1;
	static char rep[1 << 20];
	size_t len = fread(rep, 1, sizeof(rep), f);
	fclose(f);
	wats_api_submit_report(NULL, c, rep, len, WATS_WIRE_WSJF, 0);
	double t0 = now();
	int failed = 0;
	for (int i = 0; i < n; i++)
		if (wats_api_submit_report(NULL, c, rep, len, WATS_WIRE_WSJF, 0))
			failed++;
	double dt = now() - t0;
	printf("http: %d submissions of %zu bytes  %.1f ms  %.0f reports/s  (%d failed)\n", n, len, dt * 1e3,
	       n / dt, failed);
	wats_client_free(c);

	/* Breaker: one failure against a closed port opens it; then time refused calls. */
	o.base_url = "http://127.0.0.1:1";
	o.breaker_failures = 1;
	o.breaker_open_ms = 600000;
	o.flags = WATS_CLIENT_NO_RETRY;
	wats_client_new(&c, &o);
	wats_client_ping(NULL, c);
	const int m = 200000;
	int refused = 0;
	wats_request r = WATS_REQUEST_INIT;
	r.method = "GET";
	r.path = "/api/App/Version";
	t0 = now();
	for (int i = 0; i < m; i++) {
		wats_response *resp = NULL;
		if (wats_client_request(&resp, c, &r) == WATS_EBREAKER)
			refused++;
	}
	dt = now() - t0;
	printf("http: breaker-open call  %.2f us mean over %d calls (%d refused)\n", dt * 1e6 / m, m, refused);
	wats_client_free(c);

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return failed ? 1 : 0;
}
