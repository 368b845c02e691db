#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XML_DTD 1 /* the system expat is built with it; exposes the amplification limits */
#include <expat.h>

#include "convert/xmlin.h"

#define CHUNK (1 << 16)

struct wats__xml {
	XML_Parser p;
	wats__cctx *c;
	const wats__xml_handlers *h;
	int depth;
	int rc;              /* first error from a handler or a limit */
	wats_buf text;
	int text_over;
	XML_Index last_event;
};

long wats__xml_line(const wats__xml *x)
{
	return (long)XML_GetCurrentLineNumber(x->p);
}

int wats__xml_depth(const wats__xml *x)
{
	return x->depth;
}

const char *wats__xml_local(const char *name)
{
	const char *bar = strrchr(name, '|');
	return bar ? bar + 1 : name;
}

int wats__xml_in_ns(const char *name, const char *ns)
{
	const char *bar = strrchr(name, '|');
	if (!ns)
		return bar == NULL;
	size_t n = strlen(ns);
	return bar && (size_t)(bar - name) == n && !memcmp(name, ns, n);
}

const char *wats__xml_attr(const char **atts, const char *ns, const char *local)
{
	for (; atts[0]; atts += 2) {
		if (strcmp(wats__xml_local(atts[0]), local))
			continue;
		if (ns ? wats__xml_in_ns(atts[0], ns) : 1)
			return atts[1];
	}
	return NULL;
}

int wats__xml_error(wats__xml *x, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return wats__cctx_error(x->c, code, (long)XML_GetCurrentLineNumber(x->p),
				(long)XML_GetCurrentColumnNumber(x->p) + 1, "%s", msg);
}

static void fail(wats__xml *x, int rc)
{
	if (!x->rc)
		x->rc = rc;
	XML_StopParser(x->p, XML_FALSE);
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	wats__xml *x = ud;
	if (x->rc)
		return;
	x->last_event = XML_GetCurrentByteIndex(x->p);
	if (++x->depth > WATS__CONV_MAX_DEPTH) {
		fail(x, wats__xml_error(x, WATS_ELIMIT, "element <%s> nested deeper than %d levels "
					"(rule max-depth)", wats__xml_local(name), WATS__CONV_MAX_DEPTH));
		return;
	}
	/* A value given in the start tag is at most 3 times the tag's bytes as UTF-8 (a
	 * windows-1252 byte can become 3, two UTF-16 bytes 3, a reference only shrinks): look
	 * at those values only when the tag is that long. Values defaulted by an ATTLIST
	 * declaration are not in the tag: always looked at. */
	int tag_bytes = XML_GetCurrentByteCount(x->p);
	int specified = XML_GetSpecifiedAttributeCount(x->p);
	const XML_Char **from = atts; /* the specified ones come first, 2 entries each */
	if (tag_bytes > 0 && (size_t)tag_bytes <= WATS__CONV_MAX_ATTR / 3 && specified > 0)
		from += specified;
	for (const XML_Char **a = from; a[0]; a += 2)
		if (strlen(a[1]) > WATS__CONV_MAX_ATTR) {
			fail(x, wats__xml_error(x, WATS_ELIMIT,
						"attribute %s of <%s> is longer than %zu bytes (rule max-attribute)",
						wats__xml_local(a[0]), wats__xml_local(name),
						(size_t)WATS__CONV_MAX_ATTR));
			return;
		}
	wats__buf_clear(&x->text);
	x->text_over = 0;
	if (x->h->start) {
		int rc = x->h->start(x, x->h->ud, name, atts);
		if (rc < 0)
			fail(x, rc);
	}
}

static void on_end(void *ud, const XML_Char *name)
{
	wats__xml *x = ud;
	if (x->rc)
		return;
	x->last_event = XML_GetCurrentByteIndex(x->p);
	x->depth--;
	if (x->h->end) {
		int rc = x->h->end(x, x->h->ud, name, x->text.ptr ? x->text.ptr : "", x->text.len);
		if (rc < 0)
			fail(x, rc);
	}
	wats__buf_clear(&x->text);
}

static void on_text(void *ud, const XML_Char *s, int len)
{
	wats__xml *x = ud;
	if (x->rc)
		return;
	x->last_event = XML_GetCurrentByteIndex(x->p);
	if (x->text.len + (size_t)len > WATS__CONV_MAX_TOKEN) {
		fail(x, wats__xml_error(x, WATS_ELIMIT, "element text longer than %zu bytes (rule max-text)",
					(size_t)WATS__CONV_MAX_TOKEN));
		return;
	}
	if (wats__buf_put(&x->text, s, (size_t)len) < 0)
		fail(x, wats__error_oom());
}

