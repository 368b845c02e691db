/* The converter registry's cache of parsed CSV mappings (registry.c wats__file_cache, csv.c):
 * cached conversions write what uncached ones write, an edited mapping is seen at once (also
 * an edit that keeps size and mtime), the bound, entries evicted while in use, and two threads
 * converting with one mapping while it is replaced (also under ThreadSanitizer). */
#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "convert/convert_internal.h"
#include "wats/wats.h"

typedef struct out {
	char text[1 << 16];
	size_t len;
	int failed;
} out;

static int collect(wats_report *r, void *p)
{
	out *o = p;
	char *w = NULL;
	size_t n = 0;
	if (wats_report_write(&w, &n, r, 0) || o->len + n + 1 >= sizeof(o->text))
		o->failed = 1;
	else {
		memcpy(o->text + o->len, w, n);
		o->len += n;
		o->text[o->len++] = '\n';
		o->text[o->len] = '\0';
	}
	wats_free(w);
	wats_report_free(r);
	return 0;
}

/* Convert csv with mapping map through reg into o (ids derived: the output is reproducible). */
static int conv(out *o, wats_converters *reg, const char *csv, const char *map)
{
	o->len = 0;
	o->text[0] = '\0';
	o->failed = 0;
	return tu_convert_csv(NULL, reg, csv, map, 1, collect, o);
}

static wats__file_cache *cache_of(wats_converters *reg)
{
	const wats_converter *cv = wats_converters_find(reg, "csv");
	assert_non_null(cv);
	assert_non_null(cv->impl);
	return cv->impl;
}

/* Set path's mtime to `ago` seconds before now (an old file: no text comparison on use). */
static void age(const char *path, int ago)
{
	struct timespec t[2];
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= ago;
	t[0].tv_nsec = 0;
	t[1] = t[0];
	assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static void test_cached_same_output(void **state)
{
	(void)state;
	static out a, b, c;
	wats_converters *fresh, *reg;
	assert_int_equal(wats_converters_new(&fresh), 0);
	assert_int_equal(wats_converters_new(&reg), 0);
	const char *files[][2] = { { "csv/station.csv", "csv/station.map" }, { "csv/long.csv", "csv/long.map" },
				   { "csv/wide.csv", "csv/wide.map" } };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char csv[1024], map[1024];
		snprintf(csv, sizeof(csv), "%s", tu_data(files[i][0]));
		snprintf(map, sizeof(map), "%s", tu_data(files[i][1]));
		assert_int_equal(conv(&a, fresh, csv, map), 0);
		assert_int_equal(wats__file_cache_count(cache_of(reg)), i);
		assert_int_equal(conv(&b, reg, csv, map), 0); /* parsed and cached */
		assert_int_equal(wats__file_cache_count(cache_of(reg)), i + 1);
		assert_int_equal(conv(&c, reg, csv, map), 0); /* from the cache */
		assert_int_equal(wats__file_cache_count(cache_of(reg)), i + 1);
		assert_false(a.failed || b.failed || c.failed);
		assert_true(a.len > 100);
		/* "start" of wide and long is the conversion's clock: compare up to it */
		if (i == 0) {
			assert_string_equal(a.text, b.text);
			assert_string_equal(a.text, c.text);
		} else {
			assert_int_equal(a.len, c.len);
			assert_memory_equal(a.text, c.text, 40);
		}
	}
	wats_converters_free(fresh);
	wats_converters_free(reg);
}

static const char *CSV = "SN,V\nU1,5.0\n";

static void write_map(const char *path, const char *sn_literal, const char *extra)
{
	char m[512];
	int n = snprintf(m, sizeof(m), "layout = wide\nsn = \"%s\"\npn = \"P\"\n%s"
			 "step.V = numeric value=V low=\"1\" high=\"9\"\n", sn_literal, extra);
	tu_write(path, m, (size_t)n);
}

