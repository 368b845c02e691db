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
	int enabled;         /* 0: configured but not watched ("enabled": false) */
} watsd_watch;

typedef struct watsd_config {
	char *file;          /* the config file */
	char *instance;
	char *state_dir;     /* absolute */
	char *server_url;
	char *token;         /* secret: never logged */
	char *station_name, *location, *purpose;
	long timeout_ms;
	unsigned int breaker_failures; /* 0 = the client's default (5) */
	unsigned int breaker_open_ms;  /* 0 = the client's default (30 000) */
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
	/* http (http.c): off unless the config has an "http" section */
	int http_enabled;
	char *http_address;  /* default 127.0.0.1 */
	int http_port;       /* 0 = a free port (reported in status and the log) */
	char *api_key;       /* secret: never logged; NULL = state-changing routes refused */
	/* proxy (section "proxy"): mode "system" = libcurl's environment (http_proxy, ...),
	 * "none" = direct, "manual" = proxy_url */
	char *proxy_mode;
	char *proxy_url;      /* manual: "http://host:port" */
	char *proxy_bypass;   /* hosts that bypass the proxy, "a,b" */
	char *proxy_username;
	char *proxy_password; /* secret: never logged, never sent to the web page */
	/* serial numbers (section "serial"): a converted report whose serial number does not
	 * match serial_pattern (POSIX extended regex) is rejected (error folder + reason) or
	 * only warned about (the conversion log), per serial_action "reject" | "warn" */
	char *serial_pattern; /* NULL = no check */
	char *serial_action;  /* default "reject" */
	/* software (section "software"): where packages from the server are put */
	char *software_dir;   /* absolute; NULL = not set */
} watsd_config;

/* Load, migrate, apply environment overrides and validate. Errors name the file, key and rule
 * (written to err, size errlen). Returns 0 or -1. */
int watsd_config_load(watsd_config *cfg, const char *path, char *err, size_t errlen);
void watsd_config_free(watsd_config *cfg);
/* Default config file of an instance: $WATSD_CONFIG_DIR, else ~/.config/watsd (user) or
 * /etc/watsd (root), + "/NAME.json". */
int watsd_config_default_path(char *out, size_t size, const char *instance);
int watsd_instance_name_ok(const char *name);
/* Does serial match pattern (POSIX extended regex, unanchored as regexec is)? 1 yes, 0 no,
 * -1 the pattern does not compile; why (may be NULL) gets a sentence saying which. */
int watsd_serial_check(const char *pattern, const char *serial, char *why, size_t whylen);

/* Apply a set of changes to the config file: changes is a JSON object of dotted keys
 * ("server.url", "watch[0].priority", "watch" for the whole array) to JSON values (null
 * removes the key). Each change is validated alone on top of the current file, then all
 * together, with watsd_config_load's rules; the file is replaced atomically only when
 * valid. On a validation failure returns 1 and *errors gets {"key": "message", ...} (caller
 * owns it); on an I/O failure -1 and err. Secrets ("server.token", "http.api_key",
 * "proxy.password") go to their *_file when the config names one (written 0600), else into
 * the config file, which must then be 0600. Returns 0 when written. Calls are serialised
 * within the process (two saves from the web at once both land). (config_edit.c) */
struct json_object;
int watsd_config_apply(const char *path, struct json_object *changes, struct json_object **errors,
		       char *err, size_t errlen);

/* The one walker of dotted config keys ("server.url", "watch[0].priority", "watch[2]"), for
 * watsd_config_apply and `wats config get/set`. Parts are split at '.' (empty parts skipped);
 * "name[i]" is element i of the array name (i: a decimal >= 0). Returns the value holding the
 * last part, borrowed from doc: an object, with *index -1 and the member's name in name
 * (namelen >= WATSD_CONFIG_KEY_MAX), or, for "name[i]", the array, with *index i (name: the
 * array's). NULL when the key is malformed or cannot be followed; msg (may be NULL) then says
 * why, as `key "K": ...`. The mode says what happens to parts that are not there: */
#define WATSD_CONFIG_KEY_MAX 512
typedef enum watsd_key_mode {
	WATSD_KEY_FIND,    /* nothing is created: every part must exist, every [i] < the length */
	WATSD_KEY_OBJECTS, /* absent objects on the way are created; arrays and elements must exist */
	WATSD_KEY_GROW,    /* absent or null objects on the way are created, "name[0]" creates the
			    * array, [length] appends ({} on the way): what watsd_config_apply does */
} watsd_key_mode;
struct json_object *watsd_config_walk(struct json_object *doc, const char *key, watsd_key_mode mode,
				      char *name, size_t namelen, long *index, char *msg,
				      size_t msglen);
