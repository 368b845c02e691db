/*
 * Full validation with the report model (wats_report_parse + wats_report_validate), and the
 * header for the query index read from the parsed tree, so a report is parsed only once.
 */
#include "report_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wats/report.h"

static void take(char **dst, const wats_node *obj, const char *key, unsigned *wrong,
		 unsigned bit)
{
	const wats_node *n = wats_node_get(obj, key);
	if (!n)
		return;
	const char *s = wats_node_string(n, NULL);
	if (s) {
		*dst = strdup(s);
	} else if (wrong && (wats_node_kind_of(n) == WATS_NODE_NUMBER ||
			     wats_node_kind_of(n) == WATS_NODE_BOOL)) {
		*wrong |= bit;
	}
}

static int take_int(int64_t *dst, const wats_node *obj, const char *key)
{
	const wats_node *n = wats_node_get(obj, key);
	return n && wats_node_int(dst, n) == 0;
}

static void index_tree(ds_report_meta *m, wats_report *rep)
{
	const wats_node *top = wats_report_node(rep);
	take(&m->raw_id, top, "id", &m->wrong_type, DS_WT_ID);
	take(&m->type_raw, top, "type", &m->wrong_type, DS_WT_TYPE);
	take(&m->pn, top, "pn", &m->wrong_type, DS_WT_PN);
	take(&m->sn, top, "sn", &m->wrong_type, DS_WT_SN);
	take(&m->rev, top, "rev", &m->wrong_type, DS_WT_REV);
	take(&m->result, top, "result", &m->wrong_type, DS_WT_RESULT);
	take(&m->machine_name, top, "machineName", &m->wrong_type, DS_WT_MACHINE);
	take(&m->location, top, "location", &m->wrong_type, DS_WT_LOCATION);
	take(&m->purpose, top, "purpose", &m->wrong_type, DS_WT_PURPOSE);
	take(&m->start, top, "start", &m->wrong_type, DS_WT_START);
	take(&m->process_name, top, "processName", NULL, 0);
	const wats_node *pc = wats_node_get(top, "processCode");
	if (pc && wats_node_kind_of(pc) != WATS_NODE_NULL) {
		if (wats_node_int(&m->process_code, pc) == 0)
			m->has_process_code = 1;
		else
			m->process_code_raw = strdup("?");
	}
	const wats_node *info = wats_node_get(top, "uut");
	if (!info)
		info = wats_node_get(top, "uur");
	if (info && wats_node_kind_of(info) == WATS_NODE_OBJECT) {
		take(&m->op, info, "user", NULL, 0);
		take(&m->batch_sn, info, "batchSN", NULL, 0);
		take(&m->fixture_id, info, "fixtureId", NULL, 0);
		take(&m->comment, info, "comment", NULL, 0);
		take(&m->error_message, info, "errorMessage", NULL, 0);
		take(&m->ref_uut, info, "refUUT", NULL, 0);
		const wats_node *et = wats_node_get(info, "execTime");
		m->has_exec_time = et && wats_node_number(&m->exec_time, et) == 0;
		m->has_socket = take_int(&m->socket_index, info, "testSocketIndex");
		m->has_error_code = take_int(&m->error_code, info, "errorCode");
	}
	const wats_node *misc = wats_node_get(top, "miscInfos");
	size_t nm = wats_node_kind_of(misc) == WATS_NODE_ARRAY ? wats_node_count(misc) : 0;
	if (misc && nm && (m->misc = calloc(nm, sizeof(*m->misc)))) {
		m->misc_cap = nm;
		for (const wats_node *e = wats_node_first(misc); e; e = wats_node_next(e)) {
			if (wats_node_kind_of(e) != WATS_NODE_OBJECT)
				continue;
			ds_misc *x = &m->misc[m->nmisc++];
			take(&x->description, e, "description", NULL, 0);
			take(&x->text, e, "text", NULL, 0);
			const wats_node *num = wats_node_get(e, "numeric");
			char buf[512]; /* a longer number text is not indexed */
			if (!x->text && num && wats_node_number_text(buf, sizeof(buf), num) == 0)
				x->text = strdup(buf);
		}
	}
	const wats_node *sub = wats_node_get(top, "subUnits");
	size_t ns = wats_node_kind_of(sub) == WATS_NODE_ARRAY ? wats_node_count(sub) : 0;
	if (sub && ns && (m->sub = calloc(ns, sizeof(*m->sub)))) {
		m->sub_cap = ns;
		for (const wats_node *e = wats_node_first(sub); e; e = wats_node_next(e)) {
			if (wats_node_kind_of(e) != WATS_NODE_OBJECT)
				continue;
			ds_subunit *x = &m->sub[m->nsub++];
			take(&x->pn, e, "pn", NULL, 0);
			take(&x->sn, e, "sn", NULL, 0);
			take(&x->rev, e, "rev", NULL, 0);
			take(&x->part_type, e, "partType", NULL, 0);
		}
	}
}

int ds_report_check_model(ds_report_meta *m, const char *body, size_t len, unsigned max_depth,
			  char *path, size_t pathlen, char *msg, size_t msglen)
{
	wats_parse_options o = WATS_PARSE_OPTIONS_INIT;
	o.max_depth = max_depth > 127 ? 127 : (int)max_depth;
	wats_report *rep = NULL;
	path[0] = '\0';
	if (wats_report_parse(&rep, body, len, &o) < 0) {
		const wats_error *e = wats_error_last();
		if (e->line)
			snprintf(msg, msglen, "malformed JSON at line %d, column %d: %s", e->line,
				 e->column, e->message);
		else
			snprintf(msg, msglen, "%s", e->message);
		return -1;
	}
	if (wats_node_kind_of(wats_report_node(rep)) != WATS_NODE_OBJECT) {
		snprintf(msg, msglen, "report must be a JSON object ({...})");
		wats_report_free(rep);
		return -1;
	}
	int rc = 0;
	wats_validation *v = NULL;
	if (wats_report_validate(rep, &v) == WATS_EVALIDATION) {
		/* A report without an id is accepted: the server gives it one, as WATS does.
		 * Every other error refuses the report; the first one is reported. */
		for (size_t i = 0; v && i < wats_validation_count(v); i++) {
			const wats_issue *is = wats_validation_get(v, i);
			if (is->severity != WATS_SEVERITY_ERROR)
				continue;
			if (is->path && !strcmp(is->path, "id") && is->rule &&
			    !strcmp(is->rule, "required"))
				continue;
			snprintf(path, pathlen, "%s", is->path ? is->path : "");
			snprintf(msg, msglen, "%s", is->message);
			rc = -2;
			break;
		}
	}
	wats_validation_free(v);
	if (!rc)
		index_tree(m, rep);
	wats_report_free(rep);
	return rc;
}
