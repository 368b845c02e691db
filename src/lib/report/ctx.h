/*
 * Object contexts: which kind of WSJF object a JSON object is, from where it sits
 * (root -> step, step.numericMeas[] -> measurement, ...). The parser uses them to apply
 * pyWATS's input aliases only where the model knows the object, the validator to know which
 * rules apply.
 */
#ifndef WATS_REPORT_CTX_H
#define WATS_REPORT_CTX_H

#include <stddef.h>
#include <stdint.h>

enum wats_ctx {
	WATS_CTX_OTHER = 0, /* not a model object: kept verbatim, no aliases */
	WATS_CTX_REPORT,
	WATS_CTX_UUT,
	WATS_CTX_UUR,
	WATS_CTX_STEP,
	WATS_CTX_MEAS,
	WATS_CTX_LOOP,
	WATS_CTX_CHART,
	WATS_CTX_SERIES,
	WATS_CTX_SEQCALL,
	WATS_CTX_SUBUNIT,
	WATS_CTX_FAILURE,
	WATS_CTX_MISC,
	WATS_CTX_ASSET,
	WATS_CTX_BINARY,
	WATS_CTX_ADDDATA,
	WATS_CTX_PROP,
	WATS_CTX_CALLEXE,
	WATS_CTX_POPUP,
	WATS_CTX_REFUUR
};

/** Context of the object that is member `key` of an object in context `parent`. */
uint8_t wats__ctx_member(uint8_t parent, int key);
/** Context of the objects that are elements of array member `key` of `parent`. */
uint8_t wats__ctx_elements(uint8_t parent, int key);
/** Known key id for an alias in this context, or -1. */
int wats__ctx_alias(uint8_t ctx, const char *s, size_t len);

#endif
