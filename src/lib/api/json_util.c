#include "api/json_util.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

int wats__json_parse(json_object **out, const wats_response *r, const char *what)
{
	json_tokener *tok = json_tokener_new_ex(256);
	if (!tok)
		return wats__error_oom();
	json_object *j = json_tokener_parse_ex(tok, r->body, (int)r->body_len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (!j && e != json_tokener_success)
		return wats__error(WATS_EPARSE, WATS_ERRCLASS_JSON,
				   "%s: the server's answer is not JSON (%s): %.80s", what,
				   json_tokener_error_desc(e), r->body);
	*out = j;
	return 0;
}

json_object *wats__jget(json_object *o, const char *key, const char *alt)
{
	json_object *v = NULL;
	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	if (json_object_object_get_ex(o, key, &v) && v)
		return v;
	if (alt && json_object_object_get_ex(o, alt, &v) && v)
		return v;
	return NULL;
}

char *wats__jstr(json_object *o, const char *key, const char *alt)
{
	json_object *v = wats__jget(o, key, alt);
	if (!v || json_object_is_type(v, json_type_null))
		return NULL;
	return strdup(json_object_get_string(v));
}

int wats__jint(json_object *o, const char *key, const char *alt, int dflt)
{
	json_object *v = wats__jget(o, key, alt);
	return v && !json_object_is_type(v, json_type_null) ? json_object_get_int(v) : dflt;
}

double wats__jdouble(json_object *o, const char *key, const char *alt)
{
	json_object *v = wats__jget(o, key, alt);
	return v ? json_object_get_double(v) : 0.0;
}

int wats__jbool(json_object *o, const char *key, const char *alt)
{
	json_object *v = wats__jget(o, key, alt);
	return v ? json_object_get_boolean(v) : 0;
}

char *wats__jtext(json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return s ? strdup(s) : NULL;
}

int wats__jset_str(json_object *o, const char *key, const char *value)
{
	if (!value) {
		json_object_object_del(o, key);
		return 0;
	}
	json_object *v = json_object_new_string(value);
	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return wats__error_oom();
	}
	return 0;
}

int wats__jset_int(json_object *o, const char *key, int value)
{
	json_object *v = json_object_new_int(value);
	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return wats__error_oom();
	}
	return 0;
}

int wats__jset_bool(json_object *o, const char *key, int value)
{
	json_object *v = json_object_new_boolean(value ? 1 : 0);
	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return wats__error_oom();
	}
	return 0;
}

int wats__jbase(json_object **out, const char *base)
{
	*out = base ? json_tokener_parse(base) : json_object_new_object();
	if (*out && !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "model json is not a JSON object");
	}
	if (!*out)
		return base ? wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "model json does not parse")
			    : wats__error_oom();
	return 0;
}
