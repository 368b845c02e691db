#include "convert/convert_internal.h"
int wats__plugin_open(wats_converter **out, const char *path)
{
	(void)out;
	return wats__error(WATS_EUNSUPPORTED, WATS_ERRCLASS_CONVERT, "%s: plugins not yet", path);
}
int wats_converters_load_plugins(size_t *loaded, wats_converters *reg, const char *dir)
{
	(void)reg;
	if (loaded) *loaded = 0;
	return wats__error(WATS_EUNSUPPORTED, WATS_ERRCLASS_CONVERT, "%s: plugins not yet", dir);
}
