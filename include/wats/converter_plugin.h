/*
 * wats/converter_plugin.h - the converter plugin ABI, version 1.
 *
 * A plugin is a shared object that exports
 *
 *     const wats_converter_v1 *wats_converter_v1_entry(void);
 *
 * returning a static table. The host checks abi_version == WATS_CONVERTER_ABI_VERSION and
 * struct_size >= sizeof(wats_converter_v1) as it was when the plugin was built, so new members
 * can be added at the end of the struct in later minor versions.
 *
 * The ABI needs nothing from libwats: a plugin hands reports back as WSJF text through the
 * host table, which the host parses with the full report model. A plugin may link libwats
 * itself to build reports and write them with wats_report_write().
 *
 * Threads: the host may run conversions of several files at once with one state per call
 * (create_state / free_state around each conversion), so keep no global mutable data.
 */
#ifndef WATS_CONVERTER_PLUGIN_H
#define WATS_CONVERTER_PLUGIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WATS_CONVERTER_ABI_VERSION 1
#define WATS_CONVERTER_ENTRY "wats_converter_v1_entry"

/** Services the host offers to a running conversion. Valid only during convert(). */
typedef struct wats_converter_host_v1 {
	unsigned int abi_version; /**< WATS_CONVERTER_ABI_VERSION */
	void *ctx;                /**< pass back as the first argument */
	/** A parameter ("partNumber", ...) or NULL. The string lives during convert(). */
	const char *(*param)(void *ctx, const char *key);
	/** A warning for the conversion log; line 0 when not tied to a line. */
	void (*warn)(void *ctx, long line, const char *message);
	/**
	 * Hand one report over as WSJF text (a JSON object). Returns 0, or a negative value when
	 * the text is not a report or the host wants to stop: return it from convert().
	 */
	int (*emit_wsjf)(void *ctx, const char *json, size_t len);
} wats_converter_host_v1;

typedef struct wats_converter_v1 {
	unsigned int abi_version; /**< WATS_CONVERTER_ABI_VERSION */
	size_t struct_size;       /**< sizeof(wats_converter_v1) */
	const char *name;         /**< unique, short: "acme-ict" */
	const char *description;  /**< one line */
	const char *patterns;     /**< file patterns "*.dat;*.log", or NULL for any */

	/** Per-conversion state (may be NULL: then state is NULL everywhere). */
	void *(*create_state)(void);
	void (*free_state)(void *state);

	/**
	 * Rate `head` (the first bytes of the file, at most 64 KiB; `name` is the file name).
	 * Return 0..1; write what you saw of the serial and part numbers into sn/pn (size bytes,
	 * NUL-terminated; leave empty when unknown).
	 */
	double (*detect)(void *state, const char *name, const unsigned char *head, size_t len,
			 char *sn, char *pn, size_t size);

	/**
	 * Convert the whole input (`data`, `len` bytes; `name` for messages). Emit every report
	 * with host->emit_wsjf. Return 0, or a negative value with `error` (size bytes) filled
	 * with a sentence naming the problem.
	 */
	int (*convert)(void *state, const char *name, const unsigned char *data, size_t len,
		       const wats_converter_host_v1 *host, char *error, size_t size);
} wats_converter_v1;

typedef const wats_converter_v1 *(*wats_converter_v1_entry_fn)(void);

#ifdef __cplusplus
}
#endif
#endif
