/* Text formats in the encodings stations write: UTF-8 (with or without BOM), UTF-16 little and
 * big endian (with a BOM, or recognised without one), windows-1252. Each must give the same
 * reports as the UTF-8 file. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "wats/wats.h"

/* All reports of a conversion as one WSJF text, so two conversions can be compared. */
typedef struct collected {
	char *text;
	size_t len, n;
} collected;

/* Append the report's WSJF (and a newline) to the collection, and free it. */
static int append(collected *c, wats_report *r)
{
	char *json = NULL;
	size_t len = 0;
	assert_int_equal(wats_report_write(&json, &len, r, 0), 0);
	c->text = realloc(c->text, c->len + len + 2);
	memcpy(c->text + c->len, json, len);
	c->len += len;
	c->text[c->len++] = '\n';
	c->text[c->len] = '\0';
	c->n++;
	wats_free(json);
	wats_report_free(r);
	return 0;
}

static int collect(wats_report *r, void *payload)
{
	/* The sample has no report id, so each conversion makes one up: compare without it. */
	wats_node_remove(r, wats_report_node(r), "id");
	return append(payload, r);
}

/* Like collect, keeping the id. */
static int collect_whole(wats_report *r, void *payload)
{
	return append(payload, r);
}

static collected convert(const char *data, size_t len)
{
	wats_converters *reg = NULL;
	assert_int_equal(wats_converters_new(&reg), 0);
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = "wstf";
	collected c = { NULL, 0, 0 };
	int rc = wats_convert_buffer(NULL, reg, "sample.txt", data, len, &o, collect, &c);
	if (rc != 0)
		fail_msg("conversion failed: %s", wats_error_last()->message);
	wats_converters_free(reg);
	return c;
}

/* UTF-8 to UTF-16 (BMP and surrogate pairs), little (le=1) or big endian, optional BOM. */
static char *to_utf16(const char *s, size_t n, int le, int bom, size_t *out_len)
{
	unsigned char *o = malloc(n * 4 + 4), *p = o;
	if (bom) {
		*p++ = le ? 0xFF : 0xFE;
		*p++ = le ? 0xFE : 0xFF;
	}
	const unsigned char *u = (const unsigned char *)s, *end = u + n;
	while (u < end) {
		unsigned cp;
		if (u[0] < 0x80) cp = *u++;
		else if (u[0] < 0xE0) cp = (u[0] & 0x1F) << 6 | (u[1] & 0x3F), u += 2;
		else if (u[0] < 0xF0) cp = (u[0] & 0x0F) << 12 | (u[1] & 0x3F) << 6 | (u[2] & 0x3F), u += 3;
		else cp = (u[0] & 0x07) << 18 | (u[1] & 0x3F) << 12 | (u[2] & 0x3F) << 6 | (u[3] & 0x3F), u += 4;
		unsigned units[2], k = 0;
		if (cp >= 0x10000) {
			units[k++] = 0xD800 + ((cp - 0x10000) >> 10);
			units[k++] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
		} else {
			units[k++] = cp;
		}
		for (unsigned i = 0; i < k; i++) {
			*p++ = (unsigned char)(le ? units[i] & 0xFF : units[i] >> 8);
			*p++ = (unsigned char)(le ? units[i] >> 8 : units[i] & 0xFF);
		}
	}
	*out_len = (size_t)(p - o);
	return (char *)o;
}

/* The sample repeated until its UTF-16 form crosses the reader's 64 KiB chunks. */
static char *sample(size_t *len)
{
	size_t base_len;
	char *base = tu_read(tu_data("wstf/all_steps.txt"), &base_len);
	char *s = malloc(base_len * 40 + 64);
	size_t n = 0;
	for (int i = 0; i < 40; i++) {
		memcpy(s + n, base, base_len);
		n += base_len;
	}
	s[n] = '\0';
	free(base);
	*len = n;
	return s;
}

static void test_utf16_variants_match_utf8(void **state)
{
	(void)state;
	size_t len;
	char *utf8 = sample(&len);
	collected want = convert(utf8, len);
	assert_true(want.n >= 40);
	for (int le = 0; le <= 1; le++) {
		for (int bom = 0; bom <= 1; bom++) {
			size_t l16;
			char *u16 = to_utf16(utf8, len, le, bom, &l16);
			collected got = convert(u16, l16);
			if (got.n != want.n || strcmp(got.text, want.text))
				fail_msg("UTF-16 %s %s BOM differs from UTF-8 (%zu vs %zu reports)",
					 le ? "LE" : "BE", bom ? "with" : "without", got.n, want.n);
			free(got.text);
			free(u16);
		}
	}
	free(want.text);
	free(utf8);
}

