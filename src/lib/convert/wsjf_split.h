/* Split JSON text into its top-level objects: one object, an array of objects, or objects one
 * after the other. Used by the WSJF, plugin and command converters. */
#ifndef WATS_CONVERT_WSJF_SPLIT_H
#define WATS_CONVERT_WSJF_SPLIT_H
#include <stddef.h>
#include "convert/convert_internal.h"
typedef int (*wats__json_object_fn)(void *ud, const char *text, size_t len, long line);
int wats__json_split(const char *text, size_t len, wats__json_object_fn fn, void *ud,
		     wats__cctx *c);
#endif
