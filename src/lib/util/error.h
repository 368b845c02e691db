/* Internal error helpers: raise an error on the calling thread and return its code. */
#ifndef WATS_UTIL_ERROR_H
#define WATS_UTIL_ERROR_H

#include "wats/errors.h"

#if defined(__GNUC__)
#define WATS__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WATS__PRINTF(a, b)
#endif

/** Record an error; returns code so callers can write `return wats__error(...)`. */
int wats__error(int code, int klass, const char *fmt, ...) WATS__PRINTF(3, 4);

/** Record an error with an input position (file may be NULL; line/column 0 when unknown). */
int wats__error_at(int code, int klass, const char *file, int line, int column,
		   const char *fmt, ...) WATS__PRINTF(6, 7);

/** Attach a field path to the current error (copied). */
void wats__error_set_path(const char *path);

/** Attach an HTTP status to the current error. */
void wats__error_set_http(int status);

/** Attach the server's Retry-After (ms, -1 for none) to the current error. */
void wats__error_set_retry_after(long ms);

/** Out of memory: records WATS_ENOMEM without allocating, returns WATS_ENOMEM. */
int wats__error_oom(void);

#endif
