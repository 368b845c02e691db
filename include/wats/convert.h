/*
 * wats/convert.h - converters: test-station result files in, WATS reports out (and back).
 *
 * A registry (wats_converters) holds the built-in converters (WSJF, WSXF, WSTF, ATML, CSV),
 * the plugins loaded from a folder (wats/converter_plugin.h) and external commands. For one
 * input you either name the converter or let the registry detect it (every converter rates the
 * first bytes with a confidence 0..1; the best one wins).
 *
 * Conversion streams where the format allows it (WSXF, WSTF, CSV, ATML collections): reports
 * are handed one at a time to a callback as soon as each is complete, so a file with many
 * reports converts in memory bounded by its largest report, not by its size.
 *
 * Every conversion fills a wats_conversion_log (converter, confidence, warnings with file and
 * line, reports produced, elapsed time), printable as text or JSON. Nothing in this header
 * touches the network or the submit queue.
 *
 * Ownership: handles are freed by their *_free function (NULL is a no-op); strings returned
 * through char ** are freed with wats_free(); const char * results are borrowed and live as
 * long as the object they came from. Reports passed to the callback belong to the callee.
 *
 * Threads: a registry is read-only after set-up and may be shared by threads converting
 * different files; a conversion log belongs to one conversion at a time.
 */
#ifndef WATS_CONVERT_H
#define WATS_CONVERT_H

#include "common.h"
#include "errors.h"
#include "report.h"

WATS_BEGIN_DECL

typedef struct wats_converters wats_converters;         /* the registry */
typedef struct wats_converter wats_converter;           /* one converter (borrowed from a registry) */
typedef struct wats_conversion_log wats_conversion_log; /* what happened during a conversion */

/* ------------------------------------------------------------------------------------------ */
/* Registry                                                                                   */

/** A registry with the built-in converters: wsjf, wsxf, wstf, atml, csv. */
WATS_EXTERN(int) wats_converters_new(wats_converters **out);
/** Free the registry (unloads plugins). NULL is a no-op. */
WATS_EXTERN(void) wats_converters_free(wats_converters *reg);

/**
 * Load every "*.so" in dir that exports wats_converter_v1_entry (see converter_plugin.h).
 * *loaded (may be NULL) receives how many were added. A file that is not a valid plugin, or
 * with another ABI version, is skipped and named in the registry's load log
 * (wats_converters_load_errors). WATS_ENOTFOUND when dir does not exist.
 */
WATS_EXTERN(int) wats_converters_load_plugins(size_t *loaded, wats_converters *reg,
					      const char *dir);
/** Load one plugin file (errors name the file and the reason). */
WATS_EXTERN(int) wats_converters_load_plugin(wats_converters *reg, const char *path);
/** Text (borrowed, "" when none) listing the plugin files skipped by the last load. */
WATS_EXTERN(const char *) wats_converters_load_errors(const wats_converters *reg);

#define WATS_COMMAND_OPTIONS_VERSION 1

/**
 * An external-command converter: argv[0] is run (execvp) with argv[1..] and then the input
 * file's path as the last argument; it writes one WSJF report (a JSON object) or several
 * (a JSON array of objects, or objects one after the other) on stdout. Exit status 0 means
 * success. Its stderr is kept in the conversion log (up to 64 KiB).
 */
typedef struct wats_command_options {
	unsigned int version;          /**< WATS_COMMAND_OPTIONS_VERSION */
	const char *name;              /**< converter name, required (copied) */
	const char *const *argv;       /**< NULL-terminated, argv[0] required (copied) */
	const char *patterns;          /**< file patterns "*.dat;*.log" (NULL = any file) */
	double confidence;             /**< detection confidence when a pattern matches (0 = 0.5) */
	int timeout_ms;                /**< wall clock limit, killed on expiry (0 = 60000) */
	size_t max_memory;             /**< RLIMIT_AS of the child in bytes (0 = 1 GiB) */
	size_t max_output;             /**< stdout limit in bytes (0 = 256 MiB) */
} wats_command_options;

#define WATS_COMMAND_OPTIONS_INIT { WATS_COMMAND_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0, 0, 0 }

/** Add an external-command converter (see wats_command_options). */
WATS_EXTERN(int) wats_converters_add_command(wats_converters *reg,
					     const wats_command_options *opts);

WATS_EXTERN(size_t) wats_converters_count(const wats_converters *reg);
/** Converter i (borrowed), NULL past the end. */
WATS_EXTERN(const wats_converter *) wats_converters_at(const wats_converters *reg, size_t i);
/** Converter by name (case-insensitive), or NULL. */
WATS_EXTERN(const wats_converter *) wats_converters_find(const wats_converters *reg,
							const char *name);
