/* Report lifecycle and the header API. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "util/base64.h"
#include "util/error.h"
#include "util/timefmt.h"
#include "util/utf8.h"
#include "util/uuid.h"

wats_report *wats__report_alloc(size_t first_block)
{
	wats_report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	wats__arena_init(&r->arena, first_block);
	return r;
}

wats_report *wats__report_of(const wats_node *n)
{
	while (n->parent)
		n = n->parent;
	return (wats_report *)((char *)n - offsetof(wats_report, top));
}

void wats_report_free(wats_report *report)
{
	if (!report)
		return;
	wats__arena_dispose(&report->arena);
	free(report);
}

size_t wats_report_memory(const wats_report *report)
{
	return report ? wats__arena_used(&report->arena) + sizeof(*report) : 0;
}

/* ---- builder ------------------------------------------------------------------------------ */

wats_node *wats__build_begin(wats_obj_builder *b, wats_report *r, wats_node_kind kind)
{
	b->r = r;
	b->last = NULL;
	b->obj = wats__node_new(r, kind);
	return b->obj;
}

wats_node *wats__build_member(wats_obj_builder *b, int key_id, wats_node_kind kind)
{
	wats_node *n = wats__node_new(b->r, kind);
	if (!n)
		return NULL;
	n->key_id = (uint16_t)(key_id + 1);
	n->parent = b->obj;
	if (b->last)
		b->last->next = n;
	else
		b->obj->u.first = n;
	b->last = n;
	b->obj->len++;
	return n;
}

int wats__build_static(wats_obj_builder *b, int key_id, const char *text)
{
	wats_node *n = wats__build_member(b, key_id, WATS_NODE_STRING);
	if (!n)
		return wats__failed();
	n->u.str = text;
	n->len = (uint32_t)strlen(text);
	return 0;
}

int wats__build_str(wats_obj_builder *b, int key_id, const char *text)
{
	size_t len = text ? strlen(text) : 0;
	if (text && !wats__utf8_valid(text, len))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "%s is not valid UTF-8 (convert the text before passing it)", WATS_KEY(key_id));
	wats_node *n = wats__build_member(b, key_id, text ? WATS_NODE_STRING : WATS_NODE_NULL);
	if (!n)
		return wats__failed();
	if (text) {
		n->u.str = wats__arena_strndup(&b->r->arena, text, len);
		if (!n->u.str)
			return wats__error_oom();
		n->len = (uint32_t)len;
	}
	return 0;
}

