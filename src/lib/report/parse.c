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

/* ---- the fast path: our own scanner ------------------------------------------------------
 *
 * yajl's lexer was a third of the time of a parse. This scanner accepts a strict subset of
 * what yajl accepts (JSON with the four JSON whitespace characters, well-formed UTF-8, no
 * surrogate or NUL \u escapes) and feeds the same callbacks, so the tree is the same node for
 * node. Anything outside that subset, including every error, makes it give up: the report is
 * thrown away and parsed again with yajl, which produces exactly the messages (and the
 * acceptance of yajl's lenient corners) that it always did.
 */

/* Bytes that end the plain run of a string: '"', '\\', controls and non-ASCII. */
#define ROW_(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const uint8_t str_stop[256] = {
	ROW_(1), ROW_(1),                                /* 0x00-0x1F */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x20-0x2F: '"' */
	ROW_(0), ROW_(0),                                /* 0x30-0x4F */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,  /* 0x50-0x5F: '\\' */
	ROW_(0), ROW_(0),                                /* 0x60-0x7F */
	ROW_(1), ROW_(1), ROW_(1), ROW_(1), ROW_(1), ROW_(1), ROW_(1), ROW_(1),
};
#undef ROW_

typedef struct scan {
	const unsigned char *s, *end;
	char *buf;   /* decoded text of strings with escapes */
	size_t cap;
} scan;

static inline void skip_ws(scan *c)
{
	/* Mostly called where there is no whitespace: one compare says so. */
	while (c->s < c->end && *c->s <= ' ' &&
	       (*c->s == ' ' || *c->s == '\n' || *c->s == '\r' || *c->s == '\t'))
		c->s++;
}

/* Length of the well-formed UTF-8 sequence at s (lead byte >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *s, const unsigned char *end)
{
	size_t avail = (size_t)(end - s);
	unsigned char a = s[0];
	if (a >= 0xC2 && a <= 0xDF)
		return avail >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (a >= 0xE0 && a <= 0xEF) {
		if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((a == 0xE0 && s[1] < 0xA0) || (a == 0xED && s[1] > 0x9F))
			return 0;   /* overlong, or a surrogate */
		return 3;
	}
	if (a >= 0xF0 && a <= 0xF4) {
		if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if ((a == 0xF0 && s[1] < 0x90) || (a == 0xF4 && s[1] > 0x8F))
			return 0;   /* overlong, or past U+10FFFF */
		return 4;
	}
	return 0;
}

