/*
 * CSV with a mapping file (parameter mapping=FILE): the many home-made testers that write
 * CSV. Two layouts:
 *   layout = wide   one data row is one report; columns are header fields and measurements
 *   layout = long   one data row is one step; rows with the same value in the `group`
 *                   column (consecutive) form one report, header fields from its first row
 * Mapping file lines are "key = value" (# comments). A value refers to a column by header name
 * (Serial), by 1-based index ($3), or is a literal in double quotes ("A"). See
 * docs/converters.md for the full list. Rows stream: a report is delivered as soon as it is
 * complete, so memory is bounded by one report.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/lines.h"
#include "report/report_internal.h"
#include "util/buf.h"
#include "util/jsonnum.h"
#include "util/utf8.h"

#define MAX_COLS 4096
#define MAX_MAP 512

enum { K_NUMERIC, K_PASSFAIL, K_STRING, K_ACTION, K_BYCOL };

typedef struct ref {
	int col;          /* 0-based column, -1 = literal/unset */
	char *name;       /* column name to resolve after the header row ... */
	int slot;         /* ... into csvst.rcol[slot] (the mapping is shared, read-only) */
	char *lit;        /* literal text */
	char *block;      /* @Key: the value of line "Key,value" of the header block */
} ref;

typedef struct stepdef {
	char *name;
	int kind;
	ref type, sname, value, low, high, unit, compop, status;
} stepdef;

typedef struct mapping {
	char delim;
	char decimal;
	int header, skip, wide, ragged_pad;
	ref group;
	/* Grown as the mapping file is read (at most MAX_MAP each): fixed arrays made the state
	 * 160 KB that calloc cleared for every file converted. */
	char **hkeys;
	ref *hvals;
	int nh, caph;
	stepdef *steps;
	int ns, caps;
	stepdef row;
	int has_row;
	int nslots;   /* refs by column name (ref.slot) */
} mapping;

typedef struct csvst {
	wats__cctx *c;
	const mapping *m;  /* from the registry's cache (ce), or own when it could not be cached */
	wats__cached *ce;
	mapping *own;
	char delim;        /* the mapping's, or detected from the first record */
	int *rcol;         /* the column of each ref by name (ref.slot), -1 until resolved */
	char **cols;   /* header names */
	int ncols;
	char **f;      /* fields of the current row */
	size_t *fl;    /* their lengths */
	int nf, capf;
	struct plan *plans; /* wide layout: one per mapping step, once the columns are known */
	wats_buf ptext;     /* the plans' constant texts, copied into each report at once */
	const char *rtext;  /* that copy in the current report */
	unsigned char cls[256]; /* byte classes of split (C_END, C_SPACE) for cls_delim */
	char cls_delim;
	int cls_ready;
	int *hkind;         /* what each header key of the mapping sets (H_...), then a flag
			     * per key: set at the report's creation (begin) */
	int hkinds_known;
	const char *code_of; /* the constant processCode text last read, and what it gave */
	char code[24];
	wats_buf row;  /* joined physical lines of a quoted multi-line record */
	wats_buf copy; /* the record as split (split cuts it up; a continued record is re-split) */
	wats_report *r;
	char *cur_group;
	int any_failed, result_set;
	char **bkeys, **bvals; /* the header block (the skipped lines): "Key<delim>value" */
	int nblock;
	wats_node *steps;    /* the root's steps of st->r (fast path) */
	wats_node *last_step;
} csvst;

static void ref_free(ref *r)
{
	free(r->name);
	free(r->lit);
	free(r->block);
}

static void map_free(void *p)
{
	mapping *m = p;
	if (!m)
		return;
	for (int i = 0; i < m->nh; i++) {
		free(m->hkeys[i]);
		ref_free(&m->hvals[i]);
	}
	free(m->hkeys);
	free(m->hvals);
	stepdef *all[MAX_MAP + 1];
	int n = 0;
	for (int i = 0; i < m->ns; i++)
		all[n++] = &m->steps[i];
	all[n++] = &m->row;
	for (int i = 0; i < n; i++) {
		stepdef *s = all[i];
		free(s->name);
		ref *rs[] = { &s->type, &s->sname, &s->value, &s->low, &s->high, &s->unit, &s->compop, &s->status };
		for (size_t k = 0; k < sizeof(rs) / sizeof(rs[0]); k++)
			ref_free(rs[k]);
	}
	ref_free(&m->group);
	free(m->steps);
	free(m);
}

/* Room for one more mapping line of each kind; -1 on OOM. */
static int room_step(mapping *m)
{
	if (m->ns < m->caps)
		return 0;
	int cap = m->caps ? m->caps * 2 : 16;
	stepdef *s = realloc(m->steps, (size_t)cap * sizeof(*s));
	if (!s)
		return -1;
	m->steps = s;
	m->caps = cap;
	return 0;
}

static int room_header(mapping *m)
{
	if (m->nh < m->caph)
		return 0;
	int cap = m->caph ? m->caph * 2 : 16;
	char **k = realloc(m->hkeys, (size_t)cap * sizeof(*k));
	if (k)
		m->hkeys = k;
	ref *v = k ? realloc(m->hvals, (size_t)cap * sizeof(*v)) : NULL;
	if (!v)
		return -1;
	m->hvals = v;
	m->caph = cap;
	return 0;
}

static int parse_ref(ref *r, const char *v, mapping *m)
{
	memset(r, 0, sizeof(*r));
	r->col = -1;
	if (v[0] == '"') {
		size_t n = strlen(v);
		r->lit = strndup(v + 1, n >= 2 && v[n - 1] == '"' ? n - 2 : n - 1);
		return r->lit ? 0 : -1;
	}
	if (v[0] == '@' && v[1]) {
		r->block = strdup(v + 1);
		return r->block ? 0 : -1;
	}
	if (v[0] == '$' && isdigit((unsigned char)v[1])) {
		r->col = atoi(v + 1) - 1;
		return r->col >= 0 ? 0 : -1;
	}
	r->name = strdup(v);
	r->slot = m->nslots++;
	return r->name ? 0 : -1;
}

