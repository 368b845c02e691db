/*
 * watsd's HTTP endpoints (libmicrohttpd, one internal polling thread), bound to 127.0.0.1 by
 * default (config "http": address, port; port 0 = a free port, shown in status and the log).
 *
 *   GET  /health/live     200 while the process serves requests
 *   GET  /health/ready    200 or 503 with the reasons (health.c: server reachable, breaker,
 *                         queue not full/not failing, not paused for long, workers alive)
 *   GET  /status          the status object of the control socket, as JSON
 *   GET  /metrics         Prometheus text exposition format 0.0.4
 *   POST /pause, /resume, /queue/retry[?report=ID][&state=invalid,failed], /breaker/reset
 *                         need the instance API key: "Authorization: Bearer KEY" or
 *                         "X-API-Key: KEY"; without a configured key they are refused (403)
 *
 *   GET  /, /index.html, /js/..., /app.css ...   the web configurator (docs/web.md), embedded
 *                         at build time (web_assets.h), with an ETag (304 on If-None-Match)
 *   /api/...              its JSON API (web_api.c): a session cookie from POST /api/login, a
 *                         CSRF token on every change, Origin checked
 *
 * One thread per connection (at most 64, 32 per address): "test connection" or a file conversion may take
 * seconds and must not stall /health or the dashboard. Request bodies are read up to 16 MiB
 * for POST /api/test/convert with a live session and 64 KiB elsewhere (413 beyond; 401 for a
 * larger upload without a session).
 * Every answer carries the security headers (CSP default-src 'self', no framing, no referrer,
 * nosniff). No answer contains a secret: the token and the API key are never written.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "web.h"
#include "web_assets.h"

#define MAX_BODY 65536
#define MAX_UPLOAD (16u << 20) /* POST /api/test/convert: the file to convert */

static struct MHD_Daemon *daemon_;

typedef watsd_req req;

/* ---- answers ------------------------------------------------------------------------------ */

void watsd_reply_json(req *r, int status, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	free(r->out);
	r->status = status;
	r->out_len = strlen(s) + 1;
	r->out = malloc(r->out_len + 1);
	if (r->out) {
		memcpy(r->out, s, r->out_len - 1);
		r->out[r->out_len - 1] = '\n';
		r->out[r->out_len] = '\0';
	} else {
		r->out_len = 0;
	}
	r->type = "application/json";
	json_object_put(o);
}

void watsd_reply_error(req *r, int status, const char *msg)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(msg));
	watsd_reply_json(r, status, o);
}

#define reply_json watsd_reply_json
#define reply_error watsd_reply_error

