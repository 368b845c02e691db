/*
 * server.c - the libmicrohttpd side: one access-handler call sequence per request
 * (headers -> body chunks -> final call), with authentication, body limits and fault
 * injection applied around the route handlers.
 */
#include "devserver.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

/* Injected latency, in slices, so that a shutdown does not wait for a long delay to end. */
static void sleep_ms(ds_server *s, unsigned ms)
{
	while (ms && !atomic_load(&s->stopping)) {
		unsigned slice = ms < 50 ? ms : 50;
		struct timespec t = { 0, (long)slice * 1000000L };
		while (nanosleep(&t, &t) < 0 && errno == EINTR)
			;
		ms -= slice;
	}
}

static size_t route_index(const ds_req *r)
{
	if (!r->route)
		return ds_route_count();
	return (size_t)(r->route - ds_route_at(0));
}

static void record(ds_req *r, int status)
{
	if (r->counted)
		return;
	r->counted = 1;
	ds_stats_record(&r->srv->stats, route_index(r), status, r->body.len);
	if (r->srv->cfg.verbose)
		fprintf(stderr, "wats-devserver: %s %s -> %s%d (%zu bytes in)\n", r->method, r->path,
			status == DS_STATUS_RESET ? "reset " : "", status, r->body.len);
}

/* Queue whatever the handler (or the server) produced. */
static enum MHD_Result send_reply(ds_req *r)
{
	if (!r->resp)
		ds_reply_error(r, 500, "wats-devserver: the route %s %s produced no answer", r->method,
			       r->path);
	if (!r->resp)
		return MHD_NO;
	record(r, r->status);
	enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, r->resp);
	MHD_destroy_response(r->resp);
	r->resp = NULL;
	return ok;
}

/*
 * Make the kernel answer with RST instead of FIN: SO_LINGER with a zero timeout, then let MHD
 * close the socket (returning MHD_NO). This is what a crashing proxy looks like to a client.
 */
static enum MHD_Result reset_connection(ds_req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci) {
		struct linger l = { 1, 0 };
		setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	if (r->resp) {
		MHD_destroy_response(r->resp);
		r->resp = NULL;
	}
	record(r, DS_STATUS_RESET);
	return MHD_NO;
}

static void fault_reply(ds_req *r)
{
	ds_reply_error(r, r->plan.status,
		       "wats-devserver: injected fault: HTTP %d for %s %s (see POST /_dev/faults)",
		       r->plan.status, r->method, r->path);
	if (r->plan.retry_after > 0 && (r->plan.status == 429 || r->plan.status == 503)) {
		char v[16];
		snprintf(v, sizeof(v), "%d", r->plan.retry_after);
		ds_reply_header(r, MHD_HTTP_HEADER_RETRY_AFTER, v);
	}
}

/* Constant-time comparison so the token cannot be guessed byte by byte from timing. */
static int auth_ok(ds_req *r)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Basic ", 6))
		return 0;
	h += 6;
	while (*h == ' ')
		h++;
	const char *t = r->srv->cfg.token;
	size_t hl = strlen(h), tl = strlen(t);
	unsigned char diff = (unsigned char)(hl != tl);
	for (size_t i = 0; i < hl && i < tl; i++)
		diff |= (unsigned char)(h[i] ^ t[i]);
	return diff == 0;
}

static void reply_no_route(ds_req *r, int path_known)
{
	/* Under /api a method we lack on a known path is still a route we do not implement
	 * (PUT /api/Product/BOM looks like GET /api/Product/{partNumber}), hence 501, not 405. */
	if (!strncasecmp(r->path, "/api/", 5) || !strcasecmp(r->path, "/api"))
		ds_reply_error(r, 501, "wats-devserver does not implement %s %s", r->method,
			       r->path);
	else if (path_known)
		ds_reply_error(r, 405, "wats-devserver: %s is not allowed on %s", r->method, r->path);
	else
		ds_reply_error(r, 404, "wats-devserver: no such resource: %s %s (the REST API is "
			       "under /api/)", r->method, r->path);
}

/* First call for a request: headers are in, the body (if any) is not. */
static enum MHD_Result begin(ds_req *r)
{
	ds_server *s = r->srv;
	int path_known = 0;
	r->is_dev = !strncmp(r->path, "/_dev/", 6) || !strcmp(r->path, "/_dev");
	r->route = ds_route_match(r->method, r->path, r->params, &r->nparams, &path_known);

