/*
 * faults.h - fault injection: what the dev server does wrong on purpose, so that retry,
 * circuit-breaker and queue code (ours or a user's station) can be tested against it.
 *
 * The configuration is replaced as a whole (flags at start-up, POST /_dev/faults at run time)
 * and consulted once per request, under a mutex, to produce a ds_fault_plan. The /_dev routes
 * themselves are never faulted, so a test can always switch faults off again.
 */
#ifndef WATS_DEVSERVER_FAULTS_H
#define WATS_DEVSERVER_FAULTS_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

typedef enum ds_fault_action {
	DS_FAULT_NONE = 0,
	DS_FAULT_STATUS,        /* answer with plan.status (and Retry-After) instead of the route */
	DS_FAULT_RESET_BEFORE,  /* reset the connection before reading the body: nothing happens */
	DS_FAULT_RESET_AFTER    /* run the route, then reset instead of answering: the effect
				   happened but the client never hears about it */
} ds_fault_action;

typedef struct ds_fault_plan {
	ds_fault_action action;
	int status;
	int retry_after;        /* seconds for the Retry-After header, 0 = none */
	unsigned latency_ms;    /* delay before the answer (or the reset) */
	int early;              /* decided by the outage window: answer before reading the body */
} ds_fault_plan;

typedef struct ds_fault_config {
	unsigned latency_ms;        /* added to every matching request */
	unsigned latency_jitter_ms; /* plus a uniform random 0..jitter */
	double error_rate;          /* fraction of matching requests answered with error_status */
	long error_count;           /* the next N matching requests get error_status (before rate) */
	int error_status;           /* 500, 502, 503, 429, ... (default 503) */
	int retry_after;            /* seconds; sent with 429/503 answers when > 0 */
	double reset_before_rate;
	long reset_before_count;
	double reset_after_rate;
	long reset_after_count;
	unsigned outage_ms;         /* as set (for display) */
	int outage_status;          /* status during the outage; 0 = reset every connection */
	struct timespec outage_until; /* CLOCK_MONOTONIC end of the outage window */
	char match[256];            /* "" = all /api requests; "/api/Report" = path prefix;
				       "POST /api/Report/WSJF" = method and path prefix */
	uint64_t seed;
} ds_fault_config;

typedef struct ds_faults {
	pthread_mutex_t lock;
	ds_fault_config cfg;
	uint64_t rng;
	uint64_t n_status, n_reset_before, n_reset_after, n_delayed, n_outage;
} ds_faults;

void ds_faults_init(ds_faults *f);
void ds_faults_destroy(ds_faults *f);
/* A config with every fault off (error_status 503, outage_status 503). */
void ds_fault_config_default(ds_fault_config *c);
/*
 * Parse a JSON fault description (see docs/devserver.md) into c, starting from the defaults.
 * Returns 0, or -1 with a message naming the bad key in err.
 */
int ds_fault_config_parse(ds_fault_config *c, const char *json, size_t len, char *err,
			  size_t errlen);
/* Replace the active configuration (the outage window starts now). */
void ds_faults_set(ds_faults *f, const ds_fault_config *c);
/* The active configuration and counters, as JSON (caller owns the object). */
json_object *ds_faults_to_json(ds_faults *f);
/* Decide what to do with one request. */
void ds_faults_decide(ds_faults *f, const char *method, const char *path, ds_fault_plan *out);

#endif
