/*
 * WSJF reader: yajl's event parser feeding the document tree.
 *
 * yajl hands every number over as its source text, so "4.55E-05" and "28.9230769230769" come
 * back out exactly as they went in; json-c would do that too but parses 3x slower here (see
 * docs/PERFORMANCE.md). Keys the model knows are interned (no copy); pyWATS's input aliases are
 * renamed to the WSJF keys in the objects the model knows, and status words become letters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "report/ctx.h"
#include "report/node.h"
#include "report/report_internal.h"
#include "util/buf.h"
#include "util/error.h"

#define HARD_MAX_DEPTH 127

typedef struct parse_state {
	wats_report *r;
	int depth, max_depth;
	unsigned flags;
	wats_node *stack[HARD_MAX_DEPTH + 1];
	wats_node *last[HARD_MAX_DEPTH + 1];   /* last child, for O(1) appends */
	uint8_t ctx[HARD_MAX_DEPTH + 1];       /* object context, or element context of an array */
	uint16_t prev_key[HARD_MAX_DEPTH + 1];  /* id + 1 of the last key read in each open object */
	/* Reports repeat the same key order object after object (every step: id, group, stepType,
	 * ...), so the key that followed this one last time is checked first; a hit costs one
	 * length compare and one memcmp instead of a hash and a probe. */
	uint16_t next_after[WATS_K__COUNT + 1]; /* by previous key id + 1 (0: first key) */
	uint16_t first_in[32];                  /* the first key, by object context */
	const char *key;                        /* pending member name */
	uint16_t key_id;
	int err;                                /* our own reason for cancelling, 0 = yajl's */
	char errmsg[256];
} parse_state;

static int fail(parse_state *p, int code, const char *msg)
{
	p->err = code;
	snprintf(p->errmsg, sizeof(p->errmsg), "%s", msg);
	return 0;
}

/* Attach a new node to the current container; NULL (and cancel) on OOM. */
static wats_node *add(parse_state *p, wats_node_kind kind)
{
	if (p->depth == 0) {
		if (kind != WATS_NODE_OBJECT) {
			fail(p, WATS_EPARSE, "a WSJF report must be a JSON object");
			return NULL;
		}
		p->r->doc = &p->r->top;
		p->r->top.kind = WATS_NODE_OBJECT;
		return p->r->doc;
	}
	wats_node *parent = p->stack[p->depth - 1];
	wats_node *n;
	if (parent->kind == WATS_NODE_OBJECT && !p->key_id) {
		/* An unknown key: its text goes in front of the node (see node.h). */
		const char **slot = wats__arena_alloc(&p->r->arena, sizeof(*slot) + sizeof(*n));
		if (!slot) {
			fail(p, WATS_ENOMEM, "out of memory");
			return NULL;
		}
		*slot = p->key;
		n = (wats_node *)(slot + 1);
		memset(n, 0, sizeof(*n));
		n->key_id = WATS_KEY_EXTERNAL;
	} else {
		n = wats__arena_alloc(&p->r->arena, sizeof(*n));
		if (!n) {
			fail(p, WATS_ENOMEM, "out of memory");
			return NULL;
		}
		memset(n, 0, sizeof(*n));
		if (parent->kind == WATS_NODE_OBJECT)
			n->key_id = p->key_id;
	}
	n->kind = (uint8_t)kind;
	n->parent = parent;
	if (p->last[p->depth - 1])
		p->last[p->depth - 1]->next = n;
	else
		parent->u.first = n;
	p->last[p->depth - 1] = n;
	parent->len++;
	return n;
}

/* Context of a container value about to be opened at the current position. */
static uint8_t value_ctx(parse_state *p, wats_node_kind kind)
{
	if (p->depth == 0)
		return WATS_CTX_REPORT;
	wats_node *parent = p->stack[p->depth - 1];
	uint8_t pctx = p->ctx[p->depth - 1];
	if (parent->kind == WATS_NODE_ARRAY)
		return kind == WATS_NODE_OBJECT ? pctx : WATS_CTX_OTHER;
	if (!p->key_id || p->key_id == WATS_KEY_EXTERNAL)
		return WATS_CTX_OTHER;
	return kind == WATS_NODE_ARRAY ? wats__ctx_elements(pctx, p->key_id - 1)
				       : wats__ctx_member(pctx, p->key_id - 1);
}

