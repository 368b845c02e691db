/* wats__plain_decimal (convert/util.c): the one-pass check and value of a plain decimal cell
 * must agree with the general path it short-cuts (JSON number grammar, strtod's double). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert_internal.h"
#include "util/jsonnum.h"

/* Either it declines, or s is valid JSON number text without exponent and the value is
 * bit for bit strtod's. */
static int agrees(const char *s)
{
	size_t n = 0;
	double v = 0;
	if (!wats__plain_decimal(s, &n, &v))
		return 1;
	double want = strtod(s, NULL);
	return wats__json_number_valid(s) && !strpbrk(s, "eE") && n == strlen(s) &&
	       !memcmp(&v, &want, sizeof(v));
}

static void test_cases(void **state)
{
	(void)state;
	static const char *const taken[] = { "0", "-0", "7", "1.5", "-2.25", "0.000123", "100.000",
					     "123456789012345", "0.1", "5.012", "-0.00000000000001",
					     "99999999.9999999" };
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		size_t n;
		double v;
		if (!wats__plain_decimal(taken[i], &n, &v))
			fail_msg("'%s' should take the fast path", taken[i]);
		assert_true(agrees(taken[i]));
	}
	static const char *const declined[] = { "", "-", "01", "-01", "1.", ".5", "1e5", "1E-3",
						"1234567890123456", "0.1234567890123456", "abc", "1,5",
						" 1", "1 ", "+1", "0x10", "NaN", "Infinity", "1.2.3",
						"0.00000000000000000000001",
						/* 16 digits with the leading zeros: left to strtod */
						"-0.000000000000001" };
	for (size_t i = 0; i < sizeof(declined) / sizeof(declined[0]); i++) {
		size_t n;
		double v;
		if (wats__plain_decimal(declined[i], &n, &v))
			fail_msg("'%s' should be left to the general path", declined[i]);
	}
}

static void test_random(void **state)
{
	(void)state;
	/* Random short texts over the characters numbers are made of. */
	static const char alphabet[] = "0123456789.-eE+ ";
	unsigned long x = 0x9E3779B97F4A7C15ul;
	char s[24];
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t len = 1 + x % 20;
		for (size_t k = 0; k < len; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* mostly digits, so that many texts are numbers */
			s[k] = alphabet[x % 4 == 0 ? x % (sizeof(alphabet) - 1) : (x >> 8) % 10];
		}
		s[len] = '\0';
		if (!agrees(s))
			fail_msg("'%s': fast path disagrees with the JSON grammar or strtod", s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
