/* WSXF reader: streaming SAX over expat; each <Report> becomes one WSJF report as soon as it
 * ends. The mapping is the table in wsxf_spec.c; the cwats extension attributes (cw:json,
 * cw:absent, cw:<key>) restore what the catalogue cannot carry. */
#include <stdlib.h>
#include <string.h>

#include "convert/nodeutil.h"
#include "convert/wsxf_spec.h"
#include "convert/xmlin.h"
#include "report/report_internal.h"
#include "util/jsonnum.h"

#define MAX_FIELDS 32
#define TAB_SIZE 1024 /* names of all specs: about 200 */

/* Name classes in the lookup table: an attribute, a child element, a WSJF key (cw:KEY), an
 * attribute the reader drops silently. */
enum { C_ATTR, C_CHILD, C_JSON, C_IGN };

typedef struct slot {
	const char *name;
	unsigned char len, kind, cls, idx;
} slot;

enum { F_ROOT, F_OBJ, F_TEXT, F_SUB, F_SKIP };

/* What an attribute name means in an element kind (init_object). */
enum { A_NONE, A_VAL, A_CWVAL, A_CWJSON, A_CWABSENT, A_CWOTHER, A_SKIP, A_IGN, A_WARN };
#define MEMO_POS 16
#define MEMO_NAME 48

typedef struct memo {
	unsigned char act, fi, local; /* action, field index, offset of the local name */
	char name[MEMO_NAME];         /* the full (namespace-expanded) name; "" when unused */
} memo;

typedef struct frame {
	int type;
	int kind;
	const wsxf_spec *spec;
	wats_node *obj;
	const wsxf_field *field; /* F_TEXT: the parent's field */
	uint32_t pending, absent, filled;
	int is_seq;
} frame;

typedef struct rd {
	wats__cctx *c;
	wats_report *cur;
	frame stack[WATS__CONV_MAX_DEPTH + 2];
	int top; /* index of the top frame, -1 when empty */
	wats_buf tmp, tmp2;
	int warned_ns;
	/* Built once per conversion: the interned key id of every field, and one open-addressing
	 * table from (element kind, class, name) to the field, instead of a strcmp over the
	 * element's fields for every attribute. */
	short keys[WK_COUNT][MAX_FIELDS];
	slot tab[TAB_SIZE];
	/* What the attribute at position i of the last element of each kind was and what it
	 * meant: writers put the same attributes in the same order on every element of a kind,
	 * so one strcmp replaces the namespace split, the length and the table lookup. */
	memo memo[WK_COUNT][MEMO_POS];
	int step_type; /* index of stepType among the step element's fields */
} rd;

static unsigned name_hash(int kind, int cls, const char *name, size_t len)
{
	unsigned char c0 = (unsigned char)name[0], cm = (unsigned char)name[len / 2],
		      cl = (unsigned char)name[len - 1];
	return ((unsigned)kind * 40503u + (unsigned)cls * 7919u + (unsigned)len * 131u + c0 * 31u +
		cm * 17u + cl) & (TAB_SIZE - 1);
}

/* The first field of kind whose name (in class cls) is name; -1 when none. */
static int lookup(const rd *d, int kind, int cls, const char *name)
{
	size_t len = strlen(name);
	if (!len || len > 255)
		return -1;
	for (unsigned h = name_hash(kind, cls, name, len);; h = (h + 1) & (TAB_SIZE - 1)) {
		const slot *e = &d->tab[h];
		if (!e->name)
			return -1;
		if (e->kind == kind && e->cls == cls && e->len == len && !memcmp(e->name, name, len))
			return e->idx;
	}
}

static void tab_add(rd *d, int kind, int cls, const char *name, int idx)
{
	size_t len = strlen(name);
	if (lookup(d, kind, cls, name) >= 0)
		return; /* the first field of that name wins, as the scans it replaces did */
	unsigned h = name_hash(kind, cls, name, len);
	while (d->tab[h].name)
		h = (h + 1) & (TAB_SIZE - 1);
	d->tab[h] = (slot){ name, (unsigned char)len, (unsigned char)kind, (unsigned char)cls,
			    (unsigned char)idx };
}

