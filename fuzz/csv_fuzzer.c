/*
 * libFuzzer target for the CSV reader: convert the input; every report it gives must be
 * writable as WSJF and as WSXF, the WSXF must read back to the same WSJF bytes, and the
 * validator must run over it. Errors are fine; crashes, leaks, hangs and mismatches are not.
 * Built with clang -fsanitize=fuzzer (fuzz/CMakeLists.txt) or with standalone_driver.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert_fuzz.h"

/* The input is "MAPPING\n----\nCSV": the mapping part is written to a temporary file. */
static char map_path[64];
static const char *params[2];

static size_t prepare_mapping(const uint8_t *data, size_t size)
{
	const uint8_t *sep = NULL;
	for (size_t i = 0; i + 6 <= size; i++)
		if (!memcmp(data + i, "\n----\n", 6)) {
			sep = data + i;
			break;
		}
	if (!map_path[0])
		snprintf(map_path, sizeof(map_path), "/tmp/csv_fuzzer_map_%d", (int)getpid());
	FILE *f = fopen(map_path, "wb");
	if (!f)
		abort();
	size_t mlen = sep ? (size_t)(sep - data) : 0;
	fwrite(data, 1, mlen, f);
	fclose(f);
	static char param[96];
	snprintf(param, sizeof(param), "mapping=%s", map_path);
	params[0] = param;
	return sep ? mlen + 6 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t skip = prepare_mapping(data, size);
	wats_fuzz_convert("csv", data + skip, size - skip, params);
	unlink(map_path);
	return 0;
}
