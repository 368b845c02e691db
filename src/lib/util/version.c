/* Run-time version query and the library-wide free. */
#include "wats/version.h"

#include <stdlib.h>

void wats_free(void *ptr)
{
	free(ptr);
}

const char *wats_version(void)
{
	return WATS_VERSION;
}

int wats_version_number(void)
{
	return WATS_VERSION_NUMBER;
}
