/*
 * wats diff: semantic difference of two JSON documents.
 *
 * Deliberately built on json-c, not on the report model: it checks our own parser and writer,
 * so it must not share their code (a writer bug would otherwise hide itself). Objects are
 * compared as key sets (order ignored), arrays element by element, numbers by value (10, 10.0
 * and 1e1 are equal; two integers compare exactly), and a null member differs from an absent
 * one.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "cmd_io.h"
#include "wats/wats.h"

/* Step trees nest deep (json-c's default is 32); a little over the report parser's limit. */
#define DIFF_MAX_DEPTH 256

typedef struct diff_state {
	size_t count;
	char path[8192];
	int truncated; /* path too long to print in full */
} diff_state;

static int parse_json(json_object **out, const char *path)
{
	const char *name = cli_display_name(path);
	char *text;
	size_t len;
	int rc = cli_read_all(&text, &len, path);
	if (rc < 0) {
		wats_cli_print_error(NULL);
		return rc == WATS_ENOMEM ? WATS_EXIT_INTERNAL : WATS_EXIT_INPUT;
	}
	json_tokener *tok = json_tokener_new_ex(DIFF_MAX_DEPTH);
	if (!tok) {
		free(text);
		fprintf(stderr, "wats: out of memory\n");
		return WATS_EXIT_INTERNAL;
	}
	/* Strict JSON and valid UTF-8: the same input rules as the report parser. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	size_t skip = len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
	json_object *doc = len > skip ? json_tokener_parse_ex(tok, text + skip, (int)(len - skip)) : NULL;
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = skip + json_tokener_get_parse_end(tok);
	if (len > INT32_MAX) {
		jerr = json_tokener_error_size;
	} else if (len <= skip) {
		jerr = json_tokener_continue;
	} else if (jerr == json_tokener_success) {
		/* json-c stops after the first value; anything but blanks after it is an error. */
		while (end < len && strchr(" \t\r\n", text[end]))
			end++;
		if (end < len) {
			jerr = json_tokener_error_parse_unexpected;
		}
	}
	if (jerr != json_tokener_success) {
		if (end > len)
			end = len;
		int line = 1, col = 1;
		for (size_t i = 0; i < end; i++) {
			if (text[i] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
				col++;
			}
		}
		const char *why = jerr == json_tokener_continue ? "unexpected end of input"
				: end < len && doc ? "text after the JSON value"
				: json_tokener_error_desc(jerr);
		fprintf(stderr, "wats: %s:%d:%d: not valid JSON: %s\n", name, line, col, why);
		json_object_put(doc);
		json_tokener_free(tok);
		free(text);
		return WATS_EXIT_INPUT;
	}
	json_tokener_free(tok);
	free(text);
	*out = doc;
	return WATS_EXIT_OK;
}

/* Append ".key" (or ["key"] when it is not a plain name) to the path; returns the old length
 * to restore. */
static size_t push_key(diff_state *d, const char *key)
{
	size_t old = strlen(d->path), cap = sizeof(d->path) - 8, n = old;
	int plain = *key != '\0';
	for (const char *k = key; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
		      *k == '_'))
			plain = 0;
	if (old >= cap) {
		d->truncated = 1;
		return old;
	}
	if (plain && old)
		d->path[n++] = '.';
	if (!plain) {
		d->path[n++] = '[';
		d->path[n++] = '"';
	}
	for (const char *k = key; *k && n < cap; k++) {
		unsigned char c = (unsigned char)*k;
		if (c == '"' || c == '\\')
			d->path[n++] = '\\';
		d->path[n++] = c < 0x20 ? '?' : (char)c;
	}
	if (n >= cap)
		d->truncated = 1;
	if (!plain) {
		d->path[n++] = '"';
		d->path[n++] = ']';
	}
	d->path[n] = '\0';
	return old;
}

static size_t push_index(diff_state *d, size_t i)
{
	size_t old = strlen(d->path);
	size_t room = sizeof(d->path) - old;
	int n = snprintf(d->path + old, room, "[%zu]", i);
	if (n < 0 || (size_t)n >= room)
		d->truncated = 1;
	return old;
}

static const char *shown_path(const diff_state *d)
{
	return d->path[0] ? d->path : "(document)";
}

/* A value as it appears in a difference line: scalars as JSON, containers abbreviated. */
static const char *show(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_object: return "{...}";
	case json_type_array: return "[...]";
	default: return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	}
}

static int is_number(json_object *v)
{
	json_type t = json_object_get_type(v);
	return t == json_type_int || t == json_type_double;
}

