/* Input helpers shared by the report commands: whole files or stdin ("-"), parsed reports. */
#ifndef WATS_CLI_CMD_IO_H
#define WATS_CLI_CMD_IO_H

#include <stddef.h>

#include "wats/report.h"

/* Read a whole file, or stdin when path is "-", into a NUL-terminated buffer (free()).
 * 0, or a libwats error code with the message in wats_error_last(). */
int cli_read_all(char **out, size_t *len, const char *path);

/* Parse path ("-" = stdin) as a report; errors name the file, line and column. */
int cli_load_report(wats_report **out, const char *path);

/* The name to show for path in messages ("<stdin>" for "-"). */
const char *cli_display_name(const char *path);

#endif