static int open_container(parse_state *p, wats_node_kind kind)
{
	if (p->depth >= p->max_depth)
		return fail(p, WATS_ELIMIT, "nesting is deeper than the limit");
	uint8_t ctx = value_ctx(p, kind);
	wats_node *n = add(p, kind);
	if (!n)
		return 0;
	p->stack[p->depth] = n;
	p->last[p->depth] = NULL;
	p->ctx[p->depth] = ctx;
	p->prev_key[p->depth] = 0;
	p->depth++;
	return 1;
}

static int on_start_map(void *ctx)
{
	return open_container(ctx, WATS_NODE_OBJECT);
}

static int on_start_array(void *ctx)
{
	return open_container(ctx, WATS_NODE_ARRAY);
}

static int on_end(void *ctx)
{
	parse_state *p = ctx;
	p->depth--;
	return 1;
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
	parse_state *p = ctx;
	uint16_t prev = p->prev_key[p->depth - 1];
	uint16_t *slot = prev ? &p->next_after[prev] : &p->first_in[p->ctx[p->depth - 1] & 31];
	uint16_t guess = *slot;
	int id;
	if (guess && wats__key_lens[guess - 1] == len && !memcmp(wats__key_names[guess - 1], s, len)) {
		id = guess - 1;
	} else {
		id = wats__key_lookup((const char *)s, len);
		if (id >= 0)
			*slot = (uint16_t)(id + 1);
	}
	p->prev_key[p->depth - 1] = id >= 0 ? (uint16_t)(id + 1) : 0;
	if (id < 0 && !(p->flags & WATS_PARSE_KEEP_ALIASES))
		id = wats__ctx_alias(p->ctx[p->depth - 1], (const char *)s, len);
	if (id >= 0) {
		p->key = WATS_KEY(id);
		p->key_id = (uint16_t)(id + 1);
		return 1;
	}
	p->key_id = 0;
	p->key = wats__arena_strndup(&p->r->arena, (const char *)s, len);
	return p->key ? 1 : fail(p, WATS_ENOMEM, "out of memory");
}

static int on_null(void *ctx)
{
	return add(ctx, WATS_NODE_NULL) != NULL;
}

static int on_bool(void *ctx, int b)
{
	wats_node *n = add(ctx, WATS_NODE_BOOL);
	if (!n)
		return 0;
	n->u.boolean = b ? 1 : 0;
	return 1;
}

static int on_number(void *ctx, const char *s, size_t len)
{
	parse_state *p = ctx;
	wats_node *n = add(p, WATS_NODE_NUMBER);
	if (!n)
		return 0;
	n->u.str = wats__arena_strndup(&p->r->arena, s, len);
	n->len = (uint32_t)len;
	return n->u.str ? 1 : fail(p, WATS_ENOMEM, "out of memory");
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	parse_state *p = ctx;
	wats_node *n = add(p, WATS_NODE_STRING);
	if (!n)
		return 0;
	/* "Passed", "ok", "fail": pyWATS accepts status words; WSJF wants the letter. */
	if (n->key_id && (len != 1 || !(s[0] == 'P' || s[0] == 'F' || s[0] == 'S' || s[0] == 'D' ||
					s[0] == 'E' || s[0] == 'T'))) {
		uint8_t pctx = p->ctx[p->depth - 1];
		int key = n->key_id - 1;
		if ((key == WATS_K_status && (pctx == WATS_CTX_STEP || pctx == WATS_CTX_MEAS)) ||
		    (key == WATS_K_result && pctx == WATS_CTX_REPORT)) {
			char word[32];
			if (len < sizeof(word)) {
				memcpy(word, s, len);
				word[len] = '\0';
				wats_status st = wats_status_parse(word);
				if (st != WATS_STATUS_NONE) {
					char letter = (char)st;
					n->u.str = wats__arena_strndup(&p->r->arena, &letter, 1);
					n->len = 1;
					return n->u.str ? 1 : fail(p, WATS_ENOMEM, "out of memory");
				}
			}
		}
	}
	n->u.str = wats__arena_strndup(&p->r->arena, (const char *)s, len);
	n->len = (uint32_t)len;
	return n->u.str ? 1 : fail(p, WATS_ENOMEM, "out of memory");
}

static const yajl_callbacks callbacks = {
	on_null, on_bool, NULL, NULL, on_number, on_string,
	on_start_map, on_key, on_end, on_start_array, on_end
};

/* 1-based line and column of byte offset `off`. */
static void position(const char *s, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)s[i] & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