static int tables_init(rd *d)
{
	const wsxf_spec *step = &wats__wsxf_specs[WK_STEP];
	d->step_type = (int)(wats__wsxf_field(step, "stepType") - step->fields);
	for (int k = 0; k < WK_COUNT; k++) {
		const wsxf_spec *s = &wats__wsxf_specs[k];
		for (size_t i = 0; i < s->n && i < MAX_FIELDS; i++) {
			const wsxf_field *fd = &s->fields[i];
			d->keys[k][i] = (short)wats__key_lookup(fd->json, strlen(fd->json));
			if (d->keys[k][i] < 0) /* the builder takes interned keys only */
				return wats__error(WATS_ERROR, WATS_ERRCLASS_CONVERT,
						   "wsxf catalogue key '%s' is not a report model key", fd->json);
			tab_add(d, k, C_JSON, fd->json, (int)i);
			if (fd->src == WS_ATTR)
				tab_add(d, k, C_ATTR, fd->xml, (int)i);
			else if (fd->src == WS_TEXT || fd->src == WS_OBJ || fd->src == WS_ARR)
				tab_add(d, k, C_CHILD, fd->xml, (int)i);
		}
		for (const char *const *a = s->ignored; a && *a; a++)
			tab_add(d, k, C_IGN, *a, 0);
		for (const char *const *a = s->aliases; a && a[0] && a[1]; a += 2) {
			int i = lookup(d, k, C_JSON, a[1]);
			if (i >= 0)
				tab_add(d, k, C_ATTR, a[0], i);
		}
	}
	return 0;
}

/* No namespace, WSXF's or WRML's; bar: the '|' of name, or NULL. */
static int ns_ok_at(const char *name, const char *bar)
{
	if (!bar)
		return 1;
	size_t n = (size_t)(bar - name);
	return (n == sizeof(WSXF_NS) - 1 && !memcmp(name, WSXF_NS, n)) ||
	       (n == sizeof(WRML_NS) - 1 && !memcmp(name, WRML_NS, n));
}

static int ns_ok(const char *name)
{
	return ns_ok_at(name, strrchr(name, '|'));
}

static int oom(void)
{
	return wats__error_oom();
}

/* The reader's conversion of XML text (wats__wsxf_from_xml, without copies for the common
 * string and number cases); warns when the text is not a proper value. */
static void convert_text(rd *d, wats__xml *x, int conv, const char *text, const char *el,
			 const char *attr, wats_node_kind *k, const char **v, size_t *vl)
{
	/* The words every step and measurement carries, as static letters (no copy). */
	static const char *const words[][2] = {
		{ "Passed", "P" }, { "Failed", "F" }, { "Done", "D" }, { "Skipped", "S" },
		{ "Error", "E" }, { "Terminated", "T" }, { "Main", "M" }, { "Setup", "S" },
		{ "Cleanup", "C" }
	};
	int ok = 1;
	if (conv == WC_STATUS || conv == WC_GROUP)
		for (int i = conv == WC_STATUS ? 0 : 6; i < (conv == WC_STATUS ? 6 : 9); i++)
			if (text[0] == words[i][0][0] && !strcmp(text, words[i][0])) {
				*k = WATS_NODE_STRING;
				*v = words[i][1];
				*vl = 1;
				return;
			}
	switch (conv) {
	case WC_STR:
	case WC_STRN:
		*k = conv == WC_STRN && !*text ? WATS_NODE_NULL : WATS_NODE_STRING;
		*v = text;
		*vl = strlen(text);
		return;
	case WC_NUM:
		*v = text;
		*vl = strlen(text);
		if (wats__json_number_valid(text)) {
			*k = WATS_NODE_NUMBER;
			return;
		}
		*k = WATS_NODE_STRING;
		ok = !strcmp(text, "NaN") || !strcmp(text, "Infinity") || !strcmp(text, "-Infinity");
		break;
	default:
		ok = wats__wsxf_from_xml(&d->tmp, k, conv, text);
		*v = d->tmp.ptr ? d->tmp.ptr : "";
		*vl = d->tmp.ptr ? d->tmp.len : 0;
	}
	if (!ok)
		wats__cctx_warn(d->c, wats__xml_line(x), el,
				"%s='%.80s' is not a valid %s; kept as the string", attr, text,
				conv == WC_NUM ? "number" : conv == WC_STATUS ? "status word"
				: conv == WC_GROUP ? "group (Main, Setup, Cleanup)"
				: conv == WC_BOOL ? "boolean" : conv == WC_TYPE ? "report type (UUT, UUR)"
				: "value");
}