const char *watsd_req_arg(req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

json_object *watsd_req_json(req *r)
{
	if (!r->body_len)
		return json_object_new_object();
	json_tokener *tok = json_tokener_new();
	json_object *o = tok ? json_tokener_parse_ex(tok, r->body, (int)r->body_len) : NULL;
	size_t end = tok ? json_tokener_get_parse_end(tok) : 0;
	while (end < r->body_len && strchr(" \t\r\n", r->body[end]))
		end++; /* trailing white space is fine, trailing text is not */
	int bad = !o || json_tokener_get_error(tok) != json_tokener_success || end != r->body_len;
	char msg[300];
	if (bad && o && end != r->body_len)
		snprintf(msg, sizeof(msg), "the body is not JSON: text after the value at byte %zu",
			 end);
	else if (bad && tok && json_tokener_get_error(tok) == json_tokener_continue)
		snprintf(msg, sizeof(msg), "the body is not JSON: it ends too early");
	else if (bad)
		snprintf(msg, sizeof(msg), "the body is not JSON: %s",
			 tok ? json_tokener_error_desc(json_tokener_get_error(tok)) : "out of memory");
	json_tokener_free(tok);
	if (!bad && !json_object_is_type(o, json_type_object)) {
		bad = 1;
		snprintf(msg, sizeof(msg), "the body must be a JSON object");
	}
	if (bad) {
		json_object_put(o);
		reply_error(r, 400, msg);
		return NULL;
	}
	return o;
}

/* ---- authentication ----------------------------------------------------------------------- */

static int authorized(req *r)
{
	/* Held while the key is read: a reload may replace (and later free) the config. */
	watsd_config *cfg = watsd_cfg_acquire(r->d);
	const char *key = cfg->api_key;
	if (!key || !*key) {
		watsd_cfg_release(r->d, cfg);
		reply_error(r, 403, "state-changing routes are disabled: no API key is configured "
			    "(http.api_key_file or WATSD_API_KEY)");
		return 0;
	}
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
	const char *given = NULL;
	if (h && !strncasecmp(h, "Bearer ", 7))
		given = h + 7;
	if (!given)
		given = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-API-Key");
	/* A wrong key counts toward the login's delay: these routes are no faster way to guess. */
	int ok = given ? watsd_web_key_try(r, given, key) : 0;
	watsd_cfg_release(r->d, cfg);
	if (ok < 0) {
		reply_error(r, 429, "too many wrong API keys: wait before the next try");
		return 0;
	}
	if (!ok) {
		watsd_log(WATS_LOG_WARNING, NULL, "http: %s %s refused: %s API key", r->method, r->path,
			  given ? "wrong" : "no");
		r->auth_challenge = 1;
		reply_error(r, 401, given ? "wrong API key" : "this route needs the API key "
			    "(Authorization: Bearer KEY, or X-API-Key: KEY)");
		return 0;
	}
	return 1;
}

/* ---- metrics ------------------------------------------------------------------------------ */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(FILE *f, const char *name, const char *help, unsigned long long v)
{
	family(f, name, "counter", help);
	fprintf(f, "%s %llu\n", name, v);
}

static void gauge(FILE *f, const char *name, const char *help, long long v)
{
	family(f, name, "gauge", help);
	fprintf(f, "%s %lld\n", name, v);
}

static void histogram(FILE *f, const char *name, const char *help, watsd_hist *h)
{
	family(f, name, "histogram", help);
	/* Read count first: buckets added after it can only make the cumulative sums larger,
	 * so clamp them to keep the exposition consistent (bucket <= count). */
	unsigned long long count = atomic_load(&h->count), cum = 0;
	for (int i = 0; i < WATSD_HIST_BUCKETS; i++) {
		cum += atomic_load(&h->bucket[i]);
		fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", name, watsd_hist_bounds[i],
			cum < count ? cum : count);
	}
	fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", name, count);
	fprintf(f, "%s_sum %.6f\n", name, (double)atomic_load(&h->sum_us) / 1e6);
	fprintf(f, "%s_count %llu\n", name, count);
}

