/*
 * wats_submit (Automatic, Online, Offline) and wats_submit_pending against a real
 * wats-devserver process with its fault modes: outage -> queued, sent after recovery, each
 * report stored once by id; 400 -> invalid with the server's message; 429 + Retry-After ->
 * the whole queue pauses; lost answers (reset after the request took effect) -> stored once;
 * 401 -> failed; the number of requests during an outage stays bounded by the breaker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "devserver.h"
#include "testutil.h"
#include "devcontrol.h"
#include "util/uuid.h"
#include "wats/wats.h"

#define OK(x) do { int rc_ = (x); if (rc_) fail_msg("%s: %d: %s", #x, rc_, wats_error_last()->message); } while (0)

typedef struct fx {
	tu_devserver *ds;
	wats_client *ctl; /* for /_dev calls, never faulted */
	char *dir;
	char path[4096];
	wats_queue *q;
	char *fixture;
	size_t fixture_len;
} fx;

static wats_client *client_opts(fx *f, wats_client_options *o)
{
	o->base_url = tu_devserver_url(f->ds);
	if (!o->token)
		o->token = tu_devserver_token(f->ds);
	o->station_name = "queue-test";
	o->station_file = "/nonexistent";
	if (!o->retry_base_ms)
		o->retry_base_ms = 10;
	wats_client *c = NULL;
	OK(wats_client_new(&c, o));
	return c;
}

static wats_client *client(fx *f)
{
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	return client_opts(f, &o);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	f->ds = tu_devserver_start(NULL, NULL);
	if (!f->ds)
		return -1;
	f->ctl = client(f);
	f->dir = tu_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/queue.db", f->dir);
	wats_queue_options o = WATS_QUEUE_OPTIONS_INIT;
	o.backoff_base_ms = 20;
	o.backoff_max_ms = 100;
	o.rate_limit_ms = 1500;
	OK(wats_queue_open(&f->q, NULL, f->path, &o));
	f->fixture = tu_read(tu_fixture("new_report_example.json"), &f->fixture_len);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	wats_queue_close(f->q);
	wats_client_free(f->ctl);
	tu_devserver_stop(f->ds);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->fixture);
	free(f);
	return 0;
}

static char *dev(fx *f, const char *method, const char *path, const char *body)
{
	return tu_dev_request(f->ctl, method, path, body);
}

static void faults(fx *f, const char *json)
{
	free(dev(f, "POST", "/_dev/faults", json));
}

/* A number from /_dev/stats: "reportsInDatabase", or the count of one route's answers. */
static long stat_num(fx *f, const char *key)
{
	return tu_dev_stat(f->ctl, key);
}

static long route_requests(fx *f, const char *route)
{
	char *text = dev(f, "GET", "/_dev/stats", NULL);
	json_object *j = json_tokener_parse(text), *routes, *by;
	long n = 0;
	if (json_object_object_get_ex(j, "routes", &routes) && json_object_object_get_ex(routes, route, &by)) {
		json_object_object_foreach(by, k, v) {
			(void)k;
			n += (long)json_object_get_int64(v);
		}
	}
	json_object_put(j);
	free(text);
	return n;
}

/* The fixture report with a fresh id. */
static wats_report *report(fx *f)
{
	wats_report *r = NULL;
	OK(wats_report_parse(&r, f->fixture, f->fixture_len, NULL));
	char id[37];
	assert_int_equal(wats__uuid_v4(id), 0);
	OK(wats_report_set_id(r, id));
	return r;
}

