/* The converter registry, detection, the conversion driver and the conversion log. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "convert/convert_internal.h"
#include "convert/vendor_util.h"
#include "report/node.h"

struct wats_converters {
	wats_converter **items;
	size_t n, cap;
	wats_buf load_errors;
	/* Arena blocks of freed reports for the next ones built by conversions through this
	 * registry (report/node.h): converting file after file stops faulting fresh memory in. */
	struct wats_block_cache *blocks;
};

struct wats_conversion_log {
	char *converter;
	double confidence;
	size_t reports;
	double elapsed_ms;
	wats_conversion_warning *warnings;
	size_t nwarn, capwarn, dropped;
	wats_buf err;
	wats_buf stderr_text;
};

/* ------------------------------------------------------------------------------------------ */
/* Log                                                                                        */

int wats_conversion_log_new(wats_conversion_log **out)
{
	if (!out)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL out");
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : wats__error_oom();
}

void wats_conversion_log_reset(wats_conversion_log *log)
{
	if (!log)
		return;
	free(log->converter);
	for (size_t i = 0; i < log->nwarn; i++) {
		free((char *)log->warnings[i].file);
		free((char *)log->warnings[i].path);
		free((char *)log->warnings[i].message);
	}
	free(log->warnings);
	wats__buf_dispose(&log->err);
	wats__buf_dispose(&log->stderr_text);
	memset(log, 0, sizeof(*log));
}

void wats_conversion_log_free(wats_conversion_log *log)
{
	wats_conversion_log_reset(log);
	free(log);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void log_add_warning(wats_conversion_log *log, const char *file, long line,
			    const char *path, const char *msg)
{
	if (log->nwarn >= WATS__CONV_MAX_WARN) {
		log->dropped++;
		return;
	}
	if (log->nwarn == log->capwarn) {
		size_t cap = log->capwarn ? log->capwarn * 2 : 16;
		wats_conversion_warning *w = realloc(log->warnings, cap * sizeof(*w));
		if (!w)
			return;
		log->warnings = w;
		log->capwarn = cap;
	}
	wats_conversion_warning *w = &log->warnings[log->nwarn];
	w->file = dup_or_null(file);
	w->line = line;
	w->path = dup_or_null(path);
	w->message = strdup(msg ? msg : "");
	if (!w->message)
		return;
	log->nwarn++;
}

void wats__log_set_stderr(wats_conversion_log *log, const char *text, size_t len)
{
	wats__buf_clear(&log->stderr_text);
	wats__buf_put(&log->stderr_text, text, len);
}

const char *wats_conversion_log_converter(const wats_conversion_log *log)
{
	return log && log->converter ? log->converter : "";
}
double wats_conversion_log_confidence(const wats_conversion_log *log)
{
	return log ? log->confidence : 0;
}
size_t wats_conversion_log_reports(const wats_conversion_log *log)
{
	return log ? log->reports : 0;
}
double wats_conversion_log_elapsed_ms(const wats_conversion_log *log)
{
	return log ? log->elapsed_ms : 0;
}
size_t wats_conversion_log_warning_count(const wats_conversion_log *log)
{
	return log ? log->nwarn : 0;
}
const wats_conversion_warning *wats_conversion_log_warning(const wats_conversion_log *log, size_t i)
{
	return log && i < log->nwarn ? &log->warnings[i] : NULL;
}
const char *wats_conversion_log_stderr(const wats_conversion_log *log)
{
	return log && log->stderr_text.ptr ? log->stderr_text.ptr : "";
}
const char *wats_conversion_log_error(const wats_conversion_log *log)
{
	return log && log->err.ptr ? log->err.ptr : "";
}

int wats_conversion_log_text(char **out, size_t *len, const wats_conversion_log *log)
{
	if (!out || !log)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL argument");
	wats_buf b = WATS_BUF_INIT;
	wats__buf_printf(&b, "converter: %s\nconfidence: %.2f\nreports: %zu\nelapsed: %.3f ms\n",
			 wats_conversion_log_converter(log), log->confidence, log->reports,
			 log->elapsed_ms);
	for (size_t i = 0; i < log->nwarn; i++) {
		const wats_conversion_warning *w = &log->warnings[i];
		wats__buf_puts(&b, "warning: ");
		if (w->file)
			wats__buf_printf(&b, "%s:", w->file);
		if (w->line)
			wats__buf_printf(&b, "%ld:", w->line);
		if (w->file || w->line)
			wats__buf_putc(&b, ' ');
		if (w->path)
			wats__buf_printf(&b, "%s: ", w->path);
		wats__buf_printf(&b, "%s\n", w->message);
	}
	if (log->dropped)
		wats__buf_printf(&b, "warning: %zu more warnings not kept\n", log->dropped);
	if (log->err.len)
		wats__buf_printf(&b, "error: %s\n", log->err.ptr);
	if (log->stderr_text.len) {
		wats__buf_puts(&b, "stderr:\n");
		wats__buf_put(&b, log->stderr_text.ptr, log->stderr_text.len);
		if (log->stderr_text.ptr[log->stderr_text.len - 1] != '\n')
			wats__buf_putc(&b, '\n');
	}
	if (!b.ptr && wats__buf_puts(&b, "") < 0)
		return wats__error_oom();
	*out = wats__buf_detach(&b, len);
	return *out ? 0 : wats__error_oom();
}

static void json_str(wats_buf *b, const char *s)
{
	wats__buf_putc(b, '"');
	if (s)
		for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
			if (*p == '"' || *p == '\\')
				wats__buf_printf(b, "\\%c", *p);
			else if (*p == '\n')
				wats__buf_puts(b, "\\n");
			else if (*p == '\t')
				wats__buf_puts(b, "\\t");
			else if (*p < 0x20)
				wats__buf_printf(b, "\\u%04x", *p);
			else
				wats__buf_putc(b, (char)*p);
		}
	wats__buf_putc(b, '"');
}

