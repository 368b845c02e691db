#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "convert/lines.h"
#include "util/utf8.h"

#define CHUNK (1 << 16)

void wats__lines_init(wats__lines *l, wats__cctx *c)
{
	memset(l, 0, sizeof(*l));
	l->c = c;
}

void wats__lines_free(wats__lines *l)
{
	free(l->buf);
	free(l->raw);
	wats__buf_dispose(&l->conv);
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Append UTF-16 bytes (after the carry of the last chunk) to buf as UTF-8. A unit or a
 * surrogate pair cut by the chunk end waits in carry; lone surrogates become U+FFFD. Every
 * 2 input bytes give at most 3 output bytes, so buf needs n * 3 / 2 + 8 free bytes. */
static void utf16_append(wats__lines *l, const unsigned char *in, size_t n)
{
	unsigned char tmp[8];
	size_t i = 0;
	char *o = l->buf + l->len;
#define UNIT(p) (l->utf16 == 1 ? (unsigned)((p)[0] | (p)[1] << 8) : (unsigned)((p)[0] << 8 | (p)[1]))
	/* Finish what the last chunk left: up to 3 carried bytes plus the first new ones. */
	while (l->ncarry && i < n) {
		size_t need = 2;
		l->carry[l->ncarry++] = in[i++];
		if (l->ncarry < 2)
			continue;
		unsigned u = UNIT(l->carry);
		if (u >= 0xD800 && u < 0xDC00)
			need = 4;
		if (l->ncarry < need)
			continue;
		memcpy(tmp, l->carry, l->ncarry);
		unsigned cp = u;
		if (need == 4) {
			unsigned u2 = UNIT(tmp + 2);
			cp = u2 >= 0xDC00 && u2 < 0xE000 ? 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00) : 0xFFFD;
		} else if (u >= 0xDC00 && u < 0xE000) {
			cp = 0xFFFD;
		}
		o += put_utf8(o, cp);
		l->ncarry = 0;
	}
	while (i + 1 < n) {
		unsigned u = UNIT(in + i);
		unsigned cp = u;
		if (u >= 0xD800 && u < 0xDC00) {
			if (i + 3 >= n)
				break; /* the low surrogate is in the next chunk */
			unsigned u2 = UNIT(in + i + 2);
			if (u2 >= 0xDC00 && u2 < 0xE000) {
				cp = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
				i += 2;
			} else {
				cp = 0xFFFD;
			}
		} else if (u >= 0xDC00 && u < 0xE000) {
			cp = 0xFFFD;
		}
		i += 2;
		o += put_utf8(o, cp);
	}
#undef UNIT
	while (i < n)
		l->carry[l->ncarry++] = in[i++];
	l->len = (size_t)(o - l->buf);
}

static int fill_utf16(wats__lines *l)
{
	if (!l->raw && !(l->raw = malloc(CHUNK)))
		return wats__error_oom();
	size_t got;
	int rc = wats__cctx_read(l->c, l->raw, CHUNK, &got);
	if (rc < 0)
		return rc;
	if (!got) {
		l->eof = 1;
		if (l->ncarry)
			wats__cctx_warn(l->c, l->line + 1, NULL, "the UTF-16 text ends in the middle of a character");
		return 0;
	}
	utf16_append(l, l->raw, got);
	return 0;
}

/* No BOM: ASCII text in UTF-16 shows as NUL bytes at every other position. */
static int sniff_utf16(const unsigned char *b, size_t n)
{
	if (n < 8)
		return 0;
	int le = 1, be = 1;
	for (size_t i = 0; i + 1 < 8; i += 2) {
		le &= b[i] != 0 && b[i + 1] == 0;
		be &= b[i] == 0 && b[i + 1] != 0;
	}
	return le ? 1 : be ? 2 : 0;
}

