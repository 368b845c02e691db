/*
 * Station identity. pyWATS detected the station but never handed it to the report factory
 * (reports said "Unknown"); here the client owns the resolved identity and the api layer
 * applies it. A station file lets a fleet pin names that differ from host names.
 */
#include "http/station.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/error.h"

#define FIELD_MAX 100

/* Copy s without surrounding blanks; NULL when s is NULL or blank. */
static char *strip_dup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n ? strndup(s, n) : NULL;
}

static char *env_dup(const char *var)
{
	const char *v = getenv(var);
	return v ? strip_dup(v, strlen(v)) : NULL;
}

typedef struct { char *name, *location, *purpose; } file_fields;

/* "name = X" / "location = Y" / "purpose = Z" lines, '#' comments; a lone line is the name. */
static int read_station_file(file_fields *ff, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : wats__error(WATS_EIO, WATS_ERRCLASS_CONFIG,
			"cannot read station file '%s': %s", path, strerror(errno));
	fclose(f);
	int rc = wats__read_file(&text, &len, path, 64 * 1024);
	if (rc)
		return rc;
	int lineno = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *eq = strchr(line, '=');
		char *val = eq ? eq + 1 : line;
		char *key = eq ? strip_dup(line, (size_t)(eq - line)) : NULL;
		char **slot = NULL;
		if (!eq)
			slot = &ff->name;
		else if (key && !strcmp(key, "name"))
			slot = &ff->name;
		else if (key && !strcmp(key, "location"))
			slot = &ff->location;
		else if (key && !strcmp(key, "purpose"))
			slot = &ff->purpose;
		free(key);
		if (eq && !slot) {
			free(text);
			return wats__error_at(WATS_EPARSE, WATS_ERRCLASS_CONFIG, path, lineno, 1,
					      "unknown key in station file (use name, location, purpose)");
		}
		char *v = strip_dup(val, strlen(val));
		if (v) {
			free(*slot);
			*slot = v;
		}
	}
	free(text);
	return 0;
}

static int check_len(const char *what, const char *v)
{
	if (v && strlen(v) > FIELD_MAX)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_CONFIG,
				   "station %s '%.40s...' is longer than %d characters", what, v, FIELD_MAX);
	return 0;
}

int wats__station_resolve(wats__station *out, const char *name, const char *location,
			  const char *purpose, const char *file)
{
	memset(out, 0, sizeof(*out));
	file_fields ff = { NULL, NULL, NULL };
	char *path = file ? strdup(file) : env_dup("WATS_STATION_FILE");
	int rc = read_station_file(&ff, path ? path : WATS__STATION_FILE_DEFAULT);
	free(path);
	if (rc)
		goto fail;

	if ((out->name = name ? strip_dup(name, strlen(name)) : NULL))
		out->source = "option";
	else if ((out->name = env_dup("WATS_STATION")))
		out->source = "env";
	else if ((out->name = ff.name ? strdup(ff.name) : NULL))
		out->source = "file";
	else {
		char host[256] = "";
		if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
			strcpy(host, "unknown");
		out->name = strip_dup(host, strlen(host));
		out->source = "hostname";
	}
	out->location = location ? strip_dup(location, strlen(location)) : NULL;
	if (!out->location)
		out->location = env_dup("WATS_LOCATION");
	if (!out->location)
		/* WATS requires a location on every report; pyWATS's report factory falls back to
		 * "Unknown" too, so a station nobody configured still submits valid reports. */
		out->location = strdup(ff.location ? ff.location : "Unknown");
	out->purpose = purpose ? strip_dup(purpose, strlen(purpose)) : NULL;
	if (!out->purpose)
		out->purpose = env_dup("WATS_PURPOSE");
	if (!out->purpose)
		out->purpose = strdup(ff.purpose ? ff.purpose : "Development");
	if (!out->name || !out->location || !out->purpose) {
		rc = wats__error_oom();
		goto fail;
	}
	for (char *p = out->name; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	if ((rc = check_len("name", out->name)) || (rc = check_len("location", out->location)) ||
	    (rc = check_len("purpose", out->purpose)))
		goto fail;
	free(ff.name);
	free(ff.location);
	free(ff.purpose);
	return 0;
fail:
	free(ff.name);
	free(ff.location);
	free(ff.purpose);
	wats__station_dispose(out);
	return rc;
}

void wats__station_dispose(wats__station *s)
{
	free(s->name);
	free(s->location);
	free(s->purpose);
	memset(s, 0, sizeof(*s));
}
