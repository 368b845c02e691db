/*
 * watsd's HTTP endpoints, against a real watsd process and a real wats-devserver:
 *  - /health/live, /health/ready (follows the server: an outage makes it 503 with a reason,
 *    recovery makes it 200 again), /status (JSON, no secrets), /metrics (every line checked by
 *    a strict parser of the Prometheus text format; counters follow the files);
 *  - state-changing routes need the API key (Bearer or X-API-Key), the key never echoed; a
 *    wrong key delays the next one as a wrong login does (429 meanwhile);
 *  - 404/405, a garbage request, and the service keeps serving.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "watsd_fixture.h"

#define API_KEY "k3y-0123456789abcdef-test"

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* One raw HTTP/1.1 exchange (Connection: close). Returns the status; *body (malloc) the body. */
static int http(int port, const char *method, const char *path, const char *headers, char **body)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		fail_msg("connect to 127.0.0.1:%d failed", port);
	char req[2048];
	int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
			 "%s%s\r\n", method, path, headers ? headers : "", !strcmp(method, "POST") ?
			 "Content-Length: 0\r\n" : "");
	assert_int_equal(write(fd, req, (size_t)n), n);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	for (int waited = 0; waited < 10000;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0) {
			waited += 100;
			continue;
		}
		if (len + 1 >= cap)
			buf = realloc(buf, cap *= 2);
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	int status = 0;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		fail_msg("no HTTP status line in: %.200s", buf);
	char *b = strstr(buf, "\r\n\r\n");
	if (body)
		*body = strdup(b ? b + 4 : "");
	free(buf);
	return status;
}

static int http_ok_within(int port, const char *path, int want, int timeout_ms, char **last)
{
	int st = 0;
	for (int waited = 0; waited <= timeout_ms; waited += 100) {
		free(*last);
		*last = NULL;
		st = http(port, "GET", path, NULL, last);
		if (st == want)
			return st;
		nap_ms(100);
	}
	return st;
}

/* ---- a strict parser of the Prometheus text exposition format (0.0.4) ------------------- */

static int name_ok(const char *s, size_t n, int label)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (!(isalpha(c) || c == '_' || (!label && c == ':') || (i && isdigit(c))))
			return 0;
	}
	return 1;
}

static int value_ok(const char *s, double *out)
{
	if (!strcmp(s, "+Inf") || !strcmp(s, "-Inf") || !strcmp(s, "NaN")) {
		*out = !strcmp(s, "NaN") ? NAN : s[0] == '+' ? INFINITY : -INFINITY;
		return 1;
	}
	char *end;
	*out = strtod(s, &end);
	return end != s && *end == '\0';
}

typedef struct fam {
	char name[160], type[16];
	int help, samples;
	double last_le, last_bucket, inf_bucket, count;
	int have_inf, have_count, have_sum;
} fam;

/* Checks every line; fails the test with the line on the first error. Returns the value of
 * the sample named want (exact "name{labels}" text) or -1. */