	if (!auth_ok(r)) {
		ds_reply_error(r, 401, "wats-devserver: missing or wrong token: send the header "
			       "'Authorization: Basic <token>' with the token given to --token");
		ds_reply_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"WATS\"");
		return send_reply(r);
	}

	const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(cl, &end, 10);
		if (errno || *end || n > s->cfg.max_body) {
			ds_reply_error(r, 413, "wats-devserver: request body of %s bytes is over the "
				       "limit of %zu bytes (--max-body)", cl, s->cfg.max_body);
			return send_reply(r);
		}
		if (n && wats__buf_grow(&r->body, (size_t)n) < 0)
			return MHD_NO;
	}

	if (!r->route) {
		reply_no_route(r, path_known);
		return send_reply(r);
	}

	if (!r->is_dev) {
		ds_faults_decide(&s->faults, r->method, r->path, &r->plan);
		if (r->plan.early || r->plan.action == DS_FAULT_RESET_BEFORE) {
			if (r->plan.latency_ms)
				sleep_ms(r->srv, r->plan.latency_ms);
			if (r->plan.action == DS_FAULT_RESET_BEFORE)
				return reset_connection(r);
			fault_reply(r);
			return send_reply(r);
		}
	}
	return MHD_YES;
}

/* Last call: the whole body is in r->body. */
static enum MHD_Result finish(ds_req *r)
{
	if (r->too_large) {
		ds_reply_error(r, 413, "wats-devserver: request body is over the limit of %zu bytes "
			       "(--max-body)", r->srv->cfg.max_body);
		return send_reply(r);
	}
	if (r->plan.latency_ms)
		sleep_ms(r->srv, r->plan.latency_ms);
	if (r->plan.action == DS_FAULT_STATUS) {
		fault_reply(r);
		return send_reply(r);
	}
	r->route->fn(r);
	if (r->plan.action == DS_FAULT_RESET_AFTER)
		return reset_connection(r);
	return send_reply(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)version;
	ds_req *r = *con_cls;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		*con_cls = r;
		r->srv = cls;
		r->conn = conn;
		r->method = method;
		r->path = url;
		return begin(r);
	}
	if (r->counted) {
		/* Answered early (401/413/fault): MHD drops the rest of the body. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		if (!r->too_large && r->body.len + n > r->srv->cfg.max_body)
			r->too_large = 1;
		if (r->too_large) {
			/* Keep reading (and dropping) so the 413 reaches a client that does not
			 * check Content-Length against limits, but only up to another max-body:
			 * a client streaming without end is cut off. */
			r->dropped += n;
			if (r->dropped > r->srv->cfg.max_body)
				return MHD_NO;
			r->body.len = 0;
		} else if (wats__buf_put(&r->body, upload_data, n) < 0) {
			return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	return finish(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	ds_req *r = *con_cls;
	if (!r)
		return;
	if (r->resp)
		MHD_destroy_response(r->resp);
	for (int i = 0; i < r->nparams; i++)
		free(r->params[i]);
	wats__buf_dispose(&r->body);
	free(r);
	*con_cls = NULL;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	const ds_server *s = cls;
	if (!s->cfg.verbose)
		return;
	fprintf(stderr, "wats-devserver: libmicrohttpd: ");
	vfprintf(stderr, fmt, ap);
}

int ds_server_start(ds_server *s)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	char port[16];
	snprintf(port, sizeof(port), "%u", s->cfg.port);
	int gai = getaddrinfo(s->cfg.listen_host, port, &hints, &ai);
	if (gai) {
		fprintf(stderr, "wats-devserver: cannot resolve listen address '%s': %s\n",
			s->cfg.listen_host, gai_strerror(gai));
		return -1;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (s->cfg.threads == 0)
		flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
	else
		flags |= MHD_USE_EPOLL;

	struct MHD_OptionItem opts[] = {
		/* The logger first, so that MHD reports problems with later options through it. */
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)log_mhd, s },
		{ MHD_OPTION_SOCK_ADDR, 0, ai->ai_addr },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->cfg.max_connections, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->cfg.client_timeout, NULL },
		{ MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL },
		/* Per-connection read buffer; large enough for long OData query strings. */
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, 256 * 1024, NULL },
		{ s->cfg.threads ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
		  (intptr_t)s->cfg.threads, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};
	/* Before the daemon starts: handlers read it from their threads. */
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
				     MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!s->daemon) {
		fprintf(stderr, "wats-devserver: cannot listen on %s:%u (address in use or not "
			"local?)\n", s->cfg.listen_host, s->cfg.port);
		return -1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : s->cfg.port;
	return 0;
}

void ds_server_stop(ds_server *s)
{
	atomic_store(&s->stopping, 1);
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
}
