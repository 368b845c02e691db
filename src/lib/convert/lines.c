#include <stdlib.h>
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
	wats__buf_dispose(&l->conv);
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
	size_t got;
	int rc = wats__cctx_read(l->c, l->buf + l->len, CHUNK, &got);
	if (rc < 0)
		return rc;
	if (!got)
		l->eof = 1;
	l->len += got;
	if (!l->started && (l->len >= 3 || l->eof)) {
		l->started = 1;
		unsigned char b0 = (unsigned char)l->buf[0], b1 = l->len > 1 ? (unsigned char)l->buf[1] : 0;
		if (l->len >= 2 && ((b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF)))
			return wats__cctx_error(l->c, WATS_EPARSE, 1, 1,
						"the file is UTF-16 (byte order mark); text formats are read "
						"as UTF-8: save the file as UTF-8");
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
		char *nl = NULL;
		for (size_t i = 0; i < avail; i++)
			if (start[i] == '\n' || start[i] == '\r') {
				nl = start + i;
				break;
			}
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
		if (!wats__utf8_valid(start, n)) {
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
