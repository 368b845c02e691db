/*
 * watsd's log: text or JSON lines (the libwats record format, so library and service lines
 * look alike) to stderr (journald) or to a file rotated by size (name, name.1 .. name.N-1).
 * The library's records come through the same sink (wats_log_init with a callback).
 * The last RING_LINES lines are also kept in memory, whatever the destination, for the web
 * configurator's log page (GET /api/logs): fixed slots, no allocation per line.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "watsd.h"

#define RING_LINES 1000
#define RING_MSG 256 /* longer messages are cut (the file or journal has them whole) */

typedef struct ring_line {
	int64_t time_us;
	wats_log_level level;
	char cid[40];
	char msg[RING_MSG];
} ring_line;

/* BSS: pages are touched only as lines arrive (idle RSS, docs/PERFORMANCE.md). */
static ring_line ring[RING_LINES];
static size_t ring_next, ring_count; /* L.lock */

static struct {
	pthread_mutex_t lock;
	FILE *f;            /* NULL = stderr */
	char *path;
	long size, max_bytes;
	int files;
	wats_log_format format;
	wats_log_level level;
} L = { .lock = PTHREAD_MUTEX_INITIALIZER, .level = WATS_LOG_INFO };

static void rotate_locked(void)
{
	if (!L.f || !L.path)
		return;
	fclose(L.f);
	char from[4200], to[4200];
	for (int i = L.files - 1; i >= 1; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", L.path);
		else
			snprintf(from, sizeof(from), "%s.%d", L.path, i - 1);
		snprintf(to, sizeof(to), "%s.%d", L.path, i);
		rename(from, to);
	}
	L.f = fopen(L.path, "a");
	L.size = 0;
}

static void sink(const wats_log_record *r, void *payload)
{
	(void)payload;
	if (r->level < (wats_log_level)__atomic_load_n(&L.level, __ATOMIC_RELAXED))
		return;
	char *line = NULL;
	if (wats_log_format_record(&line, r, L.format))
		return;
	pthread_mutex_lock(&L.lock);
	ring_line *rl = &ring[ring_next];
	ring_next = (ring_next + 1) % RING_LINES;
	if (ring_count < RING_LINES)
		ring_count++;
	rl->time_us = r->time_us;
	rl->level = r->level;
	snprintf(rl->cid, sizeof(rl->cid), "%s", r->correlation_id ? r->correlation_id : "");
	size_t ml = (size_t)snprintf(rl->msg, sizeof(rl->msg), "%s", r->message ? r->message : "");
	if (ml >= sizeof(rl->msg)) { /* cut at a character boundary: the page wants UTF-8 */
		size_t e = sizeof(rl->msg) - 1;
		while (e > 0 && ((unsigned char)rl->msg[e - 1] & 0xc0) == 0x80)
			e--;
		if (e > 0 && ((unsigned char)rl->msg[e - 1] & 0x80))
			e--;
		rl->msg[e] = '\0';
	}
	FILE *f = L.f ? L.f : stderr;
	size_t n = strlen(line);
	fwrite(line, 1, n, f);
	fputc('\n', f);
	fflush(f);
	if (L.f) {
		L.size += (long)n + 1;
		if (L.size >= L.max_bytes && L.files > 1)
			rotate_locked();
	}
	pthread_mutex_unlock(&L.lock);
	wats_free(line);
}

int watsd_log_open(const watsd_config *cfg, char *err, size_t errlen)
{
	L.format = !strcmp(cfg->log_format, "json") ? WATS_LOG_FORMAT_JSON : WATS_LOG_FORMAT_TEXT;
	wats_log_level_parse(&L.level, cfg->log_level);
	L.max_bytes = cfg->log_max_bytes;
	L.files = cfg->log_files;
	if (cfg->log_file && *cfg->log_file) {
		L.f = fopen(cfg->log_file, "a");
		if (!L.f) {
			snprintf(err, errlen, "log file %s: %s", cfg->log_file, strerror(errno));
			return -1;
		}
		L.path = strdup(cfg->log_file);
		struct stat st;
		L.size = fstat(fileno(L.f), &st) == 0 ? (long)st.st_size : 0;
	}
	wats_log_options o = WATS_LOG_OPTIONS_INIT;
	o.level = L.level;
	o.callback = sink;
	return wats_log_init(&o) ? -1 : 0;
}

/* A reload: L.level is read without the lock by every line, hence the atomic store. */
void watsd_log_set_level(wats_log_level level)
{
	__atomic_store_n(&L.level, level, __ATOMIC_RELAXED);
	wats_log_options o = WATS_LOG_OPTIONS_INIT;
	o.level = level;
	o.callback = sink;
	wats_log_init(&o);
}

void watsd_log_close(void)
{
	wats_log_shutdown();
	pthread_mutex_lock(&L.lock);
	if (L.f)
		fclose(L.f);
	L.f = NULL;
	free(L.path);
	L.path = NULL;
	pthread_mutex_unlock(&L.lock);
}

static void vlog(wats_log_level level, const char *cid, const wats_log_field *fields, size_t n,
		 const char *fmt, va_list ap)
{
	if (level < (wats_log_level)__atomic_load_n(&L.level, __ATOMIC_RELAXED))
		return;
	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	wats_log_record r = { 0 };
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	r.time_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	r.level = level;
	r.logger = "watsd";
	r.message = msg;
	r.correlation_id = cid && *cid ? cid : NULL;
	r.fields = fields;
	r.field_count = n;
	sink(&r, NULL);
}

void watsd_log(wats_log_level level, const char *cid, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(level, cid, NULL, 0, fmt, ap);
	va_end(ap);
}

void watsd_logf(wats_log_level level, const char *cid, const wats_log_field *fields, size_t n,
		const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(level, cid, fields, n, fmt, ap);
	va_end(ap);
}

json_object *watsd_log_recent(wats_log_level min, size_t max)
{
	json_object *a = json_object_new_array();
	pthread_mutex_lock(&L.lock);
	/* Newest first to find the last max matching lines, then put oldest first. */
	size_t take = 0, first = ring_count;
	for (size_t k = 0; k < ring_count && take < max; k++) {
		size_t i = (ring_next + RING_LINES - 1 - k) % RING_LINES;
		if (ring[i].level >= min) {
			take++;
			first = k;
		}
	}
	for (size_t k = first + 1; k-- > 0 && first < ring_count;) {
		const ring_line *rl = &ring[(ring_next + RING_LINES - 1 - k) % RING_LINES];
		if (rl->level < min)
			continue;
		json_object *o = json_object_new_object();
		char when[40];
		time_t t = (time_t)(rl->time_us / 1000000);
		struct tm tm;
		gmtime_r(&t, &tm);
		size_t n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(when + n, sizeof(when) - n, ".%03dZ", (int)(rl->time_us / 1000 % 1000));
		json_object_object_add(o, "time", json_object_new_string(when));
		char lv[16];
		snprintf(lv, sizeof(lv), "%s", wats_log_level_name(rl->level));
		for (char *p = lv; *p; p++) /* as the ?level= argument spells it */
			*p = (char)tolower((unsigned char)*p);
		json_object_object_add(o, "level", json_object_new_string(lv));
		json_object_object_add(o, "cid", json_object_new_string(rl->cid));
		json_object_object_add(o, "message", json_object_new_string(rl->msg));
		json_object_array_add(a, o);
	}
	pthread_mutex_unlock(&L.lock);
	return a;
}
