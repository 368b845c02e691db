/* Counts, lists, retry, purge, clean-up and the whole-queue pause. */
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
/* Inspection and operator commands                                                          */

int wats_queue_count(wats_queue_counts *out, wats_queue *q)
{
	if (!out || !q)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_queue_count: need out and a queue");
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&q->lock);
	/* One read transaction so the numbers agree with each other. */
	int rc = wats__q_exec(q, "BEGIN", "begin read");
	if (rc)
		goto unlock;
	totals t;
	rc = wats__q_read_totals(q, &t);
	for (int i = 1; rc == 0 && i < WATS_QUEUE_STATE_COUNT; i++) {
		out->items[i] = (uint64_t)(t.items[i] > 0 ? t.items[i] : 0);
		out->bytes[i] = (uint64_t)(t.bytes[i] > 0 ? t.bytes[i] : 0);
		out->items[0] += out->items[i];
		out->bytes[0] += out->bytes[i];
		if (wats__q_unsent(i)) {
			out->unsent_items += out->items[i];
			out->unsent_bytes += out->bytes[i];
		}
	}
	if (rc == 0) {
		out->paused_until_ms = wats__q_paused_until_locked(q, &rc, NULL);
		if (out->paused_until_ms <= wats_queue_now(q))
			out->paused_until_ms = 0;
	}
	for (int p = 1; p <= NPRIO && rc == 0; p++) {
		sqlite3_stmt *s = wats__q_stmt(q, S_NEXT_DUE, &rc);
		if (!s)
			break;
		sqlite3_bind_int(s, 1, p);
		int src = sqlite3_step(s);
		if (src == SQLITE_ROW) {
			int64_t v = sqlite3_column_int64(s, 0);
			if (!out->next_due_ms || v < out->next_due_ms)
				out->next_due_ms = v;
		} else if (src != SQLITE_DONE) {
			rc = wats__q_dberr(q, src, "next due");
		}
		wats__q_done(s);
	}
	for (int st = 1; st < WATS_QUEUE_STATE_COUNT && rc == 0; st++) {
		if (!wats__q_unsent(st) || !out->items[st])
			continue;
		sqlite3_stmt *s = wats__q_stmt(q, S_OLDEST, &rc);
		if (!s)
			break;
		sqlite3_bind_int(s, 1, st);
		int src = sqlite3_step(s);
		if (src == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
			int64_t v = sqlite3_column_int64(s, 0);
			if (!out->oldest_waiting_ms || v < out->oldest_waiting_ms)
				out->oldest_waiting_ms = v;
		} else if (src != SQLITE_ROW && src != SQLITE_DONE) {
			rc = wats__q_dberr(q, src, "oldest item");
		}
		wats__q_done(s);
	}
	wats__q_rollback(q); /* end the read transaction */
unlock:
	pthread_mutex_unlock(&q->lock);
	return rc;
}

/* "(1,3,4)" for a state mask. */
static void mask_list(char *buf, size_t size, unsigned int mask)
{
	size_t n = 0;
	buf[n++] = '(';
	for (int i = 1; i < WATS_QUEUE_STATE_COUNT && n + 4 < size; i++)
		if (mask & WATS_QUEUE_MASK(i)) {
			if (n > 1)
				buf[n++] = ',';
			buf[n++] = (char)('0' + i);
		}
	if (n == 1)
		buf[n++] = '0';
	buf[n++] = ')';
	buf[n] = '\0';
}

int wats_queue_list(wats_queue_item ***out, size_t *n, wats_queue *q, unsigned int mask,
		    size_t offset, size_t limit, unsigned int flags)
{
	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n || !q)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_queue_list: need out, n and a queue");
	if (!limit)
		limit = 1000;
	char states[32], sql[256];
	mask_list(states, sizeof(states), mask);
	snprintf(sql, sizeof(sql),
		 "SELECT " ITEM_COLS " FROM items WHERE state IN %s ORDER BY seq LIMIT ?1 OFFSET ?2",
		 states);
	pthread_mutex_lock(&q->lock);
	int rc = wats__q_exec(q, "BEGIN", "begin read");
	if (rc) {
		pthread_mutex_unlock(&q->lock);
		return rc;
	}
	sqlite3_stmt *s = NULL;
	int src = sqlite3_prepare_v2(q->db, sql, -1, &s, NULL);
	wats_queue_item **arr = NULL;
	size_t k = 0, cap = 0;
	if (src != SQLITE_OK) {
		rc = wats__q_dberr(q, src, "list");
		goto end;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)limit);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)offset);
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if (k == cap) {
			size_t nc = cap ? cap * 2 : 16;
			wats_queue_item **na = realloc(arr, nc * sizeof(*na));
			if (!na) {
				rc = wats__error_oom();
				break;
			}
			arr = na;
			cap = nc;
		}
		wats_queue_item *it = wats__q_row_item(s);
		if (!it) {
			rc = wats__error_oom();
			break;
		}
		arr[k++] = it;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = wats__q_dberr(q, src, "list");
	sqlite3_finalize(s);
	for (size_t i = 0; i < k && rc == 0; i++)
		rc = wats__q_load_extra(q, arr[i], flags);
