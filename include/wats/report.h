/*
 * wats/report.h - WATS test (UUT) and repair (UUR) reports: build, read, write, validate.
 *
 * A wats_report is the WSJF document itself, kept losslessly: parse a server export and write
 * it back and you get the same document (same keys in the same order, the same number text,
 * null distinct from absent, unknown keys kept). On top of that tree sit typed functions for
 * the header, the step tree, measurements, comparison operators and status rules.
 *
 * Handles:
 *  - wats_report  owns everything; free it with wats_report_free().
 *  - wats_step, wats_meas, wats_node are borrowed pointers into a report: valid until the report
 *    is freed or the value holding them is replaced or removed. Never free them.
 *
 * Memory replaced by a setter stays in the report's arena until the report is freed, so a
 * report that is rewritten in a loop grows; build a new report instead.
 *
 * Thread safety: a report may be read from several threads at once; writes need exclusive use.
 */
#ifndef WATS_REPORT_H
#define WATS_REPORT_H

#include <time.h>

#include "common.h"
#include "errors.h"

WATS_BEGIN_DECL

typedef struct wats_report wats_report;
typedef struct wats_node wats_node;
typedef struct wats_node wats_step; /* a step object inside a report */
typedef struct wats_node wats_meas; /* a measurement object inside a step */

/* ------------------------------------------------------------------------------------------ */
/* Codes                                                                                      */

typedef enum wats_report_type {
	WATS_REPORT_UUT = 'T', /**< test report ("type":"T") */
	WATS_REPORT_UUR = 'R'  /**< repair report ("type":"R") */
} wats_report_type;

/** Step, measurement and report status: the WSJF letters. */
typedef enum wats_status {
	WATS_STATUS_NONE = 0,       /**< absent or not a known status */
	WATS_STATUS_PASSED = 'P',
	WATS_STATUS_FAILED = 'F',
	WATS_STATUS_SKIPPED = 'S',  /**< not valid as a report result */
	WATS_STATUS_DONE = 'D',
	WATS_STATUS_ERROR = 'E',
	WATS_STATUS_TERMINATED = 'T'
} wats_status;

/** Comparison operators (compOp). */
typedef enum wats_compop {
	WATS_COMP_LOG = 0, WATS_COMP_EQ, WATS_COMP_NE, WATS_COMP_GT, WATS_COMP_GE, WATS_COMP_LT,
	WATS_COMP_LE, WATS_COMP_GTLT, WATS_COMP_GTLE, WATS_COMP_GELT, WATS_COMP_GELE, WATS_COMP_LTGT,
	WATS_COMP_LTGE, WATS_COMP_LEGT, WATS_COMP_LEGE, WATS_COMP_EQT, WATS_COMP_CASESENSIT,
	WATS_COMP_IGNORECASE,
	WATS_COMP_UNKNOWN = -1
} wats_compop;

/** What a step is, from its stepType (several spellings map onto one kind). */
typedef enum wats_step_kind {
	WATS_STEP_SEQUENCE = 0,     /**< SequenceCall, WATS_SeqCall */
	WATS_STEP_NUMERIC,          /**< ET_NLT, NumericLimitTest */
	WATS_STEP_MULTI_NUMERIC,    /**< ET_MNLT, MultiNumericLimitTest, WATS_XYGMNLT */
	WATS_STEP_PASSFAIL,         /**< ET_PFT, PassFailTest */
	WATS_STEP_MULTI_PASSFAIL,   /**< ET_MPFT, MultiBooleanTest */
	WATS_STEP_STRING,           /**< ET_SVT, StringValueTest */
	WATS_STEP_MULTI_STRING,     /**< ET_MSVT, MultiStringTest */
	WATS_STEP_ACTION,           /**< Action, ET_A */
	WATS_STEP_GENERIC,          /**< NI_* flow/sync/IVI steps, Goto, Label, Statement, GT, ... */
	WATS_STEP_CHART,            /**< Chart */
	WATS_STEP_CALL_EXE,         /**< CallExecutable (payload "callExe") */
	WATS_STEP_MESSAGE_POPUP,    /**< MessagePopup (payload "messagePopup") */
	WATS_STEP_UNKNOWN           /**< anything else: kept verbatim */
} wats_step_kind;

