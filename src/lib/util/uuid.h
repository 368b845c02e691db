/* GUIDs as WATS uses them for report ids. */
#ifndef WATS_UTIL_UUID_H
#define WATS_UTIL_UUID_H

/** A random (version 4) GUID, lower case, 8-4-4-4-12. out must hold 37 bytes. 0 or -1. */
int wats__uuid_v4(char out[37]);

/**
 * Whether s is a GUID in a form WATS accepts: 32 hex digits, hyphenated 8-4-4-4-12 or not,
 * optionally in braces or after "urn:uuid:", either case. With canon (may be NULL, 37 bytes)
 * it also writes the canonical lower-case hyphenated form.
 */
int wats__uuid_valid(const char *s, char *canon);

#endif
