/*
 * libFuzzer target for the report model: parse; when the input parses, write it, parse the
 * output again, write again and require the two writes to be identical (the writer's output
 * must be a fixed point of parse+write), then validate and free.
 * Built with clang -fsanitize=fuzzer (fuzz/CMakeLists.txt) or with standalone_driver.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wats/report.h"

/* Crash loudly so the fuzzer (or the standalone driver under ctest) records the input. */
static void check(int ok, const char *what, const char *a, size_t alen, const char *b, size_t blen)
{
	if (ok)
		return;
	fprintf(stderr, "report_parse_fuzzer: %s\n", what);
	if (a)
		fprintf(stderr, "first  (%zu bytes): %.*s\n", alen, (int)(alen > 400 ? 400 : alen), a);
	if (b)
		fprintf(stderr, "second (%zu bytes): %.*s\n", blen, (int)(blen > 400 ? 400 : blen), b);
	abort();
}

static void roundtrip(const wats_report *r, unsigned int flags)
{
	char *w1 = NULL, *w2 = NULL;
	size_t l1 = 0, l2 = 0;
	/* A parsed report may still be unwritable (e.g. nested deeper than the writer allows);
	 * that is an error return, not a crash. */
	if (wats_report_write(&w1, &l1, r, flags) != 0)
		return;
	check(strlen(w1) == l1, "write length disagrees with the text", w1, l1, NULL, 0);
	wats_report *r2 = NULL;
	int rc = wats_report_parse(&r2, w1, l1, NULL);
	check(rc == 0, "the writer's output does not parse", w1, l1, wats_error_last()->message,
	      strlen(wats_error_last()->message));
	rc = wats_report_write(&w2, &l2, r2, flags);
	check(rc == 0, "a re-parsed report cannot be written", w1, l1, NULL, 0);
	check(l1 == l2 && !memcmp(w1, w2, l1), "write(parse(write(x))) != write(x)", w1, l1, w2, l2);
	wats_report_free(r2);
	wats_free(w1);
	wats_free(w2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wats_report *r = NULL;
	if (wats_report_parse(&r, (const char *)data, size, NULL) != 0)
		return 0;
	roundtrip(r, 0);
	roundtrip(r, WATS_WRITE_PRETTY);
	wats_validation *v = NULL;
	wats_report_validate(r, &v);
	/* Walk the findings so their strings are read (ASan checks them). */
	for (size_t i = 0; i < wats_validation_count(v); i++) {
		const wats_issue *is = wats_validation_get(v, i);
		check(is && is->message && is->rule, "a finding without message or rule", NULL, 0, NULL, 0);
		(void)strlen(is->message);
		if (is->path)
			(void)strlen(is->path);
	}
	wats_validation_free(v);
	/* The typed accessors over whatever the input was. */
	wats_step *root = wats_report_root(r);
	if (root)
		(void)wats_step_count(root);
	wats_report_free(r);
	return 0;
}