static int set(const ref *r)
{
	return r->col >= 0 || r->name || r->lit || r->block;
}

/* "numeric value=Col low=$4 unit=\"V\"" */
static int parse_stepdef(stepdef *s, char *spec, mapping *m, csvst *st, long line)
{
	ref *all[] = { &s->type, &s->sname, &s->value, &s->low, &s->high, &s->unit, &s->compop, &s->status };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		ref_free(all[i]); /* a second "row =" line replaces the first */
		memset(all[i], 0, sizeof(*all[i]));
		all[i]->col = -1;
	}
	char *save = NULL;
	char *tok = strtok_r(spec, " \t", &save);
	if (!tok)
		return wats__cctx_error(st->c, WATS_EPARSE, line, 0, "mapping: step definition is empty");
	if (!strcasecmp(tok, "numeric"))
		s->kind = K_NUMERIC;
	else if (!strcasecmp(tok, "passfail"))
		s->kind = K_PASSFAIL;
	else if (!strcasecmp(tok, "string"))
		s->kind = K_STRING;
	else if (!strcasecmp(tok, "action"))
		s->kind = K_ACTION;
	else if (!strncasecmp(tok, "type=", 5)) {
		s->kind = K_BYCOL;
		parse_ref(&s->type, tok + 5, m);
	} else
		return wats__cctx_error(st->c, WATS_EPARSE, line, 0,
					"mapping: step kind '%s' is not numeric, passfail, string, action "
					"or type=COLUMN", tok);
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return wats__cctx_error(st->c, WATS_EPARSE, line, 0, "mapping: '%s' is not key=value", tok);
		*eq = '\0';
		const char *k = tok, *v = eq + 1;
		ref *r = !strcmp(k, "value") ? &s->value : !strcmp(k, "low") ? &s->low
			 : !strcmp(k, "high") ? &s->high : !strcmp(k, "unit") ? &s->unit
			 : !strcmp(k, "compop") ? &s->compop : !strcmp(k, "status") ? &s->status
			 : !strcmp(k, "name") ? &s->sname : !strcmp(k, "type") ? &s->type : NULL;
		if (!r)
			return wats__cctx_error(st->c, WATS_EPARSE, line, 0,
						"mapping: step key '%s' unknown (value low high unit compop "
						"status name type)", k);
		ref_free(r);
		if (parse_ref(r, v, m) < 0)
			return wats__error_oom();
	}
	return 0;
}

/* Parse the mapping file text (NUL-terminated, modified in place) into a new *out. */
static int parse_mapping(mapping **out, csvst *st, const char *path, char *text, size_t len)
{
	mapping *m = calloc(1, sizeof(*m));
	*out = m;
	if (!m)
		return wats__error_oom();
	m->delim = 0;
	m->decimal = '.';
	m->header = 1;
	m->wide = 1;
	m->group.col = -1;
	m->row.type.col = m->row.sname.col = m->row.value.col = m->row.low.col = -1;
	m->row.high.col = m->row.unit.col = m->row.compop.col = m->row.status.col = -1;
	int rc = 0;
	if (!wats__utf8_valid(text, len) || strlen(text) != len) {
		return wats__error_at(WATS_EPARSE, WATS_ERRCLASS_CONVERT, path, 0, 0,
				      "%s: the mapping file is not UTF-8 text", path);
	}
	long line = 0;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		line++;
		l = wats__trim(l);
		if (!*l || *l == '#')
			continue;
		char *eq = strchr(l, '=');
		if (!eq) {
			rc = wats__error_at(WATS_EPARSE, WATS_ERRCLASS_CONVERT, path, (int)line, 0,
					    "%s:%ld: mapping line is not 'key = value'", path, line);
			break;
		}
		*eq = '\0';
		char *k = wats__trim(l), *v = wats__trim(eq + 1);
		if (!strcmp(k, "delimiter"))
			m->delim = !strcmp(v, "tab") || !strcmp(v, "\\t") ? '\t' : !strcmp(v, "auto") ? 0 : v[0];
		else if (!strcmp(k, "decimal"))
			m->decimal = v[0] ? v[0] : '.';
		else if (!strcmp(k, "header"))
			m->header = atoi(v);
		else if (!strcmp(k, "skip"))
			m->skip = atoi(v);
		else if (!strcmp(k, "layout"))
			m->wide = strcmp(v, "long") != 0;
		else if (!strcmp(k, "ragged"))
			m->ragged_pad = !strcmp(v, "pad");
		else if (!strcmp(k, "group")) {
			ref_free(&m->group); /* the last one wins */
			rc = parse_ref(&m->group, v, m);
		}
		else if (!strncmp(k, "step.", 5) && m->ns < MAX_MAP) {
			if (room_step(m) < 0) {
				rc = wats__error_oom();
				break;
			}
			stepdef *s = &m->steps[m->ns++];
			memset(s, 0, sizeof(*s));
			s->name = strdup(k + 5);
			rc = parse_stepdef(s, v, m, st, line);
		} else if (!strcmp(k, "row")) {
			m->has_row = 1;
			rc = parse_stepdef(&m->row, v, m, st, line);
		} else if (m->nh < MAX_MAP) {
			if (room_header(m) < 0) {
				rc = wats__error_oom();
				break;
			}
			memset(&m->hvals[m->nh], 0, sizeof(m->hvals[0]));
			m->hkeys[m->nh] = strdup(k);
			rc = parse_ref(&m->hvals[m->nh++], v, m);
		}
		if (rc < 0)
			break;
	}
	if (!rc && !m->wide && !m->has_row)
		rc = wats__error(WATS_EPARSE, WATS_ERRCLASS_CONVERT, "%s: layout = long needs a 'row = ...' line", path);
	return rc;
}

