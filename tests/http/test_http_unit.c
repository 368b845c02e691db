/* Unit tests of the http parts that need no server: URLs, Retry-After, backoff, breaker with a
 * fake clock, cache, station identity, log formatting, config files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "http/breaker.h"
#include "http/cache.h"
#include "http/logging.h"
#include "http/retry.h"
#include "http/station.h"
#include "http/url.h"
#include "wats/wats.h"

static void check_norm(const char *in, const char *base, const char *ref)
{
	char *b = NULL, *r = NULL;
	assert_int_equal(wats__url_normalize(&b, &r, in), 0);
	assert_string_equal(b, base);
	assert_string_equal(r, ref);
	free(b);
	free(r);
}

static void test_url_normalize(void **state)
{
	(void)state;
	check_norm("https://h", "https://h", "https://h");
	check_norm("https://h/", "https://h", "https://h");
	check_norm("https://h/api", "https://h", "https://h/api");
	check_norm("https://h/api/", "https://h", "https://h/api");
	check_norm("https://h/api/api", "https://h/api", "https://h/api/api");
	check_norm("  http://h:8080/wats///  ", "http://h:8080/wats", "http://h:8080/wats");
	check_norm("https://h/wats/api", "https://h/wats", "https://h/wats/api");
	char *b, *r;
	assert_int_equal(wats__url_normalize(&b, &r, "ftp://h"), WATS_EINVAL);
	assert_non_null(strstr(wats_error_last()->message, "http://"));
	assert_int_equal(wats__url_normalize(&b, &r, "https:///"), WATS_EINVAL);
	assert_int_equal(wats__url_normalize(&b, &r, NULL), WATS_EINVAL);
	assert_non_null(strstr(wats_error_last()->message, "WATS_BASE_URL"));
}

static void test_url_escape(void **state)
{
	(void)state;
	wats_buf b = WATS_BUF_INIT;
	assert_int_equal(wats__url_escape(&b, "a/b c?#%\xc2\xb6-._~", NULL), 0);
	assert_string_equal(b.ptr, "a%2Fb%20c%3F%23%25%C2%B6-._~");
	wats__buf_clear(&b);
	const char *q[] = { "$filter", "serialNumber eq 'O''Neil'", "skip", NULL, "top", "5", NULL };
	assert_int_equal(wats__url_query(&b, q), 0);
	assert_string_equal(b.ptr, "?$filter=serialNumber%20eq%20%27O%27%27Neil%27&top=5");
	wats__buf_dispose(&b);
}

static void test_retry_after(void **state)
{
	(void)state;
	int64_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
	assert_int_equal(wats__retry_after_ms("5", now), 5000);
	assert_int_equal(wats__retry_after_ms("  0 ", now), 0);
	assert_int_equal(wats__retry_after_ms("1.5", now), 1500);
	assert_int_equal(wats__retry_after_ms("Sun, 06 Nov 1994 08:49:40 GMT", now), 3000);
	assert_int_equal(wats__retry_after_ms("Sunday, 06-Nov-94 08:49:47 GMT", now), 10000);
	assert_int_equal(wats__retry_after_ms("Sun Nov  6 08:49:39 1994", now), 2000);
	assert_int_equal(wats__retry_after_ms("Sun, 06 Nov 1994 08:00:00 GMT", now), 0); /* past */
	assert_int_equal(wats__retry_after_ms("soon", now), -1);
	assert_int_equal(wats__retry_after_ms("5s", now), -1);
	assert_int_equal(wats__retry_after_ms("-3", now), -1);
	assert_int_equal(wats__retry_after_ms("", now), -1);
	assert_int_equal(wats__retry_after_ms(NULL, now), -1);
}

