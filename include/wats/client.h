/*
 * wats/client.h - the connection to one WATS server: HTTP with keep-alive, authentication,
 * retry with backoff, a circuit breaker, a cache for static data, station identity, logging.
 *
 * Threads: a wats_client may be shared by any number of threads. Internally it keeps a small
 * pool of libcurl easy handles: a call takes a free handle (creating one when all are busy),
 * performs its request on it and puts it back, so each handle keeps its own keep-alive
 * connection and a single-threaded program reuses one connection for every call. The breaker,
 * the cache and the statistics are shared by all threads of the client under short locks.
 *
 * Errors: functions return 0 or a negative wats_error_code; wats_error_last() then holds the
 * message (with the server's own message when it sent one) and, for HTTP errors, http_status:
 *   WATS_ETRANSPORT  network error (connect, reset, TLS, DNS)   WATS_ETIMEOUT   time limit
 *   WATS_EAUTH       401                                         WATS_EFORBIDDEN 403
 *   WATS_ENOTFOUND   404                                         WATS_ECONFLICT  409
 *   WATS_EVALIDATION 400                                         WATS_ERATELIMIT 429
 *   WATS_ESERVER     5xx                                         WATS_EHTTP      other status
 *   WATS_EBREAKER    the breaker is open: nothing was sent
 *
 * Environment (read by wats_client_new_from_env; explicit options always win):
 *   WATS_BASE_URL, WATS_AUTH_TOKEN (or WATS_TOKEN), WATS_STATION, WATS_LOCATION, WATS_PURPOSE,
 *   WATS_STATION_FILE, WATS_CA_FILE, WATS_INSECURE, WATS_PROXY, WATS_NO_PROXY, WATS_TIMEOUT,
 *   WATS_CONNECT_TIMEOUT, WATS_TOTAL_TIMEOUT (seconds, decimals allowed), WATS_RETRY_ATTEMPTS,
 *   WATS_CACHE_TTL (seconds; 0 disables), WATS_CONFIG (a config file, read after the variables).
 * Station identity (every constructor): option > WATS_STATION > station file > host name.
 * See docs/client.md for the config file format and every default.
 */
#ifndef WATS_CLIENT_H
#define WATS_CLIENT_H

#include <stdint.h>

#include "common.h"
#include "log.h"

WATS_BEGIN_DECL

typedef struct wats_client wats_client;

/* Flags of wats_client_options.flags. */
#define WATS_CLIENT_INSECURE    (1u << 0) /**< do not verify the server's TLS certificate */
#define WATS_CLIENT_NO_RETRY    (1u << 1) /**< one attempt per request */
#define WATS_CLIENT_NO_BREAKER  (1u << 2) /**< no circuit breaker */
#define WATS_CLIENT_NO_CACHE    (1u << 3) /**< no cache for static GETs */
#define WATS_CLIENT_HTTP1       (1u << 4) /**< never negotiate HTTP/2 */

/**
 * Options of a client. Zero or NULL in any field means "the default" written next to it, so a
 * caller sets only what it cares about. Strings are copied by the constructor.
 */
typedef struct wats_client_options {
	unsigned int version;
	const char *base_url;      /**< "https://host[/prefix]"; trailing "/" and one "/api" are dropped */
	const char *token;         /**< sent verbatim as "Authorization: Basic <token>" (base64 of user:password) */
	const char *station_name;  /**< machineName of new reports; default WATS_STATION, station file, host name */
	const char *location;      /**< default WATS_LOCATION, station file, "Unknown" */
	const char *purpose;       /**< default WATS_PURPOSE, station file, "Development" */
	const char *station_file;  /**< default WATS_STATION_FILE, else /etc/wats/station */
	const char *ca_file;       /**< PEM bundle to verify the server with; default the system store */
	const char *proxy;         /**< "http://proxy:3128"; default libcurl's (http_proxy, ...); "" = none */
	const char *no_proxy;      /**< hosts that bypass the proxy, "a,b"; default libcurl's */
	const char *user_agent;    /**< default "libwats/<version>" */
	unsigned int flags;        /**< WATS_CLIENT_* */
	long connect_timeout_ms;   /**< TCP+TLS connect; default 10 000 */
	long request_timeout_ms;   /**< one attempt; default 30 000 */
	long total_timeout_ms;     /**< a whole logical call, retries and waits included; default 120 000 */
	unsigned int retry_attempts;    /**< tries per idempotent request, the first included; default 3 */
	unsigned int retry_base_ms;     /**< backoff base: try n waits up to base*2^n; default 500 */
	unsigned int retry_max_delay_ms;/**< cap of one wait, also of an honoured Retry-After; default 30 000 */
	unsigned int breaker_failures;  /**< consecutive failed calls that open the breaker; default 5 */
	unsigned int breaker_open_ms;   /**< how long it stays open before one probe; default 30 000 */
	unsigned int breaker_successes; /**< probe successes that close it again; default 2 */
	unsigned int cache_ttl_ms;      /**< lifetime of cached static GETs; default 300 000 */
	unsigned int cache_max_entries; /**< default 256 */
	wats_log_cb log_cb;        /**< this client's log sink; NULL = the process-wide one (wats_log_init) */
	void *log_payload;
	wats_log_level log_level;  /**< threshold for log_cb; 0 = WATS_LOG_INFO */
	const char *proxy_username; /**< for a proxy that asks for credentials; default none */
	const char *proxy_password; /**< secret: never logged */
} wats_client_options;

