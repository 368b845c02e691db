/* Internals shared by the converters (src/lib/convert). */
#ifndef WATS_CONVERT_INTERNAL_H
#define WATS_CONVERT_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "util/buf.h"
#include "util/error.h"
#include "wats/convert.h"

/* Limits every reader applies (bad input must never mean unbounded memory). */
#define WATS__CONV_MAX_WHOLE   ((size_t)512 << 20) /* formats read whole (WSJF, plugins) */
#define WATS__CONV_MAX_TOKEN   ((size_t)64 << 20)  /* one XML token / text / CSV line */
#define WATS__CONV_MAX_ATTR    ((size_t)16 << 20)  /* one XML attribute value */
#define WATS__CONV_MAX_DEPTH   256                 /* XML element nesting */
#define WATS__CONV_MAX_WARN    1000                /* warnings kept per conversion */
/* Arena blocks a registry keeps from freed reports for the next ones: a few reports' worth
 * (a 2,000-row station file is a 0.9 MB report in about 2 MB of blocks). */
#define WATS__CONV_BLOCK_CACHE ((size_t)4 << 20)

/** Ids and the start time for reports a conversion builds (ids.c). */
typedef struct wats__idgen {
	int derive;          /* WATS_CONVERT_DERIVE_IDS: ids from the input's bytes and an index */
	uint64_t a, b;       /* derive: the two FNV-1a streams over the whole input */
	size_t next;         /* ids handed out so far (the index of the next derived one) */
	uint64_t rng[2];     /* otherwise: a generator seeded once from the OS */
	int seeded;
	char start[48];      /* the clock read once per conversion ("" until needed) */
} wats__idgen;

void wats__idgen_init(wats__idgen *g, int derive);
void wats__idgen_feed(wats__idgen *g, const void *data, size_t len);
/** Feed the whole file behind fd (pread, the offset is left alone). */
int wats__idgen_hash_fd(wats__idgen *g, int fd, const char *name);
/** The next id (derived, or from the seeded generator). */
int wats__idgen_next(wats__idgen *g, char out[37]);
/** The conversion's start time as report start text. */
const char *wats__idgen_start(wats__idgen *g);

/** One conversion in progress: the input, parameters, log and the report sink. */
typedef struct wats__cctx {
	const char *name;            /* input name for messages ("<buffer>" when none) */
	const unsigned char *data;   /* buffer input, or NULL when reading fd */
	size_t len, pos;
	int fd;                      /* file input (-1 for a buffer) */
	const char *const *params;   /* "key=value", NULL-terminated, may be NULL */
	wats_conversion_log *log;    /* never NULL inside a conversion */
	wats_report_cb cb;
	void *payload;
	size_t count;                /* reports delivered */
	double confidence;
	wats__idgen *ids;            /* shared by copies of the context; NULL: ids from the OS */
	struct wats_block_cache *blocks; /* the registry's arena blocks for new reports, or NULL */
	int header_params;           /* wats__new_uut: 0 not looked at yet, 1 params set header
				      * fields, -1 none does (looked up once, not for every report) */
} wats__cctx;

/** Read up to cap bytes of the input; *got = 0 at the end. */
int wats__cctx_read(wats__cctx *c, void *buf, size_t cap, size_t *got);
/** The whole (remaining) input; *owned is set when it had to be read (free()). */
int wats__cctx_read_all(wats__cctx *c, const unsigned char **data, size_t *len, char **owned,
			size_t max);
/** An id for a report the converter builds (see wats__idgen). */
int wats__cctx_new_id(wats__cctx *c, char out[37]);
/** Give r an id when it has none (derived ids count it as the next index). */
int wats__cctx_ensure_id(wats__cctx *c, wats_report *r);
/** Deliver a report (ownership passes on, also on error). With WATS_CONVERT_DERIVE_IDS a
 * report without an id gets one. */
int wats__cctx_emit(wats__cctx *c, wats_report *r);
/** Parameter value or NULL; several spellings may be given, NULL-terminated. */
const char *wats__cctx_param(const wats__cctx *c, const char *key);
void wats__cctx_warn(wats__cctx *c, long line, const char *path, const char *fmt, ...)
	WATS__PRINTF(4, 5);
/** A parse error at line/column of the input, recorded and returned. */
int wats__cctx_error(wats__cctx *c, int code, long line, long col, const char *fmt, ...)
	WATS__PRINTF(5, 6);

/**
 * A report setter refused a value taken from the file (WATS_EINVAL: not UTF-8, not a number,
 * ...): report it as a parse error at that line of the input. Any other rc is returned as is.
 */
int wats__cctx_refused(wats__cctx *c, int rc, long line);

struct wats_converter {
	char *name;
	char *description;
	char *patterns; /* "*.xml;*.atml" or NULL */
	double (*detect)(const wats_converter *cv, const char *name, const unsigned char *head,
			 size_t len, char *sn, char *pn, size_t size);
	int (*convert)(const wats_converter *cv, wats__cctx *c);
	void *impl;
	void (*free_impl)(void *impl);
};

