/*
 * Saki AOI XML ("saki"): one panel inspection
 *   <Panel barcode=SN result="failed|passed" startDate="MM/dd/yyyy" startTime="HH:mm:ss"
 *          side=PN operator=..>
 *     <Program name=.. ver=../>
 *     <Image barcode=.. id=N result=..><Results>
 *         <FalseCalls><Reference designator= partNumber= package= description=/>..</FalseCalls>
 *         <Failed><Reference ../>..</Failed>
 *     </Results></Image> ..
 *   </Panel>
 * As WATS maps it: a sequence "Image N" per image with sub-sequences "False Calls" (passed) and
 * "Failed" (failed), a string step per reference designator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/vendor_util.h"

#define SAKI_MAX_NODES 2000000

static wats_status verdict(const char *v)
{
	if (!v)
		return WATS_STATUS_NONE;
	if (!strcasecmp(v, "failed") || !strcasecmp(v, "fail") || !strcasecmp(v, "ng"))
		return WATS_STATUS_FAILED;
	if (!strcasecmp(v, "passed") || !strcasecmp(v, "pass") || !strcasecmp(v, "good") ||
	    !strcasecmp(v, "ok"))
		return WATS_STATUS_PASSED;
	return WATS_STATUS_NONE;
}

/* A step per <Reference>: string measurement = the component's part number (LOG). */
static int references(wats__cctx *c, wats_step *img, const wats__xnode *list, const char *seqname,
		      wats_status st)
{
	const wats__xnode *ref = wats__xtree_child(list, "Reference");
	if (!ref)
		return 0;
	wats_step *seq;
	int rc = wats_step_add(&seq, img, WATS_STEP_SEQUENCE, seqname);
	if (!rc)
		rc = wats_step_set_status(seq, st);
	wats_buf b = WATS_BUF_INIT;
	for (; ref && !rc; ref = wats__xtree_next_same(ref)) {
		const char *d = wats__xtree_attr(ref, "designator");
		if (!d || !*d) {
			wats__cctx_warn(c, ref->line, "designator", "<Reference> without a designator");
			d = "(unnamed)";
		}
		wats_step *s;
		rc = wats_step_add(&s, seq, WATS_STEP_STRING, d);
		const char *pn = wats__xtree_attr(ref, "partNumber");
		wats_meas *m;
		if (!rc)
			rc = wats_step_add_string(&m, s, NULL, pn ? pn : "", WATS_COMP_LOG, NULL);
		if (!rc)
			rc = wats_meas_set_status(m, st);
		if (!rc)
			rc = wats_step_set_status(s, st);
		const char *pk = wats__xtree_attr(ref, "package"), *de = wats__xtree_attr(ref, "description");
		b.len = 0;
		/* puts, not printf: formatting was a tenth of a large panel's conversion */
		if (!rc && pk && *pk && !(rc = wats__buf_puts(&b, "Package: ")))
			rc = wats__buf_puts(&b, pk);
		if (!rc && de && *de && !(rc = wats__buf_puts(&b, b.len ? "\nDescription: " : "Description: ")))
			rc = wats__buf_puts(&b, de);
		if (!rc && b.len && !(rc = wats__buf_putc(&b, '\0')))
			rc = wats_step_set_report_text(s, b.ptr);
	}
	wats__buf_dispose(&b);
	return rc;
}

