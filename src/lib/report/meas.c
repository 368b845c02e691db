/* Measurements: numeric, pass/fail and string, in single and multiple steps. */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "util/error.h"
#include "util/jsonnum.h"

/* Which measurement array a step kind uses, and whether it takes only one. */
static int meas_key(wats_step_kind kind, int *single)
{
	*single = kind == WATS_STEP_NUMERIC || kind == WATS_STEP_PASSFAIL || kind == WATS_STEP_STRING;
	switch (kind) {
	case WATS_STEP_NUMERIC: case WATS_STEP_MULTI_NUMERIC: return WATS_K_numericMeas;
	case WATS_STEP_PASSFAIL: case WATS_STEP_MULTI_PASSFAIL: return WATS_K_booleanMeas;
	case WATS_STEP_STRING: case WATS_STEP_MULTI_STRING: return WATS_K_stringMeas;
	default: return -1;
	}
}

static const char *kind_word(int key)
{
	return key == WATS_K_numericMeas ? "numeric" : key == WATS_K_booleanMeas ? "pass/fail" : "string";
}

/* Check the step takes this kind of measurement and the name rules; return its array. */
static wats_node *meas_array(wats_report *r, wats_step *step, int want_key, const char *name)
{
	int single;
	wats_step_kind kind = wats_step_kind_of(step);
	int key = meas_key(kind, &single);
	if (key != want_key) {
		wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
			    "step '%s' (%s) does not take %s measurements", wats_step_name(step),
			    wats_step_type(step) ? wats_step_type(step) : "no stepType", kind_word(want_key));
		return NULL;
	}
	wats_node *arr = wats__obj_get(step, key);
	if (single && arr && arr->kind == WATS_NODE_ARRAY && arr->len > 0) {
		wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
			    "step '%s' is a single-measurement step and already has its measurement; "
			    "use a multiple step (ET_MNLT, ET_MPFT, ET_MSVT) for more",
			    wats_step_name(step));
		return NULL;
	}
	if (!single) {
		if (!name || !*name) {
			wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				    "measurements of multiple step '%s' need a name", wats_step_name(step));
			return NULL;
		}
		for (wats_node *m = arr ? arr->u.first : NULL; m; m = m->next) {
			const char *other = wats__obj_str(m, WATS_K_name);
			if (other && !strcmp(other, name)) {
				wats__error(WATS_EEXISTS, WATS_ERRCLASS_INVALID,
					    "step '%s' already has a measurement named '%s'",
					    wats_step_name(step), name);
				return NULL;
			}
		}
	}
	if (!arr || arr->kind != WATS_NODE_ARRAY)
		arr = wats__obj_put(r, step, key, WATS_NODE_ARRAY);
	return arr;
}

/* After adding measurement m: in active mode the step takes the worst status and ripples it. */
static void settle(wats_report *r, wats_step *step, wats_node *m, wats_status st)
{
	if (r->mode != WATS_MODE_ACTIVE || (step->flags & WATS_NF_STATUS_SET))
		return;
	(void)m;
	if (wats__status_severity(st) > wats__status_severity(wats__node_status(step))) {
		wats_node *n = wats__obj_put(r, step, WATS_K_status, WATS_NODE_STRING);
		if (!n)
			return;
		n->u.str = wats__status_letter(st);
		n->len = 1;
		wats__propagate(r, step, st);
	}
}

static int begin_meas(wats_obj_builder *b, wats_report *r, const char *name, wats_status st)
{
	if (!wats__build_begin(b, r, WATS_NODE_OBJECT) ||
	    wats__build_static(b, WATS_K_status, wats__status_letter(st)) < 0)
		return wats__failed();
	if (name && wats__build_str(b, WATS_K_name, name) < 0)
		return wats__failed();
	return 0;
}

int wats_step_add_numeric(wats_meas **out, wats_step *step, const char *name, double value,
			  wats_compop op, double low, double high, const char *unit)
{
	if (out)
		*out = NULL;
	int limits = wats_compop_limits(op);
	if (!step || limits < 0 || op == WATS_COMP_CASESENSIT || op == WATS_COMP_IGNORECASE)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "numeric measurement needs a step and a numeric comparison operator");
	wats_report *r = wats__report_of(step);
	wats_node *arr = meas_array(r, step, WATS_K_numericMeas, name);
	if (!arr)
		return wats_error_last()->code;
	wats_status st = WATS_STATUS_PASSED;
	if (r->mode == WATS_MODE_ACTIVE)
		st = wats_compop_eval(op, value, low, high);
	wats_obj_builder b;
	if (begin_meas(&b, r, name, st) < 0 || wats__build_num(&b, WATS_K_value, value) < 0 ||
	    (unit && wats__build_str(&b, WATS_K_unit, unit) < 0) ||
	    wats__build_static(&b, WATS_K_compOp, wats_compop_name(op)) < 0 ||
	    (limits == 2 && wats__build_num(&b, WATS_K_highLimit, high) < 0) ||
	    (limits >= 1 && wats__build_num(&b, WATS_K_lowLimit, low) < 0))
		return wats__failed();
	wats__node_append(r, arr, b.obj);
	settle(r, step, b.obj, st);
	if (out)
		*out = b.obj;
	return 0;
}