int wats__build_num(wats_obj_builder *b, int key_id, double v)
{
	if (v != v || v - v != 0) /* NaN or infinite: WATS writes these as strings */
		return wats__build_static(b, key_id, v != v ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
	wats_node *n = wats__build_member(b, key_id, WATS_NODE_NUMBER);
	if (!n)
		return wats__failed();
	n->flags |= WATS_NF_NUM_DOUBLE;
	n->u.num = v;
	return 0;
}

/* ---- create ------------------------------------------------------------------------------- */

static int add_root(wats_report *r)
{
	wats_obj_builder b;
	if (!wats__build_begin(&b, r, WATS_NODE_OBJECT))
		return wats__failed();
	if (wats__build_static(&b, WATS_K_stepType, "SequenceCall") < 0 ||
	    wats__build_static(&b, WATS_K_name, "MainSequence Callback") < 0 ||
	    wats__build_static(&b, WATS_K_group, "M") < 0 ||
	    wats__build_static(&b, WATS_K_status, "P") < 0 ||
	    !wats__build_member(&b, WATS_K_steps, WATS_NODE_ARRAY))
		return wats__failed();
	b.obj->key_id = WATS_K_root + 1;
	wats__node_append(r, r->doc, b.obj);
	return 0;
}

int wats_report_new(wats_report **out, wats_report_type type)
{
	if (!out || (type != WATS_REPORT_UUT && type != WATS_REPORT_UUR))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_report_new: type must be WATS_REPORT_UUT or WATS_REPORT_UUR");
	*out = NULL;
	wats_report *r = wats__report_alloc(0);
	if (!r)
		return wats__error_oom();
	r->doc = &r->top;
	r->top.kind = WATS_NODE_OBJECT;
	char id[37];
	if (wats__uuid_v4(id) < 0) {
		wats_report_free(r);
		return wats__error(WATS_EIO, WATS_ERRCLASS_OS, "no random source for a report id");
	}
	time_t now;
	int ms, off;
	wats__time_now(&now, &ms, &off);
	char start[48];
	wats__time_format(start, sizeof(start), now, ms, off);

	/* Key order as the WATS server and pyWATS write it; required fields start as null so that
	 * validation names whatever the caller forgot. */
	wats_node *d = r->doc;
	int rc = 0;
	rc |= wats__obj_set_str(r, d, WATS_K_id, id);
	rc |= wats__obj_set_str(r, d, WATS_K_type, type == WATS_REPORT_UUT ? "T" : "R");
	rc |= wats__obj_set_str(r, d, WATS_K_pn, NULL);
	rc |= wats__obj_set_str(r, d, WATS_K_sn, NULL);
	rc |= wats__obj_set_str(r, d, WATS_K_rev, NULL);
	rc |= wats__obj_put(r, d, WATS_K_processCode, WATS_NODE_NULL) ? 0 : wats__failed();
	rc |= wats__obj_set_str(r, d, WATS_K_result, "P");
	rc |= wats__obj_set_str(r, d, WATS_K_machineName, NULL);
	rc |= wats__obj_set_str(r, d, WATS_K_location, NULL);
	rc |= wats__obj_set_str(r, d, WATS_K_purpose, NULL);
	rc |= wats__obj_set_str(r, d, WATS_K_start, start);
	wats_node *info = wats__obj_put(r, d, type == WATS_REPORT_UUT ? WATS_K_uut : WATS_K_uur,
					WATS_NODE_OBJECT);
	rc |= info ? wats__obj_set_str(r, info, WATS_K_user, "") : WATS_ENOMEM;
	rc |= wats__obj_put(r, d, WATS_K_subUnits, WATS_NODE_ARRAY) ? 0 : wats__failed();
	rc |= wats__obj_put(r, d, WATS_K_miscInfos, WATS_NODE_ARRAY) ? 0 : wats__failed();
	if (type == WATS_REPORT_UUT)
		rc |= add_root(r);
	if (rc) {
		wats_report_free(r);
		return wats__error_oom();
	}
	*out = r;
	return 0;
}

/* ---- header ------------------------------------------------------------------------------- */

wats_report_type wats_report_get_type(const wats_report *report)
{
	const char *t = report ? wats__obj_str(report->doc, WATS_K_type) : NULL;
	if (t && t[0] == 'R' && !t[1])
		return WATS_REPORT_UUR;
	/* A report without "type" but with a "uur" block is a repair report too. */
	if (!t && report && wats__obj_get(report->doc, WATS_K_uur))
		return WATS_REPORT_UUR;
	return WATS_REPORT_UUT;
}

wats_report_mode wats_report_get_mode(const wats_report *report)
{
	return report ? (wats_report_mode)report->mode : WATS_MODE_IMPORT;
}

void wats_report_set_mode(wats_report *report, wats_report_mode mode)
{
	if (report)
		report->mode = mode == WATS_MODE_ACTIVE ? WATS_MODE_ACTIVE : WATS_MODE_IMPORT;
}

static const char *hdr_get(const wats_report *r, int key)
{
	return r ? wats__obj_str(r->doc, key) : NULL;
}

static int hdr_set(wats_report *r, int key, const char *value)
{
	if (!r)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL report");
	/* By key id: the generic setter would look the key up again and check its UTF-8. */
	return wats__obj_set_str(r, r->doc, key, value);
}

#define HEADER_STRING(fn, key)                                                           \
	const char *wats_report_##fn(const wats_report *report)                          \
	{                                                                                \
		return hdr_get(report, key);                                             \
	}                                                                                \
	int wats_report_set_##fn(wats_report *report, const char *value)                 \
	{                                                                                \
		return hdr_set(report, key, value);                                      \
	}

HEADER_STRING(pn, WATS_K_pn)
HEADER_STRING(sn, WATS_K_sn)
HEADER_STRING(rev, WATS_K_rev)
HEADER_STRING(machine_name, WATS_K_machineName)
HEADER_STRING(location, WATS_K_location)
HEADER_STRING(purpose, WATS_K_purpose)

const char *wats_report_id(const wats_report *report)
{
	return hdr_get(report, WATS_K_id);
}

int wats_report_set_id(wats_report *report, const char *guid)
{
	if (!guid || !wats__uuid_valid(guid, NULL))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "report id '%s' is not a GUID (8-4-4-4-12 hex digits)",
				   guid ? guid : "(null)");
	return hdr_set(report, WATS_K_id, guid);
}

