/* Bad input and bad clients: size limits, invalid UTF-8, deep nesting, slow and many clients;
 * restarts with the same database; command-line errors. */
#include "testutil.h"
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char report_fmt[] =
	"{\"id\":\"%s\",\"type\":\"T\",\"pn\":\"ROB\",\"sn\":\"%s\",\"rev\":\"A\","
	"\"processCode\":100,\"machineName\":\"m\",\"location\":\"l\",\"purpose\":\"p\","
	"\"start\":\"2024-01-01T00:00:00Z\"%s}";

static int connect_raw(const tu_devserver *s)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)tu_devserver_port(s)) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;  /* the server may close early on purpose; the caller checks */
		p += w;
		n -= (size_t)w;
	}
}

/* Read until the server closes, `until` (if not NULL) has arrived, or timeout_ms passes;
 * returns bytes read (NUL-terminated). */
static size_t read_until(int fd, char *buf, size_t cap, int timeout_ms, int *closed,
			 const char *until)
{
	size_t n = 0;
	*closed = 0;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = timeout_ms - ((t.tv_sec - t0.tv_sec) * 1000L +
					  (t.tv_nsec - t0.tv_nsec) / 1000000L);
		if (left <= 0)
			break;
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, (int)left) <= 0)
			break;
		ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r <= 0) {
			*closed = 1;
			break;
		}
		n += (size_t)r;
		buf[n] = '\0';
		if (n == cap - 1 || (until && strstr(buf, until)))
			break;
	}
	buf[n] = '\0';
	return n;
}

static void expect_alive(const tu_devserver *s)
{
	th_resp r = th_get(s, "/api/App/Version");
	th_expect(&r, 200);
	th_free(&r);
}

static void test_body_over_limit_is_413(void **state)
{
	(void)state;
	tu_devserver *s = tu_devserver_start(NULL, (const char *[]){ "--max-body", "100000", NULL });
	size_t len;
	char *big = tu_read(tu_fixture("new_report_example.json"), &len);
	char *twice = malloc(2 * len);
	memcpy(twice, big, len);
	memcpy(twice + len, big, len);
	th_resp r = th_request(s, "POST", "/api/Report/WSJF", twice, 2 * len, "application/json",
			       NULL);
	th_expect(&r, 413);
	assert_non_null(strstr(r.body, "100000"));
	th_free(&r);
	/* the fixture itself fits */
	r = th_request(s, "POST", "/api/Report/WSJF", big, len, "application/json", NULL);
	th_expect(&r, 200);
	th_free(&r);

	/* chunked upload (no Content-Length): refused once it passes the limit */
	int fd = connect_raw(s);
	char head[512];
	snprintf(head, sizeof(head), "POST /api/Report/WSJF HTTP/1.1\r\nHost: x\r\n"
		 "Authorization: Basic %s\r\nTransfer-Encoding: chunked\r\n\r\n",
		 tu_devserver_token(s));
	send_all(fd, head, strlen(head));
	char chunk[8192 + 16];
	memset(chunk, ' ', sizeof(chunk));
	int hl = snprintf(chunk, sizeof(chunk), "%x\r\n", 8192);
	chunk[hl - 1] = '\n';
	memcpy(chunk + hl + 8192, "\r\n", 2);
	for (int i = 0; i < 20; i++)
		send_all(fd, chunk, (size_t)hl + 8192 + 2);
	send_all(fd, "0\r\n\r\n", 5);
	char resp[4096];
	int closed;
	read_until(fd, resp, sizeof(resp), 10000, &closed, "}");
	close(fd);
	assert_non_null(strstr(resp, " 413 "));
	expect_alive(s);
	free(big);
	free(twice);
	tu_devserver_stop(s);
}

