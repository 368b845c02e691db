/* The generated route table (routes_table.c) and helpers of the api layer. */
#ifndef WATS_API_ROUTES_H
#define WATS_API_ROUTES_H

#include "wats/api.h"

extern const wats_route wats__routes[];
extern const size_t wats__route_count;

#endif