static void test_backoff(void **state)
{
	(void)state;
	wats__retry_policy p = { 5, 100, 1000 };
	/* rnd = max picks the top of each window: 100, 200, 400, 800, then capped at 1000. */
	assert_int_equal(wats__backoff_ms(&p, 0, UINT64_MAX - (UINT64_MAX % 101)) , 0);
	assert_int_equal(wats__backoff_ms(&p, 0, 100), 100);
	assert_int_equal(wats__backoff_ms(&p, 1, 200), 200);
	assert_int_equal(wats__backoff_ms(&p, 2, 400), 400);
	assert_int_equal(wats__backoff_ms(&p, 3, 800), 800);
	assert_int_equal(wats__backoff_ms(&p, 9, 1000), 1000);
	assert_int_equal(wats__backoff_ms(&p, 40, 1000), 1000); /* no overflow */
	/* Full jitter: every draw lies within [0, window]. */
	for (uint64_t r = 0; r < 5000; r += 7) {
		assert_true(wats__backoff_ms(&p, 1, r * 2654435761u) <= 200);
		assert_true(wats__backoff_ms(&p, 6, r * 2654435761u) <= 1000);
	}
	/* Decisions: attempts, Retry-After obeyed or refused, deadline. */
	assert_int_equal(wats__retry_delay(&p, 5, -1, 0, 100000), -1);
	assert_int_equal(wats__retry_delay(&p, 1, 700, 0, 100000), 700);
	assert_int_equal(wats__retry_delay(&p, 1, 5000, 0, 100000), -1); /* above the cap */
	assert_int_equal(wats__retry_delay(&p, 1, 700, 0, 500), -1);     /* past the deadline */
	assert_int_equal(wats__retry_delay(&p, 2, -1, 150, 100000), 150);
	assert_true(wats__retry_status(503) && wats__retry_status(429) && wats__retry_status(504));
	assert_false(wats__retry_status(501) || wats__retry_status(404) || wats__retry_status(200));
}

static void test_breaker(void **state)
{
	(void)state;
	wats__breaker b;
	int probe;
	uint64_t wait;
	wats__breaker_init(&b, 3, 1000, 2, 1);
	/* 4xx-like successes reset the count; three failures in a row open it. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(wats__breaker_acquire(&b, 0, &probe, &wait), 0);
		wats__breaker_record(&b, 0, probe, WATS__OUTCOME_FAILURE);
	}
	assert_int_equal(wats__breaker_acquire(&b, 0, &probe, &wait), 0);
	wats__breaker_record(&b, 0, probe, WATS__OUTCOME_SUCCESS);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(wats__breaker_acquire(&b, 10, &probe, &wait), 0);
		assert_int_equal(wats__breaker_record(&b, 10, probe, WATS__OUTCOME_FAILURE), WATS_BREAKER_CLOSED);
	}
	assert_int_equal(wats__breaker_acquire(&b, 10, &probe, &wait), 0);
	assert_int_equal(wats__breaker_record(&b, 100, probe, WATS__OUTCOME_FAILURE), WATS_BREAKER_OPEN);
	/* Open: fail fast with the time left. */
	assert_int_equal(wats__breaker_acquire(&b, 600, &probe, &wait), WATS_EBREAKER);
	assert_int_equal(wait, 500);
	assert_int_equal(wats__breaker_acquire(&b, 1099, &probe, &wait), WATS_EBREAKER);
	/* After the open time exactly one probe passes; others are refused while it runs. */
	assert_int_equal(wats__breaker_acquire(&b, 1100, &probe, &wait), 0);
	assert_true(probe);
	assert_int_equal(wats__breaker_state(&b), WATS_BREAKER_HALF_OPEN);
	int p2;
	assert_int_equal(wats__breaker_acquire(&b, 1100, &p2, &wait), WATS_EBREAKER);
	assert_int_equal(wait, 0);
	/* Probe fails: open again, timer restarts from now. */
	assert_int_equal(wats__breaker_record(&b, 1200, probe, WATS__OUTCOME_FAILURE), WATS_BREAKER_OPEN);
	assert_int_equal(wats__breaker_acquire(&b, 2100, &probe, &wait), WATS_EBREAKER);
	assert_int_equal(wats__breaker_acquire(&b, 2200, &probe, &wait), 0);
	assert_true(probe);
	/* Two probe successes close it; a cancelled probe frees the slot without a verdict. */
	assert_int_equal(wats__breaker_record(&b, 2200, probe, WATS__OUTCOME_SUCCESS), WATS_BREAKER_HALF_OPEN);
	assert_int_equal(wats__breaker_acquire(&b, 2201, &probe, &wait), 0);
	assert_int_equal(wats__breaker_record(&b, 2201, probe, WATS__OUTCOME_CANCEL), WATS_BREAKER_HALF_OPEN);
	assert_int_equal(wats__breaker_acquire(&b, 2202, &probe, &wait), 0);
	assert_int_equal(wats__breaker_record(&b, 2202, probe, WATS__OUTCOME_SUCCESS), WATS_BREAKER_CLOSED);
	assert_int_equal(b.opens, 2);
	assert_true(b.rejections >= 4);
	/* Disabled: always admits. */
	wats__breaker_dispose(&b);
	wats__breaker_init(&b, 1, 1000, 1, 0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(wats__breaker_acquire(&b, 0, &probe, &wait), 0);
		wats__breaker_record(&b, 0, probe, WATS__OUTCOME_FAILURE);
	}
	wats__breaker_dispose(&b);
}