static void test_invalid_utf8_and_deep_nesting(void **state)
{
	(void)state;
	const char *const modes[] = { "full", "light" };
	for (int m = 0; m < 2; m++) {
		tu_devserver *s = tu_devserver_start(NULL, (const char *[]){ "--validate", modes[m],
									     NULL });
		char body[1024];
		snprintf(body, sizeof(body), report_fmt, "f0000000-0000-4000-8000-000000000001",
			 "BAD\xff\xfe", "");
		th_resp r = th_post(s, "/api/Report/WSJF", body);
		th_expect(&r, 400);
		th_free(&r);
		/* overlong encoding and a lone continuation byte */
		snprintf(body, sizeof(body), report_fmt, "f0000000-0000-4000-8000-000000000001",
			 "\xc0\xaf\x80", "");
		r = th_post(s, "/api/Report/WSJF", body);
		th_expect(&r, 400);
		th_free(&r);

		size_t depth = 100000;
		char *deep = malloc(2 * depth + 512);
		int n = snprintf(deep, 512, report_fmt, "f0000000-0000-4000-8000-000000000002", "D",
				 ",\"x\":");
		deep[n - 1] = '\0';  /* drop the closing brace, nest, close again */
		n--;
		memset(deep + n, '[', depth);
		memset(deep + n + depth, ']', depth);
		strcpy(deep + n + 2 * depth, "}");
		r = th_request(s, "POST", "/api/Report/WSJF", deep, strlen(deep), "application/json",
			       NULL);
		th_expect(&r, 400);
		assert_true(strstr(r.body, "deep") || strstr(r.body, "nest") ||
			    strstr(r.body, "depth"));
		th_free(&r);
		free(deep);
		/* deep JSON in a small-body route is refused by json-c's depth limit */
		char dj[4096];
		memset(dj, '[', 2000);
		memset(dj + 2000, ']', 2000);
		r = th_request(s, "PUT", "/api/Production/Units", dj, 4000, "application/json", NULL);
		th_expect(&r, 400);
		th_free(&r);
		expect_alive(s);
		tu_devserver_stop(s);
	}
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

static void test_slow_client_does_not_block_others(void **state)
{
	(void)state;
	tu_devserver *s = tu_devserver_start(NULL, (const char *[]){ "--client-timeout", "1",
								     NULL });
	/* one client stops half-way through its headers, another half-way through its body */
	int a = connect_raw(s), b = connect_raw(s);
	send_all(a, "GET /api/App/Version HTTP/1.1\r\nHost: x\r\nAuthor", 45);
	char head[512];
	snprintf(head, sizeof(head), "POST /api/Report/WSJF HTTP/1.1\r\nHost: x\r\n"
		 "Authorization: Basic %s\r\nContent-Length: 1000\r\n\r\n{\"pn\":",
		 tu_devserver_token(s));
	send_all(b, head, strlen(head));
	/* meanwhile everyone else is served promptly */
	for (int i = 0; i < 5; i++) {
		th_resp r = th_get(s, "/api/App/Version");
		th_expect(&r, 200);
		assert_true(r.seconds < 0.9);
		th_free(&r);
	}
	/* and the stalled connections are dropped after --client-timeout */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char buf[1024];
	int closed_a, closed_b;
	read_until(a, buf, sizeof(buf), 8000, &closed_a, NULL);
	read_until(b, buf, sizeof(buf), 8000, &closed_b, NULL);
	assert_true(closed_a);
	assert_true(closed_b);
	assert_true(ms_since(&t0) < 8000);
	close(a);
	close(b);
	/* garbage instead of HTTP gets an error answer or a close, never a crash */
	int c = connect_raw(s);
	send_all(c, "\x16\x03\x01\x02\x00garbage\r\n\r\n", 16);
	int closed_c;
	read_until(c, buf, sizeof(buf), 5000, &closed_c, NULL);
	close(c);
	expect_alive(s);
	tu_devserver_stop(s);
}

typedef struct {
	const tu_devserver *s;
	int thread;
	int ok;
} worker;

#define THREADS 8
#define PER_THREAD 25

/* One keep-alive connection per thread posting reports. */
static void *post_many(void *arg)
{
	worker *w = arg;
	CURL *c = curl_easy_init();
	char url[256], auth[128], body[1024], id[40], sn[32];
	snprintf(url, sizeof(url), "%s/api/Report/WSJF", tu_devserver_url(w->s));
	snprintf(auth, sizeof(auth), "Authorization: Basic %s", tu_devserver_token(w->s));
	struct curl_slist *h = curl_slist_append(NULL, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	FILE *devnull = fopen("/dev/null", "w");
	curl_easy_setopt(c, CURLOPT_WRITEDATA, devnull);
	for (int i = 0; i < PER_THREAD; i++) {
		snprintf(id, sizeof(id), "%08x-0000-4000-8000-%012x", 0xc0000000u + (unsigned)w->thread,
			 (unsigned)i);
		snprintf(sn, sizeof(sn), "T%d-%d", w->thread, i);
		snprintf(body, sizeof(body), report_fmt, id, sn, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		long st = 0;
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
		w->ok += st == 200;
	}
	fclose(devnull);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

static void test_many_clients_at_once(void **state)
{
	(void)state;
	tu_devserver *s = tu_devserver_start(NULL, NULL);
	pthread_t t[THREADS];
	worker w[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (worker){ s, i, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, post_many, &w[i]), 0);
	}
	int ok = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		ok += w[i].ok;
	}
	assert_int_equal(ok, THREADS * PER_THREAD);
	th_resp r = th_get(s, "/_dev/stats");
	json_object *o = th_json(&r);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "reportsStored")),
			 THREADS * PER_THREAD);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "reportsInDatabase")),
			 THREADS * PER_THREAD);
	json_object_put(o);
	th_free(&r);
	tu_devserver_stop(s);
}

