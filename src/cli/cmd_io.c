/* Input helpers for the report commands. */
#include "cmd_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

const char *cli_display_name(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

static int read_stream(char **out, size_t *len, FILE *f, const char *name)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	if (!buf)
		return wats__error_oom();
	size_t r;
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = cap > ((size_t)-1) / 4 ? NULL : realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				return wats__error_oom();
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		int e = errno;
		free(buf);
		return wats__error(WATS_EIO, WATS_ERRCLASS_OS, "%s: cannot read: %s", name, strerror(e));
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int cli_read_all(char **out, size_t *len, const char *path)
{
	if (!strcmp(path, "-"))
		return read_stream(out, len, stdin, "<stdin>");
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		return wats__error(e == ENOENT ? WATS_ENOTFOUND : WATS_EIO, WATS_ERRCLASS_OS,
				   "%s: cannot open: %s", path, strerror(e));
	}
	int rc = read_stream(out, len, f, path);
	fclose(f);
	return rc;
}

int cli_load_report(wats_report **out, const char *path)
{
	*out = NULL;
	if (strcmp(path, "-"))
		return wats_report_read_file(out, path, NULL);
	char *data;
	size_t len;
	int rc = cli_read_all(&data, &len, path);
	if (rc < 0)
		return rc;
	wats_parse_options o = WATS_PARSE_OPTIONS_INIT;
	o.filename = "<stdin>";
	rc = wats_report_parse(out, data, len, &o);
	free(data);
	return rc;
}
