/* Arena blocks reused from report to report (report/node.h wats_block_cache, owned by the
 * converter registry): the same documents, the cache's bound, reports outliving the registry,
 * reports freed on another thread while the conversion goes on. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_internal.h"
#include "wats/wats.h"

/* A report of n numeric steps built through the typed API (blocks from cache). */
static wats_report *big_report(wats_block_cache *cache, int n)
{
	wats_report *r = NULL;
	assert_int_equal(wats__report_create_in(&r, WATS_REPORT_UUT, "0b6f2a43-52c6-4f0e-9a43-35c1c0e2a001",
						"2024-03-05T10:15:30.250+01:00", cache, NULL), 0);
	wats_step *root = wats_report_root(r);
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "step %d", i);
		wats_step *s = NULL;
		assert_int_equal(wats_step_add(&s, root, WATS_STEP_NUMERIC, name), 0);
		wats_meas *m = NULL;
		assert_int_equal(wats_step_add_numeric(&m, s, NULL, i * 0.5, WATS_COMP_GELE, 0, 1e6, "V"), 0);
	}
	return r;
}

static char *wsjf(const wats_report *r)
{
	char *out = NULL;
	assert_int_equal(wats_report_write(&out, NULL, r, 0), 0);
	return out;
}

static void test_reuse_same_document(void **state)
{
	(void)state;
	wats_block_cache *c = wats__block_cache_new((size_t)4 << 20);
	assert_non_null(c);
	/* Reference: no cache. */
	wats_report *ref = big_report(NULL, 3000);
	char *want = wsjf(ref);
	wats_report *a = big_report(c, 3000);
	size_t mem = wats_report_memory(a);
	assert_true(mem > (size_t)512 << 10); /* several blocks, the last ones above 128 KiB */
	assert_int_equal(wats__block_cache_bytes(c), 0);
	wats_report_free(a);
	size_t cached = wats__block_cache_bytes(c);
	assert_true(cached >= mem - sizeof(wats_report)); /* every block came back */
	/* The next report takes them (old bytes in them must not show) and writes the same. */
	wats_report *b = big_report(c, 3000);
	assert_true(wats__block_cache_bytes(c) < cached / 4);
	char *got = wsjf(b);
	assert_string_equal(got, want);
	wats_report_free(b);
	assert_true(wats__block_cache_bytes(c) >= cached);
	wats_free(got);
	wats_free(want);
	wats_report_free(ref);
	wats__block_cache_close(c);
}

static void test_bound_and_close(void **state)
{
	(void)state;
	/* A small cache keeps what fits and frees the rest (LeakSanitizer and valgrind check it). */
	wats_block_cache *c = wats__block_cache_new(64 << 10);
	wats_report *a = big_report(c, 3000);
	wats_report *b = big_report(c, 20);
	wats_report_free(a);
	assert_true(wats__block_cache_bytes(c) <= 64 << 10);
	assert_true(wats__block_cache_bytes(c) > 0);
	/* The owner goes first: b still builds and frees (its blocks are then freed too). */
	wats__block_cache_close(c);
	wats_step *s = NULL;
	assert_int_equal(wats_step_add(&s, wats_report_root(b), WATS_STEP_NUMERIC, "after close"), 0);
	char *text = wsjf(b);
	assert_non_null(strstr(text, "after close"));
	wats_free(text);
	wats_report_free(b);
	wats__block_cache_close(NULL); /* a no-op, as free(NULL) */
}

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

static void test_cached_blocks_poisoned(void **state)
{
	(void)state;
#ifdef TEST_ASAN
	/* A report used after wats_report_free must still fail under ASan although its blocks
	 * went to the cache, not to free: they are poisoned there, and unpoisoned when taken. */
	wats_block_cache *c = wats__block_cache_new((size_t)4 << 20);
	wats_report *a = big_report(c, 200);
	wats_step *root = wats_report_root(a), *first = wats_step_first_child(root);
	assert_false(__asan_address_is_poisoned(first));
	wats_report_free(a);
	assert_true(wats__block_cache_bytes(c) > 0);
	assert_true(__asan_address_is_poisoned(first));
	wats_report *b = big_report(c, 200); /* the same blocks again, usable */
	assert_false(__asan_address_is_poisoned(wats_step_first_child(wats_report_root(b))));
	wats_report_free(b);
	wats__block_cache_close(c);
#else
	skip();
#endif
}

/* A station file of rows measurement rows (the layout of tests/data/csv/station.map). */
static char *station_file(const char *dir, int rows, int serial)
{
	char *path = malloc(2048);
	snprintf(path, 2048, "%s/station-%d.csv", dir, serial);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "Station,FCT-07\nOperator,anna\nLocation,Line 3\nSerial Number,SN-%d\n"
		   "Part Number,PWR-100\nRevision,C\nFixture,F-12\nStart,2024-03-05T10:15:30.250+01:00\n"
		   "Result: Failed\nTest,Measured,Low,High,Unit,Status\n", serial);
	for (int i = 0; i < rows; i++)
		fprintf(f, "Rail %d,%d.%03d,%d.9,%d.1,V,%s\n", i, i % 7, (i * 37) % 1000, i % 7 - 1,
			i % 7 + 1, i % 11 ? "Passed" : "Failed");
	assert_int_equal(fclose(f), 0);
	return path;
}