/*
 * The mapping at path into st->m: from the registry's cache while the file is unchanged (a
 * station converts file after file with one mapping: reading and parsing it was a tenth of a
 * 200-row file's time), else read, parsed and cached. Only mappings that parse are cached, so
 * a broken one reports its error on every conversion.
 */
static int load_mapping(csvst *st, wats__file_cache *fc, const char *path)
{
	struct stat sb;
	if (wats__file_cache_get(&st->ce, fc, path, &sb) < 0)
		fc = NULL; /* no stat to key it by: the read below says why */
	else if (st->ce) {
		st->m = wats__cached_value(st->ce);
		return 0;
	}
	char *text;
	size_t len;
	int rc = wats__read_file(&text, &len, path, 1 << 20);
	if (rc < 0)
		return rc;
	/* the cache keeps the text as read, to compare against a recent file */
	char *keep = fc ? malloc(len + 1) : NULL;
	if (keep)
		memcpy(keep, text, len + 1);
	mapping *m;
	rc = parse_mapping(&m, st, path, text, len);
	free(text);
	st->m = m;
	if (rc < 0 || !keep || !(st->ce = wats__file_cache_put(fc, path, &sb, keep, len, m, map_free))) {
		free(keep);
		st->own = m; /* freed with the conversion */
	}
	return rc;
}

static int resolve(csvst *st, const ref *r, long line)
{
	if (!r->name)
		return 0;
	for (int i = 0; i < st->ncols; i++)
		if (!strcmp(st->cols[i], r->name)) {
			st->rcol[r->slot] = i;
			return 0;
		}
	return wats__cctx_error(st->c, WATS_EPARSE, line, 0,
				"mapping names column '%s' but the header row has no such column", r->name);
}

static int resolve_all(csvst *st, long line)
{
	const mapping *m = st->m;
	int rc = resolve(st, &m->group, line);
	for (int i = 0; i < m->nh && !rc; i++)
		rc = resolve(st, &m->hvals[i], line);
	const stepdef *all[MAX_MAP + 1];
	int n = 0;
	for (int i = 0; i < m->ns; i++)
		all[n++] = &m->steps[i];
	if (m->has_row)
		all[n++] = &m->row;
	for (int i = 0; i < n && !rc; i++) {
		const ref *rs[] = { &all[i]->type, &all[i]->sname, &all[i]->value, &all[i]->low, &all[i]->high,
			      &all[i]->unit, &all[i]->compop, &all[i]->status };
		for (size_t k = 0; k < sizeof(rs) / sizeof(rs[0]) && !rc; k++)
			rc = resolve(st, rs[k], line);
	}
	return rc;
}

static const char *val(csvst *st, const ref *r)
{
	if (r->lit)
		return r->lit;
	if (r->block) {
		for (int i = st->nblock - 1; i >= 0; i--) /* the last line of a key wins */
			if (!strcmp(st->bkeys[i], r->block))
				return st->bvals[i];
		return NULL;
	}
	int col = r->name ? st->rcol[r->slot] : r->col;
	if (col >= 0 && col < st->nf)
		return st->f[col];
	return NULL;
}

/* Split one record; handles quotes ("" inside). Returns 0, or 1 when a quote is still open. */
/* Byte classes for split: the end of a field (NUL or the delimiter) and isspace, looked up
 * once per byte value instead of two compares and a ctype call per character. */
enum { C_END = 1, C_SPACE = 2 };

static void classes(csvst *st, char d)
{
	for (int c = 0; c < 256; c++)
		st->cls[c] = (unsigned char)((c == 0 || c == (unsigned char)d ? C_END : 0) |
					     (isspace(c) ? C_SPACE : 0));
	st->cls_delim = d;
	st->cls_ready = 1;
}

static int split(csvst *st, char *s)
{
	st->nf = 0;
	char d = st->delim;
	if (!st->cls_ready || st->cls_delim != d)
		classes(st, d);
	const unsigned char *cls = st->cls;
	char *p = s;
	for (;;) {
		if (st->nf == st->capf) {
			int cap = st->capf ? st->capf * 2 : 64;
			if (cap > MAX_COLS)
				return -2;
			char **nf = realloc(st->f, (size_t)cap * sizeof(char *));
			if (nf)
				st->f = nf;
			size_t *nl = nf ? realloc(st->fl, (size_t)cap * sizeof(size_t)) : NULL;
			if (!nl)
				return -1;
			st->fl = nl;
			st->capf = cap;
		}
		char *out = p, *start = p;
		if (*p == '"') {
			p++;
			for (;;) {
				if (!*p)
					return 1;
				if (*p == '"' && p[1] == '"') {
					*out++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*out++ = *p++;
				}
			}
			while (*p && *p != d)
				p++; /* text after the closing quote is ignored */
		} else {
			while (!(cls[(unsigned char)*p] & C_END))
				p++;
			out = p;
		}
		char end = *p;
		*out = '\0';
		/* trimmed as wats__trim does, without its strlen: the field ends at out */
		while (start < out && (cls[(unsigned char)*start] & C_SPACE))
			start++;
		while (out > start && (cls[(unsigned char)out[-1]] & C_SPACE))
			*--out = '\0';
		st->fl[st->nf] = (size_t)(out - start);
		st->f[st->nf++] = start;
		if (!end)
			return 0;
		p++;
	}
}

static int num_text(csvst *st, char *buf, size_t size, const char *v)
{
	if (!v || !*v)
		return 0;
	snprintf(buf, size, "%s", v);
	if (st->m->decimal != '.')
		for (char *p = buf; *p; p++)
			if (*p == st->m->decimal)
				*p = '.';
	return 1;
}

static int set_num(csvst *st, wats_node *obj, const char *key, const char *v, long line, const char *what)
{
	char buf[128];
	if (!num_text(st, buf, sizeof(buf), v))
		return 0;
	if (wats__set_num_text(st->r, obj, key, buf) == 0)
		return 0;
	wats__cctx_warn(st->c, line, what, "'%s' is not a number; kept as text", v);
	return wats_node_set_string(st->r, obj, key, v);
}