static wats_response *resp(const char *body)
{
	wats_response r = { 0 };
	r.status = 200;
	r.body = (char *)body;
	r.body_len = strlen(body);
	r.content_type = (char *)"application/json";
	wats_response *out = NULL;
	assert_int_equal(wats__response_copy(&out, &r), 0);
	return out;
}

static void test_cache(void **state)
{
	(void)state;
	wats__cache c;
	wats__cache_init(&c, 1000, 3);
	wats_response *r = resp("[1,2]"), *got = NULL;
	assert_int_equal(wats__cache_get(&got, &c, "/a", 0), WATS_ENOTFOUND);
	wats__cache_put(&c, "/a", WATS_CACHE_PROCESSES, 0, r);
	wats__cache_put(&c, "/b", WATS_CACHE_LEVELS, 10, r);
	assert_int_equal(wats__cache_get(&got, &c, "/a", 999), 0);
	assert_string_equal(got->body, "[1,2]");
	assert_true(got->flags & WATS_RESPONSE_FROM_CACHE);
	assert_string_equal(got->content_type, "application/json");
	wats_response_free(got);
	/* Expired at ttl. */
	assert_int_equal(wats__cache_get(&got, &c, "/a", 1000), WATS_ENOTFOUND);
	/* Invalidation by tag leaves other tags. */
	wats__cache_put(&c, "/a", WATS_CACHE_PROCESSES, 1000, r);
	wats__cache_invalidate(&c, WATS_CACHE_PROCESSES);
	assert_int_equal(wats__cache_get(&got, &c, "/a", 1001), WATS_ENOTFOUND);
	assert_int_equal(wats__cache_get(&got, &c, "/b", 1001), 0);
	wats_response_free(got);
	/* Size bound: the entry closest to expiry goes first. */
	wats__cache_put(&c, "/c", WATS_CACHE_VERSION, 1002, r);
	wats__cache_put(&c, "/d", WATS_CACHE_VERSION, 1003, r);
	wats__cache_put(&c, "/e", WATS_CACHE_VERSION, 1004, r); /* full: evicts /b, which expires first (1010) */
	wats_client_stats st;
	wats__cache_stats(&c, &st);
	assert_int_equal(st.cache_entries, 3);
	assert_int_equal(wats__cache_get(&got, &c, "/b", 1005), WATS_ENOTFOUND); /* /b expired soonest */
	assert_int_equal(wats__cache_get(&got, &c, "/e", 1005), 0);
	wats_response_free(got);
	wats__cache_stats(&c, &st);
	assert_int_equal(st.cache_hits, 3);
	assert_int_equal(st.cache_misses, 4);
	assert_true(st.cache_evictions >= 3);
	wats__cache_invalidate(&c, WATS_CACHE_ALL);
	wats__cache_stats(&c, &st);
	assert_int_equal(st.cache_entries, 0);
	wats_response_free(r);
	wats__cache_dispose(&c);
}

