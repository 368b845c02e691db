/* SQLite storage: schema, reports, JSON documents, counters. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devserver.h"
#include "report_index.h"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS reports("
	" id TEXT PRIMARY KEY, type TEXT NOT NULL, format TEXT NOT NULL,"
	" pn TEXT, sn TEXT, rev TEXT, process_code INTEGER, process_name TEXT, result TEXT,"
	" machine_name TEXT, location TEXT, purpose TEXT, start TEXT, start_epoch REAL,"
	" operator TEXT, batch_sn TEXT, fixture_id TEXT, exec_time REAL, comment TEXT,"
	" socket_index INTEGER, error_code INTEGER, error_message TEXT, ref_uut TEXT,"
	" received TEXT NOT NULL, receive_count INTEGER NOT NULL DEFAULT 1, size INTEGER,"
	" body BLOB NOT NULL);"
	"CREATE INDEX IF NOT EXISTS reports_sn ON reports(sn);"
	"CREATE INDEX IF NOT EXISTS reports_pn ON reports(pn);"
	"CREATE INDEX IF NOT EXISTS reports_start ON reports(start_epoch);"
	"CREATE TABLE IF NOT EXISTS report_misc("
	" report_id TEXT NOT NULL, idx INTEGER NOT NULL, description TEXT, text TEXT);"
	"CREATE INDEX IF NOT EXISTS report_misc_id ON report_misc(report_id);"
	"CREATE INDEX IF NOT EXISTS report_misc_desc ON report_misc(description, text);"
	"CREATE TABLE IF NOT EXISTS report_subunits("
	" report_id TEXT NOT NULL, idx INTEGER NOT NULL, pn TEXT, sn TEXT, rev TEXT,"
	" part_type TEXT);"
	"CREATE INDEX IF NOT EXISTS report_subunits_id ON report_subunits(report_id);"
	"CREATE TABLE IF NOT EXISTS docs("
	" kind TEXT NOT NULL, k1 TEXT NOT NULL, k2 TEXT NOT NULL DEFAULT '',"
	" seq INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY(kind, k1, k2));"
	"CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);";

static const char sql_put_report[] =
	"INSERT INTO reports(id, type, format, pn, sn, rev, process_code, process_name, result,"
	" machine_name, location, purpose, start, start_epoch, operator, batch_sn, fixture_id,"
	" exec_time, comment, socket_index, error_code, error_message, ref_uut, received, size,"
	" body) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,"
	"?21,?22,?23,?24,?25,?26)"
	" ON CONFLICT(id) DO UPDATE SET type=?2, format=?3, pn=?4, sn=?5, rev=?6,"
	" process_code=?7, process_name=?8, result=?9, machine_name=?10, location=?11,"
	" purpose=?12, start=?13, start_epoch=?14, operator=?15, batch_sn=?16, fixture_id=?17,"
	" exec_time=?18, comment=?19, socket_index=?20, error_code=?21, error_message=?22,"
	" ref_uut=?23, received=?24, size=?25, body=?26, receive_count=receive_count+1";

static int prep(ds_store *st, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) != SQLITE_OK) {
		fprintf(stderr, "wats-devserver: database: %s\n", sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

int ds_store_open(ds_store *st, const char *path, const char *sync)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->gc_lock, NULL);
	pthread_cond_init(&st->gc_cond, NULL);
	st->gc_tail = &st->gc_head;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		fprintf(stderr, "wats-devserver: cannot open database '%s': %s\n", path,
			st->db ? sqlite3_errmsg(st->db) : "out of memory");
		ds_store_close(st);
		return -1;
	}
	char *err = NULL;
	/* WAL: readers never block the writer, and a commit is one append to the WAL.
	 * synchronous: with "off" (the default) a commit is complete once SQLite has handed it
	 * to the kernel, so every answered report survives a crash or kill -9 of the server;
	 * only a crash of the machine or a power cut can lose recent reports or damage the
	 * file. "normal" also fsyncs at every checkpoint, which keeps the file intact through a
	 * power cut; a 97 KB report is then written to the disk twice (WAL and database), and
	 * the disk (about 300 MB/s here) caps submissions at about half of what "off" takes.
	 * secure_delete=OFF: Debian builds SQLite with SECURE_DELETE, which zeroes every freed
	 * page; overwriting a report then also wrote its old overflow pages (zeros) to the WAL.
	 * Old report text left in free pages is no secret in a development server.
	 * cache_size 32 MB (default 2 MB): overwriting a report frees its old overflow pages,
	 * which SQLite must read to follow the chain; with 300 reports' worth of pages cached
	 * that is no pread each (measured: 40-50 us less CPU per overwrite). */
	char pragmas[256];
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA secure_delete=OFF;"
		 "PRAGMA cache_size=-32768; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=OFF;",
		 sync ? sync : "normal");
	if (sqlite3_exec(st->db, pragmas, NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(st->db, schema, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "wats-devserver: cannot prepare database '%s': %s\n", path,
			err ? err : sqlite3_errmsg(st->db));
		sqlite3_free(err);
		ds_store_close(st);
		return -1;
	}
	if (prep(st, sql_put_report, &st->put_report) ||
	    prep(st, "DELETE FROM report_misc WHERE report_id=?1", &st->del_misc) ||
	    prep(st, "INSERT INTO report_misc(report_id, idx, description, text) VALUES(?1,?2,?3,?4)",
		 &st->put_misc) ||
	    prep(st, "DELETE FROM report_subunits WHERE report_id=?1", &st->del_sub) ||
	    prep(st, "INSERT INTO report_subunits(report_id, idx, pn, sn, rev, part_type)"
		 " VALUES(?1,?2,?3,?4,?5,?6)", &st->put_sub) ||
	    prep(st, "SELECT body, format FROM reports WHERE id=?1", &st->get_body) ||
	    prep(st, "SELECT json FROM docs WHERE kind=?1 AND k1=?2 AND k2=?3", &st->doc_get) ||
	    prep(st, "INSERT INTO docs(kind, k1, k2, seq, json) VALUES(?1,?2,?3,"
		 " (SELECT COALESCE(MAX(seq),0)+1 FROM docs WHERE kind=?1), ?4)"
		 " ON CONFLICT(kind, k1, k2) DO UPDATE SET json=?4", &st->doc_put) ||
	    prep(st, "DELETE FROM docs WHERE kind=?1 AND k1=?2 AND k2=?3", &st->doc_del)) {
		ds_store_close(st);
		return -1;
	}
	return 0;
}