/* A numeric cell as the builder may take it: JSON number text no longer than set_num keeps. */
static int plain_num(const char *v)
{
	return v && *v && strlen(v) < 128 && wats__json_number_valid(v);
}

/* plain_num, with the value: the common plain decimal in one pass, else the general check. */
static int num_ok(const char *v, double *d)
{
	size_t n;
	if (v && wats__plain_decimal(v, &n, d) && n < 128)
		return 1;
	if (!plain_num(v))
		return 0;
	*d = wats__num_value(v);
	return 1;
}

/*
 * The common numeric step (value and the limits its operator needs are plain numbers, decimal
 * point): built in one go, the same document as the general path below. 1 when done, 0 when
 * the general path must do it.
 */
static int fast_numeric(csvst *st, const char *name, const char *v, wats_compop op,
			const char *lo, const char *hi, const char *unit, wats_status status,
			int *rc)
{
	int nl = wats_compop_limits(op);
	const char *low = nl == 1 ? (lo && *lo ? lo : hi) : nl == 2 ? lo : NULL;
	const char *high = nl == 2 ? hi : NULL;
	if (nl < 0 || op == WATS_COMP_CASESENSIT || op == WATS_COMP_IGNORECASE)
		return 0; /* not a numeric operator: the general path reports it */
	double dv = 0, dl = 0, dh = 0;
	if (st->m->decimal != '.' || !st->steps || !num_ok(v, &dv) || (nl >= 1 && !num_ok(low, &dl)) ||
	    (nl == 2 && !num_ok(high, &dh)))
		return 0;
	if (status == WATS_STATUS_NONE)
		status = nl <= 0 ? WATS_STATUS_PASSED : wats_compop_eval(op, dv, dl, dh);
	wats_obj_builder b;
	wats_numeric_texts t = { .value = v, .unit = unit, .low = low, .high = high, .op = op,
				 .status = status };
	if (!wats__build_numeric_step(&b, st->r, "ET_NLT", name, strlen(name), &t)) {
		*rc = wats__error_oom();
		return 1;
	}
	wats__build_push(st->steps, &st->last_step, b.obj);
	if (status == WATS_STATUS_FAILED || status == WATS_STATUS_ERROR)
		st->any_failed = 1;
	*rc = 0;
	return 1;
}

static int add_step(csvst *st, const stepdef *d, const char *fallback_name, long line)
{
	wats_step *root, *s; /* the root: looked up only by the general path below */
	const char *name = set(&d->sname) ? val(st, &d->sname) : fallback_name;
	if (!name || !*name)
		name = "Step";
	int kind = d->kind;
	if (kind == K_BYCOL) {
		const char *t = val(st, &d->type);
		if (!t || !*t)
			return 0;
		kind = !strcasecmp(t, "numeric") || !strcasecmp(t, "NumericLimitTest") || !strcasecmp(t, "ET_NLT")
			       ? K_NUMERIC
		       : !strcasecmp(t, "passfail") || !strcasecmp(t, "PassFailTest") || !strcasecmp(t, "ET_PFT")
			       ? K_PASSFAIL
		       : !strcasecmp(t, "string") || !strcasecmp(t, "StringValueTest") || !strcasecmp(t, "ET_SVT")
			       ? K_STRING : K_ACTION;
	}
	const char *v = val(st, &d->value);
	const char *sttext = val(st, &d->status);
	wats_status status = sttext && *sttext ? wats_status_parse(sttext) : WATS_STATUS_NONE;
	if (sttext && *sttext && status == WATS_STATUS_NONE)
		wats__cctx_warn(st->c, line, name, "status '%s' not recognised; evaluated from the limits", sttext);
	int rc;
	wats_meas *m = NULL;
	if (kind == K_NUMERIC) {
		if (!v || !*v) /* an empty cell: the measurement was not taken */
			return 0;
		const char *ops = val(st, &d->compop), *lo = val(st, &d->low), *hi = val(st, &d->high);
		wats_compop op = ops && *ops ? wats_compop_parse(ops)
				 : lo && *lo && hi && *hi ? WATS_COMP_GELE : lo && *lo ? WATS_COMP_GE
				 : hi && *hi ? WATS_COMP_LE : WATS_COMP_LOG;
		if (op == WATS_COMP_UNKNOWN) {
			wats__cctx_warn(st->c, line, name, "operator '%s' not known; LOG used", ops);
			op = WATS_COMP_LOG;
		}
		const char *unit = val(st, &d->unit);
		if (fast_numeric(st, name, v, op, lo, hi, unit && *unit ? unit : NULL, status, &rc))
			return rc;
		st->steps = NULL; /* the general path appends too: no tail kept from here on */
		root = wats_report_root(st->r);
		rc = wats_step_add(&s, root, WATS_STEP_NUMERIC, name);
		if (!rc)
			rc = wats_step_add_numeric(&m, s, NULL, 0, op, 0, 0, unit && *unit ? unit : NULL);
		if (!rc)
			rc = set_num(st, m, "value", v, line, name);
		/* LE/LT with only a high column: the single limit lives in lowLimit. */
		if (!rc && wats_compop_limits(op) == 1)
			rc = set_num(st, m, "lowLimit", lo && *lo ? lo : hi, line, name);
		if (!rc && wats_compop_limits(op) == 2) {
			rc = set_num(st, m, "lowLimit", lo, line, name);
			if (!rc)
				rc = set_num(st, m, "highLimit", hi, line, name);
		}
	} else if (kind == K_PASSFAIL) {
		if (!v || !*v)
			return 0;
		st->steps = NULL;
		int pass = !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "pass") ||
			   !strcasecmp(v, "passed") || !strcasecmp(v, "ok") || !strcasecmp(v, "P");
		root = wats_report_root(st->r);
		rc = wats_step_add(&s, root, WATS_STEP_PASSFAIL, name);
		if (!rc)
			rc = wats_step_add_passfail(&m, s, NULL, pass);
		if (!rc && status == WATS_STATUS_NONE)
			status = pass ? WATS_STATUS_PASSED : WATS_STATUS_FAILED;
	} else if (kind == K_STRING) {
		if (!v)
			return 0;
		st->steps = NULL;
		const char *ops = val(st, &d->compop), *lim = val(st, &d->low);
		wats_compop op = ops && *ops ? wats_compop_parse(ops) : lim ? WATS_COMP_CASESENSIT : WATS_COMP_LOG;
		if (op == WATS_COMP_UNKNOWN)
			op = WATS_COMP_LOG;
		root = wats_report_root(st->r);
		rc = wats_step_add(&s, root, WATS_STEP_STRING, name);
		if (!rc)
			rc = wats_step_add_string(&m, s, NULL, v, op, lim);
	} else {
		st->steps = NULL;
		root = wats_report_root(st->r);
		rc = wats_step_add(&s, root, WATS_STEP_ACTION, name);
		if (!rc && status == WATS_STATUS_NONE)
			status = WATS_STATUS_DONE;
	}
	if (rc < 0)
		return rc;
	if (status == WATS_STATUS_NONE && m)
		status = wats_meas_evaluate(m);
	if (m)
		rc = wats_meas_set_status(m, status);
	if (!rc)
		rc = wats_step_set_status(s, status);
	if (status == WATS_STATUS_FAILED || status == WATS_STATUS_ERROR)
		st->any_failed = 1;
	return rc;
}

