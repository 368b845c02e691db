/* URLs: base URL normalisation and percent-encoding of path segments and query strings. */
#ifndef WATS_HTTP_URL_H
#define WATS_HTTP_URL_H

#include "util/buf.h"

/*
 * Normalise a base URL: trim blanks, require http:// or https://, drop trailing "/" and then one
 * "/api" suffix ("https://h/api/" -> "https://h"); a path prefix is kept ("https://h/wats").
 * *base and *referer (the URL with only trailing "/" removed, which internal routes send as
 * Referer) are owned by the caller (free()).
 */
int wats__url_normalize(char **base, char **referer, const char *url);

/* Append s percent-encoded: everything but A-Z a-z 0-9 - . _ ~ (and the bytes in keep). */
int wats__url_escape(wats_buf *b, const char *s, const char *keep);

/* Append "?k=v&k=v" from a NULL-terminated key/value array (NULL values are skipped). */
int wats__url_query(wats_buf *b, const char *const *kv);

#endif