/**
 * Import mode (default): statuses are exactly what the caller sets.
 * Active mode: adding a measurement without an explicit status evaluates it against its limits;
 * a failure fails its step, the step's parent sequences up to the root and the report result,
 * as the official .NET API does. A status set explicitly (wats_step_set_status,
 * wats_report_set_result) always wins and stops propagation there.
 */
typedef enum wats_report_mode {
	WATS_MODE_IMPORT = 0,
	WATS_MODE_ACTIVE = 1
} wats_report_mode;

/** JSON value kinds of the generic node API. */
typedef enum wats_node_kind {
	WATS_NODE_NULL = 0, WATS_NODE_BOOL, WATS_NODE_NUMBER, WATS_NODE_STRING, WATS_NODE_OBJECT,
	WATS_NODE_ARRAY
} wats_node_kind;

/* ------------------------------------------------------------------------------------------ */
/* Create, parse, write                                                                       */

/**
 * A new empty report of `type` with a fresh random id, type letter, result "P", start = now
 * (local time with its UTC offset), empty subUnits/miscInfos and, for a UUT, a root sequence
 * named "MainSequence Callback"; for a UUR, a "uur" block. Free with wats_report_free().
 */
WATS_EXTERN(int) wats_report_new(wats_report **out, wats_report_type type);

/** Free a report and every step, measurement and node in it. NULL is a no-op. */
WATS_EXTERN(void) wats_report_free(wats_report *report);

#define WATS_PARSE_OPTIONS_VERSION 1
#define WATS_PARSE_MAX_DEPTH 120 /* nesting limit (objects + arrays); the writer's is 127 */

typedef struct wats_parse_options {
	unsigned int version;  /**< WATS_PARSE_OPTIONS_VERSION */
	const char *filename;  /**< used in error messages; may be NULL */
	int max_depth;         /**< 0 = WATS_PARSE_MAX_DEPTH; at most 127 */
	unsigned int flags;    /**< WATS_PARSE_* flags */
} wats_parse_options;

#define WATS_PARSE_OPTIONS_INIT { WATS_PARSE_OPTIONS_VERSION, NULL, 0, 0 }
/** Keep input keys exactly as written (do not map pyWATS aliases such as "process_code"). */
#define WATS_PARSE_KEEP_ALIASES 0x1

/**
 * Parse WSJF text (UTF-8; a leading BOM is skipped). The top level must be a JSON object
 * (anything else is WATS_EPARSE); whatever it holds is accepted and kept, known or not (use
 * wats_report_validate for the rules).
 * pyWATS input aliases are mapped to the WSJF keys in place; status words such as "Passed"
 * become their letters. opts may be NULL.
 * Errors: WATS_EPARSE with line and column in wats_error_last(), WATS_ELIMIT for nesting
 * deeper than max_depth, WATS_ENOMEM.
 */
WATS_EXTERN(int) wats_report_parse(wats_report **out, const char *json, size_t len,
				   const wats_parse_options *opts);

/** Read and parse a file (see wats_report_parse); errors name the file. */
WATS_EXTERN(int) wats_report_read_file(wats_report **out, const char *path,
				       const wats_parse_options *opts);

#define WATS_WRITE_PRETTY 0x1 /* indent with two spaces, one member per line */

/**
 * Write the report as WSJF. *out receives a NUL-terminated buffer the caller frees with
 * wats_free(); *len (may be NULL) its length without the NUL. Compact by default, which
 * reproduces a compact server export byte for byte.
 */
WATS_EXTERN(int) wats_report_write(char **out, size_t *len, const wats_report *report,
				   unsigned int flags);

/** Write the report as WSJF to a file, atomically (temporary file, fsync, rename). */
WATS_EXTERN(int) wats_report_write_file(const wats_report *report, const char *path,
					unsigned int flags);

/** Bytes of memory the report holds (its arena), for accounting. */
WATS_EXTERN(size_t) wats_report_memory(const wats_report *report);

/* ------------------------------------------------------------------------------------------ */
/* Header                                                                                     */

