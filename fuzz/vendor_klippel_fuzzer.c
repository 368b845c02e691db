/* libFuzzer target for the klippel vendor converter (the checks are in convert_fuzz.c). */
#include "convert_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wats_fuzz_convert("klippel", data, size, NULL);
	return 0;
}