void ds_store_close(ds_store *st)
{
	sqlite3_stmt *all[] = { st->put_report, st->del_misc, st->put_misc, st->del_sub,
				st->put_sub, st->get_body, st->doc_get, st->doc_put, st->doc_del };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sqlite3_finalize(all[i]);
	if (st->db)
		sqlite3_close(st->db);
	st->db = NULL;
	pthread_mutex_destroy(&st->lock);
	pthread_mutex_destroy(&st->gc_lock);
	pthread_cond_destroy(&st->gc_cond);
}

void ds_store_lock(ds_store *st)
{
	pthread_mutex_lock(&st->lock);
}

void ds_store_unlock(ds_store *st)
{
	pthread_mutex_unlock(&st->lock);
}

static void bind_str(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static int step_done(ds_store *st, sqlite3_stmt *s, char *err, size_t errlen)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "database error: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

/* One submission waiting for the group commit (see ds_store_put_report). */
struct ds_commit_job {
	const ds_report_meta *m;
	const char *format, *body;
	size_t len;
	char now[32];
	char *err;
	size_t errlen;
	int rc, done;
	struct ds_commit_job *next;
};

/* The rows of one report, inside the open transaction. */
static int insert_rows(ds_store *st, const struct ds_commit_job *j)
{
	const ds_report_meta *m = j->m;
	char type[2] = { m->type, 0 };
	sqlite3_stmt *s = st->put_report;
	sqlite3_bind_text(s, 1, m->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, j->format, -1, SQLITE_STATIC);
	bind_str(s, 4, m->pn);
	bind_str(s, 5, m->sn);
	bind_str(s, 6, m->rev);
	if (m->has_process_code)
		sqlite3_bind_int64(s, 7, m->process_code);
	bind_str(s, 8, m->process_name);
	bind_str(s, 9, m->result);
	bind_str(s, 10, m->machine_name);
	bind_str(s, 11, m->location);
	bind_str(s, 12, m->purpose);
	bind_str(s, 13, m->start);
	if (m->has_start_epoch)
		sqlite3_bind_double(s, 14, m->start_epoch);
	bind_str(s, 15, m->op);
	bind_str(s, 16, m->batch_sn);
	bind_str(s, 17, m->fixture_id);
	if (m->has_exec_time)
		sqlite3_bind_double(s, 18, m->exec_time);
	bind_str(s, 19, m->comment);
	if (m->has_socket)
		sqlite3_bind_int64(s, 20, m->socket_index);
	if (m->has_error_code)
		sqlite3_bind_int64(s, 21, m->error_code);
	bind_str(s, 22, m->error_message);
	bind_str(s, 23, m->ref_uut);
	sqlite3_bind_text(s, 24, j->now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 25, (sqlite3_int64)j->len);
	sqlite3_bind_blob64(s, 26, j->body, j->len, SQLITE_STATIC);
	int rc = step_done(st, s, j->err, j->errlen);

	if (!rc) {
		sqlite3_bind_text(st->del_misc, 1, m->id, -1, SQLITE_STATIC);
		rc = step_done(st, st->del_misc, j->err, j->errlen);
	}
	for (size_t i = 0; !rc && i < m->nmisc; i++) {
		sqlite3_bind_text(st->put_misc, 1, m->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st->put_misc, 2, (sqlite3_int64)i);
		bind_str(st->put_misc, 3, m->misc[i].description);
		bind_str(st->put_misc, 4, m->misc[i].text);
		rc = step_done(st, st->put_misc, j->err, j->errlen);
	}
	if (!rc) {
		sqlite3_bind_text(st->del_sub, 1, m->id, -1, SQLITE_STATIC);
		rc = step_done(st, st->del_sub, j->err, j->errlen);
	}
	for (size_t i = 0; !rc && i < m->nsub; i++) {
		sqlite3_bind_text(st->put_sub, 1, m->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st->put_sub, 2, (sqlite3_int64)i);
		bind_str(st->put_sub, 3, m->sub[i].pn);
		bind_str(st->put_sub, 4, m->sub[i].sn);
		bind_str(st->put_sub, 5, m->sub[i].rev);
		bind_str(st->put_sub, 6, m->sub[i].part_type);
		rc = step_done(st, st->put_sub, j->err, j->errlen);
	}
	return rc;
}

static int exec_ok(ds_store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

/* Write a batch of submissions in one transaction, each in its own savepoint. */
static void commit_batch(ds_store *st, struct ds_commit_job *batch)
{
	ds_store_lock(st);
	if (!exec_ok(st, "BEGIN IMMEDIATE")) {
		for (struct ds_commit_job *j = batch; j; j = j->next) {
			snprintf(j->err, j->errlen, "database error: %s", sqlite3_errmsg(st->db));
			j->rc = -1;
		}
		ds_store_unlock(st);
		return;
	}
	int stored = 0;
	for (struct ds_commit_job *j = batch; j; j = j->next) {
		if (!exec_ok(st, "SAVEPOINT r")) {
			snprintf(j->err, j->errlen, "database error: %s", sqlite3_errmsg(st->db));
			j->rc = -1;
			continue;
		}
		j->rc = insert_rows(st, j);
		if (j->rc)
			exec_ok(st, "ROLLBACK TO r");
		exec_ok(st, "RELEASE r");
		stored += !j->rc;
	}
	if (!exec_ok(st, stored ? "COMMIT" : "ROLLBACK")) {
		for (struct ds_commit_job *j = batch; j; j = j->next)
			if (!j->rc) {
				snprintf(j->err, j->errlen, "database error on commit: %s",
					 sqlite3_errmsg(st->db));
				j->rc = -1;
			}
		exec_ok(st, "ROLLBACK");
	}
	ds_store_unlock(st);
}

/*
 * Group commit: a submission joins the queue; if no other thread is committing, this one
 * becomes the leader, takes everything queued (its own report and those that arrived while
 * the previous batch was being written) and commits them in one transaction. The others
 * wait until their batch is committed, so no report is answered before it is in the
 * database: a crash (kill -9) after the 200 loses nothing. Under load one WAL commit covers
 * several reports; a lone submission is committed at once, without waiting for company.
 */
int ds_store_put_report(ds_store *st, const ds_report_meta *m, const char *format,
			const char *body, size_t len, char *err, size_t errlen)
{
	struct ds_commit_job job = { .m = m, .format = format, .body = body, .len = len,
				     .err = err, .errlen = errlen };
	ds_now_iso(job.now);
	pthread_mutex_lock(&st->gc_lock);
	*st->gc_tail = &job;
	st->gc_tail = &job.next;
	while (!job.done) {
		if (st->gc_leader || !st->gc_head) {
			pthread_cond_wait(&st->gc_cond, &st->gc_lock);
			continue;
		}
		struct ds_commit_job *batch = st->gc_head;
		st->gc_head = NULL;
		st->gc_tail = &st->gc_head;
		st->gc_leader = 1;
		pthread_mutex_unlock(&st->gc_lock);
		commit_batch(st, batch);
		size_t n = 0;
		pthread_mutex_lock(&st->gc_lock);
		for (struct ds_commit_job *j = batch, *next; j; j = next) {
			next = j->next;   /* j may return (and vanish) once done is set */
			j->done = 1;
			n++;
		}
		st->gc_batches++;
		st->gc_reports += n;
		st->gc_leader = 0;
		pthread_cond_broadcast(&st->gc_cond);
	}
	pthread_mutex_unlock(&st->gc_lock);
	return job.rc;
}

int ds_store_get_report(ds_store *st, const char *id, char **body, size_t *len,
			const char **format)
{
	int found = 0;
	ds_store_lock(st);
	sqlite3_stmt *s = st->get_body;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(s, 0);
		const void *p = sqlite3_column_blob(s, 0);
		const char *f = (const char *)sqlite3_column_text(s, 1);
		*format = f && !strcmp(f, "wsxf") ? "wsxf" : "wsjf";
		*body = malloc(n + 1);
		if (*body) {
			if (n)
				memcpy(*body, p, n);
			(*body)[n] = '\0';
			*len = n;
			found = 1;
		} else {
			found = -1;
		}
	} else if (rc != SQLITE_DONE) {
		found = -1;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	ds_store_unlock(st);
	return found;
}

json_object *ds_doc_get(ds_store *st, const char *kind, const char *k1, const char *k2)
{
	json_object *o = NULL;
	ds_store_lock(st);
	sqlite3_stmt *s = st->doc_get;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, k1, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, k2 ? k2 : "", -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		o = json_tokener_parse((const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	ds_store_unlock(st);
	return o;
}

int ds_doc_put(ds_store *st, const char *kind, const char *k1, const char *k2, json_object *doc)
{
	char err[256];
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	ds_store_lock(st);
	sqlite3_stmt *s = st->doc_put;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, k1, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, k2 ? k2 : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, text, -1, SQLITE_STATIC);
	int rc = step_done(st, s, err, sizeof(err));
	ds_store_unlock(st);
	if (rc)
		fprintf(stderr, "wats-devserver: %s\n", err);
	return rc;
}

int ds_doc_delete(ds_store *st, const char *kind, const char *k1, const char *k2)
{
	char err[256];
	ds_store_lock(st);
	sqlite3_stmt *s = st->doc_del;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, k1, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, k2 ? k2 : "", -1, SQLITE_STATIC);
	int rc = step_done(st, s, err, sizeof(err));
	int n = rc ? -1 : sqlite3_changes(st->db);
	ds_store_unlock(st);
	return n;
}

json_object *ds_doc_list(ds_store *st, const char *kind, const char *k1, const char *where,
			 const ds_binds *binds, const char *order, long top, long skip, char *err,
			 size_t errlen)
{
	wats_buf sql = WATS_BUF_INIT;
	wats__buf_printf(&sql, "SELECT json FROM docs WHERE kind=?1%s",
			 k1 ? " AND k1=?2" : " AND ?2 IS NULL");
	if (where && *where)
		wats__buf_printf(&sql, " AND (%s)", where);
	wats__buf_printf(&sql, " ORDER BY %s LIMIT %ld OFFSET %ld", order && *order ? order : "seq",
			 top < 0 ? -1L : top, skip < 0 ? 0L : skip);
	json_object *arr = NULL;
	sqlite3_stmt *s = NULL;
	ds_store_lock(st);
	if (sqlite3_prepare_v2(st->db, sql.ptr, -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	if (k1)
		sqlite3_bind_text(s, 2, k1, -1, SQLITE_STATIC);
	if (binds && ds_binds_apply(binds, s, 3) < 0) {
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	arr = json_object_new_array();
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_object *o = json_tokener_parse((const char *)sqlite3_column_text(s, 0));
		if (o)
			json_object_array_add(arr, o);
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(st->db));
		json_object_put(arr);
		arr = NULL;
	}
out:
	sqlite3_finalize(s);
	ds_store_unlock(st);
	wats__buf_dispose(&sql);
	return arr;
}

long ds_store_next_counter(ds_store *st, const char *name)
{
	return ds_store_add_counter(st, name, 1);
}

long ds_store_add_counter(ds_store *st, const char *name, long n)
{
	long v = -1;
	sqlite3_stmt *s = NULL;
	ds_store_lock(st);
	if (sqlite3_prepare_v2(st->db, "INSERT INTO counters(name, value) VALUES(?1, ?2)"
			       " ON CONFLICT(name) DO UPDATE SET value=value+?2 RETURNING value",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, n);
		if (sqlite3_step(s) == SQLITE_ROW)
			v = (long)sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	ds_store_unlock(st);
	return v;
}
