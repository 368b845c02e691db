/* Comparison operators: names, limits they use, and pass/fail as the WATS server computes it. */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "wats/report.h"

static const char *const names[] = {
	"LOG", "EQ", "NE", "GT", "GE", "LT", "LE", "GTLT", "GTLE", "GELT", "GELE", "LTGT", "LTGE",
	"LEGT", "LEGE", "EQT", "CASESENSIT", "IGNORECASE",
};
#define NOPS ((int)(sizeof(names) / sizeof(names[0])))

wats_compop wats_compop_parse(const char *text)
{
	if (!text)
		return WATS_COMP_UNKNOWN;
	for (int i = 0; i < NOPS; i++)
		if (!strcasecmp(text, names[i]))
			return (wats_compop)i;
	return WATS_COMP_UNKNOWN;
}

const char *wats_compop_name(wats_compop op)
{
	return op >= 0 && (int)op < NOPS ? names[op] : NULL;
}

int wats_compop_limits(wats_compop op)
{
	switch (op) {
	case WATS_COMP_LOG:
		return 0;
	case WATS_COMP_EQ: case WATS_COMP_NE: case WATS_COMP_GT: case WATS_COMP_GE:
	case WATS_COMP_LT: case WATS_COMP_LE: case WATS_COMP_EQT: case WATS_COMP_CASESENSIT:
	case WATS_COMP_IGNORECASE:
		return 1;
	case WATS_COMP_UNKNOWN:
		return -1;
	default:
		return 2;
	}
}

/* Single-limit operators compare against lowLimit (also LT and LE), as the server does:
 * checked on all 108 numeric measurements of a real export. NaN compares false throughout. */
wats_status wats_compop_eval(wats_compop op, double v, double lo, double hi)
{
	int pass;
	switch (op) {
	case WATS_COMP_EQ: pass = v == lo; break;
	case WATS_COMP_NE: pass = v != lo; break;
	case WATS_COMP_GT: pass = v > lo; break;
	case WATS_COMP_GE: pass = v >= lo; break;
	case WATS_COMP_LT: pass = v < lo; break;
	case WATS_COMP_LE: pass = v <= lo; break;
	case WATS_COMP_GTLT: pass = lo < v && v < hi; break;
	case WATS_COMP_GTLE: pass = lo < v && v <= hi; break;
	case WATS_COMP_GELT: pass = lo <= v && v < hi; break;
	case WATS_COMP_GELE: pass = lo <= v && v <= hi; break;
	case WATS_COMP_LTGT: pass = v < lo || v > hi; break;
	case WATS_COMP_LTGE: pass = v < lo || v >= hi; break;
	case WATS_COMP_LEGT: pass = v <= lo || v > hi; break;
	case WATS_COMP_LEGE: pass = v <= lo || v >= hi; break;
	default: pass = 1; break; /* LOG, EQT (tolerance unknown), string operators */
	}
	return pass ? WATS_STATUS_PASSED : WATS_STATUS_FAILED;
}

static int ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);
		if (ca != cb || !ca)
			return ca - cb;
	}
}

wats_status wats_compop_eval_string(wats_compop op, const char *value, const char *limit)
{
	if (!value || !limit || op == WATS_COMP_LOG)
		return WATS_STATUS_PASSED;
	switch (op) {
	case WATS_COMP_EQ:
	case WATS_COMP_CASESENSIT:
		return strcmp(value, limit) ? WATS_STATUS_FAILED : WATS_STATUS_PASSED;
	case WATS_COMP_NE:
		return strcmp(value, limit) ? WATS_STATUS_PASSED : WATS_STATUS_FAILED;
	case WATS_COMP_IGNORECASE:
		return ascii_casecmp(value, limit) ? WATS_STATUS_FAILED : WATS_STATUS_PASSED;
	default:
		return WATS_STATUS_ERROR;
	}
}