int wats_conversion_log_json(char **out, size_t *len, const wats_conversion_log *log)
{
	if (!out || !log)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL argument");
	wats_buf b = WATS_BUF_INIT;
	wats__buf_puts(&b, "{\"converter\":");
	json_str(&b, wats_conversion_log_converter(log));
	wats__buf_printf(&b, ",\"confidence\":%.3f,\"reports\":%zu,\"elapsedMs\":%.3f,\"warnings\":[",
			 log->confidence, log->reports, log->elapsed_ms);
	for (size_t i = 0; i < log->nwarn; i++) {
		const wats_conversion_warning *w = &log->warnings[i];
		wats__buf_puts(&b, i ? ",{\"file\":" : "{\"file\":");
		if (w->file)
			json_str(&b, w->file);
		else
			wats__buf_puts(&b, "null");
		wats__buf_printf(&b, ",\"line\":%ld,\"path\":", w->line);
		if (w->path)
			json_str(&b, w->path);
		else
			wats__buf_puts(&b, "null");
		wats__buf_puts(&b, ",\"message\":");
		json_str(&b, w->message);
		wats__buf_putc(&b, '}');
	}
	wats__buf_printf(&b, "],\"warningsDropped\":%zu,\"error\":", log->dropped);
	if (log->err.len)
		json_str(&b, log->err.ptr);
	else
		wats__buf_puts(&b, "null");
	wats__buf_puts(&b, ",\"stderr\":");
	json_str(&b, log->stderr_text.ptr ? log->stderr_text.ptr : "");
	if (wats__buf_puts(&b, "}") < 0) {
		wats__buf_dispose(&b);
		return wats__error_oom();
	}
	*out = wats__buf_detach(&b, len);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Conversion context                                                                         */

int wats__cctx_read(wats__cctx *c, void *buf, size_t cap, size_t *got)
{
	if (c->data) {
		size_t n = c->len - c->pos < cap ? c->len - c->pos : cap;
		memcpy(buf, c->data + c->pos, n);
		c->pos += n;
		*got = n;
		return 0;
	}
	for (;;) {
		ssize_t n = read(c->fd, buf, cap);
		if (n >= 0) {
			*got = (size_t)n;
			return 0;
		}
		if (errno != EINTR)
			return wats__error_at(WATS_EIO, WATS_ERRCLASS_OS, c->name, 0, 0,
					      "%s: cannot read: %s", c->name, strerror(errno));
	}
}

int wats__cctx_read_all(wats__cctx *c, const unsigned char **data, size_t *len, char **owned,
			size_t max)
{
	*owned = NULL;
	if (c->data) {
		*data = c->data + c->pos;
		*len = c->len - c->pos;
		c->pos = c->len;
		if (*len > max)
			return wats__error_at(WATS_ELIMIT, WATS_ERRCLASS_CONVERT, c->name, 0, 0,
					      "%s: input of %zu bytes is over the %zu-byte limit of this converter",
					      c->name, *len, max);
		return 0;
	}
	wats_buf b = WATS_BUF_INIT;
	for (;;) {
		if (wats__buf_grow(&b, 1 << 16) < 0) {
			wats__buf_dispose(&b);
			return wats__error_oom();
		}
		size_t got;
		int rc = wats__cctx_read(c, b.ptr + b.len, b.cap - b.len - 1, &got);
		if (rc < 0) {
			wats__buf_dispose(&b);
			return rc;
		}
		if (!got)
			break;
		b.len += got;
		b.ptr[b.len] = '\0';
		if (b.len > max) {
			wats__buf_dispose(&b);
			return wats__error_at(WATS_ELIMIT, WATS_ERRCLASS_CONVERT, c->name, 0, 0,
					      "%s: input is over the %zu-byte limit of this converter",
					      c->name, max);
		}
	}
	if (!b.ptr && wats__buf_puts(&b, "") < 0)
		return wats__error_oom();
	*len = b.len;
	*owned = wats__buf_detach(&b, NULL);
	*data = (const unsigned char *)*owned;
	return 0;
}

int wats__cctx_emit(wats__cctx *c, wats_report *r)
{
	if (c->ids && c->ids->derive) {
		int rc = wats__cctx_ensure_id(c, r);
		if (rc < 0) {
			wats_report_free(r);
			return rc;
		}
	}
	c->count++;
	c->log->reports++;
	if (!c->cb) {
		wats_report_free(r);
		return 0;
	}
	int rc = c->cb(r, c->payload);
	if (rc < 0)
		return wats__error(rc, WATS_ERRCLASS_CONVERT, "%s: conversion stopped by the report callback (%d)",
				   c->name, rc);
	return 0;
}

const char *wats__cctx_param(const wats__cctx *c, const char *key)
{
	if (!c->params)
		return NULL;
	size_t kl = strlen(key);
	const char *found = NULL;
	for (const char *const *p = c->params; *p; p++)
		if (!strncasecmp(*p, key, kl) && (*p)[kl] == '=')
			found = *p + kl + 1; /* last one wins */
	return found;
}

void wats__cctx_warn(wats__cctx *c, long line, const char *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_add_warning(c->log, c->name, line, path, msg);
}

int wats__cctx_refused(wats__cctx *c, int rc, long line)
{
	if (rc != WATS_EINVAL)
		return rc;
	return wats__cctx_error(c, WATS_EPARSE, line, 0, "%s", wats_error_last()->message);
}

int wats__cctx_error(wats__cctx *c, int code, long line, long col, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line && col)
		return wats__error_at(code, WATS_ERRCLASS_CONVERT, c->name, (int)line, (int)col,
				      "%s:%ld:%ld: %s", c->name, line, col, msg);
	if (line)
		return wats__error_at(code, WATS_ERRCLASS_CONVERT, c->name, (int)line, 0,
				      "%s:%ld: %s", c->name, line, msg);
	return wats__error_at(code, WATS_ERRCLASS_CONVERT, c->name, 0, 0, "%s: %s", c->name, msg);
}