static double prom_check(const char *text, const char *want)
{
	static fam fams[128];
	int nf = 0;
	fam *cur = NULL;
	double found = -1;
	size_t tl = strlen(text);
	if (!tl || text[tl - 1] != '\n')
		fail_msg("metrics: must end with a newline");
	char *copy = strdup(text), *save = NULL;
	int lineno = 0;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (strchr(line, '\r') || strchr(line, '\t'))
			fail_msg("metrics line %d: CR or TAB: %s", lineno, line);
		if (line[0] == '#') {
			char kw[8], name[160];
			int off = 0;
			if (sscanf(line, "# %7s %159s %n", kw, name, &off) < 2)
				fail_msg("metrics line %d: bad comment: %s", lineno, line);
			if (!name_ok(name, strlen(name), 0))
				fail_msg("metrics line %d: bad metric name: %s", lineno, line);
			fam *fm = NULL;
			for (int i = 0; i < nf; i++)
				if (!strcmp(fams[i].name, name))
					fm = &fams[i];
			if (!fm) {
				assert_true(nf < 128);
				fm = &fams[nf++];
				memset(fm, 0, sizeof(*fm));
				snprintf(fm->name, sizeof(fm->name), "%s", name);
				fm->last_le = -INFINITY;
			} else if (fm->samples) {
				fail_msg("metrics line %d: %s after samples of its family", lineno, kw);
			}
			if (!strcmp(kw, "HELP")) {
				if (fm->help++)
					fail_msg("metrics line %d: second HELP for %s", lineno, name);
				if (!line[off])
					fail_msg("metrics line %d: empty HELP", lineno);
			} else if (!strcmp(kw, "TYPE")) {
				const char *t = line + off;
				if (fm->type[0])
					fail_msg("metrics line %d: second TYPE for %s", lineno, name);
				if (strcmp(t, "counter") && strcmp(t, "gauge") && strcmp(t, "histogram") &&
				    strcmp(t, "summary") && strcmp(t, "untyped"))
					fail_msg("metrics line %d: bad TYPE %s", lineno, t);
				if (!strcmp(t, "counter") && (strlen(name) < 6 ||
							      strcmp(name + strlen(name) - 6, "_total")))
					fail_msg("metrics line %d: counter %s does not end in _total", lineno, name);
				snprintf(fm->type, sizeof(fm->type), "%s", t);
			} else {
				fail_msg("metrics line %d: unknown comment keyword %s", lineno, kw);
			}
			cur = fm;
			continue;
		}
		/* sample: name[{labels}] value */
		const char *p = line;
		size_t nl = strcspn(p, "{ ");
		if (!name_ok(p, nl, 0))
			fail_msg("metrics line %d: bad sample name: %s", lineno, line);
		char sname[160];
		snprintf(sname, sizeof(sname), "%.*s", (int)nl, p);
		p += nl;
		char le[128] = "";
		if (*p == '{') {
			p++;
			while (*p != '}') {
				size_t ln = strcspn(p, "=");
				if (!name_ok(p, ln, 1) || p[ln] != '=' || p[ln + 1] != '"')
					fail_msg("metrics line %d: bad label: %s", lineno, line);
				int is_le = ln == 2 && !strncmp(p, "le", 2);
				p += ln + 2;
				char val[128];
				size_t vn = 0;
				while (*p && *p != '"') {
					if (*p == '\\') {
						p++;
						if (*p != '\\' && *p != '"' && *p != 'n')
							fail_msg("metrics line %d: bad escape: %s", lineno, line);
					}
					if (vn + 1 < sizeof(val))
						val[vn++] = *p;
					p++;
				}
				val[vn] = '\0';
				if (*p != '"')
					fail_msg("metrics line %d: unterminated label value: %s", lineno, line);
				p++;
				if (is_le)
					snprintf(le, sizeof(le), "%s", val);
				if (*p == ',')
					p++;
				else if (*p != '}')
					fail_msg("metrics line %d: expected , or }: %s", lineno, line);
			}
			p++;
		}
		if (*p != ' ')
			fail_msg("metrics line %d: expected one space before the value: %s", lineno, line);
		p++;
		char vbuf[64];
		size_t vl = strcspn(p, " ");
		snprintf(vbuf, sizeof(vbuf), "%.*s", (int)vl, p);
		double v;
		if (!value_ok(vbuf, &v))
			fail_msg("metrics line %d: bad value \"%s\"", lineno, vbuf);
		if (p[vl] == ' ') { /* optional timestamp: an integer */
			char *end;
			strtoll(p + vl + 1, &end, 10);
			if (*end)
				fail_msg("metrics line %d: bad timestamp: %s", lineno, line);
		}
		/* The sample belongs to the family declared just before. */
		if (!cur || !cur->type[0])
			fail_msg("metrics line %d: sample without a preceding TYPE: %s", lineno, line);
		const char *base = cur->name;
		size_t bl = strlen(base);
		int hist = !strcmp(cur->type, "histogram");
		if (hist) {
			if (strncmp(sname, base, bl) || (strcmp(sname + bl, "_bucket") &&
							  strcmp(sname + bl, "_sum") && strcmp(sname + bl, "_count")))
				fail_msg("metrics line %d: %s is not a sample of histogram %s", lineno, sname, base);
			if (!strcmp(sname + bl, "_bucket")) {
				double lev;
				if (!le[0] || !value_ok(le, &lev))
					fail_msg("metrics line %d: bucket without a valid le: %s", lineno, line);
				if (!(lev > cur->last_le) || v < cur->last_bucket)
					fail_msg("metrics line %d: buckets not increasing/cumulative: %s", lineno, line);
				cur->last_le = lev;
				cur->last_bucket = v;
				if (isinf(lev)) {
					cur->have_inf = 1;
					cur->inf_bucket = v;
				}
			} else if (!strcmp(sname + bl, "_count")) {
				cur->have_count = 1;
				cur->count = v;
			} else {
				cur->have_sum = 1;
			}
		} else if (strcmp(sname, base)) {
			fail_msg("metrics line %d: sample %s under family %s", lineno, sname, base);
		}
		if (!strcmp(cur->type, "counter") && (v < 0 || isnan(v)))
			fail_msg("metrics line %d: negative counter: %s", lineno, line);
		cur->samples++;
		if (want && !strncmp(line, want, strlen(want)) && line[strlen(want)] == ' ')
			found = v;
	}
	for (int i = 0; i < nf; i++) {
		if (!fams[i].help || !fams[i].type[0] || !fams[i].samples)
			fail_msg("metrics: family %s lacks HELP, TYPE or samples", fams[i].name);
		if (!strcmp(fams[i].type, "histogram") &&
		    (!fams[i].have_inf || !fams[i].have_count || !fams[i].have_sum ||
		     fams[i].inf_bucket != fams[i].count))
			fail_msg("metrics: histogram %s needs +Inf bucket == _count, _sum", fams[i].name);
	}
	free(copy);
	return found;
}

