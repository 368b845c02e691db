/* OData $filter / $orderby to SQL: a recursive-descent parser over a tiny tokenizer. */
#include "odata.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "devserver.h"

#define MAX_NEST 32
/* SQLite refuses an expression deeper than 1000 (a chain of N `or`s is N deep), which was a
 * 500 for a long filter; refusing early makes it a 400 that says why. */
#define MAX_TERMS 500

typedef enum { T_END, T_IDENT, T_STRING, T_NUMBER, T_DATETIME, T_LP, T_RP, T_COMMA, T_COLON,
	       T_BAD } tok_kind;

typedef struct {
	tok_kind kind;
	const char *s;     /* start in the input */
	size_t len;
	char *str;         /* unescaped string literal (T_STRING) */
} tok;

typedef struct {
	const char *in;
	size_t pos;
	tok cur;
	wats_buf *sql;
	ds_binds *b;
	char *err;
	size_t errlen;
	int failed;
	int nest;
	int terms;                /* conditions so far, for MAX_TERMS */
	const char *what;         /* "$filter" or "$orderby", for messages */
	const char *lambda_var;   /* "s" inside subUnits/any(s: ...) */
	size_t lambda_len;
} parser;

void ds_binds_free(ds_binds *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->v[i].text);
	free(b->v);
	b->v = NULL;
	b->n = b->cap = 0;
}

static ds_bind *bind_new(ds_binds *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		ds_bind *v = realloc(b->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		b->v = v;
		b->cap = cap;
	}
	ds_bind *x = &b->v[b->n++];
	memset(x, 0, sizeof(*x));
	return x;
}

int ds_binds_add_text(ds_binds *b, const char *s, size_t len)
{
	ds_bind *x = bind_new(b);
	if (!x || !(x->text = strndup(s, len)))
		return -1;
	x->kind = 0;
	return 0;
}

static int bind_num(ds_binds *b, double v)
{
	ds_bind *x = bind_new(b);
	if (!x)
		return -1;
	x->kind = 1;
	x->num = v;
	return 0;
}

static int bind_int(ds_binds *b, int64_t v)
{
	ds_bind *x = bind_new(b);
	if (!x)
		return -1;
	x->kind = 2;
	x->i = v;
	return 0;
}

int ds_binds_apply(const ds_binds *b, sqlite3_stmt *st, int first)
{
	for (size_t i = 0; i < b->n; i++) {
		int idx = first + (int)i, rc;
		const ds_bind *x = &b->v[i];
		if (x->kind == 0)
			rc = sqlite3_bind_text(st, idx, x->text, -1, SQLITE_STATIC);
		else if (x->kind == 1)
			rc = sqlite3_bind_double(st, idx, x->num);
		else
			rc = sqlite3_bind_int64(st, idx, x->i);
		if (rc != SQLITE_OK)
			return -1;
	}
	return 0;
}

static void fail(parser *p, const char *fmt, const char *arg)
{
	if (p->failed)
		return;
	p->failed = 1;
	char what[256];
	snprintf(what, sizeof(what), fmt, arg ? arg : "");
	snprintf(p->err, p->errlen, "%s: %s at position %zu", p->what, what,
		 (size_t)(p->cur.s - p->in) + 1);
}

static int is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '/' || c == '.';
}

/* strchr() finds the terminator too; a NUL must never count as a member of the set. */
static int in_set(char c, const char *set)
{
	return c && strchr(set, c);
}

static int looks_like_date(const char *s)
{
	return isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	       isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]) && s[4] == '-';
}