static int fill(wats__lines *l)
{
	if (l->pos > 0) {
		memmove(l->buf, l->buf + l->pos, l->len - l->pos);
		l->len -= l->pos;
		l->pos = 0;
	}
	if (l->cap - l->len < CHUNK + 1) {
		size_t cap = l->cap ? l->cap * 2 : CHUNK * 2;
		char *nb = realloc(l->buf, cap);
		if (!nb)
			return wats__error_oom();
		l->buf = nb;
		l->cap = cap;
	}
	if (l->utf16) {
		/* Room for a transcoded chunk: 3 bytes of UTF-8 per 2 of UTF-16, plus the carry. */
		if (l->cap - l->len < CHUNK / 2 * 3 + 16) {
			size_t cap = l->cap + CHUNK / 2 * 3 + 16;
			char *nb = realloc(l->buf, cap);
			if (!nb)
				return wats__error_oom();
			l->buf = nb;
			l->cap = cap;
		}
		return fill_utf16(l);
	}
	size_t got;
	int rc = wats__cctx_read(l->c, l->buf + l->len, CHUNK, &got);
	if (rc < 0)
		return rc;
	if (!got)
		l->eof = 1;
	l->len += got;
	if (!l->started && (l->len >= 8 || l->eof)) {
		l->started = 1;
		const unsigned char *b = (const unsigned char *)l->buf;
		int bom = l->len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF));
		int kind = bom ? (b[0] == 0xFF ? 1 : 2) : sniff_utf16(b, l->len);
		if (kind) {
			/* Transcode what was read as raw UTF-16; later chunks go through fill_utf16. */
			size_t skip = bom ? 2 : 0, n = l->len - skip;
			unsigned char *first = malloc(n ? n : 1);
			if (!first)
				return wats__error_oom();
			memcpy(first, b + skip, n);
			l->utf16 = kind;
			l->len = 0;
			l->pos = 0;
			if (l->cap < n / 2 * 3 + 16) {
				char *nb = realloc(l->buf, n / 2 * 3 + 16);
				if (!nb) {
					free(first);
					return wats__error_oom();
				}
				l->buf = nb;
				l->cap = n / 2 * 3 + 16;
			}
			utf16_append(l, first, n);
			free(first);
			if (l->len >= 3 && !memcmp(l->buf, "\xEF\xBB\xBF", 3))
				l->pos = 3; /* a BOM sniffed as text */
			return 0;
		}
		if (l->len >= 3 && !memcmp(l->buf, "\xEF\xBB\xBF", 3))
			l->pos = 3;
	}
	return 0;
}

static const unsigned short cp1252[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178
};

/* Whether s holds only ASCII (the common case: no UTF-8 check needed), 8 bytes at a time. */
static int ascii(const char *s, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ull)
			return 0;
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] & 0x80)
			return 0;
	return 1;
}

int wats__lines_next(wats__lines *l, char **line, size_t *len)
{
	for (;;) {
		if (!l->started && !l->eof) {
			int rc = fill(l);
			if (rc < 0)
				return rc;
			continue;
		}
		char *start = l->buf + l->pos;
		size_t avail = l->len - l->pos;
		/* The first CR or LF: memchr for the LF, then for a CR before it only. */
		char *lf = memchr(start, '\n', avail);
		char *nl = memchr(start, '\r', lf ? (size_t)(lf - start) : avail);
		if (!nl)
			nl = lf;
		if (nl && *nl == '\r' && nl + 1 == start + avail && !l->eof)
			nl = NULL; /* a CR at the end of the chunk: wait for a possible LF */
		if (!nl && !l->eof) {
			if (avail > WATS__MAX_LINE)
				return wats__cctx_error(l->c, WATS_ELIMIT, l->line + 1, 0,
							"line longer than %zu bytes (rule max-line)",
							(size_t)WATS__MAX_LINE);
			int rc = fill(l);
			if (rc < 0)
				return rc;
			continue;
		}
		if (!nl && avail == 0)
			return 0;
		size_t n = nl ? (size_t)(nl - start) : avail;
		size_t adv = n + (nl ? 1 : 0);
		if (nl && *nl == '\r' && n + 1 < avail && nl[1] == '\n')
			adv++;
		l->pos += adv;
		l->line++;
		start[n] = '\0'; /* overwrites the line end (or the slack byte after the data) */
		if (!ascii(start, n) && !wats__utf8_valid(start, n)) {
			if (!l->warned_latin1++)
				wats__cctx_warn(l->c, l->line, NULL,
						"not UTF-8: read as windows-1252 (Latin-1); save the file as "
						"UTF-8 to avoid this warning");
			wats__buf_clear(&l->conv);
			for (size_t i = 0; i < n; i++) {
				unsigned char ch = (unsigned char)start[i];
				unsigned cp = ch >= 0x80 && ch < 0xA0 ? cp1252[ch - 0x80] : ch;
				char u[4];
				size_t k = 0;
				if (cp < 0x80)
					u[k++] = (char)cp;
				else if (cp < 0x800)
					u[k++] = (char)(0xC0 | (cp >> 6)), u[k++] = (char)(0x80 | (cp & 0x3F));
				else
					u[k++] = (char)(0xE0 | (cp >> 12)), u[k++] = (char)(0x80 | ((cp >> 6) & 0x3F)),
					u[k++] = (char)(0x80 | (cp & 0x3F));
				wats__buf_put(&l->conv, u, k);
			}
			if (wats__buf_puts(&l->conv, "") < 0)
				return wats__error_oom();
			*line = l->conv.ptr;
			*len = l->conv.len;
			return 1;
		}
		*line = start;
		*len = n;
		return 1;
	}
}
