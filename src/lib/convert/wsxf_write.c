/* WSXF writer: the inverse of wsxf_read.c over the same tables. A value goes into a catalogue
 * attribute or element only when the reader's conversion gives it back exactly; everything
 * else (and every absent member the reader would otherwise fill in) goes into the cwats
 * extension attributes, so WSJF -> WSXF -> WSJF is lossless. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert_internal.h"
#include "convert/nodeutil.h"
#include "convert/wsxf_spec.h"

typedef struct wr {
	wats_buf out;
	wats_buf val, ext, absent, cwattrs, path;
	unsigned int flags;
	wats_conversion_log *log;
	long meas_order;
	int rc;
} wr;

/* Characters XML 1.0 cannot carry at all (also not as references). */
static int xml_safe(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = p[i];
		if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
			return 0;
		if (ch == 0xEF && i + 2 < len && p[i + 1] == 0xBF && (p[i + 2] == 0xBE || p[i + 2] == 0xBF))
			return 0;
	}
	return 1;
}

static void put_escaped(wats_buf *b, const char *s, size_t len, int attr)
{
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = attr ? "&quot;" : NULL; break;
		case '\r': rep = "&#13;"; break;
		case '\n': rep = attr ? "&#10;" : NULL; break;
		case '\t': rep = attr ? "&#9;" : NULL; break;
		default: break;
		}
		if (!rep)
			continue;
		wats__buf_put(b, s + run, i - run);
		wats__buf_puts(b, rep);
		run = i + 1;
	}
	wats__buf_put(b, s + run, len - run);
}

static void put_attr(wats_buf *b, const char *name, const char *v, size_t len)
{
	wats__buf_putc(b, ' ');
	wats__buf_puts(b, name);
	wats__buf_puts(b, "=\"");
	put_escaped(b, v, len, 1);
	wats__buf_putc(b, '"');
}

static int xml_name_ok(const char *k)
{
	if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_'))
		return 0;
	for (k++; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
		      *k == '_' || *k == '-' || *k == '.'))
			return 0;
	return 1;
}

static int reserved_cw(const char *k)
{
	return !strcmp(k, "json") || !strcmp(k, "absent");
}

/* Record a member that WSXF cannot carry in the catalogue. */
static void extra(wr *w, const wats_node *m, int as_string_ok)
{
	const char *key = wats_node_key(m);
	if (w->flags & WATS_WSXF_NO_EXTENSIONS) {
		if (w->log) {
			char msg[300];
			snprintf(msg, sizeof(msg), "'%s' has no place in WSXF; not written", key);
			wats_conversion_log *log = w->log;
			wats__cctx c = { "wsxf", NULL, 0, 0, -1, NULL, log, NULL, NULL, 0, 1, NULL, NULL, 0 };
			wats__cctx_warn(&c, 0, w->path.ptr ? w->path.ptr : "", "%s", msg);
		}
		return;
	}
	size_t len;
	const char *s = wats_node_string(m, &len);
	if (as_string_ok && s && strlen(s) == len && xml_safe(s, len) && xml_name_ok(key) &&
	    !reserved_cw(key)) {
		wats__buf_puts(&w->cwattrs, " cw:");
		wats__buf_puts(&w->cwattrs, key);
		wats__buf_puts(&w->cwattrs, "=\"");
		put_escaped(&w->cwattrs, s, len, 1);
		wats__buf_putc(&w->cwattrs, '"');
		return;
	}
	wats__buf_putc(&w->ext, w->ext.len ? ',' : '{');
	wats__json_string(&w->ext, key, strlen(key));
	wats__buf_putc(&w->ext, ':');
	wats__node_json(&w->ext, m);
}

static int all_objects(const wats_node *arr)
{
	for (wats_node *e = wats_node_first(arr); e; e = wats_node_next(e))
		if (wats_node_kind_of(e) != WATS_NODE_OBJECT)
			return 0;
	return 1;
}

static int is_seq_step(const wats_node *obj)
{
	const char *st = wats_node_get_string(obj, "stepType");
	return st && wats_step_kind_from_type(st) == WATS_STEP_SEQUENCE;
}

static int reader_fills(const wsxf_field *f, int is_seq)
{
	return f->dflt == WD_NULL || f->dflt == WD_ARRAY || (f->dflt == WD_ARRAY_SEQ && is_seq) ||
	       f->src == WS_BODY;
}

static void write_object(wr *w, int kind, const wats_node *obj, long index);

static size_t path_push(wr *w, const char *key, long index)
{
	size_t old = w->path.len;
	if (key) {
		if (w->path.len)
			wats__buf_putc(&w->path, '.');
		wats__buf_puts(&w->path, key);
	}
	if (index >= 0)
		wats__buf_printf(&w->path, "[%ld]", index);
	return old;
}

