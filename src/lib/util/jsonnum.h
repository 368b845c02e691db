/* The JSON number grammar, for text that is to be written out as a number verbatim. */
#ifndef WATS_UTIL_JSONNUM_H
#define WATS_UTIL_JSONNUM_H

/** Whether s is exactly a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
int wats__json_number_valid(const char *s);

#endif
