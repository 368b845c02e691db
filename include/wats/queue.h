/*
 * wats/queue.h - the persistent submit queue and the submit modes of the official .NET API.
 *
 * The queue is one SQLite database (WAL mode) holding reports waiting to go to the server,
 * with their state, attempt count, next-attempt time, last error, priority, source file,
 * correlation id and conversion log. watsd uses it, and so can any program: wats_submit()
 * sends a report with the three .NET submit modes (Automatic, Online, Offline) and
 * wats_submit_pending() sends what is queued (the .NET SubmitPendingReports).
 *
 * States (the first four are named as the .NET ReportTransferStatusEnum names them):
 *
 *   queued        .NET Queued        waiting to be sent (next_attempt_ms says from when)
 *   transferring  .NET Transfering   claimed by a sender; after a crash it goes back to queued
 *   error         .NET Error         the last attempt failed (network, 5xx, 429...); retried
 *                                    at next_attempt_ms (exponential backoff, full jitter, cap)
 *   invalid       .NET InvalidReport the server refused it (HTTP 400); last_error holds the
 *                                    server's message; never retried unless asked
 *   sent          (.NET deletes it)  the server stored it; kept (without payload) until
 *                                    wats_queue_cleanup() removes it, for audit and status
 *   failed        (no .NET state)    max_attempts reached, or refused for good (401/403/404);
 *                                    visible, and retried only by wats_queue_retry()
 *
 * Durability: wats_queue_enqueue() returns only after the item is committed with
 * synchronous=FULL (the WAL is fsynced), so the caller may then delete or move the source
 * file. State changes after that commit with synchronous=NORMAL: a power cut may undo the last
 * few of them, which at worst sends a report again, and that is harmless because the server
 * stores a report once per id. A process crash (kill -9) undoes nothing that was committed.
 *
 * Idempotence: an item is keyed by its report id (a GUID, stored in canonical lower case).
 * Enqueuing an id that is already there replaces it (payload and metadata; state back to
 * queued, attempts 0), as the server overwrites a report posted again with the same id. A
 * sender still holding the old version cannot mark the new one: every claimed item carries a
 * revision number and the mark functions ignore a stale one (WATS_ECONFLICT).
 *
 * Threads: a wats_queue handle may be shared by any number of threads; it holds one SQLite
 * connection behind a mutex (SQLite serialises writers anyway). Several processes may open the
 * same file (for example `wats queue list` beside watsd): WAL lets readers run beside the
 * writer and busy_timeout_ms bounds the wait for the write lock.
 *
 * Times are UTC milliseconds since 1970 (the wall clock, or the clock of the options).
 *
 * Ownership: items handed out are owned by the caller and freed with wats_queue_item_free();
 * arrays of items with wats_queue_items_free().
 */
#ifndef WATS_QUEUE_H
#define WATS_QUEUE_H

#include <stdint.h>

#include "api.h"
#include "client.h"
#include "common.h"
#include "report.h"

WATS_BEGIN_DECL

typedef struct wats_queue wats_queue;

typedef enum wats_queue_state {
	WATS_QUEUE_QUEUED = 1,
	WATS_QUEUE_TRANSFERRING = 2,
	WATS_QUEUE_ERROR = 3,
	WATS_QUEUE_INVALID = 4,
	WATS_QUEUE_SENT = 5,
	WATS_QUEUE_FAILED = 6
} wats_queue_state;

#define WATS_QUEUE_STATE_COUNT 7 /* array size for per-state tables (index 0 unused) */

/* State masks for list, count and purge. */
#define WATS_QUEUE_MASK(state) (1u << (state))
#define WATS_QUEUE_MASK_ALL 0x7eu
#define WATS_QUEUE_MASK_WAITING (WATS_QUEUE_MASK(WATS_QUEUE_QUEUED) | \
				 WATS_QUEUE_MASK(WATS_QUEUE_TRANSFERRING) | \
				 WATS_QUEUE_MASK(WATS_QUEUE_ERROR))
#define WATS_QUEUE_MASK_PARKED (WATS_QUEUE_MASK(WATS_QUEUE_INVALID) | \
				WATS_QUEUE_MASK(WATS_QUEUE_FAILED))

