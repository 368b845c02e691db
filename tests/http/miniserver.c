#include "miniserver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define MAX_SCRIPT 64
#define MAX_LOG 256
#define MAX_CONNS 32

struct ms_server {
	int lfd;
	int port;
	char url[64];
	pthread_t thr;
	atomic_int stop;
	pthread_mutex_t lock;
	ms_reply script[MAX_SCRIPT];
	int n_script, next;
	int n_requests, n_conns;
	char *heads[MAX_LOG];
	char *bodies[MAX_LOG];
	long body_len[MAX_LOG];
};

typedef struct {
	int fd;
	char buf[1 << 20];
	size_t len;
} conn;

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Handle complete requests in c->buf. Returns -1 when the connection must be closed. */
static int serve_ready(ms_server *s, conn *c)
{
	for (;;) {
		c->buf[c->len] = '\0';
		char *eoh = strstr(c->buf, "\r\n\r\n");
		if (!eoh)
			return 0;
		size_t head = (size_t)(eoh - c->buf) + 4;
		long clen = 0;
		for (char *p = c->buf; p && p < eoh; p = strstr(p, "\r\n")) {
			if (*p == '\r')
				p += 2;
			if (!strncasecmp(p, "Content-Length:", 15))
				clen = atol(p + 15);
		}
		if (c->len < head + (size_t)clen)
			return 0;
		pthread_mutex_lock(&s->lock);
		int i = s->n_requests++;
		if (i < MAX_LOG) {
			s->heads[i] = strndup(c->buf, head);
			s->bodies[i] = strndup(c->buf + head, (size_t)clen);
			s->body_len[i] = clen;
		}
		ms_reply r = { 200, NULL, NULL, 0 };
		if (s->next < s->n_script)
			r = s->script[s->next++];
		pthread_mutex_unlock(&s->lock);
		memmove(c->buf, c->buf + head + clen, c->len - head - (size_t)clen);
		c->len -= head + (size_t)clen;
		if (r.delay_ms)
			sleep_ms(r.delay_ms);
		if (r.status == 0)
			return -1;
		const char *body = r.body ? r.body : "{}";
		char out[8192];
		int n = snprintf(out, sizeof(out),
				 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n%s",
				 r.status, strlen(body), r.headers ? r.headers : "", body);
		if (write(c->fd, out, (size_t)n) != n)
			return -1;
	}
}

static void *run(void *arg)
{
	ms_server *s = arg;
	conn *conns[MAX_CONNS];
	struct pollfd pfd[MAX_CONNS + 1];
	int n = 0;
	while (!s->stop) {
		pfd[0].fd = s->lfd;
		pfd[0].events = POLLIN;
		for (int i = 0; i < n; i++) {
			pfd[i + 1].fd = conns[i]->fd;
			pfd[i + 1].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n + 1, 50) <= 0)
			continue;
		for (int i = n - 1; i >= 0; i--) {
			if (!(pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			conn *c = conns[i];
			ssize_t got = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
			if (got > 0)
				c->len += (size_t)got;
			if (got <= 0 || serve_ready(s, c) < 0) {
				close(c->fd);
				free(c);
				conns[i] = conns[--n];
			}
		}
		if ((pfd[0].revents & POLLIN) && n < MAX_CONNS) {
			int fd = accept(s->lfd, NULL, NULL);
			if (fd >= 0) {
				conn *c = calloc(1, sizeof(*c));
				c->fd = fd;
				conns[n++] = c;
				pthread_mutex_lock(&s->lock);
				s->n_conns++;
				pthread_mutex_unlock(&s->lock);
			}
		}
	}
	for (int i = 0; i < n; i++) {
		close(conns[i]->fd);
		free(conns[i]);
	}
	return NULL;
}

ms_server *ms_start(void)
{
	ms_server *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	pthread_mutex_init(&s->lock, NULL);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	int one = 1;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	getsockname(s->lfd, (struct sockaddr *)&a, &al);
	s->port = ntohs(a.sin_port);
	assert_int_equal(listen(s->lfd, 64), 0);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
	assert_int_equal(pthread_create(&s->thr, NULL, run, s), 0);
	return s;
}

void ms_stop(ms_server *s)
{
	if (!s)
		return;
	s->stop = 1;
	pthread_join(s->thr, NULL);
	close(s->lfd);
	for (int i = 0; i < MAX_LOG; i++) {
		free(s->heads[i]);
		free(s->bodies[i]);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

const char *ms_url(ms_server *s) { return s->url; }

void ms_script(ms_server *s, const ms_reply *replies, int n)
{
	pthread_mutex_lock(&s->lock);
	s->n_script = n < MAX_SCRIPT ? n : MAX_SCRIPT;
	if (s->n_script)
		memcpy(s->script, replies, sizeof(*replies) * (size_t)s->n_script);
	s->next = 0;
	pthread_mutex_unlock(&s->lock);
}

int ms_requests(ms_server *s)
{
	pthread_mutex_lock(&s->lock);
	int n = s->n_requests;
	pthread_mutex_unlock(&s->lock);
	return n;
}

int ms_connections(ms_server *s)
{
	pthread_mutex_lock(&s->lock);
	int n = s->n_conns;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void ms_request_head(ms_server *s, int i, char *dst, int cap)
{
	pthread_mutex_lock(&s->lock);
	snprintf(dst, (size_t)cap, "%s", i < MAX_LOG && s->heads[i] ? s->heads[i] : "");
	pthread_mutex_unlock(&s->lock);
}

long ms_request_body_len(ms_server *s, int i)
{
	pthread_mutex_lock(&s->lock);
	long n = i < MAX_LOG ? s->body_len[i] : -1;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void ms_reset_counts(ms_server *s)
{
	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < MAX_LOG; i++) {
		free(s->heads[i]);
		free(s->bodies[i]);
		s->heads[i] = s->bodies[i] = NULL;
	}
	s->n_requests = 0;
	s->n_conns = 0;
	pthread_mutex_unlock(&s->lock);
}

void ms_request_body(ms_server *s, int i, char *dst, int cap)
{
	pthread_mutex_lock(&s->lock);
	snprintf(dst, (size_t)cap, "%s", i < MAX_LOG && s->bodies[i] ? s->bodies[i] : "");
	pthread_mutex_unlock(&s->lock);
}
