/*
 * wats/wats.h - the umbrella header: include this one and you have the whole public API.
 */
#ifndef WATS_WATS_H
#define WATS_WATS_H

#include "common.h"
#include "errors.h"
#include "version.h"
#include "report.h"
#include "log.h"
#include "client.h"
#include "api.h"
#include "convert.h"
#include "queue.h"

#endif