static int server_has(fx *f, wats_client *c, const char *id)
{
	(void)f;
	char *out = NULL;
	size_t len = 0;
	int rc = wats_api_get_report(&out, &len, c, id, WATS_WIRE_WSJF);
	wats_free(out);
	return rc == 0;
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void test_offline_then_pending(void **state)
{
	fx *f = *state;
	wats_client *c = client(f);
	char ids[3][40];
	for (int i = 0; i < 3; i++) {
		wats_report *r = report(f);
		wats_submit_result res;
		OK(wats_submit(&res, c, f->q, r, WATS_SUBMIT_OFFLINE, 0));
		assert_int_equal(res.outcome, WATS_SUBMITTED_QUEUED);
		assert_int_equal(res.send_error, 0);
		snprintf(ids[i], sizeof(ids[i]), "%s", res.id);
		wats_report_free(r);
	}
	assert_int_equal(stat_num(f, "reportsInDatabase"), 0); /* nothing sent yet */
	size_t sent = 0, failed = 0;
	OK(wats_submit_pending(&sent, &failed, c, f->q, 0));
	assert_int_equal(sent, 3);
	assert_int_equal(failed, 0);
	assert_int_equal(stat_num(f, "reportsInDatabase"), 3);
	for (int i = 0; i < 3; i++) {
		assert_true(server_has(f, c, ids[i]));
		wats_queue_item *it = NULL;
		OK(wats_queue_get(&it, f->q, ids[i], 0));
		assert_int_equal(it->state, WATS_QUEUE_SENT);
		wats_queue_item_free(it);
	}
	/* Nothing left: a second pass sends nothing. */
	OK(wats_submit_pending(&sent, &failed, c, f->q, 0));
	assert_int_equal(sent, 0);
	wats_client_free(c);
}

static void test_automatic_and_online(void **state)
{
	fx *f = *state;
	wats_client *c = client(f);
	wats_report *r = report(f);
	wats_submit_result res;
	OK(wats_log_set_correlation_id("auto-cid-1"));
	OK(wats_submit(&res, c, f->q, r, WATS_SUBMIT_AUTOMATIC, 3));
	wats_log_set_correlation_id(NULL);
	assert_int_equal(res.outcome, WATS_SUBMITTED_SENT);
	assert_true(server_has(f, c, res.id));
	wats_queue_item *it = NULL;
	OK(wats_queue_get(&it, f->q, res.id, 0));
	assert_int_equal(it->state, WATS_QUEUE_SENT); /* saved before it was sent */
	assert_int_equal(it->priority, 3);
	assert_string_equal(it->correlation_id, "auto-cid-1");
	wats_queue_item_free(it);
	wats_report_free(r);
	/* Online needs no queue. */
	r = report(f);
	OK(wats_submit(&res, c, NULL, r, WATS_SUBMIT_ONLINE, 0));
	assert_int_equal(res.outcome, WATS_SUBMITTED_SENT);
	assert_true(server_has(f, c, res.id));
	wats_report_free(r);
	/* Offline and Automatic do. */
	r = report(f);
	assert_int_equal(wats_submit(&res, c, NULL, r, WATS_SUBMIT_AUTOMATIC, 0), WATS_EINVAL);
	/* A report that breaks the rules is refused before anything is sent or queued. */
	OK(wats_report_set_sn(r, ""));
	assert_int_equal(wats_submit(&res, c, f->q, r, WATS_SUBMIT_AUTOMATIC, 0), WATS_EVALIDATION);
	assert_int_equal(res.outcome, WATS_SUBMITTED_NONE);
	wats_report_free(r);
	wats_queue_counts cnt;
	OK(wats_queue_count(&cnt, f->q));
	assert_int_equal(cnt.items[0], 1);
	wats_client_free(c);
}

static void test_outage_then_recovery(void **state)
{
	fx *f = *state;
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.retry_attempts = 2;
	o.breaker_failures = 3;
	o.breaker_open_ms = 300;
	o.breaker_successes = 1;
	wats_client *c = client_opts(f, &o);
	faults(f, "{\"outage_ms\":60000,\"outage_status\":503,\"match\":\"POST /api/Report\"}");
	long before = route_requests(f, "POST /api/Report/WSJF");
	enum { N = 20 };
	char ids[N][40];
	int refused = 0;
	for (int i = 0; i < N; i++) {
		wats_report *r = report(f);
		wats_submit_result res;
		/* Automatic during an outage: queued, success for the caller, the error reported. */
		OK(wats_submit(&res, c, f->q, r, WATS_SUBMIT_AUTOMATIC, 0));
		assert_int_equal(res.outcome, WATS_SUBMITTED_QUEUED);
		if (res.send_error) {
			assert_true(res.send_error == WATS_ESERVER || res.send_error == WATS_EBREAKER);
			if (res.send_error == WATS_ESERVER)
				assert_int_equal(res.http_status, 503);
		} else {
			refused++; /* breaker open: queued without trying */
		}
		snprintf(ids[i], sizeof(ids[i]), "%s", res.id);
		wats_report_free(r);
	}
	assert_true(refused > 0);
	/* Online fails and queues nothing. */
	wats_report *r = report(f);
	wats_submit_result res;
	int rc = wats_submit(&res, c, f->q, r, WATS_SUBMIT_ONLINE, 0);
	assert_true(rc == WATS_ESERVER || rc == WATS_EBREAKER);
	assert_int_equal(res.outcome, WATS_SUBMITTED_NONE);
	wats_queue_item *it = NULL;
	assert_int_equal(wats_queue_get(&it, f->q, res.id, 0), WATS_ENOTFOUND);
	wats_report_free(r);
	/* A pending pass during the outage stops early instead of hammering the server. */
	size_t sent = 0, failed = 0;
	msleep(350); /* let the breaker half-open so the pass really tries */
	rc = wats_submit_pending(&sent, &failed, c, f->q, 0);
	assert_true(rc == WATS_ESERVER || rc == WATS_EBREAKER || rc == WATS_ETRANSPORT || rc == 0);
	assert_int_equal(sent, 0);
	long during = route_requests(f, "POST /api/Report/WSJF") - before;
	/* The breaker bounds it: 3 failed calls of 2 tries open it, then single probes. */
	if (during > 3 * 2 + 4)
		fail_msg("the server saw %ld report posts during the outage for %d reports", during, N + 1);
	wats_queue_counts cnt;
	OK(wats_queue_count(&cnt, f->q));
	assert_int_equal(cnt.unsent_items, N);
	assert_int_equal(cnt.items[WATS_QUEUE_TRANSFERRING], 0);

	/* Recovery: pending passes until everything is sent (bounded in passes and time). */
	free(dev(f, "DELETE", "/_dev/faults", NULL));
	size_t total = 0;
	for (int pass = 0; pass < 100 && total < N; pass++) {
		rc = wats_submit_pending(&sent, &failed, c, f->q, 0);
		total += sent;
		if (total < N) {
			OK(wats_queue_count(&cnt, f->q));
			int64_t wait = cnt.next_due_ms ? cnt.next_due_ms - wats_queue_now(f->q) : 50;
			msleep(wait < 10 ? 10 : wait > 400 ? 400 : wait);
		}
	}
	assert_int_equal(total, N);
	OK(wats_queue_count(&cnt, f->q));
	assert_int_equal(cnt.items[WATS_QUEUE_SENT], N);
	assert_int_equal(stat_num(f, "reportsInDatabase"), N); /* each once, by id */
	for (int i = 0; i < N; i++)
		assert_true(server_has(f, c, ids[i]));
	wats_client_free(c);
}

static void test_invalid_400(void **state)
{
	fx *f = *state;
	wats_client *c = client(f);
	/* A report the server's validator refuses (the queue takes any payload). */
	const char *bad = "{\"id\":\"6a0c3a36-7a8b-4b55-9c1d-6e8f00000001\",\"type\":\"T\",\"pn\":\"P\","
			  "\"sn\":\"S*1\",\"rev\":\"A\",\"processCode\":10,\"result\":\"P\","
			  "\"machineName\":\"M\",\"location\":\"L\",\"purpose\":\"X\","
			  "\"start\":\"2026-01-01T10:00:00+01:00\"}";
	wats_queue_entry e = WATS_QUEUE_ENTRY_INIT;
	e.id = "6a0c3a36-7a8b-4b55-9c1d-6e8f00000001";
	e.payload = bad;
	e.payload_len = strlen(bad);
	OK(wats_queue_enqueue(f->q, &e));
	size_t sent = 0, failed = 0;
	OK(wats_submit_pending(&sent, &failed, c, f->q, 0)); /* a 400 does not stop the pass */
	assert_int_equal(sent, 0);
	assert_int_equal(failed, 1);
	wats_queue_item *it = NULL;
	OK(wats_queue_get(&it, f->q, e.id, 0));
	assert_int_equal(it->state, WATS_QUEUE_INVALID);
	assert_int_equal(it->http_status, 400);
	assert_non_null(strstr(it->last_error, "HTTP 400"));
	assert_non_null(strstr(it->last_error, "sn")); /* the server's message names the field */
	wats_queue_item_free(it);
	/* Never retried by itself. */
	OK(wats_submit_pending(&sent, &failed, c, f->q, 0));
	assert_int_equal(failed, 0);

	/* Automatic: a 400 is an error for the caller, and the report is parked as invalid. */
	faults(f, "{\"error_count\":1,\"error_status\":400,\"match\":\"POST /api/Report\"}");
	wats_report *r = report(f);
	wats_submit_result res;
	assert_int_equal(wats_submit(&res, c, f->q, r, WATS_SUBMIT_AUTOMATIC, 0), WATS_EVALIDATION);
	assert_int_equal(wats_error_last()->http_status, 400);
	assert_int_equal(res.outcome, WATS_SUBMITTED_NONE);
	assert_int_equal(res.http_status, 400);
	OK(wats_queue_get(&it, f->q, res.id, 0));
	assert_int_equal(it->state, WATS_QUEUE_INVALID);
	wats_queue_item_free(it);
	wats_report_free(r);
	/* The operator retries it: queued, and sent now that the server takes it. */
	size_t n = 0;
	OK(wats_queue_retry(&n, f->q, res.id, 0));
	assert_int_equal(n, 1);
	OK(wats_submit_pending(&sent, &failed, c, f->q, 0));
	assert_int_equal(sent, 1);
	wats_client_free(c);
}

static void test_rate_limit_pauses_queue(void **state)
{
	fx *f = *state;
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.retry_max_delay_ms = 200; /* a Retry-After of 3 s is more than the client waits */
	wats_client *c = client_opts(f, &o);
	for (int i = 0; i < 3; i++) {
		wats_report *r = report(f);
		OK(wats_submit(NULL, c, f->q, r, WATS_SUBMIT_OFFLINE, 0));
		wats_report_free(r);
	}
	faults(f, "{\"error_count\":1,\"error_status\":429,\"retry_after\":3,\"match\":\"POST /api/Report\"}");
	long before = route_requests(f, "POST /api/Report/WSJF");
	size_t sent = 9, failed = 9;
	int64_t t0 = wats_queue_now(f->q);
	assert_int_equal(wats_submit_pending(&sent, &failed, c, f->q, 0), WATS_ERATELIMIT);
	assert_int_equal(sent, 0);
	assert_int_equal(route_requests(f, "POST /api/Report/WSJF") - before, 1); /* stopped at once */
	int64_t until = 0;
	char *why = NULL;
	OK(wats_queue_paused(&until, &why, f->q));
	/* Paused for the server's Retry-After (3 s), not the default (1.5 s). */
	assert_true(until >= t0 + 2900 && until <= wats_queue_now(f->q) + 3100);
	assert_non_null(strstr(why, "429"));
	wats_free(why);
	wats_queue_counts cnt;
	OK(wats_queue_count(&cnt, f->q));
	assert_int_equal(cnt.items[WATS_QUEUE_QUEUED], 3); /* given back, attempts not counted */
	wats_queue_item **list = NULL;
	size_t k = 0;
	OK(wats_queue_list(&list, &k, f->q, WATS_QUEUE_MASK_ALL, 0, 0, 0));
	for (size_t i = 0; i < k; i++)
		assert_int_equal(list[i]->attempts, 0);
	wats_queue_items_free(list, k);
	/* While paused, nothing goes; Automatic queues without trying. */
	OK(wats_submit_pending(&sent, &failed, c, f->q, 0));
	assert_int_equal(sent, 0);
	wats_report *r = report(f);
	wats_submit_result res;
	OK(wats_submit(&res, c, f->q, r, WATS_SUBMIT_AUTOMATIC, 0));
	assert_int_equal(res.outcome, WATS_SUBMITTED_QUEUED);
	assert_int_equal(res.send_error, 0);
	wats_report_free(r);
	assert_int_equal(route_requests(f, "POST /api/Report/WSJF") - before, 1);
	/* After the pause everything goes (wait for the condition, bounded). */
	size_t total = 0;
	for (int i = 0; i < 60 && total < 4; i++) {
		OK(wats_submit_pending(&sent, &failed, c, f->q, 0));
		total += sent;
		if (total < 4)
			msleep(100);
	}
	assert_int_equal(total, 4);
	assert_int_equal(stat_num(f, "reportsInDatabase"), 4);
	wats_client_free(c);
}

static void test_lost_answers_stored_once(void **state)
{
	fx *f = *state;
	wats_client *c = client(f);
	enum { N = 6 };
	for (int i = 0; i < N; i++) {
		wats_report *r = report(f);
		OK(wats_submit(NULL, c, f->q, r, WATS_SUBMIT_OFFLINE, 0));
		wats_report_free(r);
	}
	/* The first three posts take effect and then lose their answer. */
	faults(f, "{\"reset_after_count\":3,\"match\":\"POST /api/Report\"}");
	size_t total = 0, sent = 0, failed = 0;
	for (int pass = 0; pass < 50 && total < N; pass++) {
		wats_submit_pending(&sent, &failed, c, f->q, 0);
		total += sent;
		if (total < N)
			msleep(60);
	}
	assert_int_equal(total, N);
	assert_int_equal(stat_num(f, "reportsInDatabase"), N);
	wats_client_free(c);
}

static void test_auth_failed(void **state)
{
	fx *f = *state;
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.token = "d3Jvbmc6d3Jvbmc=";
	wats_client *c = client_opts(f, &o);
	wats_report *r = report(f);
	wats_submit_result res;
	assert_int_equal(wats_submit(&res, c, f->q, r, WATS_SUBMIT_AUTOMATIC, 0), WATS_EAUTH);
	assert_int_equal(res.outcome, WATS_SUBMITTED_NONE);
	wats_queue_item *it = NULL;
	OK(wats_queue_get(&it, f->q, res.id, 0));
	assert_int_equal(it->state, WATS_QUEUE_FAILED); /* kept, visible, retryable by command */
	assert_int_equal(it->http_status, 401);
	wats_queue_item_free(it);
	wats_report_free(r);
	wats_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_offline_then_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_automatic_and_online, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outage_then_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_400, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit_pauses_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_answers_stored_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_failed, setup, teardown),
	};
	return cmocka_run_group_tests_name("queue_submit", tests, NULL, NULL);
}