const char *wats_report_start(const wats_report *report)
{
	return hdr_get(report, WATS_K_start);
}

int wats_report_process_code(int *code, const wats_report *report)
{
	int64_t v;
	wats_node *n = report ? wats__obj_get(report->doc, WATS_K_processCode) : NULL;
	if (!n || n->kind != WATS_NODE_NUMBER || wats_node_int(&v, n) < 0 || v < -2147483647 - 1 ||
	    v > 2147483647)
		return wats__error(WATS_ENOTFOUND, WATS_ERRCLASS_REPORT,
				   "processCode is absent or not an integer");
	*code = (int)v;
	return 0;
}

int wats_report_set_process_code(wats_report *report, int code)
{
	if (!report)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL report");
	return wats__obj_set_int(report, report->doc, WATS_K_processCode, code);
}

wats_status wats_report_result(const wats_report *report)
{
	return report ? wats_status_parse(wats__obj_str(report->doc, WATS_K_result)) : WATS_STATUS_NONE;
}

int wats_report_set_result(wats_report *report, wats_status result)
{
	if (!report || result == WATS_STATUS_SKIPPED || !wats__status_letter(result))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "report result must be one of P F D E T");
	wats_node *n = wats__obj_put(report, report->doc, WATS_K_result, WATS_NODE_STRING);
	if (!n)
		return wats__failed();
	n->u.str = wats__status_letter(result);
	n->len = 1;
	n->flags |= WATS_NF_STATUS_SET;
	return 0;
}

int wats_report_set_start(wats_report *report, time_t seconds, int millis, int utc_offset_minutes)
{
	if (!report || millis < 0 || millis > 999 || utc_offset_minutes < -14 * 60 ||
	    utc_offset_minutes > 14 * 60)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "start: millis must be 0..999 and the offset within +-14 hours");
	char buf[48];
	wats__time_format(buf, sizeof(buf), seconds, millis, utc_offset_minutes);
	return hdr_set(report, WATS_K_start, buf);
}

int wats_report_set_start_text(wats_report *report, const char *iso8601)
{
	int has_off = 0;
	if (!iso8601 || wats__time_parse(iso8601, NULL, NULL, NULL, &has_off) < 0)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "start '%s' is not an ISO 8601 time (YYYY-MM-DDTHH:MM:SS[.f]+HH:MM)",
				   iso8601 ? iso8601 : "(null)");
	if (!has_off)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "start '%s' has no UTC offset: add Z or +HH:MM so the server knows the time",
				   iso8601);
	return hdr_set(report, WATS_K_start, iso8601);
}

int wats_report_start_time(time_t *seconds, long *nanos, int *utc_offset_minutes,
			   const wats_report *report)
{
	const char *s = hdr_get(report, WATS_K_start);
	if (!s)
		return wats__error(WATS_ENOTFOUND, WATS_ERRCLASS_REPORT, "the report has no start time");
	if (wats__time_parse(s, seconds, nanos, utc_offset_minutes, NULL) < 0)
		return wats__error(WATS_EPARSE, WATS_ERRCLASS_REPORT, "start '%s' is not an ISO 8601 time", s);
	return 0;
}

wats_node *wats_report_info(wats_report *report)
{
	if (!report)
		return NULL;
	int key = wats_report_get_type(report) == WATS_REPORT_UUR ? WATS_K_uur : WATS_K_uut;
	wats_node *n = wats__obj_get(report->doc, key);
	if (n && n->kind == WATS_NODE_OBJECT)
		return n;
	n = wats__obj_put(report, report->doc, key, WATS_NODE_OBJECT);
	if (n && wats__obj_set_str(report, n, WATS_K_user, "") < 0)
		return NULL;
	return n;
}

const char *wats_report_operator(const wats_report *report)
{
	if (!report)
		return NULL;
	const wats_node *info = wats__obj_get(report->doc, WATS_K_uut);
	if (!info)
		info = wats__obj_get(report->doc, WATS_K_uur);
	return wats__obj_str(info, WATS_K_user);
}

int wats_report_set_operator(wats_report *report, const char *user)
{
	wats_node *info = wats_report_info(report);
	if (!info)
		return report ? WATS_ENOMEM : wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL report");
	return wats_node_set_string(report, info, "user", user);
}