/* The parser itself must refuse what is wrong. */
static void test_prom_parser_self(void **state)
{
	(void)state;
	const char *good = "# HELP a_total x\n# TYPE a_total counter\na_total 3\n"
			   "# HELP h y\n# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
			   "h_sum 0.3\nh_count 2\n";
	assert_true(prom_check(good, "a_total") == 3);
	assert_true(prom_check(good, "h_count") == 2);
}

static void test_health_status_metrics(void **state)
{
	fx *f = *state;
	write_http_config(f, API_KEY, NULL);
	pid_t pid = start_watsd(f);
	int port = watsd_http_port(f, "127.0.0.1");
	char *body = NULL;
	assert_int_equal(http(port, "GET", "/health/live", NULL, &body), 200);
	assert_non_null(strstr(body, "alive"));
	free(body);
	body = NULL;
	/* Ready once the idle service has reached the server (its probe). */
	assert_int_equal(http_ok_within(port, "/health/ready", 200, 10000, &body), 200);
	free(body);

	enum { N = 5 };
	char ids[N][37];
	for (int k = 0; k < N; k++)
		drop(f, ids, k);
	char bad[4200];
	snprintf(bad, sizeof(bad), "%s/bad.json", f->inbox);
	tu_write(bad, "{ nope", 6);
	assert_int_equal(wait_reports(f, N, 20000), N);

	/* Counters follow; every line passes the strict parser. */
	double v = -1;
	for (int i = 0; i < 100; i++) {
		assert_int_equal(http(port, "GET", "/metrics", NULL, &body), 200);
		v = prom_check(body, "watsd_uploads_total{result=\"ok\"}");
		double failed = prom_check(body, "watsd_files_failed_total");
		free(body);
		if (v == N && failed == 1)
			break;
		nap_ms(50);
	}
	assert_true(v == N);
	assert_int_equal(http(port, "GET", "/metrics", NULL, &body), 200);
	assert_true(prom_check(body, "watsd_files_converted_total") == N);
	assert_true(prom_check(body, "watsd_files_seen_total") == N + 1);
	assert_true(prom_check(body, "watsd_queue_items{state=\"sent\"}") == N);
	assert_true(prom_check(body, "watsd_breaker_state{state=\"closed\"}") == 1);
	assert_true(prom_check(body, "watsd_upload_latency_seconds_count") == N);
	assert_true(prom_check(body, "watsd_convert_latency_seconds_count") == N);
	assert_true(prom_check(body, "watsd_ready") == 1);
	/* The process figures: plausible and consistent with each other. */
	double rss = prom_check(body, "process_resident_memory_bytes"),
	       pss = prom_check(body, "watsd_memory_pss_bytes"),
	       anon = prom_check(body, "watsd_memory_anonymous_bytes"),
	       fds = prom_check(body, "process_open_fds"), maxfds = prom_check(body, "process_max_fds");
	assert_true(rss > 1e6 && rss < 4e9);
	assert_true(pss > 0 && pss <= rss);
	assert_true(anon > 0 && anon < rss); /* the libraries' text is file-backed */
	assert_true(prom_check(body, "process_virtual_memory_bytes") >= rss);
	assert_true(fds >= 3 && fds < maxfds);
	assert_true(prom_check(body, "process_cpu_seconds_total") > 0);
	assert_true(prom_check(body, "process_start_time_seconds") == prom_check(body, "watsd_start_time_seconds"));
	assert_null(strstr(body, tu_devserver_token(f->ds)));
	free(body);

	/* /status: JSON, the counters, no secret. */
	assert_int_equal(http(port, "GET", "/status", NULL, &body), 200);
	json_object *j = json_tokener_parse(body), *c, *x;
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "counters", &c));
	assert_true(json_object_object_get_ex(c, "reports_sent", &x));
	assert_int_equal(json_object_get_int(x), N);
	assert_true(json_object_object_get_ex(j, "ready", &x));
	assert_true(json_object_get_boolean(x));
	json_object *mem;
	assert_true(json_object_object_get_ex(j, "memory", &mem));
	assert_true(json_object_object_get_ex(mem, "rss_bytes", &x));
	assert_true(json_object_get_int64(x) > 1000000);
	assert_true(json_object_object_get_ex(mem, "anonymous_bytes", &x));
	assert_true(json_object_get_int64(x) > 0);
	json_object_put(j);
	assert_null(strstr(body, tu_devserver_token(f->ds)));
	assert_null(strstr(body, API_KEY));
	free(body);

	/* Routing: unknown path, wrong method, HEAD, garbage. */
	assert_int_equal(http(port, "GET", "/nope", NULL, &body), 404);
	free(body);
	assert_int_equal(http(port, "GET", "/pause", NULL, &body), 405);
	free(body);
	assert_int_equal(http(port, "DELETE", "/metrics", NULL, &body), 405);
	free(body);
	{
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
		assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		const char junk[] = "\x01\x02\xff garbage \x00\r\n\r\n";
		assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
		char buf[512];
		struct pollfd p = { fd, POLLIN, 0 };
		poll(&p, 1, 5000);
		(void)!read(fd, buf, sizeof(buf));
		close(fd);
	}
	assert_int_equal(http(port, "GET", "/health/live", NULL, &body), 200);
	free(body);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
}