/* A number from text: JSON number text is kept as a number, the non-finite words as strings. */
static int build_number_text(wats_obj_builder *b, int key, const char *text)
{
	if (!strcmp(text, "NaN") || !strcmp(text, "Infinity") || !strcmp(text, "-Infinity"))
		return wats__build_static(b, key, !strcmp(text, "NaN") ? "NaN" : text[0] == '-' ? "-Infinity" : "Infinity");
	wats_node *n = wats__build_member(b, key, WATS_NODE_NUMBER);
	if (!n)
		return wats__failed();
	size_t len = strlen(text);
	n->u.str = wats__arena_strndup(&b->r->arena, text, len);
	if (!n->u.str)
		return wats__error_oom();
	n->len = (uint32_t)len;
	return 0;
}

static int check_number_text(const char *what, const char *text)
{
	if (!text || wats__json_number_valid(text) || !strcmp(text, "NaN") || !strcmp(text, "Infinity") ||
	    !strcmp(text, "-Infinity"))
		return 0;
	return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
			   "%s '%s' is not a number (JSON number text, NaN, Infinity or -Infinity)", what, text);
}

static double text_value(const char *text)
{
	return text ? strtod(text, NULL) : 0; /* strtod reads "NaN" and "Infinity" too */
}

int wats_step_add_numeric_text(wats_meas **out, wats_step *step, const char *name, const char *value,
			       wats_compop op, const char *low, const char *high, const char *unit)
{
	if (out)
		*out = NULL;
	int limits = wats_compop_limits(op);
	if (!step || limits < 0 || op == WATS_COMP_CASESENSIT || op == WATS_COMP_IGNORECASE)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "numeric measurement needs a step and a numeric comparison operator");
	if (check_number_text("value", value) < 0 || check_number_text("lowLimit", low) < 0 ||
	    check_number_text("highLimit", high) < 0)
		return WATS_EINVAL;
	wats_report *r = wats__report_of(step);
	wats_node *arr = meas_array(r, step, WATS_K_numericMeas, name);
	if (!arr)
		return wats_error_last()->code;
	wats_status st = WATS_STATUS_PASSED;
	/* Active mode: a value compared against a missing limit passes, as the server reads it. */
	if (r->mode == WATS_MODE_ACTIVE && value && (limits == 0 || (low && (limits == 1 || high))))
		st = wats_compop_eval(op, text_value(value), text_value(low), text_value(high));
	wats_obj_builder b;
	if (begin_meas(&b, r, name, st) < 0)
		return wats__failed();
	if (value ? build_number_text(&b, WATS_K_value, value) < 0
		  : !wats__build_member(&b, WATS_K_value, WATS_NODE_NULL))
		return wats__failed();
	if ((unit && wats__build_str(&b, WATS_K_unit, unit) < 0) ||
	    wats__build_static(&b, WATS_K_compOp, wats_compop_name(op)) < 0 ||
	    (limits == 2 && high && build_number_text(&b, WATS_K_highLimit, high) < 0) ||
	    (limits >= 1 && low && build_number_text(&b, WATS_K_lowLimit, low) < 0))
		return wats__failed();
	wats__node_append(r, arr, b.obj);
	settle(r, step, b.obj, st);
	if (out)
		*out = b.obj;
	return 0;
}

int wats_step_add_passfail(wats_meas **out, wats_step *step, const char *name, int passed)
{
	if (out)
		*out = NULL;
	if (!step)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL step");
	wats_report *r = wats__report_of(step);
	wats_node *arr = meas_array(r, step, WATS_K_booleanMeas, name);
	if (!arr)
		return wats_error_last()->code;
	/* The export carries only name and status: the verdict is the status. */
	wats_status st = passed ? WATS_STATUS_PASSED : WATS_STATUS_FAILED;
	wats_obj_builder b;
	if (begin_meas(&b, r, name, st) < 0)
		return wats__failed();
	wats__node_append(r, arr, b.obj);
	settle(r, step, b.obj, st);
	if (out)
		*out = b.obj;
	return 0;
}

