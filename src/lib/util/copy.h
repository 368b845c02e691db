/* Copying the few bytes of a token or a measurement text. */
#ifndef WATS_UTIL_COPY_H
#define WATS_UTIL_COPY_H

#include <string.h>

/* len bytes from s to p (no NUL). Short texts (a value, a unit, a key, a quote) are copied with
 * fixed-size moves the compiler inlines, two overlapping ones per size class, instead of a
 * call to memcpy for a few bytes; longer ones by memcpy. */
static inline void wats__copy_short(char *p, const char *s, size_t len)
{
	if (len >= 8 && len <= 16) {
		memcpy(p, s, 8);
		memcpy(p + len - 8, s + len - 8, 8);
	} else if (len >= 4 && len < 8) {
		memcpy(p, s, 4);
		memcpy(p + len - 4, s + len - 4, 4);
	} else if (len && len < 4) {
		p[0] = s[0];
		p[len / 2] = s[len / 2];
		p[len - 1] = s[len - 1];
	} else if (len) {
		memcpy(p, s, len);
	}
}

#endif