#define WATS_CLIENT_OPTIONS_VERSION 1
#define WATS_CLIENT_OPTIONS_INIT { .version = WATS_CLIENT_OPTIONS_VERSION }

WATS_EXTERN(int) wats_client_options_init(wats_client_options *opts, unsigned int version);

/**
 * Create a client from explicit options only (plus station identity, see above). No network
 * traffic happens until the first call. Free with wats_client_free().
 */
WATS_EXTERN(int) wats_client_new(wats_client **out, const wats_client_options *opts);

/**
 * Create a client from opts (may be NULL), then the WATS_* environment variables, then the file
 * named by WATS_CONFIG, for every field left unset. WATS_EINVAL when no base URL is found.
 */
WATS_EXTERN(int) wats_client_new_from_env(wats_client **out, const wats_client_options *opts);

/**
 * Create a client from opts (may be NULL), then the config file at path ("key = value" lines,
 * see docs/client.md). Errors name the file and line.
 */
WATS_EXTERN(int) wats_client_new_from_file(wats_client **out, const char *path,
					   const wats_client_options *opts);

/**
 * Change the server, credentials, proxy, station and timeouts of a running client, for the
 * calls that start afterwards (a call in flight finishes with what it started with). Taken
 * from opts as wats_client_new takes them: base_url, token, station_name, location, purpose,
 * station_file, ca_file, proxy, no_proxy, proxy_username, proxy_password, request_timeout_ms,
 * total_timeout_ms, and the breaker's thresholds; the other fields are ignored (they need a
 * new client). Safe while other threads use the client. Idle connections are closed; a
 * different base URL also clears the cache and closes the breaker (another server). On an
 * error (a bad URL, a token with a line break) nothing changes. Each call keeps a few hundred
 * bytes until wats_client_free, so that strings returned by wats_client_base_url and
 * wats_client_station stay valid.
 */
WATS_EXTERN(int) wats_client_reconfigure(wats_client *client, const wats_client_options *opts);

/** Close connections and free the client. NULL is a no-op. No call may be in flight. */
WATS_EXTERN(void) wats_client_free(wats_client *client);

/** The normalised base URL ("https://host/prefix"). Owned by the client (valid until it is freed). */
WATS_EXTERN(const char *) wats_client_base_url(const wats_client *client);

/** Station identity applied to new reports; strings owned by the client. */
typedef struct wats_station {
	const char *name;      /**< stripped and upper-cased */
	const char *location;
	const char *purpose;
	const char *source;    /**< where name came from: "option", "env", "file", "hostname" */
} wats_station;

WATS_EXTERN(const wats_station *) wats_client_station(const wats_client *client);

/* ---- raw requests (the api layer, wats/api.h, builds these from its route table) ---- */

/* Flags of wats_request.flags. */
#define WATS_REQ_IDEMPOTENT    (1u << 0) /**< may be retried although the method is POST/PATCH */
#define WATS_REQ_NO_RETRY      (1u << 1) /**< never retry this one */
#define WATS_REQ_INTERNAL      (1u << 2) /**< /api/internal route: send Referer: <base URL> */
#define WATS_REQ_NO_CACHE      (1u << 3) /**< bypass the cache for this GET (it still stores) */
#define WATS_REQ_KEEP_CACHE    (1u << 4) /**< a write that changes no cached data except invalidate_tags */