/*
 * A wide-layout numeric step whose name, operator, limits and unit do not change from row to
 * row (literals, @Key values or unset): worked out once per file, so that a row costs a value
 * parse and a build. Anything unusual in a row (a value that is not a plain number, a status
 * that does not parse) goes to add_step, which warns and builds the same document.
 */
typedef struct plan {
	int ok;
	int vcol, scol;          /* the value's column; the status column, or -1 */
	wats_status status;      /* a constant status, or NONE */
	const char *name, *low, *high, *unit;
	size_t name_len, low_len, high_len, unit_len;
	size_t name_at, low_at, high_at, unit_at; /* their place in csvst.ptext */
	const char *op_name;
	size_t op_len;
	wats_compop op;
	int nl;                  /* limits the operator takes */
	double dl, dh;
} plan;

static int ref_col(csvst *st, const ref *r)
{
	return r->lit || r->block ? -1 : r->name ? st->rcol[r->slot] : r->col;
}

static int constant(const ref *r)
{
	return !set(r) || r->lit || r->block;
}

static void make_plan(csvst *st, const stepdef *d, plan *p)
{
	memset(p, 0, sizeof(*p));
	if (d->kind != K_NUMERIC || st->m->decimal != '.' || !constant(&d->sname) || !constant(&d->compop) ||
	    !constant(&d->low) || !constant(&d->high) || !constant(&d->unit) || constant(&d->value))
		return;
	const char *name = set(&d->sname) ? val(st, &d->sname) : d->name;
	p->name = name && *name ? name : "Step";
	p->vcol = ref_col(st, &d->value);
	p->scol = -1;
	if (set(&d->status) && !constant(&d->status)) {
		p->scol = ref_col(st, &d->status);
	} else {
		const char *t = set(&d->status) ? val(st, &d->status) : NULL;
		if (t && *t && (p->status = wats_status_parse(t)) == WATS_STATUS_NONE)
			return; /* add_step warns on every row, as for a status column */
	}
	/* The operator and limits as add_step and fast_numeric choose them. */
	const char *ops = val(st, &d->compop), *lo = val(st, &d->low), *hi = val(st, &d->high);
	p->op = ops && *ops ? wats_compop_parse(ops) : lo && *lo && hi && *hi ? WATS_COMP_GELE
		: lo && *lo ? WATS_COMP_GE : hi && *hi ? WATS_COMP_LE : WATS_COMP_LOG;
	p->nl = wats_compop_limits(p->op);
	if (p->op == WATS_COMP_UNKNOWN || p->nl < 0 || p->op == WATS_COMP_CASESENSIT ||
	    p->op == WATS_COMP_IGNORECASE)
		return;
	p->low = p->nl == 1 ? (lo && *lo ? lo : hi) : p->nl == 2 ? lo : NULL;
	p->high = p->nl == 2 ? hi : NULL;
	if ((p->nl >= 1 && !num_ok(p->low, &p->dl)) || (p->nl == 2 && !num_ok(p->high, &p->dh)))
		return;
	const char *unit = val(st, &d->unit);
	p->unit = unit && *unit ? unit : NULL;
	p->name_len = strlen(p->name);
	p->low_len = p->low ? strlen(p->low) : 0;
	p->high_len = p->high ? strlen(p->high) : 0;
	p->unit_len = p->unit ? strlen(p->unit) : 0;
	p->op_name = wats_compop_name(p->op);
	p->op_len = strlen(p->op_name);
	p->ok = 1;
}

/* Text t (NUL included) appended to the plans' text block: its offset there. */
static size_t ptext_add(csvst *st, const char *t, size_t len, int *oom)
{
	size_t at = st->ptext.len;
	if (t && wats__buf_put(&st->ptext, t, len + 1) < 0)
		*oom = 1;
	return at;
}

static int make_plans(csvst *st)
{
	const mapping *m = st->m;
	st->plans = malloc((size_t)(m->ns ? m->ns : 1) * sizeof(plan));
	if (!st->plans)
		return wats__error_oom();
	int oom = 0;
	for (int i = 0; i < m->ns; i++) {
		plan *p = &st->plans[i];
		make_plan(st, &m->steps[i], p);
		if (!p->ok)
			continue;
		p->name_at = ptext_add(st, p->name, p->name_len, &oom);
		p->low_at = ptext_add(st, p->low, p->low_len, &oom);
		p->high_at = ptext_add(st, p->high, p->high_len, &oom);
		p->unit_at = ptext_add(st, p->unit, p->unit_len, &oom);
	}
	return oom ? wats__error_oom() : 0;
}

