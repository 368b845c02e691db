/* Enqueue: durable before it returns, with group commit of concurrent callers; limits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "queue/queue_int.h"
#include "util/error.h"
#include "util/uuid.h"

/* ---------------------------------------------------------------------------------------- */
/* Items                                                                                    */

void wats_queue_item_free(wats_queue_item *it)
{
	if (!it)
		return;
	free(it->id);
	free(it->last_error);
	free(it->payload);
	free(it->source);
	free(it->correlation_id);
	free(it->converter);
	free(it->log);
	free(it);
}

void wats_queue_items_free(wats_queue_item **items, size_t n)
{
	if (!items)
		return;
	for (size_t i = 0; i < n; i++)
		wats_queue_item_free(items[i]);
	free(items);
}


int wats__q_read_totals(wats_queue *q, totals *t)
{
	memset(t, 0, sizeof(*t));
	int rc = 0;
	sqlite3_stmt *s = wats__q_stmt(q, S_TOTALS, &rc);
	if (!s)
		return rc;
	int src;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		int st = sqlite3_column_int(s, 0);
		if (st >= 1 && st < WATS_QUEUE_STATE_COUNT) {
			t->items[st] = sqlite3_column_int64(s, 1);
			t->bytes[st] = sqlite3_column_int64(s, 2);
		}
	}
	if (src != SQLITE_DONE)
		rc = wats__q_dberr(q, src, "read totals");
	wats__q_done(s);
	return rc;
}

int wats__q_unsent(int st)
{
	return st != WATS_QUEUE_SENT;
}

/* Delete an item by seq (its payload goes with it: trigger items_del). */
static int delete_seq(wats_queue *q, int64_t seq)
{
	int rc = 0;
	sqlite3_stmt *s = wats__q_stmt(q, S_DELETE_SEQ, &rc);
	if (!s)
		return rc;
	sqlite3_bind_int64(s, 1, seq);
	int src = sqlite3_step(s);
	wats__q_done(s);
	return src == SQLITE_DONE ? 0 : wats__q_dberr(q, src, "delete item");
}

/* One enqueue inside the group's transaction, in its own savepoint so that a refused entry
 * (full queue) leaves the others of the group alone. */
static int enqueue_one(wats_queue *q, const wats_queue_entry *e, const char *id)
{
	int rc = wats__q_exec(q, "SAVEPOINT enq", "savepoint");
	if (rc)
		return rc;
	/* The item it replaces, if any. */
	int64_t old_seq = 0, old_rev = 0, old_size = 0;
	int old_state = 0;
	sqlite3_stmt *s = wats__q_stmt(q, S_FIND_ID, &rc);
	if (!s)
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		old_seq = sqlite3_column_int64(s, 0);
		old_rev = sqlite3_column_int64(s, 1);
		old_state = sqlite3_column_int(s, 2);
		old_size = sqlite3_column_int64(s, 3);
	}
	wats__q_done(s);
	if (src != SQLITE_ROW && src != SQLITE_DONE) {
		rc = wats__q_dberr(q, src, "look up id");
		goto out;
	}
	if (q->opt.max_items || q->opt.max_bytes) {
		totals t;
		rc = wats__q_read_totals(q, &t);
		if (rc)
			goto out;
		int64_t n = 0, b = 0;
		for (int i = 1; i < WATS_QUEUE_STATE_COUNT; i++)
			if (wats__q_unsent(i)) {
				n += t.items[i];
				b += t.bytes[i];
			}
		if (old_seq && wats__q_unsent(old_state)) {
			n -= 1;
			b -= old_size;
		}
		if (q->opt.max_items && (uint64_t)n + 1 > q->opt.max_items) {
			rc = wats__error(WATS_ELIMIT, WATS_ERRCLASS_QUEUE,
					 "queue %s is full: %lld items waiting (limit %llu); report %s was "
					 "not queued, keep its source and try again later", q->path,
					 (long long)n, (unsigned long long)q->opt.max_items, id);
			goto out;
		}
		if (q->opt.max_bytes && (uint64_t)b + e->payload_len > q->opt.max_bytes) {
			rc = wats__error(WATS_ELIMIT, WATS_ERRCLASS_QUEUE,
					 "queue %s is full: %lld bytes waiting + %zu would pass the limit of "
					 "%llu bytes; report %s was not queued, keep its source and try again "
					 "later", q->path, (long long)b, e->payload_len,
					 (unsigned long long)q->opt.max_bytes, id);
			goto out;
		}
	}
	if (old_seq) {
		rc = delete_seq(q, old_seq);
		if (rc)
			goto out;
	}
	int64_t now = wats_queue_now(q);
	s = wats__q_stmt(q, S_INSERT_ITEM, &rc);
	if (!s)
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, old_rev + 1);
	sqlite3_bind_int(s, 3, e->priority ? e->priority : 5);
	sqlite3_bind_int64(s, 4, e->not_before_ms > now ? e->not_before_ms : now);
	sqlite3_bind_int64(s, 5, now);
	sqlite3_bind_int(s, 6, e->format == WATS_WIRE_AUTO ? (int)wats__q_sniff(e->payload, e->payload_len)
							    : (int)e->format);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)e->payload_len);
	sqlite3_bind_text(s, 8, e->source ? e->source : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, e->correlation_id ? e->correlation_id : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, e->converter ? e->converter : "", -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	wats__q_done(s);
	if (src != SQLITE_DONE) {
		rc = wats__q_dberr(q, src, "insert item");
		goto out;
	}
	int64_t seq = sqlite3_last_insert_rowid(q->db);
	s = wats__q_stmt(q, S_INSERT_PAYLOAD, &rc);
	if (!s)
		goto out;
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_blob64(s, 2, e->payload, (sqlite3_uint64)e->payload_len, SQLITE_STATIC);
	if (e->log)
		sqlite3_bind_text(s, 3, e->log, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 3);
	src = sqlite3_step(s);
	wats__q_done(s);
	if (src != SQLITE_DONE) {
		rc = wats__q_dberr(q, src, "insert payload");
		goto out;
	}
	return wats__q_exec(q, "RELEASE enq", "release savepoint");
out:
	sqlite3_exec(q->db, "ROLLBACK TO enq; RELEASE enq", NULL, NULL, NULL);
	return rc;
}