static void metrics(req *r)
{
	watsd *d = r->d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		reply_error(r, 500, "out of memory");
		return;
	}
	watsd_stats *s = &d->stats;
	counter(f, "watsd_files_seen_total", "Result files seen in the watch folders.",
		atomic_load(&s->files_seen));
	counter(f, "watsd_files_converted_total", "Files converted and committed to the queue.",
		atomic_load(&s->files_converted));
	counter(f, "watsd_files_failed_total", "Files that failed conversion (moved to the error folder).",
		atomic_load(&s->files_failed));
	counter(f, "watsd_reports_queued_total", "Reports committed to the queue.",
		atomic_load(&s->reports_queued));
	counter(f, "watsd_enqueue_failures_total", "Failed queue writes (disk full, I/O); the file stays and is retried.",
		atomic_load(&s->enqueue_failures));
	counter(f, "watsd_backpressure_total", "Times a file waited because the queue was full.",
		atomic_load(&s->backpressure));
	family(f, "watsd_uploads_total", "counter", "Upload attempts of queued reports by result.");
	fprintf(f, "watsd_uploads_total{result=\"ok\"} %llu\n", atomic_load(&s->reports_sent));
	fprintf(f, "watsd_uploads_total{result=\"failed\"} %llu\n", atomic_load(&s->send_failures));
	counter(f, "watsd_server_probes_total", "Reachability probes of an idle service.",
		atomic_load(&s->probes));
	wats_client_stats cs;
	memset(&cs, 0, sizeof(cs));
	wats_client_get_stats(&cs, d->client);
	counter(f, "watsd_http_requests_total", "HTTP requests sent to the WATS server.",
		(unsigned long long)cs.attempts);
	counter(f, "watsd_http_retries_total", "HTTP requests that were retries of a failed one.",
		(unsigned long long)cs.retries);
	counter(f, "watsd_breaker_opens_total", "Times the circuit breaker opened.",
		(unsigned long long)cs.breaker_opens);
	counter(f, "watsd_breaker_rejections_total", "Calls not sent because the breaker was open.",
		(unsigned long long)cs.breaker_rejections);
	family(f, "watsd_breaker_state", "gauge", "Circuit breaker state (1 for the current one).");
	static const wats_breaker_state bs[] = { WATS_BREAKER_CLOSED, WATS_BREAKER_OPEN,
						 WATS_BREAKER_HALF_OPEN };
	for (size_t i = 0; i < 3; i++)
		fprintf(f, "watsd_breaker_state{state=\"%s\"} %d\n", wats_breaker_state_name(bs[i]),
			cs.breaker_state == bs[i]);
	wats_queue_counts c;
	if (wats_queue_count(&c, d->queue) == 0) {
		family(f, "watsd_queue_items", "gauge", "Queue items by state.");
		for (int st = 1; st < WATS_QUEUE_STATE_COUNT; st++)
			fprintf(f, "watsd_queue_items{state=\"%s\"} %llu\n",
				wats_queue_state_name((wats_queue_state)st), (unsigned long long)c.items[st]);
		family(f, "watsd_queue_bytes", "gauge", "Queue payload bytes by state.");
		for (int st = 1; st < WATS_QUEUE_STATE_COUNT; st++)
			fprintf(f, "watsd_queue_bytes{state=\"%s\"} %llu\n",
				wats_queue_state_name((wats_queue_state)st), (unsigned long long)c.bytes[st]);
		watsd_config *cfg = watsd_cfg_acquire(d);
		long long max_items = (long long)cfg->max_items;
		watsd_cfg_release(d, cfg);
		gauge(f, "watsd_queue_max_items", "The queue's item limit (0 = none).", max_items);
		int64_t now = wats_queue_now(d->queue);
		gauge(f, "watsd_queue_paused_seconds", "Seconds the queue stays paused by a 429 answer.",
		      c.paused_until_ms > now ? (c.paused_until_ms - now + 999) / 1000 : 0);
		gauge(f, "watsd_queue_oldest_waiting_seconds", "Age of the oldest unsent report.",
		      c.oldest_waiting_ms ? (wats_queue_now(d->queue) - c.oldest_waiting_ms) / 1000 : 0);
	}
	gauge(f, "watsd_uploads_paused", "1 while an operator paused uploads.", atomic_load(&d->paused));
	gauge(f, "watsd_ready", "1 when /health/ready answers 200.", watsd_ready(d, NULL));
	pthread_mutex_lock(&d->lock);
	int alive = d->running;
	pthread_mutex_unlock(&d->lock);
	gauge(f, "watsd_threads_alive", "Worker threads running.", alive);
	gauge(f, "watsd_threads_expected", "Worker threads that should be running.",
	      atomic_load(&d->threads_expected));
	counter(f, "watsd_thread_restarts_total",
		"Worker threads restarted by the supervisor after they stopped unexpectedly.",
		atomic_load(&d->thread_restarts));
	gauge(f, "watsd_start_time_seconds", "Start time of the service (Unix seconds).",
	      d->started_ms / 1000);
	/* The process figures every Prometheus client exports, under their usual names, and the
	 * parts of the resident memory that are this process's share and its own (docs/watsd.md). */
	watsd_procstat ps;
	watsd_procstat_read(d, &ps, 0);
	family(f, "process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.");
	fprintf(f, "process_cpu_seconds_total %.6f\n", ps.cpu_seconds);
	gauge(f, "process_start_time_seconds", "Start time of the process (Unix seconds).",
	      d->started_ms / 1000);
	struct { const char *name, *help; long long v; } g[] = {
		{ "process_resident_memory_bytes", "Resident memory (RSS), shared library pages included.",
		  ps.rss_bytes },
		{ "process_virtual_memory_bytes", "Virtual memory size.", ps.virtual_bytes },
		{ "watsd_memory_pss_bytes", "Proportional share of the resident memory (shared pages "
		  "divided among the processes that map them).", ps.pss_bytes },
		{ "watsd_memory_anonymous_bytes", "Resident memory not backed by a file: heap, stacks, "
		  "the libraries' written data.", ps.anon_bytes },
		{ "process_open_fds", "Open file descriptors.", ps.open_fds },
		{ "process_max_fds", "Limit of open file descriptors.", ps.max_fds },
	};
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		if (g[i].v >= 0)
			gauge(f, g[i].name, g[i].help, g[i].v);
	histogram(f, "watsd_convert_latency_seconds",
		  "From a file first seen to its reports committed to the queue.",
		  &s->convert_latency);
	histogram(f, "watsd_upload_latency_seconds",
		  "From a report committed to the queue to the server's confirmation.",
		  &s->upload_latency);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		reply_error(r, 500, "out of memory");
		return;
	}
	r->status = 200;
	r->out = buf;
	r->out_len = len;
	r->type = "text/plain; version=0.0.4; charset=utf-8";
}