WATS_EXTERN(wats_report_type) wats_report_get_type(const wats_report *report);
WATS_EXTERN(wats_report_mode) wats_report_get_mode(const wats_report *report);
WATS_EXTERN(void) wats_report_set_mode(wats_report *report, wats_report_mode mode);

/**
 * Header strings. Getters return a pointer into the report (borrowed) or NULL when the field
 * is absent or not a string. Setters copy; NULL stores JSON null.
 */
WATS_EXTERN(const char *) wats_report_id(const wats_report *report);
WATS_EXTERN(int) wats_report_set_id(wats_report *report, const char *guid);
WATS_EXTERN(const char *) wats_report_pn(const wats_report *report);
WATS_EXTERN(int) wats_report_set_pn(wats_report *report, const char *part_number);
WATS_EXTERN(const char *) wats_report_sn(const wats_report *report);
WATS_EXTERN(int) wats_report_set_sn(wats_report *report, const char *serial_number);
WATS_EXTERN(const char *) wats_report_rev(const wats_report *report);
WATS_EXTERN(int) wats_report_set_rev(wats_report *report, const char *revision);
WATS_EXTERN(const char *) wats_report_machine_name(const wats_report *report);
WATS_EXTERN(int) wats_report_set_machine_name(wats_report *report, const char *station);
WATS_EXTERN(const char *) wats_report_location(const wats_report *report);
WATS_EXTERN(int) wats_report_set_location(wats_report *report, const char *location);
WATS_EXTERN(const char *) wats_report_purpose(const wats_report *report);
WATS_EXTERN(int) wats_report_set_purpose(wats_report *report, const char *purpose);
/** The start time text as stored (e.g. "2026-01-30T10:49:36.919+00:00"). */
WATS_EXTERN(const char *) wats_report_start(const wats_report *report);

/** processCode: 0 and *code set, or WATS_ENOTFOUND when absent / not an integer. */
WATS_EXTERN(int) wats_report_process_code(int *code, const wats_report *report);
WATS_EXTERN(int) wats_report_set_process_code(wats_report *report, int code);

/** Report result letter (WATS_STATUS_NONE when absent or unknown). */
WATS_EXTERN(wats_status) wats_report_result(const wats_report *report);
/** Set the result explicitly (P F D E T); active-mode propagation no longer changes it. */
WATS_EXTERN(int) wats_report_set_result(wats_report *report, wats_status result);

/**
 * Set "start" from a Unix time with milliseconds and a UTC offset in minutes, written as
 * YYYY-MM-DDTHH:MM:SS.mmm+HH:MM (the offset keeps the station's local time, which WATS shows).
 */
WATS_EXTERN(int) wats_report_set_start(wats_report *report, time_t seconds, int millis,
				       int utc_offset_minutes);
/** Set "start" from ISO 8601 text with an offset or Z; WATS_EINVAL if it does not parse. */
WATS_EXTERN(int) wats_report_set_start_text(wats_report *report, const char *iso8601);
/**
 * Parse "start": seconds since the epoch (UTC), fraction in nanoseconds and the offset in
 * minutes. WATS_ENOTFOUND if absent, WATS_EPARSE if malformed.
 */
WATS_EXTERN(int) wats_report_start_time(time_t *seconds, long *nanos, int *utc_offset_minutes,
					const wats_report *report);

/** The operator: uut.user or uur.user. */
WATS_EXTERN(const char *) wats_report_operator(const wats_report *report);
WATS_EXTERN(int) wats_report_set_operator(wats_report *report, const char *user);

/**
 * The "uut" object of a UUT or the "uur" object of a UUR, created (empty but for "user") when
 * missing. Borrowed; use the wats_node_*
 * setters for its fields (comment, execTime, fixtureId, testSocketIndex, batchSN, errorCode,
 * refUUT, confirmDate, ...). NULL on OOM.
 */
WATS_EXTERN(wats_node *) wats_report_info(wats_report *report);

/** Append a misc info {description, text}. */
WATS_EXTERN(int) wats_report_add_misc_info(wats_node **out, wats_report *report,
					   const char *description, const char *text);

