/*
 * libFuzzer target for the ATML reader: convert the input; every report it gives must be
 * writable as WSJF and as WSXF, the WSXF must read back to the same WSJF bytes, and the
 * validator must run over it. Errors are fine; crashes, leaks, hangs and mismatches are not.
 * Built with clang -fsanitize=fuzzer (fuzz/CMakeLists.txt) or with standalone_driver.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wats/wats.h"

static wats_converters *reg;

static int check(wats_report *r, void *payload)
{
	(void)payload;
	char *j1 = NULL, *x = NULL;
	size_t l1 = 0, xl = 0;
	if (wats_report_write(&j1, &l1, r, 0) == 0 && wats_report_to_wsxf(&x, &xl, r) == 0) {
		size_t n = 0;
		wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
		o.converter = "wsxf";
		int rc = wats_convert_buffer(&n, reg, "roundtrip.xml", x, xl, &o, NULL, NULL);
		if (rc != 0) {
			fprintf(stderr, "atml_fuzzer: own WSXF does not read back: %s\n%.*s\n",
				wats_error_last()->message, (int)(xl > 2000 ? 2000 : xl), x);
			abort();
		}
	}
	wats_validation *v = NULL;
	wats_report_validate(r, &v);
	wats_validation_free(v);
	wats_free(j1);
	wats_free(x);
	wats_report_free(r);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!reg && wats_converters_new(&reg) != 0)
		abort();
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = "atml";
	wats_convert_buffer(NULL, reg, "fuzz-input", data, size, &o, check, NULL);
	return 0;
}