/* ------------------------------------------------------------------------------------------ */
/* Registry                                                                                   */

static int add_builtin(wats_converters *reg, const char *name, const char *desc,
		       const char *patterns,
		       double (*detect)(const wats_converter *, const char *, const unsigned char *,
					size_t, char *, char *, size_t),
		       int (*convert)(const wats_converter *, wats__cctx *))
{
	wats_converter *cv = calloc(1, sizeof(*cv));
	if (!cv)
		return wats__error_oom();
	cv->name = strdup(name);
	cv->description = strdup(desc);
	cv->patterns = patterns ? strdup(patterns) : NULL;
	cv->detect = detect;
	cv->convert = convert;
	if (reg->n == reg->cap) {
		size_t cap = reg->cap ? reg->cap * 2 : 8;
		wats_converter **it = realloc(reg->items, cap * sizeof(*it));
		if (!it) {
			free(cv->name), free(cv->description), free(cv->patterns), free(cv);
			return wats__error_oom();
		}
		reg->items = it;
		reg->cap = cap;
	}
	reg->items[reg->n++] = cv;
	return 0;
}

static void converter_free(wats_converter *cv)
{
	if (!cv)
		return;
	if (cv->free_impl)
		cv->free_impl(cv->impl);
	free(cv->name);
	free(cv->description);
	free(cv->patterns);
	free(cv);
}

