/* A small libcurl client for the dev server tests: one call = one request, fresh connection
 * unless a shared handle is given. */
#ifndef WATS_TEST_DS_HTTP_H
#define WATS_TEST_DS_HTTP_H

#include <stddef.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "devserver.h"

typedef struct th_resp {
	long status;        /* 0 when the transfer failed */
	CURLcode curl;      /* CURLE_OK, or why the transfer failed (reset, timeout...) */
	char *body;         /* NUL-terminated */
	size_t len;
	char *headers;      /* raw response header lines, NUL-terminated */
	double seconds;     /* total time */
} th_resp;

#define TH_NO_AUTH ((const char *)1)   /* send no Authorization header */

/*
 * method + path (with query, already escaped) against the server. body may be NULL.
 * auth: NULL = "Basic <server token>", TH_NO_AUTH = none, else the whole header value.
 */
th_resp th_request(const tu_devserver *s, const char *method, const char *path,
		   const char *body, size_t len, const char *content_type, const char *auth);
/* GET / POST JSON / PUT JSON / DELETE with the right token. */
th_resp th_get(const tu_devserver *s, const char *path);
th_resp th_post(const tu_devserver *s, const char *path, const char *json);
th_resp th_put(const tu_devserver *s, const char *path, const char *json);
th_resp th_delete(const tu_devserver *s, const char *path);
void th_free(th_resp *r);
/* The body parsed as JSON; fails the test when it is not JSON. Release with json_object_put. */
json_object *th_json(const th_resp *r);
/* Value of a response header (case-insensitive name) into buf; NULL when absent. */
const char *th_header(const th_resp *r, const char *name, char *buf, size_t size);
/* URL-escape a query value (curl_easy_escape); free with curl_free. */
char *th_escape(const char *s);
/* String member of a JSON object, or NULL. */
const char *th_str(json_object *o, const char *key);
/* Assert the response has this status and, for errors, a JSON body with a "message". */
void th_expect(const th_resp *r, long status);

#endif