/** "wsxf", "atml", a plugin's or a command's name. Borrowed. */
WATS_EXTERN(const char *) wats_converter_name(const wats_converter *conv);
/** One line describing the converter. Borrowed. */
WATS_EXTERN(const char *) wats_converter_description(const wats_converter *conv);

/* ------------------------------------------------------------------------------------------ */
/* Detection                                                                                  */

/** What detection saw. Strings are NUL-terminated copies ("" when not seen). */
typedef struct wats_detection {
	const wats_converter *converter; /**< best converter (borrowed), NULL when none fits */
	double confidence;               /**< 0..1 */
	char sn[101];                    /**< serial number seen in the file */
	char pn[101];                    /**< part number seen in the file */
} wats_detection;

/** Bytes of the input looked at by detection. */
#define WATS_DETECT_HEAD 65536

/**
 * Rate the file with every converter and keep the best. Returns 0 with out->converter NULL
 * and confidence 0 when none fits; WATS_ENOTFOUND / WATS_EIO when the file cannot be read.
 */
WATS_EXTERN(int) wats_convert_detect(wats_detection *out, const wats_converters *reg,
				     const char *path);
/** The same on a buffer; name (may be NULL) is the file name used for extension checks. */
WATS_EXTERN(int) wats_convert_detect_buffer(wats_detection *out, const wats_converters *reg,
					    const char *name, const void *data, size_t len);

/* ------------------------------------------------------------------------------------------ */
/* Conversion                                                                                 */

/**
 * Receives each report as soon as it is complete and owns it (free it with
 * wats_report_free). Return 0 to continue, a negative value to stop the conversion: that
 * value is then returned by wats_convert_file/buffer.
 */
typedef int (*wats_report_cb)(wats_report *report, void *payload);

#define WATS_CONVERT_OPTIONS_VERSION 2 /* 1: the same without flags (still accepted) */

/**
 * Flag: reports whose source has no id get one derived from the input's bytes and an index
 * (wats_convert_derive_id), so converting the same file again gives the same ids. The index
 * counts the reports of the conversion that needed an id, from 0 (for the converters that
 * build every report — WSTF, CSV, ATML, vendor formats — the report's position in the file).
 * A file input is read once more first to hash it, so it must be a regular file. Without the
 * flag such reports get random (version 4) GUIDs.
 */
#define WATS_CONVERT_DERIVE_IDS 0x1u

typedef struct wats_convert_options {
	unsigned int version;       /**< WATS_CONVERT_OPTIONS_VERSION */
	const char *converter;      /**< converter name; NULL or "auto" = detect */
	/**
	 * Converter parameters, "key=value" strings, NULL-terminated (may be NULL). Common keys:
	 * partNumber, partRevision, processCode, operator, station, location, purpose,
	 * sequenceName, sequenceVersion (defaults for what the file lacks); csv: mapping (file).
	 * Unknown keys are passed to plugins and noted in the log.
	 */
	const char *const *params;
	double min_confidence;      /**< auto detection below this fails (0 = 0.2) */
	wats_conversion_log *log;   /**< filled when not NULL (borrowed) */
	unsigned int flags;         /**< WATS_CONVERT_DERIVE_IDS (version 2) */
} wats_convert_options;

#define WATS_CONVERT_OPTIONS_INIT { WATS_CONVERT_OPTIONS_VERSION, NULL, NULL, 0, NULL, 0 }

/**
 * The report id derived from data (a whole input file) and index. Pure: the same bytes and
 * index always give the same id, different files (practically) never the same. out is the
 * caller's, 37 bytes with the NUL. This is the id WATS_CONVERT_DERIVE_IDS and watsd give
 * reports whose source has none. Exactly (64-bit unsigned arithmetic; these constants are
 * what watsd has always used, so they are not FNV-1a's standard offset basis):
 *
 *     a = 0x14650fb0739d0383, b = 0x84222325cbf29ce4
 *     for each byte c of data, then of index as 8 bytes little endian:
 *         a = (a ^ c) * 0x100000001b3
 *         b = (b ^ c) * 0x100000001b3 + 0x9e3779b97f4a7c15
 *     u[0..7] = a, u[8..15] = b (each little endian)
 *     u[6] = (u[6] & 0x0f) | 0x40, u[8] = (u[8] & 0x3f) | 0x80   (version-4 layout)
 *     out = u as lower-case hex, "-" after bytes 4, 6, 8 and 10
 *
 * e.g. the 17 bytes "--Header-Start--\n" with index 0: 77df38a6-33d8-4420-a504-8f3151422ff3.
 */
