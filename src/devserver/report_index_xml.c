/*
 * Header extraction for WSXF (XML) bodies with expat. The body is stored as received; only the
 * first <Report> element's header is indexed so that Query/Header finds WSXF reports too.
 * Namespace prefixes are ignored (the real files use a default namespace).
 */
#include "report_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>

#include "devserver.h"

typedef struct {
	XML_Parser p;
	ds_report_meta *m;
	unsigned depth, max_depth;
	int in_report;          /* inside the first <Report> */
	int seen_report;
	unsigned report_depth;
	wats_buf text;          /* character data of <MiscInfo> / <Comment> */
	int collect;            /* 1 misc text, 2 comment */
	const char *fail;       /* reason we stopped the parser ourselves */
} xctx;

static const char *local(const char *name)
{
	const char *c = strrchr(name, ':');
	return c ? c + 1 : name;
}

static const char *attr(const char **a, const char *name)
{
	for (; a && a[0]; a += 2)
		if (!strcmp(local(a[0]), name))
			return a[1];
	return NULL;
}

static void dup_attr(char **dst, const char **a, const char *name)
{
	const char *v = attr(a, name);
	if (v) {
		free(*dst);
		*dst = strdup(v);
	}
}

static char *result_letter(const char *word)
{
	static const char *const map[][2] = { { "Passed", "P" }, { "Failed", "F" }, { "Done", "D" },
					      { "Error", "E" }, { "Terminated", "T" } };
	for (size_t i = 0; i < 5; i++)
		if (!strcasecmp(word, map[i][0]))
			return strdup(map[i][1]);
	return strdup(word);
}

static void XMLCALL on_start(void *u, const char *name, const char **a)
{
	xctx *x = u;
	ds_report_meta *m = x->m;
	if (++x->depth > x->max_depth) {
		x->fail = "XML is nested too deeply";
		XML_StopParser(x->p, XML_FALSE);
		return;
	}
	const char *n = local(name);
	if (!x->seen_report && !strcmp(n, "Report")) {
		x->seen_report = x->in_report = 1;
		x->report_depth = x->depth;
		const char *t = attr(a, "type");
		m->type_raw = strdup(t && !strcasecmp(t, "UUR") ? "R" : "T");
		dup_attr(&m->raw_id, a, "ID");
		dup_attr(&m->start, a, "Start");
		dup_attr(&m->sn, a, "SN");
		dup_attr(&m->pn, a, "PN");
		dup_attr(&m->rev, a, "Rev");
		dup_attr(&m->machine_name, a, "MachineName");
		dup_attr(&m->location, a, "Location");
		dup_attr(&m->purpose, a, "Purpose");
		const char *r = attr(a, "Result");
		if (r)
			m->result = result_letter(r);
		return;
	}
	if (!x->in_report || x->depth != x->report_depth + 1) {
		if (x->in_report && x->depth == x->report_depth + 2 && !strcmp(n, "Comment")) {
			x->collect = 2;
			x->text.len = 0;
		}
		return;
	}
	if (!strcmp(n, "UUT") || !strcmp(n, "UUR")) {
		dup_attr(&m->op, a, "UserLoginName");
		dup_attr(&m->batch_sn, a, "BatchSN");
		dup_attr(&m->fixture_id, a, "FixtureId");
		dup_attr(&m->error_message, a, "ErrorMessage");
		const char *v = attr(a, "ExecutionTime");
		if (v) {
			m->has_exec_time = 1;
			m->exec_time = strtod(v, NULL);
		}
		if ((v = attr(a, "TestSocketIndex"))) {
			m->has_socket = 1;
			m->socket_index = strtoll(v, NULL, 10);
		}
		if ((v = attr(a, "ErrorCode"))) {
			m->has_error_code = 1;
			m->error_code = strtoll(v, NULL, 10);
		}
	} else if (!strcmp(n, "Process")) {
		const char *v = attr(a, "Code");
		if (v) {
			char *end;
			long long c = strtoll(v, &end, 10);
			if (*v && !*end) {
				m->has_process_code = 1;
				m->process_code = c;
			} else {
				m->process_code_raw = strdup(v);
			}
		}
		dup_attr(&m->process_name, a, "Name");
	} else if (!strcmp(n, "MiscInfo")) {
		if (m->nmisc == m->misc_cap) {
			size_t cap = m->misc_cap ? m->misc_cap * 2 : 8;
			ds_misc *v = realloc(m->misc, cap * sizeof(*v));
			if (!v)
				return;
			m->misc = v;
			m->misc_cap = cap;
		}
		ds_misc *e = &m->misc[m->nmisc++];
		const char *d = attr(a, "Description"), *num = attr(a, "Numeric");
		e->description = d ? strdup(d) : NULL;
		e->text = num ? strdup(num) : NULL;
		x->collect = 1;
		x->text.len = 0;
	} else if (!strcmp(n, "ReportUnitHierarchy")) {
		if (m->nsub == m->sub_cap) {
			size_t cap = m->sub_cap ? m->sub_cap * 2 : 8;
			ds_subunit *v = realloc(m->sub, cap * sizeof(*v));
			if (!v)
				return;
			m->sub = v;
			m->sub_cap = cap;
		}
		ds_subunit *e = &m->sub[m->nsub++];
		memset(e, 0, sizeof(*e));
		dup_attr(&e->pn, a, "PN");
		dup_attr(&e->sn, a, "SN");
		dup_attr(&e->rev, a, "Rev");
		dup_attr(&e->part_type, a, "PartType");
	}
}

