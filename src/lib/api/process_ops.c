/* Processes (operation types). The list is static data: the client caches it (TTL), so a test
 * program may ask for it before every report without a round trip. */
#include <stdlib.h>
#include <string.h>

#include "api/json_util.h"
#include "wats/api.h"
#include "util/error.h"

void wats_process_list_free(wats_process_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++) {
		free(l->items[i].name);
		free(l->items[i].description);
	}
	free(l->items);
	free(l);
}

const wats_process *wats_process_find(const wats_process_list *l, int code)
{
	for (size_t i = 0; l && i < l->count; i++)
		if (l->items[i].code == code)
			return &l->items[i];
	return NULL;
}

int wats_api_get_processes(wats_process_list **out, wats_client *c)
{
	if (out)
		*out = NULL;
	if (!out || !c)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "get processes: NULL argument");
	wats_response *r = NULL;
	json_object *j = NULL;
	int rc = wats_call(&r, c, "analytics.get_processes", NULL, 0, NULL, 0);
	rc = rc ? rc : wats__json_parse(&j, r, "processes");
	if (rc == 0 && (!j || !json_object_is_type(j, json_type_array)))
		rc = wats__error(WATS_EPARSE, WATS_ERRCLASS_JSON, "processes: expected a list");
	wats_process_list *l = NULL;
	size_t n = rc ? 0 : json_object_array_length(j);
	if (rc == 0 && (!(l = calloc(1, sizeof(*l))) || (n && !(l->items = calloc(n, sizeof(*l->items))))))
		rc = wats__error_oom();
	for (size_t i = 0; rc == 0 && i < n; i++) {
		json_object *o = json_object_array_get_idx(j, i);
		wats_process *p = &l->items[l->count++];
		p->code = wats__jint(o, "code", "Code", 0);
		p->name = wats__jstr(o, "name", "Name");
		p->description = wats__jstr(o, "description", "Description");
		p->is_test = wats__jbool(o, "isTestOperation", "IsTestOperation");
		p->is_repair = wats__jbool(o, "isRepairOperation", "IsRepairOperation");
		p->is_wip = wats__jbool(o, "isWipOperation", "IsWIPOperation");
	}
	if (rc == 0)
		*out = l;
	else
		wats_process_list_free(l);
	json_object_put(j);
	wats_response_free(r);
	return rc;
}
