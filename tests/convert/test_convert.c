/* Converters: WSJF/WSXF round trips on the shared fixtures, the hand-written samples of every
 * format, bad input, detection, the conversion log, plugins and external commands. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wats/wats.h"

typedef struct sink {
	wats_report *r[16];
	size_t n;
	int stop_after;
} sink;

static int collect(wats_report *r, void *payload)
{
	sink *s = payload;
	if (s->n < 16)
		s->r[s->n++] = r;
	else
		wats_report_free(r);
	if (s->stop_after && (int)s->n >= s->stop_after)
		return -42;
	return 0;
}

static void sink_free(sink *s)
{
	for (size_t i = 0; i < s->n; i++)
		wats_report_free(s->r[i]);
	s->n = 0;
}

static wats_converters *reg(void)
{
	wats_converters *c = NULL;
	assert_int_equal(wats_converters_new(&c), 0);
	return c;
}

static int convert(sink *s, wats_converters *c, const char *path, const char *from,
		   const char *const *params, wats_conversion_log *log)
{
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = from;
	o.params = params;
	o.log = log;
	return wats_convert_file(NULL, c, path, &o, collect, s);
}

static char *write_wsjf(const wats_report *r)
{
	char *out = NULL;
	assert_int_equal(wats_report_write(&out, NULL, r, 0), 0);
	return out;
}

/* Same JSON value: objects as key sets, numbers by their text, null distinct from absent. */
static int node_equal(const wats_node *a, const wats_node *b)
{
	if (wats_node_kind_of(a) != wats_node_kind_of(b))
		return 0;
	char ta[1024], tb[1024];
	switch (wats_node_kind_of(a)) {
	case WATS_NODE_NULL: return 1;
	case WATS_NODE_BOOL: return wats_node_bool(a) == wats_node_bool(b);
	case WATS_NODE_NUMBER:
		return !wats_node_number_text(ta, sizeof(ta), a) &&
		       !wats_node_number_text(tb, sizeof(tb), b) && !strcmp(ta, tb);
	case WATS_NODE_STRING: return !strcmp(wats_node_string(a, NULL), wats_node_string(b, NULL));
	case WATS_NODE_ARRAY:
		if (wats_node_count(a) != wats_node_count(b))
			return 0;
		for (wats_node *x = wats_node_first(a), *y = wats_node_first(b); x; x = wats_node_next(x), y = wats_node_next(y))
			if (!node_equal(x, y))
				return 0;
		return 1;
	case WATS_NODE_OBJECT:
		if (wats_node_count(a) != wats_node_count(b))
			return 0;
		for (wats_node *x = wats_node_first(a); x; x = wats_node_next(x)) {
			wats_node *y = wats_node_get(b, wats_node_key(x));
			if (!y || !node_equal(x, y)) {
				print_error("differs at member '%s'\n", wats_node_key(x));
				return 0;
			}
		}
		return 1;
	}
	return 0;
}

/* WSJF -> WSXF -> WSJF gives back the same document (the same bytes when the input had the
 * export's key order). */
static void wsxf_roundtrip(const wats_report *orig)
{
	char *x = NULL;
	size_t xl = 0;
	assert_int_equal(wats_report_to_wsxf(&x, &xl, orig), 0);
	wats_converters *c = reg();
	sink s = { { 0 }, 0, 0 };
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = "wsxf";
	int rc = wats_convert_buffer(NULL, c, "rt.xml", x, xl, &o, collect, &s);
	if (rc)
		fail_msg("%s", wats_error_last()->message);
	assert_int_equal(s.n, 1);
	char *a = write_wsjf(orig), *b = write_wsjf(s.r[0]);
	if (strcmp(a, b))
		assert_true(node_equal(wats_report_node((wats_report *)orig), wats_report_node(s.r[0])));
	wats_free(a), wats_free(b), wats_free(x);
	sink_free(&s);
	wats_converters_free(c);
}

static void test_fixture_roundtrip(void **state)
{
	(void)state;
	const char *names[] = { "new_report_example.json", "uur_example.json" };
	for (size_t i = 0; i < 2; i++) {
		wats_report *r = NULL;
		assert_int_equal(wats_report_read_file(&r, tu_fixture(names[i]), NULL), 0);
		wsxf_roundtrip(r);
		wats_report_free(r);
	}
}

static void test_edge_roundtrip(void **state)
{
	(void)state;
	/* Values WSXF attributes cannot carry exactly: they travel in the extension. */
	const char *json =
		"{\"type\":\"T\",\"id\":\"ABCDEF00-0000-4000-8000-000000000000\",\"pn\":\"p\",\"sn\":\"s\","
		"\"rev\":\"\",\"processCode\":\"10\",\"result\":\"X\",\"custom\":{\"a\":[1,null]},"
		"\"uut\":{\"user\":\"u\",\"comment\":\"ctl\\u0001char\",\"execTime\":\"NaN\"},"
		"\"miscInfos\":[{\"description\":\"d\",\"text\":\"\"}],"
		"\"root\":{\"stepType\":\"SequenceCall\",\"name\":\"tab\\there\\r\\nline\",\"group\":\"Main\","
		"\"status\":\"P\",\"loop\":null,\"steps\":[{\"stepType\":\"ET_NLT\",\"name\":\"n\",\"status\":\"P\","
		"\"numericMeas\":[{\"value\":\"12.5\",\"unit\":\"\",\"compOp\":\"GELE\",\"lowLimit\":1e3,"
		"\"highLimit\":-0.0}],\"steps\":[]},{\"stepType\":\"Action\",\"name\":\"a\",\"status\":\"D\","
		"\"chart\":{\"chartType\":\"Line\",\"series\":[]},\"extra\":true}]}}";
	wats_report *r = NULL;
	assert_int_equal(wats_report_parse(&r, json, strlen(json), NULL), 0);
	wsxf_roundtrip(r);
	wats_report_free(r);
	/* Numbers of 128 characters and more keep all their digits: as a catalogue attribute
	 * (value), in cw:json (a non-catalogue totTime text, an unknown key) and copied back.
	 * A 128-byte buffer cut them, into invalid JSON in cw:json (found by the atml fuzzer). */
	char digits[301], doc[2048];
	memset(digits, '9', 300);
	digits[300] = '\0';
	digits[150] = '.';
	snprintf(doc, sizeof(doc),
		 "{\"type\":\"T\",\"id\":\"abcdef00-0000-4000-8000-000000000000\",\"pn\":\"p\",\"sn\":\"s\","
		 "\"rev\":\"1\",\"processCode\":10,\"result\":\"P\",\"long\":%s,"
		 "\"root\":{\"stepType\":\"SequenceCall\",\"name\":\"r\",\"group\":\"M\",\"status\":\"P\","
		 "\"totTime\":%s0,\"steps\":[{\"stepType\":\"ET_NLT\",\"name\":\"n\",\"group\":\"M\","
		 "\"status\":\"P\",\"numericMeas\":[{\"status\":\"P\",\"value\":%s,\"compOp\":\"LOG\"}]}]}}",
		 digits, digits, digits);
	assert_int_equal(wats_report_parse(&r, doc, strlen(doc), NULL), 0);
	char *x = NULL;
	size_t xl = 0;
	assert_int_equal(wats_report_to_wsxf(&x, &xl, r), 0);
	wats_converters *c = reg();
	sink s = { { 0 }, 0, 0 };
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = "wsxf";
	if (wats_convert_buffer(NULL, c, "long.xml", x, xl, &o, collect, &s))
		fail_msg("%s", wats_error_last()->message);
	assert_int_equal(s.n, 1);
	char *b = write_wsjf(s.r[0]);
	int seen = 0; /* every digit of the three numbers (members may change order) */
	for (const char *p = b; (p = strstr(p, digits)); p++)
		seen++;
	assert_int_equal(seen, 3);
	assert_non_null(strstr(b, "\"totTime\":"));
	wats_free(b), wats_free(x);
	sink_free(&s);
	wats_converters_free(c);
	wats_report_free(r);
}