static int registry_push(wats_converters *reg, wats_converter *cv)
{
	if (wats_converters_find(reg, cv->name)) {
		int rc = wats__error(WATS_EEXISTS, WATS_ERRCLASS_CONVERT,
				     "a converter named '%s' is already registered", cv->name);
		converter_free(cv);
		return rc;
	}
	if (reg->n == reg->cap) {
		size_t cap = reg->cap ? reg->cap * 2 : 8;
		wats_converter **it = realloc(reg->items, cap * sizeof(*it));
		if (!it) {
			converter_free(cv);
			return wats__error_oom();
		}
		reg->items = it;
		reg->cap = cap;
	}
	reg->items[reg->n++] = cv;
	return 0;
}

/* The built-in converters, in the order auto-detection breaks ties. Vendor formats:
 * vendor_*.c, docs/converters.md "Vendor formats". */
static const struct {
	const char *name, *desc, *patterns;
	double (*detect)(const wats_converter *, const char *, const unsigned char *, size_t, char *,
			 char *, size_t);
	int (*convert)(const wats_converter *, wats__cctx *);
} builtins[] = {
	{ "wsjf", "WATS Standard JSON Format (the full report model)", "*.json;*.wsjf", wats__wsjf_detect, wats__wsjf_convert },
	{ "wsxf", "WATS Standard XML Format (Reports/Report, UUT and UUR)", "*.xml;*.wsxf", wats__wsxf_detect, wats__wsxf_convert },
	{ "wstf", "WATS Standard Text Format (tab-delimited)", "*.txt;*.wstf;*.tsv", wats__wstf_detect, wats__wstf_convert },
	{ "atml", "IEEE 1636.1 ATML Test Results 2.02/5.00/6.01 (TestStand)", "*.xml;*.atml", wats__atml_detect, wats__atml_convert },
	{ "csv", "CSV with a mapping file (parameter mapping=FILE)", "*.csv;*.txt", wats__csv_detect, wats__csv_convert },
	{ "teststand", "NI TestStand XML report (TSReport, with or without WATS)", "*.xml", wats__teststand_detect, wats__teststand_convert },
	{ "spea3030", "SPEA 3030 ICT (';'-separated START/ANL/END records)", "*.csv;*.txt;*.dat", wats__spea_detect, wats__spea_convert },
	{ "gr228x", "Teradyne GR228X in-circuit test log", "*.log;*.txt", wats__gr228x_detect, wats__gr228x_convert },
	{ "spectrum", "Teradyne Spectrum ICT data (several boards per file)", "*.txt;*.log;*.dat", wats__spectrum_detect, wats__spectrum_convert },
	{ "xjtag", "XJTAG boundary-scan log (.xjlog archive or XJTAG XML)", "*.xjlog;*.xml", wats__xjtag_detect, wats__xjtag_convert },
	{ "takaya", "Takaya flying-probe ATD (panels, APT94xx)", "*.atd;*.txt", wats__takaya_detect, wats__takaya_convert },
	{ "saki", "Saki AOI XML (<Panel> with images, false calls, failed references)", "*.xml", wats__saki_detect, wats__saki_convert },
	{ "sigmaquest", "SigmaSure (SigmaQuest) unit report XML", "*.xml", wats__sigmaquest_detect, wats__sigmaquest_convert },
	{ "stepwize", "StepWize XSPC configuration and results", "*.xspc;*.xml", wats__stepwize_detect, wats__stepwize_convert },
	{ "listen", "Listen SoundCheck AutoSave log (results or curves; decimal point or comma)", "*.txt;*.csv", wats__listen_detect, wats__listen_convert },
	{ "klippel", "Klippel QC log (summary .txt of Key=Value lines plus the folder of curve files beside it)", "*.txt", wats__klippel_detect, wats__klippel_convert },
};

