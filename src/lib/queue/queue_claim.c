/* Claiming due items for sending, and recording what became of them. */
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

int64_t wats__q_paused_until_locked(wats_queue *q, int *rc, char **reason)
{
	int64_t until = 0;
	sqlite3_stmt *s = wats__q_stmt(q, S_META_GET, rc);
	if (!s)
		return 0;
	sqlite3_bind_text(s, 1, "paused_until", -1, SQLITE_STATIC);
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		until = sqlite3_column_int64(s, 0);
	else if (src != SQLITE_DONE)
		*rc = wats__q_dberr(q, src, "read pause");
	wats__q_done(s);
	if (reason && *rc == 0) {
		s = wats__q_stmt(q, S_META_GET, rc);
		if (!s)
			return until;
		sqlite3_bind_text(s, 1, "pause_reason", -1, SQLITE_STATIC);
		src = sqlite3_step(s);
		*reason = src == SQLITE_ROW ? wats__q_col_text(s, 0) : strdup("");
		if (!*reason)
			*rc = wats__error_oom();
		wats__q_done(s);
	}
	return until;
}

/* Claim the item at seq (already known to be claimable) and read it with its payload. */
static int claim_seq(wats_queue *q, wats_queue_item **out, int64_t seq, int64_t now)
{
	int rc = 0;
	sqlite3_stmt *s = wats__q_stmt(q, S_CLAIM_UPDATE, &rc);
	if (!s)
		return rc;
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, now);
	int src = sqlite3_step(s);
	wats__q_done(s);
	if (src != SQLITE_DONE)
		return wats__q_dberr(q, src, "claim item");
	if (sqlite3_changes(q->db) != 1)
		return WATS_ENOTFOUND;
	sqlite3_stmt *g = NULL;
	src = sqlite3_prepare_v2(q->db, "SELECT " ITEM_COLS " FROM items WHERE seq = ?1", -1, &g, NULL);
	if (src != SQLITE_OK)
		return wats__q_dberr(q, src, "read item");
	sqlite3_bind_int64(g, 1, seq);
	src = sqlite3_step(g);
	wats_queue_item *it = NULL;
	if (src == SQLITE_ROW) {
		it = wats__q_row_item(g);
		if (!it)
			rc = wats__error_oom();
	} else {
		rc = wats__q_dberr(q, src, "read item");
	}
	sqlite3_finalize(g);
	if (rc == 0)
		rc = wats__q_load_extra(q, it, WATS_QUEUE_WITH_PAYLOAD);
	if (rc == 0 && !it->payload)
		rc = wats__error(WATS_EIO, WATS_ERRCLASS_QUEUE, "queue %s: item %s has no payload",
				 q->path, it->id);
	if (rc) {
		wats_queue_item_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

int wats_queue_claim(wats_queue_item **out, size_t *n, wats_queue *q, size_t max)
{
	if (n)
		*n = 0;
	if (!out || !n || !q)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_queue_claim: need out, n and a queue");
	if (!max)
		return 0;
	pthread_mutex_lock(&q->lock);
	int rc = wats__q_begin(q);
	if (rc)
		goto unlock;
	int64_t now = wats_queue_now(q);
	int64_t until = wats__q_paused_until_locked(q, &rc, NULL);
	if (rc || until > now)
		goto end;
	/* Walk the priorities: each is one range of the partial index. */
	int64_t *seqs = malloc(max * sizeof(*seqs));
	if (!seqs) {
		rc = wats__error_oom();
		goto end;
	}
	size_t k = 0;
	for (int p = 1; p <= NPRIO && k < max && rc == 0; p++) {
		sqlite3_stmt *s = wats__q_stmt(q, S_CLAIM_SELECT, &rc);
		if (!s)
			break;
		sqlite3_bind_int(s, 1, p);
		sqlite3_bind_int64(s, 2, now);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)(max - k));
		int src;
		while ((src = sqlite3_step(s)) == SQLITE_ROW)
			seqs[k++] = sqlite3_column_int64(s, 0);
		if (src != SQLITE_DONE)
			rc = wats__q_dberr(q, src, "select due items");
		wats__q_done(s);
	}
	for (size_t i = 0; i < k && rc == 0; i++) {
		rc = claim_seq(q, &out[*n], seqs[i], now);
		if (rc == 0)
			(*n)++;
	}
	free(seqs);
end:
	if (rc == 0)
		rc = wats__q_commit(q);
	if (rc) {
		wats__q_rollback(q);
		for (size_t i = 0; i < *n; i++) {
			wats_queue_item_free(out[i]);
			out[i] = NULL;
		}
		*n = 0;
	}
unlock:
	pthread_mutex_unlock(&q->lock);
	return rc;
}

int wats_queue_claim_id(wats_queue_item **out, wats_queue *q, const char *id)
{
	if (out)
		*out = NULL;
	if (!out || !q)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_queue_claim_id: need out and a queue");
	char cid[37];
	int rc = wats__q_canon_id(cid, id);
	if (rc)
		return rc;
	pthread_mutex_lock(&q->lock);
	rc = wats__q_begin(q);
	if (rc)
		goto unlock;
	sqlite3_stmt *s = wats__q_stmt(q, S_FIND_ID, &rc);
	if (!s)
		goto end;
	sqlite3_bind_text(s, 1, cid, -1, SQLITE_STATIC);
	int src = sqlite3_step(s);
	int64_t seq = 0;
	int state = 0;
	if (src == SQLITE_ROW) {
		seq = sqlite3_column_int64(s, 0);
		state = sqlite3_column_int(s, 2);
	}
	wats__q_done(s);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		rc = wats__q_dberr(q, src, "look up id");
	else if (!seq || (state != WATS_QUEUE_QUEUED && state != WATS_QUEUE_ERROR))
		rc = wats__error(WATS_ENOTFOUND, WATS_ERRCLASS_QUEUE,
				 "queue: no queued item %s to claim%s%s", cid, seq ? "; it is " : "",
				 seq ? wats_queue_state_name((wats_queue_state)state) : "");
	else {
		rc = claim_seq(q, out, seq, wats_queue_now(q));
		if (rc == WATS_ENOTFOUND)
			rc = wats__error(WATS_ENOTFOUND, WATS_ERRCLASS_QUEUE, "queue: item %s was claimed meanwhile", cid);
	}
end:
	if (rc == 0)
		rc = wats__q_commit(q);
	if (rc) {
		wats__q_rollback(q);
		wats_queue_item_free(*out);
		*out = NULL;
	}
unlock:
	pthread_mutex_unlock(&q->lock);
	return rc;
}

