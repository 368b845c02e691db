/* wats/report.h - UUT/UUR report model (being written). */
#ifndef WATS_REPORT_H
#define WATS_REPORT_H
#include "common.h"
#endif
