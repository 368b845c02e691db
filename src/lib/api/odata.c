/*
 * OData $filter builder. pyWATS interpolated serial and part numbers into filters unescaped
 * (a quote in a serial number broke or changed the query) and stamped local times with 'Z';
 * here every string literal has its quotes doubled and times are formatted from UTC.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wats/api.h"
#include "util/buf.h"
#include "util/error.h"

struct wats_odata {
	wats_buf text;
	int use_or;
	size_t terms;
};

int wats_odata_new(wats_odata **out)
{
	if (!out)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_odata_new: out is NULL");
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return wats__error_oom();
	return 0;
}

void wats_odata_free(wats_odata *f)
{
	if (!f)
		return;
	wats__buf_dispose(&f->text);
	free(f);
}

void wats_odata_use_or(wats_odata *f, int use_or)
{
	if (f)
		f->use_or = use_or;
}

const char *wats_odata_text(const wats_odata *f)
{
	return f && f->text.ptr ? f->text.ptr : "";
}

static int put_quoted(wats_buf *b, const char *s)
{
	int rc = wats__buf_putc(b, '\'');
	for (; rc == 0 && *s; s++)
		rc = *s == '\'' ? wats__buf_puts(b, "''") : wats__buf_putc(b, *s);
	return rc ? rc : wats__buf_putc(b, '\'');
}

int wats_odata_quote(char **out, const char *text)
{
	if (!out || !text)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_odata_quote: NULL argument");
	wats_buf b = WATS_BUF_INIT;
	int rc = put_quoted(&b, text);
	if (rc) {
		wats__buf_dispose(&b);
		return rc;
	}
	*out = wats__buf_detach(&b, NULL);
	return 0;
}

/* Field names are identifiers or paths ("subUnits/partNumber"): never user data. */
static int check_field(const char *field)
{
	if (!field || !(isalpha((unsigned char)*field) || *field == '_'))
		goto bad;
	for (const char *p = field; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '/')
			goto bad;
	return 0;
bad:
	return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
			   "OData field '%s' is not a name (letters, digits, _ and /)", field ? field : "(null)");
}

static int check_op(const char *op)
{
	static const char *const ops[] = { "eq", "ne", "gt", "ge", "lt", "le" };
	for (size_t i = 0; op && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(op, ops[i]))
			return 0;
	return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
			   "OData operator '%s' unknown (use eq, ne, gt, ge, lt or le)", op ? op : "(null)");
}

static int join(wats_odata *f)
{
	if (f->terms++ == 0)
		return 0;
	return wats__buf_puts(&f->text, f->use_or ? " or " : " and ");
}

static int start_term(wats_odata *f, const char *field, const char *op)
{
	int rc;
	if (!f)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "OData builder is NULL");
	if ((rc = check_field(field)) || (rc = check_op(op)) || (rc = join(f)))
		return rc;
	return wats__buf_printf(&f->text, "%s %s ", field, op);
}

int wats_odata_add_string(wats_odata *f, const char *field, const char *op, const char *value)
{
	if (!value)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "OData value for '%s' is NULL",
				   field ? field : "?");
	int rc = start_term(f, field, op);
	return rc ? rc : put_quoted(&f->text, value);
}

int wats_odata_add_number(wats_odata *f, const char *field, const char *op, double value)
{
	if (!isfinite(value))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "OData number for '%s' is not finite",
				   field ? field : "?");
	int rc = start_term(f, field, op);
	return rc ? rc : wats__buf_printf(&f->text, "%.17g", value);
}

int wats_odata_add_time(wats_odata *f, const char *field, const char *op, int64_t utc_seconds)
{
	time_t t = (time_t)utc_seconds;
	struct tm tm;
	char tmp[32];
	if (!gmtime_r(&t, &tm))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "OData time out of range");
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	int rc = start_term(f, field, op);
	return rc ? rc : wats__buf_puts(&f->text, tmp);
}

int wats_odata_add_function(wats_odata *f, const char *func, const char *field, const char *value)
{
	int rc;
	if (!f || !value || !func ||
	    (strcmp(func, "contains") && strcmp(func, "startswith") && strcmp(func, "endswith")))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "OData function must be contains, startswith or endswith, with a value");
	if ((rc = check_field(field)) || (rc = join(f)) ||
	    (rc = wats__buf_printf(&f->text, "%s(%s,", func, field)) || (rc = put_quoted(&f->text, value)))
		return rc;
	return wats__buf_putc(&f->text, ')');
}

int wats_odata_add_raw(wats_odata *f, const char *expression)
{
	int rc;
	if (!f || !expression || !*expression)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "OData expression is empty");
	if ((rc = join(f)))
		return rc;
	return wats__buf_printf(&f->text, "(%s)", expression);
}