static void test_station(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[512], missing[512];
	snprintf(path, sizeof(path), "%s/station", dir);
	snprintf(missing, sizeof(missing), "%s/none", dir);
	unsetenv("WATS_STATION");
	unsetenv("WATS_LOCATION");
	unsetenv("WATS_PURPOSE");
	wats__station s;
	/* Host name, upper-cased, when nothing else is given. */
	assert_int_equal(wats__station_resolve(&s, NULL, NULL, NULL, missing), 0);
	char host[256];
	gethostname(host, sizeof(host));
	for (char *p = host; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	assert_string_equal(s.name, host);
	assert_string_equal(s.source, "hostname");
	assert_string_equal(s.location, "Unknown");
	assert_string_equal(s.purpose, "Development");
	wats__station_dispose(&s);
	/* File beats host name; env beats file; option beats env. Blank env counts as unset. */
	const char *txt = "# station\nname = line-7\nlocation = Hall B \npurpose=Production\n";
	tu_write(path, txt, strlen(txt));
	assert_int_equal(wats__station_resolve(&s, NULL, NULL, NULL, path), 0);
	assert_string_equal(s.name, "LINE-7");
	assert_string_equal(s.source, "file");
	assert_string_equal(s.location, "Hall B");
	assert_string_equal(s.purpose, "Production");
	wats__station_dispose(&s);
	setenv("WATS_STATION", "   ", 1);
	assert_int_equal(wats__station_resolve(&s, NULL, NULL, NULL, path), 0);
	assert_string_equal(s.source, "file");
	wats__station_dispose(&s);
	setenv("WATS_STATION", " env-st ", 1);
	setenv("WATS_PURPOSE", "Debug", 1);
	assert_int_equal(wats__station_resolve(&s, NULL, NULL, NULL, path), 0);
	assert_string_equal(s.name, "ENV-ST");
	assert_string_equal(s.source, "env");
	assert_string_equal(s.purpose, "Debug");
	wats__station_dispose(&s);
	assert_int_equal(wats__station_resolve(&s, " opt ", "Here", NULL, path), 0);
	assert_string_equal(s.name, "OPT");
	assert_string_equal(s.source, "option");
	assert_string_equal(s.location, "Here");
	wats__station_dispose(&s);
	/* A single bare line is the name; unknown keys are errors with the line. */
	tu_write(path, "bench-1\n", 8);
	unsetenv("WATS_STATION");
	assert_int_equal(wats__station_resolve(&s, NULL, NULL, NULL, path), 0);
	assert_string_equal(s.name, "BENCH-1");
	wats__station_dispose(&s);
	tu_write(path, "colour = red\n", 13);
	assert_int_equal(wats__station_resolve(&s, NULL, NULL, NULL, path), WATS_EPARSE);
	assert_int_equal(wats_error_last()->line, 1);
	char longname[200];
	memset(longname, 'x', 150);
	longname[150] = '\0';
	assert_int_equal(wats__station_resolve(&s, longname, NULL, NULL, missing), WATS_EINVAL);
	unsetenv("WATS_PURPOSE");
	tu_rmtree(dir);
	free(dir);
}

static void test_log_format(void **state)
{
	(void)state;
	wats_log_field f[] = { { "status", "503", 1 }, { "path", "/api/a b", 0 }, { "q", "x\"y\n", 0 } };
	wats_log_record r = { 1700000000123456LL, WATS_LOG_WARNING, "wats.http", "retry \"now\"",
			      "abcd1234", f, 3 };
	char *line = NULL;
	assert_int_equal(wats_log_format_record(&line, &r, WATS_LOG_FORMAT_JSON), 0);
	assert_string_equal(line,
		"{\"timestamp\":\"2023-11-14T22:13:20.123456Z\",\"level\":\"WARNING\",\"logger\":\"wats.http\","
		"\"message\":\"retry \\\"now\\\"\",\"correlation_id\":\"abcd1234\",\"status\":503,"
		"\"path\":\"/api/a b\",\"q\":\"x\\\"y\\n\"}");
	wats_free(line);
	r.correlation_id = NULL;
	assert_int_equal(wats_log_format_record(&line, &r, WATS_LOG_FORMAT_TEXT), 0);
	assert_string_equal(line, "2023-11-14T22:13:20.123456Z [WARNING] [--------] wats.http: retry \"now\" "
				  "status=503 path=\"/api/a b\" q=\"x\\\"y\\n\"");
	wats_free(line);
	r.fields = NULL;
	r.field_count = 0;
	assert_int_equal(wats_log_format_record(&line, &r, WATS_LOG_FORMAT_JSON), 0);
	assert_null(strstr(line, "correlation_id"));
	wats_free(line);
	wats_log_level l;
	assert_int_equal(wats_log_level_parse(&l, "Warn"), 0);
	assert_int_equal(l, WATS_LOG_WARNING);
	assert_int_equal(wats_log_level_parse(&l, "loud"), WATS_EINVAL);
	assert_string_equal(wats_log_level_name(WATS_LOG_CRITICAL), "CRITICAL");
}

typedef struct { int n; char last[512]; char cid[64]; } sink;

static void on_log(const wats_log_record *rec, void *payload)
{
	sink *s = payload;
	s->n++;
	snprintf(s->last, sizeof(s->last), "%s", rec->message);
	snprintf(s->cid, sizeof(s->cid), "%s", rec->correlation_id ? rec->correlation_id : "");
}

static void test_log_sinks(void **state)
{
	(void)state;
	sink s = { 0 };
	wats__logger own = { on_log, &s, WATS_LOG_WARNING };
	wats__log(&own, WATS_LOG_INFO, "t", NULL, NULL, 0, "hidden");
	assert_int_equal(s.n, 0);
	wats__log(&own, WATS_LOG_ERROR, "t", "cid1", NULL, 0, "shown %d", 7);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.last, "shown 7");
	assert_string_equal(s.cid, "cid1");
	/* Global sink: off until initialised; the thread's correlation id is used by default. */
	wats__log(NULL, WATS_LOG_CRITICAL, "t", NULL, NULL, 0, "nobody");
	assert_int_equal(s.n, 1);
	wats_log_options o = WATS_LOG_OPTIONS_INIT;
	o.callback = on_log;
	o.payload = &s;
	o.level = WATS_LOG_DEBUG;
	assert_int_equal(wats_log_init(&o), 0);
	assert_int_equal(wats_log_set_correlation_id("file-42"), 0);
	wats__log(NULL, WATS_LOG_DEBUG, "t", NULL, NULL, 0, "global");
	assert_int_equal(s.n, 2);
	assert_string_equal(s.cid, "file-42");
	assert_string_equal(wats_log_correlation_id(), "file-42");
	wats_log_set_correlation_id(NULL);
	assert_null(wats_log_correlation_id());
	/* JSON lines to a stream. */
	FILE *f = tmpfile();
	o.callback = NULL;
	o.stream = f;
	o.format = WATS_LOG_FORMAT_JSON;
	wats_log_init(&o);
	wats__log(NULL, WATS_LOG_INFO, "wats.test", NULL, NULL, 0, "to file");
	wats_log_shutdown();
	wats__log(NULL, WATS_LOG_CRITICAL, "wats.test", NULL, NULL, 0, "after shutdown");
	rewind(f);
	char buf[512] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "\"logger\":\"wats.test\",\"message\":\"to file\"}\n"));
	assert_null(strstr(buf, "after shutdown"));
}

