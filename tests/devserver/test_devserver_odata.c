/* OData $filter / $orderby translation, without a server. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odata.h"

static const char *last_err;
static char err[512];

static char *filter_sql(const char *f, size_t *nbinds)
{
	wats_buf sql = WATS_BUF_INIT;
	ds_binds b = { 0 };
	int rc = ds_odata_filter(f, &ds_odata_json_schema, &sql, &b, err, sizeof(err));
	*nbinds = b.n;
	ds_binds_free(&b);
	if (rc < 0) {
		wats__buf_dispose(&sql);
		last_err = err;
		return NULL;
	}
	return sql.ptr;
}

static void test_values_are_bound_not_pasted(void **state)
{
	(void)state;
	size_t n;
	char *s = filter_sql("name eq 'x''); DROP TABLE docs; --' and size gt 10", &n);
	assert_non_null(s);
	assert_null(strstr(s, "DROP"));
	assert_int_equal(n, 2);
	free(s);
}

static void test_operators_and_precedence(void **state)
{
	(void)state;
	size_t n;
	char *s = filter_sql("a eq 1 or b eq 2 and not (c ne null)", &n);
	assert_non_null(s);
	assert_non_null(strstr(s, " OR "));
	assert_non_null(strstr(s, " AND "));
	assert_non_null(strstr(s, "NOT "));
	assert_non_null(strstr(s, "IS NOT NULL"));
	assert_int_equal(n, 2);
	free(s);
	s = filter_sql("contains(a,'50%_off') and startswith(tolower(b),'x')", &n);
	assert_non_null(s);
	assert_non_null(strstr(s, "ESCAPE"));
	assert_non_null(strstr(s, "lower("));
	free(s);
}

static void test_errors_say_where(void **state)
{
	(void)state;
	size_t n;
	assert_null(filter_sql("a eq", &n));
	assert_non_null(strstr(last_err, "position"));
	assert_null(filter_sql("a eq 1 b eq 2", &n));
	assert_null(filter_sql("'x' eq a", &n));
	assert_null(filter_sql("", &n));
	assert_null(filter_sql("a eq 1)", &n));
	assert_null(filter_sql("x/any(s: s/a eq 1)", &n));  /* json schema has no collections */
	/* deep nesting is refused, not recursed into without bound */
	char deep[400];
	memset(deep, '(', 200);
	strcpy(deep + 200, "a eq 1");
	assert_null(filter_sql(deep, &n));
	assert_non_null(strstr(last_err, "deep"));
	/* 500 conditions are taken; 501 are refused (SQLite would refuse a tree that deep) */
	char *many = malloc(501 * 16 + 1);
	assert_non_null(many);
	size_t len = 0;
	for (int i = 0; i < 501; i++)
		len += (size_t)sprintf(many + len, "%sa eq %d", i ? " or " : "", i % 10);
	assert_null(filter_sql(many, &n));
	assert_non_null(strstr(last_err, "too many conditions"));
	many[len - strlen(" or a eq 0")] = '\0';
	char *sql = filter_sql(many, &n);
	assert_non_null(sql);
	assert_int_equal(n, 500);
	free(sql);
	free(many);
}

static void test_orderby(void **state)
{
	(void)state;
	wats_buf sql = WATS_BUF_INIT;
	assert_int_equal(ds_odata_orderby("a desc, b", &ds_odata_json_schema, &sql, err,
					  sizeof(err)), 0);
	assert_non_null(strstr(sql.ptr, "DESC"));
	assert_non_null(strstr(sql.ptr, "ASC"));
	wats__buf_dispose(&sql);
	assert_int_equal(ds_odata_orderby("a sideways", &ds_odata_json_schema, &sql, err,
					  sizeof(err)), -1);
	assert_non_null(strstr(err, "$orderby"));
	wats__buf_dispose(&sql);
	assert_int_equal(ds_odata_orderby("a;drop", &ds_odata_json_schema, &sql, err,
					  sizeof(err)), -1);
	wats__buf_dispose(&sql);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_are_bound_not_pasted),
		cmocka_unit_test(test_operators_and_precedence),
		cmocka_unit_test(test_errors_say_where),
		cmocka_unit_test(test_orderby),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