/**
 * Append a sub unit {pn, sn, rev, partType}. For a UUR the unit also gets idx = highest + 1
 * (the main unit is idx 0). out (may be NULL) receives the sub unit object.
 */
WATS_EXTERN(int) wats_report_add_sub_unit(wats_node **out, wats_report *report, const char *pn,
					  const char *sn, const char *rev, const char *part_type);

/** Append an asset {sn, assetType, usageCount when >= 0}. */
WATS_EXTERN(int) wats_report_add_asset(wats_node **out, wats_report *report, const char *sn,
				       const char *asset_type, long usage_count);

/** Append binary data {contentType, data (base64 of the bytes), name} at report level. */
WATS_EXTERN(int) wats_report_add_binary(wats_node **out, wats_report *report, const char *name,
					const char *content_type, const void *data, size_t len);

/** Append an additionalData entry {name, props: []}; add props with wats_node_* functions. */
WATS_EXTERN(int) wats_report_add_additional_data(wats_node **out, wats_report *report,
						 const char *name);

/**
 * UUR: append a failure to the sub unit with idx `unit_idx` (0 = main unit, created from the
 * header when missing). WATS_ENOTFOUND when no such unit.
 */
WATS_EXTERN(int) wats_uur_add_failure(wats_node **out, wats_report *report, int unit_idx,
				      const char *category, const char *code);

/* ------------------------------------------------------------------------------------------ */
/* Steps                                                                                      */

/** The root sequence of a UUT (NULL for a UUR or when absent). Borrowed. */
WATS_EXTERN(wats_step *) wats_report_root(wats_report *report);

/**
 * Append a step of `kind` named `name` to the children ("steps") of `parent`, with the default
 * stepType of that kind (SequenceCall, ET_NLT, ET_MNLT, ET_PFT, ET_MPFT, ET_SVT, ET_MSVT,
 * Action, GT, Chart, CallExecutable, MessagePopup), group "M" and status "P" ("D" for
 * action and generic steps). A sequence gets seqCall and an empty steps array. out may be NULL.
 */
WATS_EXTERN(int) wats_step_add(wats_step **out, wats_step *parent, wats_step_kind kind,
			       const char *name);

/** Append a step with any stepType text (e.g. "NI_Wait", "ET_A", a vendor type). */
WATS_EXTERN(int) wats_step_add_typed(wats_step **out, wats_step *parent, const char *step_type,
				     const char *name);

WATS_EXTERN(wats_step_kind) wats_step_kind_of(const wats_step *step);
WATS_EXTERN(wats_step_kind) wats_step_kind_from_type(const char *step_type);
WATS_EXTERN(const char *) wats_step_type(const wats_step *step);
WATS_EXTERN(const char *) wats_step_name(const wats_step *step);
WATS_EXTERN(wats_status) wats_step_status(const wats_step *step);
/** The parent step (NULL for the root). */
WATS_EXTERN(wats_step *) wats_step_parent(const wats_step *step);
/** First child step / next sibling step (NULL at the end). */
WATS_EXTERN(wats_step *) wats_step_first_child(const wats_step *step);
WATS_EXTERN(wats_step *) wats_step_next(const wats_step *step);
WATS_EXTERN(size_t) wats_step_child_count(const wats_step *step);

/** Set the status explicitly; in active mode a failure also fails the parents (unless stopped). */
WATS_EXTERN(int) wats_step_set_status(wats_step *step, wats_status status);
/** Step group: 'S' setup, 'M' main, 'C' cleanup. */
WATS_EXTERN(int) wats_step_set_group(wats_step *step, char group);
/** Whether a failure of this step fails its parent sequence in active mode (default yes). */
WATS_EXTERN(void) wats_step_set_fail_parent(wats_step *step, int fail_parent);
WATS_EXTERN(int) wats_step_set_id(wats_step *step, long id);
WATS_EXTERN(int) wats_step_set_tot_time(wats_step *step, double seconds);
WATS_EXTERN(int) wats_step_set_start_text(wats_step *step, const char *timestamp);
WATS_EXTERN(int) wats_step_set_report_text(wats_step *step, const char *text);
WATS_EXTERN(int) wats_step_set_error(wats_step *step, long error_code, const char *message);
/** Set seqCall {path, name, version} on a sequence step. */
WATS_EXTERN(int) wats_step_set_seq_call(wats_step *step, const char *path, const char *name,
					const char *version);