int wats_converters_new(wats_converters **out)
{
	if (!out)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL out");
	wats_converters *reg = calloc(1, sizeof(*reg));
	if (!reg)
		return wats__error_oom();
	/* Without it (no memory for 100 bytes now) reports simply take their blocks from malloc. */
	reg->blocks = wats__block_cache_new(WATS__CONV_BLOCK_CACHE);
	int rc = 0;
	for (size_t i = 0; !rc && i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		rc = add_builtin(reg, builtins[i].name, builtins[i].desc, builtins[i].patterns,
				 builtins[i].detect, builtins[i].convert);
		/* The CSV converter's parsed mappings: a station converts file after file with
		 * the same one. Without memory for it, each conversion reads its mapping (csv.c). */
		if (!rc && builtins[i].convert == wats__csv_convert) {
			wats_converter *csv = reg->items[reg->n - 1];
			csv->impl = wats__file_cache_new();
			csv->free_impl = wats__file_cache_free;
		}
	}
	if (rc) {
		wats_converters_free(reg);
		return rc;
	}
	*out = reg;
	return 0;
}

void wats_converters_free(wats_converters *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->n; i++)
		converter_free(reg->items[i]);
	free(reg->items);
	wats__buf_dispose(&reg->load_errors);
	wats__block_cache_close(reg->blocks);
	free(reg);
}

int wats_converters_load_plugin(wats_converters *reg, const char *path)
{
	if (!reg || !path)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL argument");
	wats_converter *cv;
	int rc = wats__plugin_open(&cv, path);
	if (rc < 0)
		return rc;
	return registry_push(reg, cv);
}

int wats_converters_load_plugins(size_t *loaded, wats_converters *reg, const char *dir);
/* (defined in plugin.c, which owns the directory scan) */

const char *wats_converters_load_errors(const wats_converters *reg)
{
	return reg && reg->load_errors.ptr ? reg->load_errors.ptr : "";
}

/* plugin.c appends skipped files here. */
void wats__registry_load_error(wats_converters *reg, const char *msg);
void wats__registry_load_error(wats_converters *reg, const char *msg)
{
	wats__buf_puts(&reg->load_errors, msg);
	wats__buf_putc(&reg->load_errors, '\n');
}

int wats_converters_add_command(wats_converters *reg, const wats_command_options *opts)
{
	if (!reg || !opts)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL argument");
	wats_converter *cv;
	int rc = wats__command_new(&cv, opts);
	if (rc < 0)
		return rc;
	return registry_push(reg, cv);
}

size_t wats_converters_count(const wats_converters *reg)
{
	return reg ? reg->n : 0;
}

const wats_converter *wats_converters_at(const wats_converters *reg, size_t i)
{
	return reg && i < reg->n ? reg->items[i] : NULL;
}

const wats_converter *wats_converters_find(const wats_converters *reg, const char *name)
{
	if (!reg || !name)
		return NULL;
	for (size_t i = 0; i < reg->n; i++)
		if (!strcasecmp(reg->items[i]->name, name))
			return reg->items[i];
	return NULL;
}

const char *wats_converter_name(const wats_converter *conv)
{
	return conv ? conv->name : "";
}

const char *wats_converter_description(const wats_converter *conv)
{
	return conv ? conv->description : "";
}

/* ------------------------------------------------------------------------------------------ */
/* Detection                                                                                  */

