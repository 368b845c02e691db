#include "testutil.h"

#include <pthread.h>
#include <string.h>

#include "wats/wats.h"
#include "util/buf.h"
#include "util/error.h"

static void test_last_error_is_per_thread(void **state)
{
	(void)state;
	wats_error_clear();
	assert_string_equal(wats_error_last()->message, "");
	assert_int_equal(wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "bad %s", "thing"), WATS_EINVAL);
	assert_string_equal(wats_error_last()->message, "bad thing");
	assert_int_equal(wats_error_last()->code, WATS_EINVAL);
}

static void *other_thread(void *arg)
{
	(void)arg;
	/* A new thread starts with no error, whatever the main thread has. */
	return (void *)(intptr_t)(wats_error_last()->code == 0 && wats_error_last()->message[0] == 0);
}

static void test_thread_isolation(void **state)
{
	(void)state;
	wats__error(WATS_EIO, WATS_ERRCLASS_OS, "main thread error");
	pthread_t t;
	void *ok = NULL;
	assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
	pthread_join(t, &ok);
	assert_true(ok != NULL);
	assert_string_equal(wats_error_last()->message, "main thread error");
}

static void test_position_and_path(void **state)
{
	(void)state;
	wats__error_at(WATS_EPARSE, WATS_ERRCLASS_JSON, "a.json", 3, 14, "unexpected '}'");
	wats__error_set_path("root.steps[2]");
	const wats_error *e = wats_error_last();
	assert_string_equal(e->file, "a.json");
	assert_int_equal(e->line, 3);
	assert_int_equal(e->column, 14);
	assert_string_equal(e->path, "root.steps[2]");
}

static void test_strerror_covers_codes(void **state)
{
	(void)state;
	for (int c = 0; c >= WATS_EHTTP; c--)
		assert_string_not_equal(wats_strerror(c), "unknown error code");
	assert_string_equal(wats_strerror(12345), "unknown error code");
}

static void test_read_missing_file_names_it(void **state)
{
	(void)state;
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(wats__read_file(&data, &len, "/nonexistent/x.json", 0), WATS_ENOTFOUND);
	assert_null(data);
	assert_non_null(strstr(wats_error_last()->message, "/nonexistent/x.json"));
}

static void test_version(void **state)
{
	(void)state;
	assert_string_equal(wats_version(), WATS_VERSION);
	assert_true(WATS_VERSION_CHECK(0, 1, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_error_is_per_thread),
		cmocka_unit_test(test_thread_isolation),
		cmocka_unit_test(test_position_and_path),
		cmocka_unit_test(test_strerror_covers_codes),
		cmocka_unit_test(test_read_missing_file_names_it),
		cmocka_unit_test(test_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
