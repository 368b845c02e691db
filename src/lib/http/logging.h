/* Internal logging: a sink per client (or the process-wide one) and the record formatter. */
#ifndef WATS_HTTP_LOGGING_H
#define WATS_HTTP_LOGGING_H

#include <stdarg.h>

#include "wats/log.h"
#include "util/buf.h"

/* A client's sink. cb == NULL means "the process-wide sink of wats_log_init()". */
typedef struct wats__logger {
	wats_log_cb cb;
	void *payload;
	wats_log_level level;
} wats__logger;

/* Cheap check so callers skip building fields for records nobody will see. */
int wats__log_enabled(const wats__logger *lg, wats_log_level level);

/* Emit a record; cid NULL = the thread's correlation id (if any). */
void wats__log(const wats__logger *lg, wats_log_level level, const char *logger, const char *cid,
	       const wats_log_field *fields, size_t nfields, const char *fmt, ...) WATS__PRINTF(7, 8);

/* Append s as a JSON string literal (quotes included). */
int wats__json_escape(wats_buf *b, const char *s);

/* Append the record formatted as one line (no newline). */
int wats__log_format(wats_buf *b, const wats_log_record *rec, wats_log_format format);

/* Current UTC time in microseconds. */
int64_t wats__wall_us(void);

#endif