int wats_convert_detect_buffer(wats_detection *out, const wats_converters *reg,
			       const char *name, const void *data, size_t len)
{
	if (!out || !reg || (!data && len))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL argument");
	memset(out, 0, sizeof(*out));
	if (len > WATS_DETECT_HEAD)
		len = WATS_DETECT_HEAD;
	/* UTF-16 with a BOM: detection looks at ASCII text, so narrow the head first. */
	const unsigned char *b = data;
	if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
		unsigned char *narrow = malloc(len / 2 + 1);
		if (!narrow)
			return wats__error_oom();
		size_t n = 0, lo = b[0] == 0xFF ? 0 : 1;
		for (size_t i = 2; i + 1 < len; i += 2)
			narrow[n++] = b[i + 1 - lo] == 0 && b[i + lo] < 0x80 ? b[i + lo] : '?';
		narrow[n] = '\0';
		int rc = wats_convert_detect_buffer(out, reg, name, narrow, n);
		free(narrow);
		return rc;
	}
	for (size_t i = 0; i < reg->n; i++) {
		wats_converter *cv = reg->items[i];
		char sn[101] = "", pn[101] = "";
		double conf = cv->detect(cv, name ? name : "", data ? data : (const void *)"", len,
					 sn, pn, sizeof(sn));
		if (!(conf >= 0))
			conf = 0;
		if (conf > 1)
			conf = 1;
		if (conf > out->confidence) {
			out->converter = cv;
			out->confidence = conf;
			memcpy(out->sn, sn, sizeof(sn));
			memcpy(out->pn, pn, sizeof(pn));
			out->sn[100] = out->pn[100] = '\0';
		}
	}
	return 0;
}