/* ---- routes ------------------------------------------------------------------------------- */

static void h_live(req *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("alive"));
	reply_json(r, 200, o);
}

static void h_ready(req *r)
{
	json_object *o = json_object_new_object(), *reasons = json_object_new_array();
	int ok = watsd_ready(r->d, reasons);
	json_object_object_add(o, "status", json_object_new_string(ok ? "ready" : "not ready"));
	json_object_object_add(o, "reasons", reasons);
	reply_json(r, ok ? 200 : 503, o);
}

static void h_status(req *r)
{
	reply_json(r, 200, watsd_status_json(r->d));
}

static void h_pause(req *r)
{
	int on = !strcmp(r->path, "/pause");
	watsd_set_paused(r->d, on, "HTTP");
	json_object *o = json_object_new_object();
	json_object_object_add(o, "uploads_paused", json_object_new_boolean(on));
	reply_json(r, 200, o);
}

static void h_breaker_reset(req *r)
{
	wats_client_breaker_reset(r->d->client);
	watsd_log(WATS_LOG_INFO, NULL, "circuit breaker reset by HTTP");
	watsd_wake_uploaders(r->d);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "breaker", json_object_new_string("closed"));
	reply_json(r, 200, o);
}

static void h_retry(req *r)
{
	const char *id = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "report");
	const char *states = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "state");
	unsigned int mask = 0;
	if (states && *states) {
		char buf[256];
		snprintf(buf, sizeof(buf), "%s", states);
		char *save = NULL;
		for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
			wats_queue_state s;
			if (wats_queue_state_parse(&s, p) != 0) {
				reply_error(r, 400, "unknown state (queued, transferring, error, invalid, sent, "
					    "failed)");
				return;
			}
			mask |= WATS_QUEUE_MASK(s);
		}
	}
	size_t n = 0;
	if (wats_queue_retry(&n, r->d->queue, id && *id ? id : NULL, mask)) {
		int rc = wats_error_last()->code;
		reply_error(r, rc == WATS_ENOTFOUND ? 404 : rc == WATS_EINVAL ? 400 : 500,
			    wats_error_last()->message);
		return;
	}
	watsd_log(WATS_LOG_INFO, NULL, "http: %zu queue item%s put back for retry", n, n == 1 ? "" : "s");
	watsd_wake_uploaders(r->d);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "count", json_object_new_int64((int64_t)n));
	reply_json(r, 200, o);
}

typedef struct route {
	const char *method, *path;
	int needs_key;
	void (*fn)(req *r);
} route;

