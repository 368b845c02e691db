/*
 * Structured logging. The process-wide sink is the one piece of global state in libwats and it
 * exists only once the application calls wats_log_init(); a client with its own callback never
 * touches it. The level is read atomically so a disabled record costs one load and a compare.
 */
#include "http/logging.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int g_level = WATS_LOG_OFF;
static wats_log_options g_opts; /* guarded by g_lock */

static _Thread_local char tls_cid[64];

int wats_log_options_init(wats_log_options *opts, unsigned int version)
{
	if (!opts || version != WATS_LOG_OPTIONS_VERSION)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_log_options_init: unsupported version %u", version);
	wats_log_options d = WATS_LOG_OPTIONS_INIT;
	*opts = d;
	return 0;
}

int wats_log_init(const wats_log_options *opts)
{
	if (!opts || opts->version != WATS_LOG_OPTIONS_VERSION)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_log_init: options missing or of an unknown version");
	pthread_mutex_lock(&g_lock);
	g_opts = *opts;
	atomic_store(&g_level, opts->level ? (int)opts->level : WATS_LOG_INFO);
	pthread_mutex_unlock(&g_lock);
	return 0;
}

void wats_log_shutdown(void)
{
	pthread_mutex_lock(&g_lock);
	memset(&g_opts, 0, sizeof(g_opts));
	atomic_store(&g_level, WATS_LOG_OFF);
	pthread_mutex_unlock(&g_lock);
}

int wats_log_set_correlation_id(const char *id)
{
	if (!id) {
		tls_cid[0] = '\0';
		return 0;
	}
	if (strlen(id) >= sizeof(tls_cid))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "correlation id longer than %zu characters", sizeof(tls_cid) - 1);
	strcpy(tls_cid, id);
	return 0;
}

const char *wats_log_correlation_id(void)
{
	return tls_cid[0] ? tls_cid : NULL;
}

const char *wats_log_level_name(wats_log_level level)
{
	if (level >= WATS_LOG_OFF) return "OFF";
	if (level >= WATS_LOG_CRITICAL) return "CRITICAL";
	if (level >= WATS_LOG_ERROR) return "ERROR";
	if (level >= WATS_LOG_WARNING) return "WARNING";
	if (level >= WATS_LOG_INFO) return "INFO";
	return "DEBUG";
}

int wats_log_level_parse(wats_log_level *out, const char *name)
{
	static const struct { const char *n; wats_log_level l; } names[] = {
		{ "debug", WATS_LOG_DEBUG }, { "info", WATS_LOG_INFO },
		{ "warning", WATS_LOG_WARNING }, { "warn", WATS_LOG_WARNING },
		{ "error", WATS_LOG_ERROR }, { "critical", WATS_LOG_CRITICAL },
		{ "off", WATS_LOG_OFF },
	};
	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(name, names[i].n)) {
			*out = names[i].l;
			return 0;
		}
	}
	return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
			   "unknown log level '%s' (use debug, info, warning, error, critical or off)",
			   name ? name : "(null)");
}

int64_t wats__wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int wats__json_escape(wats_buf *b, const char *s)
{
	int rc = wats__buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; rc == 0 && *p; p++) {
		switch (*p) {
		case '"': rc = wats__buf_puts(b, "\\\""); break;
		case '\\': rc = wats__buf_puts(b, "\\\\"); break;
		case '\n': rc = wats__buf_puts(b, "\\n"); break;
		case '\r': rc = wats__buf_puts(b, "\\r"); break;
		case '\t': rc = wats__buf_puts(b, "\\t"); break;
		default:
			if (*p < 0x20)
				rc = wats__buf_printf(b, "\\u%04x", *p);
			else
				rc = wats__buf_putc(b, (char)*p);
		}
	}
	return rc ? rc : wats__buf_putc(b, '"');
}

