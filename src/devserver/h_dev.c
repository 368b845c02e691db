/* /_dev/faults and /_dev/stats: controls for tests and for users testing their stations. */
#include "handlers.h"

#include <stdio.h>

int h_dev_faults_get(ds_req *r)
{
	ds_reply_json(r, 200, ds_faults_to_json(&r->srv->faults));
	return 0;
}

int h_dev_faults_post(ds_req *r)
{
	ds_fault_config c;
	char err[512];
	if (ds_fault_config_parse(&c, r->body.ptr ? r->body.ptr : "", r->body.len, err,
				  sizeof(err)) < 0) {
		ds_reply_error(r, 400, "%s", err);
		return 0;
	}
	ds_faults_set(&r->srv->faults, &c);
	ds_reply_json(r, 200, ds_faults_to_json(&r->srv->faults));
	return 0;
}

int h_dev_faults_delete(ds_req *r)
{
	ds_fault_config c;
	ds_fault_config_default(&c);
	ds_faults_set(&r->srv->faults, &c);
	ds_reply_json(r, 200, ds_faults_to_json(&r->srv->faults));
	return 0;
}

int h_dev_stats_get(ds_req *r)
{
	json_object *o = ds_stats_to_json(&r->srv->stats);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double up = (double)(now.tv_sec - r->srv->started.tv_sec) +
		    (double)(now.tv_nsec - r->srv->started.tv_nsec) / 1e9;
	json_object_object_add(o, "uptimeSeconds", json_object_new_double(up));
	long n = -1;
	ds_store *st = &r->srv->store;
	sqlite3_stmt *s = NULL;
	ds_store_lock(st);
	if (sqlite3_prepare_v2(st->db, "SELECT COUNT(*) FROM reports", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	ds_store_unlock(st);
	json_object_object_add(o, "reportsInDatabase", json_object_new_int64(n));
	/* group commit: how many transactions the stored reports took (since the start) */
	pthread_mutex_lock(&st->gc_lock);
	unsigned long batches = st->gc_batches, committed = st->gc_reports;
	pthread_mutex_unlock(&st->gc_lock);
	json_object_object_add(o, "commitBatches", json_object_new_int64((int64_t)batches));
	json_object_object_add(o, "commitReports", json_object_new_int64((int64_t)committed));
	json_object_object_add(o, "faults", ds_faults_to_json(&r->srv->faults));
	ds_reply_json(r, 200, o);
	return 0;
}

int h_dev_stats_delete(ds_req *r)
{
	ds_stats_reset(&r->srv->stats);
	ds_reply_json(r, 200, ds_stats_to_json(&r->srv->stats));
	return 0;
}