/** "queued", "transferring", "error", "invalid", "sent", "failed"; "?" otherwise. */
WATS_EXTERN(const char *) wats_queue_state_name(wats_queue_state state);
/** Parse a state name (any case; "transfering" and "invalidreport" accepted). */
WATS_EXTERN(int) wats_queue_state_parse(wats_queue_state *out, const char *name);

/** A clock for tests: UTC milliseconds. */
typedef int64_t (*wats_queue_clock_cb)(void *payload);

/* Flags of wats_queue_options.flags. */
#define WATS_QUEUE_READ_ONLY   (1u << 0) /**< open for reading only (no recovery, no writes) */
#define WATS_QUEUE_SYNC_NORMAL (1u << 1) /**< enqueue with synchronous=NORMAL too: survives a
					      process crash, not a power cut (benchmarks) */
#define WATS_QUEUE_NO_RECOVER  (1u << 2) /**< leave 'transferring' items alone at open (a
					      second process beside the owner, e.g. the CLI) */

/** Options of wats_queue_open. Zero in a field means the default written next to it. */
typedef struct wats_queue_options {
	unsigned int version;
	unsigned int flags;              /**< WATS_QUEUE_* */
	int busy_timeout_ms;             /**< wait for another writer; default 10 000 */
	uint64_t max_items;              /**< unsent items (every state but sent); 0 = no limit */
	uint64_t max_bytes;              /**< payload bytes of unsent items; 0 = no limit */
	unsigned int max_attempts;       /**< attempts before an item is failed; default 10 */
	unsigned int backoff_base_ms;    /**< first retry waits up to this; default 2 000 */
	unsigned int backoff_max_ms;     /**< cap of one backoff; default 300 000 (5 min, as .NET) */
	unsigned int rate_limit_ms;      /**< whole-queue pause after a 429 that named no
					      Retry-After; default 60 000 */
	wats_queue_clock_cb clock;       /**< NULL = the wall clock */
	void *clock_payload;
	uint64_t seed;                   /**< jitter random seed; 0 = from the OS */
} wats_queue_options;

#define WATS_QUEUE_OPTIONS_VERSION 1
#define WATS_QUEUE_OPTIONS_INIT { .version = WATS_QUEUE_OPTIONS_VERSION }

WATS_EXTERN(int) wats_queue_options_init(wats_queue_options *opts, unsigned int version);

/**
 * Open (create when missing) the queue database at path. The folder must exist. The schema is
 * created or checked (a newer schema than this library knows is WATS_EUNSUPPORTED). Unless
 * READ_ONLY or NO_RECOVER, items left 'transferring' by a crash go back to 'queued' with their
 * attempt count unchanged (the attempt may or may not have reached the server; sending again is
 * harmless). *recovered (may be NULL) receives how many. Free with wats_queue_close().
 */
WATS_EXTERN(int) wats_queue_open(wats_queue **out, size_t *recovered, const char *path,
				 const wats_queue_options *opts);

/**
 * Change the limits of an open queue for what follows (a service reloading its config):
 * max_items, max_bytes, max_attempts, backoff_base_ms, backoff_max_ms of opts, with the
 * defaults of wats_queue_open for zeros; the other fields are ignored. Safe beside other
 * threads using the queue. Items already parked or waiting keep their state and due time.
 */
WATS_EXTERN(int) wats_queue_set_limits(wats_queue *queue, const wats_queue_options *opts);

/** Close the database. NULL is a no-op. No call may be in flight. */
WATS_EXTERN(void) wats_queue_close(wats_queue *queue);

/** The database file name given to wats_queue_open. Owned by the queue. */
WATS_EXTERN(const char *) wats_queue_path(const wats_queue *queue);

/* ---------------------------------------------------------------------------------------- */
/* Items                                                                                    */