static void test_edit_seen(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), csv[1024], map[1024];
	snprintf(csv, sizeof(csv), "%s/u.csv", dir);
	snprintf(map, sizeof(map), "%s/u.map", dir);
	tu_write(csv, CSV, strlen(CSV));
	wats_converters *reg;
	assert_int_equal(wats_converters_new(&reg), 0);
	static out o;
	write_map(map, "AAAA", "");
	assert_int_equal(conv(&o, reg, csv, map), 0);
	assert_non_null(strstr(o.text, "\"sn\":\"AAAA\""));
	/* the same size at once (the same mtime tick or not: test_recent_file_compared) */
	write_map(map, "BBBB", "");
	assert_int_equal(conv(&o, reg, csv, map), 0);
	assert_non_null(strstr(o.text, "\"sn\":\"BBBB\""));
	/* another size */
	write_map(map, "CCCCCC", "");
	assert_int_equal(conv(&o, reg, csv, map), 0);
	assert_non_null(strstr(o.text, "\"sn\":\"CCCCCC\""));
	/* an old file, converted twice (cached without text compare), then edited: a new mtime */
	age(map, 100);
	assert_int_equal(conv(&o, reg, csv, map), 0);
	assert_int_equal(conv(&o, reg, csv, map), 0);
	assert_non_null(strstr(o.text, "\"sn\":\"CCCCCC\""));
	write_map(map, "DDDDDD", "");
	age(map, 50);
	assert_int_equal(conv(&o, reg, csv, map), 0);
	assert_non_null(strstr(o.text, "\"sn\":\"DDDDDD\""));
	/* one entry per path: the older versions went */
	assert_int_equal(wats__file_cache_count(cache_of(reg)), 1);
	/* a broken mapping is not cached: its error every time, and the fixed one then works */
	write_map(map, "EEEE", "layout\n");
	assert_int_equal(conv(&o, reg, csv, map), WATS_EPARSE);
	assert_int_equal(conv(&o, reg, csv, map), WATS_EPARSE);
	write_map(map, "FFFF", "");
	assert_int_equal(conv(&o, reg, csv, map), 0);
	assert_non_null(strstr(o.text, "\"sn\":\"FFFF\""));
	/* gone: the read error, not the cached mapping */
	unlink(map);
	assert_int_equal(conv(&o, reg, csv, map), WATS_ENOTFOUND);
	wats_converters_free(reg);
	tu_rmtree(dir);
	free(dir);
}

/* A header key given twice: the last usable value wins, as the general path does; a later
 * processCode that is not an integer is ignored (with a warning) and leaves the earlier one. */
static void test_header_key_twice(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), csv[1024], map[1024];
	snprintf(csv, sizeof(csv), "%s/twice.csv", dir);
	snprintf(map, sizeof(map), "%s/twice.map", dir);
	const char *rows = "SN,V,PC,ST\nU1,5.0,abc,S1\nU2,5.0,20,\n";
	tu_write(csv, rows, strlen(rows));
	write_map(map, "lit", "processCode = \"10\"\nprocessCode = PC\nstation = \"A\"\nstation = ST\n");
	wats_converters *reg = NULL;
	assert_int_equal(wats_converters_new(&reg), 0);
	out *o = calloc(1, sizeof(*o));
	assert_int_equal(conv(o, reg, csv, map), 0);
	assert_false(o->failed);
	char *second = strchr(o->text, '\n');
	assert_non_null(second);
	*second++ = '\0';
	assert_non_null(strstr(o->text, "\"processCode\":10,"));
	assert_non_null(strstr(o->text, "\"machineName\":\"S1\""));
	assert_non_null(strstr(second, "\"processCode\":20,"));
	assert_non_null(strstr(second, "\"machineName\":\"A\"")); /* an empty cell is skipped */
	free(o);
	wats_converters_free(reg);
	tu_rmtree(dir);
	free(dir);
}

/* The planned path (name, operator, limits and unit constant in the mapping) builds what the
 * general path builds (the same given as columns, which it cannot plan): every numeric operator,
 * limits of each kind, values that are plain, exponents, not numbers or empty, status cells
 * good, bad or empty, short rows. Random rows, fixed seed. */
