/* Base64 (RFC 4648, standard alphabet, padded): attachment and binary data in WSJF. */
#ifndef WATS_UTIL_BASE64_H
#define WATS_UTIL_BASE64_H
#include <stddef.h>
/** Encoded length without NUL. */
size_t wats__base64_len(size_t n);
/** Encode n bytes into out (wats__base64_len(n) + 1 bytes); returns the length. */
size_t wats__base64_encode(char *out, const void *in, size_t n);
/**
 * Decode; whitespace is skipped. out needs len * 3 / 4 + 3 bytes. Returns the byte count, or
 * (size_t)-1 on a character outside the alphabet or bad padding.
 */
size_t wats__base64_decode(void *out, const char *in, size_t len);
#endif
