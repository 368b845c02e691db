/* /api/App/Version, /api/App/Processes and small fixed answers. */
#include "handlers.h"

#include <string.h>

/* The operations a fresh WATS installation has, enough for stations and for UnitVerification. */
static const struct {
	int code;
	const char *name;
	int test, repair, wip;
} processes[] = {
	{ 10, "SW Debug", 1, 0, 0 },
	{ 50, "PCBA test", 1, 0, 0 },
	{ 90, "Burn In test", 1, 0, 0 },
	{ 100, "End of line test", 1, 0, 0 },
	{ 200, "Final Function test", 1, 0, 0 },
	{ 300, "Assembly", 0, 0, 1 },
	{ 500, "Repair", 0, 1, 0 },
	{ 510, "RMA Repair", 0, 1, 0 },
};

#define NPROC (sizeof(processes) / sizeof(processes[0]))

const char *ds_process_name(int64_t code)
{
	for (size_t i = 0; i < NPROC; i++)
		if (processes[i].code == code)
			return processes[i].name;
	return NULL;
}

int h_app_version(ds_req *r)
{
	/* pyWATS turns any JSON scalar into a string; the real server answers a version string. */
	ds_reply_json(r, 200, json_object_new_string("2025.1.0 (" DS_VERSION_STRING ")"));
	return 0;
}

static int flag(ds_req *r, const char *key)
{
	const char *v = ds_query(r, key);
	return v && (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "1"));
}

int h_app_processes(ds_req *r)
{
	int t = flag(r, "includeTestOperations"), rp = flag(r, "includeRepairOperations"),
	    w = flag(r, "includeWipOperations");
	int all = !t && !rp && !w;
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < NPROC; i++) {
		if (!all && !((t && processes[i].test) || (rp && processes[i].repair) ||
			      (w && processes[i].wip)))
			continue;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "code", json_object_new_int(processes[i].code));
		json_object_object_add(o, "name", json_object_new_string(processes[i].name));
		json_object_object_add(o, "description", json_object_new_string(processes[i].name));
		json_object_object_add(o, "isTestOperation", json_object_new_boolean(processes[i].test));
		json_object_object_add(o, "isRepairOperation",
				       json_object_new_boolean(processes[i].repair));
		json_object_object_add(o, "isWipOperation", json_object_new_boolean(processes[i].wip));
		json_object_object_add(o, "processIndex", json_object_new_int((int)i));
		json_object_object_add(o, "state", json_object_new_int(1));
		json_object_array_add(arr, o);
	}
	ds_reply_json(r, 200, arr);
	return 0;
}

int h_true(ds_req *r)
{
	ds_reply_bool(r, 1);
	return 0;
}

int h_empty_list(ds_req *r)
{
	ds_reply_json(r, 200, json_object_new_array());
	return 0;
}

/* A dev server has one organisation level; WATS lists its configured levels here. */
int h_app_levels(ds_req *r)
{
	json_object *arr = json_object_new_array(), *o = json_object_new_object();
	json_object_object_add(o, "levelId", json_object_new_int(1));
	json_object_object_add(o, "levelName", json_object_new_string("Default"));
	json_object_array_add(arr, o);
	ds_reply_json(r, 200, arr);
	return 0;
}

/* The product groups created with PUT /api/Product/Group (includeFilters is ignored). */
int h_app_product_groups(ds_req *r)
{
	return h_product_groups(r);
}