static const route routes[] = {
	{ "GET", "/health/live", 0, h_live },
	{ "GET", "/health/ready", 0, h_ready },
	{ "GET", "/status", 0, h_status },
	{ "GET", "/metrics", 0, metrics },
	{ "POST", "/pause", 1, h_pause },
	{ "POST", "/resume", 1, h_pause },
	{ "POST", "/queue/retry", 1, h_retry },
	{ "POST", "/breaker/reset", 1, h_breaker_reset },
};

/* An embedded asset: 0 when path is not one. */
static const watsd_asset *asset_for(req *r)
{
	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
		return NULL;
	return watsd_asset_find(r->path);
}

static void dispatch(req *r)
{
	if (!strncmp(r->path, "/api/", 5) && watsd_web_dispatch(r))
		return;
	int path_known = 0;
	const char *allow = NULL;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(routes[i].path, r->path))
			continue;
		path_known = 1;
		int head = !strcmp(r->method, "HEAD") && !strcmp(routes[i].method, "GET");
		if (strcmp(routes[i].method, r->method) && !head) {
			allow = routes[i].method;
			continue;
		}
		if (routes[i].needs_key && !authorized(r))
			return;
		routes[i].fn(r);
		return;
	}
	if (path_known) {
		r->allow = allow;
		reply_error(r, 405, "method not allowed");
	} else {
		reply_error(r, 404, "not found (GET /health/live, /health/ready, /status, /metrics; "
			    "POST /pause, /resume, /queue/retry, /breaker/reset; the web configurator "
			    "at /, its API under /api/)");
	}
}

/* A request's body, read before the handler runs (bounded; beyond the limit it is dropped
 * and the answer is 413). */
typedef struct conn_body {
	char *data;
	size_t len, cap, limit;
	int too_big;
	int no_session; /* POST /api/test/convert without a session: the small limit */
} conn_body;

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	conn_body *b = *con_cls;
	if (b) {
		free(b->data);
		free(b);
		*con_cls = NULL;
	}
}

static void security_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; frame-ancestors 'none'");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
}

