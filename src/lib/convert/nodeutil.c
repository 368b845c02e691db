#include <stdio.h>
#include <string.h>

#include "convert/nodeutil.h"
#include "report/node.h"

const char *wats__node_num_text(const wats_node *n, char *buf, size_t size)
{
	if (!n || n->kind != WATS_NODE_NUMBER)
		return NULL;
	if (!(n->flags & WATS_NF_NUM_DOUBLE))
		return n->u.str; /* the source text, NUL-terminated in the arena */
	return wats_node_number_text(buf, size, n) < 0 ? NULL : buf;
}

int wats__json_string(wats_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	if (wats__buf_grow(b, len + 2) < 0)
		return WATS_ENOMEM;
	b->ptr[b->len++] = '"';
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		/* U+FFFE and U+FFFF are valid JSON but no XML 1.0 document may hold them, and this
		 * JSON travels inside WSXF attributes: write them as escapes. */
		if (ch == 0xEF && i + 2 < len && (unsigned char)s[i + 1] == 0xBF &&
		    ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF)) {
			if (wats__buf_put(b, s + run, i - run) < 0 ||
			    wats__buf_puts(b, (unsigned char)s[i + 2] == 0xBE ? "\\ufffe" : "\\uffff") < 0)
				return WATS_ENOMEM;
			i += 2;
			run = i + 1;
			continue;
		}
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		if (wats__buf_put(b, s + run, i - run) < 0)
			return WATS_ENOMEM;
		run = i + 1;
		char esc[7] = { '\\', 0 };
		switch (ch) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[ch >> 4], esc[5] = hex[ch & 15];
		}
		if (wats__buf_puts(b, esc) < 0)
			return WATS_ENOMEM;
	}
	if (wats__buf_put(b, s + run, len - run) < 0 || wats__buf_putc(b, '"') < 0)
		return WATS_ENOMEM;
	return 0;
}

int wats__node_json(wats_buf *b, const wats_node *n)
{
	char num[128];
	size_t len;
	const char *s;
	switch (wats_node_kind_of(n)) {
	case WATS_NODE_NULL: return wats__buf_puts(b, "null");
	case WATS_NODE_BOOL: return wats__buf_puts(b, wats_node_bool(n) ? "true" : "false");
	case WATS_NODE_NUMBER:
		s = wats__node_num_text(n, num, sizeof(num));
		if (!s) {
			double d = 0;
			wats_node_number(&d, n);
			snprintf(num, sizeof(num), "%.17g", d);
			s = num;
		}
		return wats__buf_puts(b, s);
	case WATS_NODE_STRING:
		s = wats_node_string(n, &len);
		return wats__json_string(b, s, len);
	case WATS_NODE_OBJECT:
	case WATS_NODE_ARRAY: {
		int obj = wats_node_kind_of(n) == WATS_NODE_OBJECT;
		if (wats__buf_putc(b, obj ? '{' : '[') < 0)
			return WATS_ENOMEM;
		int first = 1;
		for (wats_node *c = wats_node_first(n); c; c = wats_node_next(c)) {
			if (!first && wats__buf_putc(b, ',') < 0)
				return WATS_ENOMEM;
			first = 0;
			if (obj) {
				const char *k = wats_node_key(c);
				if (wats__json_string(b, k, strlen(k)) < 0 || wats__buf_putc(b, ':') < 0)
					return WATS_ENOMEM;
			}
			if (wats__node_json(b, c) < 0)
				return WATS_ENOMEM;
		}
		return wats__buf_putc(b, obj ? '}' : ']');
	}
	}
	return 0;
}

int wats__node_copy(wats_report *dst, wats_node *container, const char *key, const wats_node *src)
{
	char num[128];
	size_t len;
	const char *s;
	wats_node *n;
	int rc;
	switch (wats_node_kind_of(src)) {
	case WATS_NODE_NULL: return wats_node_set_null(dst, container, key);
	case WATS_NODE_BOOL: return wats_node_set_bool(dst, container, key, wats_node_bool(src));
	case WATS_NODE_NUMBER:
		if ((s = wats__node_num_text(src, num, sizeof(num))))
			return wats_node_set_number_text(dst, container, key, s);
		{
			double d = 0;
			wats_node_number(&d, src);
			return wats_node_set_number(dst, container, key, d);
		}
	case WATS_NODE_STRING:
		s = wats_node_string(src, &len);
		return wats_node_set_stringn(dst, container, key, s, len);
	case WATS_NODE_OBJECT:
	case WATS_NODE_ARRAY:
		rc = wats_node_kind_of(src) == WATS_NODE_OBJECT
			     ? wats_node_set_object(&n, dst, container, key)
			     : wats_node_set_array(&n, dst, container, key);
		if (rc < 0)
			return rc;
		for (wats_node *c = wats_node_first(src); c; c = wats_node_next(c)) {
			rc = wats__node_copy(dst, n, wats_node_kind_of(src) == WATS_NODE_OBJECT
							     ? wats_node_key(c) : NULL, c);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	return 0;
}