static size_t count_reports(const tu_devserver *s)
{
	th_resp r = th_get(s, "/api/Report/Query/Header?reportType=U");
	th_expect(&r, 200);
	json_object *a = th_json(&r);
	size_t n = json_object_array_length(a);
	json_object_put(a);
	th_free(&r);
	return n;
}

static void test_restart_keeps_everything(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), db[4096];
	snprintf(db, sizeof(db), "%s/dev.db", dir);
	size_t len;
	char *fixture = tu_read(tu_fixture("new_report_example.json"), &len);

	tu_devserver *s = tu_devserver_start(db, NULL);
	th_resp r = th_request(s, "POST", "/api/Report/WSJF", fixture, len, "application/json", NULL);
	th_expect(&r, 200);
	th_free(&r);
	r = th_put(s, "/api/Product", "{\"partNumber\":\"KEEP\",\"name\":\"kept\"}");
	th_expect(&r, 200);
	th_free(&r);
	r = th_put(s, "/api/Production/Units", "[{\"serialNumber\":\"K1\",\"partNumber\":\"KEEP\"}]");
	th_expect(&r, 200);
	th_free(&r);
	tu_devserver_stop(s);

	/* clean restart */
	s = tu_devserver_start(db, NULL);
	r = th_get(s, "/api/Report/Wsjf/7b234dbc-3d06-4738-b176-c6d995dacb66");
	th_expect(&r, 200);
	assert_int_equal(r.len, len);
	assert_memory_equal(r.body, fixture, len);
	th_free(&r);
	r = th_get(s, "/api/Product/KEEP");
	th_expect(&r, 200);
	th_free(&r);
	r = th_get(s, "/api/Production/Unit/K1/KEEP");
	th_expect(&r, 200);
	th_free(&r);
	assert_int_equal(count_reports(s), 1);

	/* a crash (SIGKILL) loses nothing that was answered with 200 */
	for (int i = 0; i < 20; i++) {
		char body[1024], id[40], sn[16];
		snprintf(id, sizeof(id), "dddddddd-0000-4000-8000-%012d", i);
		snprintf(sn, sizeof(sn), "K%d", i);
		snprintf(body, sizeof(body), report_fmt, id, sn, "");
		r = th_post(s, "/api/Report/WSJF", body);
		th_expect(&r, 200);
		th_free(&r);
	}
	tu_devserver_kill(s);
	s = tu_devserver_start(db, NULL);
	assert_int_equal(count_reports(s), 21);
	tu_devserver_stop(s);

	/* the other --sync levels open the same file and keep what they answered, too */
	static const char *const levels[] = { "normal", "full" };
	for (int i = 0; i < 2; i++) {
		s = tu_devserver_start(db, (const char *[]){ "--sync", levels[i], NULL });
		assert_int_equal(count_reports(s), 21 + (size_t)i);
		char body[1024], id[40], sn[16];
		snprintf(id, sizeof(id), "eeeeeeee-0000-4000-8000-%012d", i);
		snprintf(sn, sizeof(sn), "S%d", i);
		snprintf(body, sizeof(body), report_fmt, id, sn, "");
		r = th_post(s, "/api/Report/WSJF", body);
		th_expect(&r, 200);
		th_free(&r);
		tu_devserver_kill(s);
	}
	s = tu_devserver_start(db, NULL);
	assert_int_equal(count_reports(s), 23);
	tu_devserver_stop(s);

	free(fixture);
	tu_rmtree(dir);
	free(dir);
}