static int report_error(parse_state *p, yajl_handle h, const char *json, size_t len,
			const char *file, int at_end)
{
	/* yajl counts the offending byte as consumed: point at it, not after it. A failure found
	 * by yajl_complete_parse (input ended too early) is at the end of the input. */
	size_t off = at_end ? len : yajl_get_bytes_consumed(h);
	if (off > len)
		off = len;
	if (off > 0 && !at_end)
		off--;
	int line, col;
	position(json, off, &line, &col);
	const char *name = file ? file : "<input>";
	if (p->err == WATS_ENOMEM)
		return wats__error_oom();
	if (p->err)
		return wats__error_at(p->err, WATS_ERRCLASS_JSON, file, line, col, "%s:%d:%d: %s%s",
				      name, line, col, p->errmsg,
				      p->err == WATS_ELIMIT ? " (raise max_depth or flatten the input)" : "");
	unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)json, len);
	char text[200];
	snprintf(text, sizeof(text), "%s", msg ? (const char *)msg : "malformed JSON");
	if (msg)
		yajl_free_error(h, msg);
	/* yajl's messages end with a newline; keep ours on one line. */
	for (char *q = text; *q; q++)
		if (*q == '\n')
			*q = ' ';
	size_t tl = strlen(text);
	while (tl && text[tl - 1] == ' ')
		text[--tl] = '\0';
	return wats__error_at(WATS_EPARSE, WATS_ERRCLASS_JSON, file, line, col,
			      "%s:%d:%d: not valid JSON: %s", name, line, col, text);
}

int wats_report_parse(wats_report **out, const char *json, size_t len,
		      const wats_parse_options *opts)
{
	if (!out || (!json && len))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_report_parse: NULL argument");
	*out = NULL;
	wats_parse_options def = WATS_PARSE_OPTIONS_INIT;
	if (!opts)
		opts = &def;
	if (opts->version != WATS_PARSE_OPTIONS_VERSION)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_parse_options.version is %u, expected %d", opts->version,
				   WATS_PARSE_OPTIONS_VERSION);
	if (len >= 3 && !memcmp(json, "\xEF\xBB\xBF", 3)) {
		json += 3;
		len -= 3;
	}
	parse_state *p = calloc(1, sizeof(*p));
	if (!p)
		return wats__error_oom();
	/* Nodes take about 2.2x the text of a typical report: one block, few mallocs. */
	wats_report *r = wats__report_alloc(len * 2 + len / 4);
	if (!r) {
		free(p);
		return wats__error_oom();
	}
	p->r = r;
	p->flags = opts->flags;
	p->max_depth = opts->max_depth > 0 ? opts->max_depth : WATS_PARSE_MAX_DEPTH;
	if (p->max_depth > HARD_MAX_DEPTH)
		p->max_depth = HARD_MAX_DEPTH;
	yajl_handle h = yajl_alloc(&callbacks, NULL, p);
	if (!h) {
		free(p);
		wats_report_free(r);
		return wats__error_oom();
	}
	int rc = 0;
	size_t ws = 0;
	while (ws < len && (json[ws] == ' ' || json[ws] == '\t' || json[ws] == '\n' || json[ws] == '\r'))
		ws++;
	if (ws == len) {
		yajl_free(h);
		free(p);
		wats_report_free(r);
		return wats__error_at(WATS_EPARSE, WATS_ERRCLASS_JSON, opts->filename, 1, 1,
				      "%s: empty input: a WSJF report is a JSON object",
				      opts->filename ? opts->filename : "<input>");
	}
	yajl_status st = yajl_parse(h, (const unsigned char *)json, len);
	int at_end = 0;
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h);
		at_end = 1;
	}
	if (st != yajl_status_ok)
		rc = report_error(p, h, json, len, opts->filename, at_end && !p->err);
	yajl_free(h);
	free(p);
	if (rc < 0) {
		wats_report_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int wats_report_read_file(wats_report **out, const char *path, const wats_parse_options *opts)
{
	if (!out || !path)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_report_read_file: NULL argument");
	*out = NULL;
	char *data;
	size_t len;
	int rc = wats__read_file(&data, &len, path, 0);
	if (rc < 0)
		return rc;
	wats_parse_options o = WATS_PARSE_OPTIONS_INIT;
	if (opts)
		o = *opts;
	if (!o.filename)
		o.filename = path;
	rc = wats_report_parse(out, data, len, &o);
	free(data);
	return rc;
}
