/*
 * The persistent queue on its own: every state transition, idempotent re-enqueue, stale
 * claims, priorities, backoff with full jitter and its cap, max attempts, limits (items and
 * bytes), retry/purge/cleanup, whole-queue pause, recovery of 'transferring' at open, schema
 * version checks, and the per-state totals against a recount made with plain SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "testutil.h"
#include "wats/wats.h"

#define OK(x) do { int rc_ = (x); if (rc_) fail_msg("%s: %d: %s", #x, rc_, wats_error_last()->message); } while (0)

static int64_t fake_now = 1700000000000;

static int64_t fake_clock(void *payload)
{
	(void)payload;
	return fake_now;
}

typedef struct fixture {
	char *dir;
	char path[4096];
	wats_queue *q;
} fixture;

static wats_queue_options opts_fake(void)
{
	wats_queue_options o = WATS_QUEUE_OPTIONS_INIT;
	o.clock = fake_clock;
	o.seed = 42;
	o.backoff_base_ms = 1000;
	o.backoff_max_ms = 8000;
	o.max_attempts = 5;
	o.flags = WATS_QUEUE_SYNC_NORMAL;
	return o;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	f->dir = tu_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/queue.db", f->dir);
	wats_queue_options o = opts_fake();
	if (wats_queue_open(&f->q, NULL, f->path, &o))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	wats_queue_close(f->q);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void id_of(char out[37], int n)
{
	snprintf(out, 37, "00000000-0000-4000-8000-%012d", n);
}

static void put(wats_queue *q, int n, int priority, const char *payload)
{
	char id[37];
	id_of(id, n);
	wats_queue_entry e = WATS_QUEUE_ENTRY_INIT;
	e.id = id;
	e.payload = payload;
	e.payload_len = strlen(payload);
	e.priority = priority;
	e.source = "/inbox/a.json";
	e.correlation_id = "cid-1";
	e.converter = "wsjf";
	e.log = "converted by wsjf";
	OK(wats_queue_enqueue(q, &e));
}

static wats_queue_item *claim1(wats_queue *q)
{
	wats_queue_item *it[1];
	size_t n = 0;
	OK(wats_queue_claim(it, &n, q, 1));
	return n ? it[0] : NULL;
}

/* The totals kept by triggers must equal a recount with plain SQL. */
static void check_totals(const char *path, wats_queue *q)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT state, count(*), coalesce(sum(size),0) FROM items GROUP BY state",
					    -1, &s, NULL), SQLITE_OK);
	uint64_t items[WATS_QUEUE_STATE_COUNT] = { 0 }, bytes[WATS_QUEUE_STATE_COUNT] = { 0 };
	while (sqlite3_step(s) == SQLITE_ROW) {
		int st = sqlite3_column_int(s, 0);
		assert_true(st >= 1 && st <= 6);
		items[st] = (uint64_t)sqlite3_column_int64(s, 1);
		bytes[st] = (uint64_t)sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	/* Every payload row belongs to an item. */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM payloads WHERE seq NOT IN (SELECT seq FROM items)",
					    -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	wats_queue_counts c;
	OK(wats_queue_count(&c, q));
	for (int i = 1; i < WATS_QUEUE_STATE_COUNT; i++) {
		assert_int_equal(c.items[i], items[i]);
		assert_int_equal(c.bytes[i], bytes[i]);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(wats_queue_state_name(WATS_QUEUE_QUEUED), "queued");
	assert_string_equal(wats_queue_state_name(WATS_QUEUE_TRANSFERRING), "transferring");
	assert_string_equal(wats_queue_state_name(WATS_QUEUE_ERROR), "error");
	assert_string_equal(wats_queue_state_name(WATS_QUEUE_INVALID), "invalid");
	assert_string_equal(wats_queue_state_name(WATS_QUEUE_SENT), "sent");
	assert_string_equal(wats_queue_state_name(WATS_QUEUE_FAILED), "failed");
	assert_string_equal(wats_queue_state_name((wats_queue_state)9), "?");
	wats_queue_state s;
	OK(wats_queue_state_parse(&s, "Transfering"));
	assert_int_equal(s, WATS_QUEUE_TRANSFERRING);
	OK(wats_queue_state_parse(&s, "InvalidReport"));
	assert_int_equal(s, WATS_QUEUE_INVALID);
	assert_int_equal(wats_queue_state_parse(&s, "lost"), WATS_EINVAL);
}

static void test_enqueue_claim_sent(void **state)
{
	fixture *f = *state;
	put(f->q, 1, 0, "{\"id\":1}");
	wats_queue_counts c;
	OK(wats_queue_count(&c, f->q));
	assert_int_equal(c.items[WATS_QUEUE_QUEUED], 1);
	assert_int_equal(c.unsent_items, 1);
	assert_int_equal(c.unsent_bytes, 8);
	assert_int_equal(c.next_due_ms, fake_now);
	assert_int_equal(c.oldest_waiting_ms, fake_now);

	wats_queue_item *it = claim1(f->q);
	assert_non_null(it);
	assert_string_equal(it->id, "00000000-0000-4000-8000-000000000001");
	assert_int_equal(it->state, WATS_QUEUE_TRANSFERRING);
	assert_int_equal(it->attempts, 1);
	assert_int_equal(it->priority, 5);
	assert_int_equal(it->format, WATS_WIRE_WSJF);
	assert_string_equal(it->payload, "{\"id\":1}");
	assert_int_equal(it->payload_len, 8);
	assert_string_equal(it->source, "/inbox/a.json");
	assert_string_equal(it->correlation_id, "cid-1");
	assert_string_equal(it->converter, "wsjf");
	/* Nothing else to claim while it is in transfer. */
	assert_null(claim1(f->q));
	check_totals(f->path, f->q);

	fake_now += 5;
	OK(wats_queue_mark_sent(f->q, it));
	/* Marking the same claim twice is a conflict. */
	assert_int_equal(wats_queue_mark_sent(f->q, it), WATS_ECONFLICT);
	wats_queue_item_free(it);
	wats_queue_item *g = NULL;
	OK(wats_queue_get(&g, f->q, "{00000000-0000-4000-8000-000000000001}",
			  WATS_QUEUE_WITH_PAYLOAD | WATS_QUEUE_WITH_LOG));
	assert_int_equal(g->state, WATS_QUEUE_SENT);
	assert_int_equal(g->sent_ms, fake_now);
	assert_null(g->payload); /* dropped once sent */
	assert_string_equal(g->log, "converted by wsjf"); /* the conversion log stays */
	wats_queue_item_free(g);
	OK(wats_queue_count(&c, f->q));
	assert_int_equal(c.unsent_items, 0);
	assert_int_equal(c.items[WATS_QUEUE_SENT], 1);
	assert_int_equal(c.next_due_ms, 0);
	check_totals(f->path, f->q);
}

static void test_wsxf_sniff_and_errors(void **state)
{
	fixture *f = *state;
	wats_queue_entry e = WATS_QUEUE_ENTRY_INIT;
	e.payload = "  <Reports/>";
	e.payload_len = strlen(e.payload);
	assert_int_equal(wats_queue_enqueue(f->q, &e), WATS_EINVAL); /* no id */
	e.id = "not-a-guid";
	assert_int_equal(wats_queue_enqueue(f->q, &e), WATS_EINVAL);
	assert_non_null(strstr(wats_error_last()->message, "not a GUID"));
	e.id = "ABCDEF00000040008000000000000002";
	e.priority = 11;
	assert_int_equal(wats_queue_enqueue(f->q, &e), WATS_EINVAL);
	e.priority = 1;
	e.payload_len = 0;
	assert_int_equal(wats_queue_enqueue(f->q, &e), WATS_EINVAL);
	e.payload_len = strlen(e.payload);
	OK(wats_queue_enqueue(f->q, &e));
	wats_queue_item *it = NULL;
	OK(wats_queue_get(&it, f->q, "abcdef00-0000-4000-8000-000000000002", 0));
	assert_int_equal(it->format, WATS_WIRE_WSXF);
	assert_string_equal(it->id, "abcdef00-0000-4000-8000-000000000002");
	wats_queue_item_free(it);
	assert_int_equal(wats_queue_get(&it, f->q, "abcdef00-0000-4000-8000-000000000003", 0), WATS_ENOTFOUND);
}

static void test_priority_order(void **state)
{
	fixture *f = *state;
	put(f->q, 1, 9, "a");
	fake_now += 1;
	put(f->q, 2, 5, "b");
	fake_now += 1;
	put(f->q, 3, 1, "c");
	fake_now += 1;
	put(f->q, 4, 5, "d");
	wats_queue_item *it[10];
	size_t n = 0;
	OK(wats_queue_claim(it, &n, f->q, 10));
	assert_int_equal(n, 4);
	assert_string_equal(it[0]->payload, "c");
	assert_string_equal(it[1]->payload, "b");
	assert_string_equal(it[2]->payload, "d");
	assert_string_equal(it[3]->payload, "a");
	for (size_t i = 0; i < n; i++) {
		OK(wats_queue_release(f->q, it[i], 0));
		wats_queue_item_free(it[i]);
	}
	/* Released: the attempt is not counted. */
	wats_queue_item *g = claim1(f->q);
	assert_int_equal(g->attempts, 1);
	wats_queue_item_free(g);
	check_totals(f->path, f->q);
}

static void test_backoff_and_failed(void **state)
{
	fixture *f = *state;
	put(f->q, 7, 0, "x");
	uint64_t ceil_ms = 1000;
	for (unsigned int attempt = 1; attempt <= 5; attempt++) {
		wats_queue_item *it = claim1(f->q);
		assert_non_null(it);
		assert_int_equal(it->attempts, attempt);
		wats_queue_state st;
		OK(wats_queue_mark_error(&st, f->q, it, "HTTP 503: busy", 503));
		wats_queue_item_free(it);
		wats_queue_item *g = NULL;
		OK(wats_queue_get(&g, f->q, "00000000-0000-4000-8000-000000000007", 0));
		if (attempt < 5) {
			assert_int_equal(st, WATS_QUEUE_ERROR);
			assert_int_equal(g->state, WATS_QUEUE_ERROR);
			assert_string_equal(g->last_error, "HTTP 503: busy");
			assert_int_equal(g->http_status, 503);
			/* Full jitter: anywhere in [now, now + min(cap, base * 2^(n-1))]. */
			assert_true(g->next_attempt_ms >= fake_now);
			assert_true(g->next_attempt_ms <= fake_now + (int64_t)ceil_ms);
			/* Not due before its time ... */
			if (g->next_attempt_ms > fake_now)
				assert_null(claim1(f->q));
			fake_now = g->next_attempt_ms; /* ... due at it. */
			ceil_ms = ceil_ms * 2 > 8000 ? 8000 : ceil_ms * 2;
		} else {
			assert_int_equal(st, WATS_QUEUE_FAILED);
			assert_int_equal(g->state, WATS_QUEUE_FAILED);
			assert_non_null(strstr(g->last_error, "gave up after 5 attempts: HTTP 503"));
			assert_null(claim1(f->q));
		}
		wats_queue_item_free(g);
	}
	check_totals(f->path, f->q);
	/* Retry (operator): back to queued with attempts 0. */
	size_t n = 0;
	OK(wats_queue_retry(&n, f->q, NULL, 0));
	assert_int_equal(n, 1);
	wats_queue_item *it = claim1(f->q);
	assert_non_null(it);
	assert_int_equal(it->attempts, 1);
	assert_string_equal(it->last_error, "");
	OK(wats_queue_mark_invalid(f->q, it, "HTTP 400: sn is required", 400));
	wats_queue_item_free(it);
	assert_null(claim1(f->q));
	OK(wats_queue_retry(&n, f->q, "00000000-0000-4000-8000-000000000007", 0));
	assert_int_equal(n, 1);
	it = claim1(f->q);
	OK(wats_queue_mark_failed(f->q, it, "HTTP 401", 401));
	wats_queue_item_free(it);
	wats_queue_counts c;
	OK(wats_queue_count(&c, f->q));
	assert_int_equal(c.items[WATS_QUEUE_FAILED], 1);
	check_totals(f->path, f->q);
}

static void test_backoff_spread(void **state)
{
	/* Jitter really spreads: 40 items failing once do not all come back at one instant. */
	fixture *f = *state;
	for (int i = 0; i < 40; i++)
		put(f->q, 100 + i, 0, "p");
	wats_queue_item *it[40];
	size_t n = 0;
	OK(wats_queue_claim(it, &n, f->q, 40));
	assert_int_equal(n, 40);
	int64_t lo = INT64_MAX, hi = 0;
	for (size_t i = 0; i < n; i++) {
		OK(wats_queue_mark_error(NULL, f->q, it[i], "reset", 0));
		wats_queue_item *g = NULL;
		OK(wats_queue_get(&g, f->q, it[i]->id, 0));
		lo = g->next_attempt_ms < lo ? g->next_attempt_ms : lo;
		hi = g->next_attempt_ms > hi ? g->next_attempt_ms : hi;
		wats_queue_item_free(g);
		wats_queue_item_free(it[i]);
	}
	assert_true(hi - lo > 300);
	assert_true(hi <= fake_now + 1000);
}

static void test_reenqueue_replaces(void **state)
{
	fixture *f = *state;
	put(f->q, 9, 0, "version 1");
	wats_queue_item *old = claim1(f->q);
	assert_string_equal(old->payload, "version 1");
	/* The same report id again while the old one is in transfer: replaced, queued. */
	put(f->q, 9, 2, "version two");
	wats_queue_counts c;
	OK(wats_queue_count(&c, f->q));
	assert_int_equal(c.items[0], 1);
	assert_int_equal(c.items[WATS_QUEUE_QUEUED], 1);
	assert_int_equal(c.unsent_bytes, strlen("version two"));
	/* The stale sender cannot mark the new version sent. */
	assert_int_equal(wats_queue_mark_sent(f->q, old), WATS_ECONFLICT);
	assert_int_equal(wats_queue_release(f->q, old, 0), WATS_ECONFLICT);
	wats_queue_item_free(old);
	wats_queue_item *it = claim1(f->q);
	assert_string_equal(it->payload, "version two");
	assert_int_equal(it->priority, 2);
	assert_int_equal(it->attempts, 1);
	OK(wats_queue_mark_sent(f->q, it));
	wats_queue_item_free(it);
	/* Again after it was sent: queued again (the server overwrites by id). */
	put(f->q, 9, 0, "version 3");
	it = claim1(f->q);
	assert_string_equal(it->payload, "version 3");
	wats_queue_item_free(it);
	OK(wats_queue_count(&c, f->q));
	assert_int_equal(c.items[0], 1);
	check_totals(f->path, f->q);
}

static void test_limits(void **state)
{
	fixture *f = *state;
	wats_queue_close(f->q);
	wats_queue_options o = opts_fake();
	o.max_items = 3;
	o.max_bytes = 100;
	OK(wats_queue_open(&f->q, NULL, f->path, &o));
	put(f->q, 1, 0, "0123456789");
	put(f->q, 2, 0, "0123456789");
	put(f->q, 3, 0, "0123456789");
	char id[37];
	id_of(id, 4);
	wats_queue_entry e = WATS_QUEUE_ENTRY_INIT;
	e.id = id;
	e.payload = "x";
	e.payload_len = 1;
	assert_int_equal(wats_queue_enqueue(f->q, &e), WATS_ELIMIT);
	assert_non_null(strstr(wats_error_last()->message, "is full: 3 items waiting (limit 3)"));
	assert_int_equal(wats_error_last()->klass, WATS_ERRCLASS_QUEUE);
	/* Replacing an item that is already there does not grow the queue. */
	put(f->q, 2, 0, "abc");
	/* Sent items do not count. */
	wats_queue_item *it = claim1(f->q);
	OK(wats_queue_mark_sent(f->q, it));
	wats_queue_item_free(it);
	OK(wats_queue_enqueue(f->q, &e));
	/* Bytes. */
	OK(wats_queue_purge(NULL, f->q, id, 0));
	char big[120];
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	e.payload = big;
	e.payload_len = 90;
	assert_int_equal(wats_queue_enqueue(f->q, &e), WATS_ELIMIT);
	assert_non_null(strstr(wats_error_last()->message, "bytes"));
	e.payload_len = 87; /* 13 waiting + 87 = 100 */
	OK(wats_queue_enqueue(f->q, &e));
	wats_queue_counts c;
	OK(wats_queue_count(&c, f->q));
	assert_int_equal(c.unsent_items, 3);
	assert_int_equal(c.unsent_bytes, 100);
	check_totals(f->path, f->q);
}

/* wats_queue_set_limits on an open queue (a service reloading its config). */
static void test_set_limits(void **state)
{
	fixture *f = *state;
	wats_queue_options o = opts_fake();
	o.max_items = 1;
	OK(wats_queue_set_limits(f->q, &o));
	put(f->q, 1, 0, "a");
	char id[37];
	id_of(id, 2);
	wats_queue_entry e = WATS_QUEUE_ENTRY_INIT;
	e.id = id;
	e.payload = "b";
	e.payload_len = 1;
	assert_int_equal(wats_queue_enqueue(f->q, &e), WATS_ELIMIT);
	o.max_items = 0; /* no limit */
	o.max_attempts = 1;
	OK(wats_queue_set_limits(f->q, &o));
	OK(wats_queue_enqueue(f->q, &e));
	/* One attempt allowed now: the first error parks the item as failed. */
	wats_queue_item *it = claim1(f->q);
	assert_non_null(it);
	wats_queue_state st;
	OK(wats_queue_mark_error(&st, f->q, it, "boom", 503));
	assert_int_equal(st, WATS_QUEUE_FAILED);
	wats_queue_item_free(it);
	/* Back to 5 attempts: the next item waits in error for a retry. */
	o.max_attempts = 5;
	OK(wats_queue_set_limits(f->q, &o));
	it = claim1(f->q);
	assert_non_null(it);
	OK(wats_queue_mark_error(&st, f->q, it, "boom", 503));
	assert_int_equal(st, WATS_QUEUE_ERROR);
	wats_queue_item_free(it);
	wats_queue_options bad = o;
	bad.version = 99;
	assert_int_equal(wats_queue_set_limits(f->q, &bad), WATS_EINVAL);
	check_totals(f->path, f->q);
}

static void test_retry_purge_cleanup(void **state)
{
	fixture *f = *state;
	for (int i = 1; i <= 6; i++)
		put(f->q, i, 0, "r");
	wats_queue_item *it[6];
	size_t n = 0;
	OK(wats_queue_claim(it, &n, f->q, 6));
	assert_int_equal(n, 6);
	OK(wats_queue_mark_sent(f->q, it[0]));
	fake_now += 1000;
	OK(wats_queue_mark_sent(f->q, it[1]));
	OK(wats_queue_mark_invalid(f->q, it[2], "bad", 400));
	OK(wats_queue_mark_failed(f->q, it[3], "gone", 404));
	OK(wats_queue_mark_error(NULL, f->q, it[4], "reset", 0));
	/* it[5] stays transferring */
	wats_queue_items_free(NULL, 0);
	wats_queue_item **list = NULL;
	size_t k = 0;
	OK(wats_queue_list(&list, &k, f->q, WATS_QUEUE_MASK_PARKED, 0, 0, 0));
	assert_int_equal(k, 2);
	assert_int_equal(list[0]->state, WATS_QUEUE_INVALID);
	assert_string_equal(list[0]->last_error, "bad");
	assert_int_equal(list[1]->state, WATS_QUEUE_FAILED);
	wats_queue_items_free(list, k);
	OK(wats_queue_list(&list, &k, f->q, WATS_QUEUE_MASK_ALL, 1, 2, WATS_QUEUE_WITH_LOG));
	assert_int_equal(k, 2);
	assert_string_equal(list[0]->id, it[1]->id);
	assert_string_equal(list[0]->log, "converted by wsjf");
	wats_queue_items_free(list, k);
	/* Retrying a sent or transferring item by id is refused. */
	assert_int_equal(wats_queue_retry(NULL, f->q, it[0]->id, 0), WATS_EINVAL);
	assert_int_equal(wats_queue_retry(NULL, f->q, it[5]->id, 0), WATS_EINVAL);
	/* Purge by mask never takes transferring items. */
	size_t m = 0;
	OK(wats_queue_purge(&m, f->q, NULL, WATS_QUEUE_MASK(WATS_QUEUE_TRANSFERRING) |
						  WATS_QUEUE_MASK(WATS_QUEUE_INVALID)));
	assert_int_equal(m, 1);
	/* Clean-up: only sent items older than the age. */
	OK(wats_queue_cleanup(&m, f->q, 500));
	assert_int_equal(m, 1);
	OK(wats_queue_cleanup(&m, f->q, 0));
	assert_int_equal(m, 1);
	assert_int_equal(wats_queue_purge(&m, f->q, "00000000-0000-4000-8000-000000000999", 0), WATS_ENOTFOUND);
	OK(wats_queue_purge(&m, f->q, it[5]->id, 0)); /* by id, even in transfer */
	assert_int_equal(wats_queue_mark_sent(f->q, it[5]), WATS_ECONFLICT);
	for (int i = 0; i < 6; i++)
		wats_queue_item_free(it[i]);
	wats_queue_counts c;
	OK(wats_queue_count(&c, f->q));
	assert_int_equal(c.items[0], 2); /* failed + error */
	check_totals(f->path, f->q);
}

static void test_pause(void **state)
{
	fixture *f = *state;
	put(f->q, 1, 0, "p");
	OK(wats_queue_pause(f->q, fake_now + 3000, "HTTP 429"));
	assert_null(claim1(f->q));
	int64_t until = 0;
	char *why = NULL;
	OK(wats_queue_paused(&until, &why, f->q));
	assert_int_equal(until, fake_now + 3000);
	assert_string_equal(why, "HTTP 429");
	wats_free(why);
	wats_queue_counts c;
	OK(wats_queue_count(&c, f->q));
	assert_int_equal(c.paused_until_ms, fake_now + 3000);
	/* The pause survives a reopen (it is in the database). */
	wats_queue_close(f->q);
	wats_queue_options o = opts_fake();
	OK(wats_queue_open(&f->q, NULL, f->path, &o));
	assert_null(claim1(f->q));
	fake_now += 3000;
	wats_queue_item *it = claim1(f->q);
	assert_non_null(it);
	wats_queue_item_free(it);
	OK(wats_queue_paused(&until, NULL, f->q));
	assert_int_equal(until, 0);
}

static void test_recovery_at_open(void **state)
{
	fixture *f = *state;
	put(f->q, 1, 0, "a");
	put(f->q, 2, 0, "b");
	wats_queue_item *it = claim1(f->q);
	wats_queue_item *it2 = claim1(f->q);
	OK(wats_queue_mark_sent(f->q, it2));
	wats_queue_item_free(it2);
	/* A second process beside the owner (NO_RECOVER) leaves the transfer alone. */
	wats_queue_options o = opts_fake();
	o.flags |= WATS_QUEUE_NO_RECOVER;
	wats_queue *side = NULL;
	size_t rec = 99;
	OK(wats_queue_open(&side, &rec, f->path, &o));
	assert_int_equal(rec, 0);
	wats_queue_close(side);
	/* Read-only open works and cannot write. */
	o.flags = WATS_QUEUE_READ_ONLY;
	OK(wats_queue_open(&side, &rec, f->path, &o));
	wats_queue_counts c;
	OK(wats_queue_count(&c, side));
	assert_int_equal(c.items[WATS_QUEUE_TRANSFERRING], 1);
	assert_int_equal(wats_queue_pause(side, 1, NULL), WATS_EIO);
	wats_queue_close(side);
	/* The "crash": close without marking, reopen. */
	wats_queue_close(f->q);
	o = opts_fake();
	OK(wats_queue_open(&f->q, &rec, f->path, &o));
	assert_int_equal(rec, 1);
	assert_int_equal(wats_queue_mark_sent(f->q, it), WATS_ECONFLICT);
	wats_queue_item *again = claim1(f->q);
	assert_non_null(again);
	assert_string_equal(again->id, it->id);
	assert_int_equal(again->attempts, 2); /* the lost attempt still counts */
	wats_queue_item_free(again);
	wats_queue_item_free(it);
	check_totals(f->path, f->q);
}

static void test_schema_version(void **state)
{
	fixture *f = *state;
	wats_queue_close(f->q);
	f->q = NULL;
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	wats_queue_options o = opts_fake();
	assert_int_equal(wats_queue_open(&f->q, NULL, f->path, &o), WATS_EUNSUPPORTED);
	assert_non_null(strstr(wats_error_last()->message, "schema version 99"));
	assert_null(f->q);
	/* Not a database at all. */
	char junk[4200];
	snprintf(junk, sizeof(junk), "%s/junk.db", f->dir);
	const char *text = "this is not sqlite, just text that is long enough to be a header......";
	tu_write(junk, text, strlen(text));
	assert_int_equal(wats_queue_open(&f->q, NULL, junk, &o), WATS_EIO);
	assert_non_null(strstr(wats_error_last()->message, junk));
	/* Missing folder. */
	snprintf(junk, sizeof(junk), "%s/no/such/dir/q.db", f->dir);
	assert_int_equal(wats_queue_open(&f->q, NULL, junk, &o), WATS_EIO);
	assert_non_null(strstr(wats_error_last()->message, "folder"));
}

static void test_persistence(void **state)
{
	fixture *f = *state;
	for (int i = 1; i <= 50; i++)
		put(f->q, i, 1 + i % 10, "{\"k\":1}");
	wats_queue_close(f->q);
	wats_queue_options o = opts_fake();
	OK(wats_queue_open(&f->q, NULL, f->path, &o));
	wats_queue_counts c;
	OK(wats_queue_count(&c, f->q));
	assert_int_equal(c.items[WATS_QUEUE_QUEUED], 50);
	wats_queue_item *it[50];
	size_t n = 0;
	OK(wats_queue_claim(it, &n, f->q, 50));
	assert_int_equal(n, 50);
	int prev = 0;
	for (size_t i = 0; i < n; i++) {
		assert_true(prev <= it[i]->priority);
		prev = it[i]->priority;
		OK(wats_queue_mark_sent(f->q, it[i]));
		wats_queue_item_free(it[i]);
	}
	check_totals(f->path, f->q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_enqueue_claim_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wsxf_sniff_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_priority_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backoff_and_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backoff_spread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reenqueue_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_purge_cleanup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery_at_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
	};
	return cmocka_run_group_tests_name("queue_states", tests, NULL, NULL);
}
