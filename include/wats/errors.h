/*
 * wats/errors.h - error codes and the per-thread "last error".
 *
 * Every libwats function that can fail returns 0 on success or one of the negative codes
 * below. The detail (a message naming the thing, the rule and what to do; for parsers the
 * file, line and column; for HTTP the status) is kept per thread and read with
 * wats_error_last() right after the failing call.
 */
#ifndef WATS_ERRORS_H
#define WATS_ERRORS_H

#include "common.h"

WATS_BEGIN_DECL

typedef enum wats_error_code {
	WATS_OK = 0,
	WATS_ERROR = -1,        /**< generic failure; see the message */
	WATS_ENOMEM = -2,       /**< out of memory */
	WATS_EINVAL = -3,       /**< invalid argument from the caller */
	WATS_EPARSE = -4,       /**< malformed input (JSON, XML, text); position in the error */
	WATS_EVALIDATION = -5,  /**< well-formed but breaks a report rule; path in the error */
	WATS_ENOTFOUND = -6,    /**< no such file, key, step, route or server object (HTTP 404) */
	WATS_EIO = -7,          /**< operating-system I/O error */
	WATS_EEXISTS = -8,      /**< object already exists */
	WATS_ETRANSPORT = -9,   /**< network error: connect, reset, TLS, DNS */
	WATS_ETIMEOUT = -10,    /**< a time limit ran out */
	WATS_EAUTH = -11,       /**< HTTP 401: token missing or wrong */
	WATS_EFORBIDDEN = -12,  /**< HTTP 403 */
	WATS_ECONFLICT = -13,   /**< HTTP 409 */
	WATS_ESERVER = -14,     /**< HTTP 5xx */
	WATS_EBREAKER = -15,    /**< circuit breaker open: the call was not attempted */
	WATS_EUNSUPPORTED = -16,/**< not implemented here, or not supported by this input */
	WATS_ELIMIT = -17,      /**< a size, depth or count limit was exceeded */
	WATS_EBUSY = -18,       /**< resource locked by another process or thread */
	WATS_ERATELIMIT = -19,  /**< HTTP 429 */
	WATS_EHTTP = -20        /**< another unexpected HTTP status; see http_status */
} wats_error_code;

/** Which part of the library raised an error. */
typedef enum wats_error_class {
	WATS_ERRCLASS_NONE = 0,
	WATS_ERRCLASS_OS,
	WATS_ERRCLASS_NOMEM,
	WATS_ERRCLASS_INVALID,
	WATS_ERRCLASS_JSON,
	WATS_ERRCLASS_XML,
	WATS_ERRCLASS_TEXT,
	WATS_ERRCLASS_REPORT,
	WATS_ERRCLASS_VALIDATION,
	WATS_ERRCLASS_CONVERT,
	WATS_ERRCLASS_HTTP,
	WATS_ERRCLASS_QUEUE,
	WATS_ERRCLASS_CONFIG
} wats_error_class;

/** Detail of the last error raised on the calling thread. */
typedef struct wats_error {
	int code;              /**< a wats_error_code */
	int klass;             /**< a wats_error_class */
	const char *message;   /**< human-readable; never NULL ("" when no error) */
	const char *file;      /**< input file name, or NULL */
	int line;              /**< 1-based line in the input, or 0 */
	int column;            /**< 1-based column in the input, or 0 */
	const char *path;      /**< field path such as "root.steps[3].numericMeas[0].compOp", or NULL */
	int http_status;       /**< HTTP status for HTTP errors, else 0 */
	long retry_after_ms;   /**< the server's Retry-After on that answer, in ms; -1 when none */
} wats_error;

/**
 * The last error raised on this thread. Never NULL. The object and its strings are owned by
 * the library and stay valid until the next libwats call on the same thread.
 */
WATS_EXTERN(const wats_error *) wats_error_last(void);

/** Forget the last error on this thread. */
WATS_EXTERN(void) wats_error_clear(void);

/** Static text for an error code ("invalid argument", ...). Never NULL; do not free. */
WATS_EXTERN(const char *) wats_strerror(int code);

WATS_END_DECL
#endif
