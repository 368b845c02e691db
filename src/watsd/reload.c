/* Config reload (SIGHUP, control "reload", web configurator). Placeholder until the reload
 * work lands: validates the file and reports that every change needs a restart. */
#include <stdio.h>
#include <string.h>

#include "watsd.h"

int watsd_reload(watsd *d, char *err, size_t errlen, char *restart, size_t restart_size)
{
	watsd_config fresh;
	if (watsd_config_load(&fresh, d->cfg->file, err, errlen) != 0)
		return -1;
	watsd_config_free(&fresh);
	if (restart && restart_size)
		snprintf(restart, restart_size, "*");
	return 0;
}