/* The asset, or 304 when the browser has these bytes already. */
static enum MHD_Result send_asset(struct MHD_Connection *conn, const watsd_asset *a)
{
	const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
	int fresh = inm && strstr(inm, a->etag);
	struct MHD_Response *resp = MHD_create_response_from_buffer(fresh ? 0 : a->len,
								    (void *)a->data,
								    MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	security_headers(resp);
	MHD_add_response_header(resp, "Content-Type", a->type);
	MHD_add_response_header(resp, "ETag", a->etag);
	/* Revalidate every time: a new watsd must never run with an old page's scripts. */
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	enum MHD_Result ret = MHD_queue_response(conn, fresh ? 304 : 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Queue r's answer with the security headers (the body is handed over). */
static enum MHD_Result send_reply(struct MHD_Connection *conn, req *r)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(r->out_len, r->out,
								    MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(r->out);
		return MHD_NO;
	}
	security_headers(resp);
	MHD_add_response_header(resp, "Content-Type", r->type ? r->type : "text/plain");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->allow)
		MHD_add_response_header(resp, "Allow", r->allow);
	if (r->auth_challenge)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"watsd\"");
	if (r->cookie[0])
		MHD_add_response_header(resp, "Set-Cookie", r->cookie);
	if (r->retry_after_s > 0) {
		char ra[24];
		snprintf(ra, sizeof(ra), "%ld", r->retry_after_s);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned int)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void too_big(req *r, const conn_body *b)
{
	if (b->no_session) { /* an upload without a session: the answer it would get anyway */
		reply_error(r, 401, "log in first (POST /api/login with the API key)");
		return;
	}
	char msg[120];
	snprintf(msg, sizeof(msg), "the request body is larger than %zu bytes", b->limit);
	reply_error(r, 413, msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	(void)version;
	conn_body *b = *con_cls;
	if (!b) { /* headers only: set up for the body */
		b = calloc(1, sizeof(*b));
		if (!b)
			return MHD_NO;
		/* The large limit only with a live session: nobody else gets 16 MiB buffered. */
		req r = { .d = cls, .conn = conn, .method = method, .path = url };
		b->limit = MAX_BODY;
		if (!strcmp(url, "/api/test/convert")) {
			if (watsd_web_session(&r))
				b->limit = MAX_UPLOAD;
			else
				b->no_session = 1;
		}
		*con_cls = b;
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > b->limit) {
			/* Answered before the body is read; MHD then closes the connection. */
			too_big(&r, b);
			return send_reply(conn, &r);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (b->too_big || b->len + n > b->limit) {
			b->too_big = 1;
			return MHD_YES;
		}
		if (b->len + n + 1 > b->cap) {
			size_t cap = b->cap ? b->cap : 4096;
			while (cap < b->len + n + 1)
				cap *= 2;
			char *nd = realloc(b->data, cap);
			if (!nd)
				return MHD_NO;
			b->data = nd;
			b->cap = cap;
		}
		memcpy(b->data + b->len, upload_data, n);
		b->len += n;
		b->data[b->len] = '\0';
		return MHD_YES;
	}
	req r = { .d = cls, .conn = conn, .method = method, .path = url,
		  .body = b->data ? b->data : "", .body_len = b->len };
	if (b->too_big) { /* chunked: found out while reading */
		too_big(&r, b);
	} else {
		const watsd_asset *a = asset_for(&r);
		if (a)
			return send_asset(conn, a);
		dispatch(&r);
	}
	return send_reply(conn, &r);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char buf[512];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	watsd_log(WATS_LOG_WARNING, NULL, "http: %s", buf);
}

static int http_start(watsd *d, const watsd_config *cfg);

int watsd_http_start(watsd *d)
{
	/* Held: the control socket may already reload (the http keys keep their values). */
	watsd_config *cfg = watsd_cfg_acquire(d);
	int rc = http_start(d, cfg);
	watsd_cfg_release(d, cfg);
	return rc;
}

static int http_start(watsd *d, const watsd_config *cfg)
{
	if (!cfg->http_enabled)
		return 0;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_POLL | MHD_USE_ERROR_LOG;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, cfg->http_address, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)cfg->http_port);
	} else if (inet_pton(AF_INET6, cfg->http_address, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)cfg->http_port);
		flags |= MHD_USE_IPv6;
	} else {
		watsd_log(WATS_LOG_ERROR, NULL, "http: bad address %s", cfg->http_address);
		return -1;
	}
	daemon_ = MHD_start_daemon(flags, (uint16_t)cfg->http_port, NULL, NULL, on_request, d,
				   MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				   MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				   MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				   /* A closed connection counts until its thread is joined,
				    * which lags a burst of short requests (a page and its
				    * polls, each on a new connection): room for that. */
				   MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
				   MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)32,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				   /* converters recurse (XML, JSON); ASan builds need more */
				   MHD_OPTION_THREAD_STACK_SIZE, (size_t)(1024 * 1024),
				   MHD_OPTION_END);
	if (!daemon_) {
		watsd_log(WATS_LOG_ERROR, NULL, "http: cannot listen on %s port %d (in use?); no HTTP "
			  "endpoints", cfg->http_address, cfg->http_port);
		return -1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
	int port = di ? di->port : cfg->http_port;
	char bound[sizeof(d->http_bound)];
	snprintf(bound, sizeof(bound), strchr(cfg->http_address, ':') ? "[%s]:%d" : "%s:%d",
		 cfg->http_address, port);
	pthread_mutex_lock(&d->health.lock); /* the control thread may read it already */
	memcpy(d->http_bound, bound, sizeof(bound));
	pthread_mutex_unlock(&d->health.lock);
	watsd_log(WATS_LOG_INFO, NULL, "http: listening on http://%s (/health/live, /health/ready, "
		  "/status, /metrics; web configurator at /)%s", bound,
		  cfg->api_key ? "" : "; no API key: state-changing routes are refused and nobody "
		  "can log in to the web configurator");
	return 0;
}

void watsd_http_stop(void)
{
	if (daemon_) {
		MHD_stop_daemon(daemon_);
		daemon_ = NULL;
	}
}
