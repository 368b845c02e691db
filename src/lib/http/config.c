/*
 * Client options from the environment and from a config file. Both only fill fields the caller
 * left unset, so the precedence is always: explicit option > environment > file > default.
 * The file is "key = value" lines with '#' comments; keys are the environment names without
 * the WATS_ prefix, in lower case (base_url, token, timeout, ...).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/client_int.h"
#include "util/buf.h"
#include "util/error.h"

typedef enum { K_STR, K_MS, K_LONG_MS, K_UINT, K_FLAG, K_CACHE_TTL } kind;

typedef struct {
	const char *key;   /* config file key */
	const char *env;   /* environment variable */
	kind kind;
	size_t off;        /* into wats_client_options */
	unsigned int flag; /* K_FLAG */
} setting;

#define OFF(f) offsetof(wats_client_options, f)
static const setting settings[] = {
	{ "base_url", "WATS_BASE_URL", K_STR, OFF(base_url), 0 },
	{ "token", "WATS_AUTH_TOKEN", K_STR, OFF(token), 0 },
	{ "token", "WATS_TOKEN", K_STR, OFF(token), 0 },
	{ "station", "WATS_STATION", K_STR, OFF(station_name), 0 },
	{ "location", "WATS_LOCATION", K_STR, OFF(location), 0 },
	{ "purpose", "WATS_PURPOSE", K_STR, OFF(purpose), 0 },
	{ "station_file", "WATS_STATION_FILE", K_STR, OFF(station_file), 0 },
	{ "ca_file", "WATS_CA_FILE", K_STR, OFF(ca_file), 0 },
	{ "proxy", "WATS_PROXY", K_STR, OFF(proxy), 0 },
	{ "no_proxy", "WATS_NO_PROXY", K_STR, OFF(no_proxy), 0 },
	{ "insecure", "WATS_INSECURE", K_FLAG, 0, WATS_CLIENT_INSECURE },
	{ "http1", "WATS_HTTP1", K_FLAG, 0, WATS_CLIENT_HTTP1 },
	{ "timeout", "WATS_TIMEOUT", K_LONG_MS, OFF(request_timeout_ms), 0 },
	{ "connect_timeout", "WATS_CONNECT_TIMEOUT", K_LONG_MS, OFF(connect_timeout_ms), 0 },
	{ "total_timeout", "WATS_TOTAL_TIMEOUT", K_LONG_MS, OFF(total_timeout_ms), 0 },
	{ "retry_attempts", "WATS_RETRY_ATTEMPTS", K_UINT, OFF(retry_attempts), 0 },
	{ "retry_base_delay", "WATS_RETRY_BASE_DELAY", K_MS, OFF(retry_base_ms), 0 },
	{ "retry_max_delay", "WATS_RETRY_MAX_DELAY", K_MS, OFF(retry_max_delay_ms), 0 },
	{ "breaker_failures", "WATS_BREAKER_FAILURES", K_UINT, OFF(breaker_failures), 0 },
	{ "breaker_open_time", "WATS_BREAKER_OPEN_TIME", K_MS, OFF(breaker_open_ms), 0 },
	{ "breaker_successes", "WATS_BREAKER_SUCCESSES", K_UINT, OFF(breaker_successes), 0 },
	{ "cache_ttl", "WATS_CACHE_TTL", K_CACHE_TTL, OFF(cache_ttl_ms), 0 },
	{ "cache_max_entries", "WATS_CACHE_MAX_ENTRIES", K_UINT, OFF(cache_max_entries), 0 },
};
#undef OFF

/* Owned copies of string values, freed once the client has copied them. */
typedef struct {
	wats_client_options o;
	char *owned[sizeof(settings) / sizeof(settings[0])];
	size_t n_owned;
} merged;