/**
 * Loop bookkeeping: a summary record (index < 0: num, endingIndex, passed, failed) or an
 * iteration record (index >= 0: idx only). Counters < 0 are left out.
 */
WATS_EXTERN(int) wats_step_set_loop(wats_step *step, long index, long num, long passed,
				    long failed);
/** Attach a file to the step ("attachment": name, contentType, base64 data). */
WATS_EXTERN(int) wats_step_set_attachment(wats_step *step, const char *name,
					  const char *content_type, const void *data, size_t len);
/** CallExecutable payload: callExe.exitCode. */
WATS_EXTERN(int) wats_step_set_call_exe(wats_step *step, double exit_code);
/** MessagePopup payload: messagePopup {response, button}. */
WATS_EXTERN(int) wats_step_set_message_popup(wats_step *step, const char *response, long button);
/** Append an additionalResults entry {name, props: []}. */
WATS_EXTERN(int) wats_step_add_additional_result(wats_node **out, wats_step *step,
						 const char *name);

/** Chart types. */
typedef enum wats_chart_type {
	WATS_CHART_LINE = 0, WATS_CHART_LINE_LOG_XY, WATS_CHART_LINE_LOG_X, WATS_CHART_LINE_LOG_Y
} wats_chart_type;

/** Set the step's chart (any step may carry one; the Chart step exists for it). */
WATS_EXTERN(int) wats_step_set_chart(wats_step *step, wats_chart_type type, const char *label,
				     const char *x_label, const char *x_unit, const char *y_label,
				     const char *y_unit);
/** Append a series (x may be NULL: the server numbers the points); n points. */
WATS_EXTERN(int) wats_step_add_chart_series(wats_step *step, const char *name, const double *x,
					    const double *y, size_t n);

/** Number of steps in the subtree under step, step included. */
WATS_EXTERN(size_t) wats_step_count(const wats_step *step);

/* ------------------------------------------------------------------------------------------ */
/* Measurements                                                                               */

/**
 * Add a numeric measurement to a numeric step. Single steps (ET_NLT) take one unnamed
 * measurement (name NULL); multiple steps (ET_MNLT) take named ones, names unique in the step.
 * The limits written follow the operator: none for LOG, lowLimit only for single-limit operators
 * (EQ NE GT GE LT LE EQT), both for range operators. In active mode the status is evaluated.
 * unit may be NULL.
 */
WATS_EXTERN(int) wats_step_add_numeric(wats_meas **out, wats_step *step, const char *name,
				       double value, wats_compop op, double low, double high,
				       const char *unit);
/**
 * The same, with the value and limits as text kept verbatim, for converters that must not
 * round a source's numbers through a double: each of value, low and high is a JSON number
 * ("4.55E-05"), "NaN", "Infinity" or "-Infinity" (stored as strings, as WATS does), or NULL
 * (value: null; limits: left out). Limits are written as the operator needs them (see above).
 * WATS_EINVAL names the text that is not a number.
 */
WATS_EXTERN(int) wats_step_add_numeric_text(wats_meas **out, wats_step *step, const char *name,
					    const char *value, wats_compop op, const char *low,
					    const char *high, const char *unit);
/** Add a pass/fail measurement (name NULL for a single step); status from `passed`. */
WATS_EXTERN(int) wats_step_add_passfail(wats_meas **out, wats_step *step, const char *name,
					int passed);
/** Add a string measurement {value, compOp, limit}; limit may be NULL (LOG). */
WATS_EXTERN(int) wats_step_add_string(wats_meas **out, wats_step *step, const char *name,
				      const char *value, wats_compop op, const char *limit);

/** Measurements of a step, in order. */
WATS_EXTERN(size_t) wats_step_meas_count(const wats_step *step);
WATS_EXTERN(wats_meas *) wats_step_meas_at(const wats_step *step, size_t index);