static int planned_step(csvst *st, const plan *p, const stepdef *d, long line)
{
	wats_status status = p->status;
	if (p->scol >= 0 && p->scol < st->nf && st->fl[p->scol] &&
	    (status = wats_status_parse(st->f[p->scol])) == WATS_STATUS_NONE)
		return add_step(st, d, d->name, line); /* warns first, even when the value is empty */
	if (p->vcol < 0 || p->vcol >= st->nf || !st->fl[p->vcol])
		return 0; /* an empty cell: the measurement was not taken */
	const char *v = st->f[p->vcol];
	double dv;
	size_t vn;
	if (!st->steps || (!(wats__plain_decimal(v, &vn, &dv) && vn < 128) && !num_ok(v, &dv)))
		return add_step(st, d, d->name, line);
	if (status == WATS_STATUS_NONE)
		status = p->nl <= 0 ? WATS_STATUS_PASSED : wats_compop_eval(p->op, dv, p->dl, p->dh);
	if (!st->rtext) { /* the first planned step of this report: its copy of the constants */
		char *t = wats__arena_bytes(&st->r->arena, st->ptext.len);
		if (!t)
			return wats__error_oom();
		memcpy(t, st->ptext.ptr, st->ptext.len);
		st->rtext = t;
	}
	wats_numeric_planned np = {
		.type = "ET_NLT", .type_len = 6, .name = st->rtext + p->name_at, .name_len = p->name_len,
		.unit = p->unit ? st->rtext + p->unit_at : NULL, .unit_len = p->unit_len,
		.low = p->low ? st->rtext + p->low_at : NULL, .low_len = p->low_len,
		.high = p->high ? st->rtext + p->high_at : NULL, .high_len = p->high_len,
		.op = p->op_name, .op_len = p->op_len,
	};
	wats_node *step = wats__build_numeric_planned(st->r, &np, v, st->fl[p->vcol], status);
	if (!step)
		return wats__error_oom();
	wats__build_push(st->steps, &st->last_step, step);
	if (status == WATS_STATUS_FAILED || status == WATS_STATUS_ERROR)
		st->any_failed = 1;
	return 0;
}

/* The header keys a mapping may set, told apart once per file rather than by a chain of
 * string compares for every key of every report. */
enum { H_UNKNOWN, H_SN, H_PN, H_REV, H_PROCESS, H_RESULT, H_START, H_OPERATOR, H_STATION,
       H_LOCATION, H_PURPOSE, H_INFO_TEXT, H_INFO_NUM, H_MISC, H_SEQ_NAME, H_SEQ_VERSION };

static int header_kind(const char *k)
{
	static const struct { const char *key; int kind; } keys[] = {
		{ "sn", H_SN }, { "pn", H_PN }, { "rev", H_REV }, { "processCode", H_PROCESS },
		{ "result", H_RESULT }, { "start", H_START }, { "operator", H_OPERATOR },
		{ "station", H_STATION }, { "machineName", H_STATION }, { "location", H_LOCATION },
		{ "purpose", H_PURPOSE }, { "batchSN", H_INFO_TEXT }, { "fixtureId", H_INFO_TEXT },
		{ "comment", H_INFO_TEXT }, { "errorMessage", H_INFO_TEXT }, { "execTime", H_INFO_NUM },
		{ "errorCode", H_INFO_NUM }, { "testSocketIndex", H_INFO_NUM },
		{ "sequenceName", H_SEQ_NAME }, { "sequenceVersion", H_SEQ_VERSION },
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(k, keys[i].key))
			return keys[i].kind;
	return !strncmp(k, "misc.", 5) ? H_MISC : H_UNKNOWN;
}

static int header_fields(csvst *st, long line)
{
	const mapping *m = st->m;
	wats_report *r = st->r;
	int rc = 0;
	/* see begin */
	const unsigned char *taken = st->hkind ? (const unsigned char *)(st->hkind + m->nh) : NULL;
	for (int i = 0; i < m->nh && !rc; i++) {
		if (taken && taken[i])
			continue; /* set when the report was created */
		const char *k = m->hkeys[i], *v = val(st, &m->hvals[i]);
		if (!v || !*v)
			continue;
		switch (st->hkind[i]) {
		case H_SN: rc = wats_report_set_sn(r, v); break;
		case H_PN: rc = wats_report_set_pn(r, v); break;
		case H_REV: rc = wats_report_set_rev(r, v); break;
		case H_PROCESS: {
			char *end;
			long code = strtol(v, &end, 10);
			if (*end)
				wats__cctx_warn(st->c, line, k, "processCode '%s' is not an integer; ignored", v);
			else
				rc = wats_report_set_process_code(r, (int)code);
			break;
		}
		case H_RESULT: {
			wats_status s = wats_status_parse(v);
			if (s == WATS_STATUS_NONE || s == WATS_STATUS_SKIPPED)
				wats__cctx_warn(st->c, line, k, "result '%s' not recognised; derived from the steps", v);
			else {
				rc = wats_report_set_result(r, s);
				st->result_set = 1;
			}
			break;
		}
		case H_START:
			if (wats_report_set_start_text(r, v) < 0) {
				wats__cctx_warn(st->c, line, k, "start '%s' has no UTC offset or does not parse; "
						"kept as written", v);
				rc = wats_node_set_string(r, wats_report_node(r), "start", v);
			}
			break;
		case H_OPERATOR: rc = wats_report_set_operator(r, v); break;
		case H_STATION: rc = wats_report_set_machine_name(r, v); break;
		case H_LOCATION: rc = wats_report_set_location(r, v); break;
		case H_PURPOSE: rc = wats_report_set_purpose(r, v); break;
		case H_INFO_TEXT: rc = wats_node_set_string(r, wats_report_info(r), k, v); break;
		case H_INFO_NUM: rc = set_num(st, wats_report_info(r), k, v, line, k); break;
		case H_MISC: rc = wats_report_add_misc_info(NULL, r, k + 5, v); break;
		case H_SEQ_NAME: rc = wats_step_set_seq_call(wats_report_root(r), NULL, v, NULL); break;
		case H_SEQ_VERSION: rc = wats_step_set_seq_call(wats_report_root(r), NULL, NULL, v); break;
		default: wats__cctx_warn(st->c, line, k, "mapping key '%s' unknown; ignored", k);
		}
	}
	return rc;
}

