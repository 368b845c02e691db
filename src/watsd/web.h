/* The web configurator's side of watsd's HTTP server (docs/web.md): the request a handler
 * gets, sessions and their checks (web_auth.c), the /api handlers (web_api.c). */
#ifndef WATSD_WEB_H
#define WATSD_WEB_H

#include <json-c/json.h>
#include <microhttpd.h>

#include "watsd.h"

typedef struct watsd_req {
	watsd *d;
	struct MHD_Connection *conn;
	const char *method, *path;
	const char *body;      /* request body (NUL-terminated), body_len bytes */
	size_t body_len;
	int status;
	char *out;             /* answer (malloc), Content-Type below */
	size_t out_len;
	const char *type;
	const char *allow;     /* for 405 */
	int auth_challenge;    /* add WWW-Authenticate */
	char cookie[160];      /* Set-Cookie value, "" = none */
	char csrf[65];         /* the session's CSRF token once checked */
	long retry_after_s;    /* > 0: Retry-After */
} watsd_req;

void watsd_reply_json(watsd_req *r, int status, json_object *o);
void watsd_reply_error(watsd_req *r, int status, const char *msg);
/* A query argument or NULL. */
const char *watsd_req_arg(watsd_req *r, const char *name);
/* The body as a JSON object; NULL after a 400 answer. An empty body is {}. */
json_object *watsd_req_json(watsd_req *r);

/* web_auth.c */
int watsd_web_key_equal(const char *given, const char *want);
/* An API key presented to a scripted route, under the login's wrong-key delay: 1 right; 0
 * wrong (logged with the peer; the delay doubles); -1 not considered while a delay runs
 * (r->retry_after_s set). */
int watsd_web_key_try(watsd_req *r, const char *given, const char *want);
/* 1 when the request carries a live session (its CSRF token copied to r->csrf). */
int watsd_web_session(watsd_req *r);
/* Origin (when present) names the Host: 1 ok, 0 not (403 answered). */
int watsd_web_origin_ok(watsd_req *r);
/* X-CSRF-Token equals the session's: 1 ok, 0 not (403 answered). */
int watsd_web_csrf_ok(watsd_req *r);
void watsd_web_login(watsd_req *r);
void watsd_web_logout(watsd_req *r);

/* web_api.c: every /api route; 0 when the path is not one (404 by the caller). */
int watsd_web_dispatch(watsd_req *r);

#endif