/* One state change of a claimed item. attempts_delta is 0, or -1 for a release. */
static int mark(wats_queue *q, const wats_queue_item *it, wats_queue_state st, int64_t next,
		const char *msg, int http, int attempts_delta, int drop_payload)
{
	if (!q || !it)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "queue mark: need a queue and an item");
	pthread_mutex_lock(&q->lock);
	int rc = wats__q_begin(q);
	if (rc)
		goto unlock;
	int64_t now = wats_queue_now(q);
	sqlite3_stmt *s = wats__q_stmt(q, S_MARK, &rc);
	if (!s)
		goto end;
	sqlite3_bind_int64(s, 1, it->seq);
	sqlite3_bind_int64(s, 2, it->rev);
	sqlite3_bind_int(s, 3, (int)st);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, next ? next : now);
	sqlite3_bind_text(s, 6, msg ? msg : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, http);
	sqlite3_bind_int64(s, 8, st == WATS_QUEUE_SENT ? now : 0);
	sqlite3_bind_int(s, 9, attempts_delta);
	int src = sqlite3_step(s);
	wats__q_done(s);
	if (src != SQLITE_DONE) {
		rc = wats__q_dberr(q, src, "update item");
		goto end;
	}
	if (sqlite3_changes(q->db) != 1) {
		rc = wats__error(WATS_ECONFLICT, WATS_ERRCLASS_QUEUE,
				 "queue: item %s is no longer this claim (replaced, retried, purged or "
				 "recovered meanwhile); left as it is", it->id ? it->id : "?");
		goto end;
	}
	if (drop_payload) {
		s = wats__q_stmt(q, S_DROP_PAYLOAD, &rc);
		if (!s)
			goto end;
		sqlite3_bind_int64(s, 1, it->seq);
		src = sqlite3_step(s);
		wats__q_done(s);
		if (src != SQLITE_DONE)
			rc = wats__q_dberr(q, src, "drop payload");
	}
end:
	if (rc == 0)
		rc = wats__q_commit(q);
	else
		wats__q_rollback(q);
unlock:
	pthread_mutex_unlock(&q->lock);
	return rc;
}

int wats_queue_mark_sent(wats_queue *q, const wats_queue_item *it)
{
	return mark(q, it, WATS_QUEUE_SENT, 0, "", 0, 0, 1);
}

int wats_queue_mark_error(wats_queue_state *state_out, wats_queue *q, const wats_queue_item *it,
			  const char *message, int http_status)
{
	if (state_out)
		*state_out = 0;
	if (!q || !it)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "queue mark: need a queue and an item");
	/* The limits may change (wats_queue_set_limits): read them under the lock. */
	pthread_mutex_lock(&q->lock);
	unsigned int max_attempts = q->opt.max_attempts;
	uint64_t base_ms = q->opt.backoff_base_ms, ceiling = q->opt.backoff_max_ms;
	pthread_mutex_unlock(&q->lock);
	if (it->attempts >= max_attempts) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "gave up after %u attempts: %s", it->attempts,
			 message ? message : "");
		int rc = mark(q, it, WATS_QUEUE_FAILED, 0, msg, http_status, 0, 0);
		if (rc == 0 && state_out)
			*state_out = WATS_QUEUE_FAILED;
		return rc;
	}
	/* Full jitter: uniform in [0, min(cap, base * 2^(attempts-1))]. */
	unsigned int n = it->attempts ? it->attempts - 1 : 0;
	if (n < 32) {
		uint64_t e = base_ms << n;
		if (e < ceiling)
			ceiling = e;
	}
	pthread_mutex_lock(&q->lock);
	uint64_t delay = wats__q_next_rand(q) % (ceiling + 1);
	pthread_mutex_unlock(&q->lock);
	int rc = mark(q, it, WATS_QUEUE_ERROR, wats_queue_now(q) + (int64_t)delay, message,
		      http_status, 0, 0);
	if (rc == 0 && state_out)
		*state_out = WATS_QUEUE_ERROR;
	return rc;
}

int wats_queue_mark_invalid(wats_queue *q, const wats_queue_item *it, const char *message,
			    int http_status)
{
	return mark(q, it, WATS_QUEUE_INVALID, 0, message, http_status, 0, 0);
}

int wats_queue_mark_failed(wats_queue *q, const wats_queue_item *it, const char *message,
			   int http_status)
{
	return mark(q, it, WATS_QUEUE_FAILED, 0, message, http_status, 0, 0);
}

int wats_queue_release(wats_queue *q, const wats_queue_item *it, int64_t delay_ms)
{
	if (!q || !it)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "queue release: need a queue and an item");
	int64_t next = wats_queue_now(q) + (delay_ms > 0 ? delay_ms : 0);
	return mark(q, it, WATS_QUEUE_QUEUED, next, it->last_error, it->http_status,
		    it->attempts ? -1 : 0, 0);
}