static int panel(wats__cctx *c, const wats__xnode *p)
{
	if (!p || strcmp(p->name, "Panel"))
		return wats__cctx_error(c, WATS_EPARSE, p ? p->line : 1, 0,
					"root element <%s> is not a Saki <Panel>", p ? p->name : "");
	long line = p->line;
	const char *sd = wats__xtree_attr(p, "startDate"), *stt = wats__xtree_attr(p, "startTime");
	int mo, d, y, h = 0, mi = 0, s = 0;
	char tail;
	if (!sd || sscanf(sd, "%d/%d/%d%c", &mo, &d, &y, &tail) != 3)
		return wats__cctx_error(c, WATS_EPARSE, line, 0, "<Panel> startDate '%s' is not "
					"MM/dd/yyyy", sd ? sd : "");
	if (stt && sscanf(stt, "%d:%d:%d%c", &h, &mi, &s, &tail) != 3)
		return wats__cctx_error(c, WATS_EPARSE, line, 0, "<Panel> startTime '%s' is not "
					"HH:mm:ss", stt);
	wats_report *r;
	int rc = wats__new_uut(&r, c);
	if (rc < 0)
		return rc;
	const char *v;
	if (wats__vu_set_start_local(c, r, y, mo, d, h, mi, s, 0) < 0) {
		wats_report_free(r);
		return wats__cctx_error(c, WATS_EPARSE, line, 0, "<Panel> start '%s %s' out of range",
					sd, stt ? stt : "");
	}
	if ((v = wats__xtree_attr(p, "barcode")) && *v)
		rc = wats_report_set_sn(r, v);
	else
		wats__cctx_warn(c, line, "barcode", "<Panel> without a barcode (serial number)");
	if (!rc && (v = wats__xtree_attr(p, "side")) && *v)
		rc = wats_report_set_pn(r, v);
	if (!rc && (v = wats__xtree_attr(p, "operator")) && *v)
		rc = wats_report_set_operator(r, v);
	const wats__xnode *prog = wats__xtree_child(p, "Program");
	const char *pname = prog ? wats__xtree_attr(prog, "name") : NULL;
	const char *pver = prog ? wats__xtree_attr(prog, "ver") : NULL;
	if (!pname || !*pname)
		pname = wats__cctx_param(c, "sequenceName");
	if (!pver || !*pver)
		pver = wats__cctx_param(c, "sequenceVersion");
	if (!rc && (pname || pver))
		rc = wats_step_set_seq_call(wats_report_root(r), NULL, pname ? pname : "",
					    pver ? pver : "");
	for (const wats__xnode *img = wats__xtree_child(p, "Image"); img && !rc; img = wats__xtree_next_same(img)) {
		char name[128];
		const char *id = wats__xtree_attr(img, "id");
		snprintf(name, sizeof(name), "Image %.100s", id ? id : "");
		wats_step *seq;
		rc = wats_step_add(&seq, wats_report_root(r), WATS_STEP_SEQUENCE, name);
		const char *bc = wats__xtree_attr(img, "barcode");
		if (!rc && bc && *bc && strcmp(bc, "N/A")) {
			char t[256];
			snprintf(t, sizeof(t), "Barcode: %.200s", bc);
			rc = wats_step_set_report_text(seq, t);
		}
		const wats__xnode *res = wats__xtree_child(img, "Results");
		if (!rc && res)
			rc = references(c, seq, wats__xtree_child(res, "FalseCalls"), "False Calls",
					WATS_STATUS_PASSED);
		if (!rc && res)
			rc = references(c, seq, wats__xtree_child(res, "Failed"), "Failed", WATS_STATUS_FAILED);
		wats_status st = verdict(wats__xtree_attr(img, "result"));
		if (st == WATS_STATUS_NONE)
			st = WATS_STATUS_PASSED; /* as the reference: anything but "failed" passes */
		if (!rc)
			rc = wats_step_set_status(seq, st);
	}
	wats_status res = verdict(wats__xtree_attr(p, "result"));
	if (res == WATS_STATUS_NONE) {
		v = wats__xtree_attr(p, "result");
		wats__cctx_warn(c, line, "result", "panel result '%s' not known; Passed used", v ? v : "");
		res = WATS_STATUS_PASSED;
	}
	if (!rc)
		rc = wats_report_set_result(r, res);
	if (!rc && res == WATS_STATUS_FAILED)
		rc = wats_step_set_status(wats_report_root(r), WATS_STATUS_FAILED);
	return wats__vu_deliver(c, c, r, line, rc);
}

double wats__saki_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			 size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)name;
	const char *p = wats__find(head, len, "<Panel ");
	if (!p || !wats__find(head, len, "startDate=") || !wats__find(head, len, "barcode=") ||
	    !(wats__find(head, len, "<Image ") || wats__find(head, len, "<Program ")))
		return 0;
	/* barcode= and side= of the <Panel> element (the first attributes in the file). */
	const char *end = memchr(p, '>', len - (size_t)(p - (const char *)head));
	size_t n = end ? (size_t)(end - p) : len - (size_t)(p - (const char *)head);
	static const char *const keys[2] = { " barcode=", " side=" };
	char *outs[2] = { sn, pn };
	for (int k = 0; k < 2; k++) {
		const char *a = wats__find((const unsigned char *)p, n, keys[k]);
		if (!a)
			continue;
		a += strlen(keys[k]);
		char q = *a;
		if (q != '"' && q != '\'')
			continue;
		const char *e = memchr(a + 1, q, n - (size_t)(a + 1 - p));
		if (e)
			wats__copy_trim(outs[k], size, a + 1, (size_t)(e - a - 1));
	}
	return 0.9;
}

int wats__saki_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	wats__xnode *root;
	int rc = wats__xtree_read(&root, c, SAKI_MAX_NODES);
	if (rc < 0)
		return rc;
	rc = panel(c, root);
	wats__xtree_free(root);
	return rc < 0 ? rc : 0;
}