static void path_pop(wr *w, size_t old)
{
	w->path.len = old;
	if (w->path.ptr)
		w->path.ptr[old] = '\0';
}

static void write_children(wr *w, const wsxf_spec *s, const wats_node *obj, const char *process)
{
	for (int xo = 1; xo <= 12; xo++) {
		if (xo == 3 && process)
			wats__buf_puts(&w->out, process);
		for (size_t i = 0; i < s->n; i++) {
			const wsxf_field *f = &s->fields[i];
			if (f->xo != xo)
				continue;
			const wats_node *v = wats_node_get(obj, f->json);
			if (!v)
				continue;
			if (f->src == WS_TEXT && wats_node_kind_of(v) == WATS_NODE_STRING) {
				size_t len;
				const char *t = wats_node_string(v, &len);
				if (strlen(t) != len || !xml_safe(t, len))
					continue; /* went to the extension */
				wats__buf_printf(&w->out, "<%s>", f->xml);
				put_escaped(&w->out, t, len, 0);
				wats__buf_printf(&w->out, "</%s>", f->xml);
			} else if (f->src == WS_OBJ && wats_node_kind_of(v) == WATS_NODE_OBJECT) {
				size_t old = path_push(w, f->json, -1);
				write_object(w, f->kind, v, 0);
				path_pop(w, old);
			} else if (f->src == WS_ARR && wats_node_kind_of(v) == WATS_NODE_ARRAY &&
				   all_objects(v)) {
				long k = 0;
				for (wats_node *e = wats_node_first(v); e; e = wats_node_next(e), k++) {
					size_t old = path_push(w, f->json, k);
					write_object(w, f->kind, e, k);
					path_pop(w, old);
				}
			}
		}
	}
}

static void write_object(wr *w, int kind, const wats_node *obj, long index)
{
	const wsxf_spec *s = &wats__wsxf_specs[kind];
	int is_seq = kind == WK_STEP && is_seq_step(obj);
	/* Per-object scratch: saved and restored around the recursion into children. */
	wats_buf ext = w->ext, cwattrs = w->cwattrs, absent = w->absent;
	wats_buf attrs = WATS_BUF_INIT, sub = WATS_BUF_INIT, body = WATS_BUF_INIT;
	memset(&w->ext, 0, sizeof(w->ext));
	memset(&w->cwattrs, 0, sizeof(w->cwattrs));
	memset(&w->absent, 0, sizeof(w->absent));
	int has_body = 0, has_children = 0;

	for (wats_node *m = wats_node_first(obj); m; m = wats_node_next(m)) {
		const char *key = wats_node_key(m);
		const wsxf_field *f = wats__wsxf_field(s, key);
		wats_node_kind k = wats_node_kind_of(m);
		if (!f || f->src == WS_EXT) {
			extra(w, m, 1);
			continue;
		}
		switch (f->src) {
		case WS_ATTR:
		case WS_SUB:
			if (k == WATS_NODE_NULL && f->dflt == WD_NULL && f->conv != WC_STRN)
				break; /* the reader restores the null */
			if (wats__wsxf_to_xml(&w->val, f->conv, m) && xml_safe(w->val.ptr, w->val.len) &&
			    strlen(w->val.ptr) == w->val.len) {
				put_attr(f->src == WS_SUB ? &sub : &attrs, f->xml, w->val.ptr, w->val.len);
			} else {
				extra(w, m, 0);
			}
			break;
		case WS_BODY:
		case WS_TEXT: {
			size_t len;
			const char *t = wats_node_string(m, &len);
			if (k == WATS_NODE_NULL && f->dflt == WD_NULL)
				break;
			if (t && strlen(t) == len && xml_safe(t, len) && (f->conv != WC_STRN || len)) {
				if (f->src == WS_BODY) {
					put_escaped(&body, t, len, 0);
					has_body = 1;
				} else {
					has_children = 1;
				}
			} else {
				extra(w, m, 0);
			}
			break;
		}
		case WS_OBJ:
			if (k == WATS_NODE_OBJECT)
				has_children = 1;
			else
				extra(w, m, 0);
			break;
		case WS_ARR:
			if (k == WATS_NODE_ARRAY && all_objects(m) &&
			    (wats_node_count(m) || reader_fills(f, is_seq))) {
				has_children |= wats_node_count(m) > 0;
			} else {
				extra(w, m, 0);
			}
			break;
		default:
			extra(w, m, 0);
		}
	}
	if (!(w->flags & WATS_WSXF_NO_EXTENSIONS))
		for (size_t i = 0; i < s->n; i++) {
			const wsxf_field *f = &s->fields[i];
			if (reader_fills(f, is_seq) && !wats_node_get(obj, f->json)) {
				if (w->absent.len)
					wats__buf_putc(&w->absent, ' ');
				wats__buf_puts(&w->absent, f->json);
			}
		}

	/* Open tag: catalogue attributes, compatibility extras, extension attributes. */
	wats__buf_putc(&w->out, '<');
	wats__buf_puts(&w->out, s->element);
	if (attrs.len)
		wats__buf_put(&w->out, attrs.ptr, attrs.len);
	switch (kind) {
	case WK_STEP:
		wats__buf_printf(&w->out, " StepIndex=\"%ld\"", index);
		break;
	case WK_NUMERIC: case WK_PASSFAIL: case WK_STRING:
		wats__buf_printf(&w->out, " MeasIndex=\"%ld\" MeasOrderNumber=\"%ld\"", index,
				 w->meas_order++);
		break;
	case WK_MISC:
		wats__buf_printf(&w->out, " Typedef=\"\" idx=\"%ld\" order_no=\"%ld\"", index, index);
		break;
	case WK_SEQCALL: {
		size_t len;
		const char *p = wats_node_get_string(obj, "path");
		if (p && (p = wats_node_string(wats_node_get(obj, "path"), &len)) && xml_safe(p, len))
			put_attr(&w->out, "Filename", p, len);
		break;
	}
	default:
		break;
	}
	if (w->ext.len) {
		wats__buf_putc(&w->ext, '}');
		put_attr(&w->out, "cw:json", w->ext.ptr, w->ext.len);
	}
	if (w->absent.len)
		put_attr(&w->out, "cw:absent", w->absent.ptr, w->absent.len);
	if (w->cwattrs.len)
		wats__buf_put(&w->out, w->cwattrs.ptr, w->cwattrs.len);
	wats__buf_dispose(&w->ext);
	wats__buf_dispose(&w->cwattrs);
	wats__buf_dispose(&w->absent);
	w->ext = ext, w->cwattrs = cwattrs, w->absent = absent;

	char *process = NULL;
	if (sub.len) {
		wats_buf pb = WATS_BUF_INIT;
		wats__buf_printf(&pb, "<%s", s->sub);
		wats__buf_put(&pb, sub.ptr, sub.len);
		wats__buf_puts(&pb, "/>");
		process = wats__buf_detach(&pb, NULL);
		has_children = 1;
	}
	if (!has_body && !has_children) {
		wats__buf_puts(&w->out, "/>");
	} else {
		wats__buf_putc(&w->out, '>');
		write_children(w, s, obj, process);
		if (has_body)
			wats__buf_put(&w->out, body.ptr, body.len);
		wats__buf_printf(&w->out, "</%s>", s->element);
	}
	free(process);
	wats__buf_dispose(&attrs);
	wats__buf_dispose(&sub);
	wats__buf_dispose(&body);
}

