/*
 * The submit modes of the official .NET API over the persistent queue: wats_submit (Automatic,
 * Online, Offline), wats_queue_send (one claimed item) and wats_submit_pending
 * (SubmitPendingReports). See queue.h for the decision table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue_int.h"
#include "util/error.h"
#include "util/uuid.h"
#include "wats/log.h"

/* What to do with an item after a failed send. */
typedef enum {
	ACT_RETRY,    /* 'error' with backoff; transport/5xx: the pass should stop when transport */
	ACT_INVALID,  /* 400 */
	ACT_FAIL,     /* a 4xx no retry will fix */
	ACT_RELEASE,  /* nothing was sent (breaker) */
	ACT_PAUSE     /* 429: pause the whole queue, give the item back */
} action;

static action classify(int rc, int http)
{
	switch (rc) {
	case WATS_EBREAKER:
		return ACT_RELEASE;
	case WATS_ERATELIMIT:
		return ACT_PAUSE;
	case WATS_EVALIDATION:
		return http == 400 ? ACT_INVALID : ACT_FAIL;
	case WATS_EAUTH:
	case WATS_EFORBIDDEN:
	case WATS_ENOTFOUND:
	case WATS_ECONFLICT:
		return ACT_FAIL;
	case WATS_EHTTP:
		/* 408 Request Timeout is worth another try; 413 and other 4xx are not. */
		return http >= 400 && http < 500 && http != 408 ? ACT_FAIL : ACT_RETRY;
	default:
		return ACT_RETRY; /* transport, timeout, 5xx, local trouble */
	}
}

/* Errors after which a pass over the queue stops: the server is not reachable now. */
static int stops_pass(int rc)
{
	return rc == WATS_ETRANSPORT || rc == WATS_ETIMEOUT || rc == WATS_EBREAKER ||
	       rc == WATS_ERATELIMIT;
}

static void result_error(wats_submit_result *r, int rc)
{
	if (!r)
		return;
	const wats_error *e = wats_error_last();
	r->send_error = rc;
	r->http_status = e->http_status;
	snprintf(r->message, sizeof(r->message), "%s", e->message);
}

/* Restores the thread's correlation id on scope exit (manually). */
typedef struct {
	char saved[64];
	int had;
} cid_scope;

static void cid_enter(cid_scope *s, const char *cid)
{
	const char *cur = wats_log_correlation_id();
	s->had = cur != NULL;
	snprintf(s->saved, sizeof(s->saved), "%s", cur ? cur : "");
	if (cid && *cid)
		wats_log_set_correlation_id(cid);
}

static void cid_leave(const cid_scope *s)
{
	wats_log_set_correlation_id(s->had ? s->saved : NULL);
}

int wats_queue_send(wats_submit_result *result, wats_client *client, wats_queue *q,
		    const wats_queue_item *it)
{
	if (result) {
		memset(result, 0, sizeof(*result));
		if (it && it->id)
			snprintf(result->id, sizeof(result->id), "%s", it->id);
	}
	if (!client || !q || !it || !it->payload)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_queue_send: need a client, a queue and a claimed item with payload");
	cid_scope scope;
	cid_enter(&scope, it->correlation_id);
	char *answer = NULL;
	int rc = wats_api_submit_report(&answer, client, it->payload, it->payload_len, it->format, 0);
	if (rc == 0 && answer && *answer) {
		/* As the .NET client does: the server must answer with the id we sent. */
		char canon[37];
		if (wats__uuid_valid(answer, canon) && strcmp(canon, it->id))
			rc = wats__error(WATS_EHTTP, WATS_ERRCLASS_QUEUE,
					 "server answered with report id %s for report %s", canon, it->id);
	}
	wats_free(answer);
	if (rc == 0) {
		cid_leave(&scope);
		if (result)
			result->outcome = WATS_SUBMITTED_SENT;
		int mrc = wats_queue_mark_sent(q, it);
		/* A stale claim (the item was replaced meanwhile) is fine: the new one goes later. */
		return mrc == WATS_ECONFLICT ? 0 : mrc;
	}
	/* Keep the failure before the queue calls overwrite the thread's last error. */
	int http = wats_error_last()->http_status;
	long retry_after = wats_error_last()->retry_after_ms;
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s", wats_error_last()->message);
	result_error(result, rc);
	cid_leave(&scope);

	int mrc = 0;
	switch (classify(rc, http)) {
	case ACT_RELEASE:
		mrc = wats_queue_release(q, it, 0);
		break;
	case ACT_PAUSE: {
		int64_t d = retry_after > 0 ? retry_after : (int64_t)wats__queue_options(q)->rate_limit_ms;
		mrc = wats_queue_pause(q, wats_queue_now(q) + d, msg);
		if (mrc == 0)
			mrc = wats_queue_release(q, it, d);
		break;
	}
	case ACT_INVALID:
		mrc = wats_queue_mark_invalid(q, it, msg, http);
		break;
	case ACT_FAIL:
		mrc = wats_queue_mark_failed(q, it, msg, http);
		break;
	case ACT_RETRY:
		mrc = wats_queue_mark_error(NULL, q, it, msg, http);
		break;
	}
	if (mrc && mrc != WATS_ECONFLICT)
		return mrc; /* the queue itself failed: that error is the one to see */
	/* Raise the send error again as the thread's last error. */
	wats__error(rc, WATS_ERRCLASS_HTTP, "%s", msg);
	wats__error_set_http(http);
	if (result && (classify(rc, http) == ACT_RETRY || classify(rc, http) == ACT_RELEASE ||
		       classify(rc, http) == ACT_PAUSE))
		result->outcome = WATS_SUBMITTED_QUEUED;
	return rc;
}

