/*
 * Shared pieces of the vendor converters (vendor_*.c): the entry points the registry lists,
 * a small XML tree for formats that must be read whole before they can be mapped (TestStand's
 * Prop dumps put the header after the steps), field splitting for the record formats, start
 * times written without a UTC offset, and numeric measurements that keep the source text.
 */
#ifndef WATS_CONVERT_VENDOR_UTIL_H
#define WATS_CONVERT_VENDOR_UTIL_H

#include "convert/convert_internal.h"
#include "convert/xmltree.h"

#define WATS__VENDOR_DETECT_ARGS                                                              \
	const wats_converter *, const char *, const unsigned char *, size_t, char *, char *, size_t

double wats__teststand_detect(WATS__VENDOR_DETECT_ARGS);
int wats__teststand_convert(const wats_converter *, wats__cctx *);
double wats__spea_detect(WATS__VENDOR_DETECT_ARGS);
int wats__spea_convert(const wats_converter *, wats__cctx *);
double wats__gr228x_detect(WATS__VENDOR_DETECT_ARGS);
int wats__gr228x_convert(const wats_converter *, wats__cctx *);
double wats__spectrum_detect(WATS__VENDOR_DETECT_ARGS);
int wats__spectrum_convert(const wats_converter *, wats__cctx *);
double wats__xjtag_detect(WATS__VENDOR_DETECT_ARGS);
int wats__xjtag_convert(const wats_converter *, wats__cctx *);
double wats__takaya_detect(WATS__VENDOR_DETECT_ARGS);
int wats__takaya_convert(const wats_converter *, wats__cctx *);
double wats__saki_detect(WATS__VENDOR_DETECT_ARGS);
int wats__saki_convert(const wats_converter *, wats__cctx *);
double wats__sigmaquest_detect(WATS__VENDOR_DETECT_ARGS);
int wats__sigmaquest_convert(const wats_converter *, wats__cctx *);
double wats__stepwize_detect(WATS__VENDOR_DETECT_ARGS);
int wats__stepwize_convert(const wats_converter *, wats__cctx *);
double wats__listen_detect(WATS__VENDOR_DETECT_ARGS);
int wats__listen_convert(const wats_converter *, wats__cctx *);
double wats__klippel_detect(WATS__VENDOR_DETECT_ARGS);
int wats__klippel_convert(const wats_converter *, wats__cctx *);

/* ---- ZIP archives (vendor_zip.c) ----------------------------------------------------------- */

/** Whether data starts like a ZIP archive (a local file header). */
int wats__vu_is_zip(const unsigned char *data, size_t len);
/**
 * Extract member (exact name) of the archive zip[0..len): stored or deflated, at most max bytes.
 * 1 with *out (malloc'ed, free(); NULL when empty) and *outlen; 0 when there is no such member;
 * -1 damaged or unsupported (*msg says why), -2 over max, -3 out of memory.
 */
int wats__vu_zip_read(const char **msg, unsigned char **out, size_t *outlen, const unsigned char *zip,
		      size_t len, const char *member, size_t max);

/* ---- text -------------------------------------------------------------------------------- */

/** Split s in place at sep into at most max fields (the rest stays in the last); returns n. */
int wats__vu_split(char *s, char sep, char **f, int max);
/**
 * src into dst (at most size - 1 bytes, cut at a UTF-8 character boundary), NUL-terminated;
 * returns the bytes copied. For the per-row copies where snprintf("%s") cost more than the
 * parsing.
 */
size_t wats__vu_copy(char *dst, size_t size, const char *src);
/**
 * The strings after `at` (NULL-terminated list) appended to dst[0..at), as wats__vu_copy cuts
 * them (nothing after a piece that was cut); returns the new length.
 */
size_t wats__vu_join(char *dst, size_t size, size_t at, ...);
/** Whether the first line of head starts with prefix (after a UTF-8 BOM). */
int wats__vu_starts(const unsigned char *head, size_t len, const char *prefix);

