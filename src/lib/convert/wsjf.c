/* WSJF: the report model's own format. One object, an array of objects, or objects one after
 * the other (JSON lines); each becomes one report, parsed losslessly by the model. */
#include <stdlib.h>
#include <string.h>

#include "convert/convert_internal.h"
#include "convert/wsjf_split.h"

double wats__wsjf_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			 size_t len, char *sn, char *pn, size_t size)
{
	(void)cv;
	size_t i = 0;
	if (len >= 3 && !memcmp(head, "\xEF\xBB\xBF", 3))
		i = 3;
	while (i < len && strchr(" \t\r\n", head[i]))
		i++;
	if (i >= len || (head[i] != '{' && head[i] != '['))
		return 0;
	char ext[16];
	int json_ext = !strcmp(wats__ext(ext, sizeof(ext), name), "json") || !strcmp(ext, "wsjf");
	/* Peek at sn/pn: the first "sn":"..." and "pn":"..." members. */
	const char *keys[2] = { "\"sn\"", "\"pn\"" };
	char *dst[2] = { sn, pn };
	for (int k = 0; k < 2; k++) {
		const char *p = wats__find(head, len, keys[k]);
		if (!p)
			continue;
		p += 4;
		const char *end = (const char *)head + len;
		while (p < end && strchr(" \t\r\n:", *p))
			p++;
		if (p < end && *p == '"') {
			const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
			if (q)
				wats__copy_trim(dst[k], size, p + 1, (size_t)(q - p - 1));
		}
	}
	int has_type = wats__find(head, len, "\"type\"") != NULL;
	int has_body = wats__find(head, len, "\"root\"") || wats__find(head, len, "\"uur\"");
	double c = has_type && has_body ? 0.95 : (sn[0] || pn[0]) ? 0.7 : 0.4;
	if (json_ext)
		c += 0.04;
	return c;
}

typedef struct wsjf_sink {
	wats__cctx *c;
} wsjf_sink;

static int on_object(void *ud, const char *text, size_t len, long line)
{
	wsjf_sink *s = ud;
	wats_parse_options po = WATS_PARSE_OPTIONS_INIT;
	po.filename = s->c->name;
	wats_report *r;
	int rc = wats_report_parse(&r, text, len, &po);
	if (rc < 0) {
		const wats_error *e = wats_error_last();
		return wats__cctx_error(s->c, rc, line + (e->line > 1 ? e->line - 1 : 0),
					e->line > 1 ? e->column : 0, "not a WSJF report: %s", e->message);
	}
	return wats__cctx_emit(s->c, r);
}

int wats__wsjf_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	const unsigned char *data;
	size_t len;
	char *owned;
	int rc = wats__cctx_read_all(c, &data, &len, &owned, WATS__CONV_MAX_WHOLE);
	if (rc < 0)
		return rc;
	wsjf_sink s = { c };
	rc = wats__json_split((const char *)data, len, on_object, &s, c);
	free(owned);
	return rc;
}