static int put_time(wats_buf *b, int64_t us)
{
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;
	char tmp[40];
	gmtime_r(&secs, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	return wats__buf_printf(b, "%s.%06dZ", tmp, (int)(us % 1000000));
}

int wats__log_format(wats_buf *b, const wats_log_record *r, wats_log_format format)
{
	int rc;
	if (format == WATS_LOG_FORMAT_JSON) {
		rc = wats__buf_puts(b, "{\"timestamp\":\"");
		rc = rc ? rc : put_time(b, r->time_us);
		rc = rc ? rc : wats__buf_printf(b, "\",\"level\":\"%s\",\"logger\":",
						wats_log_level_name(r->level));
		rc = rc ? rc : wats__json_escape(b, r->logger);
		rc = rc ? rc : wats__buf_puts(b, ",\"message\":");
		rc = rc ? rc : wats__json_escape(b, r->message);
		if (r->correlation_id) {
			rc = rc ? rc : wats__buf_puts(b, ",\"correlation_id\":");
			rc = rc ? rc : wats__json_escape(b, r->correlation_id);
		}
		for (size_t i = 0; rc == 0 && i < r->field_count; i++) {
			const wats_log_field *f = &r->fields[i];
			rc = wats__buf_putc(b, ',');
			rc = rc ? rc : wats__json_escape(b, f->key);
			rc = rc ? rc : wats__buf_putc(b, ':');
			if (rc == 0)
				rc = f->raw ? wats__buf_puts(b, f->value ? f->value : "null")
					    : wats__json_escape(b, f->value ? f->value : "");
		}
		return rc ? rc : wats__buf_putc(b, '}');
	}
	rc = put_time(b, r->time_us);
	rc = rc ? rc : wats__buf_printf(b, " [%s] [%s] %s: %s", wats_log_level_name(r->level),
					r->correlation_id ? r->correlation_id : "--------",
					r->logger, r->message);
	for (size_t i = 0; rc == 0 && i < r->field_count; i++) {
		const char *v = r->fields[i].value ? r->fields[i].value : "";
		/* Quote values a reader could not split on spaces. */
		if (!r->fields[i].raw && (!*v || strpbrk(v, " \t\"=")))
			rc = wats__buf_printf(b, " %s=", r->fields[i].key) ? WATS_ENOMEM
									  : wats__json_escape(b, v);
		else
			rc = wats__buf_printf(b, " %s=%s", r->fields[i].key, v);
	}
	return rc;
}

int wats_log_format_record(char **out, const wats_log_record *record, wats_log_format format)
{
	if (!out || !record || !record->logger || !record->message)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_log_format_record: record, logger and message are required");
	wats_buf b = WATS_BUF_INIT;
	int rc = wats__log_format(&b, record, format);
	if (rc) {
		wats__buf_dispose(&b);
		return rc;
	}
	*out = wats__buf_detach(&b, NULL);
	return 0;
}

int wats__log_enabled(const wats__logger *lg, wats_log_level level)
{
	if (lg && lg->cb)
		return level >= (lg->level ? lg->level : WATS_LOG_INFO);
	return (int)level >= atomic_load_explicit(&g_level, memory_order_relaxed);
}

void wats__log(const wats__logger *lg, wats_log_level level, const char *logger, const char *cid,
	       const wats_log_field *fields, size_t nfields, const char *fmt, ...)
{
	if (!wats__log_enabled(lg, level))
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	wats_log_record rec = { wats__wall_us(), level, logger, msg,
				cid ? cid : wats_log_correlation_id(), fields, nfields };
	if (lg && lg->cb) {
		lg->cb(&rec, lg->payload);
		return;
	}
	pthread_mutex_lock(&g_lock);
	wats_log_options o = g_opts;
	if (!o.callback) {
		/* Format and write under the lock: lines from several threads never interleave. */
		wats_buf b = WATS_BUF_INIT;
		if (wats__log_format(&b, &rec, o.format) == 0 && wats__buf_putc(&b, '\n') == 0) {
			fwrite(b.ptr, 1, b.len, o.stream ? o.stream : stderr);
			fflush(o.stream ? o.stream : stderr);
		}
		wats__buf_dispose(&b);
	}
	pthread_mutex_unlock(&g_lock);
	if (o.callback)
		o.callback(&rec, o.payload);
}
