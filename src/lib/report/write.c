/*
 * WSJF writer: the document tree through yajl's generator.
 *
 * Parsed numbers go out as their source text (yajl_gen_number), so a server export is
 * reproduced byte for byte; numbers set from code are formatted once here, shortest
 * round-trip. yajl escapes strings the way the WATS server does (quote, backslash, control
 * characters; "/" and non-ASCII left as they are).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "report/node.h"
#include "util/buf.h"
#include "util/copy.h"
#include "util/error.h"
#include "util/utf8.h"

typedef struct write_state {
	wats_buf out;
	int failed; /* OOM in the print callback */
} write_state;

/* yajl prints in small pieces (quotes, colons, commas one byte each): keep the common case a
 * plain copy into reserved space; the NUL is added once at the end. */
static void print_cb(void *ctx, const char *s, size_t len)
{
	write_state *w = ctx;
	wats_buf *b = &w->out;
	if (b->cap - b->len <= len) {
		if (w->failed || wats__buf_grow(b, len) < 0) {
			w->failed = 1;
			return;
		}
	}
	wats__copy_short(b->ptr + b->len, s, len);
	b->len += len;
}

/* A member path for error messages: root.steps[3].name */
static void node_path(wats_buf *b, const wats_node *n)
{
	if (!n || !n->parent)
		return;
	node_path(b, n->parent);
	const char *key = wats__node_keystr(n);
	if (key) {
		if (b->len)
			wats__buf_putc(b, '.');
		wats__buf_puts(b, key);
	} else {
		size_t i = 0;
		for (const wats_node *c = n->parent->u.first; c && c != n; c = c->next)
			i++;
		wats__buf_printf(b, "[%zu]", i);
	}
}

static int gen_error(const wats_node *n, yajl_gen_status st)
{
	wats_buf path = WATS_BUF_INIT;
	node_path(&path, n);
	const char *why = st == yajl_gen_invalid_string ? "string is not valid UTF-8"
			: st == yajl_max_depth_exceeded ? "nesting deeper than 127 levels"
			: st == yajl_gen_invalid_number ? "number is not finite"
			: "generator error";
	int rc = wats__error(st == yajl_max_depth_exceeded ? WATS_ELIMIT : WATS_EINVAL,
			     WATS_ERRCLASS_JSON, "cannot write %s: %s",
			     path.len ? path.ptr : "the report", why);
	wats__error_set_path(path.len ? path.ptr : NULL);
	wats__buf_dispose(&path);
	return rc;
}

static int gen_node(yajl_gen g, const wats_node *n)
{
	yajl_gen_status st = yajl_gen_status_ok;
	switch (n->kind) {
	case WATS_NODE_NULL:
		st = yajl_gen_null(g);
		break;
	case WATS_NODE_BOOL:
		st = yajl_gen_bool(g, n->u.boolean);
		break;
	case WATS_NODE_NUMBER:
		if (n->flags & WATS_NF_NUM_DOUBLE) {
			char buf[40];
			int len = (n->flags & WATS_NF_NUM_INT)
					  ? snprintf(buf, sizeof(buf), "%lld", (long long)n->u.num)
					  : wats__format_double(buf, sizeof(buf), n->u.num);
			st = yajl_gen_number(g, buf, (size_t)len);
		} else {
			st = yajl_gen_number(g, n->u.str, n->len);
		}
		break;
	case WATS_NODE_STRING:
		if (!wats__utf8_valid(n->u.str, n->len))
			return gen_error(n, yajl_gen_invalid_string);
		st = yajl_gen_string(g, (const unsigned char *)n->u.str, n->len);
		break;
	case WATS_NODE_OBJECT:
		st = yajl_gen_map_open(g);
		for (const wats_node *c = n->u.first; c && st == yajl_gen_status_ok; c = c->next) {
			const char *key = wats__node_keystr(c);
			int known = c->key_id && c->key_id != WATS_KEY_EXTERNAL; /* interned: valid */
			size_t klen = known ? wats__key_lens[c->key_id - 1] : strlen(key);
			if (!known && !wats__utf8_valid(key, klen))
				return gen_error(c, yajl_gen_invalid_string);
			st = yajl_gen_string(g, (const unsigned char *)key, klen);
			if (st != yajl_gen_status_ok)
				return gen_error(c, st);
			int rc = gen_node(g, c);
			if (rc < 0)
				return rc;
		}
		if (st == yajl_gen_status_ok)
			st = yajl_gen_map_close(g);
		break;
	case WATS_NODE_ARRAY:
		st = yajl_gen_array_open(g);
		for (const wats_node *c = n->u.first; c && st == yajl_gen_status_ok; c = c->next) {
			int rc = gen_node(g, c);
			if (rc < 0)
				return rc;
		}
		if (st == yajl_gen_status_ok)
			st = yajl_gen_array_close(g);
		break;
	}
	return st == yajl_gen_status_ok ? 0 : gen_error(n, st);
}

int wats_report_write(char **out, size_t *len, const wats_report *report, unsigned int flags)
{
	if (!out || !report || !report->doc)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_report_write: NULL argument");
	*out = NULL;
	write_state w = { WATS_BUF_INIT, 0 };
	/* Reserve about what the document will take, so the buffer rarely grows. */
	if (wats__buf_grow(&w.out, report->arena.total / 2) < 0)
		return WATS_ENOMEM;
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g) {
		wats__buf_dispose(&w.out);
		return wats__error_oom();
	}
	yajl_gen_config(g, yajl_gen_print_callback, print_cb, &w);
	/* Strings are checked here (util/utf8.c, eight ASCII bytes at a time) and interned keys
	 * not at all: yajl's own check went byte by byte over every key and value. */
	yajl_gen_config(g, yajl_gen_validate_utf8, 0);
	if (flags & WATS_WRITE_PRETTY) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_config(g, yajl_gen_indent_string, "  ");
	}
	int rc = gen_node(g, report->doc);
	yajl_gen_free(g);
	if (rc == 0 && w.failed)
		rc = wats__error_oom();
	if (rc < 0) {
		wats__buf_dispose(&w.out);
		return rc;
	}
	w.out.ptr[w.out.len] = '\0';
	*out = wats__buf_detach(&w.out, len);
	return 0;
}

int wats_report_write_file(const wats_report *report, const char *path, unsigned int flags)
{
	char *data;
	size_t len;
	int rc = wats_report_write(&data, &len, report, flags);
	if (rc < 0)
		return rc;
	rc = wats__write_file_atomic(path, data, len);
	free(data);
	return rc;
}