typedef struct keep {
	wats_report *r[8];
	size_t n;
} keep;

static int keep_report(wats_report *r, void *p)
{
	keep *k = p;
	if (k->n == 8)
		return -1;
	k->r[k->n++] = r;
	return 0;
}

static char *convert_one(wats_converters *reg, const char *path, const char *mapping, keep *k)
{
	keep mine = { { 0 }, 0 };
	keep *to = k ? k : &mine;
	size_t before = to->n;
	assert_int_equal(tu_convert_csv(NULL, reg, path, mapping, 1, keep_report, to), 0);
	assert_int_equal(to->n, before + 1);
	char *text = wsjf(to->r[before]);
	if (!k)
		wats_report_free(mine.r[0]);
	return text;
}

static void test_registry_files(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	const char *map = tu_data("csv/station.map");
	char *f1 = station_file(dir, 2000, 1), *f2 = station_file(dir, 2000, 2);
	/* Each file through a registry of its own: fresh memory. */
	wats_converters *fresh = NULL;
	assert_int_equal(wats_converters_new(&fresh), 0);
	char *w1 = convert_one(fresh, f1, map, NULL);
	wats_converters_free(fresh);
	assert_int_equal(wats_converters_new(&fresh), 0);
	char *w2 = convert_one(fresh, f2, map, NULL);
	wats_converters_free(fresh);
	/* One registry, file after file, each report freed before the next: recycled blocks. */
	wats_converters *reg = NULL;
	assert_int_equal(wats_converters_new(&reg), 0);
	for (int round = 0; round < 3; round++) {
		char *g1 = convert_one(reg, f1, map, NULL);
		char *g2 = convert_one(reg, f2, map, NULL);
		assert_string_equal(g1, w1);
		assert_string_equal(g2, w2);
		wats_free(g1);
		wats_free(g2);
	}
	/* Reports kept past the registry's end stay whole and free cleanly. */
	keep k = { { 0 }, 0 };
	wats_free(convert_one(reg, f1, map, &k));
	wats_free(convert_one(reg, f2, map, &k));
	wats_converters_free(reg);
	char *g2 = wsjf(k.r[1]);
	assert_string_equal(g2, w2);
	wats_free(g2);
	wats_report_free(k.r[0]);
	wats_report_free(k.r[1]);
	wats_free(w1);
	wats_free(w2);
	free(f1);
	free(f2);
	tu_rmtree(dir);
	free(dir);
}

/* The callback hands each report to another thread (through a pipe), which frees it while the
 * conversion builds the next ones from the same cache. */
static void *freer(void *arg)
{
	int fd = *(int *)arg;
	size_t n = 0;
	wats_report *r;
	while (read(fd, &r, sizeof(r)) == (ssize_t)sizeof(r)) {
		if (!r)
			break;
		const char *sn = wats_report_sn(r);
		if (sn && sn[0] == 'S' && wats_step_child_count(wats_report_root(r)) == 2)
			n++;
		wats_report_free(r);
	}
	return (void *)n;
}