/* An array member of the header, created when missing. */
static wats_node *header_array(wats_report *r, int key)
{
	wats_node *a = wats__obj_get(r->doc, key);
	if (a && a->kind == WATS_NODE_ARRAY)
		return a;
	return wats__obj_put(r, r->doc, key, WATS_NODE_ARRAY);
}

/* Start a fresh object destined for array `arr` (appended by finish()). */
static int finish(wats_report *r, wats_node *arr, wats_obj_builder *b, wats_node **out)
{
	wats__node_append(r, arr, b->obj);
	if (out)
		*out = b->obj;
	return 0;
}

int wats_report_add_misc_info(wats_node **out, wats_report *report, const char *description,
			      const char *text)
{
	if (!report || !description)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "misc info needs a description");
	wats_node *arr = header_array(report, WATS_K_miscInfos);
	wats_obj_builder b;
	if (!arr || !wats__build_begin(&b, report, WATS_NODE_OBJECT) ||
	    wats__build_str(&b, WATS_K_description, description) < 0 ||
	    wats__build_str(&b, WATS_K_text, text) < 0)
		return wats__failed();
	return finish(report, arr, &b, out);
}

/* Highest idx among the sub units, or -1. */
static long max_unit_idx(const wats_node *units)
{
	long best = -1;
	for (const wats_node *u = units ? units->u.first : NULL; u; u = u->next) {
		double v;
		if (wats__obj_num(u, WATS_K_idx, &v) == 0 && v > best)
			best = (long)v;
	}
	return best;
}

int wats_report_add_sub_unit(wats_node **out, wats_report *report, const char *pn, const char *sn,
			     const char *rev, const char *part_type)
{
	if (!report || !pn)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "a sub unit needs a part number");
	wats_node *arr = header_array(report, WATS_K_subUnits);
	wats_obj_builder b;
	if (!arr || !wats__build_begin(&b, report, WATS_NODE_OBJECT) ||
	    wats__build_str(&b, WATS_K_pn, pn) < 0 || wats__build_str(&b, WATS_K_sn, sn ? sn : "") < 0 ||
	    wats__build_str(&b, WATS_K_rev, rev) < 0 ||
	    wats__build_str(&b, WATS_K_partType, part_type ? part_type : "Unknown") < 0)
		return wats__failed();
	if (wats_report_get_type(report) == WATS_REPORT_UUR) {
		/* Index 0 is the main unit; a new part takes the next free index. */
		long idx = max_unit_idx(arr) + 1;
		if (idx == 0)
			idx = 1;
		wats_node *n = wats__build_member(&b, WATS_K_idx, WATS_NODE_NUMBER);
		if (!n)
			return wats__failed();
		n->flags |= WATS_NF_NUM_DOUBLE;
		n->u.num = (double)idx;
		n->flags |= WATS_NF_NUM_INT;
	}
	return finish(report, arr, &b, out);
}

int wats_report_add_asset(wats_node **out, wats_report *report, const char *sn,
			  const char *asset_type, long usage_count)
{
	if (!report || !sn)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "an asset needs a serial number");
	wats_node *arr = header_array(report, WATS_K_assets);
	wats_obj_builder b;
	if (!arr || !wats__build_begin(&b, report, WATS_NODE_OBJECT) ||
	    wats__build_str(&b, WATS_K_sn, sn) < 0)
		return wats__failed();
	if (asset_type && wats__build_str(&b, WATS_K_assetType, asset_type) < 0)
		return wats__failed();
	if (usage_count >= 0) {
		wats_node *n = wats__build_member(&b, WATS_K_usageCount, WATS_NODE_NUMBER);
		if (!n)
			return wats__failed();
		n->flags |= WATS_NF_NUM_DOUBLE | WATS_NF_NUM_INT;
		n->u.num = (double)usage_count;
	}
	return finish(report, arr, &b, out);
}

/* A base64 string member from raw bytes. */
int wats__build_base64(wats_obj_builder *b, int key_id, const void *data, size_t len);
int wats__build_base64(wats_obj_builder *b, int key_id, const void *data, size_t len)
{
	wats_node *n = wats__build_member(b, key_id, WATS_NODE_STRING);
	if (!n)
		return wats__failed();
	size_t enc = wats__base64_len(len);
	char *s = wats__arena_alloc(&b->r->arena, enc + 1);
	if (!s)
		return wats__error_oom();
	n->len = (uint32_t)wats__base64_encode(s, data, len);
	n->u.str = s;
	return 0;
}