/** What to enqueue. Strings are copied; NULL means "none". */
typedef struct wats_queue_entry {
	unsigned int version;
	const char *id;              /**< report GUID, required (any GUID spelling) */
	const void *payload;         /**< the report text (WSJF or WSXF), required */
	size_t payload_len;
	wats_wire_format format;     /**< WATS_WIRE_AUTO: '<' first means WSXF, else WSJF */
	int priority;                /**< 1 (first) .. 10 (last); 0 = 5 */
	const char *source;          /**< source file name */
	const char *correlation_id;  /**< follows the item into every log line and request */
	const char *converter;       /**< converter name */
	const char *log;             /**< conversion log text */
	int64_t not_before_ms;       /**< first attempt not before this time; 0 = now */
} wats_queue_entry;

#define WATS_QUEUE_ENTRY_VERSION 1
#define WATS_QUEUE_ENTRY_INIT { .version = WATS_QUEUE_ENTRY_VERSION }

/** An item as stored. Free with wats_queue_item_free(). */
typedef struct wats_queue_item {
	char *id;                    /**< canonical lower-case GUID */
	int64_t seq;                 /**< insertion number (unique, increasing) */
	int64_t rev;                 /**< revision: changes when the item is replaced or claimed */
	wats_queue_state state;
	int priority;
	unsigned int attempts;       /**< send attempts so far (a claim counts as one) */
	int64_t created_ms;
	int64_t updated_ms;
	int64_t next_attempt_ms;     /**< queued/error: not sent before this */
	int64_t sent_ms;             /**< sent: when the server answered; else 0 */
	char *last_error;            /**< "" when none */
	int http_status;             /**< of the last failed attempt, 0 when none */
	wats_wire_format format;
	size_t payload_len;
	char *payload;               /**< payload_len bytes + NUL, or NULL when not loaded */
	char *source;                /**< "" when none */
	char *correlation_id;        /**< "" when none */
	char *converter;             /**< "" when none */
	char *log;                   /**< NULL when not loaded, else "" or the text */
} wats_queue_item;

WATS_EXTERN(void) wats_queue_item_free(wats_queue_item *item);
/** Free n items and the array. NULL is a no-op. */
WATS_EXTERN(void) wats_queue_items_free(wats_queue_item **items, size_t n);

/**
 * Add an item (or replace the one with the same id), committed (fsynced) before it returns.
 * Errors: WATS_EINVAL (no id, not a GUID, no payload, priority out of range), WATS_ELIMIT when
 * the queue is full (max_items or max_bytes: the message says which; nothing was written, so
 * the caller keeps its source and tries later: this is the back-pressure signal), WATS_EIO
 * (disk full, I/O error; the message names the database), WATS_EBUSY (another writer held the
 * lock longer than busy_timeout_ms).
 */
WATS_EXTERN(int) wats_queue_enqueue(wats_queue *queue, const wats_queue_entry *entry);

/**
 * Claim up to max due items: 'queued' or 'error' with next_attempt_ms <= now, highest priority
 * first (1 before 10), then oldest next attempt, then insertion order. They become
 * 'transferring' and their attempt count grows by one, in one transaction, so two senders
 * never get the same item. out (an array of max pointers) receives *n items with payloads.
 * While the whole queue is paused (wats_queue_pause, a 429) nothing is claimed.
 */
WATS_EXTERN(int) wats_queue_claim(wats_queue_item **out, size_t *n, wats_queue *queue, size_t max);

/** Claim one item by id whatever its due time (queued or error only), else WATS_ENOTFOUND. */
WATS_EXTERN(int) wats_queue_claim_id(wats_queue_item **out, wats_queue *queue, const char *id);

/*
 * The mark functions take an item returned by a claim. They return WATS_ECONFLICT (and
 * change nothing) when the item is no longer that claim: replaced by a new enqueue, retried,
 * purged, or recovered by another process.
 */

/** The server stored it: 'sent', payload dropped, sent_ms = now. */
WATS_EXTERN(int) wats_queue_mark_sent(wats_queue *queue, const wats_queue_item *item);

/**
 * A retryable failure: 'error' with next_attempt = now + a random delay in
 * [0, min(backoff_max_ms, backoff_base_ms * 2^(attempts-1))] (exponential backoff with full
 * jitter); or 'failed' when attempts reached max_attempts. message is kept as last_error.
 * *state_out (may be NULL) receives the new state.
 */
WATS_EXTERN(int) wats_queue_mark_error(wats_queue_state *state_out, wats_queue *queue,
				       const wats_queue_item *item, const char *message,
				       int http_status);

