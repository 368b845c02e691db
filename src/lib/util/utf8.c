#include <stdint.h>
#include <string.h>

#include "util/utf8.h"

int wats__utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;
	while (s < end) {
		/* ASCII, nearly all text of a report: eight bytes at a time */
		uint64_t w;
		while (end - s >= 8 && (memcpy(&w, s, 8), !(w & 0x8080808080808080ull)))
			s += 8;
		if (s == end)
			break;
		unsigned c = *s;
		if (c < 0x80) {
			s++;
			continue;
		}
		size_t n;
		unsigned min;
		if ((c & 0xE0) == 0xC0) {
			n = 1; min = 0x80; c &= 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2; min = 0x800; c &= 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3; min = 0x10000; c &= 0x07;
		} else {
			return 0;
		}
		if ((size_t)(end - s) <= n)
			return 0;
		for (size_t i = 1; i <= n; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return 0;
			c = (c << 6) | (s[i] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return 0;
		s += n + 1;
	}
	return 1;
}
