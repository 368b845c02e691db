/* Opening a queue: options, schema, crash recovery; closing it. */
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
/* Open and close                                                                           */

int wats_queue_options_init(wats_queue_options *o, unsigned int version)
{
	if (!o || version != WATS_QUEUE_OPTIONS_VERSION)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_queue_options_init: unknown options version %u", version);
	memset(o, 0, sizeof(*o));
	o->version = version;
	return 0;
}

const wats_queue_options *wats__queue_options(const wats_queue *q)
{
	return &q->opt;
}

int wats_queue_set_limits(wats_queue *q, const wats_queue_options *o)
{
	if (!q || !o || o->version != WATS_QUEUE_OPTIONS_VERSION)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_queue_set_limits: need a queue and options of a known version");
	/* Under q->lock: enqueue checks the limits and mark_error reads the backoff under it. */
	pthread_mutex_lock(&q->lock);
	q->opt.max_items = o->max_items;
	q->opt.max_bytes = o->max_bytes;
	q->opt.max_attempts = o->max_attempts ? o->max_attempts : 10;
	q->opt.backoff_base_ms = o->backoff_base_ms ? o->backoff_base_ms : 2000;
	q->opt.backoff_max_ms = o->backoff_max_ms ? o->backoff_max_ms : 300000;
	if (q->opt.backoff_max_ms < q->opt.backoff_base_ms)
		q->opt.backoff_max_ms = q->opt.backoff_base_ms;
	pthread_mutex_unlock(&q->lock);
	return 0;
}

static int check_schema(wats_queue *q)
{
	sqlite3_stmt *s = NULL;
	int src = sqlite3_prepare_v2(q->db, "SELECT version FROM schema_version", -1, &s, NULL);
	if (src != SQLITE_OK)
		return wats__q_dberr(q, src, "read schema version");
	int v = -1;
	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return wats__q_dberr(q, src, "read schema version");
	if (v == -1) {
		if (q->opt.flags & WATS_QUEUE_READ_ONLY)
			return wats__error(WATS_EIO, WATS_ERRCLASS_QUEUE,
					   "queue %s: not a queue database (no schema version)", q->path);
		char sql[96];
		snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES(%d)", SCHEMA_VERSION);
		return wats__q_exec(q, sql, "write schema version");
	}
	if (v > SCHEMA_VERSION)
		return wats__error(WATS_EUNSUPPORTED, WATS_ERRCLASS_QUEUE,
				   "queue %s: schema version %d is newer than this program knows (%d); "
				   "use a newer libwats", q->path, v, SCHEMA_VERSION);
	/* Older versions would be migrated here, one step at a time. Version 1 is the first. */
	return 0;
}

int wats_queue_open(wats_queue **out, size_t *recovered, const char *path,
		    const wats_queue_options *opts)
{
	if (out)
		*out = NULL;
	if (recovered)
		*recovered = 0;
	if (!out || !path || !*path)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_queue_open: need out and a path");
	if (opts && opts->version != WATS_QUEUE_OPTIONS_VERSION)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_queue_open: unknown options version %u", opts->version);
	wats_queue *q = calloc(1, sizeof(*q));
	if (!q)
		return wats__error_oom();
	q->path = strdup(path);
	if (!q->path) {
		free(q);
		return wats__error_oom();
	}
	if (opts)
		q->opt = *opts;
	q->opt.version = WATS_QUEUE_OPTIONS_VERSION;
	if (q->opt.busy_timeout_ms <= 0)
		q->opt.busy_timeout_ms = 10000;
	if (!q->opt.max_attempts)
		q->opt.max_attempts = 10;
	if (!q->opt.backoff_base_ms)
		q->opt.backoff_base_ms = 2000;
	if (!q->opt.backoff_max_ms)
		q->opt.backoff_max_ms = 300000;
	if (q->opt.backoff_max_ms < q->opt.backoff_base_ms)
		q->opt.backoff_max_ms = q->opt.backoff_base_ms;
	if (!q->opt.rate_limit_ms)
		q->opt.rate_limit_ms = 60000;
	q->rng = q->opt.seed;
	if (!q->rng && getrandom(&q->rng, sizeof(q->rng), 0) != (ssize_t)sizeof(q->rng))
		q->rng = (uint64_t)wats__q_wall_ms() ^ ((uint64_t)getpid() << 32);
	pthread_mutex_init(&q->lock, NULL);
	pthread_mutex_init(&q->gc_lock, NULL);
	pthread_cond_init(&q->gc_cv, NULL);

	int ro = !!(q->opt.flags & WATS_QUEUE_READ_ONLY);
	int flags = (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
		    SQLITE_OPEN_NOMUTEX;
	int src = sqlite3_open_v2(path, &q->db, flags, NULL);
	int rc = 0;
	if (src != SQLITE_OK) {
		rc = wats__q_dberr(q, src, "open");
		goto fail;
	}
	sqlite3_extended_result_codes(q->db, 1);
	sqlite3_busy_timeout(q->db, q->opt.busy_timeout_ms);
	if (!ro) {
		/* journal_mode=WAL is persistent in the file; setting it needs the write lock. */
		sqlite3_stmt *s = NULL;
		src = sqlite3_prepare_v2(q->db, "PRAGMA journal_mode=WAL", -1, &s, NULL);
		if (src == SQLITE_OK) {
			src = sqlite3_step(s);
			if (src == SQLITE_ROW) {
				const unsigned char *m = sqlite3_column_text(s, 0);
				if (!m || strcasecmp((const char *)m, "wal"))
					src = SQLITE_ERROR;
				else
					src = SQLITE_OK;
			}
		}
		sqlite3_finalize(s);
		if (src != SQLITE_OK) {
			rc = src == SQLITE_ERROR
				? wats__error(WATS_EIO, WATS_ERRCLASS_QUEUE,
					      "queue %s: cannot switch to WAL mode (a network file system?)", path)
				: wats__q_dberr(q, src, "set WAL mode");
			goto fail;
		}
		rc = wats__q_exec(q, "PRAGMA synchronous=FULL", "synchronous");
		if (rc)
			goto fail;
		q->sync_full = 1;
		rc = wats__q_begin(q);
		if (rc)
			goto fail;
		rc = wats__q_exec(q, wats__q_schema, "create schema");
		rc = rc ? rc : check_schema(q);
		if (rc == 0 && !(q->opt.flags & WATS_QUEUE_NO_RECOVER)) {
			char sql[160];
			snprintf(sql, sizeof(sql),
				 "UPDATE items SET state = 1, rev = rev + 1, next_attempt = %lld WHERE state = 2",
				 (long long)wats_queue_now(q));
			rc = wats__q_exec(q, sql, "recover items in transfer");
			if (rc == 0 && recovered)
				*recovered = (size_t)sqlite3_changes(q->db);
		}
		if (rc) {
			wats__q_rollback(q);
			goto fail;
		}
		rc = wats__q_commit(q);
		rc = rc ? rc : wats__q_set_sync(q, 0);
		if (rc)
			goto fail;
	} else {
		rc = check_schema(q);
		if (rc)
			goto fail;
	}
	*out = q;
	return 0;
fail:
	wats_queue_close(q);
	return rc;
}

void wats_queue_close(wats_queue *q)
{
	if (!q)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(q->st[i]);
	if (q->db)
		sqlite3_close_v2(q->db);
	pthread_mutex_destroy(&q->lock);
	pthread_mutex_destroy(&q->gc_lock);
	pthread_cond_destroy(&q->gc_cv);
	free(q->path);
	free(q);
}

const char *wats_queue_path(const wats_queue *q)
{
	return q ? q->path : NULL;
}