/** The server refused the report (400): 'invalid' with its message. */
WATS_EXTERN(int) wats_queue_mark_invalid(wats_queue *queue, const wats_queue_item *item,
					 const char *message, int http_status);

/** Park as 'failed' now (a failure no retry will fix: 401, 403, 404, 413...). */
WATS_EXTERN(int) wats_queue_mark_failed(wats_queue *queue, const wats_queue_item *item,
					const char *message, int http_status);

/**
 * Give a claimed item back without counting the attempt (nothing was sent: breaker open,
 * 429 before sending, shutdown): 'queued' again, due after delay_ms.
 */
WATS_EXTERN(int) wats_queue_release(wats_queue *queue, const wats_queue_item *item,
				    int64_t delay_ms);

/* ---------------------------------------------------------------------------------------- */
/* Inspection and operator commands                                                          */

/** Items and payload bytes per state (index = wats_queue_state; index 0 = all states). */
typedef struct wats_queue_counts {
	uint64_t items[WATS_QUEUE_STATE_COUNT];
	uint64_t bytes[WATS_QUEUE_STATE_COUNT];
	uint64_t unsent_items;       /**< what max_items limits */
	uint64_t unsent_bytes;       /**< what max_bytes limits */
	int64_t paused_until_ms;     /**< whole-queue pause (429), 0 when none */
	int64_t next_due_ms;         /**< earliest next attempt of a queued/error item, 0 = none */
	int64_t oldest_waiting_ms;   /**< creation time of the oldest unsent item, 0 = none */
} wats_queue_counts;

/** Counts in O(1) (kept by triggers), plus the two times. */
WATS_EXTERN(int) wats_queue_count(wats_queue_counts *out, wats_queue *queue);

/* Flags of wats_queue_list / wats_queue_get. */
#define WATS_QUEUE_WITH_PAYLOAD (1u << 0)
#define WATS_QUEUE_WITH_LOG     (1u << 1)

/**
 * Items whose state is in state_mask (WATS_QUEUE_MASK...), in claim order (priority, next
 * attempt, insertion), skipping offset and returning at most limit (0 = 1000). *out is an
 * array of *n items (NULL when none); free with wats_queue_items_free().
 */
WATS_EXTERN(int) wats_queue_list(wats_queue_item ***out, size_t *n, wats_queue *queue,
				 unsigned int state_mask, size_t offset, size_t limit,
				 unsigned int flags);

/** One item by id (any GUID spelling), or WATS_ENOTFOUND. */
WATS_EXTERN(int) wats_queue_get(wats_queue_item **out, wats_queue *queue, const char *id,
				unsigned int flags);

/**
 * Put parked items back in the queue: id (any GUID spelling) or NULL for every item whose
 * state is in state_mask (0 = invalid and failed). They become 'queued', due now, with
 * attempts 0 and no last error. Items sent or in transfer are never touched by a NULL id; by
 * id, a sent item is queued again only if it still has its payload (it never has: WATS_EINVAL).
 * *n (may be NULL) receives how many.
 */
WATS_EXTERN(int) wats_queue_retry(size_t *n, wats_queue *queue, const char *id,
				  unsigned int state_mask);

/**
 * Delete items: id, or NULL for every item whose state is in state_mask (0 = invalid and
 * failed). 'transferring' items are deleted only when named by id. *n (may be NULL) = count.
 */
WATS_EXTERN(int) wats_queue_purge(size_t *n, wats_queue *queue, const char *id,
				  unsigned int state_mask);

/** Delete 'sent' items sent more than age_ms ago. *n (may be NULL) = count. */
WATS_EXTERN(int) wats_queue_cleanup(size_t *n, wats_queue *queue, int64_t age_ms);

/**
 * Pause the whole queue until until_ms (a 429; 0 resumes). Stored in the database, so it
 * holds across restarts and across processes. reason (may be NULL) is kept for status.
 */
WATS_EXTERN(int) wats_queue_pause(wats_queue *queue, int64_t until_ms, const char *reason);

/** The pause in force: *until_ms 0 when none; *reason (may be NULL) freed with wats_free(). */
WATS_EXTERN(int) wats_queue_paused(int64_t *until_ms, char **reason, wats_queue *queue);