static int read_head(unsigned char *buf, size_t cap, size_t *got, int fd, const char *path)
{
	*got = 0;
	while (*got < cap) {
		ssize_t n = read(fd, buf + *got, cap - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return wats__error_at(WATS_EIO, WATS_ERRCLASS_OS, path, 0, 0, "%s: cannot read: %s",
					      path, strerror(errno));
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return 0;
}

static int open_input(int *fd, const char *path)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return wats__error_at(errno == ENOENT ? WATS_ENOTFOUND : WATS_EIO, WATS_ERRCLASS_OS,
				      path, 0, 0, "%s: cannot open: %s", path, strerror(errno));
	return 0;
}

int wats_convert_detect(wats_detection *out, const wats_converters *reg, const char *path)
{
	if (!out || !reg || !path)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL argument");
	int fd;
	int rc = open_input(&fd, path);
	if (rc < 0)
		return rc;
	unsigned char *head = malloc(WATS_DETECT_HEAD);
	if (!head) {
		close(fd);
		return wats__error_oom();
	}
	size_t got;
	rc = read_head(head, WATS_DETECT_HEAD, &got, fd, path);
	close(fd);
	if (!rc)
		rc = wats_convert_detect_buffer(out, reg, path, head, got);
	free(head);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Conversion                                                                                 */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int run(size_t *count, const wats_converters *reg, const char *name, int fd,
	       const unsigned char *data, size_t len, const wats_convert_options *opts,
	       wats_report_cb cb, void *payload)
{
	wats_convert_options defaults = WATS_CONVERT_OPTIONS_INIT;
	if (!opts)
		opts = &defaults;
	/* Version 1 callers have no flags member. */
	if (opts->version != WATS_CONVERT_OPTIONS_VERSION && opts->version != 1)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "wats_convert_options version %u is not %d", opts->version,
				   WATS_CONVERT_OPTIONS_VERSION);
	unsigned flags = opts->version >= 2 ? opts->flags : 0;
	wats_conversion_log own_log;
	memset(&own_log, 0, sizeof(own_log));
	wats_conversion_log *log = opts->log ? opts->log : &own_log;
	wats_conversion_log_reset(log);
	double t0 = now_ms();
	const char *shown = name ? name : "<buffer>";
	wats__cctx c = { shown, data, len, 0, fd, opts->params, log, cb, payload, 0, 1.0, NULL,
			 reg->blocks, 0 };
	const wats_converter *cv = NULL;
	int rc = 0;
	wats__idgen ids;
	wats__idgen_init(&ids, (flags & WATS_CONVERT_DERIVE_IDS) != 0);
	c.ids = &ids;
	if (ids.derive) {
		if (data)
			wats__idgen_feed(&ids, data, len);
		else
			rc = wats__idgen_hash_fd(&ids, fd, shown);
	}

	if (rc) {
		/* the input could not be read for derived ids */
	} else if (opts->converter && strcasecmp(opts->converter, "auto")) {
		cv = wats_converters_find(reg, opts->converter);
		if (!cv)
			rc = wats__error(WATS_EINVAL, WATS_ERRCLASS_CONVERT,
					 "no converter named '%s' (see wats convert --list)",
					 opts->converter);
		c.confidence = 1.0;
	} else {
		/* Detection reads the head; a file is then rewound, a buffer is used in place. */
		unsigned char *head = NULL;
		size_t hlen = len;
		const unsigned char *hp = data;
		if (!data) {
			head = malloc(WATS_DETECT_HEAD);
			if (!head)
				rc = wats__error_oom();
			else
				rc = read_head(head, WATS_DETECT_HEAD, &hlen, fd, shown);
			if (!rc && lseek(fd, 0, SEEK_SET) < 0)
				rc = wats__error_at(WATS_EIO, WATS_ERRCLASS_OS, shown, 0, 0,
						    "%s: cannot rewind: %s", shown, strerror(errno));
			hp = head;
		}
		wats_detection det;
		if (!rc)
			rc = wats_convert_detect_buffer(&det, reg, name, hp, hlen);
		free(head);
		double min = opts->min_confidence > 0 ? opts->min_confidence : 0.2;
		if (!rc && (!det.converter || det.confidence < min))
			rc = wats__error_at(WATS_EUNSUPPORTED, WATS_ERRCLASS_CONVERT, shown, 0, 0,
					    "%s: no converter recognises this file (best: %s at %.2f, "
					    "needed %.2f); name one with --from",
					    shown, det.converter ? det.converter->name : "none",
					    det.confidence, min);
		if (!rc) {
			cv = det.converter;
			c.confidence = det.confidence;
		}
	}
	if (cv) {
		log->converter = strdup(cv->name);
		log->confidence = c.confidence;
		rc = cv->convert(cv, &c);
	}
	log->elapsed_ms = now_ms() - t0;
	if (rc < 0) {
		wats__buf_clear(&log->err);
		wats__buf_puts(&log->err, wats_error_last()->message);
	}
	if (count)
		*count = c.count;
	if (log == &own_log)
		wats_conversion_log_reset(&own_log);
	return rc;
}

int wats_convert_buffer(size_t *count, const wats_converters *reg, const char *name,
			const void *data, size_t len, const wats_convert_options *opts,
			wats_report_cb on_report, void *payload)
{
	if (count)
		*count = 0;
	if (!reg || (!data && len))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL argument");
	return run(count, reg, name, -1, data ? data : (const void *)"", len, opts, on_report,
		   payload);
}

int wats_convert_file(size_t *count, const wats_converters *reg, const char *path,
		      const wats_convert_options *opts, wats_report_cb on_report, void *payload)
{
	if (count)
		*count = 0;
	if (!reg || !path)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL argument");
	int fd;
	int rc = open_input(&fd, path);
	if (rc < 0) {
		if (opts && opts->log) {
			wats_conversion_log_reset(opts->log);
			wats__buf_puts(&opts->log->err, wats_error_last()->message);
		}
		return rc;
	}
	rc = run(count, reg, path, fd, NULL, 0, opts, on_report, payload);
	close(fd);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Parsed-file cache (the CSV mappings; convert_internal.h)                                    */

struct wats__cached {
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	int racy;          /* changed near the time it was read: compare the text before use */
	char *text;
	size_t len;
	void *value;
	void (*free_value)(void *);
	unsigned refs;     /* the cache's own one while listed, plus one per user */
	unsigned long used; /* the cache's clock at the last hit (least recently used goes) */
};

struct wats__file_cache {
	pthread_mutex_t lock;
	wats__cached *e[WATS__FILE_CACHE_MAX];
	size_t n;
	unsigned long clock;
};

wats__file_cache *wats__file_cache_new(void)
{
	wats__file_cache *fc = calloc(1, sizeof(*fc));
	if (fc && pthread_mutex_init(&fc->lock, NULL)) {
		free(fc);
		fc = NULL;
	}
	return fc;
}

static void cached_unref(wats__cached *e)
{
	if (--e->refs)
		return;
	if (e->free_value)
		e->free_value(e->value);
	free(e->text);
	free(e->path);
	free(e);
}

void wats__file_cache_free(void *cache)
{
	wats__file_cache *fc = cache;
	if (!fc)
		return;
	for (size_t i = 0; i < fc->n; i++)
		cached_unref(fc->e[i]);
	pthread_mutex_destroy(&fc->lock);
	free(fc);
}

size_t wats__file_cache_count(wats__file_cache *fc)
{
	pthread_mutex_lock(&fc->lock);
	size_t n = fc->n;
	pthread_mutex_unlock(&fc->lock);
	return n;
}

void *wats__cached_value(const wats__cached *e)
{
	return e->value;
}

void wats__cached_release(wats__file_cache *fc, wats__cached *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&fc->lock);
	cached_unref(e);
	pthread_mutex_unlock(&fc->lock);
}

static int same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Modified less than two seconds before now: a later edit may keep the same size and mtime. */
static int is_racy(const struct stat *st)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return st->st_mtim.tv_sec >= now.tv_sec - 2;
}