static int hand_over(wats_report *r, void *p)
{
	int fd = *(int *)p;
	return write(fd, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : -1;
}

/* A skeleton created with its header members (the converters' one-allocation path) is the
 * document wats_report_new and the setters make, for UUT and UUR, with members null or set. */
static void test_create_with_header(void **state)
{
	(void)state;
	const char *id = "0b6f2a43-52c6-4f0e-9a43-35c1c0e2a002", *start = "2024-03-05T10:15:30.250+01:00";
	const wats_header_texts h = { .pn = "PN-1", .sn = "SN \xc3\xbc 7", .process_code = "-10",
				      .machine_name = "S", .purpose = "FCT" };
	for (int type = 0; type < 2; type++) {
		wats_report_type t = type ? WATS_REPORT_UUR : WATS_REPORT_UUT;
		wats_report *want = NULL, *got = NULL, *later = NULL;
		assert_int_equal(wats_report_new(&want, t), 0);
		assert_int_equal(wats_report_set_id(want, id), 0);
		assert_int_equal(wats_report_set_start_text(want, start), 0);
		assert_int_equal(wats_report_set_pn(want, "PN-1"), 0);
		assert_int_equal(wats_report_set_sn(want, "SN \xc3\xbc 7"), 0);
		assert_int_equal(wats_report_set_process_code(want, -10), 0);
		assert_int_equal(wats_report_set_machine_name(want, "S"), 0);
		assert_int_equal(wats_report_set_purpose(want, "FCT"), 0);
		assert_int_equal(wats__report_create_in(&got, t, id, start, NULL, &h), 0);
		assert_int_equal(wats__report_create_in(&later, t, id, start, NULL, NULL), 0);
		assert_int_equal(wats__report_put_header(later, &h), 0);
		char *a = wsjf(want), *b = wsjf(got), *c = wsjf(later);
		assert_string_equal(b, a);
		assert_string_equal(c, a);
		assert_non_null(strstr(a, "\"processCode\":-10,"));
		wats_free(a), wats_free(b), wats_free(c);
		wats_report_free(want), wats_report_free(got), wats_report_free(later);
	}
}

/* The writer checks every text itself (yajl's own check is off): a string that bypassed the
 * setters' check (the unchecked internal builders) is refused with its path, ASCII around it
 * or not, and so is a key; valid multi-byte text after eight ASCII bytes passes. */
static void test_writer_checks_utf8(void **state)
{
	(void)state;
	const char *bad[] = { "\xff", "abcdefgh\xc3", "abcdefghijklmnop\xed\xa0\x80", "\xc0\xaf" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wats_report *r = NULL;
		assert_int_equal(wats__report_create_in(&r, WATS_REPORT_UUT, "0b6f2a43-52c6-4f0e-9a43-35c1c0e2a003",
							"2024-03-05T10:15:30.250+01:00", NULL, NULL), 0);
		assert_non_null(wats__obj_put_text(r, r->doc, WATS_K_sn, WATS_NODE_STRING, bad[i], strlen(bad[i])));
		char *out = NULL;
		assert_int_equal(wats_report_write(&out, NULL, r, 0), WATS_EINVAL);
		assert_null(out);
		assert_non_null(strstr(wats_error_last()->message, "sn: string is not valid UTF-8"));
		wats_report_free(r);
	}
	wats_report *r = NULL;
	assert_int_equal(wats__report_create_in(&r, WATS_REPORT_UUT, "0b6f2a43-52c6-4f0e-9a43-35c1c0e2a003",
						"2024-03-05T10:15:30.250+01:00", NULL, NULL), 0);
	assert_non_null(wats__obj_put_text(r, r->doc, WATS_K_sn, WATS_NODE_STRING, "abcdefgh\xc3\xbc\xe2\x82\xac", 13));
	char *out = NULL;
	assert_int_equal(wats_report_write(&out, NULL, r, 0), 0);
	assert_non_null(strstr(out, "\"sn\":\"abcdefgh\xc3\xbc\xe2\x82\xac\""));
	wats_free(out);
	wats_node *k = wats__node_new_keyed(r, WATS_NODE_NULL, "k\xff", 2);
	assert_non_null(k);
	wats__node_append(r, r->doc, k);
	assert_int_equal(wats_report_write(&out, NULL, r, 0), WATS_EINVAL);
	assert_non_null(strstr(wats_error_last()->message, "not valid UTF-8"));
	wats_report_free(r);
}

static void test_free_on_other_thread(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), csv[2048], map[2048];
	assert_non_null(dir);
	snprintf(csv, sizeof(csv), "%s/wide.csv", dir);
	snprintf(map, sizeof(map), "%s/wide.map", dir);
	const char *m = "sn = SN\nstep.A = numeric value=A low=\"0\" high=\"100\"\n"
			"step.B = numeric value=B low=\"0\" high=\"100\"\n";
	tu_write(map, m, strlen(m));
	FILE *f = fopen(csv, "w");
	assert_non_null(f);
	fprintf(f, "SN,A,B\n");
	for (int i = 0; i < 400; i++)
		fprintf(f, "S%d,%d.5,%d\n", i, i % 150, i % 90);
	assert_int_equal(fclose(f), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, freer, &fds[0]), 0);
	wats_converters *reg = NULL;
	assert_int_equal(wats_converters_new(&reg), 0);
	size_t count = 0;
	for (int round = 0; round < 3; round++) {
		size_t n = 0;
		assert_int_equal(tu_convert_csv(&n, reg, csv, map, 0, hand_over, &fds[1]), 0);
		count += n;
	}
	/* The registry goes while the other thread may still be freeing its reports. */
	wats_converters_free(reg);
	wats_report *end = NULL;
	assert_int_equal(write(fds[1], &end, sizeof(end)), (ssize_t)sizeof(end));
	void *valid = NULL;
	assert_int_equal(pthread_join(t, &valid), 0);
	assert_int_equal(count, 1200);
	assert_int_equal((size_t)valid, 1200);
	close(fds[0]);
	close(fds[1]);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reuse_same_document),
		cmocka_unit_test(test_bound_and_close),
		cmocka_unit_test(test_cached_blocks_poisoned),
		cmocka_unit_test(test_registry_files),
		cmocka_unit_test(test_free_on_other_thread),
		cmocka_unit_test(test_create_with_header),
		cmocka_unit_test(test_writer_checks_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