static void test_planned_equals_general(void **state)
{
	(void)state;
	static const char *const ops[] = { "LOG", "EQ", "NE", "GT", "GE", "LT", "LE", "GTLT", "GTLE",
					   "GELT", "GELE", "LTGT", "LTGE", "LEGT", "LEGE", "EQT", "" };
	static const char *const lows[] = { "1.5", "0", "-2", "1e-3", "7" };
	static const char *const highs[] = { "9", "2.25", "100", "" };
	static const char *const vals[] = { "2.5", "0", "-0", "1e2", "abc", "", " 3 ", "0.1234567890123456",
					    "5", "9", "1.5", "-7.125", "00.5" };
	static const char *const sts[] = { "", "", "Passed", "F", "bogus", "Skipped" };
	enum { NOPS = sizeof(ops) / sizeof(ops[0]) };
	char *dir = tu_tmpdir(), csv[1024], lit[1024], col[1024];
	snprintf(csv, sizeof(csv), "%s/p.csv", dir);
	snprintf(lit, sizeof(lit), "%s/lit.map", dir);
	snprintf(col, sizeof(col), "%s/col.map", dir);
	unsigned long x = 0x2545F4914F6CDD1Dul;
	wats_converters *reg = NULL;
	assert_int_equal(wats_converters_new(&reg), 0);
	out *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	for (int round = 0; round < 30; round++) {
		/* the mappings: step i by literals in one, by constant columns in the other */
		char ml[8192] = "layout = wide\nsn = SN\nragged = pad\nstart = \"2024-03-05T10:15:30.250+01:00\"\n",
		     mc[8192];
		snprintf(mc, sizeof(mc), "%s", ml);
		/* the constant columns first: a short row loses values and status, not constants */
		char head[4096] = "SN", consts[4096] = "";
		size_t hl = strlen(head), cl = 0, ll = strlen(ml), mcl = strlen(mc);
		for (int i = 0; i < NOPS; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			const char *lo = lows[x % 5], *hi = highs[(x >> 8) % 4];
			const char *status = (x >> 16) % 3 == 0 ? " status=St" : "";
			ll += (size_t)snprintf(ml + ll, sizeof(ml) - ll,
					       "step.S%d = numeric value=V%d low=\"%s\" high=\"%s\" unit=\"mV\" "
					       "compop=\"%s\" name=\"N%d\"%s\n", i, i % 3, lo, hi, ops[i], i, status);
			mcl += (size_t)snprintf(mc + mcl, sizeof(mc) - mcl,
						"step.S%d = numeric value=V%d low=L%d high=H%d unit=U compop=O%d "
						"name=N%d%s\n", i, i % 3, i, i, i, i, status);
			hl += (size_t)snprintf(head + hl, sizeof(head) - hl, ",L%d,H%d,O%d,N%d", i, i, i, i);
			cl += (size_t)snprintf(consts + cl, sizeof(consts) - cl, ",%s,%s,%s,N%d", lo, hi, ops[i], i);
		}
		tu_write(lit, ml, ll);
		tu_write(col, mc, mcl);
		char rows[16384];
		size_t rl = (size_t)snprintf(rows, sizeof(rows), "%s,U,V0,V1,V2,St\n", head);
		for (int r = 0; r < 4; r++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			rl += (size_t)snprintf(rows + rl, sizeof(rows) - rl, "R%d_%d%s,mV,%s,%s", round, r,
					       consts, vals[x % 13], vals[(x >> 8) % 13]);
			if (r < 3 || round % 5) /* else a short row: no V2, no status */
				rl += (size_t)snprintf(rows + rl, sizeof(rows) - rl, ",%s,%s",
						       vals[(x >> 16) % 13], sts[(x >> 24) % 6]);
			rows[rl++] = '\n';
		}
		tu_write(csv, rows, rl);
		int ra = conv(a, reg, csv, lit), rb = conv(b, reg, csv, col);
		assert_int_equal(ra, rb);
		assert_false(a->failed || b->failed);
		if (strcmp(a->text, b->text))
			fail_msg("round %d: planned and general paths differ\n%s\n---\n%s", round, a->text, b->text);
	}
	free(a);
	free(b);
	wats_converters_free(reg);
	tu_rmtree(dir);
	free(dir);
}

static int freed;
static void free_value(void *v)
{
	free(v);
	freed++;
}

static void test_bound_and_eviction_in_use(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), path[1024];
	wats__file_cache *fc = wats__file_cache_new();
	assert_non_null(fc);
	freed = 0;
	wats__cached *held = NULL;
	for (int i = 0; i < WATS__FILE_CACHE_MAX + 4; i++) {
		snprintf(path, sizeof(path), "%s/m%d", dir, i);
		tu_write(path, "x", 1);
		struct stat st;
		wats__cached *e;
		assert_int_equal(wats__file_cache_get(&e, fc, path, &st), 0);
		assert_null(e);
		int *v = malloc(sizeof(int));
		*v = i;
		e = wats__file_cache_put(fc, path, &st, strdup("x"), 1, v, free_value);
		assert_non_null(e);
		if (i == 0)
			held = e; /* kept while 20 more come: evicted from the cache, not freed */
		else
			wats__cached_release(fc, e);
		assert_true(wats__file_cache_count(fc) <= WATS__FILE_CACHE_MAX);
	}
	assert_int_equal(wats__file_cache_count(fc), WATS__FILE_CACHE_MAX);
	assert_int_equal(freed, 3); /* 4 evicted, the first still held */
	assert_int_equal(*(int *)wats__cached_value(held), 0);
	wats__cached_release(fc, held);
	assert_int_equal(freed, 4);
	/* the most recently used stay: m4 was used last of the old ones */
	snprintf(path, sizeof(path), "%s/m4", dir);
	struct stat st;
	wats__cached *e;
	assert_int_equal(wats__file_cache_get(&e, fc, path, &st), 0);
	assert_non_null(e);
	assert_int_equal(*(int *)wats__cached_value(e), 4);
	wats__cached_release(fc, e);
	snprintf(path, sizeof(path), "%s/nothing-here", dir);
	assert_int_equal(wats__file_cache_get(&e, fc, path, &st), -1);
	wats__file_cache_free(fc);
	assert_int_equal(freed, 4 + WATS__FILE_CACHE_MAX);
	tu_rmtree(dir);
	free(dir);
}

