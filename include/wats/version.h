/*
 * wats/version.h - library version, at compile time and at run time.
 */
#ifndef WATS_VERSION_H
#define WATS_VERSION_H

#include "common.h"

#define WATS_VERSION_MAJOR 0
#define WATS_VERSION_MINOR 1
#define WATS_VERSION_PATCH 0
#define WATS_VERSION "0.1.0"

/** Packed version number: 0xMMmmpp. */
#define WATS_VERSION_NUMBER \
	((WATS_VERSION_MAJOR << 16) | (WATS_VERSION_MINOR << 8) | WATS_VERSION_PATCH)

/** True when the headers are at least version maj.min.patch. */
#define WATS_VERSION_CHECK(maj, min, patch) \
	(WATS_VERSION_NUMBER >= (((maj) << 16) | ((min) << 8) | (patch)))

WATS_BEGIN_DECL

/**
 * The version of the library actually linked, as "MAJOR.MINOR.PATCH".
 * Returns a static string; do not free. Compare with WATS_VERSION to detect header/library skew.
 */
WATS_EXTERN(const char *) wats_version(void);

/** The packed version number of the linked library (see WATS_VERSION_NUMBER). */
WATS_EXTERN(int) wats_version_number(void);

WATS_END_DECL
#endif
