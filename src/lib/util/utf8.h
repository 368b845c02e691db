/* UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates, at most U+10FFFF). */
#ifndef WATS_UTIL_UTF8_H
#define WATS_UTIL_UTF8_H
#include <stddef.h>
int wats__utf8_valid(const char *s, size_t len);
#endif
