/*
 * Bulk building for the converters: whole objects appended member by member with interned key
 * ids, without the public API's per-member key lookup, duplicate search and UTF-8 re-check.
 * The caller guarantees unique keys, valid UTF-8 and valid JSON number text (the converters'
 * readers check their input once, as it arrives). The documents are exactly those the typed
 * API builds for the same calls, so converters may switch between the two paths freely.
 */
#include <string.h>

#include "report/report_internal.h"
#include "util/copy.h"
#include "util/error.h"

/* The append cache (node.c) must not keep a last child of obj that the builder has since
 * appended after: forget obj there, the next wats__node_append walks the list once. */
static void tail_forget(wats_report *r, const wats_node *obj)
{
	for (unsigned i = 0; i < WATS_APPEND_CACHE; i++)
		if (r->tail[i].parent == obj)
			r->tail[i].parent = NULL;
}

void wats__build_done(wats_obj_builder *b)
{
	tail_forget(b->r, b->obj);
}

void wats__build_on(wats_obj_builder *b, wats_report *r, wats_node *obj)
{
	tail_forget(r, obj);
	b->r = r;
	b->obj = obj;
	wats_node *last = obj->u.first;
	while (last && last->next)
		last = last->next;
	b->last = last;
}

/* A copy of text (len bytes) as the value of node n, just made with its kind (n NULL: OOM
 * already recorded; text NULL: n is a null). n, or NULL on OOM. */
static wats_node *set_text(wats_report *r, wats_node *n, const char *text, size_t len)
{
	if (!n || !text)
		return n;
	char *s = wats__arena_strndup(&r->arena, text, len);
	if (!s) {
		wats__error_oom();
		return NULL;
	}
	n->u.str = s;
	n->len = (uint32_t)len;
	return n;
}

wats_node *wats__build_textn(wats_obj_builder *b, int key_id, wats_node_kind kind, const char *text,
			     size_t len)
{
	return set_text(b->r, wats__build_member(b, key_id, text ? kind : WATS_NODE_NULL), text, len);
}

void wats__build_push(wats_node *arr, wats_node **last, wats_node *child)
{
	child->parent = arr;
	child->next = NULL;
	if (*last)
		(*last)->next = child;
	else
		arr->u.first = child;
	*last = child;
	arr->len++;
}

int wats__report_empty(wats_report **out, wats_block_cache *cache)
{
	wats_report *r = *out = wats__report_alloc(0);
	if (!r)
		return wats__error_oom();
	wats__arena_use_cache(&r->arena, cache);
	r->doc = &r->top;
	r->top.kind = WATS_NODE_OBJECT;
	return 0;
}

int wats__report_create(wats_report **out, wats_report_type type, const char *id, const char *start)
{
	return wats__report_create_in(out, type, id, start, NULL, NULL);
}

/* One node of a batch whose place is known: its next sibling and its child count are given,
 * not found by walking or counting (the batch's nodes are contiguous). */
static inline void fill(wats_node *n, wats_node *parent, wats_node *next, int key_id,
			wats_node_kind kind, const void *str, size_t len)
{
	n->next = next;
	n->parent = parent;
	n->u.str = str;
	n->len = (uint32_t)len;
	n->kind = (uint8_t)kind;
	n->flags = 0;
	n->key_id = (uint16_t)(key_id + 1);
}

/* Fill node n (of a batch) as a member key_id of parent after *prev. */
static inline wats_node *put(wats_node *n, wats_node *parent, wats_node **prev, int key_id,
			     wats_node_kind kind, const char *str, size_t len)
{
	fill(n, parent, NULL, key_id, kind, str, len);
	if (*prev)
		(*prev)->next = n;
	else
		parent->u.first = n;
	parent->len++;
	*prev = n;
	return n;
}

/* Copy text and a NUL to p (measurement texts are short: util/copy.h). */
static inline void at_copy(char *p, const char *s, size_t len)
{
	wats__copy_short(p, s, len);
	p[len] = '\0';
}

/* Copy text into the batch's text block; *at moves on past its NUL. */
static inline const char *text_in(char **at, const char *s, size_t len)
{
	char *p = *at;
	at_copy(p, s, len);
	*at = p + len + 1;
	return p;
}

