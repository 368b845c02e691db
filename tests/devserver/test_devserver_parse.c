/*
 * The report parser's fast scanner (src/lib/report/parse.c) against its yajl path.
 *
 * wats_report_parse scans with its own scanner and hands anything outside that scanner's
 * subset (and every error) to yajl. The server's 400 messages and the lossless round trip
 * depend on both giving the same answer: the same tree node for node, or the same error with
 * the same line and column. This compares them on the shared fixtures, on hand-made corner
 * cases and on a few thousand seeded random mutations of the 97 KB fixture.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wats/wats.h"

/* parse.c: the yajl path alone (not in a header: it exists for this comparison). */
int wats__report_parse_yajl(wats_report **out, const char *json, size_t len,
			    const wats_parse_options *opts);

typedef struct outcome {
	int rc, code, line, column;
	char *message;
	wats_report *r;
} outcome;

static outcome run(int yajl_only, const char *json, size_t len, int max_depth)
{
	wats_parse_options o = WATS_PARSE_OPTIONS_INIT;
	o.max_depth = max_depth;
	outcome x = { 0 };
	x.rc = yajl_only ? wats__report_parse_yajl(&x.r, json, len, &o)
			 : wats_report_parse(&x.r, json, len, &o);
	if (x.rc < 0) {
		const wats_error *e = wats_error_last();
		x.code = e->code;
		x.line = e->line;
		x.column = e->column;
		x.message = strdup(e->message);
	}
	return x;
}

/* Same shape, same keys in the same order, same kinds and the same bytes in every value. */
static int same_tree(const wats_node *a, const wats_node *b)
{
	if (wats_node_kind_of(a) != wats_node_kind_of(b))
		return 0;
	const char *ka = wats_node_key(a), *kb = wats_node_key(b);
	if ((ka == NULL) != (kb == NULL) || (ka && strcmp(ka, kb)))
		return 0;
	switch (wats_node_kind_of(a)) {
	case WATS_NODE_OBJECT:
	case WATS_NODE_ARRAY: {
		if (wats_node_count(a) != wats_node_count(b))
			return 0;
		const wats_node *ca = wats_node_first(a), *cb = wats_node_first(b);
		for (; ca && cb; ca = wats_node_next(ca), cb = wats_node_next(cb))
			if (!same_tree(ca, cb))
				return 0;
		return ca == NULL && cb == NULL;
	}
	case WATS_NODE_STRING: {
		size_t la, lb;
		const char *sa = wats_node_string(a, &la), *sb = wats_node_string(b, &lb);
		return la == lb && !memcmp(sa, sb, la);
	}
	case WATS_NODE_NUMBER: {
		char ta[128], tb[128];
		return wats_node_number_text(ta, sizeof(ta), a) == 0 &&
		       wats_node_number_text(tb, sizeof(tb), b) == 0 && !strcmp(ta, tb);
	}
	case WATS_NODE_BOOL:
		return wats_node_bool(a) == wats_node_bool(b);
	default:
		return 1;
	}
}

/* Both paths agree on json; returns 1 when it parsed. */
static int agree(const char *json, size_t len, int max_depth)
{
	outcome f = run(0, json, len, max_depth), y = run(1, json, len, max_depth);
	if (f.rc != y.rc || f.code != y.code || f.line != y.line || f.column != y.column ||
	    (f.message && strcmp(f.message, y.message)))
		fail_msg("fast path and yajl differ on %.*s...: rc %d/%d, %s / %s", (int)(len < 60 ? len : 60),
			 json, f.rc, y.rc, f.message ? f.message : "ok", y.message ? y.message : "ok");
	int ok = f.rc == 0;
	if (ok) {
		if (!same_tree(wats_report_node(f.r), wats_report_node(y.r)))
			fail_msg("fast path and yajl build different trees for %.*s",
				 (int)(len < 60 ? len : 60), json);
		char *wf = NULL, *wy = NULL;
		assert_int_equal(wats_report_write(&wf, NULL, f.r, 0), 0);
		assert_int_equal(wats_report_write(&wy, NULL, y.r, 0), 0);
		assert_string_equal(wf, wy);
		wats_free(wf);
		wats_free(wy);
	}
	wats_report_free(f.r);
	wats_report_free(y.r);
	free(f.message);
	free(y.message);
	return ok;
}

static int agree_str(const char *json)
{
	return agree(json, strlen(json), 0);
}

static void test_fixtures(void **state)
{
	(void)state;
	const char *names[] = { "new_report_example.json", "uur_example.json" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len;
		char *text = tu_read(tu_fixture(names[i]), &len);
		assert_true(agree(text, len, 0));
		free(text);
	}
}