static int truthy(const char *v, int *out)
{
	if (!strcasecmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"))
		*out = 1;
	else if (!strcasecmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* Apply one value if the field is still unset. where names the source for error messages. */
static int apply(merged *m, const setting *s, const char *v, const char *where)
{
	char *base = (char *)&m->o;
	char *end;
	if (s->kind == K_STR) {
		const char **slot = (const char **)(base + s->off);
		if (*slot)
			return 0;
		char *copy = strdup(v);
		if (!copy)
			return wats__error_oom();
		m->owned[m->n_owned++] = copy;
		*slot = copy;
		return 0;
	}
	if (s->kind == K_FLAG) {
		int on;
		if (truthy(v, &on))
			return wats__error(WATS_EINVAL, WATS_ERRCLASS_CONFIG,
					   "%s: '%s' is not a boolean (use true or false)", where, v);
		if (on)
			m->o.flags |= s->flag;
		return 0;
	}
	errno = 0;
	double d = strtod(v, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (errno || end == v || *end || d < 0 || d > 4e6)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_CONFIG,
				   "%s: '%s' is not a non-negative number%s", where, v,
				   s->kind == K_UINT ? "" : " of seconds");
	switch (s->kind) {
	case K_LONG_MS: {
		long *slot = (long *)(base + s->off);
		if (!*slot)
			*slot = (long)(d * 1000.0 + 0.5);
		break;
	}
	case K_MS: {
		unsigned int *slot = (unsigned int *)(base + s->off);
		if (!*slot)
			*slot = (unsigned int)(d * 1000.0 + 0.5);
		break;
	}
	case K_CACHE_TTL: {
		unsigned int *slot = (unsigned int *)(base + s->off);
		if (d == 0)
			m->o.flags |= WATS_CLIENT_NO_CACHE;
		else if (!*slot)
			*slot = (unsigned int)(d * 1000.0 + 0.5);
		break;
	}
	default: {
		unsigned int *slot = (unsigned int *)(base + s->off);
		if (!*slot)
			*slot = (unsigned int)d;
		break;
	}
	}
	return 0;
}

static int apply_env(merged *m)
{
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		const char *v = getenv(settings[i].env);
		if (!v || !*v)
			continue;
		int rc = apply(m, &settings[i], v, settings[i].env);
		if (rc)
			return rc;
	}
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int apply_file(merged *m, const char *path)
{
	char *text;
	size_t len;
	int rc = wats__read_file(&text, &len, path, 1024 * 1024);
	if (rc)
		return rc;
	int lineno = 0;
	for (char *line = text, *next; line && *line && rc == 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *t = trim(line);
		if (!*t || *t == '#')
			continue;
		char *eq = strchr(t, '=');
		if (!eq) {
			rc = wats__error_at(WATS_EPARSE, WATS_ERRCLASS_CONFIG, path, lineno, 1,
					    "%s:%d: expected 'key = value'", path, lineno);
			break;
		}
		*eq = '\0';
		char *k = trim(t), *v = trim(eq + 1);
		size_t vl = strlen(v);
		if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
			v[vl - 1] = '\0';
			v++;
		}
		const setting *s = NULL;
		for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]) && !s; i++)
			if (!strcmp(settings[i].key, k))
				s = &settings[i];
		if (!s) {
			rc = wats__error_at(WATS_EPARSE, WATS_ERRCLASS_CONFIG, path, lineno, 1,
					    "%s:%d: unknown key '%s' (see docs/client.md)", path, lineno, k);
			break;
		}
		char where[300];
		snprintf(where, sizeof(where), "%s:%d: %s", path, lineno, k);
		rc = apply(m, s, v, where);
	}
	free(text);
	return rc;
}

static int start(merged *m, const wats_client_options *opts)
{
	memset(m, 0, sizeof(*m));
	if (opts) {
		if (opts->version != WATS_CLIENT_OPTIONS_VERSION)
			return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
					   "client options of an unknown version %u", opts->version);
		m->o = *opts;
	} else {
		m->o.version = WATS_CLIENT_OPTIONS_VERSION;
	}
	return 0;
}

static int finish(wats_client **out, merged *m, int rc)
{
	if (rc == 0)
		rc = wats_client_new(out, &m->o);
	for (size_t i = 0; i < m->n_owned; i++)
		free(m->owned[i]);
	return rc;
}

int wats_client_new_from_env(wats_client **out, const wats_client_options *opts)
{
	if (out)
		*out = NULL;
	merged m;
	int rc = start(&m, opts);
	rc = rc ? rc : apply_env(&m);
	const char *cfg = getenv("WATS_CONFIG");
	if (rc == 0 && cfg && *cfg)
		rc = apply_file(&m, cfg);
	return finish(out, &m, rc);
}

int wats_client_new_from_file(wats_client **out, const char *path, const wats_client_options *opts)
{
	if (out)
		*out = NULL;
	if (!path)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "wats_client_new_from_file: no path");
	merged m;
	int rc = start(&m, opts);
	rc = rc ? rc : apply_file(&m, path);
	return finish(out, &m, rc);
}