static void test_wsxf_sample(void **state)
{
	(void)state;
	wats_converters *c = reg();
	sink s = { { 0 }, 0, 0 };
	wats_conversion_log *log = NULL;
	wats_conversion_log_new(&log);
	assert_int_equal(convert(&s, c, tu_data("wsxf/all_steps.xml"), NULL, NULL, log), 0);
	assert_string_equal(wats_conversion_log_converter(log), "wsxf");
	assert_int_equal(s.n, 1);
	wats_report *r = s.r[0];
	assert_string_equal(wats_report_id(r), "33a2d408-3fc8-480b-b554-6866c77fd91c");
	assert_int_equal(wats_report_result(r), WATS_STATUS_FAILED);
	assert_int_equal(wats_report_validate(r, NULL), 0);
	wats_step *root = wats_report_root(r);
	assert_int_equal(wats_step_count(root), 16);
	/* every operator of the multi numeric step */
	wats_step *rails = wats_step_next(wats_step_next(wats_step_first_child(root)));
	assert_string_equal(wats_step_name(rails), "Rails");
	assert_int_equal(wats_step_meas_count(rails), 15);
	for (size_t i = 0; i < 15; i++) {
		wats_meas *m = wats_step_meas_at(rails, i);
		assert_int_equal(wats_meas_compop(m), wats_compop_parse(wats_meas_name(m)));
	}
	/* Units="" is null; "1E-05" keeps its text; NaN is the string */
	char num[64];
	wats_node *ne = wats_step_meas_at(rails, 1);
	assert_int_equal(wats_node_kind_of(wats_node_get(ne, "unit")), WATS_NODE_NULL);
	assert_int_equal(wats_node_number_text(num, sizeof(num), wats_node_get(wats_step_meas_at(rails, 13), "value")), 0);
	assert_string_equal(num, "1E-05");
	assert_string_equal(wats_node_get_string(wats_step_meas_at(rails, 14), "value"), "NaN");
	/* UUT comment with a newline, misc numeric, loop, chart, attachment */
	assert_string_equal(wats_node_get_string(wats_report_info(r), "comment"),
			    "First line\nsecond line with < and >");
	wats_node *misc = wats_node_at(wats_node_get(wats_report_node(r), "miscInfos"), 1);
	assert_int_equal(wats_node_kind_of(wats_node_get(misc, "text")), WATS_NODE_NULL);
	wats_step *st = wats_step_first_child(root);
	while (st && strcmp(wats_step_name(st), "Loop body"))
		st = wats_step_next(st);
	assert_non_null(st);
	int64_t v;
	assert_int_equal(wats_node_int(&v, wats_node_get(wats_node_get(st, "loop"), "num")), 0);
	assert_int_equal(v, 2);
	assert_int_equal(wats_node_kind_of(wats_node_get(wats_node_get(st, "loop"), "idx")), WATS_NODE_NULL);
	assert_int_equal(wats_node_kind_of(wats_node_get(wats_node_get(st, "seqCall"), "version")), WATS_NODE_STRING);
	while (st && strcmp(wats_step_name(st), "Sweep"))
		st = wats_step_next(st);
	wats_node *series = wats_node_at(wats_node_get(wats_node_get(st, "chart"), "series"), 0);
	assert_string_equal(wats_node_get_string(series, "xdata"), "10;100;1000");
	st = wats_step_next(st);
	assert_string_equal(wats_node_get_string(wats_node_get(st, "attachment"), "data"), "aGVsbG8=");
	/* and it survives WSJF -> WSXF -> WSJF */
	wsxf_roundtrip(r);
	sink_free(&s);
	/* UUR and two reports in one document */
	assert_int_equal(convert(&s, c, tu_data("wsxf/uur.xml"), NULL, NULL, NULL), 0);
	assert_int_equal(wats_report_get_type(s.r[0]), WATS_REPORT_UUR);
	assert_int_equal(wats_report_validate(s.r[0], NULL), 0);
	wsxf_roundtrip(s.r[0]);
	sink_free(&s);
	assert_int_equal(convert(&s, c, tu_data("wsxf/two_reports.xml"), NULL, NULL, NULL), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(wats_report_sn(s.r[1]), "S2");
	sink_free(&s);
	/* the callback stops the stream */
	s.stop_after = 1;
	assert_int_equal(convert(&s, c, tu_data("wsxf/two_reports.xml"), NULL, NULL, NULL), -42);
	assert_int_equal(s.n, 1);
	sink_free(&s);
	wats_conversion_log_free(log);
	wats_converters_free(c);
}

/* Member key of obj as text (strings as they are, numbers by their text, true/false, null). */
static const char *text_of(char *buf, size_t size, const wats_node *obj, const char *key)
{
	const wats_node *n = wats_node_get(obj, key);
	switch (wats_node_kind_of(n)) {
	case WATS_NODE_STRING: return wats_node_string(n, NULL);
	case WATS_NODE_NUMBER: wats_node_number_text(buf, size, n); return buf;
	case WATS_NODE_BOOL: return wats_node_bool(n) ? "true" : "false";
	default: return n ? "null" : "(absent)";
	}
}

#define EXPECT(obj, key, want)                                                                  \
	do {                                                                                    \
		char b_[128];                                                                   \
		assert_string_equal(text_of(b_, sizeof(b_), (obj), (key)), (want));             \
	} while (0)

/* Repair reports in WSXF, checked field by field against the reference (report_model.md §4:
 * uur, subUnits with idx / parentIdx / position / replacedIdx, failures, failure-level
 * binaryData), and written back as plain catalogue WSXF without losing a field. */
static void test_wsxf_uur(void **state)
{
	(void)state;
	wats_converters *c = reg();
	wats_conversion_log *log;
	wats_conversion_log_new(&log);
	sink s = { { 0 }, 0, 0 };
	assert_int_equal(convert(&s, c, tu_data("wsxf/uur_full.xml"), NULL, NULL, log), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(wats_conversion_log_warning_count(log), 0);
	wats_report *r = s.r[0];
	wats_node *d = wats_report_node(r);
	assert_int_equal(wats_report_get_type(r), WATS_REPORT_UUR);
	assert_int_equal(wats_report_validate(r, NULL), 0);
	EXPECT(d, "type", "R");
	EXPECT(d, "id", "5a0c6b0e-1f2d-4c3b-9a8e-7d6c5b4a3f21");
	EXPECT(d, "processCode", "500"); /* the repair operation */
	EXPECT(d, "processName", "Repair");
	assert_null(wats_node_get(d, "root")); /* a repair report has no steps */
	wats_node *u = wats_node_get(d, "uur");
	EXPECT(u, "user", "marta");
	EXPECT(u, "processCode", "100"); /* the test operation the unit failed in */
	EXPECT(u, "processName", "End of line test");
	EXPECT(u, "refUUT", "873d67f8-7669-4f4b-a627-e598e444d323");
	EXPECT(u, "confirmDate", "2025-03-10T13:40:00.5Z");
	EXPECT(u, "finalizeDate", "2025-03-10T14:00:00Z");
	EXPECT(u, "execTime", "1212.5");
	EXPECT(u, "active", "false");
	EXPECT(u, "parent", "11111111-2222-4333-8444-555555555555");
	EXPECT(u, "comment", "Two faults: C12 open, U3 replaced");
	wats_node *misc = wats_node_at(wats_node_get(d, "miscInfos"), 0);
	EXPECT(misc, "description", "Ticket");
	EXPECT(misc, "text", "RMA-4711");
	EXPECT(misc, "numeric", "4711");
	wats_node *units = wats_node_get(d, "subUnits");
	assert_int_equal(wats_node_count(units), 3);
	wats_node *main = wats_node_at(units, 0), *cb = wats_node_at(units, 1), *old = wats_node_at(units, 2);
	EXPECT(main, "partType", "Main");
	EXPECT(main, "idx", "0");
	EXPECT(cb, "idx", "1");
	EXPECT(cb, "parentIdx", "0");
	EXPECT(cb, "position", "2");
	EXPECT(cb, "replacedIdx", "2"); /* the new board replaced unit 2 */
	EXPECT(old, "sn", "CB-0042");
	assert_null(wats_node_get(old, "failures"));
	assert_int_equal(wats_node_count(wats_node_get(main, "failures")), 2);
	wats_node *f = wats_node_at(wats_node_get(main, "failures"), 0);
	const char *fk[][2] = { { "category", "Component" }, { "code", "Open" },
				{ "comment", "Cracked solder joint" }, { "comRef", "C12" },
				{ "funcBlock", "Input filter" }, { "refStepId", "17" },
				{ "refStepName", "Inrush current" }, { "artNumber", "CAP-100N-0603" },
				{ "artRev", "2" }, { "artVendor", "Murata" },
				{ "artDescription", "100 nF 50 V X7R" } };
	for (size_t i = 0; i < sizeof(fk) / sizeof(fk[0]); i++)
		EXPECT(f, fk[i][0], fk[i][1]);
	f = wats_node_at(wats_node_get(main, "failures"), 1);
	EXPECT(f, "funcBlock", "(absent)"); /* not in the file: not made up */
	EXPECT(wats_node_at(wats_node_get(cb, "failures"), 0), "comRef", "U3");
	wats_node *bin = wats_node_at(wats_node_get(d, "binaryData"), 0);
	EXPECT(bin, "name", "u3.jpg");
	EXPECT(bin, "failIdx", "2");
	EXPECT(bin, "data", "/9j/4AAQSkZJRg==");
	/* the WRML names of the dates */
	u = wats_node_get(wats_report_node(s.r[1]), "uur");
	EXPECT(u, "confirmDate", "2025-03-11T08:10:00Z");
	EXPECT(u, "finalizeDate", "2025-03-11T08:20:00Z");
	EXPECT(u, "active", "true");
	assert_int_equal(wats_report_validate(s.r[1], NULL), 0);

	/* Writing: everything above fits the catalogue, so plain WSXF (no cw: attributes) drops
	 * nothing, and reading it back gives the same reports. */
	for (size_t k = 0; k < 2; k++) {
		char *x = NULL;
		size_t xl = 0;
		const wats_report *one = s.r[k];
		wats_conversion_log_reset(log);
		assert_int_equal(wats_reports_to_wsxf(&x, &xl, &one, 1, WATS_WSXF_NO_EXTENSIONS, log), 0);
		assert_int_equal(wats_conversion_log_warning_count(log), 0);
		assert_null(strstr(x, "cw:"));
		assert_non_null(strstr(x, "<UUR "));
		assert_non_null(strstr(x, k ? "ConfirmDate=\"2025-03-11T08:10:00Z\"" : "ReplacedIDX=\"2\""));
		sink back = { { 0 }, 0, 0 };
		wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
		o.converter = "wsxf";
		assert_int_equal(wats_convert_buffer(NULL, c, "uur.xml", x, xl, &o, collect, &back), 0);
		char *a = write_wsjf(s.r[k]), *b = write_wsjf(back.r[0]);
		assert_string_equal(a, b);
		wats_free(a), wats_free(b), wats_free(x);
		sink_free(&back);
		wsxf_roundtrip(s.r[k]); /* and with the extensions, WSJF -> WSXF -> WSJF */
	}
	sink_free(&s);
	wats_conversion_log_free(log);
	wats_converters_free(c);
}

static void expect_error(wats_converters *c, const char *rel, const char *from, int code,
			 const char *needle, const char *const *params)
{
	sink s = { { 0 }, 0, 0 };
	int rc = convert(&s, c, tu_data(rel), from, params, NULL);
	const char *msg = wats_error_last()->message;
	if (rc != code || !strstr(msg, needle))
		fail_msg("%s: rc %d (want %d), message '%s' (want '%s')", rel, rc, code, msg, needle);
	const char *base = strrchr(rel, '/') + 1;
	if (!strstr(msg, base))
		fail_msg("%s: the message does not name the file: %s", rel, msg);
	sink_free(&s);
}

static void test_bad_input(void **state)
{
	(void)state;
	wats_converters *c = reg();
	expect_error(c, "wsxf/bad/entity_bomb.xml", NULL, WATS_ELIMIT, "no-entities", NULL);
	expect_error(c, "wsxf/bad/truncated.xml", NULL, WATS_EPARSE, "truncated", NULL);
	expect_error(c, "wsxf/bad/deep.xml", NULL, WATS_ELIMIT, "max-depth", NULL);
	expect_error(c, "wsxf/bad/huge_attr.xml", NULL, WATS_ELIMIT, "max-attribute", NULL);
	expect_error(c, "wsxf/bad/truncated.xml", NULL, WATS_EPARSE, ":5:", NULL);
	/* UTF-16 is read now: this one is just a truncated header, decoded and named as such. */
	expect_error(c, "wstf/bad/utf16.txt", "wstf", WATS_EPARSE, "--Header-Start--", NULL);
	expect_error(c, "wstf/bad/no_header.txt", "wstf", WATS_EPARSE, "--Header-Start--", NULL);
	const char *p[] = { NULL, NULL };
	char mp[4096];
	snprintf(mp, sizeof(mp), "mapping=%s", tu_data("csv/wide.map"));
	p[0] = mp;
	expect_error(c, "csv/ragged.csv", "csv", WATS_EPARSE, "ragged-row", p);
	expect_error(c, "csv/ragged.csv", "csv", WATS_EPARSE, ":2:", p);
	expect_error(c, "csv/wide.csv", "csv", WATS_EINVAL, "mapping", NULL);
	expect_error(c, "wsjf/truncated.json", "wsjf", WATS_EPARSE, "truncated", NULL);
	/* encodings that work */
	sink s = { { 0 }, 0, 0 };
	assert_int_equal(convert(&s, c, tu_data("wsxf/bad/utf16.xml"), NULL, NULL, NULL), 0);
	assert_int_equal(convert(&s, c, tu_data("wsxf/bad/bom.xml"), NULL, NULL, NULL), 0);
	assert_int_equal(convert(&s, c, tu_data("wsxf/bad/latin1.xml"), NULL, NULL, NULL), 0);
	assert_string_equal(wats_report_sn(s.r[4]), "S\xc3\xb8" "1");
	sink_free(&s);
	wats_converters_free(c);
}

/* A WSXF buffer: prolog, then <Report PN=...> with the PN attribute's raw bytes v (n of them). */
static char *wsxf_with_pn(size_t *len, const char *prolog, char fill, size_t n, int in_dtd)
{
	const char *head = "<Reports xmlns=\"http://wats.virinco.com/schemas/WATS/Report/wsxf\">"
			   "<Report type=\"UUT\" SN=\"S\" Rev=\"1\" Result=\"Passed\" "
			   "Start=\"2024-01-01T00:00:00+00:00\"";
	const char *tail = "><Process Code=\"10\"/></Report></Reports>";
	char *b = malloc(strlen(prolog) + strlen(head) + strlen(tail) + n + 64);
	assert_non_null(b);
	size_t k = 0;
	k += (size_t)sprintf(b + k, "%s", prolog);
	if (in_dtd)
		k += (size_t)sprintf(b + k, "<!DOCTYPE Reports [<!ATTLIST Report PN CDATA \"");
	else
		k += (size_t)sprintf(b + k, "%s PN=\"", head);
	memset(b + k, fill, n);
	k += n;
	k += (size_t)sprintf(b + k, in_dtd ? "\">]>%s%s" : "\"%s", in_dtd ? head : tail,
			     in_dtd ? tail : "");
	*len = k;
	return b;
}

static void test_huge_attr_expanded(void **state)
{
	(void)state;
	/* max-attribute counts the value as UTF-8, not the bytes of the start tag: 9 MiB of
	 * Latin-1 'é' are 18 MiB, and a value defaulted by an ATTLIST declaration is not in the
	 * tag at all. Both used to get past the check. */
	wats_converters *c = reg();
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = "wsxf";
	sink s = { { 0 }, 0, 0 };
	size_t len;
	char *x = wsxf_with_pn(&len, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>", (char)0xE9,
			       (size_t)9 << 20, 0);
	assert_int_equal(wats_convert_buffer(NULL, c, "l.xml", x, len, &o, collect, &s), WATS_ELIMIT);
	assert_non_null(strstr(wats_error_last()->message, "max-attribute"));
	free(x);
	x = wsxf_with_pn(&len, "", 'a', (size_t)17 << 20, 1);
	assert_int_equal(wats_convert_buffer(NULL, c, "d.xml", x, len, &o, collect, &s), WATS_ELIMIT);
	assert_non_null(strstr(wats_error_last()->message, "max-attribute"));
	free(x);
	/* below the limit both convert */
	x = wsxf_with_pn(&len, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>", (char)0xE9, 1000, 0);
	assert_int_equal(wats_convert_buffer(NULL, c, "l.xml", x, len, &o, collect, &s), 0);
	assert_int_equal(strlen(wats_report_pn(s.r[0])), 2000);
	free(x);
	x = wsxf_with_pn(&len, "", 'a', 1000, 1);
	assert_int_equal(wats_convert_buffer(NULL, c, "d.xml", x, len, &o, collect, &s), 0);
	assert_int_equal(strlen(wats_report_pn(s.r[1])), 1000);
	free(x);
	sink_free(&s);
	wats_converters_free(c);
}

static void test_wstf(void **state)
{
	(void)state;
	wats_converters *c = reg();
	sink s = { { 0 }, 0, 0 };
	assert_int_equal(convert(&s, c, tu_data("wstf/all_steps.txt"), NULL, NULL, NULL), 0);
	assert_int_equal(s.n, 1);
	wats_report *r = s.r[0];
	assert_int_equal(wats_report_validate(r, NULL), 0);
	assert_int_equal(wats_report_result(r), WATS_STATUS_FAILED);
	wats_step *seq = wats_step_first_child(wats_report_root(r));
	/* 15 single numeric steps, one per operator, in the order of wats_compop */
	wats_step *st = wats_step_first_child(seq);
	for (int i = 0; i < 15; i++, st = wats_step_next(st))
		assert_int_equal(wats_meas_compop(wats_step_meas_at(st, 0)), wats_compop_parse(wats_step_name(st)));
	assert_string_equal(wats_step_type(st), "ET_MNLT");
	assert_int_equal(wats_step_meas_count(st), 3);
	char num[64];
	wats_step *gele = wats_step_first_child(seq);
	for (int i = 0; i < 9; i++)
		gele = wats_step_next(gele);
	assert_int_equal(wats_node_number_text(num, sizeof(num), wats_node_get(wats_step_meas_at(gele, 0), "value")), 0);
	assert_string_equal(num, "12.0500"); /* the text as written */
	wsxf_roundtrip(r);
	sink_free(&s);
	assert_int_equal(convert(&s, c, tu_data("wstf/two_uuts.txt"), NULL, NULL, NULL), 0);
	assert_int_equal(s.n, 2);
	sink_free(&s);
	wats_converters_free(c);
}

static void test_atml(void **state)
{
	(void)state;
	wats_converters *c = reg();
	const char *params[] = { "location=Lab", "purpose=Test", "utcOffset=+02:00", NULL };
	const char *fx[] = { "atml/atml-2.02.xml", "atml/atml-5.00.xml", "atml/atml-6.01.xml" };
	for (int i = 0; i < 3; i++) {
		sink s = { { 0 }, 0, 0 };
		assert_int_equal(convert(&s, c, tu_fixture(fx[i]), NULL, params, NULL), 0);
		assert_int_equal(s.n, 1);
		assert_string_equal(wats_report_sn(s.r[0]), "123456789");
		assert_string_equal(wats_report_pn(s.r[0]), "Ragnar123");
		assert_int_equal(wats_report_result(s.r[0]), WATS_STATUS_FAILED);
		assert_true(wats_step_count(wats_report_root(s.r[0])) > 20);
		wsxf_roundtrip(s.r[0]);
		sink_free(&s);
	}
	const char *mine[] = { "atml/all_steps-2.02.xml", "atml/all_steps-5.00.xml", "atml/all_steps-6.01.xml" };
	for (int i = 0; i < 3; i++) {
		sink s = { { 0 }, 0, 0 };
		assert_int_equal(convert(&s, c, tu_data(mine[i]), NULL, params, NULL), 0);
		assert_int_equal(s.n, i == 0 ? 1 : 2);
		wats_report *r = s.r[0];
		assert_int_equal(wats_report_validate(r, NULL), 0);
		assert_string_equal(wats_report_start(r), "2026-02-01T10:00:00.125+01:00");
		wats_step *rails = wats_step_next(wats_step_first_child(wats_report_root(r)));
		assert_string_equal(wats_step_type(rails), "ET_MNLT");
		assert_int_equal(wats_step_meas_count(rails), 5);
		assert_int_equal(wats_meas_compop(wats_step_meas_at(rails, 1)), WATS_COMP_GTLT);
		assert_int_equal(wats_meas_compop(wats_step_meas_at(rails, 2)), WATS_COMP_LT);
		double lo;
		assert_int_equal(wats_node_number(&lo, wats_node_get(wats_step_meas_at(rails, 3), "lowLimit")), 0);
		assert_true(lo > 9.49 && lo < 9.51);
		wats_step *checks = wats_step_next(rails);
		wats_step *fw = wats_step_next(wats_step_first_child(checks));
		assert_int_equal(wats_meas_compop(wats_step_meas_at(fw, 0)), WATS_COMP_IGNORECASE);
		wsxf_roundtrip(r);
		sink_free(&s);
	}
	wats_converters_free(c);
}

static void test_csv(void **state)
{
	(void)state;
	wats_converters *c = reg();
	char mp[4096];
	snprintf(mp, sizeof(mp), "mapping=%s", tu_data("csv/wide.map"));
	const char *p[] = { mp, NULL };
	sink s = { { 0 }, 0, 0 };
	assert_int_equal(convert(&s, c, tu_data("csv/wide.csv"), NULL, p, NULL), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(wats_report_sn(s.r[2]), "SN,003");
	assert_string_equal(wats_report_operator(s.r[2]), "bob \"the\" tester");
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(wats_report_validate(s.r[i], NULL), 0);
	assert_int_equal(wats_report_result(s.r[0]), WATS_STATUS_PASSED);
	assert_int_equal(wats_report_result(s.r[1]), WATS_STATUS_FAILED);
	sink_free(&s);
	snprintf(mp, sizeof(mp), "mapping=%s", tu_data("csv/long.map"));
	assert_int_equal(convert(&s, c, tu_data("csv/long.csv"), "csv", p, NULL), 0);
	assert_int_equal(s.n, 2);
	char num[64];
	wats_step *r1 = wats_step_first_child(wats_report_root(s.r[0]));
	assert_int_equal(wats_node_number_text(num, sizeof(num), wats_node_get(wats_step_meas_at(r1, 0), "value")), 0);
	assert_string_equal(num, "99.8"); /* decimal comma */
	assert_int_equal(wats_report_result(s.r[1]), WATS_STATUS_FAILED);
	sink_free(&s);
	/* a string operator on a numeric cell is refused (the fast path leaves it to the typed
	 * API, which names the rule), as for any numeric measurement */
	char *dir = tu_tmpdir(), mfile[2048], cfile[2048];
	snprintf(mfile, sizeof(mfile), "%s/op.map", dir);
	snprintf(cfile, sizeof(cfile), "%s/op.csv", dir);
	tu_write(mfile, "sn = SN\nstep.A = numeric value=A compop=Op low=\"1\"\n", 51);
	tu_write(cfile, "SN,A,Op\nS1,5,IGNORECASE\n", 24);
	snprintf(mp, sizeof(mp), "mapping=%s", mfile);
	assert_int_equal(convert(&s, c, cfile, "csv", p, NULL), WATS_EPARSE);
	assert_non_null(strstr(wats_error_last()->message, "numeric comparison operator"));
	sink_free(&s);
	tu_rmtree(dir);
	free(dir);
	/* a station's file: header block (@Key references), then one UUT of measurement rows */
	snprintf(mp, sizeof(mp), "mapping=%s", tu_data("csv/station.map"));
	assert_int_equal(convert(&s, c, tu_data("csv/station.csv"), "csv", p, NULL), 0);
	assert_int_equal(s.n, 1);
	wats_report *st = s.r[0];
	assert_int_equal(wats_report_validate(st, NULL), 0);
	assert_string_equal(wats_report_sn(st), "SN-2024-0042"); /* quotes dropped */
	assert_string_equal(wats_report_pn(st), "PWR-100");
	assert_string_equal(wats_report_operator(st), "anna");
	assert_string_equal(wats_node_get_string(wats_report_node(st), "machineName"), "FCT-07");
	assert_string_equal(wats_node_get_string(wats_report_node(st), "start"), "2024-03-05T10:15:30.250+01:00");
	assert_int_equal(wats_report_result(st), WATS_STATUS_FAILED); /* "Result: Failed" */
	assert_int_equal(wats_step_child_count(wats_report_root(st)), 6);
	wats_step *t = wats_step_first_child(wats_report_root(st));
	const wats_compop ops[6] = { WATS_COMP_GELE, WATS_COMP_GELE, WATS_COMP_LE, WATS_COMP_LE,
				     WATS_COMP_GE, WATS_COMP_LOG };
	const wats_status sts[6] = { WATS_STATUS_PASSED, WATS_STATUS_PASSED, WATS_STATUS_PASSED,
				     WATS_STATUS_FAILED, WATS_STATUS_PASSED, WATS_STATUS_PASSED };
	for (int i = 0; i < 6; i++, t = wats_step_next(t)) {
		assert_int_equal(wats_meas_compop(wats_step_meas_at(t, 0)), ops[i]);
		assert_int_equal(wats_step_status(t), sts[i]); /* given, or evaluated from the limits */
	}
	t = wats_step_next(wats_step_next(wats_step_first_child(wats_report_root(st))));
	assert_int_equal(wats_node_number_text(num, sizeof(num), wats_node_get(wats_step_meas_at(t, 0), "lowLimit")), 0);
	assert_string_equal(num, "0.02"); /* LE: its one limit */
	wats_node *misc = wats_node_at(wats_node_get(wats_report_node(st), "miscInfos"), 0);
	assert_non_null(misc);
	assert_string_equal(wats_node_get_string(misc, "description"), "Fixture");
	assert_string_equal(wats_node_get_string(misc, "text"), "F-12 #3");
	wsxf_roundtrip(st);
	sink_free(&s);
	wats_converters_free(c);
}

/* Ids of one conversion with WATS_CONVERT_DERIVE_IDS (flags 0: random ids), into ids[n][37]. */
static size_t convert_ids(char ids[][37], size_t max, wats_converters *c, const char *path,
			  const void *data, size_t len, unsigned flags)
{
	sink s = { { 0 }, 0, 0 };
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.flags = flags;
	int rc = path ? wats_convert_file(NULL, c, path, &o, collect, &s)
		      : wats_convert_buffer(NULL, c, "x.txt", data, len, &o, collect, &s);
	assert_int_equal(rc, 0);
	size_t n = s.n < max ? s.n : max;
	for (size_t i = 0; i < n; i++) {
		assert_non_null(wats_report_id(s.r[i]));
		snprintf(ids[i], 37, "%s", wats_report_id(s.r[i]));
		assert_int_equal(wats_report_validate(s.r[i], NULL), 0);
	}
	sink_free(&s);
	return n;
}

/* The WSJF text of a CSV conversion's only report, from its root's steps on. */
static char *csv_steps_text(wats_converters *c, const char *dir, const char *map, const char *csv)
{
	char mfile[2048], cfile[2048], mp[4200];
	snprintf(mfile, sizeof(mfile), "%s/eq.map", dir);
	snprintf(cfile, sizeof(cfile), "%s/eq.csv", dir);
	tu_write(mfile, map, strlen(map));
	tu_write(cfile, csv, strlen(csv));
	snprintf(mp, sizeof(mp), "mapping=%s", mfile);
	const char *p[] = { mp, NULL };
	sink s = { { 0 }, 0, 0 };
	assert_int_equal(convert(&s, c, cfile, "csv", p, NULL), 0);
	assert_int_equal(s.n, 1);
	char *all = NULL;
	assert_int_equal(wats_report_write(&all, NULL, s.r[0], 0), 0);
	sink_free(&s);
	const char *steps = strstr(all, "\"steps\":[");
	assert_non_null(steps);
	char *out = strdup(steps);
	wats_free(all);
	return out;
}

static void test_csv_fast_path_same(void **state)
{
	(void)state;
	/* A numeric cell whose value and limits are plain numbers is built by the bulk builder
	 * (wats__build_numeric_step); once a step took the typed API, the rest of the report does
	 * too. Both must give the same document: the same steps after a first step that sends
	 * them down the typed path (a value "NaN" is not a plain number) are the same bytes. */
	wats_converters *c = reg();
	char *dir = tu_tmpdir();
	const char *steps = "step.A = numeric value=A low=AL high=AH unit=\"V\"\n"
			    "step.B = numeric value=B compop=\"GE\" low=BL\n"
			    "step.C = numeric value=C compop=\"LOG\"\n"
			    "step.D = numeric value=D compop=Op low=\"0.5\" high=\"2\" unit=U status=St\n"
			    "step.E = numeric value=E compop=\"LT\" high=\"-1e3\"\n";
	const char *row = "S1,1.25,1,2,-0.5,-1,7,1.5,GELE,mV,Failed,12.0,NaN\n";
	const char *head = "SN,A,AL,AH,B,BL,C,D,Op,U,St,E,X\n";
	char map1[1024], map2[1024], csv[512];
	snprintf(map1, sizeof(map1), "sn = SN\n%s", steps);
	snprintf(map2, sizeof(map2), "sn = SN\nstep.X = numeric value=X compop=\"LOG\"\n%s", steps);
	snprintf(csv, sizeof(csv), "%s%s", head, row);
	char *fast = csv_steps_text(c, dir, map1, csv);
	char *typed = csv_steps_text(c, dir, map2, csv);
	/* typed: [X, A, B, ...]; drop X's object and compare the rest */
	char *a = strstr(typed, "{\"stepType\":\"ET_NLT\",\"name\":\"A\"");
	assert_non_null(a);
	assert_non_null(strstr(typed, "\"name\":\"X\""));
	memmove(typed + strlen("\"steps\":["), a, strlen(a) + 1);
	assert_string_equal(fast, typed);
	free(fast);
	free(typed);
	tu_rmtree(dir);
	free(dir);
	wats_converters_free(c);
}

static void test_derived_ids(void **state)
{
	(void)state;
	/* The derivation watsd has always used (these values come from its original code), so
	 * files it converted before keep their report ids. */
	char id[37];
	wats_convert_derive_id(id, "--Header-Start--\n", 17, 0);
	assert_string_equal(id, "77df38a6-33d8-4420-a504-8f3151422ff3");
	wats_convert_derive_id(id, "--Header-Start--\n", 17, 1);
	assert_string_equal(id, "5695499b-2a11-4a01-84ba-9f26487b34d4");
	wats_convert_derive_id(id, "", 0, 258);
	assert_string_equal(id, "c6eadb47-e203-4644-9b0d-c73f22f7698d");

	wats_converters *c = reg();
	char a[4][37], b[4][37], x[4][37];
	const char *two = tu_data("wstf/two_uuts.txt");
	/* the same file twice: the same ids, the index makes the two reports differ */
	assert_int_equal(convert_ids(a, 4, c, two, NULL, 0, WATS_CONVERT_DERIVE_IDS), 2);
	assert_int_equal(convert_ids(b, 4, c, two, NULL, 0, WATS_CONVERT_DERIVE_IDS), 2);
	assert_string_equal(a[0], b[0]);
	assert_string_equal(a[1], b[1]);
	assert_string_not_equal(a[0], a[1]);
	/* ... and they are the function's: the file's bytes and the report's index */
	size_t len;
	char *data = tu_read(two, &len);
	wats_convert_derive_id(id, data, len, 1);
	assert_string_equal(a[1], id);
	/* a buffer with the same bytes gives the same ids as the file */
	assert_int_equal(convert_ids(x, 4, c, NULL, data, len, WATS_CONVERT_DERIVE_IDS), 2);
	assert_string_equal(x[0], a[0]);
	/* one byte more (a trailing newline) is another file: other ids */
	char *more = malloc(len + 1);
	memcpy(more, data, len);
	more[len] = '\n';
	assert_int_equal(convert_ids(x, 4, c, NULL, more, len + 1, WATS_CONVERT_DERIVE_IDS), 2);
	assert_string_not_equal(x[0], a[0]);
	assert_string_not_equal(x[1], a[1]);
	free(more);
	free(data);
	/* without the flag: random ids, different in every conversion */
	assert_int_equal(convert_ids(x, 4, c, two, NULL, 0, 0), 2);
	assert_int_equal(convert_ids(b, 4, c, two, NULL, 0, 0), 2);
	assert_string_not_equal(x[0], b[0]);
	assert_string_not_equal(x[0], x[1]);
	assert_string_not_equal(x[0], a[0]);
	/* ids the file has are kept: WSXF reports carry theirs */
	const char *wsxf = tu_data("wsxf/two_reports.xml");
	assert_int_equal(convert_ids(a, 4, c, wsxf, NULL, 0, WATS_CONVERT_DERIVE_IDS), 2);
	assert_int_equal(convert_ids(b, 4, c, wsxf, NULL, 0, 0), 2);
	assert_string_equal(a[0], b[0]);
	assert_string_equal(a[1], b[1]);
	/* a WSXF report without an ID gets the derived one (index 0: the first that needed one) */
	const char *noid = "<Reports xmlns=\"http://wats.virinco.com/schemas/WATS/Report/wsxf\">"
			   "<Report type=\"UUT\" PN=\"P\" SN=\"S\" Rev=\"1\" Result=\"Passed\" "
			   "Start=\"2024-01-01T00:00:00+00:00\"><Process Code=\"10\"/></Report></Reports>";
	sink s = { { 0 }, 0, 0 };
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.flags = WATS_CONVERT_DERIVE_IDS;
	assert_int_equal(wats_convert_buffer(NULL, c, "n.xml", noid, strlen(noid), &o, collect, &s), 0);
	assert_int_equal(s.n, 1);
	wats_convert_derive_id(id, noid, strlen(noid), 0);
	assert_string_equal(wats_report_id(s.r[0]), id);
	sink_free(&s);
	/* a version 1 caller (no flags member) still converts: no id made up, as before */
	o.version = 1;
	assert_int_equal(wats_convert_buffer(NULL, c, "n.xml", noid, strlen(noid), &o, collect, &s), 0);
	assert_null(wats_report_id(s.r[0]));
	sink_free(&s);
	wats_converters_free(c);
}

static void test_detect_and_log(void **state)
{
	(void)state;
	wats_converters *c = reg();
	struct { const char *path; const char *conv; const char *sn; } cases[] = {
		{ "wsxf/all_steps.xml", "wsxf", "WSXF-0001" },
		{ "wstf/all_steps.txt", "wstf", "SN12345" },
		{ "atml/all_steps-6.01.xml", "atml", "ATML-SN-1" },
		{ "csv/wide.csv", "csv", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wats_detection d;
		assert_int_equal(wats_convert_detect(&d, c, tu_data(cases[i].path)), 0);
		assert_non_null(d.converter);
		assert_string_equal(wats_converter_name(d.converter), cases[i].conv);
		assert_string_equal(d.sn, cases[i].sn);
	}
	wats_detection d;
	assert_int_equal(wats_convert_detect(&d, c, tu_fixture("new_report_example.json")), 0);
	assert_string_equal(wats_converter_name(d.converter), "wsjf");
	assert_true(d.confidence > 0.9);
	assert_int_equal(wats_convert_detect(&d, c, "/nonexistent/file"), WATS_ENOTFOUND);
	/* The log: converter, confidence, warnings with file and line, as text and JSON. */
	wats_conversion_log *log;
	wats_conversion_log_new(&log);
	sink s = { { 0 }, 0, 0 };
	assert_int_equal(convert(&s, c, tu_fixture("atml/atml-6.01.xml"), NULL, NULL, log), 0);
	assert_string_equal(wats_conversion_log_converter(log), "atml");
	assert_true(wats_conversion_log_warning_count(log) >= 1);
	const wats_conversion_warning *w = wats_conversion_log_warning(log, 0);
	assert_true(w->line > 0);
	assert_non_null(strstr(w->message, "UTC offset"));
	char *t = NULL;
	assert_int_equal(wats_conversion_log_text(&t, NULL, log), 0);
	assert_non_null(strstr(t, "converter: atml"));
	wats_free(t);
	assert_int_equal(wats_conversion_log_json(&t, NULL, log), 0);
	wats_report *j = NULL; /* JSON that parses */
	assert_int_equal(wats_report_parse(&j, t, strlen(t), NULL), 0);
	wats_report_free(j);
	wats_free(t);
	sink_free(&s);
	wats_conversion_log_free(log);
	wats_converters_free(c);
}

static void test_plain_wsxf_warns(void **state)
{
	(void)state;
	wats_report *r = NULL;
	assert_int_equal(wats_report_read_file(&r, tu_fixture("new_report_example.json"), NULL), 0);
	wats_conversion_log *log;
	wats_conversion_log_new(&log);
	char *x;
	const wats_report *one = r;
	assert_int_equal(wats_reports_to_wsxf(&x, NULL, &one, 1, WATS_WSXF_NO_EXTENSIONS, log), 0);
	assert_null(strstr(x, "cw:"));
	assert_true(wats_conversion_log_warning_count(log) > 0);
	const wats_conversion_warning *w = wats_conversion_log_warning(log, 0);
	assert_non_null(w->path);
	wats_free(x);
	wats_conversion_log_free(log);
	wats_report_free(r);
}

/* Attributes in any order and unknown ones at positions where known ones stood before: the
 * reader remembers what each position meant per element kind, checked by name. */
static void test_wsxf_attr_order(void **state)
{
	(void)state;
	static const char doc[] =
		"<Reports xmlns=\"http://wats.virinco.com/schemas/WATS/Report/wsxf\">"
		"<Report type=\"UUT\" ID=\"33A2D408-3FC8-480B-B554-6866C77FD91D\" SN=\"S\" PN=\"P\" Rev=\"A\""
		" Result=\"Failed\" Start=\"2026-01-30T22:01:41.47+01:00\"><Process Code=\"10\"/>"
		"<Step Name=\"MainSequence Callback\" StepType=\"SequenceCall\" Group=\"Main\" Status=\"Failed\">"
		"<Step StepType=\"ET_A\" Name=\"A\" Group=\"Main\" Status=\"Passed\"/>"
		"<Step Name=\"B\" Bogus=\"1\" StepType=\"ET_A\" Status=\"Failed\" Group=\"Setup\"/>"
		"<Step StepType=\"ET_A\" Bogus=\"2\" Name=\"C\" Group=\"Cleanup\" Status=\"Done\"/>"
		"<Step StepType=\"ET_A\" Name=\"D\" Group=\"Main\" Status=\"Skipped\"/>"
		"</Step></Report></Reports>";
	wats_converters *c = reg();
	wats_conversion_log *log;
	wats_conversion_log_new(&log);
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = "wsxf";
	o.log = log;
	sink s = { { 0 }, 0, 0 };
	assert_int_equal(wats_convert_buffer(NULL, c, "order.xml", doc, sizeof(doc) - 1, &o, collect, &s), 0);
	assert_int_equal(s.n, 1);
	const char *names = "ABCD";
	const wats_status st[4] = { WATS_STATUS_PASSED, WATS_STATUS_FAILED, WATS_STATUS_DONE,
				    WATS_STATUS_SKIPPED };
	const char *groups[4] = { "M", "S", "C", "M" };
	wats_step *t = wats_step_first_child(wats_report_root(s.r[0]));
	for (int i = 0; i < 4; i++, t = wats_step_next(t)) {
		assert_non_null(t);
		char nm[2] = { names[i], 0 };
		assert_string_equal(wats_step_name(t), nm);
		assert_int_equal(wats_step_status(t), st[i]);
		assert_string_equal(wats_node_get_string(t, "group"), groups[i]);
	}
	assert_int_equal(wats_conversion_log_warning_count(log), 2);
	for (size_t i = 0; i < 2; i++)
		assert_non_null(strstr(wats_conversion_log_warning(log, i)->message, "Bogus"));
	sink_free(&s);
	wats_conversion_log_free(log);
	wats_converters_free(c);
}

static void test_plugin(void **state)
{
	(void)state;
	const char *dir = getenv("WATS_PLUGIN_DIR");
	if (!dir)
		skip();
	wats_converters *c = reg();
	size_t n = 0;
	assert_int_equal(wats_converters_load_plugins(&n, c, dir), 0);
	assert_int_equal(n, 1);
	assert_non_null(wats_converters_find(c, "acme"));
	char path[4096];
	snprintf(path, sizeof(path), "%s/examples/plugin/sample.acme", getenv("WATS_SOURCE_DIR"));
	wats_detection d;
	assert_int_equal(wats_convert_detect(&d, c, path), 0);
	assert_string_equal(wats_converter_name(d.converter), "acme");
	assert_string_equal(d.sn, "ABC123");
	sink s = { { 0 }, 0, 0 };
	const char *p[] = { "station=bench", NULL };
	assert_int_equal(convert(&s, c, path, NULL, p, NULL), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(wats_report_machine_name(s.r[0]), "bench");
	assert_int_equal(wats_report_validate(s.r[0], NULL), 0);
	sink_free(&s);
	/* loading the same plugin twice: a name clash, not a crash */
	snprintf(path, sizeof(path), "%s/acme.so", dir);
	assert_int_equal(wats_converters_load_plugin(c, path), WATS_EEXISTS);
	assert_int_equal(wats_converters_load_plugin(c, "/nonexistent.so"), WATS_EINVAL);
	assert_int_equal(wats_converters_load_plugins(&n, c, "/nonexistent-dir"), WATS_ENOTFOUND);
	wats_converters_free(c);
}

static char *script(const char *dir, const char *name, const char *body)
{
	char *p = malloc(4096);
	snprintf(p, 4096, "%s/%s", dir, name);
	tu_write(p, body, strlen(body));
	chmod(p, 0755);
	return p;
}

static void test_command(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char *ok = script(dir, "ok.sh", "#!/bin/sh\necho \"reading $1\" >&2\ncat \"$1\"\n");
	char *slow = script(dir, "slow.sh", "#!/bin/sh\nsleep 5\n");
	char *bad = script(dir, "bad.sh", "#!/bin/sh\necho 'cannot parse line 3' >&2\nexit 2\n");
	char *big = script(dir, "big.sh", "#!/bin/sh\nyes '{}' | head -c 300000\n");
	wats_converters *c = reg();
	const char *a1[] = { ok, NULL }, *a2[] = { slow, NULL }, *a3[] = { bad, NULL }, *a4[] = { big, NULL };
	const char *const *argvs[] = { a1, a2, a3, a4 };
	const char *names[] = { "ok", "slow", "bad", "big" };
	for (int i = 0; i < 4; i++) {
		wats_command_options o = WATS_COMMAND_OPTIONS_INIT;
		o.name = names[i];
		o.argv = argvs[i];
		o.patterns = i == 0 ? "*.json" : NULL;
		o.timeout_ms = 500;
		o.max_output = 100000;
		assert_int_equal(wats_converters_add_command(c, &o), 0);
	}
	wats_conversion_log *log;
	wats_conversion_log_new(&log);
	sink s = { { 0 }, 0, 0 };
	assert_int_equal(convert(&s, c, tu_fixture("uur_example.json"), "ok", NULL, log), 0);
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(wats_conversion_log_stderr(log), "reading"));
	sink_free(&s);
	assert_int_equal(convert(&s, c, tu_fixture("uur_example.json"), "slow", NULL, log), WATS_ETIMEOUT);
	assert_int_equal(convert(&s, c, tu_fixture("uur_example.json"), "bad", NULL, log), WATS_EPARSE);
	assert_non_null(strstr(wats_error_last()->message, "exit status 2"));
	assert_non_null(strstr(wats_conversion_log_stderr(log), "cannot parse line 3"));
	assert_int_equal(convert(&s, c, tu_fixture("uur_example.json"), "big", NULL, log), WATS_ELIMIT);
	/* a buffer input is handed over as a temporary file */
	size_t len;
	char *text = tu_read(tu_fixture("uur_example.json"), &len);
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = "ok";
	assert_int_equal(wats_convert_buffer(NULL, c, "x.json", text, len, &o, collect, &s), 0);
	assert_int_equal(s.n, 1);
	sink_free(&s);
	free(text);
	wats_conversion_log_free(log);
	wats_converters_free(c);
	free(ok), free(slow), free(bad), free(big);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_roundtrip),
		cmocka_unit_test(test_edge_roundtrip),
		cmocka_unit_test(test_wsxf_sample),
		cmocka_unit_test(test_wsxf_uur),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_huge_attr_expanded),
		cmocka_unit_test(test_wstf),
		cmocka_unit_test(test_atml),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_fast_path_same),
		cmocka_unit_test(test_derived_ids),
		cmocka_unit_test(test_detect_and_log),
		cmocka_unit_test(test_plain_wsxf_warns),
		cmocka_unit_test(test_wsxf_attr_order),
		cmocka_unit_test(test_plugin),
		cmocka_unit_test(test_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