static void test_corner_cases(void **state)
{
	(void)state;
	/* Accepted by both, in the fast subset or handed over. */
	static const char *const ok[] = {
		"{}", " {\"a\":1} ", "\xEF\xBB\xBF{\"a\":1}", "{\"a\":[]}", "{\"a\":{}}",
		"{\"a\":[1,2,[3,[4]],{\"b\":null}]}", "{\"a\":true,\"b\":false,\"c\":null}",
		"{\"n\":[0,-0,1.5,-1.5e10,1E+5,2e-3,123456789012345678901234567890,0.0000001]}",
		"{\"s\":\"plain\",\"e\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
		"{\"u\":\"\\u00e9\\u20AC\\u0041\\u07ff\\u0800\\uffff\"}",
		"{\"u\":\"\\ud83d\\ude00\"}",                   /* surrogate pair: yajl's */
		"{\"k\\u00e9y\":1,\"\\n\":2}",                  /* escaped keys */
		"{\"t\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}", /* UTF-8 of every length */
		"{\"status\":\"Passed\",\"result\":\"Failed\"}",
		"{\"root\":{\"status\":\"Passed\",\"steps\":[{\"status\":\"skipped\"}]}}",
		"{\"a\":1,\"a\":2}",
	};
	/* Refused by both, with the same message, line and column. */
	static const char *const bad[] = {
		"", "   ", "[]", "1", "\"s\"", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,}",
		"{\"a\" 1}", "{a:1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}",
		"{\"a\":1e}", "{\"a\":1e+}", "{\"a\":+1}", "{\"a\":tru}", "{\"a\":nul}",
		"{\"a\":falsey}", "{\"a\":1} {}", "{\"a\":1}x", "{\"a\":\"x\ny\"}",
		"{\"a\":\"\\x\"}", "{\"a\":\"\\u12g4\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"abc",
		"{\"a\":\"\xC3\x28\"}", "{\"a\":\"\xFF\"}", "{\"a\":\"\xE2\x82\"}",
		"{\"a\":1 /* c */}", "{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":[1 2]}", "{\"a\":}",
		"{\n\"a\":1,\n  \"b\": }", "{\"a\":1}}", "{\"a\":[}",
	};
	/* Outside the fast subset, where only yajl decides: the two must agree, whatever
	 * yajl's verdict. */
	static const char *const yajls[] = {
		"{\"u\":\"\\ud83d x\"}", "{\"u\":\"\\udc00\"}", "{\"u\":\"\\u0000\"}",
		"{\"o\":\"\xC0\x80\"}", "{\"o\":\"\xED\xA0\x80\"}", "{\"o\":\"\xF4\x90\x80\x80\"}",
		"{\"o\":\"\xF8\x88\x80\x80\x80\"}", "{\"a\":1}\f", "\v{\"a\":1}", "{\"a\":\f1}",
	};
	for (size_t i = 0; i < sizeof(yajls) / sizeof(yajls[0]); i++)
		agree_str(yajls[i]);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!agree_str(ok[i]))
			fail_msg("expected to parse: %s", ok[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (agree_str(bad[i]))
			fail_msg("expected to fail: %s", bad[i]);
	/* Nesting at and past the limit, with the default and a given max_depth. */
	for (int depth = 118; depth <= 130; depth++) {
		char doc[600];
		size_t n = 0;
		doc[n++] = '{';
		doc[n++] = '"';
		doc[n++] = 'a';
		doc[n++] = '"';
		doc[n++] = ':';
		for (int i = 1; i < depth; i++)
			doc[n++] = '[';
		for (int i = 1; i < depth; i++)
			doc[n++] = ']';
		doc[n++] = '}';
		agree(doc, n, 0);
		agree(doc, n, 127);
		agree(doc, n, 5);
	}
}

/* xorshift: the same mutations on every run. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_mutations(void **state)
{
	(void)state;
	size_t len;
	char *orig = tu_read(tu_fixture("new_report_example.json"), &len);
	char *doc = malloc(len + 16);
	assert_non_null(doc);
	static const char pool[] = "{}[]\",:\\ \t\n\r\f0123456789-+.eEtrufalsn\x80\xC3\xA9\xFF\x01u";
	uint64_t seed = 0x9E3779B97F4A7C15u;
	int parsed = 0, refused = 0;
	for (int i = 0; i < 600; i++) {
		memcpy(doc, orig, len);
		size_t n = len;
		/* Edit near structure: mostly in the header and the first steps, where every
		 * kind of token occurs, and sometimes anywhere. */
		int edits = 1 + (int)(rnd(&seed) % 3);
		for (int e = 0; e < edits; e++) {
			size_t at = (size_t)(rnd(&seed) % (i % 4 ? 4000 : n));
			char c = pool[rnd(&seed) % (sizeof(pool) - 1)];
			switch (rnd(&seed) % 3) {
			case 0: doc[at] = c; break;
			case 1: memmove(doc + at + 1, doc + at, n - at); doc[at] = c; n++; break;
			default: memmove(doc + at, doc + at + 1, n - at - 1); n--; break;
			}
		}
		if (agree(doc, n, 0))
			parsed++;
		else
			refused++;
	}
	/* Both outcomes must have been exercised for the comparison to mean anything. */
	assert_true(parsed > 100);
	assert_true(refused > 100);
	free(doc);
	free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_corner_cases),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