/*
 * Group commit: enqueues from several threads that arrive while a commit is in progress are
 * committed together by one leader in one transaction with one fsync; each caller still
 * returns only after its own entry is durable (or with its own error).
 */
typedef struct gc_entry {
	const wats_queue_entry *e;
	const char *id;
	int rc, done, klass, http;
	char msg[512];
	struct gc_entry *next;
} gc_entry;

static void run_group(wats_queue *q, gc_entry *batch)
{
	pthread_mutex_lock(&q->lock);
	int rc = wats__q_set_sync(q, !(q->opt.flags & WATS_QUEUE_SYNC_NORMAL));
	rc = rc ? rc : wats__q_begin(q);
	int any = 0;
	for (gc_entry *g = batch; g; g = g->next) {
		if (rc) {
			g->rc = rc;
		} else {
			g->rc = enqueue_one(q, g->e, g->id);
			if (g->rc == 0)
				any = 1;
		}
		if (g->rc)
			snprintf(g->msg, sizeof(g->msg), "%s", wats_error_last()->message);
	}
	if (rc == 0) {
		rc = any ? wats__q_commit(q) : (wats__q_rollback(q), 0);
		if (rc) {
			/* The commit failed: none of the group is durable. */
			for (gc_entry *g = batch; g; g = g->next) {
				if (g->rc == 0) {
					g->rc = rc;
					snprintf(g->msg, sizeof(g->msg), "%s", wats_error_last()->message);
				}
			}
		}
	}
	wats__q_set_sync(q, 0);
	pthread_mutex_unlock(&q->lock);
}

int wats_queue_enqueue(wats_queue *q, const wats_queue_entry *e)
{
	if (!q || !e || e->version != WATS_QUEUE_ENTRY_VERSION)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_queue_enqueue: need a queue and an entry made with "
				   "WATS_QUEUE_ENTRY_INIT");
	char id[37];
	int rc = wats__q_canon_id(id, e->id);
	if (rc)
		return rc;
	if (!e->payload || !e->payload_len)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_QUEUE, "queue: report %s has no payload", id);
	if (e->priority < 0 || e->priority > NPRIO)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_QUEUE,
				   "queue: priority %d of report %s is outside 1..10", e->priority, id);
	if ((int)e->format < 0 || (int)e->format > WATS_WIRE_WSXF)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_QUEUE, "queue: unknown wire format %d",
				   (int)e->format);
	gc_entry me = { .e = e, .id = id };
	pthread_mutex_lock(&q->gc_lock);
	/* Append (FIFO, so a group keeps the callers' order). */
	gc_entry **tail = &q->gc_head;
	while (*tail)
		tail = &(*tail)->next;
	*tail = &me;
	while (!me.done) {
		if (!q->gc_busy) {
			q->gc_busy = 1;
			gc_entry *batch = q->gc_head;
			q->gc_head = NULL;
			pthread_mutex_unlock(&q->gc_lock);
			run_group(q, batch);
			pthread_mutex_lock(&q->gc_lock);
			for (gc_entry *g = batch, *nx; g; g = nx) {
				nx = g->next;
				g->done = 1;
			}
			q->gc_busy = 0;
			pthread_cond_broadcast(&q->gc_cv);
		} else {
			pthread_cond_wait(&q->gc_cv, &q->gc_lock);
		}
	}
	pthread_mutex_unlock(&q->gc_lock);
	if (me.rc) {
		/* The error happened on the leader's thread: raise it again on this one. */
		int klass = me.rc == WATS_ENOMEM ? WATS_ERRCLASS_NOMEM : WATS_ERRCLASS_QUEUE;
		return wats__error(me.rc, klass, "%s", me.msg);
	}
	return 0;
}
