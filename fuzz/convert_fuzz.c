#include "convert_fuzz.h"

#include <stdio.h>
#include <stdlib.h>

#include "wats/wats.h"

/* One registry for the whole fuzzing run: building it per input would dominate the time. */
static wats_converters *reg;
static const char *current;

static int check(wats_report *r, void *payload)
{
	(void)payload;
	char *json = NULL, *xml = NULL;
	size_t json_len = 0, xml_len = 0;
	if (wats_report_write(&json, &json_len, r, 0) == 0 && wats_report_to_wsxf(&xml, &xml_len, r) == 0) {
		size_t n = 0;
		wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
		o.converter = "wsxf";
		if (wats_convert_buffer(&n, reg, "roundtrip.xml", xml, xml_len, &o, NULL, NULL) != 0) {
			fprintf(stderr, "%s fuzzer: own WSXF does not read back: %s\n%.*s\n", current,
				wats_error_last()->message, (int)(xml_len > 2000 ? 2000 : xml_len), xml);
			abort();
		}
	}
	wats_validation *v = NULL;
	wats_report_validate(r, &v);
	wats_validation_free(v);
	wats_free(json);
	wats_free(xml);
	wats_report_free(r);
	return 0;
}

void wats_fuzz_convert(const char *converter, const uint8_t *data, size_t size,
		       const char *const *params)
{
	if (!reg && wats_converters_new(&reg) != 0)
		abort();
	current = converter;
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = converter;
	if (params)
		o.params = params;
	wats_convert_buffer(NULL, reg, "fuzz-input", data, size, &o, check, NULL);
}