static void test_config(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[512];
	snprintf(path, sizeof(path), "%s/client.conf", dir);
	const char *txt = "# cwats\nbase_url = http://127.0.0.1:1/api/\ntoken = \"dXNlcjpwYXNz\"\n"
			  "station = cfg-st\ntimeout = 2.5\nretry_attempts = 4\ncache_ttl = 0\ninsecure = yes\n";
	tu_write(path, txt, strlen(txt));
	unsetenv("WATS_STATION");
	wats_client *c = NULL;
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.location = "Lab";
	assert_int_equal(wats_client_new_from_file(&c, path, &o), 0);
	assert_string_equal(wats_client_base_url(c), "http://127.0.0.1:1");
	assert_string_equal(wats_client_station(c)->name, "CFG-ST");
	assert_string_equal(wats_client_station(c)->location, "Lab");
	wats_client_free(c);
	/* Environment first, then WATS_CONFIG; an explicit option beats both. */
	setenv("WATS_BASE_URL", "http://127.0.0.1:2", 1);
	setenv("WATS_CONFIG", path, 1);
	assert_int_equal(wats_client_new_from_env(&c, NULL), 0);
	assert_string_equal(wats_client_base_url(c), "http://127.0.0.1:2");
	wats_client_free(c);
	o.base_url = "https://explicit";
	assert_int_equal(wats_client_new_from_env(&c, &o), 0);
	assert_string_equal(wats_client_base_url(c), "https://explicit");
	wats_client_free(c);
	setenv("WATS_TIMEOUT", "soon", 1);
	assert_int_equal(wats_client_new_from_env(&c, NULL), WATS_EINVAL);
	assert_non_null(strstr(wats_error_last()->message, "WATS_TIMEOUT"));
	assert_null(c);
	unsetenv("WATS_TIMEOUT");
	unsetenv("WATS_BASE_URL");
	unsetenv("WATS_CONFIG");
	tu_write(path, "base_url = http://x\nspeed = 3\n", 30);
	assert_int_equal(wats_client_new_from_file(&c, path, NULL), WATS_EPARSE);
	assert_int_equal(wats_error_last()->line, 2);
	assert_non_null(strstr(wats_error_last()->message, "speed"));
	/* No URL anywhere: a message that says where to put one. */
	assert_int_equal(wats_client_new_from_env(&c, NULL), WATS_EINVAL);
	assert_non_null(strstr(wats_error_last()->message, "WATS_BASE_URL"));
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_normalize), cmocka_unit_test(test_url_escape),
		cmocka_unit_test(test_retry_after),   cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_breaker),       cmocka_unit_test(test_cache),
		cmocka_unit_test(test_station),       cmocka_unit_test(test_log_format),
		cmocka_unit_test(test_log_sinks),     cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