wats_node *wats__build_numeric_step(wats_obj_builder *b, wats_report *r, const char *type,
				    const char *name, size_t name_len, const wats_numeric_texts *t)
{
	/* The step's own texts in one block, then the planned builder, which copies the value. */
	size_t unit = t->unit ? strlen(t->unit) : 0, high = t->high ? strlen(t->high) : 0,
	       low = t->low ? strlen(t->low) : 0;
	char *at = wats__arena_bytes(&r->arena, name_len + 1 + (t->unit ? unit + 1 : 0) +
						   (t->high ? high + 1 : 0) + (t->low ? low + 1 : 0));
	if (!at) {
		wats__error_oom();
		return NULL;
	}
	const char *op = wats_compop_name(t->op);
	wats_numeric_planned p = {
		.type = type, .type_len = strlen(type), .name = text_in(&at, name, name_len),
		.name_len = name_len, .unit = t->unit ? text_in(&at, t->unit, unit) : NULL,
		.unit_len = unit, .high = t->high ? text_in(&at, t->high, high) : NULL,
		.high_len = high, .low = t->low ? text_in(&at, t->low, low) : NULL, .low_len = low,
		.op = op, .op_len = op ? strlen(op) : 0,
	};
	wats_node *step = wats__build_numeric_planned(r, &p, t->value, t->value ? strlen(t->value) : 0,
						      t->status);
	if (!step)
		return NULL;
	b->r = r;
	b->obj = step;
	b->last = step->u.first;
	while (b->last->next) /* numericMeas, for members appended after it */
		b->last = b->last->next;
	return step;
}

/* The header members of h in document order (NULL h: none). */
static void header_order(const wats_header_texts *h, const char *v[7])
{
	static const wats_header_texts none;
	if (!h)
		h = &none;
	v[0] = h->pn, v[1] = h->sn, v[2] = h->rev, v[3] = h->process_code;
	v[4] = h->machine_name, v[5] = h->location, v[6] = h->purpose;
}

static const int header_keys[7] = { WATS_K_pn, WATS_K_sn, WATS_K_rev, WATS_K_processCode,
				    WATS_K_machineName, WATS_K_location, WATS_K_purpose };

int wats__report_put_header(wats_report *r, const wats_header_texts *h)
{
	const char *v[7];
	header_order(h, v);
	for (int i = 0; i < 7; i++)
		if (v[i] && !wats__obj_put_text(r, r->doc, header_keys[i],
						i == 3 ? WATS_NODE_NUMBER : WATS_NODE_STRING, v[i], strlen(v[i])))
			return wats__failed();
	return 0;
}

int wats__report_create_in(wats_report **out, wats_report_type type, const char *id,
			   const char *start, wats_block_cache *cache, const wats_header_texts *h)
{
	*out = NULL;
	wats_report *r = wats__report_alloc(0);
	if (!r)
		return wats__error_oom();
	wats__arena_use_cache(&r->arena, cache);
	r->doc = &r->top;
	r->top.kind = WATS_NODE_OBJECT;
	/* The members and order of wats_report_new (report.c), from one allocation: a converter
	 * makes one report per row of some files. */
	int uut = type == WATS_REPORT_UUT;
	const char *v[7];
	size_t vlen[7], id_len = strlen(id), start_len = strlen(start), bytes = id_len + start_len + 2;
	header_order(h, v);
	for (int i = 0; i < 7; i++)
		bytes += v[i] ? (vlen[i] = strlen(v[i])) + 1 : 0;
	wats_node *n = wats__arena_alloc(&r->arena, (uut ? 21 : 15) * sizeof(wats_node));
	char *at = n ? wats__arena_bytes(&r->arena, bytes) : NULL;
	if (!at) {
		wats_report_free(r);
		return wats__error_oom();
	}
	wats_node *doc = r->doc, *prev = NULL, *iprev = NULL;
	put(n++, doc, &prev, WATS_K_id, WATS_NODE_STRING, text_in(&at, id, id_len), id_len);
	put(n++, doc, &prev, WATS_K_type, WATS_NODE_STRING, uut ? "T" : "R", 1);
	for (int i = 0; i < 7; i++) {
		if (i == 4) /* result sits between processCode and machineName */
			put(n++, doc, &prev, WATS_K_result, WATS_NODE_STRING, "P", 1);
		if (v[i])
			put(n++, doc, &prev, header_keys[i], i == 3 ? WATS_NODE_NUMBER : WATS_NODE_STRING,
			    text_in(&at, v[i], vlen[i]), vlen[i]);
		else
			put(n++, doc, &prev, header_keys[i], WATS_NODE_NULL, NULL, 0);
	}
	put(n++, doc, &prev, WATS_K_start, WATS_NODE_STRING, text_in(&at, start, start_len), start_len);
	wats_node *info = put(n++, doc, &prev, uut ? WATS_K_uut : WATS_K_uur, WATS_NODE_OBJECT, NULL, 0);
	put(n++, info, &iprev, WATS_K_user, WATS_NODE_STRING, "", 0);
	put(n++, doc, &prev, WATS_K_subUnits, WATS_NODE_ARRAY, NULL, 0);
	put(n++, doc, &prev, WATS_K_miscInfos, WATS_NODE_ARRAY, NULL, 0);
	if (uut) {
		wats_node *root = put(n++, doc, &prev, WATS_K_root, WATS_NODE_OBJECT, NULL, 0), *rprev = NULL;
		put(n++, root, &rprev, WATS_K_stepType, WATS_NODE_STRING, "SequenceCall", 12);
		put(n++, root, &rprev, WATS_K_name, WATS_NODE_STRING, "MainSequence Callback", 21);
		put(n++, root, &rprev, WATS_K_group, WATS_NODE_STRING, "M", 1);
		put(n++, root, &rprev, WATS_K_status, WATS_NODE_STRING, "P", 1);
		put(n++, root, &rprev, WATS_K_steps, WATS_NODE_ARRAY, NULL, 0);
	}
	*out = r;
	return 0;
}

