/* Station identity: the machineName, location and purpose stamped on new reports. */
#ifndef WATS_HTTP_STATION_H
#define WATS_HTTP_STATION_H

typedef struct wats__station {
	char *name;
	char *location;
	char *purpose;
	const char *source; /* "option", "env", "file", "hostname" (static) */
} wats__station;

#define WATS__STATION_FILE_DEFAULT "/etc/wats/station"

/*
 * Resolve each field: explicit option > environment (WATS_STATION, WATS_LOCATION, WATS_PURPOSE)
 * > station file (option, else WATS_STATION_FILE, else /etc/wats/station; a missing file is
 * skipped) > default (host name, "", "Development"). Blank values count as unset. The name is
 * stripped and upper-cased; every field is stripped and at most 100 characters.
 */
int wats__station_resolve(wats__station *out, const char *name, const char *location,
			  const char *purpose, const char *file);

void wats__station_dispose(wats__station *s);

#endif
