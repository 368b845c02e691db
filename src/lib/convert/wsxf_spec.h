/* The WSXF catalogue as data: which XML element/attribute carries which WSJF key, with which
 * value conversion, in which order, and which value the reader supplies when it is absent.
 * The reader (wsxf_read.c) and the writer (wsxf_write.c) both use these tables, and the writer
 * checks every value against the reader's conversion before it trusts an attribute with it. */
#ifndef WATS_CONVERT_WSXF_SPEC_H
#define WATS_CONVERT_WSXF_SPEC_H

#include <stddef.h>

#include "util/buf.h"
#include "wats/report.h"

#define WSXF_NS "http://wats.virinco.com/schemas/WATS/Report/wsxf"
#define WRML_NS "http://wats.virinco.com/schemas/WATS/Report/wrml"
#define CW_NS "urn:cwats:wsxf-ext:1"

typedef enum wsxf_src {
	WS_ATTR,       /* attribute `xml` of the element */
	WS_SUB,        /* attribute of the merged child element `sub` (Report/Process) */
	WS_BODY,       /* the element's own text */
	WS_TEXT,       /* text of child element `xml` */
	WS_OBJ,        /* child element `xml` of kind `kind` is the value (an object) */
	WS_ARR,        /* child elements `xml` of kind `kind` are the array's elements */
	WS_EXT         /* no XML form: only through the extension attributes (ordering) */
} wsxf_src;

typedef enum wsxf_conv {
	WC_STR,        /* string as is */
	WC_STRN,       /* string; "" in XML is null */
	WC_NUM,        /* number text (NaN/Infinity/-Infinity are strings in WSJF) */
	WC_BOOL,       /* true/false */
	WC_STATUS,     /* Passed <-> P ... */
	WC_GROUP,      /* Main <-> M, Setup <-> S, Cleanup <-> C */
	WC_GUID,       /* upper case in XML, lower case in WSJF */
	WC_TYPE        /* UUT <-> T, UUR <-> R */
} wsxf_conv;

typedef enum wsxf_dflt {
	WD_NONE,       /* absent stays absent */
	WD_NULL,       /* absent -> null */
	WD_ARRAY,      /* absent -> [] */
	WD_ARRAY_SEQ   /* absent -> [] on sequence steps */
} wsxf_dflt;

#define WF_PH 0x1      /* reserve the member's position at element start (placeholder) */
#define WF_PH_SEQ 0x2  /* placeholder on sequence steps only */

typedef enum wsxf_kind {
	WK_REPORT, WK_UUT, WK_UUR, WK_MISC, WK_UNIT, WK_FAILURE, WK_ASSET, WK_BINARY, WK_STEP,
	WK_LOOP, WK_SEQCALL, WK_NUMERIC, WK_PASSFAIL, WK_STRING, WK_POPUP, WK_CALLEXE, WK_CHART,
	WK_SERIES, WK_ATTACHMENT, WK_COUNT
} wsxf_kind;

typedef struct wsxf_field {
	const char *json;
	const char *xml;
	unsigned char src, conv, dflt, flags;
	signed char kind;  /* WS_OBJ/WS_ARR: element kind */
	unsigned char xo;  /* writer: order of child elements (0 = attributes) */
} wsxf_field;

typedef struct wsxf_spec {
	const char *element;
	const wsxf_field *fields;
	size_t n;
	const char *const *ignored; /* attributes the reader drops silently (NULL-terminated) */
	const char *sub;            /* merged child element (Process) */
	/* Reader only: other attribute names of a field, as pairs "XmlName", "jsonKey", NULL-
	 * terminated (the .NET API's WRML names of the UUR header, per the reference). */
	const char *const *aliases;
} wsxf_spec;

extern const wsxf_spec wats__wsxf_specs[WK_COUNT];

/** Field of spec for json key, or NULL. */
const wsxf_field *wats__wsxf_field(const wsxf_spec *s, const char *json);

/**
 * Reader conversion of XML text: *kind and the value text into out (number text, string, or
 * "true"/"false"). Returns 1 when the text is a proper value of this conversion, 0 when it is
 * not (the caller keeps it as a string and warns).
 */
int wats__wsxf_from_xml(wats_buf *out, wats_node_kind *kind, int conv, const char *text);
/** Writer conversion of a node: 1 with the XML text in out, 0 when it has no XML form. */
int wats__wsxf_to_xml(wats_buf *out, int conv, const wats_node *value);

#endif
