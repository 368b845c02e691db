/*
 * The persistent submit queue: one SQLite database in WAL mode.
 *
 * Tables (schema version 1):
 *   schema_version(version)          one row
 *   items(seq, id, rev, state, ...)  one row per report; small, so claims and scans stay fast
 *   payloads(seq, data, log)         the report text and its conversion log, by items.seq
 *   totals(state, items, bytes)      per-state counts kept by triggers (O(1) limits and status)
 *   meta(key, value)                 whole-queue pause (429)
 *
 * Claims use a partial index over the sendable rows (state queued or error) ordered by
 * (priority, next_attempt, seq) and walk the ten priorities one range at a time, so a claim
 * costs O(log n) however many items wait and however many of them are not due yet.
 *
 * Durability: the connection runs with synchronous=NORMAL; an enqueue switches to FULL for its
 * own commit (see queue.h for why that is enough).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "queue/queue_int.h"
#include "util/error.h"
#include "util/uuid.h"

#define SCHEMA_VERSION 1
#define NPRIO 10

enum {
	S_INSERT_ITEM, S_INSERT_PAYLOAD, S_FIND_ID, S_DELETE_SEQ, S_TOTALS,
	S_CLAIM_SELECT, S_CLAIM_UPDATE, S_GET_PAYLOAD, S_MARK, S_DROP_PAYLOAD, S_META_GET,
	S_NEXT_DUE, S_OLDEST, S_COUNT
};

static const char *const SQL[S_COUNT] = {
	[S_INSERT_ITEM] =
		"INSERT INTO items(id, rev, state, priority, attempts, next_attempt, created, updated,"
		" sent, last_error, http_status, format, size, source, correlation_id, converter)"
		" VALUES(?1, ?2, 1, ?3, 0, ?4, ?5, ?5, 0, '', 0, ?6, ?7, ?8, ?9, ?10)",
	[S_INSERT_PAYLOAD] = "INSERT INTO payloads(seq, data, log) VALUES(?1, ?2, ?3)",
	[S_FIND_ID] = "SELECT seq, rev, state, size FROM items WHERE id = ?1",
	[S_DELETE_SEQ] = "DELETE FROM items WHERE seq = ?1",
	[S_TOTALS] = "SELECT state, items, bytes FROM totals",
	[S_CLAIM_SELECT] =
		"SELECT seq FROM items WHERE state IN (1, 3) AND priority = ?1 AND next_attempt <= ?2"
		" ORDER BY next_attempt, seq LIMIT ?3",
	[S_CLAIM_UPDATE] =
		"UPDATE items SET state = 2, attempts = attempts + 1, rev = rev + 1, updated = ?2"
		" WHERE seq = ?1 AND state IN (1, 3)",
	[S_GET_PAYLOAD] = "SELECT data, log FROM payloads WHERE seq = ?1",
	/* ?1 seq ?2 rev ?3 new state ?4 now ?5 next_attempt ?6 last_error ?7 http ?8 sent
	 * ?9 attempts delta */
	[S_MARK] =
		"UPDATE items SET state = ?3, updated = ?4, next_attempt = ?5, last_error = ?6,"
		" http_status = ?7, sent = ?8, attempts = attempts + ?9, rev = rev + 1"
		" WHERE seq = ?1 AND rev = ?2 AND state = 2",
	[S_DROP_PAYLOAD] = "UPDATE payloads SET data = NULL WHERE seq = ?1",
	[S_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[S_NEXT_DUE] =
		"SELECT next_attempt FROM items WHERE state IN (1, 3) AND priority = ?1"
		" ORDER BY next_attempt LIMIT 1",
	[S_OLDEST] = "SELECT min(created) FROM items WHERE state = ?1",
};

