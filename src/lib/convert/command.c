#include "convert/convert_internal.h"
int wats__command_new(wats_converter **out, const wats_command_options *opts)
{
	(void)out, (void)opts;
	return wats__error(WATS_EUNSUPPORTED, WATS_ERRCLASS_CONVERT, "commands not yet");
}
