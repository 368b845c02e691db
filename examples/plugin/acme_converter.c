/*
 * A sample converter plugin (ABI v1, wats/converter_plugin.h): the "ACME tester" text format,
 *
 *     ACME-TEST 1
 *     SN=ABC123
 *     PN=PN-42
 *     RESULT=PASS
 *     MEAS=Voltage;3.31;3.2;3.4;V
 *     CHECK=Fan;PASS
 *
 * into WSJF. Build it as a shared object and put it in the plugin folder:
 *     cc -shared -fPIC -I include examples/plugin/acme_converter.c -o acme.so
 *     wats convert --plugins DIR file.acme
 * It uses nothing from libwats: reports go back to the host as WSJF text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wats/converter_plugin.h"

static double detect(void *state, const char *name, const unsigned char *head, size_t len,
		     char *sn, char *pn, size_t size)
{
	(void)state, (void)name;
	if (len < 9 || memcmp(head, "ACME-TEST", 9))
		return 0;
	const char *keys[2] = { "\nSN=", "\nPN=" };
	char *dst[2] = { sn, pn };
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i + 4 < len; i++) {
			if (memcmp(head + i, keys[k], 4))
				continue;
			size_t j = i + 4, n = 0;
			while (j < len && head[j] != '\n' && head[j] != '\r' && n + 1 < size)
				dst[k][n++] = (char)head[j++];
			dst[k][n] = '\0';
			break;
		}
	}
	return 0.9;
}

/* Append s as a JSON string (the format has no control characters but quotes may occur). */
static void jstr(char **p, char *end, const char *s, size_t n)
{
	if (*p < end)
		*(*p)++ = '"';
	for (size_t i = 0; i < n && *p + 2 < end; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20)
			continue;
		if (ch == '"' || ch == '\\')
			*(*p)++ = '\\';
		*(*p)++ = (char)ch;
	}
	if (*p < end)
		*(*p)++ = '"';
}

static int convert(void *state, const char *name, const unsigned char *data, size_t len,
		   const wats_converter_host_v1 *host, char *error, size_t size)
{
	(void)state, (void)name;
	if (len < 9 || memcmp(data, "ACME-TEST", 9)) {
		snprintf(error, size, "not an ACME-TEST file (first line must be 'ACME-TEST 1')");
		return -1;
	}
	size_t cap = len * 4 + 4096;
	char *out = malloc(cap), *p = out, *end = out + cap;
	if (!out) {
		snprintf(error, size, "out of memory");
		return -1;
	}
	const char *station = host->param(host->ctx, "station");
	p += snprintf(p, (size_t)(end - p), "{\"type\":\"T\",\"processCode\":%s,\"rev\":\"1\","
		      "\"machineName\":\"%s\",\"location\":\"ACME\",\"purpose\":\"Test\",\"root\":"
		      "{\"stepType\":\"SequenceCall\",\"name\":\"MainSequence Callback\",\"status\":\"P\","
		      "\"steps\":[", host->param(host->ctx, "processCode") ? host->param(host->ctx, "processCode") : "10",
		      station ? station : "acme-station");
	char sn[128] = "", pn[128] = "", result = 'P';
	int first = 1;
	long line = 0;
	const char *s = (const char *)data, *stop = s + len;
	while (s < stop) {
		const char *nl = memchr(s, '\n', (size_t)(stop - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(stop - s);
		if (n && s[n - 1] == '\r')
			n--;
		line++;
		char buf[1024];
		snprintf(buf, sizeof(buf), "%.*s", (int)(n < 1023 ? n : 1023), s);
		s += nl ? (size_t)(nl - s) + 1 : n;
		if (!strncmp(buf, "SN=", 3))
			snprintf(sn, sizeof(sn), "%.127s", buf + 3);
		else if (!strncmp(buf, "PN=", 3))
			snprintf(pn, sizeof(pn), "%.127s", buf + 3);
		else if (!strncmp(buf, "RESULT=", 7))
			result = !strcmp(buf + 7, "PASS") ? 'P' : 'F';
		else if (!strncmp(buf, "MEAS=", 5) || !strncmp(buf, "CHECK=", 6)) {
			char *f[5] = { 0 };
			char *q = strchr(buf, '=') + 1;
			for (int i = 0; i < 5 && q; i++) {
				f[i] = q;
				q = strchr(q, ';');
				if (q)
					*q++ = '\0';
			}
			if (!first)
				*p++ = ',';
			first = 0;
			if (buf[0] == 'M') {
				if (!f[1] || !f[2] || !f[3]) {
					host->warn(host->ctx, line, "MEAS needs name;value;low;high[;unit]");
					p += snprintf(p, (size_t)(end - p), "{\"stepType\":\"Action\",\"name\":\"bad line\",\"status\":\"D\"}");
					continue;
				}
				double v = atof(f[1]), lo = atof(f[2]), hi = atof(f[3]);
				char st = v >= lo && v <= hi ? 'P' : 'F';
				p += snprintf(p, (size_t)(end - p), "{\"stepType\":\"ET_NLT\",\"name\":");
				jstr(&p, end, f[0], strlen(f[0]));
				p += snprintf(p, (size_t)(end - p), ",\"status\":\"%c\",\"numericMeas\":[{\"compOp\":\"GELE\","
					      "\"status\":\"%c\",\"value\":%s,\"lowLimit\":%s,\"highLimit\":%s,\"unit\":",
					      st, st, f[1], f[2], f[3]);
				jstr(&p, end, f[4] ? f[4] : "", f[4] ? strlen(f[4]) : 0);
				p += snprintf(p, (size_t)(end - p), "}]}");
			} else {
				char st = f[1] && !strcmp(f[1], "PASS") ? 'P' : 'F';
				p += snprintf(p, (size_t)(end - p), "{\"stepType\":\"ET_PFT\",\"name\":");
				jstr(&p, end, f[0], strlen(f[0]));
				p += snprintf(p, (size_t)(end - p), ",\"status\":\"%c\",\"booleanMeas\":[{\"status\":\"%c\"}]}", st, st);
			}
		}
	}
	p += snprintf(p, (size_t)(end - p), "]},\"sn\":");
	jstr(&p, end, sn, strlen(sn));
	p += snprintf(p, (size_t)(end - p), ",\"pn\":");
	jstr(&p, end, pn, strlen(pn));
	p += snprintf(p, (size_t)(end - p), ",\"result\":\"%c\"}", result);
	int rc = host->emit_wsjf(host->ctx, out, (size_t)(p - out));
	free(out);
	if (rc < 0)
		snprintf(error, size, "the host refused the report");
	return rc;
}

static const wats_converter_v1 acme = {
	WATS_CONVERTER_ABI_VERSION, sizeof(wats_converter_v1), "acme",
	"ACME tester key=value text (sample plugin)", "*.acme;*.txt",
	NULL, NULL, detect, convert
};

__attribute__((visibility("default"))) const wats_converter_v1 *wats_converter_v1_entry(void);
const wats_converter_v1 *wats_converter_v1_entry(void)
{
	return &acme;
}
