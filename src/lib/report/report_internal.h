/* Shared internals of the report model. */
#ifndef WATS_REPORT_INTERNAL_H
#define WATS_REPORT_INTERNAL_H

#include "report/node.h"

/** An empty report shell (no document) whose arena starts with a block of first_block bytes. */
wats_report *wats__report_alloc(size_t first_block);

/** The report a node belongs to: nodes do not point back to it, so the API keeps a map. */
wats_report *wats__report_of(const wats_node *n);

/**
 * Building fresh objects: appends members without searching for an existing key and without
 * touching the shared tail cache (which stays warm for the long arrays).
 */
typedef struct wats_obj_builder {
	wats_report *r;
	wats_node *obj;
	wats_node *last;
} wats_obj_builder;

wats_node *wats__build_begin(wats_obj_builder *b, wats_report *r, wats_node_kind kind);
wats_node *wats__build_member(wats_obj_builder *b, int key_id, wats_node_kind kind);
/** A string member pointing at static text (no copy), e.g. "ET_NLT", "P". */
int wats__build_static(wats_obj_builder *b, int key_id, const char *text);
int wats__build_str(wats_obj_builder *b, int key_id, const char *text);
int wats__build_num(wats_obj_builder *b, int key_id, double v);

/* Bulk building (build.c): for converters that checked their input (UTF-8, JSON number text)
 * once as it arrived. Keys are interned ids and unique by construction; nothing is searched. */
/** Continue building an existing object: appends go after its last member. Between builder
 * appends and wats__node_append on the same object, call wats__build_on again (before
 * building) or wats__build_done (after): the append cache must not keep a stale tail. */
void wats__build_on(wats_obj_builder *b, wats_report *r, wats_node *obj);
void wats__build_done(wats_obj_builder *b);
/** A string or number-text member (copied, not checked); NULL text makes a null member. */
wats_node *wats__build_textn(wats_obj_builder *b, int key_id, wats_node_kind kind, const char *text,
			     size_t len);
/** Append child to an array being filled (the caller keeps its last element in *last). */
void wats__build_push(wats_node *arr, wats_node **last, wats_node *child);
/** The report wats_report_new makes, with the caller's id and start text (both copied). */
int wats__report_create(wats_report **out, wats_report_type type, const char *id, const char *start);
/** Header members a converter knows before the report is made; NULL leaves a member null, as
 * wats_report_new does. Texts are valid UTF-8 (not checked); process_code is integer text. */
typedef struct wats_header_texts {
	const char *pn, *sn, *rev, *process_code, *machine_name, *location, *purpose;
} wats_header_texts;
/** The same with arena blocks from cache (NULL: from malloc) and header members h (NULL:
 * none): one allocation for the whole skeleton, no member looked up. */
int wats__report_create_in(wats_report **out, wats_report_type type, const char *id,
			   const char *start, wats_block_cache *cache, const wats_header_texts *h);
/** Set the members of h that are not NULL on an existing report. NULL on OOM. */
int wats__report_put_header(wats_report *r, const wats_header_texts *h);
/** A report whose document is an empty object (what parsing "{}" gives), blocks from cache. */
int wats__report_empty(wats_report **out, wats_block_cache *cache);
/** Set member key_id (replaced in place when present) to a copy of text as kind (STRING or
 * NUMBER, not checked); NULL text makes it null. */
wats_node *wats__obj_put_text(wats_report *r, wats_node *obj, int key_id, wats_node_kind kind,
			      const char *text, size_t len);
/** Remove member key_id (the last of duplicates, as wats_node_remove): 1, or 0 when absent. */
int wats__obj_remove(wats_report *r, wats_node *obj, int key_id);

/** One numeric measurement as texts (JSON number text; NULL = absent, value NULL = null). */
typedef struct wats_numeric_texts {
	const char *value, *unit, *low, *high;
	wats_compop op;
	wats_status status;
} wats_numeric_texts;
/** A numeric step (stepType type, name, group M, status t->status marked as set) with its one
 * measurement: the same members and order as wats_step_add + wats_step_add_numeric_text. The
 * texts are copied; the nodes come from wats__build_numeric_planned. b is left on the step
 * (last member: numericMeas), for members appended after. The step, NULL on OOM. */
wats_node *wats__build_numeric_step(wats_obj_builder *b, wats_report *r, const char *type,
				    const char *name, size_t name_len, const wats_numeric_texts *t);

/** A numeric step whose texts are all in place: static (type, op) or already in the report's
 * arena (name, unit, limits: a converter copies a row's constant texts once per report and
 * nodes share them; node texts are never changed in place). Only the value is copied. */
typedef struct wats_numeric_planned {
	const char *type, *name, *unit, *low, *high, *op; /* unit, low, high: NULL when absent */
	size_t type_len, name_len, unit_len, low_len, high_len, op_len;
} wats_numeric_planned;
/** The step wats__build_numeric_step describes, from texts in place; value (JSON number text,
 * NULL: null) is copied. The step, not yet appended; NULL on OOM. */
wats_node *wats__build_numeric_planned(wats_report *r, const wats_numeric_planned *p,
				       const char *value, size_t value_len, wats_status status);

/** The code of the error just recorded (an invalid string, out of memory, ...). */
static inline int wats__failed(void)
{
	int code = wats_error_last()->code;
	return code < 0 ? code : WATS_ENOMEM;
}

/** Severity for "worse status" comparisons: P D S 0, F 1, E 2, T 3. */
int wats__status_severity(wats_status s);
/** One-letter static string for a status, or NULL. */
const char *wats__status_letter(wats_status s);
/** Status of the "status" member of obj. */
wats_status wats__node_status(const wats_node *obj);
/** Active mode: a step got `status`; ripple it to the parents and the report result. */
void wats__propagate(wats_report *r, wats_step *step, wats_status status);
/** The step object that owns a step's "steps" array, or NULL at the root. */
wats_step *wats__step_parent(const wats_step *step);

#endif