/** The queue's clock (the options' clock or the wall clock), UTC ms. */
WATS_EXTERN(int64_t) wats_queue_now(wats_queue *queue);

/* ---------------------------------------------------------------------------------------- */
/* Submit modes (the .NET Submit(SubmitMethod, report) and SubmitPendingReports())            */

typedef enum wats_submit_mode {
	WATS_SUBMIT_AUTOMATIC = 0, /**< send now when the server is reachable, else queue */
	WATS_SUBMIT_ONLINE = 1,    /**< send now or fail; never queued */
	WATS_SUBMIT_OFFLINE = 2    /**< queue only; wats_submit_pending sends it later */
} wats_submit_mode;

typedef enum wats_submit_outcome {
	WATS_SUBMITTED_NONE = 0,   /**< neither sent nor queued (the call failed) */
	WATS_SUBMITTED_SENT = 1,   /**< the server stored it */
	WATS_SUBMITTED_QUEUED = 2  /**< it is in the queue (committed) and will be sent later */
} wats_submit_outcome;

/** What happened to one report. */
typedef struct wats_submit_result {
	wats_submit_outcome outcome;
	char id[40];               /**< the report id */
	int send_error;            /**< code of the failed send attempt (0 when none or not tried) */
	int http_status;           /**< of that attempt, 0 when none */
	char message[512];         /**< its message ("" when none) */
} wats_submit_result;

/**
 * Submit a report with one of the .NET submit modes.
 *
 * The report is checked with wats_report_validate first (WATS_EVALIDATION: nothing sent or
 * queued). A report without an id gets a fresh one (so the report is changed). Then:
 *
 *  OFFLINE    enqueue; outcome QUEUED.
 *  ONLINE     send once (the client's retry and breaker apply); 0 and SENT, or the send error
 *             (queue may be NULL; it is not touched).
 *  AUTOMATIC  when the queue is paused (429) or the client's breaker is open: enqueue without
 *             trying (QUEUED). Otherwise enqueue (save before send), send, and then:
 *             2xx -> sent, 0, SENT;
 *             transport error, timeout, 5xx, 429, breaker -> kept in the queue ('error', retried
 *               with backoff; a 429 also pauses the queue), 0, QUEUED, the error in result;
 *             400 -> 'invalid' with the server's message, WATS_EVALIDATION (the message says
 *               what the server refused), outcome NONE;
 *             401/403/404/other 4xx -> 'failed', that error code, outcome NONE.
 *             When the queue is full, Automatic tries to send without queueing and returns the
 *             send error (or WATS_ELIMIT) if that fails.
 *
 * queue may be NULL only for ONLINE. priority 0 = 5. result (may be NULL) says what happened.
 */
WATS_EXTERN(int) wats_submit(wats_submit_result *result, wats_client *client, wats_queue *queue,
			     wats_report *report, wats_submit_mode mode, int priority);

/**
 * Send one claimed item and mark it as the decision table above says (sent, error with
 * backoff, invalid, failed; a 429 pauses the whole queue; a breaker that refused to send
 * gives the item back without counting the attempt). The item's correlation id is used for
 * the request and its log lines. Returns 0 when the item was sent, else the send error.
 */
WATS_EXTERN(int) wats_queue_send(wats_submit_result *result, wats_client *client,
				 wats_queue *queue, const wats_queue_item *item);

/**
 * Send the items that are due (the .NET SubmitPendingReports), at most max (0 = no limit),
 * highest priority first. The pass stops early, giving back what it claimed, when the server
 * is unreachable (transport error, timeout, breaker open) or rate-limits (429: the whole queue
 * is paused for Retry-After or rate_limit_ms); other failures are marked per item and the pass
 * goes on. Returns 0 when every due item was handled, else the error that stopped the pass.
 * *sent (may be NULL) = reports the server stored, *failed (may be NULL) = items that did not
 * go (error, invalid or failed).
 */
WATS_EXTERN(int) wats_submit_pending(size_t *sent, size_t *failed, wats_client *client,
				     wats_queue *queue, size_t max);

WATS_END_DECL
#endif