/*
 * A registry's cache of parsed files (the CSV converter's mappings; registry.c): at most
 * WATS__FILE_CACHE_MAX entries keyed by path, device, inode, size, mtime and ctime, each holding
 * the file's text and the value parsed from it. Locked: conversions run on several threads.
 * A file changed within the last two seconds may not show it in mtime yet (the clock tick is
 * coarser than a quick edit), so such an entry is used only after its text compares equal.
 */
#define WATS__FILE_CACHE_MAX 16
typedef struct wats__file_cache wats__file_cache;
typedef struct wats__cached wats__cached;
wats__file_cache *wats__file_cache_new(void);
void wats__file_cache_free(void *cache);
/**
 * The entry for path as it is now, referenced (wats__cached_release), or NULL: not cached or
 * changed since. *st receives the stat taken (for wats__file_cache_put); -1 when path cannot
 * be stat'ed (the caller's read then reports it).
 */
int wats__file_cache_get(wats__cached **out, wats__file_cache *fc, const char *path,
			 struct stat *st);
/**
 * Cache value parsed from text (the file as read after stat st): value and text pass to the
 * cache (freed by free_value and free() when evicted) and the entry is returned referenced.
 * NULL when there is no memory for the entry: then nothing was taken.
 */
wats__cached *wats__file_cache_put(wats__file_cache *fc, const char *path, const struct stat *st,
				   char *text, size_t len, void *value, void (*free_value)(void *));
void *wats__cached_value(const wats__cached *e);
/** Entries held now (for tests). */
size_t wats__file_cache_count(wats__file_cache *fc);
void wats__cached_release(wats__file_cache *fc, wats__cached *e);

/* Built-ins (one file each). */
double wats__wsjf_detect(const wats_converter *, const char *, const unsigned char *, size_t,
			 char *, char *, size_t);
int wats__wsjf_convert(const wats_converter *, wats__cctx *);
double wats__wsxf_detect(const wats_converter *, const char *, const unsigned char *, size_t,
			 char *, char *, size_t);
int wats__wsxf_convert(const wats_converter *, wats__cctx *);
double wats__wstf_detect(const wats_converter *, const char *, const unsigned char *, size_t,
			 char *, char *, size_t);
int wats__wstf_convert(const wats_converter *, wats__cctx *);
double wats__atml_detect(const wats_converter *, const char *, const unsigned char *, size_t,
			 char *, char *, size_t);
int wats__atml_convert(const wats_converter *, wats__cctx *);
double wats__csv_detect(const wats_converter *, const char *, const unsigned char *, size_t,
			char *, char *, size_t);
int wats__csv_convert(const wats_converter *, wats__cctx *);

/* Plugins and commands (plugin.c, command.c): fill cv from the loaded object. */
int wats__plugin_open(wats_converter **out, const char *path);
int wats__command_new(wats_converter **out, const wats_command_options *opts);
void wats__log_set_stderr(wats_conversion_log *log, const char *text, size_t len);

/* Helpers (util.c). */
/** Whether name matches one of "*.xml;*.atml" (case-insensitive); 1 when patterns is NULL. */
int wats__name_matches(const char *name, const char *patterns);
/** Extension of name, lower-cased into buf ("" when none). */
const char *wats__ext(char *buf, size_t size, const char *name);
/** Find needle in hay[0..len) (memmem). */
const char *wats__find(const unsigned char *hay, size_t len, const char *needle);
/** Copy at most size-1 bytes of s[0..n) into dst, NUL-terminated, trimmed. */
void wats__copy_trim(char *dst, size_t size, const char *s, size_t n);
/** Value of XML attribute `attr` in the first start tag named `tag` found in head. */
int wats__xml_peek_attr(char *dst, size_t size, const unsigned char *head, size_t len,
			const char *tag, const char *attr);
/** Trim blanks in place, returns s. */
char *wats__trim(char *s);
int wats__strcaseeq(const char *a, const char *b);
/** A new report for converters that build (import mode, no default root steps touched). */
int wats__new_uut(wats_report **out, wats__cctx *c);
struct wats_header_texts; /* report/report_internal.h */
/** wats__new_uut with header members the converter already has (NULL: none): set at creation,
 * or after the parameters when some parameter sets the header too (the converter's win). */
int wats__new_uut_with(wats_report **out, wats__cctx *c, const struct wats_header_texts *h);
/** Whether parameters set header members (partNumber, station, ...); looked up once. */
int wats__cctx_header_params(wats__cctx *c);
/** Give a report without "id" a fresh one (WSJF default: a random GUID). */
int wats__ensure_id(wats_report *r);
/** Parse a double from text: decimal, 0x hex, inf/nan words; 0 or -1. */
int wats__parse_double(const char *s, double *out);
/** The double of a JSON number text, exactly as strtod reads it (fast for short decimals). */
double wats__num_value(const char *s);
/** When s is a JSON number without exponent and with at most 15 significant digits (what
 * measurements nearly always are): 1, its length and its value (exactly wats__num_value's),
 * in one pass. 0: anything else, for the general checks to decide. */
int wats__plain_decimal(const char *s, size_t *len, double *v);
/** Store a number member keeping the text when it is valid JSON, else via the double. */
int wats__set_num_text(wats_report *r, wats_node *obj, const char *key, const char *text);

#endif
