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
