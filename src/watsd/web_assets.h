/* The web configurator's files, embedded at build time (web_embed.cmake writes the table). */
#ifndef WATSD_WEB_ASSETS_H
#define WATSD_WEB_ASSETS_H

#include <stddef.h>
#include <string.h>

typedef struct watsd_asset {
	const char *path;          /* "/index.html", "/js/app.js" */
	const char *type;          /* Content-Type */
	const char *etag;          /* "\"<hash of the bytes>\"" */
	const unsigned char *data;
	size_t len;
} watsd_asset;

extern const watsd_asset watsd_assets[];
extern const size_t watsd_asset_count;

/* The asset at path ("/" is "/index.html"), or NULL. */
static inline const watsd_asset *watsd_asset_find(const char *path)
{
	if (!strcmp(path, "/"))
		path = "/index.html";
	for (size_t i = 0; i < watsd_asset_count; i++)
		if (!strcmp(watsd_assets[i].path, path))
			return &watsd_assets[i];
	return NULL;
}

#endif