static int finish(csvst *st)
{
	if (!st->r)
		return 0;
	wats_report *r = st->r;
	st->r = NULL;
	wats_status result = st->any_failed ? WATS_STATUS_FAILED : WATS_STATUS_PASSED;
	if (!st->result_set)
		wats_report_set_result(r, result);
	else
		result = wats_report_result(r);
	wats_step_set_status(wats_report_root(r), result);
	return wats__cctx_emit(st->c, r);
}

/* The header members the report can be created with (see wats_header_texts): the last
 * non-empty value of each, as header_fields would leave it; *taken marks them for
 * header_fields to skip. A processCode that is not an integer stays with header_fields (it
 * warns in its turn). */
static const wats_header_texts *header_texts(csvst *st, wats_header_texts *h, unsigned char *taken)
{
	const mapping *m = st->m;
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < m->nh; i++) {
		const char *v = val(st, &m->hvals[i]), **to = NULL;
		taken[i] = 0;
		if (!v || !*v)
			continue;
		switch (st->hkind[i]) {
		case H_SN: to = &h->sn; break;
		case H_PN: to = &h->pn; break;
		case H_REV: to = &h->rev; break;
		case H_STATION: to = &h->machine_name; break;
		case H_LOCATION: to = &h->location; break;
		case H_PURPOSE: to = &h->purpose; break;
		case H_PROCESS: {
			/* a literal or @Key value is parsed once per file; a cell every row */
			const ref *cr = &m->hvals[i];
			if (!(cr->lit || cr->block) || v != st->code_of) {
				char *end;
				long c = strtol(v, &end, 10);
				if (*end) /* st->code may hold an earlier key's value, still to be used */
					continue;
				wats__format_int(st->code, (int)c); /* as wats_report_set_process_code */
				st->code_of = v;
			}
			to = &h->process_code;
			v = st->code;
			break;
		}
		default: continue;
		}
		*to = v;
		taken[i] = 1;
	}
	return h;
}

static int begin(csvst *st, long line)
{
	const mapping *m = st->m;
	if (!st->hkind && m->nh && !(st->hkind = malloc((size_t)m->nh * (sizeof(int) + 1))))
		return wats__error_oom();
	for (int i = 0; st->hkind && i < m->nh && !st->hkinds_known; i++)
		st->hkind[i] = header_kind(m->hkeys[i]);
	st->hkinds_known = 1;
	unsigned char *taken = st->hkind ? (unsigned char *)(st->hkind + m->nh) : NULL;
	wats_header_texts h;
	int rc = wats__new_uut_with(&st->r, st->c, taken ? header_texts(st, &h, taken)
							 : NULL);
	st->any_failed = st->result_set = 0;
	if (rc)
		return rc;
	/* The fast path appends to the root's steps itself while only it has added steps. */
	st->steps = wats__obj_get(wats_report_root(st->r), WATS_K_steps);
	st->last_step = NULL;
	st->rtext = NULL;
	if (st->steps && (st->steps->kind != WATS_NODE_ARRAY || st->steps->len))
		st->steps = NULL;
	rc = header_fields(st, line);
	if (st->steps && st->steps->len) /* sequenceName etc. may have touched the root */
		st->steps = NULL;
	return rc;
}

static int data_row(csvst *st, long line)
{
	const mapping *m = st->m;
	int rc = 0;
	if (m->wide) {
		if (!st->plans && (rc = make_plans(st)) < 0)
			return rc;
		if ((rc = begin(st, line)) < 0)
			return rc;
		for (int i = 0; i < m->ns && !rc; i++)
			rc = st->plans[i].ok ? planned_step(st, &st->plans[i], &m->steps[i], line)
					     : add_step(st, &m->steps[i], m->steps[i].name, line);
		return rc ? rc : finish(st);
	}
	const char *g = set(&m->group) ? val(st, &m->group) : "";
	if (!g)
		g = "";
	if (st->r && st->cur_group && strcmp(st->cur_group, g)) {
		if ((rc = finish(st)) < 0)
			return rc;
	}
	if (!st->r) {
		free(st->cur_group);
		st->cur_group = strdup(g);
		if ((rc = begin(st, line)) < 0)
			return rc;
	}
	return add_step(st, &m->row, NULL, line);
}

/* A line of the header block (the `skip` lines before the table): "Key<delim>value" or
 * "Key: value"; kept for @Key references. Lines without a value are ignored. */
static int block_line(csvst *st, const char *line)
{
	char d = st->delim ? st->delim : strchr(line, '\t') ? '\t' : strchr(line, ';') ? ';'
					   : strchr(line, ',') ? ',' : ':';
	const char *sep = strchr(line, d);
	if (!sep && d != ':')
		sep = strchr(line, ':');
	if (!sep || st->nblock >= MAX_MAP)
		return 0;
	char *k = strndup(line, (size_t)(sep - line)), *v = strdup(sep + 1);
	char **nk = realloc(st->bkeys, (size_t)(st->nblock + 1) * sizeof(char *));
	if (nk)
		st->bkeys = nk;
	char **nv = realloc(st->bvals, (size_t)(st->nblock + 1) * sizeof(char *));
	if (nv)
		st->bvals = nv;
	if (!k || !v || !nk || !nv) {
		free(k), free(v);
		return wats__error_oom();
	}
	/* one field each: a value ends at the next delimiter; quotes around it are dropped */
	char *end = strchr(v, d);
	if (end)
		*end = '\0';
	char *kt = wats__trim(k), *vt = wats__trim(v);
	size_t vl = strlen(vt);
	if (vl >= 2 && vt[0] == '"' && vt[vl - 1] == '"') {
		vt[vl - 1] = '\0';
		vt++;
	}
	if (*kt == '"' && kt[strlen(kt) - 1] == '"' && strlen(kt) >= 2) {
		kt[strlen(kt) - 1] = '\0';
		kt++;
	}
	memmove(k, kt, strlen(kt) + 1);
	memmove(v, vt, strlen(vt) + 1);
	st->bkeys[st->nblock] = k;
	st->bvals[st->nblock++] = v;
	return 0;
}