int wats_submit_pending(size_t *sent, size_t *failed, wats_client *client, wats_queue *q,
			size_t max)
{
	if (sent)
		*sent = 0;
	if (failed)
		*failed = 0;
	if (!client || !q)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_submit_pending: need a client and a queue");
	size_t done = 0;
	enum { BATCH = 16 };
	for (;;) {
		size_t want = BATCH;
		if (max && max - done < want)
			want = max - done;
		if (!want)
			return 0;
		wats_queue_item *items[BATCH];
		size_t n = 0;
		int rc = wats_queue_claim(items, &n, q, want);
		if (rc)
			return rc;
		if (!n)
			return 0;
		int stop = 0;
		for (size_t i = 0; i < n; i++) {
			if (stop) {
				/* Give back what this pass will not try (no attempt counted). */
				(void)wats_queue_release(q, items[i], 0);
				wats_queue_item_free(items[i]);
				continue;
			}
			wats_submit_result r;
			int src = wats_queue_send(&r, client, q, items[i]);
			done++;
			if (src == 0) {
				if (sent)
					(*sent)++;
			} else {
				if (failed)
					(*failed)++;
				/* Unreachable server, or the queue itself failed (not the send). */
				if (stops_pass(src) || src != r.send_error)
					stop = src;
			}
			wats_queue_item_free(items[i]);
		}
		if (stop)
			return stop;
	}
}

int wats_submit(wats_submit_result *result, wats_client *client, wats_queue *q,
		wats_report *report, wats_submit_mode mode, int priority)
{
	if (result)
		memset(result, 0, sizeof(*result));
	if (!client && mode != WATS_SUBMIT_OFFLINE)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_submit: need a client");
	if (!q && mode != WATS_SUBMIT_ONLINE)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_submit: the %s mode needs a queue",
				   mode == WATS_SUBMIT_OFFLINE ? "Offline" : "Automatic");
	if (!report || (mode != WATS_SUBMIT_AUTOMATIC && mode != WATS_SUBMIT_ONLINE &&
			mode != WATS_SUBMIT_OFFLINE))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_submit: need a report and a mode (automatic, online, offline)");
	const char *rid = wats_report_id(report);
	if (!rid || !*rid) {
		char fresh[37];
		if (wats__uuid_v4(fresh))
			return wats__error(WATS_EIO, WATS_ERRCLASS_OS, "wats_submit: no random source for a report id");
		int rc = wats_report_set_id(report, fresh);
		if (rc)
			return rc;
		rid = wats_report_id(report);
	}
	int rc = wats_report_validate(report, NULL);
	if (rc)
		return rc;
	char id[37];
	if (!wats__uuid_valid(rid, id))
		return wats__error(WATS_EVALIDATION, WATS_ERRCLASS_VALIDATION,
				   "wats_submit: report id \"%.80s\" is not a GUID", rid);
	if (result)
		snprintf(result->id, sizeof(result->id), "%s", id);
	char *text = NULL;
	size_t len = 0;
	rc = wats_report_write(&text, &len, report, 0);
	if (rc)
		return rc;

	if (mode == WATS_SUBMIT_ONLINE) {
		rc = wats_api_submit_report(NULL, client, text, len, WATS_WIRE_WSJF, 0);
		wats_free(text);
		if (rc)
			result_error(result, rc);
		else if (result)
			result->outcome = WATS_SUBMITTED_SENT;
		return rc;
	}

	wats_queue_entry e = WATS_QUEUE_ENTRY_INIT;
	e.id = id;
	e.payload = text;
	e.payload_len = len;
	e.format = WATS_WIRE_WSJF;
	e.priority = priority;
	e.correlation_id = wats_log_correlation_id();
	int offline = mode == WATS_SUBMIT_OFFLINE;
	if (!offline) {
		/* The .NET rule: when the API is offline, queue without trying. */
		int64_t until = 0;
		wats_client_stats st;
		if (wats_queue_paused(&until, NULL, q) == 0 && until)
			offline = 1;
		else if (wats_client_get_stats(&st, client) == 0 && st.breaker_state == WATS_BREAKER_OPEN)
			offline = 1;
	}
	rc = wats_queue_enqueue(q, &e);
	if (rc == WATS_ELIMIT && !offline) {
		/* Full queue: Automatic still tries to send it directly. */
		char full[512];
		snprintf(full, sizeof(full), "%s", wats_error_last()->message);
		rc = wats_api_submit_report(NULL, client, text, len, WATS_WIRE_WSJF, 0);
		wats_free(text);
		if (rc == 0) {
			if (result)
				result->outcome = WATS_SUBMITTED_SENT;
			return 0;
		}
		result_error(result, rc);
		return wats__error(rc, wats_error_last()->klass, "%s; and sending it failed: %s", full,
				   result ? result->message : "");
	}
	wats_free(text);
	if (rc)
		return rc;
	if (result)
		result->outcome = WATS_SUBMITTED_QUEUED;
	if (offline)
		return 0;

	wats_queue_item *it = NULL;
	rc = wats_queue_claim_id(&it, q, id);
	if (rc == WATS_ENOTFOUND)
		return 0; /* another sender took it already: it is on its way */
	if (rc)
		return rc;
	wats_submit_result r;
	rc = wats_queue_send(&r, client, q, it);
	wats_queue_item_free(it);
	if (result)
		*result = r;
	if (rc == 0)
		return 0;
	if (r.outcome == WATS_SUBMITTED_QUEUED && r.send_error)
		return 0; /* kept in the queue: Automatic reports success, the error is in result */
	return rc;
}
