#include <stdlib.h>
#include <string.h>

#include "convert/wsjf_split.h"

static size_t skip_blank(const char *t, size_t i, size_t len, long *line)
{
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n')) {
		if (t[i] == '\n')
			(*line)++;
		i++;
	}
	return i;
}

/* End (exclusive) of the object starting at t[i] == '{', or 0 when it is not closed. Strings
 * and nesting are tracked; the model's parser does the real checking. */
static size_t object_end(const char *t, size_t i, size_t len, long *line)
{
	int depth = 0, in_str = 0;
	for (; i < len; i++) {
		char ch = t[i];
		if (ch == '\n')
			(*line)++;
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
			continue;
		}
		if (ch == '"')
			in_str = 1;
		else if (ch == '{' || ch == '[')
			depth++;
		else if ((ch == '}' || ch == ']') && --depth == 0)
			return i + 1;
	}
	return 0;
}

int wats__json_split(const char *t, size_t len, wats__json_object_fn fn, void *ud, wats__cctx *c)
{
	long line = 1;
	size_t i = 0;
	if (len >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3))
		i = 3;
	i = skip_blank(t, i, len, &line);
	if (i >= len)
		return wats__cctx_error(c, WATS_EPARSE, 0, 0, "empty input: expected a WSJF report (a JSON object)");
	int array = t[i] == '[';
	if (array)
		i = skip_blank(t, i + 1, len, &line);
	size_t n = 0;
	while (i < len) {
		if (array && t[i] == ']') {
			i = skip_blank(t, i + 1, len, &line);
			if (i < len)
				return wats__cctx_error(c, WATS_EPARSE, line, 0, "text after the closing ']'");
			return 0;
		}
		if (t[i] != '{')
			return wats__cctx_error(c, WATS_EPARSE, line, 0,
						"expected a JSON object (a WSJF report), found '%c'", t[i]);
		long start_line = line;
		size_t end = object_end(t, i, len, &line);
		if (!end)
			return wats__cctx_error(c, WATS_EPARSE, start_line, 0,
						"truncated: the report object starting here is not closed");
		int rc = fn(ud, t + i, end - i, start_line);
		if (rc < 0)
			return rc;
		n++;
		i = skip_blank(t, end, len, &line);
		if (array && i < len && t[i] == ',')
			i = skip_blank(t, i + 1, len, &line);
	}
	if (array)
		return wats__cctx_error(c, WATS_EPARSE, line, 0, "truncated: the array of reports is not closed");
	return 0;
}
