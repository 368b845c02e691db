/*
 * The control socket: STATE/watsd.sock, mode 0600, a Unix stream socket speaking one JSON
 * object per line, exactly one answer line per request line.
 *
 *   request:  {"v":1,"id":7,"cmd":"status"}
 *   answer:   {"v":1,"id":7,"ok":true,"result":{...}}  or  {"v":1,"id":7,"ok":false,"error":"..."}
 *
 * Commands: status, queue.status, queue.list {state, limit}, queue.retry {report? state?},
 * queue.purge {report | state}, pause, resume (uploads), reload (the config file: answers
 * {"restart": [keys that need a restart]} or the error, the running config kept), stop (as
 * SIGTERM). Peers are checked with SO_PEERCRED: only the
 * service's own user and root. A client must send a whole line within 5 s of starting it and
 * is dropped after 60 s idle; lines are at most 64 KiB; at most 20 requests per second per
 * client (more get an error answer, the connection stays); at most 16 clients. Answers never
 * contain the server token.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "watsd.h"

#define CTL_VERSION 1
#define MAX_CLIENTS 16
#define MAX_LINE 65536
#define LINE_TIMEOUT_MS 5000
#define IDLE_TIMEOUT_MS 60000
#define RATE_PER_S 20

typedef struct client {
	int fd;
	char *buf;
	size_t len;
	int64_t line_start_ms, last_ms;
	int64_t window_ms;
	int in_window;
} client;

static int listen_fd = -1;
static char sock_path[4200];

int watsd_control_open(watsd *d)
{
	/* state_dir never changes on reload (it needs a restart). */
	snprintf(sock_path, sizeof(sock_path), "%s/watsd.sock", d->cfg->state_dir);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(sock_path) >= sizeof(a.sun_path)) {
		watsd_log(WATS_LOG_ERROR, NULL, "control socket path %s is too long; no control socket",
			  sock_path);
		return -1;
	}
	memcpy(a.sun_path, sock_path, strlen(sock_path) + 1);
	unlink(sock_path); /* stale from a crash: we hold the instance lock */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	mode_t old = umask(0177); /* the socket is created 0600 */
	int rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (rc != 0 || chmod(sock_path, 0600) != 0 || listen(fd, 8) != 0) {
		watsd_log(WATS_LOG_ERROR, NULL, "control socket %s: %s", sock_path, strerror(errno));
		close(fd);
		return -1;
	}
	listen_fd = fd;
	return 0;
}

static unsigned int state_mask(json_object *req, int *bad)
{
	json_object *v;
	if (!json_object_object_get_ex(req, "state", &v))
		return 0;
	unsigned int m = 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
	char *save = NULL;
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		wats_queue_state s;
		if (!strcmp(p, "all"))
			m |= WATS_QUEUE_MASK_ALL;
		else if (wats_queue_state_parse(&s, p) == 0)
			m |= WATS_QUEUE_MASK(s);
		else
			*bad = 1;
	}
	return m;
}

