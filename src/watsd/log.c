/*
 * watsd's log: text or JSON lines (the libwats record format, so library and service lines
 * look alike) to stderr (journald) or to a file rotated by size (name, name.1 .. name.N-1).
 * The library's records come through the same sink (wats_log_init with a callback).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "watsd.h"

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
	if (r->level < L.level)
		return;
	char *line = NULL;
	if (wats_log_format_record(&line, r, L.format))
		return;
	pthread_mutex_lock(&L.lock);
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
	if (level < L.level)
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
