/*
 * Report validation: the rules the WATS server and the official APIs apply, each finding with
 * the field path, a short rule id and a sentence that names the value and what to do.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "util/error.h"
#include "util/timefmt.h"
#include "util/utf8.h"
#include "util/uuid.h"

#define MAX_ISSUES 1000
#define PATH_MAX_LEN 1024

struct wats_validation {
	wats_issue *items;
	size_t count, cap, errors;
	int truncated;
};

#define PATH_DEPTH 160 /* deeper than any parsed document (127) */

/* The path is kept as segments and only turned into text when there is something to report:
 * a valid report (the common case) never formats a path. */
typedef struct path_seg {
	const char *key; /* member name, or NULL for an array index */
	size_t index;
} path_seg;

typedef struct vstate {
	wats_validation *v;
	wats_report_type type;
	path_seg seg[PATH_DEPTH];
	size_t depth;
	int oom;
	/* Members of the object checked last, by key id: a step is asked for some twenty keys,
	 * and a linear search for each was a tenth of a server's submission. */
	const wats_node *indexed;
	unsigned gen;
	unsigned stamp[WATS_K__COUNT];
	const wats_node *member[WATS_K__COUNT];
	/* Recent stepType and compOp texts, with what they mean (see step_kind, compop). */
	struct { const char *text; size_t len; wats_step_kind kind; } kinds[8];
	unsigned next_kind;
	struct { const char *text; wats_compop op; } ops[4];
	unsigned next_op;
} vstate;

/* wats__obj_get (the last of duplicate keys wins), from an index built once per object. */
static const wats_node *get(vstate *s, const wats_node *obj, int key)
{
	if (!obj || obj->kind != WATS_NODE_OBJECT)
		return NULL;
	if (obj != s->indexed) {
		if (++s->gen == 0) {
			memset(s->stamp, 0, sizeof(s->stamp));
			s->gen = 1;
		}
		s->indexed = obj;
		for (const wats_node *c = obj->u.first; c; c = c->next) {
			unsigned id = c->key_id - 1u;
			if (id < WATS_K__COUNT) {
				s->stamp[id] = s->gen;
				s->member[id] = c;
			}
		}
	}
	return s->stamp[key] == s->gen ? s->member[key] : NULL;
}

/* ---- paths -------------------------------------------------------------------------------- */

static size_t push_key(vstate *s, const char *key)
{
	size_t old = s->depth;
	if (s->depth < PATH_DEPTH)
		s->seg[s->depth++] = (path_seg){ key, 0 };
	return old;
}

static size_t push_index(vstate *s, size_t i)
{
	size_t old = s->depth;
	if (s->depth < PATH_DEPTH)
		s->seg[s->depth++] = (path_seg){ NULL, i };
	return old;
}

static void pop(vstate *s, size_t old)
{
	s->depth = old;
}