/* Run one request; returns the result object or NULL with *err set. */
static json_object *run(watsd *d, json_object *req, const char **err, char *ebuf, size_t elen)
{
	json_object *v;
	const char *cmd = json_object_object_get_ex(req, "cmd", &v) ? json_object_get_string(v) : "";
	const char *id = json_object_object_get_ex(req, "report", &v) ? json_object_get_string(v) : NULL;
	if (!strcmp(cmd, "status"))
		return watsd_status_json(d);
	if (!strcmp(cmd, "pause") || !strcmp(cmd, "resume")) {
		watsd_set_paused(d, cmd[0] == 'p', "the control socket");
		return json_object_new_object();
	}
	if (!strcmp(cmd, "reload")) {
		char restart[512];
		if (watsd_reload(d, ebuf, elen, restart, sizeof(restart))) {
			*err = ebuf;
			return NULL;
		}
		/* {"restart": ["workers.convert", ...]}: changed keys that need a restart. */
		json_object *o = json_object_new_object(), *a = json_object_new_array();
		char *save = NULL;
		for (char *p = strtok_r(restart, ", ", &save); p; p = strtok_r(NULL, ", ", &save))
			json_object_array_add(a, json_object_new_string(p));
		json_object_object_add(o, "restart", a);
		return o;
	}
	if (!strcmp(cmd, "stop")) {
		watsd_log(WATS_LOG_INFO, NULL, "stop requested by the control socket");
		kill(getpid(), SIGTERM);
		return json_object_new_object();
	}
	int bad = 0;
	unsigned int mask = state_mask(req, &bad);
	if (bad) {
		*err = "unknown state (queued, transferring, error, invalid, sent, failed, all)";
		return NULL;
	}
	if (!strcmp(cmd, "queue.status")) {
		wats_queue_counts c;
		if (wats_queue_count(&c, d->queue)) {
			snprintf(ebuf, elen, "%s", wats_error_last()->message);
			*err = ebuf;
			return NULL;
		}
		json_object *o = json_object_new_object(), *it = json_object_new_object(),
			    *by = json_object_new_object();
		for (int s = 1; s < WATS_QUEUE_STATE_COUNT; s++) {
			const char *n = wats_queue_state_name((wats_queue_state)s);
			json_object_object_add(it, n, json_object_new_int64((int64_t)c.items[s]));
			json_object_object_add(by, n, json_object_new_int64((int64_t)c.bytes[s]));
		}
		json_object_object_add(o, "path", json_object_new_string(wats_queue_path(d->queue)));
		json_object_object_add(o, "items", it);
		json_object_object_add(o, "bytes", by);
		json_object_object_add(o, "unsent_items", json_object_new_int64((int64_t)c.unsent_items));
		json_object_object_add(o, "unsent_bytes", json_object_new_int64((int64_t)c.unsent_bytes));
		json_object_object_add(o, "paused_until_ms", json_object_new_int64(c.paused_until_ms));
		json_object_object_add(o, "next_due_ms", json_object_new_int64(c.next_due_ms));
		json_object_object_add(o, "oldest_waiting_ms", json_object_new_int64(c.oldest_waiting_ms));
		return o;
	}
	if (!strcmp(cmd, "queue.list")) {
		size_t limit = json_object_object_get_ex(req, "limit", &v) ? (size_t)json_object_get_int64(v) : 100;
		wats_queue_item **items = NULL;
		size_t n = 0;
		if (wats_queue_list(&items, &n, d->queue, mask ? mask : WATS_QUEUE_MASK_ALL, 0,
				    limit ? limit : 100, 0)) {
			snprintf(ebuf, elen, "%s", wats_error_last()->message);
			*err = ebuf;
			return NULL;
		}
		json_object *arr = json_object_new_array();
		for (size_t i = 0; i < n; i++) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "id", json_object_new_string(items[i]->id));
			json_object_object_add(o, "state", json_object_new_string(wats_queue_state_name(items[i]->state)));
			json_object_object_add(o, "attempts", json_object_new_int((int)items[i]->attempts));
			json_object_object_add(o, "priority", json_object_new_int(items[i]->priority));
			json_object_object_add(o, "source", json_object_new_string(items[i]->source));
			json_object_object_add(o, "converter", json_object_new_string(items[i]->converter));
			json_object_object_add(o, "correlation_id", json_object_new_string(items[i]->correlation_id));
			json_object_object_add(o, "last_error", json_object_new_string(items[i]->last_error));
			json_object_object_add(o, "http_status", json_object_new_int(items[i]->http_status));
			json_object_object_add(o, "created_ms", json_object_new_int64(items[i]->created_ms));
			json_object_object_add(o, "sent_ms", json_object_new_int64(items[i]->sent_ms));
			json_object_array_add(arr, o);
		}
		wats_queue_items_free(items, n);
		return arr;
	}
	if (!strcmp(cmd, "queue.retry") || !strcmp(cmd, "queue.purge")) {
		size_t n = 0;
		int rc;
		if (cmd[6] == 'r')
			rc = wats_queue_retry(&n, d->queue, id, mask);
		else if (!id && !mask)
			rc = 1;
		else
			rc = wats_queue_purge(&n, d->queue, id, mask);
		if (rc) {
			snprintf(ebuf, elen, "%s", rc == 1 ? "purge needs a report id or a state"
							    : wats_error_last()->message);
			*err = ebuf;
			return NULL;
		}
		watsd_wake_uploaders(d);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "count", json_object_new_int64((int64_t)n));
		return o;
	}
	snprintf(ebuf, elen, "unknown command \"%.40s\" (status, queue.list, queue.status, queue.retry, "
		 "queue.purge, pause, resume, reload, stop)", cmd);
	*err = ebuf;
	return NULL;
}

static void answer(int fd, json_object *req_id, json_object *result, const char *err)
{
	json_object *a = json_object_new_object();
	json_object_object_add(a, "v", json_object_new_int(CTL_VERSION));
	json_object_object_add(a, "id", req_id ? json_object_get(req_id) : NULL);
	json_object_object_add(a, "ok", json_object_new_boolean(err == NULL));
	if (err)
		json_object_object_add(a, "error", json_object_new_string(err));
	else
		json_object_object_add(a, "result", result);
	const char *s = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s);
	/* Best effort, bounded: a client that does not read is not worth blocking for. */
	size_t off = 0;
	int64_t until = watsd_mono_ms() + 2000;
	while (off < len && watsd_mono_ms() < until) {
		ssize_t w = send(fd, s + off, len - off, MSG_NOSIGNAL);
		if (w > 0)
			off += (size_t)w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR)
			break;
		else {
			struct pollfd p = { fd, POLLOUT, 0 };
			poll(&p, 1, 50);
		}
	}
	if (off == len)
		(void)send(fd, "\n", 1, MSG_NOSIGNAL);
	json_object_put(a);
}

