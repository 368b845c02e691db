/*
 * Crash safety of the queue with real processes.
 *
 *  - kill -9 at random moments: a child enqueues, claims and marks in a loop and acknowledges
 *    each enqueue on a pipe once wats_queue_enqueue has returned; the parent kills it after a
 *    random number of acknowledgements. Reopened, every acknowledged report is there, once,
 *    nothing is left 'transferring', the trigger-kept totals match a recount and SQLite's
 *    integrity check passes.
 *  - _exit inside a transaction: the queue's clock callback is called inside every write
 *    transaction, so a child whose clock calls _exit on its Nth call dies exactly there: in
 *    the middle of an enqueue that replaces an item, of a claim, of a mark. For every N the
 *    reopened queue holds either the old or the new state, never neither.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "testutil.h"
#include "wats/wats.h"

#define OK(x) do { int rc_ = (x); if (rc_) fail_msg("%s: %d: %s", #x, rc_, wats_error_last()->message); } while (0)

static void id_of(char out[37], unsigned int n)
{
	snprintf(out, 37, "00000000-0000-4000-8000-%012u", n);
}

static int enqueue(wats_queue *q, unsigned int n, const char *payload)
{
	char id[37];
	id_of(id, n);
	wats_queue_entry e = WATS_QUEUE_ENTRY_INIT;
	e.id = id;
	e.payload = payload;
	e.payload_len = strlen(payload);
	e.priority = 1 + (int)(n % 10);
	e.source = "crash.json";
	return wats_queue_enqueue(q, &e);
}

static void check_db(const char *path, wats_queue *q)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT state, count(*), sum(size) FROM items GROUP BY state",
					    -1, &s, NULL), SQLITE_OK);
	wats_queue_counts c;
	OK(wats_queue_count(&c, q));
	uint64_t seen = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		int st = sqlite3_column_int(s, 0);
		assert_int_equal(c.items[st], (uint64_t)sqlite3_column_int64(s, 1));
		assert_int_equal(c.bytes[st], (uint64_t)sqlite3_column_int64(s, 2));
		seen += (uint64_t)sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	assert_int_equal(seen, c.items[0]);
	assert_int_equal(c.items[WATS_QUEUE_TRANSFERRING], 0);
	/* Every unsent item has its payload. */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM items i LEFT JOIN payloads p USING(seq)"
					    " WHERE i.state != 5 AND p.data IS NULL", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* The child of the kill -9 test: work until killed. */
static void worker(const char *path, int fd, unsigned int base)
{
	wats_queue *q = NULL;
	if (wats_queue_open(&q, NULL, path, NULL))
		_exit(2);
	for (unsigned int i = 0;; i++) {
		if (enqueue(q, base + i, "{\"payload\":\"some report text to make the row longer\"}")) {
			fprintf(stderr, "worker: %s\n", wats_error_last()->message);
			_exit(3);
		}
		if (write(fd, &i, sizeof(i)) != (ssize_t)sizeof(i))
			_exit(4);
		if (i % 3 == 0) {
			wats_queue_item *it[4];
			size_t n = 0;
			if (wats_queue_claim(it, &n, q, 4))
				_exit(5);
			for (size_t k = 0; k < n; k++) {
				if (k % 2 == 0)
					wats_queue_mark_sent(q, it[k]);
				else if (k % 3 == 0)
					wats_queue_mark_error(NULL, q, it[k], "simulated", 503);
				/* else: left transferring, for recovery to find */
				wats_queue_item_free(it[k]);
			}
		}
		if (i % 7 == 0) /* replace an earlier one (idempotent re-enqueue) */
			enqueue(q, base + i / 2, "{\"payload\":\"replaced\"}");
	}
}

