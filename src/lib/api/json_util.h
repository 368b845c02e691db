/* Small json-c helpers for the typed operations (json-c never appears in public headers). */
#ifndef WATS_API_JSON_UTIL_H
#define WATS_API_JSON_UTIL_H

#include <json-c/json.h>

#include "wats/client.h"

/* Parse a response body; WATS_EPARSE naming `what` when it is not JSON. */
int wats__json_parse(json_object **out, const wats_response *r, const char *what);
/* The member under key (or alt, e.g. the PascalCase spelling), or NULL. */
json_object *wats__jget(json_object *o, const char *key, const char *alt);
/* strdup of a string (numbers as their text) member, NULL when absent or null. */
char *wats__jstr(json_object *o, const char *key, const char *alt);
int wats__jint(json_object *o, const char *key, const char *alt, int dflt);
double wats__jdouble(json_object *o, const char *key, const char *alt);
int wats__jbool(json_object *o, const char *key, const char *alt);
/* Compact text of o (malloc'd), or NULL on ENOMEM. */
char *wats__jtext(json_object *o);
/* Set key to a string (or remove it when value is NULL). Returns 0 or WATS_ENOMEM. */
int wats__jset_str(json_object *o, const char *key, const char *value);
int wats__jset_int(json_object *o, const char *key, int value);
int wats__jset_bool(json_object *o, const char *key, int value);
/* A new object: parsed from base (a model's json) or empty. */
int wats__jbase(json_object **out, const char *base);

#endif
