#include "http/url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int wats__url_normalize(char **base, char **referer, const char *url)
{
	if (!url)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_CONFIG,
				   "no server URL: set base_url, WATS_BASE_URL or base_url in the config file");
	while (isspace((unsigned char)*url))
		url++;
	size_t n = strlen(url);
	while (n && isspace((unsigned char)url[n - 1]))
		n--;
	size_t scheme;
	if (n >= 7 && !strncasecmp(url, "http://", 7))
		scheme = 7;
	else if (n >= 8 && !strncasecmp(url, "https://", 8))
		scheme = 8;
	else
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_CONFIG,
				   "server URL '%.*s' must start with http:// or https://", (int)n, url);
	while (n > scheme && url[n - 1] == '/')
		n--;
	if (n == scheme)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_CONFIG,
				   "server URL '%s' has no host name", url);
	size_t ref_n = n;
	if (n >= scheme + 5 && !strncasecmp(url + n - 4, "/api", 4))
		n -= 4;
	while (n > scheme && url[n - 1] == '/')
		n--;
	*base = strndup(url, n);
	*referer = strndup(url, ref_n);
	if (!*base || !*referer) {
		free(*base);
		free(*referer);
		*base = *referer = NULL;
		return wats__error_oom();
	}
	return 0;
}

int wats__url_escape(wats_buf *b, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	if (wats__buf_grow(b, n * 3) < 0)
		return WATS_ENOMEM;
	char *o = b->ptr + b->len;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~' ||
		    (keep && strchr(keep, *p))) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	b->len = (size_t)(o - b->ptr);
	b->ptr[b->len] = '\0';
	return 0;
}

int wats__url_query(wats_buf *b, const char *const *kv)
{
	int first = 1;
	for (size_t i = 0; kv && kv[i]; i += 2) {
		if (!kv[i + 1])
			continue;
		int rc = wats__buf_putc(b, first ? '?' : '&');
		/* OData keys are literally $filter, $top, ...: keep the '$'. */
		rc = rc ? rc : wats__url_escape(b, kv[i], "$");
		rc = rc ? rc : wats__buf_putc(b, '=');
		rc = rc ? rc : wats__url_escape(b, kv[i + 1], NULL);
		if (rc)
			return rc;
		first = 0;
	}
	return 0;
}