/* Append member key (a fresh object: no search) from XML text with a conversion. */
static int build_conv(rd *d, wats__xml *x, wats_obj_builder *b, int key, int conv,
		      const char *text, const char *el, const char *attr)
{
	wats_node_kind k;
	const char *v;
	size_t vl;
	convert_text(d, x, conv, text, el, attr, &k, &v, &vl);
	wats_node *n = k == WATS_NODE_BOOL ? wats__build_member(b, key, k)
		       : (conv == WC_STATUS || conv == WC_GROUP) && v != text && v != d->tmp.ptr
			       ? (wats__build_static(b, key, v) == 0 ? b->last : NULL)
			       : wats__build_textn(b, key, k, k == WATS_NODE_NULL ? NULL : v, vl);
	if (!n)
		return wats__xml_error(x, WATS_ENOMEM, "<%s %s>: out of memory", el, attr);
	if (k == WATS_NODE_BOOL)
		n->u.boolean = !strcmp(v, "true");
	return 0;
}

/* Set obj[key] (replacing a placeholder in place) from XML text with a conversion. */
static int put_conv(rd *d, wats__xml *x, wats_node *obj, int key, int conv, const char *text,
		    const char *el, const char *attr)
{
	wats_node_kind k;
	const char *v;
	size_t vl;
	convert_text(d, x, conv, text, el, attr, &k, &v, &vl);
	wats_node *n = k == WATS_NODE_BOOL ? wats__obj_put(d->cur, obj, key, k)
					   : wats__obj_put_text(d->cur, obj, key, k,
								k == WATS_NODE_NULL ? NULL : v, vl);
	if (!n)
		return wats__xml_error(x, WATS_ENOMEM, "<%s %s>: out of memory", el, attr);
	if (k == WATS_NODE_BOOL)
		n->u.boolean = !strcmp(v, "true");
	return 0;
}

static int field_index(const wsxf_spec *s, const wsxf_field *f)
{
	return (int)(f - s->fields);
}


/* Parse cw:json (an object) into a scratch report; *obj is its node. */
static int parse_extras(rd *d, wats__xml *x, const char *json, wats_report **scratch,
			wats_node **obj)
{
	wats__buf_clear(&d->tmp2);
	wats__buf_puts(&d->tmp2, "{\"x\":");
	wats__buf_puts(&d->tmp2, json);
	if (wats__buf_puts(&d->tmp2, "}") < 0)
		return oom();
	wats_parse_options po = WATS_PARSE_OPTIONS_INIT;
	po.flags = WATS_PARSE_KEEP_ALIASES;
	int rc = wats_report_parse(scratch, d->tmp2.ptr, d->tmp2.len, &po);
	if (rc < 0)
		return wats__xml_error(x, WATS_EPARSE, "cw:json is not valid JSON: %s",
				       wats_error_last()->message);
	*obj = wats_node_get(wats_report_node(*scratch), "x");
	if (!*obj || wats_node_kind_of(*obj) != WATS_NODE_OBJECT) {
		wats_report_free(*scratch);
		*scratch = NULL;
		return wats__xml_error(x, WATS_EPARSE, "cw:json must be a JSON object");
	}
	return 0;
}