static void next(parser *p)
{
	free(p->cur.str);
	p->cur.str = NULL;
	const char *in = p->in;
	while (in[p->pos] == ' ' || in[p->pos] == '\t')
		p->pos++;
	size_t start = p->pos;
	tok *t = &p->cur;
	t->s = in + start;
	t->len = 0;
	char c = in[start];
	if (!c) {
		t->kind = T_END;
		return;
	}
	if (in_set(c, "(),:")) {
		t->kind = c == '(' ? T_LP : c == ')' ? T_RP : c == ',' ? T_COMMA : T_COLON;
		t->len = 1;
		p->pos++;
		return;
	}
	if (c == '\'') {
		wats_buf s = WATS_BUF_INIT;
		size_t i = start + 1;
		for (;;) {
			if (!in[i]) {
				wats__buf_dispose(&s);
				t->kind = T_BAD;
				fail(p, "unterminated string literal", NULL);
				return;
			}
			if (in[i] == '\'') {
				if (in[i + 1] == '\'') {
					wats__buf_putc(&s, '\'');
					i += 2;
					continue;
				}
				i++;
				break;
			}
			wats__buf_putc(&s, in[i++]);
		}
		t->kind = T_STRING;
		t->str = s.ptr ? s.ptr : strdup("");
		t->len = i - start;
		p->pos = i;
		return;
	}
	if (looks_like_date(in + start)) {
		size_t i = start;
		while (isdigit((unsigned char)in[i]) || in_set(in[i], "-:.TZtz+"))
			i++;
		t->kind = T_DATETIME;
		t->len = i - start;
		p->pos = i;
		return;
	}
	if (isdigit((unsigned char)c) ||
	    ((c == '-' || c == '+') && isdigit((unsigned char)in[start + 1]))) {
		size_t i = start + 1;
		while (isdigit((unsigned char)in[i]) || in_set(in[i], ".eE") ||
		       ((in[i] == '-' || in[i] == '+') && (in[i - 1] == 'e' || in[i - 1] == 'E')))
			i++;
		t->kind = T_NUMBER;
		t->len = i - start;
		p->pos = i;
		return;
	}
	if (isalpha((unsigned char)c) || c == '_' || c == '$') {
		size_t i = start + 1;
		while (is_ident_char(in[i]))
			i++;
		t->kind = T_IDENT;
		t->len = i - start;
		p->pos = i;
		return;
	}
	t->kind = T_BAD;
	t->len = 1;
	fail(p, "unexpected character", NULL);
}

static int tok_is(const parser *p, const char *word)
{
	return p->cur.kind == T_IDENT && strlen(word) == p->cur.len &&
	       !strncasecmp(p->cur.s, word, p->cur.len);
}

static void put(parser *p, const char *s)
{
	wats__buf_puts(p->sql, s);
}

static void parse_or(parser *p, const ds_odata_schema *sc);

/* A field reference, possibly wrapped in tolower()/toupper(); writes its SQL expression. */
static int parse_operand(parser *p, const ds_odata_schema *sc, char *sql, size_t sqllen,
			 ds_col_type *type)
{
	const char *wrap = NULL;
	if (tok_is(p, "tolower") || tok_is(p, "toupper")) {
		wrap = tok_is(p, "tolower") ? "lower" : "upper";
		next(p);
		if (p->cur.kind != T_LP) {
			fail(p, "expected '(' after %s", wrap);
			return -1;
		}
		next(p);
	}
	if (p->cur.kind != T_IDENT) {
		fail(p, "expected a field name", NULL);
		return -1;
	}
	char name[128];
	if (p->cur.len >= sizeof(name)) {
		fail(p, "field name too long", NULL);
		return -1;
	}
	memcpy(name, p->cur.s, p->cur.len);
	name[p->cur.len] = '\0';
	const char *field = name;
	if (p->lambda_var) {
		if (strncmp(name, p->lambda_var, p->lambda_len) || name[p->lambda_len] != '/') {
			fail(p, "inside any() fields must be written %s/field", p->lambda_var);
			return -1;
		}
		field = name + p->lambda_len + 1;
	}
	char inner[256];
	if (sc->field(sc, field, inner, sizeof(inner), type) < 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "unknown field '%s' (known: %s)", field, sc->known);
		fail(p, "%s", msg);
		return -1;
	}
	next(p);
	if (wrap) {
		if (p->cur.kind != T_RP) {
			fail(p, "expected ')'", NULL);
			return -1;
		}
		next(p);
		snprintf(sql, sqllen, "%s(%s)", wrap, inner);
		*type = DS_COL_TEXT;
	} else {
		snprintf(sql, sqllen, "%s", inner);
	}
	return 0;
}

