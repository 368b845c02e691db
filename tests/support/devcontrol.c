#include "devcontrol.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "testutil.h"

char *tu_dev_request(wats_client *c, const char *method, const char *path, const char *body)
{
	wats_request r = WATS_REQUEST_INIT;
	r.method = method;
	r.path = path;
	r.body = body;
	r.body_len = body ? strlen(body) : 0;
	r.flags = WATS_REQ_NO_RETRY | WATS_REQ_KEEP_CACHE;
	wats_response *resp = NULL;
	if (wats_client_request(&resp, c, &r))
		fail_msg("%s %s: %s", method, path, wats_error_last()->message);
	char *text = strdup(resp->body);
	wats_response_free(resp);
	return text;
}

void tu_dev_faults(wats_client *c, const char *json)
{
	free(tu_dev_request(c, "POST", "/_dev/faults", json));
}

void tu_dev_clear_faults(wats_client *c)
{
	free(tu_dev_request(c, "DELETE", "/_dev/faults", NULL));
}

long tu_dev_stat(wats_client *c, const char *key)
{
	char *text = tu_dev_request(c, "GET", "/_dev/stats", NULL);
	json_object *j = json_tokener_parse(text), *v;
	long n = -1;
	if (json_object_object_get_ex(j, key, &v))
		n = (long)json_object_get_int64(v);
	json_object_put(j);
	free(text);
	return n;
}