WATS_EXTERN(wats_status) wats_meas_status(const wats_meas *meas);
WATS_EXTERN(int) wats_meas_set_status(wats_meas *meas, wats_status status);
WATS_EXTERN(const char *) wats_meas_name(const wats_meas *meas);
WATS_EXTERN(wats_compop) wats_meas_compop(const wats_meas *meas);
/**
 * Evaluate the measurement against its limits as the WATS server does (see wats_compop_eval):
 * P or F; E when a value or limit is not a number (numeric) or the operator cannot compare
 * strings; P when there is nothing to compare.
 */
WATS_EXTERN(wats_status) wats_meas_evaluate(const wats_meas *meas);

/* ------------------------------------------------------------------------------------------ */
/* Comparison operators and status letters                                                    */

/** Operator from its WSJF text, case-insensitive ("GELE", "IgnoreCase"); UNKNOWN otherwise. */
WATS_EXTERN(wats_compop) wats_compop_parse(const char *text);
/** Canonical WSJF text of an operator ("GELE"); NULL for an invalid value. Static. */
WATS_EXTERN(const char *) wats_compop_name(wats_compop op);
/** How many limits the operator uses: 0 (LOG), 1 (lowLimit) or 2 (lowLimit and highLimit). */
WATS_EXTERN(int) wats_compop_limits(wats_compop op);
/**
 * Numeric pass/fail: P or F. NaN fails every comparison (and passes NE). LOG, EQT and the
 * string operators pass.
 */
WATS_EXTERN(wats_status) wats_compop_eval(wats_compop op, double value, double low, double high);
/**
 * String comparison: EQ/CASESENSIT exact, IGNORECASE case-folded (ASCII), NE inequality,
 * LOG passes; any other operator gives E. NULL value or limit passes.
 */
WATS_EXTERN(wats_status) wats_compop_eval_string(wats_compop op, const char *value,
						 const char *limit);

/**
 * Status from a letter or word, case-insensitive ("P", "passed", "ok", "fail", "ng",
 * "skip", "done", "err", "aborted", ...). WATS_STATUS_NONE when not recognised.
 */
WATS_EXTERN(wats_status) wats_status_parse(const char *text);
/** "Passed", "Failed", ... (the WSXF words). Static; "" for NONE. */
WATS_EXTERN(const char *) wats_status_word(wats_status status);

/* ------------------------------------------------------------------------------------------ */
/* Validation                                                                                 */

typedef enum wats_severity { WATS_SEVERITY_WARNING = 1, WATS_SEVERITY_ERROR = 2 } wats_severity;

/** One finding of the validator. Strings are owned by the wats_validation. */
typedef struct wats_issue {
	wats_severity severity;
	const char *path;    /**< "root.steps[3].numericMeas[0].compOp", "sn", ... */
	const char *rule;    /**< short rule id: "required", "max-length", "forbidden-chars", ... */
	const char *message; /**< full sentence naming the value and what to do */
} wats_issue;

typedef struct wats_validation wats_validation;

/**
 * Check the report against the WATS rules: required header fields, lengths, forbidden
 * characters in serial and part numbers (* % ? [ ] ^ ! / \), status and group letters, GUID
 * format, type letter, compOp names, limits an operator needs, numbers where numbers belong,
 * time formats, measurement counts and names, chart types.
 * Returns 0 when there is no error (warnings allowed), WATS_EVALIDATION when there is at least
 * one; the first error is also in wats_error_last() (message and path). out (may be NULL)
 * receives every finding; free it with wats_validation_free().
 */
WATS_EXTERN(int) wats_report_validate(const wats_report *report, wats_validation **out);
WATS_EXTERN(size_t) wats_validation_count(const wats_validation *v);
WATS_EXTERN(const wats_issue *) wats_validation_get(const wats_validation *v, size_t index);
WATS_EXTERN(size_t) wats_validation_errors(const wats_validation *v);
WATS_EXTERN(void) wats_validation_free(wats_validation *v);

/* ------------------------------------------------------------------------------------------ */
/* Generic node access: every key of the document, known or not                              */