static void like_pattern(parser *p, const char *s, int lead, int trail)
{
	wats_buf b = WATS_BUF_INIT;
	if (lead)
		wats__buf_putc(&b, '%');
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			wats__buf_putc(&b, '\\');
		wats__buf_putc(&b, *s);
	}
	if (trail)
		wats__buf_putc(&b, '%');
	ds_binds_add_text(p->b, b.ptr ? b.ptr : "", b.len);
	wats__buf_dispose(&b);
}

/* contains(f,'x'), startswith(f,'x'), endswith(f,'x'); substringof('x',f) from OData v3. */
static void parse_function(parser *p, const ds_odata_schema *sc)
{
	int kind = tok_is(p, "contains") ? 0 : tok_is(p, "startswith") ? 1
		 : tok_is(p, "endswith") ? 2 : 3;
	next(p);
	if (p->cur.kind != T_LP)
		return fail(p, "expected '(' after the function name", NULL);
	next(p);
	char sql[300];
	ds_col_type type;
	char *value = NULL;
	if (kind == 3) {
		if (p->cur.kind != T_STRING)
			return fail(p, "substringof() needs a string first", NULL);
		value = strdup(p->cur.str);
		next(p);
		if (p->cur.kind != T_COMMA) {
			free(value);
			return fail(p, "expected ','", NULL);
		}
		next(p);
		if (parse_operand(p, sc, sql, sizeof(sql), &type) < 0) {
			free(value);
			return;
		}
	} else {
		if (parse_operand(p, sc, sql, sizeof(sql), &type) < 0)
			return;
		if (p->cur.kind != T_COMMA)
			return fail(p, "expected ','", NULL);
		next(p);
		if (p->cur.kind != T_STRING)
			return fail(p, "string functions need a 'quoted' string", NULL);
		value = strdup(p->cur.str);
		next(p);
	}
	if (p->cur.kind != T_RP) {
		free(value);
		return fail(p, "expected ')'", NULL);
	}
	next(p);
	if (type == DS_COL_NUM || type == DS_COL_TIME) {
		free(value);
		return fail(p, "string functions only apply to text fields", NULL);
	}
	put(p, "(");
	put(p, sql);
	put(p, " LIKE ? ESCAPE '\\')");
	like_pattern(p, value ? value : "", kind != 1, kind != 2);
	free(value);
}

static const char *sql_op(const parser *p, int *is_eq, int *is_ne)
{
	static const char *const ops[][2] = { { "eq", "=" }, { "ne", "IS NOT" }, { "gt", ">" },
					      { "ge", ">=" }, { "lt", "<" }, { "le", "<=" } };
	for (size_t i = 0; i < 6; i++)
		if (tok_is(p, ops[i][0])) {
			*is_eq = i == 0;
			*is_ne = i == 1;
			return ops[i][1];
		}
	return NULL;
}

static int parse_time_literal(parser *p, double *out)
{
	const char *s = p->cur.kind == T_STRING ? p->cur.str : p->cur.s;
	size_t len = p->cur.kind == T_STRING ? strlen(p->cur.str) : p->cur.len;
	if (ds_parse_iso(s, len, out) < 0) {
		fail(p, "expected an ISO-8601 date/time such as 2024-01-31T12:00:00Z", NULL);
		return -1;
	}
	return 0;
}