/* What attribute name (namespace-expanded) means on an element of kind; *fi: the field. */
static int classify(const rd *d, int kind, const char *name, int *fi, const char **local)
{
	const char *bar = strrchr(name, '|');
	*local = bar ? bar + 1 : name;
	if (bar && (size_t)(bar - name) == sizeof(CW_NS) - 1 && !memcmp(name, CW_NS, sizeof(CW_NS) - 1)) {
		if (!strcmp(*local, "json"))
			return A_CWJSON;
		if (!strcmp(*local, "absent"))
			return A_CWABSENT;
		*fi = lookup(d, kind, C_JSON, *local);
		return *fi >= 0 ? A_CWVAL : A_CWOTHER;
	}
	if (bar && !ns_ok_at(name, bar))
		return A_SKIP;
	*fi = lookup(d, kind, C_ATTR, *local);
	if (*fi >= 0)
		return A_VAL;
	return lookup(d, kind, C_IGN, *local) < 0 ? A_WARN : A_IGN;
}

static int init_object(rd *d, wats__xml *x, frame *f, const char **atts)
{
	const wsxf_spec *s = f->spec;
	const char *el = s->element;
	wats_report *scratch = NULL;
	wats_node *extras = NULL;
	int rc = 0;
	/* One pass over the attributes: catalogue values and cw:<key> values per field. */
	const char *vals[MAX_FIELDS] = { 0 }, *cwvals[MAX_FIELDS] = { 0 };
	const char *cw_json = NULL, *cw_absent = NULL;
	int cw_other = 0;
	memo *mm = d->memo[f->kind];
	for (const char **a = atts; a[0]; a += 2) {
		size_t pos = (size_t)(a - atts) / 2;
		memo *m = pos < MEMO_POS ? &mm[pos] : NULL;
		int act, fi = 0;
		const char *local;
		if (m && m->act != A_NONE && !strcmp(a[0], m->name)) {
			act = m->act;
			fi = m->fi;
			local = a[0] + m->local;
		} else {
			act = classify(d, f->kind, a[0], &fi, &local);
			size_t n = strlen(a[0]);
			if (m && n < MEMO_NAME) {
				memcpy(m->name, a[0], n + 1);
				m->act = (unsigned char)act;
				m->fi = (unsigned char)fi;
				m->local = (unsigned char)(local - a[0]);
			}
		}
		switch (act) {
		case A_VAL: vals[fi] = a[1]; break;
		case A_CWVAL: cwvals[fi] = a[1]; break;
		case A_CWJSON: cw_json = a[1]; break;
		case A_CWABSENT: cw_absent = a[1]; break;
		case A_CWOTHER: cw_other = 1; break;
		case A_WARN:
			wats__cctx_warn(d->c, wats__xml_line(x), el,
					"attribute %s of <%s> has no WSJF equivalent; not converted",
					local, el);
			break;
		default: break; /* A_SKIP: xsi:..., other vocabularies; A_IGN: dropped silently */
		}
	}
	if (cw_json && (rc = parse_extras(d, x, cw_json, &scratch, &extras)) < 0)
		return rc;
	if (cw_absent) {
		const char *p = cw_absent;
		while (*p) {
			while (*p == ' ')
				p++;
			size_t n = strcspn(p, " ");
			for (size_t i = 0; n && i < s->n; i++)
				if (strlen(s->fields[i].json) == n && !memcmp(s->fields[i].json, p, n))
					f->absent |= 1u << i;
			p += n;
		}
	}
	if (f->kind == WK_STEP) {
		const char *st = vals[d->step_type];
		if (cwvals[d->step_type])
			st = cwvals[d->step_type];
		wats_node *es = extras ? wats_node_get(extras, "stepType") : NULL;
		if (es)
			st = wats_node_string(es, NULL);
		/* the two sequence types of wats_step_kind_from_type, without its table scan */
		f->is_seq = st && (!strcmp(st, "SequenceCall") || !strcmp(st, "WATS_SeqCall"));
	}
	/* The object is fresh (just created, or reset by a second element of the same name):
	 * members go in by the bulk builder, in the catalogue's order. */
	wats_obj_builder b;
	wats__build_on(&b, d->cur, f->obj);
	const short *keys = d->keys[f->kind];
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		const wsxf_field *fd = &s->fields[i];
		wats_node *ev = extras ? wats_node_get(extras, fd->json) : NULL;
		if (ev) {
			rc = wats__node_copy(d->cur, f->obj, fd->json, ev);
			wats__build_on(&b, d->cur, f->obj);
			f->filled |= 1u << i;
		} else if (cwvals[i]) {
			rc = wats__build_textn(&b, keys[i], WATS_NODE_STRING, cwvals[i], strlen(cwvals[i]))
				     ? 0 : WATS_ENOMEM;
			f->filled |= 1u << i;
		} else if (fd->src == WS_ATTR) {
			if (vals[i]) {
				rc = build_conv(d, x, &b, keys[i], fd->conv, vals[i], el, fd->xml);
				f->filled |= 1u << i;
			} else if (fd->dflt == WD_NULL && !(f->absent & (1u << i))) {
				rc = wats__build_member(&b, keys[i], WATS_NODE_NULL) ? 0 : WATS_ENOMEM;
			}
		} else if ((fd->flags & WF_PH) || ((fd->flags & WF_PH_SEQ) && f->is_seq)) {
			rc = wats__build_member(&b, keys[i], WATS_NODE_NULL) ? 0 : WATS_ENOMEM;
			f->pending |= 1u << i;
		}
	}
	wats__build_done(&b);
	/* Extras outside the catalogue, in their order. */
	if (extras && !rc)
		for (wats_node *m = wats_node_first(extras); m && !rc; m = wats_node_next(m))
			if (!wats__wsxf_field(s, wats_node_key(m)))
				rc = wats__node_copy(d->cur, f->obj, wats_node_key(m), m);
	wats_report_free(scratch);
	/* cw:<key> strings outside the catalogue. */
	for (const char **a = atts; cw_other && a[0] && !rc; a += 2) {
		if (!wats__xml_in_ns(a[0], CW_NS))
			continue;
		const char *local = wats__xml_local(a[0]);
		if (!strcmp(local, "json") || !strcmp(local, "absent") || wats__wsxf_field(s, local))
			continue;
		rc = wats_node_set_string(d->cur, f->obj, local, a[1]);
	}
	if (rc < 0 && rc != WATS_EPARSE)
		return wats__xml_error(x, rc, "<%s>: %s", el, wats_error_last()->message);
	return rc;
}

