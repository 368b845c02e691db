/* Node helpers over the public node API: JSON text of a subtree, deep copy between reports. */
#ifndef WATS_CONVERT_NODEUTIL_H
#define WATS_CONVERT_NODEUTIL_H

#include "util/buf.h"
#include "wats/report.h"

/** Append the JSON text of node (compact; number source text kept). */
int wats__node_json(wats_buf *b, const wats_node *node);
/** Append a JSON string literal (escapes control characters). */
int wats__json_string(wats_buf *b, const char *s, size_t len);
/** The text of a number node: its source text whatever its length (a fixed buffer cut long
 * ones into invalid JSON), or a double written into buf (32 bytes are enough); NULL when
 * node is not a number. */
const char *wats__node_num_text(const wats_node *node, char *buf, size_t size);
/** Copy src (from any report) as member key of / element of container in dst. */
int wats__node_copy(wats_report *dst, wats_node *container, const char *key, const wats_node *src);

#endif
