/*
 * Header extraction for WSJF bodies with the yajl event parser: one pass, no tree, only the
 * values under a few known keys are copied. The pass also proves the body is well-formed JSON
 * with valid UTF-8 and bounded nesting, which is what the server must check anyway.
 */
#include "report_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "devserver.h"

/* What the object or array we are inside of means to us. */
typedef enum { F_OTHER, F_TOP, F_UUT, F_UUR, F_MISC_ARR, F_MISC, F_SUB_ARR, F_SUB } frame_kind;

/* Keys we care about, per frame kind. */
enum {
	K_NONE, K_ID, K_TYPE, K_PN, K_SN, K_REV, K_PROCESS_CODE, K_PROCESS_NAME, K_RESULT,
	K_MACHINE, K_LOCATION, K_PURPOSE, K_START, K_UUT, K_UUR, K_MISC, K_SUBUNITS,
	K_USER, K_BATCH_SN, K_FIXTURE, K_EXEC_TIME, K_COMMENT, K_SOCKET, K_ERROR_CODE,
	K_ERROR_MESSAGE, K_REF_UUT, K_DESCRIPTION, K_TEXT, K_NUMERIC, K_PART_TYPE
};

#define MAX_FRAMES 1024

typedef struct {
	ds_report_meta *m;
	unsigned max_depth;
	unsigned depth;
	frame_kind frames[MAX_FRAMES];
	int key;                /* current key in the innermost object */
	int too_deep;
	int not_object;
} ctx;

static const struct { const char *name; int key; } top_keys[] = {
	{ "id", K_ID }, { "type", K_TYPE }, { "pn", K_PN }, { "sn", K_SN }, { "rev", K_REV },
	{ "processCode", K_PROCESS_CODE }, { "processName", K_PROCESS_NAME },
	{ "result", K_RESULT }, { "machineName", K_MACHINE }, { "location", K_LOCATION },
	{ "purpose", K_PURPOSE }, { "start", K_START }, { "uut", K_UUT }, { "uur", K_UUR },
	{ "miscInfos", K_MISC }, { "subUnits", K_SUBUNITS },
}, info_keys[] = {
	{ "user", K_USER }, { "batchSN", K_BATCH_SN }, { "fixtureId", K_FIXTURE },
	{ "execTime", K_EXEC_TIME }, { "comment", K_COMMENT }, { "testSocketIndex", K_SOCKET },
	{ "errorCode", K_ERROR_CODE }, { "errorMessage", K_ERROR_MESSAGE },
	{ "refUUT", K_REF_UUT }, { "processCode", K_PROCESS_CODE },
}, misc_keys[] = {
	{ "description", K_DESCRIPTION }, { "text", K_TEXT }, { "numeric", K_NUMERIC },
}, sub_keys[] = {
	{ "pn", K_PN }, { "sn", K_SN }, { "rev", K_REV }, { "partType", K_PART_TYPE },
};

#define LOOKUP(tab, s, l)                                                                    \
	do {                                                                                 \
		for (size_t i_ = 0; i_ < sizeof(tab) / sizeof(tab[0]); i_++)                 \
			if (strlen(tab[i_].name) == (l) && !memcmp(tab[i_].name, (s), (l)))  \
				return tab[i_].key;                                          \
	} while (0)

static int key_of(frame_kind f, const unsigned char *s, size_t l)
{
	switch (f) {
	case F_TOP: LOOKUP(top_keys, s, l); break;
	case F_UUT: case F_UUR: LOOKUP(info_keys, s, l); break;
	case F_MISC: LOOKUP(misc_keys, s, l); break;
	case F_SUB: LOOKUP(sub_keys, s, l); break;
	default: break;
	}
	return K_NONE;
}

static frame_kind top(const ctx *c)
{
	return c->depth ? c->frames[c->depth - 1] : F_OTHER;
}

static void set_str(char **dst, const char *s, size_t l)
{
	free(*dst);
	*dst = s ? strndup(s, l) : NULL;
}