static frame *push(rd *d, wats__xml *x, int type)
{
	if (d->top + 1 >= (int)(sizeof(d->stack) / sizeof(d->stack[0]))) {
		wats__xml_error(x, WATS_ELIMIT, "elements nested too deep");
		return NULL;
	}
	frame *f = &d->stack[++d->top];
	memset(f, 0, sizeof(*f));
	f->type = type;
	return f;
}

static int start_report(rd *d, wats__xml *x, const char **atts)
{
	int rc = wats__report_empty(&d->cur, d->c->blocks);
	if (rc < 0)
		return rc;
	frame *f = push(d, x, F_OBJ);
	if (!f)
		return WATS_ELIMIT;
	f->kind = WK_REPORT;
	f->spec = &wats__wsxf_specs[WK_REPORT];
	f->obj = wats_report_node(d->cur);
	return init_object(d, x, f, atts);
}

static int on_start(wats__xml *x, void *ud, const char *name, const char **atts)
{
	rd *d = ud;
	const char *bar = strrchr(name, '|');
	const char *local = bar ? bar + 1 : name;
	frame *top = d->top >= 0 ? &d->stack[d->top] : NULL;
	if (!top) {
		if (!ns_ok(name) || (strcmp(local, "Reports") && strcmp(local, "Report")))
			return wats__xml_error(x, WATS_EPARSE,
					       "root element <%s> is not WSXF (expected <Reports> in "
					       "namespace " WSXF_NS ")", local);
		if (!strcmp(local, "Report")) {
			if (!push(d, x, F_ROOT))
				return WATS_ELIMIT;
			return start_report(d, x, atts);
		}
		return push(d, x, F_ROOT) ? 0 : WATS_ELIMIT;
	}
	if (top->type == F_SKIP || top->type == F_SUB || top->type == F_TEXT) {
		if (top->type == F_TEXT)
			wats__cctx_warn(d->c, wats__xml_line(x), local,
					"element <%s> inside a text element; skipped", local);
		return push(d, x, F_SKIP) ? 0 : WATS_ELIMIT;
	}
	if (!ns_ok_at(name, bar)) {
		if (!d->warned_ns++)
			wats__cctx_warn(d->c, wats__xml_line(x), local,
					"element <%s> of another namespace skipped", local);
		return push(d, x, F_SKIP) ? 0 : WATS_ELIMIT;
	}
	if (top->type == F_ROOT) {
		if (strcmp(local, "Report")) {
			wats__cctx_warn(d->c, wats__xml_line(x), local,
					"element <%s> in <Reports> is not a <Report>; skipped", local);
			return push(d, x, F_SKIP) ? 0 : WATS_ELIMIT;
		}
		return start_report(d, x, atts);
	}
	/* Inside an object element. */
	const wsxf_spec *s = top->spec;
	if (s->sub && !strcmp(local, s->sub)) {
		int rc = 0;
		for (size_t i = 0; i < s->n && !rc; i++) {
			const wsxf_field *fd = &s->fields[i];
			if (fd->src != WS_SUB || (top->filled & (1u << i)))
				continue;
			const char *v = wats__xml_attr(atts, NULL, fd->xml);
			if (!v)
				v = wats__xml_attr(atts, WSXF_NS, fd->xml);
			if (v) {
				rc = put_conv(d, x, top->obj, d->keys[top->kind][i], fd->conv, v, s->sub,
					      fd->xml);
				top->filled |= 1u << i;
			}
		}
		if (rc)
			return rc;
		return push(d, x, F_SUB) ? 0 : WATS_ELIMIT;
	}
	int fi = lookup(d, top->kind, C_CHILD, local);
	const wsxf_field *fd = fi >= 0 ? &s->fields[fi] : NULL;
	if (!fd) {
		wats__cctx_warn(d->c, wats__xml_line(x), local,
				"element <%s> inside <%s> is not part of WSXF; skipped", local,
				s->element);
		return push(d, x, F_SKIP) ? 0 : WATS_ELIMIT;
	}
	int idx = field_index(s, fd);
	wats_node *parent = top->obj;
	if (fd->src == WS_TEXT) {
		frame *f = push(d, x, F_TEXT);
		if (!f)
			return WATS_ELIMIT;
		f->field = fd;
		f->obj = parent;
		return 0;
	}
	wats_node *obj = NULL;
	int key = d->keys[top->kind][idx];
	if (fd->src == WS_OBJ) {
		if ((top->filled & (1u << idx)) && !(top->pending & (1u << idx)))
			wats__cctx_warn(d->c, wats__xml_line(x), local,
					"second <%s> in <%s>; the last one is kept", local, s->element);
		obj = wats__obj_put(d->cur, parent, key, WATS_NODE_OBJECT);
	} else {
		wats_node *arr = wats__obj_get(parent, key);
		if (!arr || arr->kind != WATS_NODE_ARRAY)
			arr = wats__obj_put(d->cur, parent, key, WATS_NODE_ARRAY);
		if (arr && (obj = wats__node_new(d->cur, WATS_NODE_OBJECT)))
			wats__node_append(d->cur, arr, obj);
	}
	if (!obj)
		return wats__xml_error(x, WATS_ENOMEM, "<%s>: out of memory", local);
	top->filled |= 1u << idx;
	frame *f = push(d, x, F_OBJ);
	if (!f)
		return WATS_ELIMIT;
	f->kind = fd->kind;
	f->spec = &wats__wsxf_specs[fd->kind];
	f->obj = obj;
	return init_object(d, x, f, atts);
}

