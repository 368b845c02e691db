/*
 * wats/log.h - structured logging: text or JSON lines, or a callback for embedding programs.
 *
 * The library is silent until the application asks for logs, either process-wide with
 * wats_log_init() (the only global state libwats has, and only when the application sets it)
 * or per client with the log fields of wats_client_options (which win over the global sink).
 *
 * Every record carries a UTC timestamp, a level, a logger name ("wats.http", "wats.api"), the
 * message, the correlation id of the logical request it belongs to (when there is one) and
 * extra key/value fields. The JSON form is one object per line with the keys in this order:
 *   {"timestamp":"2026-11-22T10:09:38.146209Z","level":"INFO","logger":"wats.http",
 *    "message":"...","correlation_id":"5f0c2a9e1b7d4c33", <extra fields>}
 * The text form is:
 *   2026-11-22T10:09:38.146209Z [INFO] [5f0c2a9e1b7d4c33] wats.http: message key=value ...
 */
#ifndef WATS_LOG_H
#define WATS_LOG_H

#include <stdint.h>
#include <stdio.h>

#include "common.h"

WATS_BEGIN_DECL

/** Severity; the numbers match Python's logging levels so mixed fleets read the same. */
typedef enum wats_log_level {
	WATS_LOG_DEBUG = 10,
	WATS_LOG_INFO = 20,
	WATS_LOG_WARNING = 30,
	WATS_LOG_ERROR = 40,
	WATS_LOG_CRITICAL = 50,
	WATS_LOG_OFF = 100 /**< as a threshold: log nothing */
} wats_log_level;

typedef enum wats_log_format {
	WATS_LOG_FORMAT_TEXT = 0,
	WATS_LOG_FORMAT_JSON = 1
} wats_log_format;

/** One extra field. raw != 0: value is a JSON literal (number, true, false) and is not quoted. */
typedef struct wats_log_field {
	const char *key;
	const char *value;
	int raw;
} wats_log_field;

/** A log record as handed to callbacks. Everything in it is valid only during the callback. */
typedef struct wats_log_record {
	int64_t time_us;             /**< UTC, microseconds since 1970-01-01 */
	wats_log_level level;
	const char *logger;          /**< "wats.http", "wats.api", ... never NULL */
	const char *message;         /**< never NULL */
	const char *correlation_id;  /**< NULL when the record belongs to no logical request */
	const wats_log_field *fields;
	size_t field_count;
} wats_log_record;

/** Receives records at or above the configured level. May be called from several threads at once. */
typedef void (*wats_log_cb)(const wats_log_record *record, void *payload);

typedef struct wats_log_options {
	unsigned int version;
	wats_log_level level;        /**< threshold; default WATS_LOG_INFO */
	wats_log_format format;      /**< for stream output; default text */
	FILE *stream;                /**< where lines go when callback is NULL; NULL = stderr */
	wats_log_cb callback;        /**< if set, records go here instead of the stream */
	void *payload;               /**< passed to callback */
} wats_log_options;

#define WATS_LOG_OPTIONS_VERSION 1
#define WATS_LOG_OPTIONS_INIT { WATS_LOG_OPTIONS_VERSION, WATS_LOG_INFO, WATS_LOG_FORMAT_TEXT, NULL, NULL, NULL }

/** Fill opts with the defaults (same as WATS_LOG_OPTIONS_INIT). */
WATS_EXTERN(int) wats_log_options_init(wats_log_options *opts, unsigned int version);

/**
 * Configure the process-wide log sink. Safe to call again to change it (lines in flight on other
 * threads finish on the old sink). The stream is not closed by libwats.
 */
WATS_EXTERN(int) wats_log_init(const wats_log_options *opts);

/** Stop process-wide logging (the default state). */
WATS_EXTERN(void) wats_log_shutdown(void);

/**
 * Format a record as one line (without the trailing newline) in the given format. *out is
 * NUL-terminated and owned by the caller: free with wats_free(). Useful inside callbacks.
 */
WATS_EXTERN(int) wats_log_format_record(char **out, const wats_log_record *record,
					wats_log_format format);

/**
 * Set the correlation id of the calling thread (copied; at most 63 characters; NULL clears it).
 * While set, every request made from this thread sends it as X-Correlation-ID and every log
 * record made on this thread carries it, so one id can follow a file from detection to upload.
 * When not set, each logical request gets a fresh random id.
 */
WATS_EXTERN(int) wats_log_set_correlation_id(const char *id);

/** The calling thread's correlation id, or NULL. Valid until it is next set on this thread. */
WATS_EXTERN(const char *) wats_log_correlation_id(void);

/** "DEBUG", "INFO", ...; never NULL. */
WATS_EXTERN(const char *) wats_log_level_name(wats_log_level level);

/** Parse "debug", "INFO", "warning"/"warn", "error", "critical", "off" (any case). */
WATS_EXTERN(int) wats_log_level_parse(wats_log_level *out, const char *name);

WATS_END_DECL
#endif
