/*
 * stats.h - request counters for GET /_dev/stats: requests by route and status, resets,
 * reports stored. Routes are counted by table index so that recording a request is a short
 * locked scan of a few integers, not string work.
 */
#ifndef WATS_DEVSERVER_STATS_H
#define WATS_DEVSERVER_STATS_H

#include <pthread.h>
#include <stdint.h>

#include <json-c/json.h>

#define DS_STATS_STATUSES 16
#define DS_STATUS_RESET 0   /* "status" recorded when the connection was reset on purpose */

typedef struct ds_stat_route {
	int status[DS_STATS_STATUSES];
	uint64_t count[DS_STATS_STATUSES];
	int n;
} ds_stat_route;

typedef struct ds_stats {
	pthread_mutex_t lock;
	ds_stat_route *routes;  /* nroutes + 1: the last slot counts unknown routes */
	size_t nroutes;
	uint64_t requests;
	uint64_t reports_stored;
	uint64_t bytes_received;
} ds_stats;

int ds_stats_init(ds_stats *s, size_t nroutes);
void ds_stats_destroy(ds_stats *s);
/* route_index == nroutes for requests that matched no route. */
void ds_stats_record(ds_stats *s, size_t route_index, int status, uint64_t body_bytes);
void ds_stats_report_stored(ds_stats *s);
/* Forget every counter (DELETE /_dev/stats). */
void ds_stats_reset(ds_stats *s);
/* {"requests":..,"reportsStored":..,"bytesReceived":..,"routes":{"GET /api/..":{"200":n}}} */
json_object *ds_stats_to_json(ds_stats *s);

#endif