/* Cache tags: which static data a GET returns, and which a write changes. */
#define WATS_CACHE_VERSION        (1u << 0)
#define WATS_CACHE_PROCESSES      (1u << 1)
#define WATS_CACHE_LEVELS         (1u << 2)
#define WATS_CACHE_PRODUCT_GROUPS (1u << 3)
#define WATS_CACHE_UNIT_PHASES    (1u << 4)
#define WATS_CACHE_SN_TYPES       (1u << 5)
#define WATS_CACHE_ALL            0xffffffffu

typedef struct wats_request {
	unsigned int version;
	const char *method;        /**< "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD" */
	const char *path;          /**< "/api/...", already escaped; appended to the base URL */
	const char *const *query;  /**< NULL or key, value, key, value, ..., NULL; values are escaped here */
	const void *body;          /**< NULL for none */
	size_t body_len;
	const char *content_type;  /**< of body; default "application/json" */
	const char *accept;        /**< default "application/json" */
	unsigned int flags;        /**< WATS_REQ_* */
	unsigned int cache_tags;   /**< GET: cache the 2xx answer under these tags (0 = not cached) */
	unsigned int invalidate_tags; /**< writes: tags to drop; with neither this nor KEEP_CACHE, all */
	const char *correlation_id;/**< default: the thread's id (wats_log_set_correlation_id) or a fresh one */
	long timeout_ms;           /**< overrides total_timeout_ms for this call when > 0 */
} wats_request;

#define WATS_REQUEST_VERSION 1
#define WATS_REQUEST_INIT { .version = WATS_REQUEST_VERSION }

#define WATS_RESPONSE_FROM_CACHE (1u << 0)

/** An HTTP answer. Free with wats_response_free(). */
typedef struct wats_response {
	int status;               /**< HTTP status, 0 when none arrived */
	char *body;               /**< body_len bytes plus a NUL; never NULL */
	size_t body_len;
	char *content_type;       /**< the Content-Type header, or NULL */
	unsigned int flags;       /**< WATS_RESPONSE_* */
	unsigned int attempts;    /**< requests sent for this call (0 when served from cache) */
	char correlation_id[64];  /**< the X-Correlation-ID sent */
} wats_response;

/**
 * Perform one logical request: breaker gate, cache, attempts with backoff, error mapping.
 * Returns 0 for a 2xx answer. Whatever the result, *out is set to the response when one
 * arrived (so the body of an HTTP error can be read) or to NULL: always free it.
 */
WATS_EXTERN(int) wats_client_request(wats_response **out, wats_client *client,
				     const wats_request *request);

/** NULL is a no-op. */
WATS_EXTERN(void) wats_response_free(wats_response *response);

/* ---- state and statistics ---- */

typedef enum wats_breaker_state {
	WATS_BREAKER_CLOSED = 0,
	WATS_BREAKER_OPEN = 1,
	WATS_BREAKER_HALF_OPEN = 2
} wats_breaker_state;

typedef struct wats_client_stats {
	uint64_t requests;          /**< logical requests (calls) */
	uint64_t attempts;          /**< HTTP requests sent */
	uint64_t retries;           /**< attempts after the first */
	uint64_t failures;          /**< calls that ended in an error */
	uint64_t breaker_rejections;/**< calls refused while the breaker was open */
	uint64_t breaker_opens;     /**< times the breaker opened */
	wats_breaker_state breaker_state;
	uint64_t cache_hits;
	uint64_t cache_misses;
	uint64_t cache_evictions;   /**< entries dropped by size, age or invalidation */
	uint64_t cache_entries;
	uint64_t handles;           /**< libcurl handles created (about the peak of concurrent calls) */
} wats_client_stats;

WATS_EXTERN(int) wats_client_get_stats(wats_client_stats *out, wats_client *client);

/** "closed", "open", "half-open". */
WATS_EXTERN(const char *) wats_breaker_state_name(wats_breaker_state state);

/** Forget every cached answer. */
WATS_EXTERN(void) wats_client_cache_clear(wats_client *client);

/** Close the breaker and clear its counters (for an operator who knows the server is back). */
WATS_EXTERN(void) wats_client_breaker_reset(wats_client *client);

/**
 * GET /api/App/Version and return the server's version text. *version_out is owned by the
 * caller (wats_free); it may be NULL when only reachability matters.
 */
WATS_EXTERN(int) wats_client_ping(char **version_out, wats_client *client);

WATS_END_DECL
#endif
