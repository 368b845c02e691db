/* Streaming line reader for the text formats: chunked input, LF / CRLF / CR line ends, a
 * UTF-8 BOM skipped, UTF-16 (little or big endian, with a BOM or recognised by the NUL bytes
 * of ASCII text) transcoded to UTF-8 as it streams, lines longer than a limit refused, bytes
 * that are not UTF-8 read as Latin-1 (windows-1252) with one warning. */
#ifndef WATS_CONVERT_LINES_H
#define WATS_CONVERT_LINES_H

#include "convert/convert_internal.h"

#define WATS__MAX_LINE ((size_t)16 << 20)

typedef struct wats__lines {
	wats__cctx *c;
	char *buf;
	size_t cap, len, pos;
	int eof, started, warned_latin1;
	long line;     /* number of the line last returned */
	wats_buf conv; /* Latin-1 -> UTF-8 conversion */
	int utf16;     /* 0, or 1 little endian, 2 big endian */
	unsigned char carry[4]; /* UTF-16 bytes of a unit or surrogate pair split by a chunk */
	size_t ncarry;
	unsigned char *raw;     /* UTF-16 chunk before transcoding */
} wats__lines;

void wats__lines_init(wats__lines *l, wats__cctx *c);
void wats__lines_free(wats__lines *l);
/** Next line (NUL-terminated, without its end; valid until the next call): 1, 0 at the end,
 * or a negative error code. */
int wats__lines_next(wats__lines *l, char **line, size_t *len);

#endif