static int finish_object(rd *d, wats__xml *x, frame *f, const char *text, size_t len)
{
	const wsxf_spec *s = f->spec;
	const short *keys = d->keys[f->kind];
	wats_report *r = d->cur;
	int rc = 0;
	(void)len;
	for (size_t i = 0; i < s->n && !rc; i++) {
		const wsxf_field *fd = &s->fields[i];
		uint32_t bit = 1u << i;
		if (fd->src == WS_BODY && !(f->filled & bit)) {
			if (f->absent & bit)
				rc = wats__obj_remove(r, f->obj, keys[i])
					     ? 0 : wats__error(WATS_ENOTFOUND, WATS_ERRCLASS_INVALID,
							       "no member '%s'", fd->json);
			else
				rc = put_conv(d, x, f->obj, keys[i], fd->conv, text, s->element, "(text)");
			continue;
		}
		if (f->filled & bit)
			continue;
		int want = !(f->absent & bit) &&
			   (fd->dflt == WD_NULL || fd->dflt == WD_ARRAY ||
			    (fd->dflt == WD_ARRAY_SEQ && f->is_seq));
		if (f->pending & bit) {
			if (!want)
				wats__obj_remove(r, f->obj, keys[i]); /* the placeholder */
			else if (fd->dflt != WD_NULL)
				rc = wats__obj_put(r, f->obj, keys[i], WATS_NODE_ARRAY) ? 0 : WATS_ENOMEM;
		} else if (want && fd->src != WS_ATTR) {
			rc = wats__obj_put(r, f->obj, keys[i], fd->dflt == WD_NULL ? WATS_NODE_NULL
										: WATS_NODE_ARRAY)
				     ? 0 : WATS_ENOMEM;
		}
	}
	if (rc < 0)
		return wats__xml_error(x, rc, "</%s>: %s", s->element, wats_error_last()->message);
	return 0;
}