static void test_api_key(void **state)
{
	fx *f = *state;
	write_http_config(f, API_KEY, NULL);
	pid_t pid = start_watsd(f);
	int port = watsd_http_port(f, "127.0.0.1");
	char *body = NULL;
	/* No key, a wrong key: 401, the key never in the answer. */
	assert_int_equal(http(port, "POST", "/pause", NULL, &body), 401);
	assert_null(strstr(body, API_KEY));
	free(body);
	assert_int_equal(http(port, "POST", "/pause", "Authorization: Bearer wrong-key-wrong-key\r\n",
			      &body), 401);
	assert_null(strstr(body, "wrong-key-wrong-key"));
	free(body);
	/* A wrong key starts the login's delay here too (1 s, then 2 s ...): even the right key
	 * is not considered until it has passed, so these routes are no faster way to guess. */
	assert_int_equal(http(port, "POST", "/pause", "X-API-Key: " API_KEY "\r\n", &body), 429);
	free(body);
	nap_ms(1100);
	assert_int_equal(http(port, "POST", "/pause", "Authorization: Bearer " API_KEY "x\r\n", &body), 401);
	free(body);
	nap_ms(2100);
	assert_int_equal(http(port, "GET", "/status", NULL, &body), 200);
	assert_non_null(strstr(body, "\"uploads_paused\":false"));
	free(body);
	/* Bearer: paused; files are queued, not sent. */
	assert_int_equal(http(port, "POST", "/pause", "Authorization: Bearer " API_KEY "\r\n", &body), 200);
	free(body);
	assert_int_equal(http(port, "GET", "/status", NULL, &body), 200);
	assert_non_null(strstr(body, "\"uploads_paused\":true"));
	free(body);
	char ids[2][37];
	drop(f, ids, 0);
	char done[4300];
	snprintf(done, sizeof(done), "%s/Done", f->inbox);
	for (int i = 0; i < 100 && count_files(done) < 1; i++)
		nap_ms(50);
	assert_int_equal(count_files(done), 1);
	nap_ms(300);
	assert_int_equal(stat_num(f, "reportsInDatabase"), 0);
	assert_int_equal(http(port, "GET", "/metrics", NULL, &body), 200);
	assert_true(prom_check(body, "watsd_uploads_paused") == 1);
	assert_true(prom_check(body, "watsd_queue_items{state=\"queued\"}") == 1);
	free(body);
	/* X-API-Key: resumed, sent. */
	assert_int_equal(http(port, "POST", "/resume", "X-API-Key: " API_KEY "\r\n", &body), 200);
	free(body);
	assert_int_equal(wait_reports(f, 1, 10000), 1);
	assert_int_equal(http(port, "POST", "/queue/retry?state=bogus", "X-API-Key: " API_KEY "\r\n",
			      &body), 400);
	free(body);
	assert_int_equal(http(port, "POST", "/queue/retry", "X-API-Key: " API_KEY "\r\n", &body), 200);
	assert_non_null(strstr(body, "\"count\":0"));
	free(body);
	assert_int_equal(http(port, "POST", "/breaker/reset", "X-API-Key: " API_KEY "\r\n", &body), 200);
	free(body);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	/* The key never reaches the log. */
	char p[4300];
	snprintf(p, sizeof(p), "%s/watsd.log", f->dir);
	char *log = tu_read(p, NULL);
	assert_null(strstr(log, API_KEY));
	assert_non_null(strstr(log, "refused: wrong API key"));
	free(log);

	/* Without a configured key every state-changing route is refused (403). */
	write_config(f, ",\"http\":{\"port\":0}");
	pid = start_watsd(f);
	port = watsd_http_port(f, "127.0.0.1");
	assert_int_equal(http(port, "POST", "/pause", "Authorization: Bearer " API_KEY "\r\n", &body), 403);
	free(body);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
}