/* Whether the file at path still holds exactly e's text (read outside the lock). */
static int text_unchanged(const wats__cached *e)
{
	char *t;
	size_t n;
	if (wats__read_file(&t, &n, e->path, e->len + 1) < 0)
		return 0; /* gone or grown: parsed again, which reports what is wrong */
	int same = n == e->len && !memcmp(t, e->text, n);
	free(t);
	return same;
}

int wats__file_cache_get(wats__cached **out, wats__file_cache *fc, const char *path,
			 struct stat *st)
{
	*out = NULL;
	if (stat(path, st) < 0)
		return -1;
	if (!fc)
		return 0;
	pthread_mutex_lock(&fc->lock);
	wats__cached *e = NULL;
	for (size_t i = 0; i < fc->n && !e; i++) {
		wats__cached *c = fc->e[i];
		if (c->ino == st->st_ino && c->dev == st->st_dev && c->size == st->st_size &&
		    same_time(c->mtime, st->st_mtim) && same_time(c->ctime, st->st_ctim) &&
		    !strcmp(c->path, path)) {
			e = c;
			e->refs++;
			e->used = ++fc->clock;
		}
	}
	int racy = e && e->racy;
	pthread_mutex_unlock(&fc->lock);
	if (racy) {
		if (!text_unchanged(e)) {
			wats__cached_release(fc, e);
			return 0;
		}
		if (!is_racy(st)) {
			pthread_mutex_lock(&fc->lock);
			e->racy = 0; /* old enough now: an edit from here on changes mtime */
			pthread_mutex_unlock(&fc->lock);
		}
	}
	*out = e;
	return 0;
}

wats__cached *wats__file_cache_put(wats__file_cache *fc, const char *path, const struct stat *st,
				   char *text, size_t len, void *value, void (*free_value)(void *))
{
	if (!fc)
		return NULL;
	wats__cached *e = calloc(1, sizeof(*e));
	if (!e || !(e->path = strdup(path))) {
		free(e);
		return NULL;
	}
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	e->ctime = st->st_ctim;
	e->racy = is_racy(st);
	e->text = text;
	e->len = len;
	e->value = value;
	e->free_value = free_value;
	e->refs = 2; /* the cache's and the caller's */
	pthread_mutex_lock(&fc->lock);
	e->used = ++fc->clock;
	size_t slot = fc->n;
	/* An older version of the same file goes first, else the least recently used. */
	for (size_t i = 0; i < fc->n; i++)
		if (!strcmp(fc->e[i]->path, path)) {
			slot = i;
			break;
		}
	if (slot == fc->n && fc->n == WATS__FILE_CACHE_MAX) {
		slot = 0;
		for (size_t i = 1; i < fc->n; i++)
			if (fc->e[i]->used < fc->e[slot]->used)
				slot = i;
	}
	if (slot < fc->n)
		cached_unref(fc->e[slot]); /* users still holding it keep it alive */
	else
		fc->n++;
	fc->e[slot] = e;
	pthread_mutex_unlock(&fc->lock);
	return e;
}