WATS_EXTERN(void) wats_convert_derive_id(char out[37], const void *data, size_t len, size_t index);

/**
 * Convert a file; on_report receives every report. *count (may be NULL) = reports delivered.
 * Errors: WATS_EPARSE (position in wats_error_last: file, line, column, rule), WATS_ELIMIT
 * (depth, token, entity or size limits), WATS_EUNSUPPORTED (no converter fits), WATS_EIO,
 * WATS_ETIMEOUT (external command), or the callback's own negative value. Reports delivered
 * before an error stay with the callee.
 */
WATS_EXTERN(int) wats_convert_file(size_t *count, const wats_converters *reg, const char *path,
				   const wats_convert_options *opts, wats_report_cb on_report,
				   void *payload);
/** The same on a buffer; name (may be NULL) is used for detection and messages. */
WATS_EXTERN(int) wats_convert_buffer(size_t *count, const wats_converters *reg,
				     const char *name, const void *data, size_t len,
				     const wats_convert_options *opts, wats_report_cb on_report,
				     void *payload);

/* ------------------------------------------------------------------------------------------ */
/* Conversion log                                                                             */

WATS_EXTERN(int) wats_conversion_log_new(wats_conversion_log **out);
WATS_EXTERN(void) wats_conversion_log_free(wats_conversion_log *log);
/** Forget everything (the log can be reused for the next conversion). */
WATS_EXTERN(void) wats_conversion_log_reset(wats_conversion_log *log);

/** One warning (strings borrowed from the log). */
typedef struct wats_conversion_warning {
	const char *file;    /**< input name, or NULL */
	long line;           /**< 1-based, 0 when not tied to a line */
	const char *path;    /**< element or field path, or NULL */
	const char *message; /**< full sentence */
} wats_conversion_warning;

WATS_EXTERN(const char *) wats_conversion_log_converter(const wats_conversion_log *log);
WATS_EXTERN(double) wats_conversion_log_confidence(const wats_conversion_log *log);
WATS_EXTERN(size_t) wats_conversion_log_reports(const wats_conversion_log *log);
WATS_EXTERN(double) wats_conversion_log_elapsed_ms(const wats_conversion_log *log);
WATS_EXTERN(size_t) wats_conversion_log_warning_count(const wats_conversion_log *log);
WATS_EXTERN(const wats_conversion_warning *) wats_conversion_log_warning(
	const wats_conversion_log *log, size_t i);
/** Output kept from an external command's stderr ("" when none). Borrowed. */
WATS_EXTERN(const char *) wats_conversion_log_stderr(const wats_conversion_log *log);
/** The error that ended the conversion ("" when it succeeded). Borrowed. */
WATS_EXTERN(const char *) wats_conversion_log_error(const wats_conversion_log *log);
/** The log as lines of text / as a JSON object; free *out with wats_free(). */
WATS_EXTERN(int) wats_conversion_log_text(char **out, size_t *len, const wats_conversion_log *log);
WATS_EXTERN(int) wats_conversion_log_json(char **out, size_t *len, const wats_conversion_log *log);

/* ------------------------------------------------------------------------------------------ */
/* WSXF export                                                                                */

/**
 * Write a report as a WSXF document (<Reports xmlns="http://wats.virinco.com/schemas/WATS/
 * Report/wsxf"><Report>...). Everything WSXF has no place for (nulls the reader would not
 * restore, keys outside the catalogue, values a WSXF attribute cannot carry exactly) goes into
 * attributes of the cwats extension namespace "urn:cwats:wsxf-ext:1" so that converting the
 * output back gives the same WSJF document (see docs/converters.md). *out is NUL-terminated;
 * free with wats_free().
 */
WATS_EXTERN(int) wats_report_to_wsxf(char **out, size_t *len, const wats_report *report);

#define WATS_WSXF_NO_EXTENSIONS 0x1 /* plain catalogue WSXF: extension data dropped, warned */
#define WATS_WSXF_NO_PROLOG 0x2     /* leave out the XML declaration and <Reports> start tag */
#define WATS_WSXF_NO_EPILOG 0x4     /* leave out </Reports> (write a stream report by report) */

/**
 * Several reports in one WSXF document, with flags. warnings (may be NULL) receives one
 * warning per value that could not be written (only with WATS_WSXF_NO_EXTENSIONS).
 */
WATS_EXTERN(int) wats_reports_to_wsxf(char **out, size_t *len, const wats_report *const *reports,
				      size_t n, unsigned int flags, wats_conversion_log *warnings);

WATS_END_DECL
#endif