/* Readiness follows the server: an outage makes it 503 with the reason, recovery 200. */
static void test_ready_follows_server(void **state)
{
	fx *f = *state;
	char extra[1024];
	snprintf(extra, sizeof(extra), ",\"server\":{\"url\":\"%s\",\"token_file\":\"token\","
		 "\"breaker_failures\":2,\"breaker_open_ms\":500}", tu_devserver_url(f->ds));
	write_http_config(f, API_KEY, extra);
	pid_t pid = start_watsd(f);
	int port = watsd_http_port(f, "127.0.0.1");
	char *body = NULL;
	assert_int_equal(http_ok_within(port, "/health/ready", 200, 10000, &body), 200);
	free(body);
	body = NULL;
	free(dev(f, "POST", "/_dev/faults", "{\"outage_ms\":60000,\"outage_status\":503}"));
	char ids[1][37];
	drop(f, ids, 0);
	assert_int_equal(http_ok_within(port, "/health/ready", 503, 15000, &body), 503);
	if (!strstr(body, "server"))
		fail_msg("not-ready reason should name the server: %s", body);
	free(body);
	body = NULL;
	assert_int_equal(http(port, "GET", "/health/live", NULL, &body), 200);
	free(body);
	body = NULL;
	free(dev(f, "DELETE", "/_dev/faults", NULL));
	assert_int_equal(wait_reports(f, 1, 15000), 1);
	assert_int_equal(http_ok_within(port, "/health/ready", 200, 10000, &body), 200);
	free(body);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
}

/* The supervisor: with --test-hooks, WATSD_TEST_THREAD_EXIT makes the only uploader die 3
 * times and the watcher once. While the uploader is down the service is not ready and says
 * which thread; each comes back after its backoff, the restarts are counted (status, metric),
 * and files dropped afterwards are picked up (watcher) and uploaded (uploader). Without
 * --test-hooks the variable is ignored. */
static json_object *status_obj(int port)
{
	char *body = NULL;
	assert_int_equal(http(port, "GET", "/status", NULL, &body), 200);
	json_object *j = json_tokener_parse(body);
	free(body);
	assert_non_null(j);
	return j;
}