int wats_report_add_binary(wats_node **out, wats_report *report, const char *name,
			   const char *content_type, const void *data, size_t len)
{
	if (!report || !name || !content_type || (!data && len))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "binary data needs a name, a content type and data");
	wats_node *arr = header_array(report, WATS_K_binaryData);
	wats_obj_builder b;
	if (!arr || !wats__build_begin(&b, report, WATS_NODE_OBJECT) ||
	    wats__build_str(&b, WATS_K_contentType, content_type) < 0 ||
	    wats__build_base64(&b, WATS_K_data, data, len) < 0 ||
	    wats__build_str(&b, WATS_K_name, name) < 0)
		return wats__failed();
	return finish(report, arr, &b, out);
}

int wats_report_add_additional_data(wats_node **out, wats_report *report, const char *name)
{
	if (!report || !name)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "additional data needs a name");
	wats_node *arr = header_array(report, WATS_K_additionalData);
	wats_obj_builder b;
	if (!arr || !wats__build_begin(&b, report, WATS_NODE_OBJECT) ||
	    wats__build_str(&b, WATS_K_name, name) < 0 ||
	    !wats__build_member(&b, WATS_K_props, WATS_NODE_ARRAY))
		return wats__failed();
	return finish(report, arr, &b, out);
}

/* The UUR sub unit with idx, creating the main unit (idx 0) from the header if needed. */
static wats_node *uur_unit(wats_report *r, int idx)
{
	wats_node *arr = header_array(r, WATS_K_subUnits);
	if (!arr)
		return NULL;
	for (wats_node *u = arr->u.first; u; u = u->next) {
		double v;
		if (wats__obj_num(u, WATS_K_idx, &v) == 0 && (int)v == idx)
			return u;
	}
	if (idx != 0)
		return NULL;
	wats_obj_builder b;
	const char *rev = wats_report_rev(r);
	if (!wats__build_begin(&b, r, WATS_NODE_OBJECT) ||
	    wats__build_str(&b, WATS_K_pn, wats_report_pn(r)) < 0 ||
	    wats__build_str(&b, WATS_K_sn, wats_report_sn(r)) < 0 ||
	    wats__build_str(&b, WATS_K_rev, rev ? rev : "") < 0 ||
	    wats__build_static(&b, WATS_K_partType, "Main") < 0)
		return NULL;
	wats_node *n = wats__build_member(&b, WATS_K_idx, WATS_NODE_NUMBER);
	if (!n)
		return NULL;
	n->flags |= WATS_NF_NUM_DOUBLE | WATS_NF_NUM_INT;
	n->u.num = 0;
	/* The main unit goes first, as the server lists it. */
	b.obj->parent = arr;
	b.obj->next = arr->u.first;
	if (!arr->u.first)
		wats__node_append(r, arr, b.obj);
	else {
		arr->u.first = b.obj;
		arr->len++;
	}
	return b.obj;
}

int wats_uur_add_failure(wats_node **out, wats_report *report, int unit_idx, const char *category,
			 const char *code)
{
	if (!report || wats_report_get_type(report) != WATS_REPORT_UUR)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "failures belong to a UUR report");
	wats_node *unit = uur_unit(report, unit_idx);
	if (!unit)
		return wats_error_last()->code == WATS_ENOMEM
			       ? WATS_ENOMEM
			       : wats__error(WATS_ENOTFOUND, WATS_ERRCLASS_REPORT,
					     "sub unit with idx=%d not found", unit_idx);
	wats_node *arr = wats__obj_get(unit, WATS_K_failures);
	if (!arr || arr->kind != WATS_NODE_ARRAY)
		arr = wats__obj_put(report, unit, WATS_K_failures, WATS_NODE_ARRAY);
	wats_obj_builder b;
	if (!arr || !wats__build_begin(&b, report, WATS_NODE_OBJECT) ||
	    wats__build_str(&b, WATS_K_category, category ? category : "Unknown") < 0 ||
	    wats__build_str(&b, WATS_K_code, code ? code : "Unknown") < 0)
		return wats__failed();
	return finish(report, arr, &b, out);
}