/** The top-level object of the report. Borrowed. */
WATS_EXTERN(wats_node *) wats_report_node(wats_report *report);
/** The report a node belongs to is needed to change it; steps and measurements are nodes too. */

WATS_EXTERN(wats_node_kind) wats_node_kind_of(const wats_node *node);
/** Member name, or NULL for an array element. */
WATS_EXTERN(const char *) wats_node_key(const wats_node *node);
/** Member `key` of an object, or NULL when absent (a JSON null member is a NULL-kind node). */
WATS_EXTERN(wats_node *) wats_node_get(const wats_node *object, const char *key);
/** Element i of an array (or member i of an object), or NULL. */
WATS_EXTERN(wats_node *) wats_node_at(const wats_node *container, size_t index);
WATS_EXTERN(wats_node *) wats_node_first(const wats_node *container);
WATS_EXTERN(wats_node *) wats_node_next(const wats_node *node);
WATS_EXTERN(wats_node *) wats_node_parent(const wats_node *node);
/** Members of an object or elements of an array; 0 for scalars. */
WATS_EXTERN(size_t) wats_node_count(const wats_node *container);
/** String value (borrowed, NUL-terminated) or NULL when not a string; len may be NULL. */
WATS_EXTERN(const char *) wats_node_string(const wats_node *node, size_t *len);
/** Member `key` as a string, or NULL. */
WATS_EXTERN(const char *) wats_node_get_string(const wats_node *object, const char *key);
/** Number value: 0, or WATS_EINVAL when the node is not a number. */
WATS_EXTERN(int) wats_node_number(double *out, const wats_node *node);
/** Integer value: 0, or WATS_EINVAL when not an integral number in range. */
WATS_EXTERN(int) wats_node_int(int64_t *out, const wats_node *node);
/** Number as text (its source text when parsed) into buf (size bytes, NUL included);
 * WATS_EINVAL when not a number, WATS_ELIMIT (buf set to "") when the text does not fit:
 * a number is never cut. Source texts can be long ("0.1000...0001"); 64 bytes hold every
 * number the library formats itself. */
WATS_EXTERN(int) wats_node_number_text(char *buf, size_t size, const wats_node *node);
/** Boolean value: 0 or 1, or -1 when not a boolean. */
WATS_EXTERN(int) wats_node_bool(const wats_node *node);

/*
 * Setters. On an object, `key` names the member: an existing member is replaced where it
 * stands, a new one is appended. On an array, key must be NULL and the value is appended.
 * Strings are copied and must be valid UTF-8 (WATS_EINVAL otherwise); NULL stores null.
 */
WATS_EXTERN(int) wats_node_set_string(wats_report *report, wats_node *container, const char *key,
				      const char *value);
WATS_EXTERN(int) wats_node_set_stringn(wats_report *report, wats_node *container,
				       const char *key, const char *value, size_t len);
/** A double; NaN and infinities are stored as the strings "NaN", "Infinity", "-Infinity". */
WATS_EXTERN(int) wats_node_set_number(wats_report *report, wats_node *container, const char *key,
				      double value);
/** A number from its text, kept verbatim (must be a valid JSON number). */
WATS_EXTERN(int) wats_node_set_number_text(wats_report *report, wats_node *container,
					   const char *key, const char *text);
WATS_EXTERN(int) wats_node_set_int(wats_report *report, wats_node *container, const char *key,
				   int64_t value);
WATS_EXTERN(int) wats_node_set_bool(wats_report *report, wats_node *container, const char *key,
				    int value);
WATS_EXTERN(int) wats_node_set_null(wats_report *report, wats_node *container, const char *key);
/** Set an empty object or array; out (may be NULL) receives it. */
WATS_EXTERN(int) wats_node_set_object(wats_node **out, wats_report *report, wats_node *container,
				      const char *key);
WATS_EXTERN(int) wats_node_set_array(wats_node **out, wats_report *report, wats_node *container,
				     const char *key);
/** Remove member `key`: 0, or WATS_ENOTFOUND. */
WATS_EXTERN(int) wats_node_remove(wats_report *report, wats_node *object, const char *key);

WATS_END_DECL
#endif
