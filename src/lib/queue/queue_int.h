/* Internal declarations shared by the queue files:
 *   queue_db.c      SQL, statements, transactions, rows (the helpers below)
 *   queue_open.c    options, schema, open/close and crash recovery
 *   queue_enqueue.c enqueue with group commit, limits
 *   queue_claim.c   claiming due items, marking results, release
 *   queue_admin.c   counts, lists, retry, purge, clean-up, pause
 *   submit.c        the submit modes over the queue and the client
 */
#ifndef WATS_QUEUE_INT_H
#define WATS_QUEUE_INT_H

#include <pthread.h>
#include <stdint.h>

#include <sqlite3.h>

#include "wats/queue.h"

#define SCHEMA_VERSION 1
#define NPRIO 10

enum {
	S_INSERT_ITEM, S_INSERT_PAYLOAD, S_FIND_ID, S_DELETE_SEQ, S_TOTALS,
	S_CLAIM_SELECT, S_CLAIM_UPDATE, S_GET_PAYLOAD, S_MARK, S_DROP_PAYLOAD, S_META_GET,
	S_NEXT_DUE, S_OLDEST, S_COUNT
};

#define ITEM_COLS "seq, id, rev, state, priority, attempts, created, updated, next_attempt, sent," \
		  " last_error, http_status, format, size, source, correlation_id, converter"

/** The schema, created or checked at open. */
extern const char wats__q_schema[];

struct wats_queue {
	sqlite3 *db;
	char *path;
	wats_queue_options opt;
	pthread_mutex_t lock;
	pthread_mutex_t gc_lock;      /* group commit of enqueues */
	pthread_cond_t gc_cv;
	struct gc_entry *gc_head;
	int gc_busy;
	sqlite3_stmt *st[S_COUNT];
	uint64_t rng;
	int sync_full; /* current synchronous setting of the connection */
};

typedef struct totals {
	int64_t items[WATS_QUEUE_STATE_COUNT];
	int64_t bytes[WATS_QUEUE_STATE_COUNT];
} totals;

/** The options the queue was opened with (defaults applied). */
const wats_queue_options *wats__queue_options(const wats_queue *q);

int64_t wats__q_wall_ms(void);
uint64_t wats__q_next_rand(wats_queue *q);
int wats__q_dberr(wats_queue *q, int src, const char *what);
sqlite3_stmt *wats__q_stmt(wats_queue *q, int k, int *rc);
void wats__q_done(sqlite3_stmt *s);
int wats__q_exec(wats_queue *q, const char *sql, const char *what);
int wats__q_set_sync(wats_queue *q, int full);
int wats__q_begin(wats_queue *q);
int wats__q_commit(wats_queue *q);
void wats__q_rollback(wats_queue *q);
char *wats__q_col_text(sqlite3_stmt *s, int i);
wats_wire_format wats__q_sniff(const void *data, size_t len);
int wats__q_canon_id(char out[37], const char *id);
wats_queue_item *wats__q_row_item(sqlite3_stmt *s);
int wats__q_load_extra(wats_queue *q, wats_queue_item *it, unsigned int flags);
int wats__q_read_totals(wats_queue *q, totals *t);
int wats__q_unsent(int st);
int64_t wats__q_paused_until_locked(wats_queue *q, int *rc, char **reason);

#endif