static int hex4(const unsigned char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char h = s[i];
		unsigned d = h >= '0' && h <= '9' ? (unsigned)(h - '0')
			   : h >= 'a' && h <= 'f' ? (unsigned)(h - 'a') + 10u
			   : h >= 'A' && h <= 'F' ? (unsigned)(h - 'A') + 10u : 16u;
		if (d > 15)
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* Decode the rest of a string that has an escape; c->s is at the first backslash, text..c->s
 * is the plain start. The decoded text goes to c->buf. */
static int scan_escaped(scan *c, const unsigned char *text, const char **out, size_t *len)
{
	size_t n = (size_t)(c->s - text), worst = n + (size_t)(c->end - c->s);
	if (worst + 1 > c->cap) {
		char *nb = realloc(c->buf, worst + 1);
		if (!nb)
			return 0;
		c->buf = nb;
		c->cap = worst + 1;
	}
	char *o = c->buf;
	memcpy(o, text, n);
	const unsigned char *s = c->s, *end = c->end;
	for (;;) {
		while (s < end && !str_stop[*s])
			o[n++] = (char)*s++;
		if (s >= end)
			return 0;
		if (*s == '"')
			break;
		if (*s >= 0x80) {
			size_t k = utf8_seq(s, end);
			if (!k)
				return 0;
			memcpy(o + n, s, k);
			n += k;
			s += k;
			continue;
		}
		if (*s != '\\' || end - s < 2)
			return 0;   /* a control character: yajl's to judge */
		unsigned char e = s[1];
		s += 2;
		switch (e) {
		case '"': case '\\': case '/': o[n++] = (char)e; break;
		case 'b': o[n++] = '\b'; break;
		case 'f': o[n++] = '\f'; break;
		case 'n': o[n++] = '\n'; break;
		case 'r': o[n++] = '\r'; break;
		case 't': o[n++] = '\t'; break;
		case 'u': {
			unsigned cp;
			/* Surrogates and \u0000 get yajl's own treatment: leave them to it. */
			if (end - s < 4 || hex4(s, &cp) < 0 || cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
				return 0;
			s += 4;
			if (cp < 0x80) {
				o[n++] = (char)cp;
			} else if (cp < 0x800) {
				o[n++] = (char)(0xC0 | cp >> 6);
				o[n++] = (char)(0x80 | (cp & 0x3F));
			} else {
				o[n++] = (char)(0xE0 | cp >> 12);
				o[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				o[n++] = (char)(0x80 | (cp & 0x3F));
			}
			break;
		}
		default: return 0;
		}
	}
	c->s = s + 1;
	o[n] = '\0';
	*out = o;
	*len = n;
	return 1;
}

/* Bit 7 set in each byte of x that str_stop flags (exact for the lowest such byte, which is
 * all we use: the borrows of the subtractions only spill into the bytes above a match). */
static inline uint64_t stop_bytes(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
	return (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x) & high;
}

/* The first byte at or after s that ends a plain run of string text. */
static inline const unsigned char *plain_run(const unsigned char *s, const unsigned char *end)
{
	while (end - s >= 8) {
		uint64_t x;
		memcpy(&x, s, 8);
		uint64_t m = stop_bytes(x);
		if (m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return s + (__builtin_ctzll(m) >> 3);
#else
			break;
#endif
		}
		s += 8;
	}
	while (s < end && !str_stop[*s])
		s++;
	return s;
}

/* A string at c->s (the opening quote): its text, pointing into the input when it has no
 * escapes (as yajl does). 0 = give up. */
static inline int scan_string(scan *c, const char **out, size_t *len)
{
	const unsigned char *text = ++c->s, *s = text, *end = c->end;
	for (;;) {
		s = plain_run(s, end);
		if (s >= end)
			return 0;
		if (*s == '"')
			break;
		if (*s < 0x80) {
			if (*s != '\\')
				return 0;
			c->s = s;
			return scan_escaped(c, text, out, len);
		}
		size_t k = utf8_seq(s, end);
		if (!k)
			return 0;
		s += k;
	}
	*out = (const char *)text;
	*len = (size_t)(s - text);
	c->s = s + 1;
	return 1;
}

/* A number, with yajl's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(scan *c, parse_state *p)
{
	const unsigned char *s = c->s, *end = c->end, *start = s;
#define DIGIT(q) ((q) < end && *(q) >= '0' && *(q) <= '9')
	if (s < end && *s == '-')
		s++;
	if (s < end && *s == '0')
		s++;
	else if (DIGIT(s))
		while (DIGIT(s))
			s++;
	else
		return 0;
	if (s < end && *s == '.') {
		s++;
		if (!DIGIT(s))
			return 0;
		while (DIGIT(s))
			s++;
	}
	if (s < end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < end && (*s == '+' || *s == '-'))
			s++;
		if (!DIGIT(s))
			return 0;
		while (DIGIT(s))
			s++;
	}
#undef DIGIT
	c->s = s;
	return on_number(p, (const char *)start, (size_t)(s - start));
}

static int scan_word(scan *c, const char *w, size_t n)
{
	if ((size_t)(c->end - c->s) < n || memcmp(c->s, w, n))
		return 0;
	c->s += n;
	return 1;
}

/* The whole document: 1 parsed, 0 give up (the tree is then incomplete: throw it away). */
static int scan_document(parse_state *p, scan *c)
{
	uint8_t in_obj[HARD_MAX_DEPTH + 2];
	int depth = 0;
	const char *str;
	size_t len;
	skip_ws(c);
	if (c->s >= c->end || *c->s != '{')
		return 0;
value:
	if (c->s >= c->end)
		return 0;
	switch (*c->s) {
	case '{':
		if (depth > HARD_MAX_DEPTH || !on_start_map(p))
			return 0;
		in_obj[depth++] = 1;
		c->s++;
		skip_ws(c);
		if (c->s < c->end && *c->s == '}') {
			c->s++;
			goto close;
		}
		goto key;
	case '[':
		if (depth > HARD_MAX_DEPTH || !on_start_array(p))
			return 0;
		in_obj[depth++] = 0;
		c->s++;
		skip_ws(c);
		if (c->s < c->end && *c->s == ']') {
			c->s++;
			goto close;
		}
		goto value;
	case '"':
		if (!scan_string(c, &str, &len) ||
		    !on_string(p, (const unsigned char *)str, len))
			return 0;
		break;
	case 't':
		if (!scan_word(c, "true", 4) || !on_bool(p, 1))
			return 0;
		break;
	case 'f':
		if (!scan_word(c, "false", 5) || !on_bool(p, 0))
			return 0;
		break;
	case 'n':
		if (!scan_word(c, "null", 4) || !on_null(p))
			return 0;
		break;
	default:
		if (!scan_number(c, p))
			return 0;
		break;
	}
next:
	skip_ws(c);
	if (c->s >= c->end)
		return 0;
	if (*c->s == ',') {
		c->s++;
		skip_ws(c);
		if (in_obj[depth - 1])
			goto key;
		goto value;
	}
	if (*c->s != (in_obj[depth - 1] ? '}' : ']'))
		return 0;
	c->s++;
close:
	on_end(p);
	if (--depth > 0)
		goto next;
	skip_ws(c);
	return c->s == c->end;
key:
	if (c->s >= c->end || *c->s != '"' || !scan_string(c, &str, &len) ||
	    !on_key(p, (const unsigned char *)str, len))
		return 0;
	skip_ws(c);
	if (c->s >= c->end || *c->s != ':')
		return 0;
	c->s++;
	skip_ws(c);
	goto value;
}

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

/* A fresh state and report shell for one attempt at parsing len bytes. */
static int begin_state(parse_state *p, const wats_parse_options *opts, size_t len)
{
	memset(p, 0, sizeof(*p));
	/* Nodes take about 2.2x the text of a typical report: one block, few mallocs. */
	p->r = wats__report_alloc(len * 2 + len / 4);
	if (!p->r)
		return wats__error_oom();
	p->flags = opts->flags;
	p->max_depth = opts->max_depth > 0 ? opts->max_depth : WATS_PARSE_MAX_DEPTH;
	if (p->max_depth > HARD_MAX_DEPTH)
		p->max_depth = HARD_MAX_DEPTH;
	return 0;
}

/* The yajl path: everything the fast path gives up on, with yajl's messages for errors. */
static int parse_yajl(parse_state *p, const char *json, size_t len, const char *file)
{
	yajl_handle h = yajl_alloc(&callbacks, NULL, p);
	if (!h)
		return wats__error_oom();
	int rc = 0;
	yajl_status st = yajl_parse(h, (const unsigned char *)json, len);
	int at_end = 0;
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h);
		at_end = 1;
	}
	if (st != yajl_status_ok)
		rc = report_error(p, h, json, len, file, at_end && !p->err);
	yajl_free(h);
	return rc;
}

static int parse_impl(wats_report **out, const char *json, size_t len,
		      const wats_parse_options *opts, int try_fast)
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
	size_t ws = 0;
	while (ws < len && (json[ws] == ' ' || json[ws] == '\t' || json[ws] == '\n' || json[ws] == '\r'))
		ws++;
	if (ws == len)
		return wats__error_at(WATS_EPARSE, WATS_ERRCLASS_JSON, opts->filename, 1, 1,
				      "%s: empty input: a WSJF report is a JSON object",
				      opts->filename ? opts->filename : "<input>");
	parse_state *p = malloc(sizeof(*p));
	if (!p)
		return wats__error_oom();
	int rc = begin_state(p, opts, len);
	if (rc == 0) {
		int fast = 0;
		if (try_fast) {
			scan sc = { (const unsigned char *)json, (const unsigned char *)json + len,
				    NULL, 0 };
			fast = scan_document(p, &sc);
			free(sc.buf);
		}
		if (!fast) {
			/* Outside the fast path's subset, or not valid: again, with yajl. */
			wats_report_free(p->r);
			rc = begin_state(p, opts, len);
			if (rc == 0)
				rc = parse_yajl(p, json, len, opts->filename);
		}
	}
	if (rc < 0)
		wats_report_free(p->r);
	else
		*out = p->r;
	free(p);
	return rc;
}

int wats_report_parse(wats_report **out, const char *json, size_t len,
		      const wats_parse_options *opts)
{
	return parse_impl(out, json, len, opts, 1);
}

/* wats_report_parse with yajl only, without the fast scanner: a test compares the two.
 * Declared here and in that test, not in report_internal.h, which others are changing. */
int wats__report_parse_yajl(wats_report **out, const char *json, size_t len,
			    const wats_parse_options *opts);
int wats__report_parse_yajl(wats_report **out, const char *json, size_t len,
			    const wats_parse_options *opts)
{
	return parse_impl(out, json, len, opts, 0);
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
