/* watsd: the station client service. Shared declarations of its parts (see docs/watsd.md). */
#ifndef WATSD_H
#define WATSD_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "wats/wats.h"

#define WATSD_CONFIG_SCHEMA 1

/* ---- configuration (config.c) ---- */

typedef enum { POST_MOVE = 0, POST_DELETE, POST_ARCHIVE, POST_LEAVE } watsd_post_action;

typedef struct watsd_watch {
	char *path;          /* absolute folder */
	char *converter;     /* "auto" or a converter name */
	char *patterns;      /* "*.json;*.xml" ("*" = every file) */
	int priority;        /* 1 (first) .. 10 */
	watsd_post_action post;
	char *done_dir;      /* absolute; default <path>/Done */
	char *error_dir;     /* absolute; default <path>/Error */
	int stable_ms;       /* unchanged size+mtime this long = complete (files not seen closed) */
} watsd_watch;

typedef struct watsd_config {
	char *file;          /* the config file */
	char *instance;
	char *state_dir;     /* absolute */
	char *server_url;
	char *token;         /* secret: never logged */
	char *station_name, *location, *purpose;
	long timeout_ms;
	watsd_watch *watches;
	size_t nwatches;
	int convert_workers, upload_workers;
	uint64_t max_items, max_bytes;
	unsigned int max_attempts, backoff_base_ms, backoff_max_ms;
	long keep_sent_hours;
	int rescan_ms;
	int shutdown_grace_ms;
	char *log_format;    /* "text" | "json" */
	char *log_level;
	char *log_file;      /* "" = stderr */
	long log_max_bytes;
	int log_files;
} watsd_config;

/* Load, migrate, apply environment overrides and validate. Errors name the file, key and rule
 * (written to err, size errlen). Returns 0 or -1. */
int watsd_config_load(watsd_config *cfg, const char *path, char *err, size_t errlen);
void watsd_config_free(watsd_config *cfg);
/* Default config file of an instance: $WATSD_CONFIG_DIR, else ~/.config/watsd (user) or
 * /etc/watsd (root), + "/NAME.json". */
int watsd_config_default_path(char *out, size_t size, const char *instance);
int watsd_instance_name_ok(const char *name);

/* ---- logging (log.c) ---- */

int watsd_log_open(const watsd_config *cfg, char *err, size_t errlen);
void watsd_log_close(void);
void watsd_log(wats_log_level level, const char *cid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* With extra fields (key, value pairs, NULL-terminated). */
void watsd_logf(wats_log_level level, const char *cid, const wats_log_field *fields,
		size_t nfields, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- the pipeline (pipeline.c, watch.c) ---- */

typedef struct watsd watsd;

typedef struct watsd_stats {
	atomic_ullong files_seen, files_converted, files_failed, reports_queued, reports_sent,
		send_failures, backpressure;
} watsd_stats;

struct watsd {
	watsd_config *cfg;
	wats_client *client;
	wats_queue *queue;
	wats_converters *converters;
	atomic_int stopping;       /* phase 1: take no new work */
	atomic_int paused;         /* uploads paused (control socket) */
	pthread_mutex_t lock;      /* jobs, candidates */
	pthread_cond_t job_cv;     /* converters wait here */
	pthread_cond_t up_cv;      /* uploaders wait here */
	pthread_cond_t done_cv;    /* main waits for threads */
	int up_signal;             /* new items queued */
	int running;               /* worker threads alive */
	struct watsd_jobs *jobs;   /* priority heap of files to convert */
	struct watsd_files *files; /* candidates and files in flight, by path */
	watsd_stats stats;
	int64_t started_ms;
};

int watsd_pipeline_start(watsd *d);
/* Phase 1 of shutdown: stop taking files; wake every thread. */
void watsd_pipeline_stop(watsd *d);
/* Wait until every thread has finished or deadline_ms (CLOCK_MONOTONIC ms) passes: 0 or -1. */
int watsd_pipeline_wait(watsd *d, int64_t deadline_ms);
void watsd_pipeline_free(watsd *d);

/* control.c: the control socket (STATE/watsd.sock) and its thread. */
int watsd_control_open(watsd *d);
void *watsd_control_thread(void *arg);

/* watch.c: the watcher thread (inotify, start-up scan, periodic rescan, stability). */
void *watsd_watch_thread(void *arg);
/* A converter finished with a file: forget it (done) or retry it after delay_ms. */
void watsd_file_done(watsd *d, const char *path, int64_t retry_after_ms);
/* Next job for a converter (blocks); NULL when stopping. *prio gets its priority. */
typedef struct watsd_job {
	char *path;
	size_t watch;    /* index in cfg->watches */
	char cid[24];
	int64_t seen_ms; /* when it was first seen (latency) */
} watsd_job;
watsd_job *watsd_next_job(watsd *d);
void watsd_job_free(watsd_job *j);

int64_t watsd_mono_ms(void);
int64_t watsd_wall_ms(void);
void watsd_new_cid(char out[24]);
/* Wait on cv until woken or ms passed (or stopping). lock held. */
void watsd_cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *m, int64_t ms);

#endif
