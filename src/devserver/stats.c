/* Request counters. */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devserver.h"

int ds_stats_init(ds_stats *s, size_t nroutes)
{
	memset(s, 0, sizeof(*s));
	s->routes = calloc(nroutes + 1, sizeof(*s->routes));
	if (!s->routes)
		return -1;
	s->nroutes = nroutes;
	pthread_mutex_init(&s->lock, NULL);
	return 0;
}

void ds_stats_destroy(ds_stats *s)
{
	if (!s->routes)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->routes);
	s->routes = NULL;
}

void ds_stats_record(ds_stats *s, size_t route_index, int status, uint64_t body_bytes)
{
	if (route_index > s->nroutes)
		route_index = s->nroutes;
	pthread_mutex_lock(&s->lock);
	s->requests++;
	s->bytes_received += body_bytes;
	ds_stat_route *r = &s->routes[route_index];
	int i;
	for (i = 0; i < r->n; i++)
		if (r->status[i] == status)
			break;
	if (i == r->n && r->n < DS_STATS_STATUSES) {
		r->status[i] = status;
		r->count[i] = 0;
		r->n++;
	}
	if (i < r->n)
		r->count[i]++;
	pthread_mutex_unlock(&s->lock);
}

void ds_stats_report_stored(ds_stats *s)
{
	pthread_mutex_lock(&s->lock);
	s->reports_stored++;
	pthread_mutex_unlock(&s->lock);
}

void ds_stats_reset(ds_stats *s)
{
	pthread_mutex_lock(&s->lock);
	memset(s->routes, 0, (s->nroutes + 1) * sizeof(*s->routes));
	s->requests = 0;
	s->reports_stored = 0;
	s->bytes_received = 0;
	pthread_mutex_unlock(&s->lock);
}

json_object *ds_stats_to_json(ds_stats *s)
{
	json_object *o = json_object_new_object();
	json_object *routes = json_object_new_object();
	pthread_mutex_lock(&s->lock);
	json_object_object_add(o, "requests", json_object_new_int64((int64_t)s->requests));
	json_object_object_add(o, "reportsStored", json_object_new_int64((int64_t)s->reports_stored));
	json_object_object_add(o, "bytesReceived", json_object_new_int64((int64_t)s->bytes_received));
	for (size_t i = 0; i <= s->nroutes; i++) {
		ds_stat_route *r = &s->routes[i];
		if (!r->n)
			continue;
		char key[160];
		if (i < s->nroutes) {
			const ds_route *rt = ds_route_at(i);
			snprintf(key, sizeof(key), "%s %s", rt->method, rt->pattern);
		} else {
			snprintf(key, sizeof(key), "(no route)");
		}
		json_object *by = json_object_new_object();
		for (int j = 0; j < r->n; j++) {
			char st[16];
			if (r->status[j] == DS_STATUS_RESET)
				snprintf(st, sizeof(st), "reset");
			else
				snprintf(st, sizeof(st), "%d", r->status[j]);
			json_object_object_add(by, st, json_object_new_int64((int64_t)r->count[j]));
		}
		json_object_object_add(routes, key, by);
	}
	pthread_mutex_unlock(&s->lock);
	json_object_object_add(o, "routes", routes);
	return o;
}