/* A scalar value arrived: s/l is its text, kind 's' string, 'n' number, 'b' bool, 'z' null. */
static void scalar(ctx *c, char kind, const char *s, size_t l)
{
	ds_report_meta *m = c->m;
	frame_kind f = top(c);
	int k = c->key;
	if (f == F_MISC_ARR || f == F_SUB_ARR || f == F_OTHER || k == K_NONE)
		return;
	if (kind == 'z') {
		s = NULL;
		l = 0;
	}
	if (f == F_TOP) {
		char **dst = NULL;
		unsigned bit = 0;
		switch (k) {
		case K_ID: dst = &m->raw_id; bit = DS_WT_ID; break;
		case K_TYPE: dst = &m->type_raw; bit = DS_WT_TYPE; break;
		case K_PN: dst = &m->pn; bit = DS_WT_PN; break;
		case K_SN: dst = &m->sn; bit = DS_WT_SN; break;
		case K_REV: dst = &m->rev; bit = DS_WT_REV; break;
		case K_PROCESS_NAME: dst = &m->process_name; break;
		case K_RESULT: dst = &m->result; bit = DS_WT_RESULT; break;
		case K_MACHINE: dst = &m->machine_name; bit = DS_WT_MACHINE; break;
		case K_LOCATION: dst = &m->location; bit = DS_WT_LOCATION; break;
		case K_PURPOSE: dst = &m->purpose; bit = DS_WT_PURPOSE; break;
		case K_START: dst = &m->start; bit = DS_WT_START; break;
		case K_PROCESS_CODE:
			m->has_process_code = 0;
			set_str(&m->process_code_raw, NULL, 0);
			if (kind == 'n' || kind == 's') {
				char tmp[32], *end;
				snprintf(tmp, sizeof(tmp), "%.*s", (int)(l < 31 ? l : 31), s);
				long long v = strtoll(tmp, &end, 10);
				if (l && l < 31 && !*end) {
					m->has_process_code = 1;
					m->process_code = v;
				} else {
					set_str(&m->process_code_raw, s, l);
				}
			} else if (kind == 'b') {
				set_str(&m->process_code_raw, s, l);
			}
			return;
		default: return;
		}
		if (kind == 'n' || kind == 'b')
			m->wrong_type |= bit;
		else
			m->wrong_type &= ~bit;
		set_str(dst, s, l);
		return;
	}
	if (f == F_UUT || f == F_UUR) {
		char tmp[64];
		snprintf(tmp, sizeof(tmp), "%.*s", (int)(l < 63 ? l : 63), s ? s : "");
		switch (k) {
		case K_USER: set_str(&m->op, s, l); break;
		case K_BATCH_SN: set_str(&m->batch_sn, s, l); break;
		case K_FIXTURE: set_str(&m->fixture_id, s, l); break;
		case K_COMMENT: set_str(&m->comment, s, l); break;
		case K_ERROR_MESSAGE: set_str(&m->error_message, s, l); break;
		case K_REF_UUT: set_str(&m->ref_uut, s, l); break;
		case K_EXEC_TIME:
			m->has_exec_time = kind == 'n';
			m->exec_time = strtod(tmp, NULL);
			break;
		case K_SOCKET:
			m->has_socket = kind == 'n';
			m->socket_index = strtoll(tmp, NULL, 10);
			break;
		case K_ERROR_CODE:
			m->has_error_code = kind == 'n';
			m->error_code = strtoll(tmp, NULL, 10);
			break;
		default: break;
		}
		return;
	}
	if (f == F_MISC && m->nmisc) {
		ds_misc *x = &m->misc[m->nmisc - 1];
		if (k == K_DESCRIPTION)
			set_str(&x->description, s, l);
		else if (k == K_TEXT)
			set_str(&x->text, s, l);
		else if (k == K_NUMERIC && kind == 'n' && !x->text)
			set_str(&x->text, s, l);  /* deprecated numeric -> text, as pyWATS does */
		return;
	}
	if (f == F_SUB && m->nsub) {
		ds_subunit *x = &m->sub[m->nsub - 1];
		if (k == K_PN)
			set_str(&x->pn, s, l);
		else if (k == K_SN)
			set_str(&x->sn, s, l);
		else if (k == K_REV)
			set_str(&x->rev, s, l);
		else if (k == K_PART_TYPE)
			set_str(&x->part_type, s, l);
	}
}

static int push(ctx *c, frame_kind f)
{
	if (c->depth >= c->max_depth || c->depth >= MAX_FRAMES) {
		c->too_deep = 1;
		return 0;
	}
	c->frames[c->depth++] = f;
	c->key = K_NONE;
	return 1;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 8;
	void *p = realloc(*arr, nc * size);
	if (!p)
		return -1;
	memset((char *)p + *cap * size, 0, (nc - *cap) * size);
	*arr = p;
	*cap = nc;
	return 0;
}

static int on_start_map(void *u)
{
	ctx *c = u;
	ds_report_meta *m = c->m;
	frame_kind f = top(c), nf = F_OTHER;
	if (c->depth == 0)
		nf = F_TOP;
	else if (f == F_TOP && c->key == K_UUT)
		nf = F_UUT;
	else if (f == F_TOP && c->key == K_UUR)
		nf = F_UUR;
	else if (f == F_MISC_ARR) {
		if (grow((void **)&m->misc, &m->misc_cap, m->nmisc, sizeof(*m->misc)))
			return 0;
		m->nmisc++;
		nf = F_MISC;
	} else if (f == F_SUB_ARR) {
		if (grow((void **)&m->sub, &m->sub_cap, m->nsub, sizeof(*m->sub)))
			return 0;
		m->nsub++;
		nf = F_SUB;
	}
	return push(c, nf);
}

