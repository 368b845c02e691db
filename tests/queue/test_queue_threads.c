/*
 * The queue under concurrency (run under ThreadSanitizer by `make check-tsan`): producers and
 * senders on one shared handle, plus a second handle (a second connection, as a second
 * process would have) on the same file. Every report is delivered exactly once by the
 * queue's bookkeeping: each id is claimed-and-marked-sent once, none is lost.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "wats/wats.h"

#define OK(x) do { int rc_ = (x); if (rc_) fail_msg("%s: %d: %s", #x, rc_, wats_error_last()->message); } while (0)

enum { PRODUCERS = 3, SENDERS = 3, PER_PRODUCER = 150, TOTAL = PRODUCERS * PER_PRODUCER };

static wats_queue *shared_q, *second_q;
static atomic_int sent_count[TOTAL];
static atomic_int produced, delivered, errors;

static void id_of(char out[37], int n)
{
	snprintf(out, 37, "00000000-0000-4000-8000-%012d", n);
}

static void *producer(void *arg)
{
	int p = (int)(intptr_t)arg;
	wats_queue *q = p == 0 ? second_q : shared_q;
	for (int i = 0; i < PER_PRODUCER; i++) {
		int n = p * PER_PRODUCER + i;
		char id[37], body[64];
		id_of(id, n);
		snprintf(body, sizeof(body), "{\"n\":%d}", n);
		wats_queue_entry e = WATS_QUEUE_ENTRY_INIT;
		e.id = id;
		e.payload = body;
		e.payload_len = strlen(body);
		e.priority = 1 + n % 10;
		int rc;
		while ((rc = wats_queue_enqueue(q, &e)) == WATS_EBUSY)
			;
		if (rc)
			atomic_fetch_add(&errors, 1);
		atomic_fetch_add(&produced, 1);
	}
	return NULL;
}

static void *sender(void *arg)
{
	int s = (int)(intptr_t)arg;
	wats_queue *q = s == 0 ? second_q : shared_q;
	for (int spins = 0; spins < 200000 && atomic_load(&delivered) < TOTAL; spins++) {
		wats_queue_item *it[8];
		size_t n = 0;
		int rc = wats_queue_claim(it, &n, q, 8);
		if (rc == WATS_EBUSY)
			continue;
		if (rc) {
			atomic_fetch_add(&errors, 1);
			return NULL;
		}
		for (size_t k = 0; k < n; k++) {
			int num = atoi(strstr(it[k]->payload, ":") + 1);
			/* Every third item fails once and comes back (backoff 0 in this test). */
			if (num % 3 == 0 && it[k]->attempts == 1) {
				if (wats_queue_mark_error(NULL, q, it[k], "simulated", 503))
					atomic_fetch_add(&errors, 1);
			} else if (wats_queue_mark_sent(q, it[k]) == 0) {
				atomic_fetch_add(&sent_count[num], 1);
				atomic_fetch_add(&delivered, 1);
			} else {
				atomic_fetch_add(&errors, 1);
			}
			wats_queue_item_free(it[k]);
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[4096];
	snprintf(path, sizeof(path), "%s/q.db", dir);
	wats_queue_options o = WATS_QUEUE_OPTIONS_INIT;
	o.flags = WATS_QUEUE_SYNC_NORMAL;
	o.backoff_base_ms = 1; /* failures come back at once (jitter in [0, 1] ms) */
	o.backoff_max_ms = 1;
	OK(wats_queue_open(&shared_q, NULL, path, &o));
	o.flags |= WATS_QUEUE_NO_RECOVER;
	OK(wats_queue_open(&second_q, NULL, path, &o));
	pthread_t t[PRODUCERS + SENDERS];
	for (int i = 0; i < PRODUCERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, producer, (void *)(intptr_t)i), 0);
	for (int i = 0; i < SENDERS; i++)
		assert_int_equal(pthread_create(&t[PRODUCERS + i], NULL, sender, (void *)(intptr_t)i), 0);
	for (int i = 0; i < PRODUCERS + SENDERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&errors), 0);
	assert_int_equal(atomic_load(&produced), TOTAL);
	assert_int_equal(atomic_load(&delivered), TOTAL);
	for (int i = 0; i < TOTAL; i++)
		if (atomic_load(&sent_count[i]) != 1)
			fail_msg("report %d marked sent %d times", i, atomic_load(&sent_count[i]));
	wats_queue_counts c;
	OK(wats_queue_count(&c, shared_q));
	assert_int_equal(c.items[WATS_QUEUE_SENT], TOTAL);
	assert_int_equal(c.unsent_items, 0);
	wats_queue_close(second_q);
	wats_queue_close(shared_q);
	tu_rmtree(dir);
	free(dir);
}

/* Group commit: concurrent durable enqueues share transactions; a refused entry (full queue)
 * does not take the others of its group down, and every caller gets its own answer. */
enum { GC_THREADS = 6, GC_EACH = 40, GC_LIMIT = 150 };
static atomic_int gc_ok, gc_full, gc_other;

static void *gc_producer(void *arg)
{
	int p = (int)(intptr_t)arg;
	for (int i = 0; i < GC_EACH; i++) {
		char id[37], body[32];
		id_of(id, 10000 + p * GC_EACH + i);
		snprintf(body, sizeof(body), "{\"p\":%d}", p);
		wats_queue_entry e = WATS_QUEUE_ENTRY_INIT;
		e.id = id;
		e.payload = body;
		e.payload_len = strlen(body);
		int rc = wats_queue_enqueue(shared_q, &e);
		if (rc == 0)
			atomic_fetch_add(&gc_ok, 1);
		else if (rc == WATS_ELIMIT && strstr(wats_error_last()->message, "is full"))
			atomic_fetch_add(&gc_full, 1);
		else
			atomic_fetch_add(&gc_other, 1);
	}
	return NULL;
}

static void test_group_commit_limit(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[4096];
	snprintf(path, sizeof(path), "%s/q.db", dir);
	wats_queue_options o = WATS_QUEUE_OPTIONS_INIT; /* synchronous=FULL: real group commits */
	o.max_items = GC_LIMIT;
	OK(wats_queue_open(&shared_q, NULL, path, &o));
	pthread_t t[GC_THREADS];
	for (int i = 0; i < GC_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, gc_producer, (void *)(intptr_t)i), 0);
	for (int i = 0; i < GC_THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&gc_other), 0);
	assert_int_equal(atomic_load(&gc_ok), GC_LIMIT);
	assert_int_equal(atomic_load(&gc_full), GC_THREADS * GC_EACH - GC_LIMIT);
	wats_queue_close(shared_q);
	/* Durable: all of them are there after a reopen. */
	OK(wats_queue_open(&shared_q, NULL, path, NULL));
	wats_queue_counts c;
	OK(wats_queue_count(&c, shared_q));
	assert_int_equal(c.items[WATS_QUEUE_QUEUED], GC_LIMIT);
	wats_queue_close(shared_q);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_group_commit_limit),
	};
	return cmocka_run_group_tests_name("queue_threads", tests, NULL, NULL);
}