end:
	wats__q_rollback(q);
	pthread_mutex_unlock(&q->lock);
	if (rc) {
		wats_queue_items_free(arr, k);
		return rc;
	}
	*out = arr;
	*n = k;
	return 0;
}

int wats_queue_get(wats_queue_item **out, wats_queue *q, const char *id, unsigned int flags)
{
	if (out)
		*out = NULL;
	if (!out || !q)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_queue_get: need out and a queue");
	char cid[37];
	int rc = wats__q_canon_id(cid, id);
	if (rc)
		return rc;
	pthread_mutex_lock(&q->lock);
	rc = wats__q_exec(q, "BEGIN", "begin read");
	if (rc) {
		pthread_mutex_unlock(&q->lock);
		return rc;
	}
	sqlite3_stmt *s = NULL;
	int src = sqlite3_prepare_v2(q->db, "SELECT " ITEM_COLS " FROM items WHERE id = ?1", -1, &s, NULL);
	wats_queue_item *it = NULL;
	if (src != SQLITE_OK) {
		rc = wats__q_dberr(q, src, "get");
	} else {
		sqlite3_bind_text(s, 1, cid, -1, SQLITE_STATIC);
		src = sqlite3_step(s);
		if (src == SQLITE_ROW) {
			it = wats__q_row_item(s);
			if (!it)
				rc = wats__error_oom();
		} else if (src == SQLITE_DONE) {
			rc = wats__error(WATS_ENOTFOUND, WATS_ERRCLASS_QUEUE, "queue: no item %s", cid);
		} else {
			rc = wats__q_dberr(q, src, "get");
		}
	}
	sqlite3_finalize(s);
	if (rc == 0)
		rc = wats__q_load_extra(q, it, flags);
	wats__q_rollback(q);
	pthread_mutex_unlock(&q->lock);
	if (rc) {
		wats_queue_item_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

/* Run one write statement with ?1 = now in a transaction; *n = changed rows. */
static int write_stmt(size_t *n, wats_queue *q, const char *sql, const char *cid,
		      const char *what)
{
	if (n)
		*n = 0;
	pthread_mutex_lock(&q->lock);
	int rc = wats__q_begin(q);
	if (rc) {
		pthread_mutex_unlock(&q->lock);
		return rc;
	}
	int64_t now = wats_queue_now(q);
	sqlite3_stmt *s = NULL;
	int src = sqlite3_prepare_v2(q->db, sql, -1, &s, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, now);
		if (cid)
			sqlite3_bind_text(s, 2, cid, -1, SQLITE_STATIC);
		src = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (src != SQLITE_DONE)
		rc = wats__q_dberr(q, src, what);
	else if (n)
		*n = (size_t)sqlite3_changes(q->db);
	if (rc == 0)
		rc = wats__q_commit(q);
	else
		wats__q_rollback(q);
	pthread_mutex_unlock(&q->lock);
	return rc;
}

int wats_queue_retry(size_t *n, wats_queue *q, const char *id, unsigned int mask)
{
	if (n)
		*n = 0;
	if (!q)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_queue_retry: need a queue");
	char sql[512], states[32];
	if (!mask)
		mask = WATS_QUEUE_MASK_PARKED;
	mask &= ~(WATS_QUEUE_MASK(WATS_QUEUE_TRANSFERRING) | WATS_QUEUE_MASK(WATS_QUEUE_SENT));
	mask_list(states, sizeof(states), mask);
	const char *set = "UPDATE items SET state = 1, attempts = 0, rev = rev + 1, next_attempt = ?1,"
			  " updated = ?1, last_error = '', http_status = 0";
	if (id) {
		char cid[37];
		int rc = wats__q_canon_id(cid, id);
		if (rc)
			return rc;
		wats_queue_item *it = NULL;
		rc = wats_queue_get(&it, q, cid, 0);
		if (rc)
			return rc;
		wats_queue_state st = it->state;
		wats_queue_item_free(it);
		if (st == WATS_QUEUE_SENT || st == WATS_QUEUE_TRANSFERRING)
			return wats__error(WATS_EINVAL, WATS_ERRCLASS_QUEUE,
					   "queue: item %s is %s; only queued, error, invalid or failed "
					   "items can be retried", cid, wats_queue_state_name(st));
		snprintf(sql, sizeof(sql), "%s WHERE id = ?2 AND state IN (1,3,4,6)", set);
		rc = write_stmt(n, q, sql, cid, "retry");
		return rc;
	}
	snprintf(sql, sizeof(sql), "%s WHERE state IN %s", set, states);
	return write_stmt(n, q, sql, NULL, "retry");
}

int wats_queue_purge(size_t *n, wats_queue *q, const char *id, unsigned int mask)
{
	if (n)
		*n = 0;
	if (!q)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_queue_purge: need a queue");
	char sql[256], states[32];
	if (id) {
		char cid[37];
		int rc = wats__q_canon_id(cid, id);
		if (rc)
			return rc;
		/* ?1 (now) is unused but bound; keep it in the text so numbering holds. */
		size_t k = 0;
		rc = write_stmt(&k, q, "DELETE FROM items WHERE id = ?2 AND ?1 = ?1", cid, "purge");
		if (rc == 0 && !k)
			return wats__error(WATS_ENOTFOUND, WATS_ERRCLASS_QUEUE, "queue: no item %s", cid);
		if (n)
			*n = k;
		return rc;
	}
	if (!mask)
		mask = WATS_QUEUE_MASK_PARKED;
	mask &= ~WATS_QUEUE_MASK(WATS_QUEUE_TRANSFERRING);
	mask_list(states, sizeof(states), mask);
	snprintf(sql, sizeof(sql), "DELETE FROM items WHERE state IN %s AND ?1 = ?1", states);
	return write_stmt(n, q, sql, NULL, "purge");
}

int wats_queue_cleanup(size_t *n, wats_queue *q, int64_t age_ms)
{
	if (n)
		*n = 0;
	if (!q || age_ms < 0)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_queue_cleanup: need a queue and an age >= 0");
	char sql[200];
	snprintf(sql, sizeof(sql), "DELETE FROM items WHERE state = 5 AND sent <= ?1 - %lld",
		 (long long)age_ms);
	return write_stmt(n, q, sql, NULL, "clean up sent items");
}

int wats_queue_pause(wats_queue *q, int64_t until_ms, const char *reason)
{
	if (!q)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_queue_pause: need a queue");
	pthread_mutex_lock(&q->lock);
	int rc = wats__q_begin(q);
	if (rc == 0) {
		sqlite3_stmt *s = NULL;
		int src = sqlite3_prepare_v2(q->db,
					     "INSERT OR REPLACE INTO meta(key, value) VALUES('paused_until', ?1),"
					     " ('pause_reason', ?2)", -1, &s, NULL);
		if (src == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, until_ms > 0 ? until_ms : 0);
			sqlite3_bind_text(s, 2, reason ? reason : "", -1, SQLITE_STATIC);
			src = sqlite3_step(s);
		}
		sqlite3_finalize(s);
		if (src != SQLITE_DONE)
			rc = wats__q_dberr(q, src, "pause");
		if (rc == 0)
			rc = wats__q_commit(q);
		else
			wats__q_rollback(q);
	}
	pthread_mutex_unlock(&q->lock);
	return rc;
}

int wats_queue_paused(int64_t *until_ms, char **reason, wats_queue *q)
{
	if (until_ms)
		*until_ms = 0;
	if (reason)
		*reason = NULL;
	if (!until_ms || !q)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_queue_paused: need until_ms and a queue");
	pthread_mutex_lock(&q->lock);
	int rc = 0;
	int64_t u = wats__q_paused_until_locked(q, &rc, reason);
	pthread_mutex_unlock(&q->lock);
	if (rc) {
		if (reason) {
			free(*reason);
			*reason = NULL;
		}
		return rc;
	}
	*until_ms = u > wats_queue_now(q) ? u : 0;
	return 0;
}