static void test_non_ascii_survives_utf16(void **state)
{
	(void)state;
	size_t base_len;
	char *base = tu_read(tu_data("wstf/all_steps.txt"), &base_len);
	/* Replace the serial number line's value with text using 2-, 3- and 4-byte characters. */
	const char *fancy = "Zürich-温度-😀";
	char *sn = strstr(base, "SerialNumber\t");
	assert_non_null(sn);
	char *eol = strchr(sn, '\n');
	size_t head = (size_t)(sn - base) + strlen("SerialNumber\t");
	size_t n = head + strlen(fancy) + strlen(eol);
	char *s = malloc(n + 1);
	memcpy(s, base, head);
	strcpy(s + head, fancy);
	strcat(s, eol);
	collected want = convert(s, n);
	assert_non_null(strstr(want.text, fancy));
	size_t l16;
	char *u16 = to_utf16(s, n, 1, 1, &l16);
	collected got = convert(u16, l16);
	assert_string_equal(got.text, want.text);
	free(got.text);
	free(want.text);
	free(u16);
	free(s);
	free(base);
}

static void test_utf8_bom_is_skipped(void **state)
{
	(void)state;
	size_t len;
	char *base = tu_read(tu_data("wstf/all_steps.txt"), &len);
	collected want = convert(base, len);
	char *bom = malloc(len + 3);
	memcpy(bom, "\xEF\xBB\xBF", 3);
	memcpy(bom + 3, base, len);
	collected got = convert(bom, len + 3);
	assert_string_equal(got.text, want.text);
	free(got.text);
	free(bom);
	free(want.text);
	free(base);
}

/* U+FFFE and U+FFFF are legal in JSON but not in XML: a report holding them must still travel
 * through WSXF and come back the same. */
static void test_xml_forbidden_characters_roundtrip(void **state)
{
	(void)state;
	const char *json = "{\"id\":\"7b234dbc-3d06-4738-b176-c6d995dacb66\",\"type\":\"T\",\"pn\":\"P\","
			   "\"sn\":\"S\",\"rev\":\"A\",\"processCode\":1,\"result\":\"P\",\"machineName\":\"m\","
			   "\"location\":\"l\",\"purpose\":\"p\",\"start\":\"2026-01-30T10:49:36Z\","
			   "\"miscInfos\":[{\"description\":\"d\",\"text\":\"a\\ufffeb\"}],"
			   "\"vendorKey\":\"x\\uffffy\",\"root\":{\"stepType\":\"SequenceCall\",\"name\":\"M\","
			   "\"steps\":[]}}";
	wats_report *r = NULL;
	assert_int_equal(wats_report_parse(&r, json, strlen(json), NULL), 0);
	char *orig = NULL, *xml = NULL;
	size_t olen = 0, xlen = 0;
	assert_int_equal(wats_report_write(&orig, &olen, r, 0), 0);
	assert_int_equal(wats_report_to_wsxf(&xml, &xlen, r), 0);
	assert_null(strstr(xml, "\xEF\xBF\xBE"));
	assert_null(strstr(xml, "\xEF\xBF\xBF"));
	wats_converters *reg = NULL;
	assert_int_equal(wats_converters_new(&reg), 0);
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = "wsxf";
	collected back = { NULL, 0, 0 };
	int rc = wats_convert_buffer(NULL, reg, "x.xml", xml, xlen, &o, collect_whole, &back);
	if (rc)
		fail_msg("own WSXF does not read back: %s", wats_error_last()->message);
	assert_int_equal(back.n, 1);
	/* The values come back exactly (key order follows the WSXF reader's export order). */
	wats_report *b2 = NULL;
	assert_int_equal(wats_report_parse(&b2, back.text, back.len, NULL), 0);
	wats_node *doc = wats_report_node(b2);
	assert_string_equal(wats_node_get_string(doc, "vendorKey"), "x\xEF\xBF\xBFy");
	wats_node *misc = wats_node_at(wats_node_get(doc, "miscInfos"), 0);
	assert_string_equal(wats_node_get_string(misc, "text"), "a\xEF\xBF\xBE" "b");
	assert_int_equal(wats_report_validate(b2, NULL), 0);
	wats_report_free(b2);
	free(back.text);
	wats_converters_free(reg);
	wats_free(orig);
	wats_free(xml);
	wats_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf16_variants_match_utf8),
		cmocka_unit_test(test_non_ascii_survives_utf16),
		cmocka_unit_test(test_utf8_bom_is_skipped),
		cmocka_unit_test(test_xml_forbidden_characters_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