#define ITEM_COLS "seq, id, rev, state, priority, attempts, created, updated, next_attempt, sent," \
		  " last_error, http_status, format, size, source, correlation_id, converter"

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS items("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" id TEXT NOT NULL UNIQUE,"
	" rev INTEGER NOT NULL,"
	" state INTEGER NOT NULL CHECK (state BETWEEN 1 AND 6),"
	" priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 10),"
	" attempts INTEGER NOT NULL,"
	" next_attempt INTEGER NOT NULL,"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL,"
	" sent INTEGER NOT NULL,"
	" last_error TEXT NOT NULL,"
	" http_status INTEGER NOT NULL,"
	" format INTEGER NOT NULL,"
	" size INTEGER NOT NULL,"
	" source TEXT NOT NULL,"
	" correlation_id TEXT NOT NULL,"
	" converter TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS items_ready ON items(priority, next_attempt, seq)"
	" WHERE state IN (1, 3);"
	"CREATE INDEX IF NOT EXISTS items_state ON items(state, created);"
	"CREATE TABLE IF NOT EXISTS payloads(seq INTEGER PRIMARY KEY, data BLOB, log TEXT);"
	"CREATE TABLE IF NOT EXISTS totals(state INTEGER PRIMARY KEY, items INTEGER NOT NULL,"
	" bytes INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO totals VALUES(1,0,0),(2,0,0),(3,0,0),(4,0,0),(5,0,0),(6,0,0);"
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);"
	"CREATE TRIGGER IF NOT EXISTS items_ins AFTER INSERT ON items BEGIN"
	" UPDATE totals SET items = items + 1, bytes = bytes + NEW.size WHERE state = NEW.state;"
	" END;"
	"CREATE TRIGGER IF NOT EXISTS items_del AFTER DELETE ON items BEGIN"
	" UPDATE totals SET items = items - 1, bytes = bytes - OLD.size WHERE state = OLD.state;"
	" DELETE FROM payloads WHERE seq = OLD.seq;"
	" END;"
	"CREATE TRIGGER IF NOT EXISTS items_upd AFTER UPDATE OF state, size ON items BEGIN"
	" UPDATE totals SET items = items - 1, bytes = bytes - OLD.size WHERE state = OLD.state;"
	" UPDATE totals SET items = items + 1, bytes = bytes + NEW.size WHERE state = NEW.state;"
	" END;";

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

/* ---------------------------------------------------------------------------------------- */
/* Helpers                                                                                  */

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wats_queue_now(wats_queue *q)
{
	if (q && q->opt.clock)
		return q->opt.clock(q->opt.clock_payload);
	return wall_ms();
}

