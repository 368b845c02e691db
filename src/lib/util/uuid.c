#include "util/uuid.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int wats__uuid_v4(char out[37])
{
	unsigned char b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
	return 0;
}

int wats__uuid_valid(const char *s, char *canon)
{
	if (!s)
		return 0;
	size_t len = strlen(s);
	if (!strncasecmp(s, "urn:uuid:", 9)) {
		s += 9;
		len -= 9;
	} else if (len && s[0] == '{') {
		if (s[len - 1] != '}')
			return 0;
		s++;
		len -= 2;
	}
	char hex[33];
	size_t n = 0;
	int hyphens = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '-') {
			/* Hyphens only at the 8-4-4-4-12 boundaries. */
			if (n != 8 && n != 12 && n != 16 && n != 20)
				return 0;
			hyphens++;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]) || n == 32)
			return 0;
		hex[n++] = (char)tolower((unsigned char)s[i]);
	}
	if (n != 32 || (hyphens != 0 && hyphens != 4))
		return 0;
	if (canon)
		snprintf(canon, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	return 1;
}
