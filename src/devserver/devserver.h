/*
 * devserver.h - the shared shape of wats-devserver: configuration, the server object and the
 * per-request context that route handlers receive.
 *
 * There is no global mutable state: everything a request needs hangs off ds_server, which
 * main() owns. Pieces that several threads touch (faults, stats, the store) carry their own
 * lock inside their struct.
 */
#ifndef WATS_DEVSERVER_H
#define WATS_DEVSERVER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "faults.h"
#include "stats.h"
#include "store.h"
#include "util/buf.h"

#define DS_VERSION_STRING "wats-devserver " WATS_DEVSERVER_VERSION
#define WATS_DEVSERVER_VERSION "0.1.0"

typedef struct ds_config {
	const char *listen_host;    /* "127.0.0.1" */
	unsigned port;              /* 0 = let the kernel choose */
	const char *db_path;        /* SQLite file or ":memory:" */
	const char *token;          /* expected after "Authorization: Basic " */
	int ready_fd;               /* -1 = none; else write "READY <url>\n" then close it */
	size_t max_body;            /* bytes; larger bodies get 413 */
	unsigned max_depth;         /* JSON nesting limit for report bodies */
	unsigned max_connections;   /* simultaneous connections */
	unsigned client_timeout;    /* seconds of inactivity before a connection is dropped */
	unsigned threads;           /* 0 = one thread per connection, else a pool of N */
	int verbose;                /* log every request to stderr */
	int full_validation;        /* use the report model's validator when built with it */
	const char *sync;           /* SQLite synchronous level: "off", "normal" or "full" */
} ds_config;

typedef struct ds_server {
	ds_config cfg;
	struct MHD_Daemon *daemon;
	unsigned port;              /* the port really bound */
	ds_store store;
	ds_faults faults;
	ds_stats stats;
	struct timespec started;
	atomic_int stopping;        /* set at shutdown: injected delays end early */
} ds_server;

struct ds_route;

/* One HTTP request from the first header callback to the completion callback. */
typedef struct ds_req {
	ds_server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;           /* URL path, owned by MHD */
	const struct ds_route *route;
	char *params[4];            /* {x} path segments, percent-decoded, owned here */
	int nparams;
	wats_buf body;
	int too_large;
	size_t dropped;             /* body bytes discarded after too_large */
	int is_dev;                 /* /_dev/... : never subject to faults */
	ds_fault_plan plan;         /* what the fault injector decided for this request */
	int status;                 /* status of the response produced by the handler */
	struct MHD_Response *resp;  /* produced by the handler, queued by server.c */
	int counted;                /* stats already recorded */
} ds_req;

/* Route handler: fills r->resp and r->status through the ds_reply_* helpers; returns 0. */
typedef int (*ds_handler)(ds_req *r);

typedef struct ds_route {
	const char *method;
	const char *pattern;        /* "/api/Report/Wsjf/{id}"; matched case-insensitively */
	ds_handler fn;
} ds_route;

/* server.c */
int ds_server_start(ds_server *s);
void ds_server_stop(ds_server *s);

/* routes.c */
const ds_route *ds_route_match(const char *method, const char *path, char **params,
			       int *nparams, int *path_known);
size_t ds_route_count(void);
const ds_route *ds_route_at(size_t i);

/* reply.c: every body is JSON; errors carry a "message". */
void ds_reply_json(ds_req *r, int status, json_object *obj); /* takes ownership of obj */
void ds_reply_raw(ds_req *r, int status, const char *content_type, const void *data,
		  size_t len);
void ds_reply_error(ds_req *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ds_reply_bool(ds_req *r, int value);
/* Set a header on the response already produced (e.g. Retry-After). */
void ds_reply_header(ds_req *r, const char *name, const char *value);
/* Query string parameter, or NULL. */
const char *ds_query(ds_req *r, const char *key);
/* Query parameter as an integer; def when absent; -1 return + 400 reply when malformed. */
int ds_query_long(ds_req *r, const char *key, long def, long min, long max, long *out);
/* Parse r->body as JSON with json-c (small bodies); on failure replies 400 and returns NULL. */
json_object *ds_body_json(ds_req *r, json_type want);
/* 400 when a required query parameter is missing; returns its value or NULL. */
const char *ds_query_required(ds_req *r, const char *key);

/* uuid.c */
/* Canonical lower-case 8-4-4-4-12 form of a GUID written with or without dashes, braces or
 * urn:uuid:. Returns 0, or -1 when s is not a GUID. out must hold 37 bytes. */
int ds_guid_normalize(const char *s, size_t len, char out[37]);
/* A random version-4 GUID. */
void ds_guid_new(char out[37]);
/* Current UTC time as ISO-8601 "YYYY-MM-DDTHH:MM:SS.mmmZ". out must hold 32 bytes. */
void ds_now_iso(char out[32]);
/* Parse ISO-8601 (date, optional time, fraction, Z or offset; naive = UTC) into Unix seconds.
 * Returns 0 or -1. */
int ds_parse_iso(const char *s, size_t len, double *out);
/* Format Unix seconds as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void ds_format_iso(double t, char out[32]);

#endif
