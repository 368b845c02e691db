/*
 * The check every converter fuzz target runs: convert the input with the named converter;
 * every report it gives must write as WSJF and as WSXF, the WSXF must read back, and the
 * validator must run over it. Errors are fine; crashes, leaks, hangs and mismatches abort.
 * A fuzz target is then three lines (see wstf_fuzzer.c).
 */
#ifndef WATS_FUZZ_CONVERT_H
#define WATS_FUZZ_CONVERT_H

#include <stddef.h>
#include <stdint.h>

/** Run `converter` over data; params is a NULL-terminated key=value list or NULL. */
void wats_fuzz_convert(const char *converter, const uint8_t *data, size_t size,
		       const char *const *params);

#endif