/* ---- numbers and chart series as the source wrote them ----------------------------------- */

/**
 * s[0..len) as a double, the same double strtod gives: plain decimals (sign, digits, point,
 * exponent) of up to 15 digits are computed directly (one exact multiply or divide), anything
 * else goes through strtod ("inf", "0x1p3" too). -1 when strtod would not take the whole text.
 */
int wats__vu_parse(const char *s, size_t len, double *v);

/** A ';'-joined list of numbers for a chart series (xdata/ydata), built from source text. */
typedef struct wats__vu_text {
	char *s;
	size_t len, cap, n; /* n: numbers in s */
} wats__vu_text;

/**
 * Append the number s[0..len) to t: its text as it is (a decimal comma made a point when comma
 * is set and the text has no point), or, when that is not a JSON number ("+5", ".5"), its value
 * written as the report model writes doubles. The value in *v unless v is NULL.
 * -1 when s is not a number, WATS_ENOMEM.
 */
int wats__vu_text_add(wats__vu_text *t, const char *s, size_t len, int comma, double *v);
/** Keep the first n numbers of t. */
void wats__vu_text_cut(wats__vu_text *t, size_t n);
void wats__vu_text_free(wats__vu_text *t);
/**
 * A series `name` on a chart step with the texts as xdata (NULL: none) and ydata: the source's
 * digits are kept, with no round trip through a double (and none of its cost). x and y must
 * hold as many numbers.
 */
int wats__vu_series(wats_report *r, wats_step *s, const char *name, const wats__vu_text *x,
		    const wats__vu_text *y);

/* ---- report helpers ---------------------------------------------------------------------- */

/**
 * Set start from a local wall-clock time (the file has no offset): the utcOffset parameter
 * ("+01:00") when given, else this machine's offset at that time. -1 when out of range.
 */
int wats__vu_set_start_local(wats__cctx *c, wats_report *r, int y, int mo, int d, int h, int mi,
			     int s, int ms);
/** Set an ISO 8601 start; naive text is handled as local time (see above). */
int wats__vu_set_start_iso(wats__cctx *c, wats_report *r, const char *iso, long line);
/**
 * A numeric measurement whose value and limits keep their source text (NULL = absent). The
 * operator decides which limits are written. status NONE leaves the model's default.
 */
int wats__vu_numeric(wats__cctx *c, wats_report *r, wats_step *s, const char *name,
		     const char *value, wats_compop op, const char *low, const char *high,
		     const char *unit, wats_status st, long line);
/**
 * num (a JSON number) times 10^shift, exactly, as text: a plain decimal has its point moved
 * ("47960", -3 -> "47.960"; "2.24", -6 -> "0.00000224"), a number with an exponent its exponent
 * changed ("1.5E+03", 3 -> "1.5e6"). -1 when num is not a JSON number or out is too small.
 */
int wats__vu_shift10(char *out, size_t size, const char *num, int shift);
/** Set a number member from text (kept exactly when it is a JSON number); warn and skip if not. */
int wats__vu_num(wats__cctx *c, wats_report *r, wats_node *obj, const char *key, const char *text,
		 long line);

/**
 * Replace the characters WATS refuses in serial and part numbers (* % ? [ ] ^ ! / \\) by '_'
 * in place; returns how many were replaced.
 */
int wats__vu_id_clean(char *s);

/**
 * Fill what the model requires and the file and parameters left out: pn "Unknown" (warned),
 * rev "1.0", processCode 10 (machineName, location, purpose come from the station parameters).
 */
int wats__vu_finish(wats__cctx *c, wats_report *r, long line);

/**
 * The end of every report: unless rc is already an error, wats__vu_finish, then hand the
 * report to `to` (usually c). On error the report is freed and a value a setter refused is
 * reported at `line` of the file. Returns the result.
 */
int wats__vu_deliver(wats__cctx *c, wats__cctx *to, wats_report *r, long line, int rc);

#endif
