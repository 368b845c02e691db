/* Streaming XML input over expat with the limits every converter needs: no entity
 * declarations (billion laughs), no external entities, element depth, token and attribute
 * size limits, BOM and declared encodings (UTF-8, UTF-16, ISO-8859-1, US-ASCII,
 * windows-1252). Names arrive as "namespace|local" (or "local" without a namespace). */
#ifndef WATS_CONVERT_XMLIN_H
#define WATS_CONVERT_XMLIN_H

#include "convert/convert_internal.h"

typedef struct wats__xml wats__xml;

typedef struct wats__xml_handlers {
	void *ud;
	/** atts: name, value pairs, NULL-terminated. Return 0 or a negative code to stop. */
	int (*start)(wats__xml *x, void *ud, const char *name, const char **atts);
	/** text: the character data since the last start tag (the text of a leaf element). */
	int (*end)(wats__xml *x, void *ud, const char *name, const char *text, size_t len);
} wats__xml_handlers;

/** Parse the whole input of c, calling the handlers. 0 or a negative code (error recorded). */
int wats__xml_parse(wats__cctx *c, const wats__xml_handlers *h);
/** A parse/mapping error at the current position; returns code. */
int wats__xml_error(wats__xml *x, int code, const char *fmt, ...) WATS__PRINTF(3, 4);
/** Current line (1-based). */
long wats__xml_line(const wats__xml *x);
/** Current element depth (the root element is 1). */
int wats__xml_depth(const wats__xml *x);
/** The local part of a "ns|local" name. */
const char *wats__xml_local(const char *name);
/** Whether name is in namespace ns (exact) or, with ns NULL, has no namespace. */
int wats__xml_in_ns(const char *name, const char *ns);
/** Attribute value by local name (any namespace when ns is NULL), or NULL. */
const char *wats__xml_attr(const char **atts, const char *ns, const char *local);

#endif