int wats__csv_convert(const wats_converter *cv, wats__cctx *c)
{
	const char *mpath = wats__cctx_param(c, "mapping");
	if (!mpath)
		return wats__cctx_error(c, WATS_EINVAL, 0, 0,
					"the csv converter needs a mapping file: --param mapping=FILE "
					"(see docs/converters.md)");
	csvst *st = calloc(1, sizeof(*st));
	if (!st)
		return wats__error_oom();
	st->c = c;
	int rc = load_mapping(st, cv->impl, mpath);
	if (!rc && st->m->nslots && !(st->rcol = malloc((size_t)st->m->nslots * sizeof(int))))
		rc = wats__error_oom();
	for (int i = 0; !rc && i < st->m->nslots; i++)
		st->rcol[i] = -1;
	if (!rc)
		st->delim = st->m->delim;
	wats__lines l;
	wats__lines_init(&l, c);
	char *line;
	size_t len;
	long rec_line = 0;
	int skipped = 0, have_header = !rc && !st->m->header;
	while (!rc && (rc = wats__lines_next(&l, &line, &len)) == 1) {
		rc = 0;
		if (skipped < st->m->skip) {
			skipped++;
			rc = block_line(st, line);
			continue;
		}
		if (!st->row.len)
			rec_line = l.line;
		if (st->row.len)
			wats__buf_putc(&st->row, '\n');
		if (wats__buf_put(&st->row, line, len) < 0) {
			rc = wats__error_oom();
			break;
		}
		if (st->row.len > WATS__MAX_LINE) {
			rc = wats__cctx_error(c, WATS_ELIMIT, rec_line, 0, "record longer than %zu bytes "
					      "(an unclosed quote?)", (size_t)WATS__MAX_LINE);
			break;
		}
		/* The record trimmed in place (up to a NUL byte, as wats__trim): its length now */
		char *t = st->row.len ? wats__trim(st->row.ptr) : NULL;
		if (!t || !*t) {
			wats__buf_clear(&st->row);
			continue;
		}
		size_t rl = (size_t)(t - st->row.ptr) + strlen(t);
		if (!st->delim) {
			const char *p = st->row.ptr;
			st->delim = strchr(p, '\t') ? '\t' : strchr(p, ';') ? ';' : ',';
		}
		/* split works on a copy: a record continued on the next line is re-split whole */
		wats__buf_clear(&st->copy);
		if (wats__buf_put(&st->copy, st->row.ptr, rl + 1) < 0) {
			rc = wats__error_oom();
			break;
		}
		int sp = split(st, st->copy.ptr);
		if (sp == 1)
			continue; /* quote open: the record goes on */
		if (sp < 0) {
			rc = sp == -2 ? wats__cctx_error(c, WATS_ELIMIT, rec_line, 0, "more than %d columns", MAX_COLS)
				      : wats__error_oom();
			break;
		}
		if (!have_header) {
			st->cols = calloc((size_t)st->nf, sizeof(char *));
			st->ncols = st->nf;
			for (int i = 0; st->cols && i < st->nf; i++)
				st->cols[i] = strdup(st->f[i]);
			wats__buf_clear(&st->row);
			have_header = 1;
			rc = st->cols ? resolve_all(st, rec_line) : wats__error_oom();
			continue;
		}
		if (st->ncols && st->nf != st->ncols && !st->m->ragged_pad) {
			rc = wats__cctx_error(c, WATS_EPARSE, rec_line, 0,
					      "row has %d fields, the header has %d (rule ragged-row; set "
					      "'ragged = pad' in the mapping to accept short rows)",
					      st->nf, st->ncols);
			break;
		}
		rc = data_row(st, rec_line);
		rc = wats__cctx_refused(c, rc, rec_line);
		wats__buf_clear(&st->row);
	}
	if (rc == 0 && st->row.len)
		rc = wats__cctx_error(c, WATS_EPARSE, rec_line, 0, "truncated: a quoted field is not closed");
	if (rc == 0)
		rc = finish(st);
	if (rc == 0 && !have_header)
		rc = wats__cctx_error(c, WATS_EPARSE, 0, 0, "no header row: the file is empty");
	wats_report_free(st->r);
	wats__lines_free(&l);
	for (int i = 0; i < st->ncols; i++)
		free(st->cols[i]);
	free(st->cols);
	for (int i = 0; i < st->nblock; i++)
		free(st->bkeys[i]), free(st->bvals[i]);
	free(st->bkeys);
	free(st->bvals);
	free(st->f);
	free(st->fl);
	free(st->plans);
	wats__buf_dispose(&st->ptext);
	free(st->hkind);
	free(st->cur_group);
	wats__buf_dispose(&st->row);
	wats__buf_dispose(&st->copy);
	map_free(st->own);
	wats__cached_release(cv->impl, st->ce);
	free(st->rcol);
	free(st);
	return rc < 0 ? rc : 0;
}

double wats__csv_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)sn, (void)pn, (void)size;
	char ext[16];
	wats__ext(ext, sizeof(ext), name);
	if (strcmp(ext, "csv") || !len)
		return 0;
	/* A mapping is needed to convert; detection only says "this is CSV". */
	const char *nl = memchr(head, '\n', len);
	size_t n = nl ? (size_t)(nl - (const char *)head) : len;
	return memchr(head, ',', n) || memchr(head, ';', n) || memchr(head, '\t', n) ? 0.3 : 0.1;
}
