/*
 * Talk to a running wats-devserver's control routes (/_dev/...) through a libwats client:
 * inject faults, clear them, read its counters. The client should point at the dev server
 * (tu_devserver_url / tu_devserver_token from devserver.h). Any failure fails the test.
 */
#ifndef WATS_TEST_DEVCONTROL_H
#define WATS_TEST_DEVCONTROL_H

#include "wats/wats.h"

/** One request, never retried or cached; returns the body (free()). */
char *tu_dev_request(wats_client *c, const char *method, const char *path, const char *body);
/** POST /_dev/faults with a JSON fault description (see docs/devserver.md). */
void tu_dev_faults(wats_client *c, const char *json);
/** DELETE /_dev/faults. */
void tu_dev_clear_faults(wats_client *c);
/** A top-level number of GET /_dev/stats ("reportsInDatabase", ...); -1 when absent. */
long tu_dev_stat(wats_client *c, const char *key);

#endif
