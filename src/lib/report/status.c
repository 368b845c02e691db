/* Status letters, their words and aliases, severity for propagation. */
#include <string.h>
#include <strings.h>

#include "report/report_internal.h"

typedef struct status_word {
	const char *word;
	wats_status status;
} status_word;

/* Letters, WSXF words and the aliases pyWATS accepts on input. */
static const status_word words[] = {
	{ "P", WATS_STATUS_PASSED }, { "Passed", WATS_STATUS_PASSED }, { "pass", WATS_STATUS_PASSED },
	{ "ok", WATS_STATUS_PASSED }, { "success", WATS_STATUS_PASSED },
	{ "successful", WATS_STATUS_PASSED },
	{ "F", WATS_STATUS_FAILED }, { "Failed", WATS_STATUS_FAILED }, { "fail", WATS_STATUS_FAILED },
	{ "failure", WATS_STATUS_FAILED }, { "ng", WATS_STATUS_FAILED },
	{ "S", WATS_STATUS_SKIPPED }, { "Skipped", WATS_STATUS_SKIPPED }, { "skip", WATS_STATUS_SKIPPED },
	{ "D", WATS_STATUS_DONE }, { "Done", WATS_STATUS_DONE }, { "complete", WATS_STATUS_DONE },
	{ "completed", WATS_STATUS_DONE },
	{ "E", WATS_STATUS_ERROR }, { "Error", WATS_STATUS_ERROR }, { "err", WATS_STATUS_ERROR },
	{ "T", WATS_STATUS_TERMINATED }, { "Terminated", WATS_STATUS_TERMINATED },
	{ "term", WATS_STATUS_TERMINATED }, { "abort", WATS_STATUS_TERMINATED },
	{ "aborted", WATS_STATUS_TERMINATED },
};

wats_status wats_status_parse(const char *text)
{
	if (!text)
		return WATS_STATUS_NONE;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(text, words[i].word))
			return words[i].status;
	return WATS_STATUS_NONE;
}

const char *wats_status_word(wats_status status)
{
	switch (status) {
	case WATS_STATUS_PASSED: return "Passed";
	case WATS_STATUS_FAILED: return "Failed";
	case WATS_STATUS_SKIPPED: return "Skipped";
	case WATS_STATUS_DONE: return "Done";
	case WATS_STATUS_ERROR: return "Error";
	case WATS_STATUS_TERMINATED: return "Terminated";
	default: return "";
	}
}

const char *wats__status_letter(wats_status s)
{
	switch (s) {
	case WATS_STATUS_PASSED: return "P";
	case WATS_STATUS_FAILED: return "F";
	case WATS_STATUS_SKIPPED: return "S";
	case WATS_STATUS_DONE: return "D";
	case WATS_STATUS_ERROR: return "E";
	case WATS_STATUS_TERMINATED: return "T";
	default: return NULL;
	}
}

int wats__status_severity(wats_status s)
{
	switch (s) {
	case WATS_STATUS_FAILED: return 1;
	case WATS_STATUS_ERROR: return 2;
	case WATS_STATUS_TERMINATED: return 3;
	default: return 0;
	}
}

wats_status wats__node_status(const wats_node *obj)
{
	const char *s = wats__obj_str(obj, WATS_K_status);
	if (!s || !s[0] || s[1])
		return WATS_STATUS_NONE;
	return wats_status_parse(s);
}
