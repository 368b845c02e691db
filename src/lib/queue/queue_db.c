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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "queue/queue_int.h"
#include "util/error.h"
#include "util/uuid.h"

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


const char wats__q_schema[] =
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


/* ---------------------------------------------------------------------------------------- */
/* Helpers                                                                                  */

int64_t wats__q_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wats_queue_now(wats_queue *q)
{
	if (q && q->opt.clock)
		return q->opt.clock(q->opt.clock_payload);
	return wats__q_wall_ms();
}

uint64_t wats__q_next_rand(wats_queue *q)
{
	/* splitmix64: small, good enough for jitter, and reproducible from a seed in tests. */
	uint64_t z = (q->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Map an SQLite failure onto a wats error naming the database and the operation. */
int wats__q_dberr(wats_queue *q, int src, const char *what)
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

sqlite3_stmt *wats__q_stmt(wats_queue *q, int k, int *rc)
{
	if (!q->st[k]) {
		int src = sqlite3_prepare_v3(q->db, SQL[k], -1, SQLITE_PREPARE_PERSISTENT, &q->st[k], NULL);
		if (src != SQLITE_OK) {
			*rc = wats__q_dberr(q, src, "prepare");
			q->st[k] = NULL;
			return NULL;
		}
	}
	return q->st[k];
}

void wats__q_done(sqlite3_stmt *s)
{
	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
}

int wats__q_exec(wats_queue *q, const char *sql, const char *what)
{
	int src = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
	return src == SQLITE_OK ? 0 : wats__q_dberr(q, src, what);
}

int wats__q_set_sync(wats_queue *q, int full)
{
	if (q->sync_full == full)
		return 0;
	int rc = wats__q_exec(q, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", "synchronous");
	if (rc == 0)
		q->sync_full = full;
	return rc;
}

int wats__q_begin(wats_queue *q)
{
	return wats__q_exec(q, "BEGIN IMMEDIATE", "begin transaction");
}

int wats__q_commit(wats_queue *q)
{
	int src = sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	if (src == SQLITE_OK)
		return 0;
	int rc = wats__q_dberr(q, src, "commit");
	if (!sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

void wats__q_rollback(wats_queue *q)
{
	if (!sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
}

char *wats__q_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return strdup(t ? (const char *)t : "");
}

wats_wire_format wats__q_sniff(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0;
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < len && p[i] == '<' ? WATS_WIRE_WSXF : WATS_WIRE_WSJF;
}

int wats__q_canon_id(char out[37], const char *id)
{
	if (!id || !*id)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_QUEUE, "queue: an item needs a report id");
	if (!wats__uuid_valid(id, out))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_QUEUE,
				   "queue: report id \"%.80s\" is not a GUID (8-4-4-4-12 hex digits)", id);
	return 0;
}

/* An item from a row selected with ITEM_COLS (payload and log not loaded). */
wats_queue_item *wats__q_row_item(sqlite3_stmt *s)
{
	wats_queue_item *it = calloc(1, sizeof(*it));
	if (!it)
		return NULL;
	it->seq = sqlite3_column_int64(s, 0);
	it->id = wats__q_col_text(s, 1);
	it->rev = sqlite3_column_int64(s, 2);
	it->state = (wats_queue_state)sqlite3_column_int(s, 3);
	it->priority = sqlite3_column_int(s, 4);
	it->attempts = (unsigned int)sqlite3_column_int(s, 5);
	it->created_ms = sqlite3_column_int64(s, 6);
	it->updated_ms = sqlite3_column_int64(s, 7);
	it->next_attempt_ms = sqlite3_column_int64(s, 8);
	it->sent_ms = sqlite3_column_int64(s, 9);
	it->last_error = wats__q_col_text(s, 10);
	it->http_status = sqlite3_column_int(s, 11);
	it->format = (wats_wire_format)sqlite3_column_int(s, 12);
	it->payload_len = (size_t)sqlite3_column_int64(s, 13);
	it->source = wats__q_col_text(s, 14);
	it->correlation_id = wats__q_col_text(s, 15);
	it->converter = wats__q_col_text(s, 16);
	if (!it->id || !it->last_error || !it->source || !it->correlation_id || !it->converter) {
		wats_queue_item_free(it);
		return NULL;
	}
	return it;
}

/* Load payload and/or log of an item. */
int wats__q_load_extra(wats_queue *q, wats_queue_item *it, unsigned int flags)
{
	if (!(flags & (WATS_QUEUE_WITH_PAYLOAD | WATS_QUEUE_WITH_LOG)))
		return 0;
	int rc = 0;
	sqlite3_stmt *s = wats__q_stmt(q, S_GET_PAYLOAD, &rc);
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
			it->log = wats__q_col_text(s, 1);
			if (!it->log)
				rc = wats__error_oom();
		}
	} else if (src != SQLITE_DONE) {
		rc = wats__q_dberr(q, src, "read payload");
	} else if (flags & WATS_QUEUE_WITH_LOG) {
		it->log = strdup("");
		if (!it->log)
			rc = wats__error_oom();
	}
	wats__q_done(s);
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