static int on_end(wats__xml *x, void *ud, const char *name, const char *text, size_t len)
{
	rd *d = ud;
	(void)name;
	frame *f = &d->stack[d->top];
	int rc = 0;
	if (f->type == F_TEXT) {
		frame *parent = &d->stack[d->top - 1];
		int i = field_index(parent->spec, f->field);
		rc = put_conv(d, x, f->obj, d->keys[parent->kind][i], f->field->conv, text,
			      parent->spec->element, f->field->xml);
		parent->filled |= 1u << i;
	} else if (f->type == F_OBJ) {
		rc = finish_object(d, x, f, text, len);
		if (!rc && f->kind == WK_REPORT) {
			wats_report *r = d->cur;
			d->cur = NULL;
			rc = wats__cctx_emit(d->c, r);
		}
	}
	d->top--;
	return rc;
}

double wats__wsxf_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			 size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)name;
	int ns = wats__find(head, len, WSXF_NS) != NULL || wats__find(head, len, WRML_NS) != NULL;
	int reports = wats__find(head, len, "<Reports") != NULL;
	int report = wats__find(head, len, "<Report ") != NULL;
	if (!ns && !reports && !report)
		return 0;
	wats__xml_peek_attr(sn, size, head, len, "Report", "SN");
	wats__xml_peek_attr(pn, size, head, len, "Report", "PN");
	if (ns && report)
		return 0.98;
	if (ns)
		return 0.9;
	return reports && report ? 0.85 : 0.6;
}

int wats__wsxf_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	rd *d = calloc(1, sizeof(*d));
	if (!d)
		return oom();
	d->c = c;
	d->top = -1;
	wats__xml_handlers h = { d, on_start, on_end };
	int rc = tables_init(d);
	if (!rc)
		rc = wats__xml_parse(c, &h);
	if (!rc && c->count == 0)
		wats__cctx_warn(c, 0, NULL, "the document holds no <Report>");
	wats_report_free(d->cur);
	wats__buf_dispose(&d->tmp);
	wats__buf_dispose(&d->tmp2);
	free(d);
	return rc;
}