/* ---- group commit and kill -9 ------------------------------------------------------------ */

#define CRASH_THREADS 6
#define CRASH_PER_THREAD 400

typedef struct {
	char url[256], auth[160];
	int thread;
	unsigned char acked[CRASH_PER_THREAD];   /* 1: answered 200 */
} crash_worker;

static int crash_acked;   /* total 200s so far (__atomic) */

static void crash_id(char id[40], int thread, int i)
{
	snprintf(id, 40, "%08x-0000-4000-8000-%012x", 0xe0000000u + (unsigned)thread, (unsigned)i);
}

/* Posts until the server goes away; remembers exactly which reports were acknowledged. */
static void *post_until_killed(void *arg)
{
	crash_worker *w = arg;
	CURL *c = curl_easy_init();
	char body[1024], id[40], sn[32];
	struct curl_slist *h = curl_slist_append(NULL, w->auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, w->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	FILE *devnull = fopen("/dev/null", "w");
	curl_easy_setopt(c, CURLOPT_WRITEDATA, devnull);
	for (int i = 0; i < CRASH_PER_THREAD; i++) {
		crash_id(id, w->thread, i);
		snprintf(sn, sizeof(sn), "C%d-%d", w->thread, i);
		snprintf(body, sizeof(body), report_fmt, id, sn, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		long st = 0;
		if (curl_easy_perform(c) != CURLE_OK)
			break;   /* the server was killed */
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
		if (st == 200) {
			w->acked[i] = 1;
			__atomic_add_fetch(&crash_acked, 1, __ATOMIC_SEQ_CST);
		}
	}
	fclose(devnull);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

/*
 * Concurrent submissions are committed in groups; a report is answered only after its group
 * is committed. Kill -9 the server while several clients are posting: after a restart, every
 * report that got a 200 must be there.
 */
static void test_group_commit_survives_kill(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), db[4096];
	snprintf(db, sizeof(db), "%s/crash.db", dir);
	tu_devserver *s = tu_devserver_start(db, NULL);
	static crash_worker w[CRASH_THREADS];
	pthread_t t[CRASH_THREADS];
	__atomic_store_n(&crash_acked, 0, __ATOMIC_SEQ_CST);
	for (int i = 0; i < CRASH_THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		snprintf(w[i].url, sizeof(w[i].url), "%s/api/Report/WSJF", tu_devserver_url(s));
		snprintf(w[i].auth, sizeof(w[i].auth), "Authorization: Basic %s",
			 tu_devserver_token(s));
		w[i].thread = i;
		assert_int_equal(pthread_create(&t[i], NULL, post_until_killed, &w[i]), 0);
	}
	/* kill while the clients are still posting: wait for 60 answers (at most 30 s) */
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (__atomic_load_n(&crash_acked, __ATOMIC_SEQ_CST) < 60 && now.tv_sec - t0.tv_sec < 30);
	th_resp r = th_get(s, "/_dev/stats");
	th_expect(&r, 200);
	json_object *o = th_json(&r);
	long batches = json_object_get_int(json_object_object_get(o, "commitBatches"));
	long committed = json_object_get_int(json_object_object_get(o, "commitReports"));
	assert_true(batches >= 1 && batches <= committed);
	json_object_put(o);
	th_free(&r);
	tu_devserver_kill(s);
	int acked = 0;
	for (int i = 0; i < CRASH_THREADS; i++) {
		pthread_join(t[i], NULL);
		for (int j = 0; j < CRASH_PER_THREAD; j++)
			acked += w[i].acked[j];
	}
	assert_true(acked >= 60);
	/* the kill must have interrupted the clients, or the test proves nothing */
	assert_true(acked < CRASH_THREADS * CRASH_PER_THREAD);

	s = tu_devserver_start(db, NULL);
	for (int i = 0; i < CRASH_THREADS; i++)
		for (int j = 0; j < CRASH_PER_THREAD; j++) {
			if (!w[i].acked[j])
				continue;
			char id[40], path[128];
			crash_id(id, i, j);
			snprintf(path, sizeof(path), "/api/Report/Wsjf/%s", id);
			r = th_get(s, path);
			if (r.status != 200)
				fail_msg("report %s was acknowledged but is lost after kill -9 (%ld)", id,
					 r.status);
			th_free(&r);
		}
	tu_devserver_stop(s);
	tu_rmtree(dir);
	free(dir);
}

static void test_stop_does_not_wait_for_injected_latency(void **state)
{
	(void)state;
	tu_devserver *s = tu_devserver_start(NULL, (const char *[]){ "--latency", "600000", NULL });
	int fd = connect_raw(s);
	char req[256];
	snprintf(req, sizeof(req), "GET /api/App/Version HTTP/1.1\r\nHost: x\r\n"
		 "Authorization: Basic %s\r\n\r\n", tu_devserver_token(s));
	send_all(fd, req, strlen(req));
	/* wait until the server has started delaying that request */
	int delayed = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!delayed && ms_since(&t0) < 10000) {
		th_resp r = th_get(s, "/_dev/faults");
		json_object *o = th_json(&r);
		delayed = json_object_get_int(json_object_object_get(
			json_object_object_get(o, "injected"), "delayed"));
		json_object_put(o);
		th_free(&r);
	}
	assert_int_equal(delayed, 1);
	tu_devserver_stop(s);  /* fails the test if this takes 10 s or more */
	close(fd);
}

static void test_command_line_errors(void **state)
{
	(void)state;
	const char *bin = getenv("WATS_DEVSERVER");
	char *err = NULL;
	char *bad_listen[] = { (char *)bin, "--listen", "nonsense", NULL };
	assert_int_equal(tu_run(bad_listen, NULL, &err), 2);
	assert_non_null(strstr(err, "--listen"));
	free(err);
	char *bad_db[] = { (char *)bin, "--listen", "127.0.0.1:0", "--db",
			   "/nonexistent/dir/x.db", NULL };
	assert_int_equal(tu_run(bad_db, NULL, &err), 1);
	assert_non_null(strstr(err, "/nonexistent/dir/x.db"));
	free(err);
	char *bad_faults[] = { (char *)bin, "--faults", "{\"error_rate\":7}", NULL };
	assert_int_equal(tu_run(bad_faults, NULL, &err), 2);
	assert_non_null(strstr(err, "error_rate"));
	free(err);
	char *bad_sync[] = { (char *)bin, "--sync", "sometimes", NULL };
	assert_int_equal(tu_run(bad_sync, NULL, &err), 2);
	assert_non_null(strstr(err, "--sync"));
	free(err);
	char *out = NULL;
	char *help[] = { (char *)bin, "--help", NULL };
	assert_int_equal(tu_run(help, &out, NULL), 0);
	assert_non_null(strstr(out, "--ready-fd"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_over_limit_is_413),
		cmocka_unit_test(test_invalid_utf8_and_deep_nesting),
		cmocka_unit_test(test_slow_client_does_not_block_others),
		cmocka_unit_test(test_many_clients_at_once),
		cmocka_unit_test(test_restart_keeps_everything),
		cmocka_unit_test(test_group_commit_survives_kill),
		cmocka_unit_test(test_stop_does_not_wait_for_injected_latency),
		cmocka_unit_test(test_command_line_errors),
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