/* field op literal */
static void parse_comparison(parser *p, const ds_odata_schema *sc)
{
	char sql[300];
	ds_col_type type;
	if (parse_operand(p, sc, sql, sizeof(sql), &type) < 0)
		return;
	int is_eq = 0, is_ne = 0;
	const char *op = sql_op(p, &is_eq, &is_ne);
	if (!op)
		return fail(p, "expected eq, ne, gt, ge, lt or le", NULL);
	next(p);
	/* datetime'2024-01-01T00:00:00' (OData v3) */
	if (tok_is(p, "datetime") || tok_is(p, "datetimeoffset") || tok_is(p, "guid")) {
		next(p);
		if (p->cur.kind != T_STRING)
			return fail(p, "expected a quoted value after the type prefix", NULL);
	}
	if (tok_is(p, "null")) {
		put(p, "(");
		put(p, sql);
		put(p, is_eq ? " IS NULL)" : is_ne ? " IS NOT NULL)" : " > NULL)");
		next(p);
		return;
	}
	char opsql[32];
	snprintf(opsql, sizeof(opsql), " %s ", op);
	if (type == DS_COL_TIME) {
		double t;
		if ((p->cur.kind != T_DATETIME && p->cur.kind != T_STRING) ||
		    parse_time_literal(p, &t) < 0)
			return fail(p, "expected a date/time value", NULL);
		bind_num(p->b, t);
	} else if (tok_is(p, "true") || tok_is(p, "false")) {
		bind_int(p->b, tok_is(p, "true"));
	} else if (p->cur.kind == T_NUMBER) {
		char num[64];
		snprintf(num, sizeof(num), "%.*s", (int)p->cur.len, p->cur.s);
		char *end;
		double v = strtod(num, &end);
		if (*end || !isfinite(v))
			return fail(p, "malformed number", NULL);
		if (type == DS_COL_TEXT)
			ds_binds_add_text(p->b, num, strlen(num));
		else
			bind_num(p->b, v);
	} else if (p->cur.kind == T_STRING || p->cur.kind == T_DATETIME) {
		const char *s = p->cur.kind == T_STRING ? p->cur.str : p->cur.s;
		size_t len = p->cur.kind == T_STRING ? strlen(p->cur.str) : p->cur.len;
		if (type == DS_COL_NUM) {
			char *end;
			double v = strtod(s, &end);
			if (!len || *end)
				return fail(p, "this field is a number; '%s' is not", s);
			bind_num(p->b, v);
		} else {
			ds_binds_add_text(p->b, s, len);
		}
	} else {
		return fail(p, "expected a value ('text', number, true, false, null or a date)",
			    NULL);
	}
	next(p);
	put(p, "(");
	put(p, sql);
	put(p, opsql);
	put(p, "?");
	/* WATS runs on SQL Server with a case-insensitive collation: 'abc' eq 'ABC'. */
	if ((is_eq || is_ne) && (type == DS_COL_TEXT || type == DS_COL_ANY) &&
	    p->b->v[p->b->n - 1].kind == 0)
		put(p, " COLLATE NOCASE");
	put(p, ")");
}

/* name/any(v: expr) */
static int try_lambda(parser *p, const ds_odata_schema *sc)
{
	if (p->cur.kind != T_IDENT || p->cur.len < 5)
		return 0;
	const char *suffix = p->cur.s + p->cur.len - 4;
	if (strncasecmp(suffix, "/any", 4))
		return 0;
	if (p->lambda_var) {
		fail(p, "nested any() is not supported", NULL);
		return 1;
	}
	char name[128];
	size_t n = p->cur.len - 4;
	if (n >= sizeof(name)) {
		fail(p, "collection name too long", NULL);
		return 1;
	}
	memcpy(name, p->cur.s, n);
	name[n] = '\0';
	const char *open = NULL;
	const ds_odata_schema *sub = sc->collection ? sc->collection(sc, name, &open) : NULL;
	if (!sub) {
		fail(p, "'%s' is not a collection that any() can search", name);
		return 1;
	}
	next(p);
	if (p->cur.kind != T_LP) {
		fail(p, "expected '(' after any", NULL);
		return 1;
	}
	next(p);
	if (p->cur.kind != T_IDENT) {
		fail(p, "expected a lambda variable, as in any(s: s/partNumber eq 'X')", NULL);
		return 1;
	}
	const char *var = p->cur.s;
	size_t varlen = p->cur.len;
	next(p);
	if (p->cur.kind != T_COLON) {
		fail(p, "expected ':' after the lambda variable", NULL);
		return 1;
	}
	next(p);
	put(p, open);
	p->lambda_var = var;
	p->lambda_len = varlen;
	parse_or(p, sub);
	p->lambda_var = NULL;
	if (p->failed)
		return 1;
	if (p->cur.kind != T_RP) {
		fail(p, "expected ')' to close any()", NULL);
		return 1;
	}
	next(p);
	put(p, "))");
	return 1;
}

