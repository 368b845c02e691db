/*
 * A scripted HTTP/1.1 server on 127.0.0.1 for the client's unit tests: it answers the scripted
 * replies in order (then 200 "{}"), keeps connections alive, and records what it received.
 * It lets the retry, Retry-After, breaker and timeout paths be tested exactly, with counts,
 * independent of the dev server (which the integration tests use).
 */
#ifndef WATS_TEST_MINISERVER_H
#define WATS_TEST_MINISERVER_H

typedef struct ms_reply {
	int status;            /* 0 = close the connection without answering (a reset) */
	const char *headers;   /* extra header lines, each ending "\r\n", or NULL */
	const char *body;      /* NULL = "{}" */
	int delay_ms;          /* wait before answering */
} ms_reply;

typedef struct ms_server ms_server;

/* Start on a free port; base URL in ms_url(). Fails the test on error. */
ms_server *ms_start(void);
void ms_stop(ms_server *s);
const char *ms_url(ms_server *s);
/* Replace the script (copied pointers: keep strings static). */
void ms_script(ms_server *s, const ms_reply *replies, int n);
/* Requests received so far, and connections accepted. */
int ms_requests(ms_server *s);
int ms_connections(ms_server *s);
/* The raw head (request line + headers) of request i (0-based), copied into dst. */
void ms_request_head(ms_server *s, int i, char *dst, int cap);
/* Body of request i (as text), copied into dst. */
void ms_request_body(ms_server *s, int i, char *dst, int cap);
/* Body length of request i. */
long ms_request_body_len(ms_server *s, int i);
void ms_reset_counts(ms_server *s);

#endif