static void handle_line(watsd *d, client *c, char *line)
{
	int64_t now = watsd_mono_ms();
	if (now - c->window_ms >= 1000) {
		c->window_ms = now;
		c->in_window = 0;
	}
	if (++c->in_window > RATE_PER_S) {
		answer(c->fd, NULL, NULL, "rate limit: at most 20 requests per second");
		return;
	}
	json_object *req = json_tokener_parse(line), *v = NULL, *idv = NULL;
	if (!req || !json_object_is_type(req, json_type_object)) {
		answer(c->fd, NULL, NULL, "not a JSON object");
		json_object_put(req);
		return;
	}
	json_object_object_get_ex(req, "id", &idv);
	if (json_object_object_get_ex(req, "v", &v) && json_object_get_int(v) != CTL_VERSION) {
		answer(c->fd, idv, NULL, "unsupported protocol version (this watsd speaks 1)");
		json_object_put(req);
		return;
	}
	const char *err = NULL;
	char ebuf[600];
	json_object *r = run(d, req, &err, ebuf, sizeof(ebuf));
	answer(c->fd, idv, r, err);
	json_object_put(req);
}

static void drop_client(client *c)
{
	close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void *watsd_control_thread(void *arg)
{
	watsd *d = arg;
	client cl[MAX_CLIENTS];
	for (int i = 0; i < MAX_CLIENTS; i++) {
		memset(&cl[i], 0, sizeof(cl[i]));
		cl[i].fd = -1;
	}
	if (listen_fd < 0) { /* no socket (logged at start): not a dead worker */
		atomic_fetch_sub(&d->threads_expected, 1);
		watsd_thread_retire();
	}
	while (!atomic_load(&d->stopping) && listen_fd >= 0) {
		struct pollfd p[MAX_CLIENTS + 1];
		int map[MAX_CLIENTS + 1], n = 0;
		p[n] = (struct pollfd){ listen_fd, POLLIN, 0 };
		map[n++] = -1;
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (cl[i].fd >= 0) {
				p[n] = (struct pollfd){ cl[i].fd, POLLIN, 0 };
				map[n++] = i;
			}
		poll(p, (nfds_t)n, 200);
		int64_t now = watsd_mono_ms();
		if (p[0].revents & POLLIN) {
			int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd >= 0) {
				struct ucred cr;
				socklen_t cl_len = sizeof(cr);
				int slot = -1;
				for (int i = 0; i < MAX_CLIENTS; i++)
					if (cl[i].fd < 0) {
						slot = i;
						break;
					}
				if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl_len) != 0 ||
				    (cr.uid != geteuid() && cr.uid != 0)) {
					watsd_log(WATS_LOG_WARNING, NULL, "control socket: refused a client of uid %d",
						  (int)cr.uid);
					answer(fd, NULL, NULL, "permission denied: not the service's user");
					close(fd);
				} else if (slot < 0) {
					answer(fd, NULL, NULL, "busy: too many control clients");
					close(fd);
				} else {
					cl[slot].fd = fd;
					cl[slot].last_ms = now;
					cl[slot].line_start_ms = 0;
				}
			}
		}
		for (int k = 1; k < n; k++) {
			client *c = &cl[map[k]];
			if (p[k].revents & (POLLIN | POLLHUP | POLLERR)) {
				char buf[4096];
				ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
				if (r <= 0) {
					if (r == 0 || (errno != EAGAIN && errno != EINTR))
						drop_client(c);
					continue;
				}
				c->last_ms = now;
				for (ssize_t i = 0; i < r && c->fd >= 0; i++) {
					if (buf[i] == '\n') {
						if (c->buf) {
							c->buf[c->len] = '\0';
							handle_line(d, c, c->buf);
						}
						c->len = 0;
						c->line_start_ms = 0;
						continue;
					}
					if (!c->line_start_ms)
						c->line_start_ms = now;
					if (c->len + 2 > MAX_LINE) {
						answer(c->fd, NULL, NULL, "request line longer than 64 KiB");
						drop_client(c);
						break;
					}
					if (!c->buf)
						c->buf = malloc(MAX_LINE);
					if (!c->buf) {
						drop_client(c);
						break;
					}
					c->buf[c->len++] = buf[i];
				}
			}
		}
		for (int i = 0; i < MAX_CLIENTS; i++) {
			client *c = &cl[i];
			if (c->fd < 0)
				continue;
			if (c->line_start_ms && now - c->line_start_ms > LINE_TIMEOUT_MS) {
				answer(c->fd, NULL, NULL, "timeout: a request line must arrive within 5 s");
				drop_client(c);
			} else if (now - c->last_ms > IDLE_TIMEOUT_MS) {
				drop_client(c);
			}
		}
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (cl[i].fd >= 0)
			drop_client(&cl[i]);
	if (listen_fd >= 0) {
		close(listen_fd);
		unlink(sock_path);
		listen_fd = -1;
	}
	return NULL;
}
