/*
 * store.h - everything the dev server keeps, in one SQLite database (WAL, or ":memory:").
 *
 * One connection behind a mutex: statements are short (an insert of an already-parsed report,
 * an indexed lookup), so serialising them costs less than a connection pool would, and it
 * makes ":memory:" databases work without shared-cache tricks. Parsing and JSON work happen
 * outside the lock.
 *
 * Reports live in `reports` (header columns + the body as received) with `report_misc` and
 * `report_subunits` for the query routes. Everything else (products, units, assets,
 * packages, tickets, ...) is a JSON document in `docs`, keyed by (kind, k1, k2).
 */
#ifndef WATS_DEVSERVER_STORE_H
#define WATS_DEVSERVER_STORE_H

#include <pthread.h>
#include <stddef.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "odata.h"

struct ds_report_meta;

typedef struct ds_store {
	sqlite3 *db;
	pthread_mutex_t lock;
	sqlite3_stmt *put_report, *del_misc, *put_misc, *del_sub, *put_sub, *get_body;
	sqlite3_stmt *doc_get, *doc_put, *doc_del;
	/* group commit of report submissions (store.c) */
	pthread_mutex_t gc_lock;
	pthread_cond_t gc_cond;
	struct ds_commit_job *gc_head, **gc_tail;
	int gc_leader;
	unsigned long gc_batches, gc_reports;   /* for /_dev/stats */
} ds_store;

/*
 * Open or create the database; prints the reason to stderr on failure. sync is SQLite's
 * synchronous level for a file database: "off", "normal" or "full".
 */
int ds_store_open(ds_store *st, const char *path, const char *sync);
void ds_store_close(ds_store *st);

void ds_store_lock(ds_store *st);
void ds_store_unlock(ds_store *st);

/*
 * Store a report (same id again = overwrite, as the real server does). format is "wsjf" or
 * "wsxf". Returns 0 or -1 (message in err) once the report is committed: concurrent
 * submissions are committed together in one transaction (group commit).
 */
int ds_store_put_report(ds_store *st, const struct ds_report_meta *m, const char *format,
			const char *body, size_t len, char *err, size_t errlen);
/*
 * Fetch a report body. Returns 1 found (*body malloc'd, free() it; *format "wsjf"/"wsxf"
 * static), 0 not found, -1 error.
 */
int ds_store_get_report(ds_store *st, const char *id, char **body, size_t *len,
			const char **format);

/* JSON documents. k2 may be NULL (stored as ""). get returns a new object or NULL. */
json_object *ds_doc_get(ds_store *st, const char *kind, const char *k1, const char *k2);
int ds_doc_put(ds_store *st, const char *kind, const char *k1, const char *k2, json_object *doc);
/* Returns the number of documents deleted, or -1. */
int ds_doc_delete(ds_store *st, const char *kind, const char *k1, const char *k2);
/*
 * All documents of a kind (optionally only those with this k1), in insertion order, with an
 * optional extra SQL condition on the column `json` (built by odata.c, binds start at ?3),
 * ORDER BY clause, LIMIT/OFFSET. Returns a new array, or NULL on an SQL error (message in err).
 */
json_object *ds_doc_list(ds_store *st, const char *kind, const char *k1, const char *where,
			 const ds_binds *binds, const char *order, long top, long skip, char *err,
			 size_t errlen);
/* Next value of a named counter (ticket numbers, package versions). */
long ds_store_next_counter(ds_store *st, const char *name);
/* Add n to a named counter atomically; returns the new value (the range is value-n+1..value). */
long ds_store_add_counter(ds_store *st, const char *name, long n);

#endif
