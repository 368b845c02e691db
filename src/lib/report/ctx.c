#include "report/ctx.h"

#include <string.h>

#include "report/keys_gen.h"

uint8_t wats__ctx_member(uint8_t parent, int key)
{
	switch (parent) {
	case WATS_CTX_REPORT:
		if (key == WATS_K_uut) return WATS_CTX_UUT;
		if (key == WATS_K_uur) return WATS_CTX_UUR;
		if (key == WATS_K_root) return WATS_CTX_STEP;
		break;
	case WATS_CTX_STEP:
		if (key == WATS_K_loop) return WATS_CTX_LOOP;
		if (key == WATS_K_chart) return WATS_CTX_CHART;
		if (key == WATS_K_seqCall) return WATS_CTX_SEQCALL;
		if (key == WATS_K_attachment) return WATS_CTX_BINARY;
		if (key == WATS_K_callExe) return WATS_CTX_CALLEXE;
		if (key == WATS_K_messagePopup) return WATS_CTX_POPUP;
		break;
	case WATS_CTX_LOOP:
		if (key == WATS_K_parent) return WATS_CTX_LOOP;
		break;
	case WATS_CTX_SUBUNIT:
		if (key == WATS_K_root) return WATS_CTX_STEP;
		break;
	default:
		break;
	}
	return WATS_CTX_OTHER;
}

uint8_t wats__ctx_elements(uint8_t parent, int key)
{
	switch (parent) {
	case WATS_CTX_REPORT:
		if (key == WATS_K_subUnits) return WATS_CTX_SUBUNIT;
		if (key == WATS_K_miscInfos) return WATS_CTX_MISC;
		if (key == WATS_K_assets) return WATS_CTX_ASSET;
		if (key == WATS_K_binaryData) return WATS_CTX_BINARY;
		if (key == WATS_K_additionalData) return WATS_CTX_ADDDATA;
		break;
	case WATS_CTX_UUT:
		if (key == WATS_K_referencedByUURs) return WATS_CTX_REFUUR;
		break;
	case WATS_CTX_STEP:
		if (key == WATS_K_steps) return WATS_CTX_STEP;
		if (key == WATS_K_numericMeas || key == WATS_K_booleanMeas || key == WATS_K_stringMeas)
			return WATS_CTX_MEAS;
		if (key == WATS_K_additionalResults) return WATS_CTX_ADDDATA;
		break;
	case WATS_CTX_CHART:
		if (key == WATS_K_series) return WATS_CTX_SERIES;
		break;
	case WATS_CTX_SUBUNIT:
		if (key == WATS_K_failures) return WATS_CTX_FAILURE;
		break;
	case WATS_CTX_ADDDATA:
	case WATS_CTX_PROP:
		if (key == WATS_K_props) return WATS_CTX_PROP;
		break;
	default:
		break;
	}
	return WATS_CTX_OTHER;
}

static const char *ctx_name(uint8_t ctx)
{
	switch (ctx) {
	case WATS_CTX_UUT: return "uut";
	case WATS_CTX_UUR: return "uur";
	case WATS_CTX_LOOP: return "loop";
	default: return "";
	}
}

int wats__ctx_alias(uint8_t ctx, const char *s, size_t len)
{
	if (ctx == WATS_CTX_OTHER)
		return -1;
	const char *name = ctx_name(ctx);
	for (size_t i = 0; i < wats__key_alias_count; i++) {
		const wats_key_alias *a = &wats__key_aliases[i];
		if (strlen(a->alias) != len || memcmp(a->alias, s, len))
			continue;
		if (a->ctx[0] == '*' || !strcmp(a->ctx, name))
			return a->key;
	}
	return -1;
}
