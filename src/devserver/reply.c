/* Building responses and reading request parameters; every body is JSON. */
#include "devserver.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_TYPE "application/json; charset=utf-8"

void ds_reply_raw(ds_req *r, int status, const char *content_type, const void *data, size_t len)
{
	if (r->resp)
		MHD_destroy_response(r->resp);
	r->resp = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	r->status = status;
	if (r->resp && content_type)
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
}

void ds_reply_json(ds_req *r, int status, json_object *obj)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	ds_reply_raw(r, status, JSON_TYPE, s, len);
	json_object_put(obj);
}

void ds_reply_error(ds_req *r, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "message", json_object_new_string(msg));
	ds_reply_json(r, status, o);
}

void ds_reply_bool(ds_req *r, int value)
{
	ds_reply_json(r, 200, json_object_new_boolean(value));
}

void ds_reply_header(ds_req *r, const char *name, const char *value)
{
	if (r->resp)
		MHD_add_response_header(r->resp, name, value);
}

const char *ds_query(ds_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *ds_query_required(ds_req *r, const char *key)
{
	const char *v = ds_query(r, key);
	if (!v || !*v)
		ds_reply_error(r, 400, "query parameter '%s' is required for %s %s", key, r->method,
			       r->route ? r->route->pattern : r->path);
	return v && *v ? v : NULL;
}

int ds_query_long(ds_req *r, const char *key, long def, long min, long max, long *out)
{
	const char *v = ds_query(r, key);
	*out = def;
	if (!v || !*v)
		return 0;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max) {
		ds_reply_error(r, 400, "query parameter '%s' must be an integer from %ld to %ld, got "
			       "'%s'", key, min, max, v);
		return -1;
	}
	*out = n;
	return 0;
}

json_object *ds_body_json(ds_req *r, json_type want)
{
	json_tokener *tok = json_tokener_new_ex(r->srv->cfg.max_depth);
	if (!tok) {
		ds_reply_error(r, 500, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *o = json_tokener_parse_ex(tok, r->body.ptr ? r->body.ptr : "", (int)r->body.len);
	enum json_tokener_error err = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!r->body.len) {
		ds_reply_error(r, 400, "%s %s needs a JSON body", r->method, r->route->pattern);
		json_object_put(o);
		return NULL;
	}
	if (!o || err != json_tokener_success) {
		ds_reply_error(r, 400, "request body is not valid JSON at byte %zu: %s", end,
			       err == json_tokener_continue ? "unexpected end of input"
							    : json_tokener_error_desc(err));
		json_object_put(o);
		return NULL;
	}
	while (end < r->body.len && strchr(" \t\r\n", r->body.ptr[end]))
		end++;
	if (end != r->body.len) {
		ds_reply_error(r, 400, "request body has data after the JSON value at byte %zu", end);
		json_object_put(o);
		return NULL;
	}
	if (json_object_get_type(o) != want) {
		ds_reply_error(r, 400, "request body must be a JSON %s",
			       want == json_type_array ? "array" : "object");
		json_object_put(o);
		return NULL;
	}
	return o;
}