/* The value at key in doc (borrowed); NULL when it is absent, null or cannot be followed. */
struct json_object *watsd_config_lookup(struct json_object *doc, const char *key);

/* ---- logging (log.c) ---- */

int watsd_log_open(const watsd_config *cfg, char *err, size_t errlen);
void watsd_log_close(void);
void watsd_log(wats_log_level level, const char *cid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The last lines kept in memory (at most 1,000, whatever the destination) with level >= min,
 * at most max of them, oldest first: [{time, level, cid, message}] (caller owns it). */
struct json_object;
struct json_object *watsd_log_recent(wats_log_level min, size_t max);
/* With extra fields (key, value pairs, NULL-terminated). */
void watsd_logf(wats_log_level level, const char *cid, const wats_log_field *fields,
		size_t nfields, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- the pipeline (pipeline.c, watch.c) ---- */

typedef struct watsd watsd;

/* A latency histogram (Prometheus buckets, seconds). */
#define WATSD_HIST_BUCKETS 15
extern const double watsd_hist_bounds[WATSD_HIST_BUCKETS];
typedef struct watsd_hist {
	atomic_ullong bucket[WATSD_HIST_BUCKETS]; /* not cumulative; +Inf = count */
	atomic_ullong count;
	atomic_ullong sum_us;
} watsd_hist;
void watsd_hist_add(watsd_hist *h, int64_t ms);

typedef struct watsd_stats {
	atomic_ullong files_seen, files_converted, files_failed, reports_queued, reports_sent,
		send_failures, backpressure, probes, enqueue_failures;
	watsd_hist convert_latency; /* file seen -> its reports committed to the queue */
	watsd_hist upload_latency;  /* report queued -> the server confirmed it */
} watsd_stats;

/* What the service knows about the server and the queue (health). */
typedef struct watsd_health_state {
	pthread_mutex_t lock;
	int server;                /* 1 reachable, -1 not, 0 not known yet */
	int64_t server_ms;         /* wall ms of that result */
	char server_error[256];
	int64_t enqueue_error_ms;  /* last failed enqueue (disk full...), 0 = the last succeeded */
	char enqueue_error[256];
	int64_t paused_since_ms;   /* operator pause (control socket / HTTP), 0 = not paused */
	int64_t pss_ms;            /* monotonic ms of pss_bytes (procstat.c) */
	long long pss_bytes;
} watsd_health_state;

struct watsd {
	/* The running config. Replaced whole by watsd_reload (an atomic pointer); a thread that
	 * uses it for longer than one read holds it with watsd_cfg_acquire/watsd_cfg_release. */
	watsd_config *_Atomic cfg;
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
	watsd_health_state health;
	atomic_int threads_expected; /* worker threads that should be running */
	atomic_llong probe_due_ms;   /* next server probe by an idle uploader (mono ms) */
	atomic_ullong thread_restarts; /* worker threads restarted by the supervisor */
	char http_bound[80];         /* "127.0.0.1:PORT" once listening, else "" */
	int64_t started_ms;
	struct watsd_activity *activity; /* dashboard counters (activity.c); made by pipeline_start */
};

/* activity.c: per-minute counters of the last hour and the last 20 errors (dashboard). */
typedef enum { WATSD_ACT_CONVERTED = 0, WATSD_ACT_FAILED, WATSD_ACT_UPLOADED,
	       WATSD_ACT_UPLOAD_FAILED, WATSD_ACT_KINDS } watsd_act_kind;
typedef struct watsd_activity watsd_activity;
watsd_activity *watsd_activity_new(void);
void watsd_activity_free(watsd_activity *a);
/* Count one event now; with a message it is also one of the last errors (subject: the file
 * or the report id). a may be NULL (nothing). */
void watsd_activity_note(watsd_activity *a, watsd_act_kind kind, const char *subject,
			 const char *cid, const char *message);
/* Add "per_minute" {minutes, converted[], failed[], uploaded[], upload_failed[]} (oldest
 * first, the current minute last) and "last_errors" (oldest first) to into. */
void watsd_activity_json(watsd_activity *a, struct json_object *into);

/* Record an upload/probe result (ok: the server answered) or an enqueue result. */
void watsd_note_server(watsd *d, int ok, const char *error);
void watsd_note_enqueue(watsd *d, int ok, const char *error);
/* Pause or resume uploads (operator); wakes the uploaders. */
void watsd_set_paused(watsd *d, int paused, const char *by);
void watsd_wake_uploaders(watsd *d);

/* Readiness: 1 ready, 0 not; reasons (a JSON array, may be NULL) gets one string per
 * failed check. Thresholds in docs/watsd.md (Health). */
struct json_object;
int watsd_ready(watsd *d, struct json_object *reasons);
/* The status object of the control socket and of GET /status. */
struct json_object *watsd_status_json(watsd *d);

/* The process's own figures (procstat.c); -1 where the system does not say. */
typedef struct watsd_procstat {
	double cpu_seconds;                                         /* user + system */
	long long rss_bytes, virtual_bytes, pss_bytes, anon_bytes;
	long long open_fds, max_fds;
} watsd_procstat;
/* PSS walks every mapping (~0.1-0.2 ms): with max_age_ms > 0 it is reused from d's last
 * reading when younger (the dashboard asks once a second), 0 reads it. */
void watsd_procstat_read(watsd *d, watsd_procstat *p, int64_t max_age_ms);

/* reload.c: read the config file again (SIGHUP, control "reload", the web configurator
 * after a save) and apply what can change while running: server, token, proxy, station,
 * watch folders, queue limits and backoff, log level. Keys that need a restart (state_dir,
 * instance, workers, http, log file) are listed, comma separated, in restart (may be
 * NULL). Returns 0, or -1 with err when the new file is invalid (the running config stays). */
int watsd_reload(watsd *d, char *err, size_t errlen, char *restart, size_t restart_size);
/* The current config, held until watsd_cfg_release (a reload frees a replaced config only
 * when nothing holds it, and not before 10 s: short reads of d->cfg stay safe). */
watsd_config *watsd_cfg_acquire(watsd *d);
void watsd_cfg_release(watsd *d, watsd_config *cfg);
/* At exit: free every config (no thread runs). */
void watsd_cfg_free_all(watsd *d);
/* Client and queue options from a config (start-up and reload). The strings point into cfg. */
void watsd_client_options(wats_client_options *co, const watsd_config *cfg);
void watsd_queue_options(wats_queue_options *qo, const watsd_config *cfg);
/* The watch folder a file found in it belongs to (enabled ones only), or NULL. */
const watsd_watch *watsd_watch_of(const watsd_config *cfg, const char *file);
/* log.c: a new level for later lines (watsd's and the library's). */
void watsd_log_set_level(wats_log_level level);

/* http.c: the HTTP endpoints (health, status, metrics, a few authenticated actions). */
int watsd_http_start(watsd *d);
void watsd_http_stop(void);
/* web_auth.c: end every web configurator session (a reload changed the API key). */
void watsd_web_logout_all(void);

/* The converter parameters "station=", "location=", "purpose=" from the config, for what a
 * file lacks; returns sp->params (NULL-terminated), valid while sp is. */
typedef struct watsd_station_params {
	char buf[3][256];
	const char *params[4];
} watsd_station_params;
const char **watsd_station_params_fill(watsd_station_params *sp, const watsd_config *cfg);

int watsd_pipeline_start(watsd *d);
/* Phase 1 of shutdown: stop taking files; wake every thread. */
void watsd_pipeline_stop(watsd *d);
/* Wait until every thread has finished or deadline_ms (CLOCK_MONOTONIC ms) passes: 0 or -1. */
int watsd_pipeline_wait(watsd *d, int64_t deadline_ms);
void watsd_pipeline_free(watsd *d);
/* The supervisor (main thread): restart worker threads that died, once their backoff passed.
 * Returns the ms until it should be called again (at most 500). */
int watsd_pipeline_supervise(watsd *d);
/* Worker threads down (died, restart pending): their count, names ("upload-1, watch") in names. */
int watsd_threads_down(watsd *d, char *names, size_t size);
/* [{name, state, restarts[, restart_in_ms]}] for the status. */
struct json_object *watsd_threads_json(watsd *d);
/* A worker ending on purpose while the service runs (not restarted). */
void watsd_thread_retire(void);
/* --test-hooks given: test-only environment variables are read (docs/watsd.md, Tests). */
extern int watsd_test_hooks;

/* control.c: the control socket (STATE/watsd.sock) and its thread. */
int watsd_control_open(watsd *d);
void *watsd_control_thread(void *arg);

/* watch.c: the watcher thread (inotify, start-up scan, periodic rescan, stability). */
void *watsd_watch_thread(void *arg);
/* Files the watcher holds now (candidates, waiting, in conversion; at most 4 096 per folder)
 * and the most held at once in one folder since start (*peak, may be NULL). */
size_t watsd_files_held(watsd *d, size_t *peak);
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