int wats_step_add_string(wats_meas **out, wats_step *step, const char *name, const char *value,
			 wats_compop op, const char *limit)
{
	if (out)
		*out = NULL;
	if (!step || wats_compop_limits(op) < 0)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "string measurement needs a step and a comparison operator");
	wats_report *r = wats__report_of(step);
	wats_node *arr = meas_array(r, step, WATS_K_stringMeas, name);
	if (!arr)
		return wats_error_last()->code;
	wats_status st = WATS_STATUS_PASSED;
	if (r->mode == WATS_MODE_ACTIVE)
		st = wats_compop_eval_string(op, value, limit);
	wats_obj_builder b;
	if (begin_meas(&b, r, name, st) < 0 || wats__build_str(&b, WATS_K_value, value) < 0 ||
	    wats__build_static(&b, WATS_K_compOp, wats_compop_name(op)) < 0 ||
	    (limit && wats__build_str(&b, WATS_K_limit, limit) < 0))
		return wats__failed();
	wats__node_append(r, arr, b.obj);
	settle(r, step, b.obj, st);
	if (out)
		*out = b.obj;
	return 0;
}

/* The measurement array of a step, whatever kind it has. */
static const wats_node *any_meas_array(const wats_step *step)
{
	static const int keys[] = { WATS_K_numericMeas, WATS_K_booleanMeas, WATS_K_stringMeas };
	for (size_t i = 0; i < 3; i++) {
		const wats_node *a = wats__obj_get(step, keys[i]);
		if (a && a->kind == WATS_NODE_ARRAY)
			return a;
	}
	return NULL;
}

size_t wats_step_meas_count(const wats_step *step)
{
	const wats_node *a = any_meas_array(step);
	return a ? a->len : 0;
}

wats_meas *wats_step_meas_at(const wats_step *step, size_t index)
{
	return wats_node_at(any_meas_array(step), index);
}

wats_status wats_meas_status(const wats_meas *meas)
{
	return wats__node_status(meas);
}

int wats_meas_set_status(wats_meas *meas, wats_status status)
{
	const char *letter = wats__status_letter(status);
	if (!meas || meas->kind != WATS_NODE_OBJECT || !letter)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "measurement status must be one of P F S D E T");
	wats_report *r = wats__report_of(meas);
	wats_node *n = wats__obj_put(r, meas, WATS_K_status, WATS_NODE_STRING);
	if (!n)
		return wats__failed();
	n->u.str = letter;
	n->len = 1;
	/* The step is the measurement array's parent. */
	wats_step *step = meas->parent ? meas->parent->parent : NULL;
	if (step)
		settle(r, step, meas, status);
	return 0;
}

const char *wats_meas_name(const wats_meas *meas)
{
	return wats__obj_str(meas, WATS_K_name);
}

wats_compop wats_meas_compop(const wats_meas *meas)
{
	const char *op = wats__obj_str(meas, WATS_K_compOp);
	return op ? wats_compop_parse(op) : WATS_COMP_LOG;
}

static wats_status eval_numeric(const wats_meas *m)
{
	const wats_node *v = wats__obj_get(m, WATS_K_value);
	if (!v || v->kind == WATS_NODE_NULL)
		return WATS_STATUS_PASSED;
	double value, lo = 0, hi = 0;
	if (wats__node_to_double(v, &value) < 0)
		return WATS_STATUS_ERROR;
	const char *optext = wats__obj_str(m, WATS_K_compOp);
	wats_compop op = optext ? wats_compop_parse(optext) : WATS_COMP_LOG;
	int need = wats_compop_limits(op);
	if (need <= 0)
		return WATS_STATUS_PASSED;
	const wats_node *l = wats__obj_get(m, WATS_K_lowLimit), *h = wats__obj_get(m, WATS_K_highLimit);
	/* A limit the operator needs but nobody gave: nothing to compare, as the server reads it. */
	if (!l || l->kind == WATS_NODE_NULL || (need == 2 && (!h || h->kind == WATS_NODE_NULL)))
		return WATS_STATUS_PASSED;
	if (wats__node_to_double(l, &lo) < 0 || (need == 2 && wats__node_to_double(h, &hi) < 0))
		return WATS_STATUS_ERROR;
	return wats_compop_eval(op, value, lo, hi);
}

wats_status wats_meas_evaluate(const wats_meas *meas)
{
	if (!meas || !meas->parent)
		return WATS_STATUS_NONE;
	int key = meas->parent->key_id - 1;
	if (key == WATS_K_numericMeas)
		return eval_numeric(meas);
	if (key == WATS_K_stringMeas) {
		const char *optext = wats__obj_str(meas, WATS_K_compOp);
		wats_compop op = optext ? wats_compop_parse(optext) : WATS_COMP_LOG;
		if (op == WATS_COMP_UNKNOWN)
			return WATS_STATUS_ERROR;
		return wats_compop_eval_string(op, wats__obj_str(meas, WATS_K_value),
					       wats__obj_str(meas, WATS_K_limit));
	}
	if (key == WATS_K_booleanMeas) {
		int b = wats_node_bool(wats__obj_get(meas, WATS_K_value));
		if (b >= 0)
			return b ? WATS_STATUS_PASSED : WATS_STATUS_FAILED;
		return wats__node_status(meas);
	}
	return WATS_STATUS_NONE;
}