static long status_num(int port, const char *key)
{
	json_object *j = status_obj(port), *v;
	long n = json_object_object_get_ex(j, key, &v) ? (long)json_object_get_int64(v) : -1;
	json_object_put(j);
	return n;
}

static void test_supervisor_restarts(void **state)
{
	fx *f = *state;
	write_http_config(f, API_KEY, ",\"workers\":{\"convert\":1,\"upload\":1}");
	setenv("WATSD_TEST_THREAD_EXIT", "upload-1:3,watch:1", 1);
	pid_t pid = start_watsd_arg(f, "--test-hooks");
	unsetenv("WATSD_TEST_THREAD_EXIT");
	int port = watsd_http_port(f, "127.0.0.1");
	char *body = NULL;
	/* Down: not ready, the reason names the thread (backoff 200+400+800 ms). */
	int seen_down = 0;
	for (int waited = 0; waited < 10000 && !seen_down; waited += 20) {
		assert_true(http(port, "GET", "/health/ready", NULL, &body) > 0);
		seen_down = strstr(body, "upload-1") != NULL;
		free(body);
		body = NULL;
		if (!seen_down)
			nap_ms(20);
	}
	assert_true(seen_down);
	/* Back: 4 restarts in all, every thread running, ready again. */
	long restarts = -1;
	for (int waited = 0; waited < 15000 && restarts < 4; waited += 100) {
		restarts = status_num(port, "thread_restarts");
		if (restarts < 4)
			nap_ms(100);
	}
	assert_int_equal(restarts, 4);
	assert_int_equal(http_ok_within(port, "/health/ready", 200, 10000, &body), 200);
	free(body);
	body = NULL;
	json_object *st = status_obj(port), *threads;
	assert_true(json_object_object_get_ex(st, "threads", &threads));
	int found = 0;
	for (size_t i = 0; i < json_object_array_length(threads); i++) {
		json_object *t = json_object_array_get_idx(threads, i), *v;
		assert_true(json_object_object_get_ex(t, "state", &v));
		assert_string_equal(json_object_get_string(v), "running");
		assert_true(json_object_object_get_ex(t, "name", &v));
		const char *name = json_object_get_string(v);
		assert_true(json_object_object_get_ex(t, "restarts", &v));
		if (!strcmp(name, "upload-1")) {
			assert_int_equal(json_object_get_int(v), 3);
			found++;
		} else if (!strcmp(name, "watch")) {
			assert_int_equal(json_object_get_int(v), 1);
			found++;
		} else {
			assert_int_equal(json_object_get_int(v), 0);
		}
	}
	assert_int_equal(found, 2);
	json_object_put(st);
	assert_int_equal(http(port, "GET", "/metrics", NULL, &body), 200);
	assert_true(prom_check(body, "watsd_thread_restarts_total") == 4.0);
	free(body);
	body = NULL;
	/* Work continues through the restarted watcher and the only, restarted, uploader. */
	char ids[3][37];
	for (int k = 0; k < 3; k++)
		drop(f, ids, k);
	assert_int_equal(wait_reports(f, 3, 15000), 3);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	char p[4300];
	snprintf(p, sizeof(p), "%s/watsd.log", f->dir);
	char *log = tu_read(p, NULL);
	assert_non_null(strstr(log, "worker thread upload-1 stopped unexpectedly"));
	assert_non_null(strstr(log, "worker thread upload-1 restarted (restart 3)"));
	free(log);

	/* Without --test-hooks the variable does nothing. */
	setenv("WATSD_TEST_THREAD_EXIT", "upload-1:3", 1);
	pid = start_watsd(f);
	unsetenv("WATSD_TEST_THREAD_EXIT");
	port = watsd_http_port(f, "127.0.0.1");
	assert_int_equal(http_ok_within(port, "/health/ready", 200, 10000, &body), 200);
	free(body);
	assert_int_equal(status_num(port, "thread_restarts"), 0);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom_parser_self),
		cmocka_unit_test_setup_teardown(test_health_status_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ready_follows_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_supervisor_restarts, setup, teardown),
	};
	return cmocka_run_group_tests_name("watsd_http", tests, NULL, NULL);
}
