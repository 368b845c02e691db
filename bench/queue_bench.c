/*
 * queue_bench: the persistent queue's throughput on this machine's disk.
 *   enqueue with synchronous=FULL (the default: fsync per report) and NORMAL,
 *   claim + mark sent, count (O(1)) and claim latency with 100 000 items waiting,
 *   and the database size per item.
 * Usage: queue_bench [DIR] [N]    (DIR default /tmp; N default 5000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wats/wats.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void id_of(char out[37], unsigned int n)
{
	snprintf(out, 37, "00000000-0000-4000-8000-%012u", n);
}

static int fill(wats_queue *q, unsigned int n, const char *payload, size_t len)
{
	for (unsigned int i = 0; i < n; i++) {
		char id[37];
		id_of(id, i);
		wats_queue_entry e = WATS_QUEUE_ENTRY_INIT;
		e.id = id;
		e.payload = payload;
		e.payload_len = len;
		e.priority = 1 + (int)(i % 10);
		e.source = "/var/lib/station/inbox/result.json";
		e.correlation_id = "0123456789abcdef";
		e.converter = "wsjf";
		if (wats_queue_enqueue(q, &e)) {
			fprintf(stderr, "enqueue: %s\n", wats_error_last()->message);
			return -1;
		}
	}
	return 0;
}

struct gc_arg {
	wats_queue *q;
	unsigned int first, n;
	const char *payload;
	size_t len;
};

static void *gc_worker(void *p)
{
	struct gc_arg *a = p;
	for (unsigned int i = 0; i < a->n; i++) {
		char id[37];
		id_of(id, a->first + i);
		wats_queue_entry e = WATS_QUEUE_ENTRY_INIT;
		e.id = id;
		e.payload = a->payload;
		e.payload_len = a->len;
		if (wats_queue_enqueue(a->q, &e))
			fprintf(stderr, "enqueue: %s\n", wats_error_last()->message);
	}
	return NULL;
}

static void rm_db(const char *p)
{
	char b[4200];
	unlink(p);
	snprintf(b, sizeof(b), "%s-wal", p);
	unlink(b);
	snprintf(b, sizeof(b), "%s-shm", p);
	unlink(b);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	unsigned int n = argc > 2 ? (unsigned int)atoi(argv[2]) : 5000;
	char path[4096];
	snprintf(path, sizeof(path), "%s/queue_bench.db", dir);
	char payload[2048];
	memset(payload, 'x', sizeof(payload));
	payload[0] = '{';
	size_t plen = 1500; /* a small WSJF report */

	for (int mode = 0; mode < 2; mode++) {
		rm_db(path);
		wats_queue_options o = WATS_QUEUE_OPTIONS_INIT;
		o.flags = mode ? WATS_QUEUE_SYNC_NORMAL : 0;
		wats_queue *q = NULL;
		if (wats_queue_open(&q, NULL, path, &o)) {
			fprintf(stderr, "%s\n", wats_error_last()->message);
			return 1;
		}
		unsigned int m = mode ? n : n / 5;
		double t0 = now();
		if (fill(q, m, payload, plen))
			return 1;
		double t1 = now();
		printf("enqueue (%s): %u items in %.3f s = %.0f/s (%.3f ms each)\n",
		       mode ? "synchronous=NORMAL" : "synchronous=FULL, the default", m, t1 - t0,
		       m / (t1 - t0), (t1 - t0) * 1000 / m);
		if (mode) {
			t0 = now();
			size_t done = 0;
			for (;;) {
				wats_queue_item *it[16];
				size_t k = 0;
				wats_queue_claim(it, &k, q, 16);
				if (!k)
					break;
				for (size_t i = 0; i < k; i++) {
					wats_queue_mark_sent(q, it[i]);
					wats_queue_item_free(it[i]);
				}
				done += k;
			}
			t1 = now();
			printf("claim (16 at a time) + mark sent: %zu items in %.3f s = %.0f/s\n", done,
			       t1 - t0, done / (t1 - t0));
		}
		wats_queue_close(q);
	}

	/* Group commit: 8 threads enqueuing durably at once (what watsd's converter workers do). */
	{
		rm_db(path);
		wats_queue *gq = NULL;
		wats_queue_open(&gq, NULL, path, NULL);
		enum { T = 8 };
		pthread_t th[T];
		struct gc_arg a[T];
		unsigned int per = n / 5 / T * 2;
		double g0 = now();
		for (int i = 0; i < T; i++) {
			a[i] = (struct gc_arg){ gq, (unsigned int)i * per, per, payload, plen };
			pthread_create(&th[i], NULL, gc_worker, &a[i]);
		}
		for (int i = 0; i < T; i++)
			pthread_join(th[i], NULL);
		double g1 = now();
		printf("enqueue (synchronous=FULL, %d threads, group commit): %u items in %.3f s = %.0f/s\n",
		       T, per * T, g1 - g0, per * T / (g1 - g0));
		wats_queue_close(gq);
	}

	/* 100 000 waiting items. */
	rm_db(path);
	wats_queue_options o = WATS_QUEUE_OPTIONS_INIT;
	o.flags = WATS_QUEUE_SYNC_NORMAL;
	wats_queue *q = NULL;
	wats_queue_open(&q, NULL, path, &o);
	unsigned int big = 100000;
	double t0 = now();
	fill(q, big, payload, plen);
	double t1 = now();
	printf("100000 items queued in %.2f s\n", t1 - t0);
	struct stat st;
	if (stat(path, &st) == 0)
		printf("database: %.1f MB (%.0f bytes per item of %zu payload bytes)\n",
		       (double)st.st_size / 1e6, (double)st.st_size / big, plen);
	wats_queue_counts c;
	t0 = now();
	for (int i = 0; i < 1000; i++)
		wats_queue_count(&c, q);
	t1 = now();
	printf("count with 100000 waiting: %.1f us\n", (t1 - t0) * 1e6 / 1000);
	t0 = now();
	for (int i = 0; i < 1000; i++) {
		wats_queue_item *it[1];
		size_t k = 0;
		wats_queue_claim(it, &k, q, 1);
		if (k) {
			wats_queue_mark_error(NULL, q, it[0], "bench", 503); /* due later: skipped next */
			wats_queue_item_free(it[0]);
		}
	}
	t1 = now();
	printf("claim 1 + mark error with 100000 waiting: %.1f us per item\n", (t1 - t0) * 1e6 / 1000);
	wats_queue_close(q);
	rm_db(path);
	return 0;
}
