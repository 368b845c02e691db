/* Shared by the web API's files (web_api.c, web_api_run.c). */
#ifndef WATSD_WEB_API_H
#define WATSD_WEB_API_H

#include "web.h"

/* UTC ms as ISO 8601 ("" for 0). */
void watsd_web_iso(char *out, size_t size, int64_t ms);
/* A fresh client (no retry, breaker or cache; at most 10 s) from the saved config, with the
 * url/token overrides (NULL: the config's). The saved token is not used with a url other
 * than the saved one (*token_withheld, may be NULL, says so). */
int watsd_web_client(wats_client **out, watsd *d, const char *url, const char *token,
		     int *token_withheld);

/* web_api_run.c */
void watsd_web_test_convert(watsd_req *r);
void watsd_web_dashboard(watsd_req *r);
void watsd_web_queue_list(watsd_req *r);
void watsd_web_queue_item(watsd_req *r);
void watsd_web_queue_retry(watsd_req *r);
void watsd_web_queue_purge(watsd_req *r);

#endif
