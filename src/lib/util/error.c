/* Per-thread last error. Thread-local storage: no shared mutable state, no locks. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_MAX 1024
#define SMALL_MAX 512

typedef struct {
	wats_error pub;
	char message[MSG_MAX];
	char file[SMALL_MAX];
	char path[SMALL_MAX];
} error_slot;

static _Thread_local error_slot tls_error = { .pub = { .message = "", .retry_after_ms = -1 } };

const wats_error *wats_error_last(void)
{
	return &tls_error.pub;
}

void wats_error_clear(void)
{
	memset(&tls_error.pub, 0, sizeof(tls_error.pub));
	tls_error.message[0] = '\0';
	tls_error.pub.message = tls_error.message;
	tls_error.pub.retry_after_ms = -1;
}

static int set_v(int code, int klass, const char *file, int line, int column,
		 const char *fmt, va_list ap)
{
	error_slot *e = &tls_error;
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	e->pub.code = code;
	e->pub.klass = klass;
	e->pub.message = e->message;
	e->pub.line = line;
	e->pub.column = column;
	e->pub.path = NULL;
	e->pub.http_status = 0;
	e->pub.retry_after_ms = -1;
	if (file) {
		snprintf(e->file, sizeof(e->file), "%s", file);
		e->pub.file = e->file;
	} else {
		e->pub.file = NULL;
	}
	return code;
}

int wats__error(int code, int klass, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_v(code, klass, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return code;
}

int wats__error_at(int code, int klass, const char *file, int line, int column,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_v(code, klass, file, line, column, fmt, ap);
	va_end(ap);
	return code;
}

void wats__error_set_path(const char *path)
{
	if (!path) {
		tls_error.pub.path = NULL;
		return;
	}
	snprintf(tls_error.path, sizeof(tls_error.path), "%s", path);
	tls_error.pub.path = tls_error.path;
}

void wats__error_set_http(int status)
{
	tls_error.pub.http_status = status;
}

void wats__error_set_retry_after(long ms)
{
	tls_error.pub.retry_after_ms = ms < 0 ? -1 : ms;
}

int wats__error_oom(void)
{
	return wats__error(WATS_ENOMEM, WATS_ERRCLASS_NOMEM, "out of memory");
}

const char *wats_strerror(int code)
{
	switch (code) {
	case WATS_OK: return "no error";
	case WATS_ERROR: return "error";
	case WATS_ENOMEM: return "out of memory";
	case WATS_EINVAL: return "invalid argument";
	case WATS_EPARSE: return "malformed input";
	case WATS_EVALIDATION: return "validation failed";
	case WATS_ENOTFOUND: return "not found";
	case WATS_EIO: return "I/O error";
	case WATS_EEXISTS: return "already exists";
	case WATS_ETRANSPORT: return "network error";
	case WATS_ETIMEOUT: return "timed out";
	case WATS_EAUTH: return "authentication failed";
	case WATS_EFORBIDDEN: return "forbidden";
	case WATS_ECONFLICT: return "conflict";
	case WATS_ESERVER: return "server error";
	case WATS_EBREAKER: return "circuit breaker open";
	case WATS_EUNSUPPORTED: return "not supported";
	case WATS_ELIMIT: return "limit exceeded";
	case WATS_EBUSY: return "busy";
	case WATS_ERATELIMIT: return "rate limited";
	case WATS_EHTTP: return "unexpected HTTP status";
	default: return "unknown error code";
	}
}