static void test_kill9_random(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[4096];
	snprintf(path, sizeof(path), "%s/q.db", dir);
	srand(1234);
	unsigned int base = 1;
	for (int round = 0; round < 12; round++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			worker(path, fds[1], base);
		}
		close(fds[1]);
		unsigned int want = 1 + (unsigned int)(rand() % 120), got = 0, idx;
		unsigned char *acked = calloc(100000, 1);
		while (got < want && read(fds[0], &idx, sizeof(idx)) == (ssize_t)sizeof(idx)) {
			acked[idx] = 1;
			got++;
		}
		kill(pid, SIGKILL);
		/* Acknowledgements written just before the kill still count. */
		while (read(fds[0], &idx, sizeof(idx)) == (ssize_t)sizeof(idx))
			acked[idx] = 1;
		close(fds[0]);
		int st = 0;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (!WIFSIGNALED(st)) /* it was killed, it did not fail on its own */
			fail_msg("round %d: the worker exited with %d by itself", round, WEXITSTATUS(st));

		wats_queue *q = NULL;
		size_t recovered = 0;
		OK(wats_queue_open(&q, &recovered, path, NULL));
		check_db(path, q);
		unsigned int top = 0;
		for (unsigned int i = 0; i < 100000; i++) {
			if (!acked[i])
				continue;
			top = i;
			char id[37];
			id_of(id, base + i);
			wats_queue_item *it = NULL;
			OK(wats_queue_get(&it, q, id, 0));
			wats_queue_item_free(it);
		}
		free(acked);
		wats_queue_close(q);
		base += top + 1000;
	}
	tu_rmtree(dir);
	free(dir);
}

/* The scripted child of the _exit test: the clock calls _exit on its die_at-th call. */
static int clock_calls, die_at;

static int64_t dying_clock(void *payload)
{
	(void)payload;
	if (++clock_calls == die_at)
		_exit(42);
	return 1700000000000 + clock_calls;
}

static void script(const char *path)
{
	wats_queue_options o = WATS_QUEUE_OPTIONS_INIT;
	o.clock = dying_clock;
	o.seed = 7;
	wats_queue *q = NULL;
	if (wats_queue_open(&q, NULL, path, &o))
		_exit(2);
	wats_queue_item *it[2];
	size_t n = 0;
	enqueue(q, 1, "{\"v\":1}");
	enqueue(q, 2, "{\"v\":1}");
	wats_queue_claim(it, &n, q, 2);
	if (n > 0)
		wats_queue_mark_error(NULL, q, it[0], "e", 500);
	if (n > 1)
		wats_queue_mark_sent(q, it[1]);
	for (size_t k = 0; k < n; k++)
		wats_queue_item_free(it[k]);
	enqueue(q, 1, "{\"v\":2}"); /* replace */
	enqueue(q, 2, "{\"v\":2}"); /* re-queue a sent one */
	wats_queue_pause(q, 1, "x");
	wats_queue_claim(it, &n, q, 1);
	if (n)
		wats_queue_release(q, it[0], 0);
	for (size_t k = 0; k < n; k++)
		wats_queue_item_free(it[k]);
	wats_queue_close(q);
	_exit(0);
}

static void test_exit_inside_transactions(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	int completed = 0;
	for (die_at = 1; die_at < 80 && !completed; die_at++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/q%d.db", dir, die_at);
		clock_calls = 0;
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			script(path);
		int st = 0;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		assert_true(WEXITSTATUS(st) == 42 || WEXITSTATUS(st) == 0);
		completed = WEXITSTATUS(st) == 0;
		wats_queue *q = NULL;
		OK(wats_queue_open(&q, NULL, path, NULL));
		check_db(path, q);
		/* Whatever the moment, an id once enqueued is never missing afterwards. */
		wats_queue_counts c;
		OK(wats_queue_count(&c, q));
		char id[37];
		id_of(id, 1);
		wats_queue_item *it = NULL;
		int rc = wats_queue_get(&it, q, id, WATS_QUEUE_WITH_PAYLOAD);
		if (c.items[0] >= 1 && rc == WATS_ENOTFOUND)
			fail_msg("die_at %d: item 1 lost", die_at);
		if (rc == 0) {
			assert_true(!strcmp(it->payload, "{\"v\":1}") || !strcmp(it->payload, "{\"v\":2}"));
			wats_queue_item_free(it);
		}
		wats_queue_close(q);
	}
	assert_true(completed); /* the script ran to its end at last: every point was covered */
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill9_random),
		cmocka_unit_test(test_exit_inside_transactions),
	};
	return cmocka_run_group_tests_name("queue_crash", tests, NULL, NULL);
}