static void on_entity_decl(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
			   int value_length, const XML_Char *base, const XML_Char *system_id,
			   const XML_Char *public_id, const XML_Char *notation)
{
	(void)is_param, (void)value, (void)value_length, (void)base, (void)system_id;
	(void)public_id, (void)notation;
	wats__xml *x = ud;
	fail(x, wats__xml_error(x, WATS_ELIMIT,
				"entity declaration '%s' refused: documents with entity declarations are "
				"not accepted (rule no-entities, protects against entity expansion bombs)",
				name));
}

/* windows-1252: the bytes 0x80-0x9F differ from ISO-8859-1. */
static const unsigned short cp1252_high[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178
};

static int on_unknown_encoding(void *ud, const XML_Char *name, XML_Encoding *info)
{
	(void)ud;
	if (strcasecmp(name, "windows-1252") && strcasecmp(name, "cp1252") &&
	    strcasecmp(name, "x-cp1252"))
		return XML_STATUS_ERROR;
	for (int i = 0; i < 256; i++)
		info->map[i] = i >= 0x80 && i < 0xA0 ? cp1252_high[i - 0x80] : i;
	info->data = NULL;
	info->convert = NULL;
	info->release = NULL;
	return XML_STATUS_OK;
}

int wats__xml_parse(wats__cctx *c, const wats__xml_handlers *h)
{
	wats__xml x;
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.h = h;
	x.p = XML_ParserCreateNS(NULL, '|');
	if (!x.p)
		return wats__error_oom();
	XML_SetUserData(x.p, &x);
	XML_SetElementHandler(x.p, on_start, on_end);
	XML_SetCharacterDataHandler(x.p, on_text);
	XML_SetEntityDeclHandler(x.p, on_entity_decl);
	XML_SetUnknownEncodingHandler(x.p, on_unknown_encoding, NULL);
	XML_SetParamEntityParsing(x.p, XML_PARAM_ENTITY_PARSING_NEVER);
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 4)
	XML_SetBillionLaughsAttackProtectionMaximumAmplification(x.p, 10.0f);
	XML_SetBillionLaughsAttackProtectionActivationThreshold(x.p, 1u << 20);
#endif
	int rc = 0;
	XML_Index fed = 0;
	for (;;) {
		size_t got;
		enum XML_Status st;
		if (c->data) {
			/* A buffer input is parsed in place (no copy into expat's buffer), in chunks
			 * so that the token limit below is checked as it goes. */
			got = c->len - c->pos < CHUNK ? c->len - c->pos : CHUNK;
			const char *chunk = (const char *)c->data + c->pos;
			c->pos += got;
			fed += (XML_Index)got;
			st = XML_Parse(x.p, chunk, (int)got, got == 0);
		} else {
			void *buf = XML_GetBuffer(x.p, CHUNK);
			if (!buf) {
				rc = wats__error_oom();
				break;
			}
			rc = wats__cctx_read(c, buf, CHUNK, &got);
			if (rc < 0)
				break;
			fed += (XML_Index)got;
			st = XML_ParseBuffer(x.p, (int)got, got == 0);
		}
		if (x.rc) {
			rc = x.rc;
			break;
		}
		if (st == XML_STATUS_ERROR) {
			enum XML_Error e = XML_GetErrorCode(x.p);
			const char *why = XML_ErrorString(e);
			if (e == XML_ERROR_NO_ELEMENTS || e == XML_ERROR_UNCLOSED_TOKEN ||
			    (e == XML_ERROR_SYNTAX && got == 0))
				rc = wats__xml_error(&x, WATS_EPARSE, "not well-formed XML: %s (the file is "
						     "truncated or empty)", why);
			else if (e == XML_ERROR_UNKNOWN_ENCODING || e == XML_ERROR_INCORRECT_ENCODING)
				rc = wats__xml_error(&x, WATS_EPARSE, "encoding: %s (supported: UTF-8, "
						     "UTF-16 with BOM, ISO-8859-1, US-ASCII, windows-1252)", why);
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 4)
			else if (e == XML_ERROR_AMPLIFICATION_LIMIT_BREACH)
				rc = wats__xml_error(&x, WATS_ELIMIT, "entity expansion refused: %s "
						     "(rule no-entities)", why);
#endif
			else
				rc = wats__xml_error(&x, WATS_EPARSE, "not well-formed XML: %s", why);
			break;
		}
		if (got == 0)
			break;
		/* A single token (tag, attribute or text run) may not grow without bound. */
		if (fed - x.last_event > (XML_Index)WATS__CONV_MAX_TOKEN + CHUNK) {
			rc = wats__xml_error(&x, WATS_ELIMIT, "a single XML token is longer than %zu bytes "
					     "(rule max-token)", (size_t)WATS__CONV_MAX_TOKEN);
			break;
		}
	}
	wats__buf_dispose(&x.text);
	XML_ParserFree(x.p);
	return rc;
}
