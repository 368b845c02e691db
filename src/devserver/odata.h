/*
 * odata.h - the subset of OData that pyWATS sends, translated to SQL with bound parameters
 * (never string-pasted values):
 *
 *   $filter   comparisons eq ne gt lt ge le; and, or, not, parentheses; contains(),
 *             startswith(), endswith(), tolower(), toupper(); literals 'text' (with ''),
 *             numbers, true/false, null, datetimes (2024-01-01T00:00:00Z, quoted or not,
 *             or datetime'...'); collection lambdas such as subUnits/any(s: s/partNumber eq 'X')
 *   $orderby  field [asc|desc], comma-separated
 *
 * Field names are mapped to SQL expressions by a schema, so the same parser serves the report
 * index (columns) and the JSON document tables (json_extract).
 */
#ifndef WATS_DEVSERVER_ODATA_H
#define WATS_DEVSERVER_ODATA_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "util/buf.h"

typedef enum ds_col_type {
	DS_COL_TEXT,   /* compared case-insensitively for eq/ne, like WATS's SQL Server */
	DS_COL_NUM,
	DS_COL_TIME,   /* stored as Unix seconds; literals are ISO-8601 */
	DS_COL_ANY     /* json_extract(): compared as the literal's type */
} ds_col_type;

typedef struct ds_odata_schema ds_odata_schema;
struct ds_odata_schema {
	/* Map a field to an SQL expression (written to sql); 0, or -1 when unknown. */
	int (*field)(const ds_odata_schema *sc, const char *name, char *sql, size_t sqllen,
		     ds_col_type *type);
	/*
	 * For name/any(v: ...): the SQL opening "EXISTS (SELECT 1 FROM ... WHERE ... AND (" and
	 * the schema of the lambda body (fields written v/field); NULL when not a collection.
	 */
	const ds_odata_schema *(*collection)(const ds_odata_schema *sc, const char *name,
					     const char **sql_open);
	const char *known;  /* field list for error messages */
};

typedef struct ds_bind {
	int kind;          /* 0 text, 1 double, 2 integer */
	char *text;
	double num;
	int64_t i;
} ds_bind;

typedef struct ds_binds {
	ds_bind *v;
	size_t n, cap;
} ds_binds;

void ds_binds_free(ds_binds *b);
/* Bind every value, starting at parameter index first. */
int ds_binds_apply(const ds_binds *b, sqlite3_stmt *st, int first);
int ds_binds_add_text(ds_binds *b, const char *s, size_t len);

/* Append the SQL condition for filter to sql. Returns 0, or -1 with a message in err. */
int ds_odata_filter(const char *filter, const ds_odata_schema *sc, wats_buf *sql, ds_binds *b,
		    char *err, size_t errlen);
/* Append "a DESC, b ASC" for an $orderby value. Returns 0, or -1 with a message. */
int ds_odata_orderby(const char *orderby, const ds_odata_schema *sc, wats_buf *sql, char *err,
		     size_t errlen);

/* Schema for json documents: any identifier [A-Za-z0-9_.] becomes json_extract(json,'$.x'). */
extern const ds_odata_schema ds_odata_json_schema;

#endif