static uint64_t next_rand(wats_queue *q)
{
	/* splitmix64: small, good enough for jitter, and reproducible from a seed in tests. */
	uint64_t z = (q->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Map an SQLite failure onto a wats error naming the database and the operation. */
static int dberr(wats_queue *q, int src, const char *what)
{
	int code;
	const char *hint = "";
	switch (src & 0xff) {
	case SQLITE_NOMEM:
		return wats__error_oom();
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = WATS_EBUSY;
		hint = " (another process or thread holds the queue database locked)";
		break;
	case SQLITE_FULL:
		code = WATS_EIO;
		hint = " (the disk holding the queue is full: free space; nothing was lost)";
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		code = WATS_EIO;
		hint = " (the queue database is damaged or not a queue database)";
		break;
	case SQLITE_CANTOPEN:
		code = WATS_EIO;
		hint = " (check that the folder exists and is writable)";
		break;
	case SQLITE_READONLY:
		code = WATS_EIO;
		hint = " (the queue database is read-only)";
		break;
	default:
		code = WATS_EIO;
	}
	const char *msg = q && q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(src);
	return wats__error(code, WATS_ERRCLASS_QUEUE, "queue %s: %s: %s%s",
			   q && q->path ? q->path : "?", what, msg, hint);
}

static sqlite3_stmt *stmt(wats_queue *q, int k, int *rc)
{
	if (!q->st[k]) {
		int src = sqlite3_prepare_v3(q->db, SQL[k], -1, SQLITE_PREPARE_PERSISTENT, &q->st[k], NULL);
		if (src != SQLITE_OK) {
			*rc = dberr(q, src, "prepare");
			q->st[k] = NULL;
			return NULL;
		}
	}
	return q->st[k];
}

static void done(sqlite3_stmt *s)
{
	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
}

static int exec(wats_queue *q, const char *sql, const char *what)
{
	int src = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
	return src == SQLITE_OK ? 0 : dberr(q, src, what);
}

static int set_sync(wats_queue *q, int full)
{
	if (q->sync_full == full)
		return 0;
	int rc = exec(q, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", "synchronous");
	if (rc == 0)
		q->sync_full = full;
	return rc;
}

static int begin(wats_queue *q)
{
	return exec(q, "BEGIN IMMEDIATE", "begin transaction");
}

static int commit(wats_queue *q)
{
	int src = sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	if (src == SQLITE_OK)
		return 0;
	int rc = dberr(q, src, "commit");
	if (!sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void rollback(wats_queue *q)
{
	if (!sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
}

static char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return strdup(t ? (const char *)t : "");
}

static wats_wire_format sniff(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0;
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < len && p[i] == '<' ? WATS_WIRE_WSXF : WATS_WIRE_WSJF;
}

static int canon_id(char out[37], const char *id)
{
	if (!id || !*id)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_QUEUE, "queue: an item needs a report id");
	if (!wats__uuid_valid(id, out))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_QUEUE,
				   "queue: report id \"%.80s\" is not a GUID (8-4-4-4-12 hex digits)", id);
	return 0;
}

/* An item from a row selected with ITEM_COLS (payload and log not loaded). */
static wats_queue_item *row_item(sqlite3_stmt *s)
{
	wats_queue_item *it = calloc(1, sizeof(*it));
	if (!it)
		return NULL;
	it->seq = sqlite3_column_int64(s, 0);
	it->id = col_text(s, 1);
	it->rev = sqlite3_column_int64(s, 2);
	it->state = (wats_queue_state)sqlite3_column_int(s, 3);
	it->priority = sqlite3_column_int(s, 4);
	it->attempts = (unsigned int)sqlite3_column_int(s, 5);
	it->created_ms = sqlite3_column_int64(s, 6);
	it->updated_ms = sqlite3_column_int64(s, 7);
	it->next_attempt_ms = sqlite3_column_int64(s, 8);
	it->sent_ms = sqlite3_column_int64(s, 9);
	it->last_error = col_text(s, 10);
	it->http_status = sqlite3_column_int(s, 11);
	it->format = (wats_wire_format)sqlite3_column_int(s, 12);
	it->payload_len = (size_t)sqlite3_column_int64(s, 13);
	it->source = col_text(s, 14);
	it->correlation_id = col_text(s, 15);
	it->converter = col_text(s, 16);
	if (!it->id || !it->last_error || !it->source || !it->correlation_id || !it->converter) {
		wats_queue_item_free(it);
		return NULL;
	}
	return it;
}

/* Load payload and/or log of an item. */
static int load_extra(wats_queue *q, wats_queue_item *it, unsigned int flags)
{
	if (!(flags & (WATS_QUEUE_WITH_PAYLOAD | WATS_QUEUE_WITH_LOG)))
		return 0;
	int rc = 0;
	sqlite3_stmt *s = stmt(q, S_GET_PAYLOAD, &rc);
	if (!s)
		return rc;
	sqlite3_bind_int64(s, 1, it->seq);
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		if ((flags & WATS_QUEUE_WITH_PAYLOAD) && sqlite3_column_type(s, 0) != SQLITE_NULL) {
			const void *d = sqlite3_column_blob(s, 0);
			size_t n = (size_t)sqlite3_column_bytes(s, 0);
			it->payload = malloc(n + 1);
			if (!it->payload)
				rc = wats__error_oom();
			else {
				if (n)
					memcpy(it->payload, d, n);
				it->payload[n] = '\0';
				it->payload_len = n;
			}
		}
		if (rc == 0 && (flags & WATS_QUEUE_WITH_LOG)) {
			it->log = col_text(s, 1);
			if (!it->log)
				rc = wats__error_oom();
		}
	} else if (src != SQLITE_DONE) {
		rc = dberr(q, src, "read payload");
	} else if (flags & WATS_QUEUE_WITH_LOG) {
		it->log = strdup("");
		if (!it->log)
			rc = wats__error_oom();
	}
	done(s);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Names                                                                                    */

static const char *const STATE_NAMES[WATS_QUEUE_STATE_COUNT] = {
	NULL, "queued", "transferring", "error", "invalid", "sent", "failed"
};

const char *wats_queue_state_name(wats_queue_state s)
{
	return s >= 1 && s < WATS_QUEUE_STATE_COUNT ? STATE_NAMES[s] : "?";
}

int wats_queue_state_parse(wats_queue_state *out, const char *name)
{
	if (!out || !name)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "queue state: no name");
	for (int i = 1; i < WATS_QUEUE_STATE_COUNT; i++)
		if (!strcasecmp(name, STATE_NAMES[i])) {
			*out = (wats_queue_state)i;
			return 0;
		}
	if (!strcasecmp(name, "transfering")) {
		*out = WATS_QUEUE_TRANSFERRING;
		return 0;
	}
	if (!strcasecmp(name, "invalidreport")) {
		*out = WATS_QUEUE_INVALID;
		return 0;
	}
	return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
			   "unknown queue state \"%.40s\" (queued, transferring, error, invalid, sent, "
			   "failed)", name);
}

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

static int check_schema(wats_queue *q)
{
	sqlite3_stmt *s = NULL;
	int src = sqlite3_prepare_v2(q->db, "SELECT version FROM schema_version", -1, &s, NULL);
	if (src != SQLITE_OK)
		return dberr(q, src, "read schema version");
	int v = -1;
	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return dberr(q, src, "read schema version");
	if (v == -1) {
		if (q->opt.flags & WATS_QUEUE_READ_ONLY)
			return wats__error(WATS_EIO, WATS_ERRCLASS_QUEUE,
					   "queue %s: not a queue database (no schema version)", q->path);
		char sql[96];
		snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES(%d)", SCHEMA_VERSION);
		return exec(q, sql, "write schema version");
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
		q->rng = (uint64_t)wall_ms() ^ ((uint64_t)getpid() << 32);
	pthread_mutex_init(&q->lock, NULL);
	pthread_mutex_init(&q->gc_lock, NULL);
	pthread_cond_init(&q->gc_cv, NULL);

	int ro = !!(q->opt.flags & WATS_QUEUE_READ_ONLY);
	int flags = (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
		    SQLITE_OPEN_NOMUTEX;
	int src = sqlite3_open_v2(path, &q->db, flags, NULL);
	int rc = 0;
	if (src != SQLITE_OK) {
		rc = dberr(q, src, "open");
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
				: dberr(q, src, "set WAL mode");
			goto fail;
		}
		rc = exec(q, "PRAGMA synchronous=FULL", "synchronous");
		if (rc)
			goto fail;
		q->sync_full = 1;
		rc = begin(q);
		if (rc)
			goto fail;
		rc = exec(q, SCHEMA, "create schema");
		rc = rc ? rc : check_schema(q);
		if (rc == 0 && !(q->opt.flags & WATS_QUEUE_NO_RECOVER)) {
			char sql[160];
			snprintf(sql, sizeof(sql),
				 "UPDATE items SET state = 1, rev = rev + 1, next_attempt = %lld WHERE state = 2",
				 (long long)wats_queue_now(q));
			rc = exec(q, sql, "recover items in transfer");
			if (rc == 0 && recovered)
				*recovered = (size_t)sqlite3_changes(q->db);
		}
		if (rc) {
			rollback(q);
			goto fail;
		}
		rc = commit(q);
		rc = rc ? rc : set_sync(q, 0);
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

typedef struct totals {
	int64_t items[WATS_QUEUE_STATE_COUNT];
	int64_t bytes[WATS_QUEUE_STATE_COUNT];
} totals;

static int read_totals(wats_queue *q, totals *t)
{
	memset(t, 0, sizeof(*t));
	int rc = 0;
	sqlite3_stmt *s = stmt(q, S_TOTALS, &rc);
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
		rc = dberr(q, src, "read totals");
	done(s);
	return rc;
}

static int unsent(int st)
{
	return st != WATS_QUEUE_SENT;
}

/* Delete an item by seq (its payload goes with it: trigger items_del). */
static int delete_seq(wats_queue *q, int64_t seq)
{
	int rc = 0;
	sqlite3_stmt *s = stmt(q, S_DELETE_SEQ, &rc);
	if (!s)
		return rc;
	sqlite3_bind_int64(s, 1, seq);
	int src = sqlite3_step(s);
	done(s);
	return src == SQLITE_DONE ? 0 : dberr(q, src, "delete item");
}

/* One enqueue inside the group's transaction, in its own savepoint so that a refused entry
 * (full queue) leaves the others of the group alone. */
static int enqueue_one(wats_queue *q, const wats_queue_entry *e, const char *id)
{
	int rc = exec(q, "SAVEPOINT enq", "savepoint");
	if (rc)
		return rc;
	/* The item it replaces, if any. */
	int64_t old_seq = 0, old_rev = 0, old_size = 0;
	int old_state = 0;
	sqlite3_stmt *s = stmt(q, S_FIND_ID, &rc);
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
	done(s);
	if (src != SQLITE_ROW && src != SQLITE_DONE) {
		rc = dberr(q, src, "look up id");
		goto out;
	}
	if (q->opt.max_items || q->opt.max_bytes) {
		totals t;
		rc = read_totals(q, &t);
		if (rc)
			goto out;
		int64_t n = 0, b = 0;
		for (int i = 1; i < WATS_QUEUE_STATE_COUNT; i++)
			if (unsent(i)) {
				n += t.items[i];
				b += t.bytes[i];
			}
		if (old_seq && unsent(old_state)) {
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
	s = stmt(q, S_INSERT_ITEM, &rc);
	if (!s)
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, old_rev + 1);
	sqlite3_bind_int(s, 3, e->priority ? e->priority : 5);
	sqlite3_bind_int64(s, 4, e->not_before_ms > now ? e->not_before_ms : now);
	sqlite3_bind_int64(s, 5, now);
	sqlite3_bind_int(s, 6, e->format == WATS_WIRE_AUTO ? (int)sniff(e->payload, e->payload_len)
							    : (int)e->format);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)e->payload_len);
	sqlite3_bind_text(s, 8, e->source ? e->source : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, e->correlation_id ? e->correlation_id : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, e->converter ? e->converter : "", -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	done(s);
	if (src != SQLITE_DONE) {
		rc = dberr(q, src, "insert item");
		goto out;
	}
	int64_t seq = sqlite3_last_insert_rowid(q->db);
	s = stmt(q, S_INSERT_PAYLOAD, &rc);
	if (!s)
		goto out;
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_blob64(s, 2, e->payload, (sqlite3_uint64)e->payload_len, SQLITE_STATIC);
	if (e->log)
		sqlite3_bind_text(s, 3, e->log, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 3);
	src = sqlite3_step(s);
	done(s);
	if (src != SQLITE_DONE) {
		rc = dberr(q, src, "insert payload");
		goto out;
	}
	return exec(q, "RELEASE enq", "release savepoint");
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
	int rc = set_sync(q, !(q->opt.flags & WATS_QUEUE_SYNC_NORMAL));
	rc = rc ? rc : begin(q);
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
		rc = any ? commit(q) : (rollback(q), 0);
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
	set_sync(q, 0);
	pthread_mutex_unlock(&q->lock);
}

int wats_queue_enqueue(wats_queue *q, const wats_queue_entry *e)
{
	if (!q || !e || e->version != WATS_QUEUE_ENTRY_VERSION)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_queue_enqueue: need a queue and an entry made with "
				   "WATS_QUEUE_ENTRY_INIT");
	char id[37];
	int rc = canon_id(id, e->id);
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

static int64_t paused_until_locked(wats_queue *q, int *rc, char **reason)
{
	int64_t until = 0;
	sqlite3_stmt *s = stmt(q, S_META_GET, rc);
	if (!s)
		return 0;
	sqlite3_bind_text(s, 1, "paused_until", -1, SQLITE_STATIC);
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		until = sqlite3_column_int64(s, 0);
	else if (src != SQLITE_DONE)
		*rc = dberr(q, src, "read pause");
	done(s);
	if (reason && *rc == 0) {
		s = stmt(q, S_META_GET, rc);
		if (!s)
			return until;
		sqlite3_bind_text(s, 1, "pause_reason", -1, SQLITE_STATIC);
		src = sqlite3_step(s);
		*reason = src == SQLITE_ROW ? col_text(s, 0) : strdup("");
		if (!*reason)
			*rc = wats__error_oom();
		done(s);
	}
	return until;
}

/* Claim the item at seq (already known to be claimable) and read it with its payload. */
static int claim_seq(wats_queue *q, wats_queue_item **out, int64_t seq, int64_t now)
{
	int rc = 0;
	sqlite3_stmt *s = stmt(q, S_CLAIM_UPDATE, &rc);
	if (!s)
		return rc;
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, now);
	int src = sqlite3_step(s);
	done(s);
	if (src != SQLITE_DONE)
		return dberr(q, src, "claim item");
	if (sqlite3_changes(q->db) != 1)
		return WATS_ENOTFOUND;
	sqlite3_stmt *g = NULL;
	src = sqlite3_prepare_v2(q->db, "SELECT " ITEM_COLS " FROM items WHERE seq = ?1", -1, &g, NULL);
	if (src != SQLITE_OK)
		return dberr(q, src, "read item");
	sqlite3_bind_int64(g, 1, seq);
	src = sqlite3_step(g);
	wats_queue_item *it = NULL;
	if (src == SQLITE_ROW) {
		it = row_item(g);
		if (!it)
			rc = wats__error_oom();
	} else {
		rc = dberr(q, src, "read item");
	}
	sqlite3_finalize(g);
	if (rc == 0)
		rc = load_extra(q, it, WATS_QUEUE_WITH_PAYLOAD);
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
	int rc = begin(q);
	if (rc)
		goto unlock;
	int64_t now = wats_queue_now(q);
	int64_t until = paused_until_locked(q, &rc, NULL);
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
		sqlite3_stmt *s = stmt(q, S_CLAIM_SELECT, &rc);
		if (!s)
			break;
		sqlite3_bind_int(s, 1, p);
		sqlite3_bind_int64(s, 2, now);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)(max - k));
		int src;
		while ((src = sqlite3_step(s)) == SQLITE_ROW)
			seqs[k++] = sqlite3_column_int64(s, 0);
		if (src != SQLITE_DONE)
			rc = dberr(q, src, "select due items");
		done(s);
	}
	for (size_t i = 0; i < k && rc == 0; i++) {
		rc = claim_seq(q, &out[*n], seqs[i], now);
		if (rc == 0)
			(*n)++;
	}
	free(seqs);
end:
	if (rc == 0)
		rc = commit(q);
	if (rc) {
		rollback(q);
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
	int rc = canon_id(cid, id);
	if (rc)
		return rc;
	pthread_mutex_lock(&q->lock);
	rc = begin(q);
	if (rc)
		goto unlock;
	sqlite3_stmt *s = stmt(q, S_FIND_ID, &rc);
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
	done(s);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		rc = dberr(q, src, "look up id");
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
		rc = commit(q);
	if (rc) {
		rollback(q);
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
	int rc = begin(q);
	if (rc)
		goto unlock;
	int64_t now = wats_queue_now(q);
	sqlite3_stmt *s = stmt(q, S_MARK, &rc);
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
	done(s);
	if (src != SQLITE_DONE) {
		rc = dberr(q, src, "update item");
		goto end;
	}
	if (sqlite3_changes(q->db) != 1) {
		rc = wats__error(WATS_ECONFLICT, WATS_ERRCLASS_QUEUE,
				 "queue: item %s is no longer this claim (replaced, retried, purged or "
				 "recovered meanwhile); left as it is", it->id ? it->id : "?");
		goto end;
	}
	if (drop_payload) {
		s = stmt(q, S_DROP_PAYLOAD, &rc);
		if (!s)
			goto end;
		sqlite3_bind_int64(s, 1, it->seq);
		src = sqlite3_step(s);
		done(s);
		if (src != SQLITE_DONE)
			rc = dberr(q, src, "drop payload");
	}
end:
	if (rc == 0)
		rc = commit(q);
	else
		rollback(q);
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
	if (it->attempts >= q->opt.max_attempts) {
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
	uint64_t ceiling = q->opt.backoff_max_ms;
	if (n < 32) {
		uint64_t e = (uint64_t)q->opt.backoff_base_ms << n;
		if (e < ceiling)
			ceiling = e;
	}
	pthread_mutex_lock(&q->lock);
	uint64_t delay = next_rand(q) % (ceiling + 1);
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

/* ---------------------------------------------------------------------------------------- */
/* Inspection and operator commands                                                          */

int wats_queue_count(wats_queue_counts *out, wats_queue *q)
{
	if (!out || !q)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_queue_count: need out and a queue");
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&q->lock);
	/* One read transaction so the numbers agree with each other. */
	int rc = exec(q, "BEGIN", "begin read");
	if (rc)
		goto unlock;
	totals t;
	rc = read_totals(q, &t);
	for (int i = 1; rc == 0 && i < WATS_QUEUE_STATE_COUNT; i++) {
		out->items[i] = (uint64_t)(t.items[i] > 0 ? t.items[i] : 0);
		out->bytes[i] = (uint64_t)(t.bytes[i] > 0 ? t.bytes[i] : 0);
		out->items[0] += out->items[i];
		out->bytes[0] += out->bytes[i];
		if (unsent(i)) {
			out->unsent_items += out->items[i];
			out->unsent_bytes += out->bytes[i];
		}
	}
	if (rc == 0) {
		out->paused_until_ms = paused_until_locked(q, &rc, NULL);
		if (out->paused_until_ms <= wats_queue_now(q))
			out->paused_until_ms = 0;
	}
	for (int p = 1; p <= NPRIO && rc == 0; p++) {
		sqlite3_stmt *s = stmt(q, S_NEXT_DUE, &rc);
		if (!s)
			break;
		sqlite3_bind_int(s, 1, p);
		int src = sqlite3_step(s);
		if (src == SQLITE_ROW) {
			int64_t v = sqlite3_column_int64(s, 0);
			if (!out->next_due_ms || v < out->next_due_ms)
				out->next_due_ms = v;
		} else if (src != SQLITE_DONE) {
			rc = dberr(q, src, "next due");
		}
		done(s);
	}
	for (int st = 1; st < WATS_QUEUE_STATE_COUNT && rc == 0; st++) {
		if (!unsent(st) || !out->items[st])
			continue;
		sqlite3_stmt *s = stmt(q, S_OLDEST, &rc);
		if (!s)
			break;
		sqlite3_bind_int(s, 1, st);
		int src = sqlite3_step(s);
		if (src == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
			int64_t v = sqlite3_column_int64(s, 0);
			if (!out->oldest_waiting_ms || v < out->oldest_waiting_ms)
				out->oldest_waiting_ms = v;
		} else if (src != SQLITE_ROW && src != SQLITE_DONE) {
			rc = dberr(q, src, "oldest item");
		}
		done(s);
	}
	rollback(q); /* end the read transaction */
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
	int rc = exec(q, "BEGIN", "begin read");
	if (rc) {
		pthread_mutex_unlock(&q->lock);
		return rc;
	}
	sqlite3_stmt *s = NULL;
	int src = sqlite3_prepare_v2(q->db, sql, -1, &s, NULL);
	wats_queue_item **arr = NULL;
	size_t k = 0, cap = 0;
	if (src != SQLITE_OK) {
		rc = dberr(q, src, "list");
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
		wats_queue_item *it = row_item(s);
		if (!it) {
			rc = wats__error_oom();
			break;
		}
		arr[k++] = it;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = dberr(q, src, "list");
	sqlite3_finalize(s);
	for (size_t i = 0; i < k && rc == 0; i++)
		rc = load_extra(q, arr[i], flags);
end:
	rollback(q);
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
	int rc = canon_id(cid, id);
	if (rc)
		return rc;
	pthread_mutex_lock(&q->lock);
	rc = exec(q, "BEGIN", "begin read");
	if (rc) {
		pthread_mutex_unlock(&q->lock);
		return rc;
	}
	sqlite3_stmt *s = NULL;
	int src = sqlite3_prepare_v2(q->db, "SELECT " ITEM_COLS " FROM items WHERE id = ?1", -1, &s, NULL);
	wats_queue_item *it = NULL;
	if (src != SQLITE_OK) {
		rc = dberr(q, src, "get");
	} else {
		sqlite3_bind_text(s, 1, cid, -1, SQLITE_STATIC);
		src = sqlite3_step(s);
		if (src == SQLITE_ROW) {
			it = row_item(s);
			if (!it)
				rc = wats__error_oom();
		} else if (src == SQLITE_DONE) {
			rc = wats__error(WATS_ENOTFOUND, WATS_ERRCLASS_QUEUE, "queue: no item %s", cid);
		} else {
			rc = dberr(q, src, "get");
		}
	}
	sqlite3_finalize(s);
	if (rc == 0)
		rc = load_extra(q, it, flags);
	rollback(q);
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
	int rc = begin(q);
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
		rc = dberr(q, src, what);
	else if (n)
		*n = (size_t)sqlite3_changes(q->db);
	if (rc == 0)
		rc = commit(q);
	else
		rollback(q);
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
		int rc = canon_id(cid, id);
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
		int rc = canon_id(cid, id);
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
	int rc = begin(q);
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
			rc = dberr(q, src, "pause");
		if (rc == 0)
			rc = commit(q);
		else
			rollback(q);
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
	int64_t u = paused_until_locked(q, &rc, reason);
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