static int on_start_array(void *u)
{
	ctx *c = u;
	frame_kind f = top(c), nf = F_OTHER;
	if (c->depth == 0) {
		c->not_object = 1;
		return 0;
	}
	if (f == F_TOP && c->key == K_MISC)
		nf = F_MISC_ARR;
	else if (f == F_TOP && c->key == K_SUBUNITS)
		nf = F_SUB_ARR;
	return push(c, nf);
}

static int on_end(void *u)
{
	ctx *c = u;
	c->depth--;
	/* Back in the parent object: its current key is finished. */
	c->key = K_NONE;
	return 1;
}

static int on_key(void *u, const unsigned char *s, size_t l)
{
	ctx *c = u;
	c->key = key_of(top(c), s, l);
	return 1;
}

static int top_scalar_check(ctx *c)
{
	if (c->depth == 0) {
		c->not_object = 1;
		return 0;
	}
	return 1;
}

static int on_null(void *u)
{
	ctx *c = u;
	if (!top_scalar_check(c))
		return 0;
	scalar(c, 'z', NULL, 0);
	return 1;
}

static int on_bool(void *u, int v)
{
	ctx *c = u;
	if (!top_scalar_check(c))
		return 0;
	scalar(c, 'b', v ? "true" : "false", v ? 4 : 5);
	return 1;
}

static int on_number(void *u, const char *s, size_t l)
{
	ctx *c = u;
	if (!top_scalar_check(c))
		return 0;
	scalar(c, 'n', s, l);
	return 1;
}

static int on_string(void *u, const unsigned char *s, size_t l)
{
	ctx *c = u;
	if (!top_scalar_check(c))
		return 0;
	scalar(c, 's', (const char *)s, l);
	return 1;
}

static const yajl_callbacks callbacks = {
	on_null, on_bool, NULL, NULL, on_number, on_string,
	on_start_map, on_key, on_end, on_start_array, on_end,
};

static void line_col(const char *body, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (body[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int ds_report_index_json(ds_report_meta *m, const char *body, size_t len, unsigned max_depth,
			 char *err, size_t errlen)
{
	ctx *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->m = m;
	c->max_depth = max_depth;
	yajl_handle h = yajl_alloc(&callbacks, NULL, c);
	if (!h) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	yajl_status st = yajl_parse(h, (const unsigned char *)body, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	int rc = 0;
	if (st != yajl_status_ok) {
		size_t off = yajl_get_bytes_consumed(h), line, col;
		if (off > len)
			off = len;
		line_col(body, off, &line, &col);
		rc = -1;
		if (c->too_deep) {
			snprintf(err, errlen, "report JSON is nested deeper than %u levels (line %zu, "
				 "column %zu)", max_depth, line, col);
		} else if (c->not_object) {
			snprintf(err, errlen, "report must be a JSON object ({...})");
		} else if (!len) {
			snprintf(err, errlen, "report body is empty");
		} else {
			unsigned char *ye = yajl_get_error(h, 0, (const unsigned char *)body, len);
			char msg[256];
			snprintf(msg, sizeof(msg), "%s", ye ? (const char *)ye : "parse error");
			if (ye)
				yajl_free_error(h, ye);
			/* yajl messages end with a newline. */
			size_t ml = strlen(msg);
			while (ml && (msg[ml - 1] == '\n' || msg[ml - 1] == ' '))
				msg[--ml] = '\0';
			snprintf(err, errlen, "malformed JSON at line %zu, column %zu: %s", line, col,
				 msg);
		}
	}
	yajl_free(h);
	free(c);
	return rc;
}

void ds_report_meta_free(ds_report_meta *m)
{
	char **strs[] = { &m->raw_id, &m->type_raw, &m->pn, &m->sn, &m->rev, &m->result,
			  &m->machine_name, &m->location, &m->purpose, &m->start, &m->process_name,
			  &m->process_code_raw, &m->op, &m->batch_sn, &m->fixture_id, &m->comment,
			  &m->error_message, &m->ref_uut };
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	for (size_t i = 0; i < m->nmisc; i++) {
		free(m->misc[i].description);
		free(m->misc[i].text);
	}
	free(m->misc);
	for (size_t i = 0; i < m->nsub; i++) {
		free(m->sub[i].pn);
		free(m->sub[i].sn);
		free(m->sub[i].rev);
		free(m->sub[i].part_type);
	}
	free(m->sub);
	memset(m, 0, sizeof(*m));
}