static void parse_unary(parser *p, const ds_odata_schema *sc)
{
	if (p->failed)
		return;
	if (++p->nest > MAX_NEST) {
		fail(p, "expression nested too deeply", NULL);
		return;
	}
	if (++p->terms > MAX_TERMS) {
		fail(p, "too many conditions (at most 500)", NULL);
		return;
	}
	if (tok_is(p, "not")) {
		next(p);
		put(p, "(NOT ");
		parse_unary(p, sc);
		put(p, ")");
	} else if (p->cur.kind == T_LP) {
		next(p);
		put(p, "(");
		parse_or(p, sc);
		if (!p->failed && p->cur.kind != T_RP)
			fail(p, "expected ')'", NULL);
		if (!p->failed)
			next(p);
		put(p, ")");
	} else if (tok_is(p, "contains") || tok_is(p, "startswith") || tok_is(p, "endswith") ||
		   tok_is(p, "substringof")) {
		parse_function(p, sc);
	} else if (!try_lambda(p, sc)) {
		parse_comparison(p, sc);
	}
	p->nest--;
}

static void parse_and(parser *p, const ds_odata_schema *sc)
{
	parse_unary(p, sc);
	while (!p->failed && tok_is(p, "and")) {
		next(p);
		put(p, " AND ");
		parse_unary(p, sc);
	}
}

static void parse_or(parser *p, const ds_odata_schema *sc)
{
	put(p, "(");
	parse_and(p, sc);
	while (!p->failed && tok_is(p, "or")) {
		next(p);
		put(p, " OR ");
		parse_and(p, sc);
	}
	put(p, ")");
}

int ds_odata_filter(const char *filter, const ds_odata_schema *sc, wats_buf *sql, ds_binds *b,
		    char *err, size_t errlen)
{
	parser p = { .in = filter, .sql = sql, .b = b, .err = err, .errlen = errlen,
		     .what = "$filter" };
	next(&p);
	if (p.cur.kind == T_END) {
		free(p.cur.str);
		snprintf(err, errlen, "$filter is empty");
		return -1;
	}
	parse_or(&p, sc);
	if (!p.failed && p.cur.kind != T_END)
		fail(&p, "unexpected text after the expression (missing 'and'/'or'?)", NULL);
	free(p.cur.str);
	return p.failed ? -1 : 0;
}

int ds_odata_orderby(const char *orderby, const ds_odata_schema *sc, wats_buf *sql, char *err,
		     size_t errlen)
{
	parser p = { .in = orderby, .sql = sql, .err = err, .errlen = errlen, .what = "$orderby" };
	int first = 1;
	next(&p);
	while (!p.failed && p.cur.kind != T_END) {
		char expr[300];
		ds_col_type type;
		if (parse_operand(&p, sc, expr, sizeof(expr), &type) < 0)
			break;
		const char *dir = " ASC";
		if (tok_is(&p, "desc") || tok_is(&p, "asc")) {
			dir = tok_is(&p, "desc") ? " DESC" : " ASC";
			next(&p);
		}
		if (!first)
			put(&p, ", ");
		first = 0;
		put(&p, expr);
		put(&p, dir);
		if (p.cur.kind == T_COMMA)
			next(&p);
		else if (p.cur.kind != T_END)
			fail(&p, "expected ',' between $orderby items", NULL);
	}
	free(p.cur.str);
	if (p.failed)
		return -1;
	if (first) {
		snprintf(err, errlen, "$orderby is empty");
		return -1;
	}
	return 0;
}

static int json_field(const ds_odata_schema *sc, const char *name, char *sql, size_t sqllen,
		      ds_col_type *type)
{
	(void)sc;
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.')
			return -1;
	if (!*name)
		return -1;
	snprintf(sql, sqllen, "json_extract(json,'$.%s')", name);
	*type = DS_COL_ANY;
	return 0;
}

const ds_odata_schema ds_odata_json_schema = { json_field, NULL, "any property of the object" };