/* json-c keeps integers as int64 or uint64 (by sign); the double otherwise. */
static int numbers_equal(json_object *a, json_object *b)
{
	json_type ta = json_object_get_type(a), tb = json_object_get_type(b);
	if (ta == json_type_int && tb == json_type_int) {
		int64_t ia = json_object_get_int64(a), ib = json_object_get_int64(b);
		if (ia >= 0 && ib >= 0) /* positive values above INT64_MAX are kept as uint64 */
			return json_object_get_uint64(a) == json_object_get_uint64(b);
		return ia == ib;
	}
	if (ta == json_type_double && tb == json_type_double)
		return json_object_get_double(a) == json_object_get_double(b);
	/* One integer, one double: equal only when the double is exactly that integer. */
	json_object *i = ta == json_type_int ? a : b, *f = ta == json_type_int ? b : a;
	double x = json_object_get_double(f);
	if (x != floor(x) || !isfinite(x))
		return 0;
	int64_t iv = json_object_get_int64(i);
	if (iv >= 0 && x >= 9223372036854775808.0) {
		/* uint64 range: compare as unsigned when the double is below 2^64 */
		return x < 18446744073709551616.0 && (uint64_t)x == json_object_get_uint64(i);
	}
	if (x < -9223372036854775808.0 || x >= 9223372036854775808.0)
		return 0;
	return (int64_t)x == iv;
}

static void report(diff_state *d, const char *fmt, const char *a, const char *b)
{
	d->count++;
	fputs(shown_path(d), stdout);
	if (d->truncated)
		fputs("...", stdout);
	fputs(": ", stdout);
	printf(fmt, a, b);
	putchar('\n');
}

static void compare(diff_state *d, json_object *a, json_object *b);

static void compare_objects(diff_state *d, json_object *a, json_object *b)
{
	/* Members of A in A's order (absent from B or different), then those only in B. */
	json_object_object_foreach(a, ka, va) {
		json_object *vb;
		size_t old = push_key(d, ka);
		if (!json_object_object_get_ex(b, ka, &vb))
			report(d, "only in A", NULL, NULL);
		else
			compare(d, va, vb);
		d->path[old] = '\0';
	}
	json_object_object_foreach(b, kb, vb2) {
		(void)vb2;
		if (json_object_object_get_ex(a, kb, NULL))
			continue;
		size_t old = push_key(d, kb);
		report(d, "only in B", NULL, NULL);
		d->path[old] = '\0';
	}
}

static void compare_arrays(diff_state *d, json_object *a, json_object *b)
{
	size_t na = json_object_array_length(a), nb = json_object_array_length(b);
	size_t n = na > nb ? na : nb;
	for (size_t i = 0; i < n; i++) {
		size_t old = push_index(d, i);
		if (i >= nb)
			report(d, "only in A", NULL, NULL);
		else if (i >= na)
			report(d, "only in B", NULL, NULL);
		else
			compare(d, json_object_array_get_idx(a, i), json_object_array_get_idx(b, i));
		d->path[old] = '\0';
	}
}

static void compare(diff_state *d, json_object *a, json_object *b)
{
	json_type ta = json_object_get_type(a), tb = json_object_get_type(b);
	if (is_number(a) && is_number(b)) {
		if (!numbers_equal(a, b))
			report(d, "%s != %s", show(a), show(b));
		return;
	}
	if (ta != tb) {
		report(d, "%s != %s", show(a), show(b));
		return;
	}
	switch (ta) {
	case json_type_null:
		return;
	case json_type_boolean:
		if (json_object_get_boolean(a) != json_object_get_boolean(b))
			report(d, "%s != %s", show(a), show(b));
		return;
	case json_type_string:
		if (json_object_get_string_len(a) != json_object_get_string_len(b) ||
		    memcmp(json_object_get_string(a), json_object_get_string(b),
			   (size_t)json_object_get_string_len(a)) != 0)
			report(d, "%s != %s", show(a), show(b));
		return;
	case json_type_object:
		compare_objects(d, a, b);
		return;
	case json_type_array:
		compare_arrays(d, a, b);
		return;
	default:
		return;
	}
}

int wats_cmd_diff(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: wats diff A B\n");
		return WATS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-") && !strcmp(argv[2], "-")) {
		fprintf(stderr, "wats diff: only one of A and B can be standard input\n");
		return WATS_EXIT_USAGE;
	}
	json_object *a = NULL, *b = NULL;
	int rc = parse_json(&a, argv[1]);
	if (rc == WATS_EXIT_OK)
		rc = parse_json(&b, argv[2]);
	if (rc != WATS_EXIT_OK) {
		json_object_put(a);
		return rc;
	}
	diff_state *d = calloc(1, sizeof(*d));
	if (!d) {
		json_object_put(a);
		json_object_put(b);
		fprintf(stderr, "wats: out of memory\n");
		return WATS_EXIT_INTERNAL;
	}
	compare(d, a, b);
	size_t n = d->count;
	free(d);
	json_object_put(a);
	json_object_put(b);
	fflush(stdout);
	return n ? WATS_EXIT_NEGATIVE : WATS_EXIT_OK;
}