static void XMLCALL on_end(void *u, const char *name)
{
	xctx *x = u;
	(void)name;
	if (x->collect && x->text.len) {
		if (x->collect == 1 && x->m->nmisc && !x->m->misc[x->m->nmisc - 1].text)
			x->m->misc[x->m->nmisc - 1].text = strdup(x->text.ptr);
		else if (x->collect == 2 && !x->m->comment)
			x->m->comment = strdup(x->text.ptr);
	}
	x->collect = 0;
	if (x->in_report && x->depth == x->report_depth)
		x->in_report = 0;
	x->depth--;
}

static void XMLCALL on_text(void *u, const XML_Char *s, int len)
{
	xctx *x = u;
	if (x->collect && x->text.len < 4096)
		wats__buf_put(&x->text, s, (size_t)len);
}

static void XMLCALL on_doctype(void *u, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	xctx *x = u;
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	/* No DTDs: nothing legitimate needs one and they are the door to entity attacks. */
	x->fail = "a DOCTYPE is not allowed in WSXF";
	XML_StopParser(x->p, XML_FALSE);
}

int ds_report_index_xml(ds_report_meta *m, const char *body, size_t len, unsigned max_depth,
			char *err, size_t errlen)
{
	xctx x = { .m = m, .max_depth = max_depth };
	x.p = XML_ParserCreate("UTF-8");
	if (!x.p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	XML_SetUserData(x.p, &x);
	XML_SetElementHandler(x.p, on_start, on_end);
	XML_SetCharacterDataHandler(x.p, on_text);
	XML_SetStartDoctypeDeclHandler(x.p, on_doctype);
	int rc = 0;
	if (XML_Parse(x.p, body, (int)len, XML_TRUE) != XML_STATUS_OK) {
		snprintf(err, errlen, "malformed WSXF at line %lu, column %lu: %s",
			 (unsigned long)XML_GetCurrentLineNumber(x.p),
			 (unsigned long)XML_GetCurrentColumnNumber(x.p) + 1,
			 x.fail ? x.fail : XML_ErrorString(XML_GetErrorCode(x.p)));
		rc = -1;
	} else if (!x.seen_report) {
		snprintf(err, errlen, "WSXF has no <Report> element (expected <Reports><Report ...>)");
		rc = -1;
	}
	XML_ParserFree(x.p);
	wats__buf_dispose(&x.text);
	return rc;
}