/* An edit within one timestamp tick keeps size, mtime and ctime: the key cannot see it, so a
 * recent file's text is compared. Simulated by caching a text under the identity the file has
 * now. An old file is trusted on its key alone (no read per use). */
static void test_recent_file_compared(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), path[1024];
	snprintf(path, sizeof(path), "%s/m", dir);
	wats__file_cache *fc = wats__file_cache_new();
	freed = 0;
	tu_write(path, "BBBB", 4);
	struct stat st;
	wats__cached *e;
	assert_int_equal(wats__file_cache_get(&e, fc, path, &st), 0);
	assert_null(e);
	e = wats__file_cache_put(fc, path, &st, strdup("AAAA"), 4, malloc(1), free_value);
	wats__cached_release(fc, e);
	assert_int_equal(wats__file_cache_get(&e, fc, path, &st), 0);
	assert_null(e); /* the text differs: not used */
	e = wats__file_cache_put(fc, path, &st, strdup("BBBB"), 4, malloc(1), free_value);
	wats__cached_release(fc, e);
	assert_int_equal(freed, 1); /* the stale entry replaced */
	assert_int_equal(wats__file_cache_get(&e, fc, path, &st), 0);
	assert_non_null(e); /* the same text: used */
	wats__cached_release(fc, e);
	/* old: cached under its identity, the text is not read again */
	age(path, 100);
	assert_int_equal(wats__file_cache_get(&e, fc, path, &st), 0);
	assert_null(e); /* utimensat changed mtime and ctime */
	e = wats__file_cache_put(fc, path, &st, strdup("ZZZZ"), 4, malloc(1), free_value);
	wats__cached_release(fc, e);
	assert_int_equal(wats__file_cache_get(&e, fc, path, &st), 0);
	assert_non_null(e);
	wats__cached_release(fc, e);
	wats__file_cache_free(fc);
	assert_int_equal(freed, 3);
	tu_rmtree(dir);
	free(dir);
}

/* Two threads convert with one mapping through one registry while the main thread replaces
 * the mapping (rename: a new inode) between two versions: every report has one of them. */
typedef struct job {
	wats_converters *reg;
	const char *csv, *map;
	int bad, done;
} job;

static void *worker(void *p)
{
	job *j = p;
	out *o = malloc(sizeof(*o));
	for (int i = 0; i < 300 && o; i++) {
		if (conv(o, j->reg, j->csv, j->map) || o->failed ||
		    (!strstr(o->text, "\"sn\":\"ONE\"") && !strstr(o->text, "\"sn\":\"TWO2\"")))
			j->bad++;
		j->done++;
	}
	free(o);
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), csv[1024], map[1024], tmp[1024];
	snprintf(csv, sizeof(csv), "%s/u.csv", dir);
	snprintf(map, sizeof(map), "%s/u.map", dir);
	snprintf(tmp, sizeof(tmp), "%s/u.map.new", dir);
	tu_write(csv, CSV, strlen(CSV));
	write_map(map, "ONE", "");
	wats_converters *reg;
	assert_int_equal(wats_converters_new(&reg), 0);
	job a = { reg, csv, map, 0, 0 }, b = a;
	pthread_t ta, tb;
	assert_int_equal(pthread_create(&ta, NULL, worker, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, worker, &b), 0);
	for (int i = 0; i < 40; i++) {
		write_map(tmp, i % 2 ? "ONE" : "TWO2", "");
		assert_int_equal(rename(tmp, map), 0);
		usleep(2000);
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.done + b.done, 600);
	assert_int_equal(a.bad, 0);
	assert_int_equal(b.bad, 0);
	assert_true(wats__file_cache_count(cache_of(reg)) == 1);
	wats_converters_free(reg);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cached_same_output),
		cmocka_unit_test(test_edit_seen),
		cmocka_unit_test(test_bound_and_eviction_in_use),
		cmocka_unit_test(test_recent_file_compared),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_header_key_twice),
		cmocka_unit_test(test_planned_equals_general),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