static void render_path(const vstate *s, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < s->depth && len + 1 < size; i++) {
		int n = s->seg[i].key ? snprintf(out + len, size - len, "%s%s", len ? "." : "", s->seg[i].key)
				      : snprintf(out + len, size - len, "[%zu]", s->seg[i].index);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

/* ---- findings ----------------------------------------------------------------------------- */

static void add(vstate *s, wats_severity sev, const char *field, const char *rule, const char *fmt, ...)
	WATS__PRINTF(5, 6);

static void add(vstate *s, wats_severity sev, const char *field, const char *rule, const char *fmt, ...)
{
	wats_validation *v = s->v;
	if (sev == WATS_SEVERITY_ERROR)
		v->errors++;
	if (v->count >= MAX_ISSUES) {
		v->truncated = 1;
		return;
	}
	if (v->count == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		wats_issue *n = realloc(v->items, cap * sizeof(*n));
		if (!n) {
			s->oom = 1;
			return;
		}
		v->items = n;
		v->cap = cap;
	}
	char path[PATH_MAX_LEN], msg[1024];
	size_t old = field ? push_key(s, field) : s->depth;
	render_path(s, path, sizeof(path));
	pop(s, old);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One allocation holds path, rule and message. */
	size_t lp = strlen(path) + 1, lr = strlen(rule) + 1, lm = strlen(msg) + 1;
	char *mem = malloc(lp + lr + lm);
	if (!mem) {
		s->oom = 1;
		return;
	}
	memcpy(mem, path, lp);
	memcpy(mem + lp, rule, lr);
	memcpy(mem + lp + lr, msg, lm);
	wats_issue *it = &v->items[v->count++];
	it->severity = sev;
	it->path = mem;
	it->rule = mem + lp;
	it->message = mem + lp + lr;
}

#define ERR(s, f, rule, ...) add(s, WATS_SEVERITY_ERROR, f, rule, __VA_ARGS__)
#define WARN(s, f, rule, ...) add(s, WATS_SEVERITY_WARNING, f, rule, __VA_ARGS__)

/* ---- field rules -------------------------------------------------------------------------- */

static const char *kind_name(const wats_node *n)
{
	static const char *const names[] = { "null", "a boolean", "a number", "a string", "an object",
					      "an array" };
	return n ? names[n->kind] : "absent";
}

/* UTF-8 characters, which is how WATS counts lengths. */
static size_t char_len(const char *s, size_t bytes)
{
	size_t n = 0;
	for (size_t i = 0; i < bytes; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

enum { OPTIONAL = 0, REQUIRED = 1, NONEMPTY = 2 };

/* A string member: required or not, maximum length; returns the string or NULL. */
static const char *check_string(vstate *s, const wats_node *obj, int key, int req, size_t max)
{
	const char *name = WATS_KEY(key);
	const wats_node *n = get(s, obj, key);
	if (!n || n->kind == WATS_NODE_NULL) {
		if (req)
			ERR(s, name, "required", "%s is required", name);
		return NULL;
	}
	if (n->kind != WATS_NODE_STRING) {
		ERR(s, name, "type", "%s must be a string, not %s", name, kind_name(n));
		return NULL;
	}
	/* A string has no more characters than bytes, and none only when it has no bytes (the
	 * text is valid UTF-8), so characters are counted only for a string long enough to be
	 * over the limit: most values are short, and counting them all was ~3 % of a submission. */
	if ((req & NONEMPTY) && n->len == 0)
		ERR(s, name, "required", "%s must not be empty", name);
	size_t len;
	if (max && n->len > max && (len = char_len(n->u.str, n->len)) > max)
		ERR(s, name, "max-length", "%s is %zu characters long; the limit is %zu", name, len, max);
	return n->u.str;
}

/* Wildcards and path separators break searches in WATS, so serial and part numbers refuse them. */
static void check_identifier(vstate *s, const wats_node *obj, int key, int req)
{
	const char *v = check_string(s, obj, key, req, 100);
	if (!v)
		return;
	static const char forbidden[] = "*%?[]^!/\\";
	char found[sizeof(forbidden)] = "";
	size_t nf = 0;
	for (const char *c = forbidden; *c; c++)
		if (strchr(v, *c))
			found[nf++] = *c;
	found[nf] = '\0';
	if (nf)
		ERR(s, WATS_KEY(key), "forbidden-chars",
		    "%s '%s' contains %s; WATS does not allow * %% ? [ ] ^ ! / \\ in serial and part numbers",
		    WATS_KEY(key), v, found);
}

static int is_int_node(const wats_node *n)
{
	if (!n || n->kind != WATS_NODE_NUMBER)
		return 0;
	/* Plain digits as parsed (step ids, codes): an integer without strtoll. */
	if (!(n->flags & WATS_NF_NUM_DOUBLE) && n->len && n->len <= 18 && !n->u.str[n->len]) {
		size_t i = n->u.str[0] == '-';
		while (i < n->len && n->u.str[i] >= '0' && n->u.str[i] <= '9')
			i++;
		if (i == n->len && n->u.str[n->len - 1] != '-')
			return 1;
	}
	int64_t v;
	return wats_node_int(&v, n) == 0;
}

static void check_int(vstate *s, const wats_node *obj, int key, int req)
{
	const wats_node *n = get(s, obj, key);
	if (!n || n->kind == WATS_NODE_NULL) {
		if (req)
			ERR(s, WATS_KEY(key), "required", "%s is required", WATS_KEY(key));
		return;
	}
	if (!is_int_node(n))
		ERR(s, WATS_KEY(key), "type", "%s must be an integer, not %s", WATS_KEY(key),
		    n->kind == WATS_NODE_NUMBER ? n->u.str : kind_name(n));
}

/* Float fields take numbers, or strings holding a number or NaN/Infinity. */
static void check_number(vstate *s, const wats_node *obj, int key)
{
	const wats_node *n = get(s, obj, key);
	double d;
	if (!n || n->kind == WATS_NODE_NULL || n->kind == WATS_NODE_NUMBER)
		return;
	if (n->kind == WATS_NODE_STRING && wats__node_to_double(n, &d) == 0)
		return;
	if (n->kind == WATS_NODE_STRING && (!strcmp(n->u.str, "NaN") || !strcmp(n->u.str, "Infinity") ||
					    !strcmp(n->u.str, "-Infinity")))
		return;
	ERR(s, WATS_KEY(key), "type", "%s must be a number, not %s", WATS_KEY(key), kind_name(n));
}

static void check_int_or_string(vstate *s, const wats_node *obj, int key)
{
	const wats_node *n = get(s, obj, key);
	if (!n || n->kind == WATS_NODE_NULL || n->kind == WATS_NODE_STRING || is_int_node(n))
		return;
	ERR(s, WATS_KEY(key), "type", "%s must be an integer or a string, not %s", WATS_KEY(key),
	    kind_name(n));
}

static void check_bool(vstate *s, const wats_node *obj, int key)
{
	const wats_node *n = get(s, obj, key);
	if (n && n->kind != WATS_NODE_NULL && n->kind != WATS_NODE_BOOL)
		ERR(s, WATS_KEY(key), "type", "%s must be true or false, not %s", WATS_KEY(key), kind_name(n));
}

static void check_guid(vstate *s, const wats_node *obj, int key, int req)
{
	const char *v = check_string(s, obj, key, req, 0);
	if (v && !wats__uuid_valid(v, NULL))
		ERR(s, WATS_KEY(key), "guid", "%s '%s' is not a GUID (32 hex digits as 8-4-4-4-12)",
		    WATS_KEY(key), v);
}

static void check_time(vstate *s, const wats_node *obj, int key, int want_offset)
{
	const char *v = check_string(s, obj, key, OPTIONAL, 0);
	int has_off = 0;
	if (!v)
		return;
	if (wats__time_parse(v, NULL, NULL, NULL, &has_off) < 0)
		ERR(s, WATS_KEY(key), "time", "%s '%s' is not an ISO 8601 time (YYYY-MM-DDTHH:MM:SS[.f]+HH:MM)",
		    WATS_KEY(key), v);
	else if (want_offset && !has_off)
		WARN(s, WATS_KEY(key), "time-offset",
		     "%s '%s' has no UTC offset; add Z or +HH:MM so the time is not misread", WATS_KEY(key), v);
}

static void check_status(vstate *s, const wats_node *obj, int key, int allow_skip)
{
	const char *v = check_string(s, obj, key, OPTIONAL, 0);
	if (!v)
		return;
	if (!v[0] || v[1] || !strchr(allow_skip ? "PFSDET" : "PFDET", v[0]))
		ERR(s, WATS_KEY(key), "status", "%s '%s' is not one of %s", WATS_KEY(key), v,
		    allow_skip ? "P F S D E T" : "P F D E T");
}

/* An array member whose elements must be objects; returns it or NULL. */
static const wats_node *check_array(vstate *s, const wats_node *obj, int key)
{
	const wats_node *n = get(s, obj, key);
	if (!n || n->kind == WATS_NODE_NULL)
		return NULL;
	if (n->kind != WATS_NODE_ARRAY) {
		ERR(s, WATS_KEY(key), "type", "%s must be an array, not %s", WATS_KEY(key), kind_name(n));
		return NULL;
	}
	size_t i = 0;
	for (const wats_node *e = n->u.first; e; e = e->next, i++) {
		if (e->kind != WATS_NODE_OBJECT) {
			size_t o = push_key(s, WATS_KEY(key));
			size_t o2 = push_index(s, i);
			ERR(s, NULL, "type", "element must be an object, not %s", kind_name(e));
			pop(s, o2);
			pop(s, o);
		}
	}
	return n;
}

static const wats_node *check_object(vstate *s, const wats_node *obj, int key)
{
	const wats_node *n = get(s, obj, key);
	if (!n || n->kind == WATS_NODE_NULL)
		return NULL;
	if (n->kind != WATS_NODE_OBJECT) {
		ERR(s, WATS_KEY(key), "type", "%s must be an object, not %s", WATS_KEY(key), kind_name(n));
		return NULL;
	}
	return n;
}

/* Iterate the object elements of array key, with the path pushed. */
#define EACH(s, obj, key, e, i)                                                                   \
	for (const wats_node *arr_ = check_array(s, obj, key), *e = arr_ ? arr_->u.first : NULL;  \
	     e; e = NULL)                                                                         \
		for (size_t i = 0, o1_ = push_key(s, WATS_KEY(key)), o2_ = 0; e;                  \
		     pop(s, o1_), e = NULL)                                                       \
			for (; e && ((o2_ = push_index(s, i)), 1); pop(s, o2_), e = e->next, i++) \
				if (e->kind == WATS_NODE_OBJECT)

/* ---- sub-structures ----------------------------------------------------------------------- */

static void check_binary(vstate *s, const wats_node *b, int attachment)
{
	check_string(s, b, WATS_K_name, NONEMPTY | REQUIRED, 256);
	check_string(s, b, WATS_K_contentType, attachment ? OPTIONAL : (NONEMPTY | REQUIRED), 100);
	check_string(s, b, WATS_K_data, attachment ? OPTIONAL : REQUIRED, 0);
	check_string(s, b, WATS_K_description, OPTIONAL, 500);
}

static void check_chart(vstate *s, const wats_node *c)
{
	static const char *const types[] = { "Line", "LineLogXY", "LineLogX", "LineLogY" };
	const char *t = check_string(s, c, WATS_K_chartType, OPTIONAL, 0);
	if (t) {
		int ok = 0;
		for (size_t i = 0; i < 4; i++)
			ok |= !strcmp(t, types[i]);
		if (!ok)
			ERR(s, "chartType", "chart-type", "chartType '%s' is not Line, LineLogXY, LineLogX or LineLogY", t);
	}
	check_string(s, c, WATS_K_label, OPTIONAL, 100);
	check_string(s, c, WATS_K_xLabel, OPTIONAL, 100);
	check_string(s, c, WATS_K_yLabel, OPTIONAL, 100);
	check_string(s, c, WATS_K_xUnit, OPTIONAL, 50);
	check_string(s, c, WATS_K_yUnit, OPTIONAL, 50);
	EACH(s, c, WATS_K_series, e, i) {
		(void)i;
		check_string(s, e, WATS_K_name, REQUIRED | NONEMPTY, 100);
		check_string(s, e, WATS_K_xdata, OPTIONAL, 0);
		check_string(s, e, WATS_K_ydata, OPTIONAL, 0);
	}
}

static wats_compop compop(vstate *s, const char *text);

static void check_measurement(vstate *s, const wats_node *m, int key, int multi)
{
	check_status(s, m, WATS_K_status, 1);
	const char *name = check_string(s, m, WATS_K_name, OPTIONAL, 100);
	if (multi && !name)
		ERR(s, "name", "required", "measurements of a multiple step need a name");
	if (key == WATS_K_booleanMeas) {
		check_bool(s, m, WATS_K_value);
		return;
	}
	const char *optext = check_string(s, m, WATS_K_compOp, OPTIONAL, 0);
	wats_compop op = optext ? compop(s, optext) : WATS_COMP_LOG;
	if (optext && op == WATS_COMP_UNKNOWN) {
		ERR(s, "compOp", "compop", "compOp '%s' is not a WATS comparison operator", optext);
		return;
	}
	if (key == WATS_K_stringMeas) {
		const wats_node *v = get(s, m, WATS_K_value);
		if (v && v->kind != WATS_NODE_NULL && v->kind != WATS_NODE_STRING)
			ERR(s, "value", "type", "a string measurement's value must be a string, not %s",
			    kind_name(v));
		check_string(s, m, WATS_K_limit, OPTIONAL, 0);
		return;
	}
	check_number(s, m, WATS_K_value);
	check_number(s, m, WATS_K_lowLimit);
	check_number(s, m, WATS_K_highLimit);
	if (op == WATS_COMP_CASESENSIT || op == WATS_COMP_IGNORECASE)
		ERR(s, "compOp", "compop", "compOp %s compares strings; a numeric measurement needs a numeric operator",
		    optext);
	int need = wats_compop_limits(op);
	const wats_node *lo = get(s, m, WATS_K_lowLimit), *hi = get(s, m, WATS_K_highLimit);
	if (need >= 1 && (!lo || lo->kind == WATS_NODE_NULL))
		WARN(s, "lowLimit", "limits", "compOp %s compares against lowLimit, which is missing",
		     wats_compop_name(op));
	if (need == 2 && (!hi || hi->kind == WATS_NODE_NULL))
		WARN(s, "highLimit", "limits", "compOp %s needs highLimit too, which is missing", wats_compop_name(op));
	double l, h;
	if (need == 2 && op >= WATS_COMP_GTLT && op <= WATS_COMP_GELE &&
	    wats__node_to_double(lo, &l) == 0 && wats__node_to_double(hi, &h) == 0 && l > h)
		WARN(s, NULL, "limits", "lowLimit %g is above highLimit %g: no value can pass", l, h);
}

static void check_steps(vstate *s, const wats_node *step);

static void check_step_fields(vstate *s, const wats_node *st)
{
	const wats_node *t = get(s, st, WATS_K_stepType);
	if (!t || t->kind == WATS_NODE_NULL)
		WARN(s, "stepType", "required", "step has no stepType; it is read as a sequence call");
	else if (t->kind != WATS_NODE_STRING || t->len == 0)
		ERR(s, "stepType", "type", "stepType must be a non-empty string");
	if (!get(s, st, WATS_K_name))
		WARN(s, "name", "required", "step has no name");
	else
		check_string(s, st, WATS_K_name, NONEMPTY, 100);
	const char *g = check_string(s, st, WATS_K_group, OPTIONAL, 0);
	if (g && (!g[0] || g[1] || !strchr("SMC", g[0])))
		ERR(s, "group", "group", "group '%s' is not S (setup), M (main) or C (cleanup)", g);
	check_status(s, st, WATS_K_status, 1);
	check_int_or_string(s, st, WATS_K_id);
	check_int_or_string(s, st, WATS_K_errorCode);
	check_number(s, st, WATS_K_totTime);
	check_bool(s, st, WATS_K_causedSeqFailure);
	check_bool(s, st, WATS_K_causedUUTFailure);
	const wats_node *loop = check_object(s, st, WATS_K_loop);
	if (loop) {
		size_t o = push_key(s, "loop");
		check_int(s, loop, WATS_K_idx, OPTIONAL);
		check_int(s, loop, WATS_K_num, OPTIONAL);
		check_int(s, loop, WATS_K_endingIndex, OPTIONAL);
		check_int(s, loop, WATS_K_passed, OPTIONAL);
		check_int(s, loop, WATS_K_failed, OPTIONAL);
		pop(s, o);
	}
	const wats_node *chart = check_object(s, st, WATS_K_chart);
	if (chart) {
		size_t o = push_key(s, "chart");
		check_chart(s, chart);
		pop(s, o);
	}
	const wats_node *att = check_object(s, st, WATS_K_attachment);
	if (att) {
		size_t o = push_key(s, "attachment");
		check_binary(s, att, 1);
		pop(s, o);
	}
	const wats_node *sc = check_object(s, st, WATS_K_seqCall);
	if (sc) {
		size_t o = push_key(s, "seqCall");
		check_string(s, sc, WATS_K_path, OPTIONAL, 500);
		check_string(s, sc, WATS_K_name, OPTIONAL, 200);
		check_string(s, sc, WATS_K_version, OPTIONAL, 30);
		pop(s, o);
	}
	EACH(s, st, WATS_K_additionalResults, e, i) {
		(void)i;
		check_string(s, e, WATS_K_name, REQUIRED | NONEMPTY, 200);
	}
}

/* Reports repeat a few step types and comparison operators step after step, and both are
 * looked up in tables entry by entry (strcmp, strcasecmp: ~4 % of a submission). The last
 * few texts and their meanings are kept; the tables are searched only for a text not among
 * them. The texts are the tree's own strings, alive for the whole validation. */
static wats_step_kind step_kind(vstate *s, const wats_node *st)
{
	const wats_node *t = get(s, st, WATS_K_stepType);
	if (!t || t->kind != WATS_NODE_STRING)
		return wats_step_kind_of(st);
	/* Step types alternate (a sequence, then its tests), so a few are kept, not just one. */
	for (size_t i = 0; i < sizeof(s->kinds) / sizeof(s->kinds[0]) && s->kinds[i].text; i++)
		if (s->kinds[i].len == t->len && !memcmp(s->kinds[i].text, t->u.str, t->len))
			return s->kinds[i].kind;
	wats_step_kind k = wats_step_kind_of(st);
	unsigned slot = s->next_kind++ % (sizeof(s->kinds) / sizeof(s->kinds[0]));
	s->kinds[slot].text = t->u.str;
	s->kinds[slot].len = t->len;
	s->kinds[slot].kind = k;
	return k;
}

static wats_compop compop(vstate *s, const char *text)
{
	for (size_t i = 0; i < sizeof(s->ops) / sizeof(s->ops[0]) && s->ops[i].text; i++)
		if (!strcmp(s->ops[i].text, text))
			return s->ops[i].op;
	unsigned slot = s->next_op++ % (sizeof(s->ops) / sizeof(s->ops[0]));
	s->ops[slot].text = text;
	s->ops[slot].op = wats_compop_parse(text);
	return s->ops[slot].op;
}

static void check_step(vstate *s, const wats_node *st)
{
	check_step_fields(s, st);
	wats_step_kind kind = step_kind(s, st);
	static const int keys[] = { WATS_K_numericMeas, WATS_K_booleanMeas, WATS_K_stringMeas };
	for (size_t k = 0; k < 3; k++) {
		const wats_node *arr = get(s, st, keys[k]);
		if (!arr || arr->kind != WATS_NODE_ARRAY)
			continue;
		int single = kind == WATS_STEP_NUMERIC || kind == WATS_STEP_PASSFAIL || kind == WATS_STEP_STRING;
		int multi = kind == WATS_STEP_MULTI_NUMERIC || kind == WATS_STEP_MULTI_PASSFAIL ||
			    kind == WATS_STEP_MULTI_STRING;
		if (single && arr->len > 1)
			WARN(s, WATS_KEY(keys[k]), "single-step",
			     "step '%s' is a single-measurement step but has %u measurements",
			     wats__obj_str(st, WATS_K_name) ? wats__obj_str(st, WATS_K_name) : "", arr->len);
		EACH(s, st, keys[k], m, i) {
			(void)i;
			check_measurement(s, m, keys[k], multi);
		}
	}
	check_steps(s, st);
}

static void check_steps(vstate *s, const wats_node *step)
{
	EACH(s, step, WATS_K_steps, c, i) {
		(void)i;
		if (s->oom)
			return;
		check_step(s, c);
	}
}

/* ---- header ------------------------------------------------------------------------------- */

static void check_header(vstate *s, const wats_node *d)
{
	const char *type = check_string(s, d, WATS_K_type, OPTIONAL, 0);
	if (type && strcmp(type, "T") && strcmp(type, "R"))
		ERR(s, "type", "type", "type '%s' must be T (test report) or R (repair report)", type);
	check_guid(s, d, WATS_K_id, REQUIRED);
	check_identifier(s, d, WATS_K_pn, REQUIRED | NONEMPTY);
	check_identifier(s, d, WATS_K_sn, REQUIRED | NONEMPTY);
	check_string(s, d, WATS_K_rev, REQUIRED | NONEMPTY, 100);
	check_int(s, d, WATS_K_processCode, REQUIRED);
	check_status(s, d, WATS_K_result, 0);
	check_string(s, d, WATS_K_machineName, REQUIRED | NONEMPTY, 100);
	check_string(s, d, WATS_K_location, REQUIRED | NONEMPTY, 100);
	check_string(s, d, WATS_K_purpose, REQUIRED | NONEMPTY, 100);
	if (!get(s, d, WATS_K_start))
		WARN(s, "start", "required", "start is missing; the server will use the time it receives the report");
	check_time(s, d, WATS_K_start, 1);
	check_time(s, d, WATS_K_startUTC, 0);

	EACH(s, d, WATS_K_miscInfos, e, i) {
		(void)i;
		check_string(s, e, WATS_K_description, REQUIRED | NONEMPTY, 100);
		check_string(s, e, WATS_K_text, OPTIONAL, 100);
	}
	EACH(s, d, WATS_K_subUnits, e, i) {
		(void)i;
		check_identifier(s, e, WATS_K_pn, REQUIRED | NONEMPTY);
		check_identifier(s, e, WATS_K_sn, s->type == WATS_REPORT_UUT ? (REQUIRED | NONEMPTY) : OPTIONAL);
		check_string(s, e, WATS_K_rev, OPTIONAL, 100);
		check_string(s, e, WATS_K_partType, OPTIONAL, 50);
		check_int(s, e, WATS_K_idx, OPTIONAL);
		check_int(s, e, WATS_K_parentIdx, OPTIONAL);
		check_int(s, e, WATS_K_position, OPTIONAL);
		EACH(s, e, WATS_K_failures, f, j) {
			(void)j;
			check_string(s, f, WATS_K_category, OPTIONAL, 0);
			check_string(s, f, WATS_K_code, OPTIONAL, 0);
			check_int(s, f, WATS_K_refStepId, OPTIONAL);
		}
	}
	EACH(s, d, WATS_K_assets, e, i) {
		(void)i;
		check_identifier(s, e, WATS_K_sn, REQUIRED | NONEMPTY);
		check_string(s, e, WATS_K_assetType, OPTIONAL, 100);
		check_int(s, e, WATS_K_usageCount, OPTIONAL);
		check_time(s, e, WATS_K_calibrationDate, 0);
		check_time(s, e, WATS_K_calibrationDue, 0);
	}
	EACH(s, d, WATS_K_binaryData, e, i) {
		(void)i;
		check_binary(s, e, s->type == WATS_REPORT_UUR);
	}
	EACH(s, d, WATS_K_additionalData, e, i) {
		(void)i;
		check_string(s, e, WATS_K_name, REQUIRED | NONEMPTY, 200);
	}
}

static void check_uut(vstate *s, const wats_node *d)
{
	const wats_node *u = check_object(s, d, WATS_K_uut);
	if (u) {
		size_t o = push_key(s, "uut");
		check_string(s, u, WATS_K_user, OPTIONAL, 100);
		check_string(s, u, WATS_K_comment, OPTIONAL, 5000);
		check_string(s, u, WATS_K_fixtureId, OPTIONAL, 100);
		check_string(s, u, WATS_K_batchSN, OPTIONAL, 100);
		check_number(s, u, WATS_K_execTime);
		check_int(s, u, WATS_K_testSocketIndex, OPTIONAL);
		check_int(s, u, WATS_K_errorCode, OPTIONAL);
		check_int(s, u, WATS_K_batchFailCount, OPTIONAL);
		check_int(s, u, WATS_K_batchLoopIndex, OPTIONAL);
		pop(s, o);
	}
	const wats_node *root = get(s, d, WATS_K_root);
	if (!root) {
		WARN(s, "root", "required", "a test report without a root sequence has no steps");
		return;
	}
	if (root->kind != WATS_NODE_OBJECT) {
		ERR(s, "root", "type", "root must be a step object, not %s", kind_name(root));
		return;
	}
	size_t o = push_key(s, "root");
	check_step(s, root);
	pop(s, o);
}

static void check_uur(vstate *s, const wats_node *d)
{
	const wats_node *u = check_object(s, d, WATS_K_uur);
	if (!u) {
		ERR(s, "uur", "required", "a repair report needs a uur block");
		return;
	}
	size_t o = push_key(s, "uur");
	check_string(s, u, WATS_K_user, OPTIONAL, 100);
	check_string(s, u, WATS_K_comment, OPTIONAL, 5000);
	check_int(s, u, WATS_K_processCode, OPTIONAL);
	check_guid(s, u, WATS_K_refUUT, OPTIONAL);
	check_guid(s, u, WATS_K_parent, OPTIONAL);
	check_time(s, u, WATS_K_confirmDate, 0);
	check_time(s, u, WATS_K_finalizeDate, 0);
	check_number(s, u, WATS_K_execTime);
	pop(s, o);
	/* The repair operation (top level) and the test operation it repairs (uur) differ. */
	double repair, test;
	if (is_int_node(get(s, d, WATS_K_processCode)) && is_int_node(get(s, u, WATS_K_processCode)) &&
	    wats__obj_num(d, WATS_K_processCode, &repair) == 0 && wats__obj_num(u, WATS_K_processCode, &test) == 0 &&
	    repair == test)
		WARN(s, "processCode", "process-code",
		     "processCode %.0f is both the repair operation and the test operation (uur.processCode)", repair);
	if (get(s, d, WATS_K_root))
		WARN(s, "root", "uur-steps", "a repair report carries no steps; root is ignored by the server");
}

/* Whether an object has a repeated key: a bitset over the known key ids, one pass; only
 * unknown keys (rare) are compared by text. */
static int has_duplicates(const wats_node *obj)
{
	uint64_t seen[(WATS_K__COUNT + 63) / 64] = { 0 };
	int external = 0;
	for (const wats_node *c = obj->u.first; c; c = c->next) {
		if (c->key_id == WATS_KEY_EXTERNAL) {
			external++;
			continue;
		}
		unsigned id = c->key_id - 1u;
		uint64_t bit = (uint64_t)1 << (id % 64);
		if (seen[id / 64] & bit)
			return 1;
		seen[id / 64] |= bit;
	}
	if (external < 2)
		return 0;
	for (const wats_node *c = obj->u.first; c; c = c->next)
		if (c->key_id == WATS_KEY_EXTERNAL)
			for (const wats_node *d = c->next; d; d = d->next)
				if (d->key_id == WATS_KEY_EXTERNAL &&
				    !strcmp(wats__node_keystr(c), wats__node_keystr(d)))
					return 1;
	return 0;
}

/* Duplicate keys anywhere: the last one counts, which is rarely what the writer meant. */
static void check_duplicates(vstate *s, const wats_node *n)
{
	if (n->kind != WATS_NODE_OBJECT && n->kind != WATS_NODE_ARRAY)
		return;
	int dup = n->kind == WATS_NODE_OBJECT && has_duplicates(n);
	size_t i = 0;
	for (const wats_node *c = n->u.first; c; c = c->next, i++) {
		if (dup) {
			for (const wats_node *d = c->next; d; d = d->next) {
				int same = c->key_id != WATS_KEY_EXTERNAL
						   ? c->key_id == d->key_id
						   : (d->key_id == WATS_KEY_EXTERNAL &&
						      !strcmp(wats__node_keystr(c), wats__node_keystr(d)));
				if (same) {
					WARN(s, wats__node_keystr(c), "duplicate-key",
					     "key '%s' appears more than once; the last value is used",
					     wats__node_keystr(c));
					break;
				}
			}
		}
		if (c->kind == WATS_NODE_OBJECT || c->kind == WATS_NODE_ARRAY) {
			size_t o = n->kind == WATS_NODE_OBJECT ? push_key(s, wats__node_keystr(c)) : push_index(s, i);
			check_duplicates(s, c);
			pop(s, o);
		}
	}
}

int wats_report_validate(const wats_report *report, wats_validation **out)
{
	if (out)
		*out = NULL;
	if (!report || !report->doc)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_report_validate: NULL report");
	vstate s = { 0 };
	s.v = calloc(1, sizeof(*s.v));
	if (!s.v)
		return wats__error_oom();
	s.type = wats_report_get_type(report);
	check_duplicates(&s, report->doc);
	check_header(&s, report->doc);
	if (s.type == WATS_REPORT_UUR)
		check_uur(&s, report->doc);
	else
		check_uut(&s, report->doc);
	if (s.oom) {
		wats_validation_free(s.v);
		return wats__error_oom();
	}
	int rc = 0;
	if (s.v->errors) {
		const wats_issue *first = NULL;
		for (size_t i = 0; i < s.v->count && !first; i++)
			if (s.v->items[i].severity == WATS_SEVERITY_ERROR)
				first = &s.v->items[i];
		rc = wats__error(WATS_EVALIDATION, WATS_ERRCLASS_VALIDATION, "%s: %s%s",
				 first ? first->path : "report", first ? first->message : "invalid",
				 s.v->errors > 1 ? " (and more)" : "");
		if (first)
			wats__error_set_path(first->path);
	}
	if (out)
		*out = s.v;
	else
		wats_validation_free(s.v);
	return rc;
}

size_t wats_validation_count(const wats_validation *v)
{
	return v ? v->count : 0;
}

const wats_issue *wats_validation_get(const wats_validation *v, size_t index)
{
	return v && index < v->count ? &v->items[index] : NULL;
}

size_t wats_validation_errors(const wats_validation *v)
{
	return v ? v->errors : 0;
}

void wats_validation_free(wats_validation *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->count; i++)
		free((char *)v->items[i].path);
	free(v->items);
	free(v);
}
