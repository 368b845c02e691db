/* The client object, shared by the http files (and visible to white-box tests). */
#ifndef WATS_HTTP_CLIENT_INT_H
#define WATS_HTTP_CLIENT_INT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>

#include "wats/client.h"
#include "http/breaker.h"
#include "http/cache.h"
#include "http/clock.h"
#include "http/logging.h"
#include "http/retry.h"
#include "http/station.h"
#include "util/buf.h"

/* One pooled libcurl easy handle with what it needs per transfer. */
typedef struct wats__conn {
	struct wats__conn *next;
	CURL *easy;
	char errbuf[CURL_ERROR_SIZE];
	wats_buf body;
	size_t body_limit;
	char retry_after[128];
	char content_type[256];
	unsigned int gen;     /* the target it was configured for */
} wats__conn;

/*
 * What wats_client_reconfigure may change: the server, the credentials, the proxy, the
 * station and the timeouts. A target is never modified once published; a request reads the
 * current one once, when it starts, and uses it to the end (so a reconfigure never changes a
 * request half-way). Retired targets are kept until wats_client_free, so the strings that
 * wats_client_base_url and wats_client_station returned stay valid (a few hundred bytes per
 * reconfigure, which is an operator's action).
 */
typedef struct wats__target {
	struct wats__target *older;
	unsigned int gen;
	char *base_url;       /* normalised */
	char *referer;        /* "Referer: <url>" for internal routes */
	char *auth_header;    /* "Authorization: Basic <token>" or NULL */
	char *ca_file;
	char *proxy;
	char *no_proxy;
	char *proxy_username;
	char *proxy_password;
	long request_timeout_ms;
	long total_timeout_ms;
	wats__station station;
	wats_station pub_station;
} wats__target;

struct wats_client {
	wats__target *_Atomic target; /* current; older ones chained from it */
	pthread_mutex_t target_lock;  /* reconfigure against reconfigure */
	char *user_agent;
	unsigned int flags;
	long connect_timeout_ms;
	wats__retry_policy retry;
	wats__breaker breaker;
	wats__cache cache;
	wats__logger log;
	wats__clock clock;

	pthread_mutex_t pool_lock;
	wats__conn *pool;       /* idle handles */

	atomic_uint_fast64_t n_requests, n_attempts, n_retries, n_failures, n_handles;
};

/* The current target (see wats__target). */
static inline wats__target *wats__client_target(const wats_client *c)
{
	return atomic_load(&((wats_client *)c)->target);
}

/* Test hook: drive breaker, backoff and cache with a fake clock (copied). */
void wats__client_set_clock(wats_client *c, const wats__clock *clock);

/* Pool of easy handles (client.c). */
/* A handle configured for target t (handles of an older target are closed, not reused: they
 * may hold a connection to the old server or through the old proxy). */
int wats__conn_get(wats__conn **out, wats_client *c, const wats__target *t);
void wats__conn_put(wats_client *c, wats__conn *k);

/* Map an HTTP status to a wats_error_code (0 for 2xx). */
int wats__http_status_code(int status);

#endif