int wats_reports_to_wsxf(char **out, size_t *len, const wats_report *const *reports, size_t n,
			 unsigned int flags, wats_conversion_log *warnings)
{
	if (!out || (!reports && n))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL argument");
	wr w;
	memset(&w, 0, sizeof(w));
	w.flags = flags;
	w.log = warnings;
	w.meas_order = -1;
	if (!(flags & WATS_WSXF_NO_PROLOG)) {
	wats__buf_puts(&w.out, "<?xml version=\"1.0\" encoding=\"utf-8\"?><Reports xmlns=\"" WSXF_NS
		       "\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3."
		       "org/2001/XMLSchema-instance\"");
	if (!(flags & WATS_WSXF_NO_EXTENSIONS))
		wats__buf_puts(&w.out, " xmlns:cw=\"" CW_NS "\"");
	wats__buf_putc(&w.out, '>');
	}
	for (size_t i = 0; i < n; i++) {
		const wats_node *root = wats_report_node((wats_report *)reports[i]);
		if (!root || wats_node_kind_of(root) != WATS_NODE_OBJECT) {
			wats__buf_dispose(&w.out);
			return wats__error(WATS_EINVAL, WATS_ERRCLASS_CONVERT,
					   "report %zu is not a JSON object", i);
		}
		wats__buf_clear(&w.path);
		write_object(&w, WK_REPORT, root, (long)i);
	}
	int rc = flags & WATS_WSXF_NO_EPILOG ? wats__buf_puts(&w.out, "")
					     : wats__buf_puts(&w.out, "</Reports>");
	wats__buf_dispose(&w.val);
	wats__buf_dispose(&w.path);
	if (rc < 0) {
		wats__buf_dispose(&w.out);
		return wats__error_oom();
	}
	*out = wats__buf_detach(&w.out, len);
	return 0;
}

int wats_report_to_wsxf(char **out, size_t *len, const wats_report *report)
{
	if (!report)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL report");
	return wats_reports_to_wsxf(out, len, &report, 1, 0, NULL);
}