wats_node *wats__build_numeric_planned(wats_report *r, const wats_numeric_planned *p,
				       const char *value, size_t value_len, wats_status status)
{
	size_t extra = !!p->unit + !!p->high + !!p->low;
	wats_node *n = wats__arena_alloc(&r->arena, (10 + extra) * sizeof(wats_node));
	char *v = n && value ? wats__arena_bytes(&r->arena, value_len + 1) : NULL;
	if (!n || (value && !v)) {
		wats__error_oom();
		return NULL;
	}
	if (v)
		at_copy(v, value, value_len);
	const char *st = wats__status_letter(status);
	size_t st_len = st ? 1 : 0;
	/* n[0] the step: stepType name group status numericMeas (n[1..5]); n[6] the measurement:
	 * status value [unit] compOp [highLimit] [lowLimit] (n[7..]). */
	wats_node *step = n, *m = n + 6, *last = n + 9 + extra, *c = n + 7;
	fill(step, NULL, NULL, -1, WATS_NODE_OBJECT, n + 1, 5); /* key -1: none */
	step->flags = WATS_NF_STATUS_SET; /* as wats_step_set_status leaves it */
	fill(n + 1, step, n + 2, WATS_K_stepType, WATS_NODE_STRING, p->type, p->type_len);
	fill(n + 2, step, n + 3, WATS_K_name, WATS_NODE_STRING, p->name, p->name_len);
	fill(n + 3, step, n + 4, WATS_K_group, WATS_NODE_STRING, "M", 1);
	fill(n + 4, step, n + 5, WATS_K_status, WATS_NODE_STRING, st, st_len);
	fill(n + 5, step, NULL, WATS_K_numericMeas, WATS_NODE_ARRAY, m, 1);
	fill(m, n + 5, NULL, -1, WATS_NODE_OBJECT, c, 3 + extra);
	fill(c, m, c + 1, WATS_K_status, WATS_NODE_STRING, st, st_len), c++;
	fill(c, m, c + 1, WATS_K_value, v ? WATS_NODE_NUMBER : WATS_NODE_NULL, v, v ? value_len : 0), c++;
	if (p->unit)
		fill(c, m, c + 1, WATS_K_unit, WATS_NODE_STRING, p->unit, p->unit_len), c++;
	fill(c, m, c + 1, WATS_K_compOp, WATS_NODE_STRING, p->op, p->op_len), c++;
	if (p->high)
		fill(c, m, c + 1, WATS_K_highLimit, WATS_NODE_NUMBER, p->high, p->high_len), c++;
	if (p->low)
		fill(c, m, c + 1, WATS_K_lowLimit, WATS_NODE_NUMBER, p->low, p->low_len), c++;
	last->next = NULL;
	return step;
}

wats_node *wats__obj_put_text(wats_report *r, wats_node *obj, int key_id, wats_node_kind kind,
			      const char *text, size_t len)
{
	return set_text(r, wats__obj_put(r, obj, key_id, text ? kind : WATS_NODE_NULL), text, len);
}

int wats__obj_remove(wats_report *r, wats_node *obj, int key_id)
{
	wats_node *n = wats__obj_get(obj, key_id);
	if (!n)
		return 0;
	wats_node **pp = &obj->u.first;
	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	obj->len--;
	tail_forget(r, obj); /* it may hold the removed node */
	return 1;
}
