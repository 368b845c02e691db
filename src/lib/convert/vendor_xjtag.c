/*
 * XJTAG boundary-scan results ("xjtag"): the XML of one test run
 *   <testrun datetime="2019-06-20T11:55:57.4460362Z">
 *     <testgroup name=".."><testfunction name="..">
 *         <text-output output-type="UserText"><![CDATA[..]]></text-output> ..
 *         <result value="Passed|Failed|Skipped"/> <time-taken>4231</time-taken> (ms)
 *     </testfunction></testgroup> ..
 *     <testruninfo><project-description/><user/><serial/><result/><time-taken/>
 *       <xjlink-name/><xjlink-serial/><xjtag-version/></testruninfo>
 * either as a file of its own (XJTAG XML) or zipped in an .xjlog: Info.xml (<TestRunCount>)
 * plus "Run 1.xml" .. "Run N.xml", one report per run.
 * As WATS maps it: a sequence per testgroup, a pass/fail step per testfunction with the text
 * output as report text; part number, revision, process code and the root sequence's name and
 * version come from the parameters (the log has none).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/vendor_util.h"

#define XJ_MAX_NODES 2000000
#define XJ_MAX_RUNS 10000

static const char *leaf(const wats__xnode *n, const char *name)
{
	const wats__xnode *k = wats__xtree_child(n, name);
	return k && k->text ? k->text : NULL;
}

/* Leaf text trimmed into buf ("" when absent). */
static char *leaf_trim(char *buf, size_t size, const wats__xnode *n, const char *name)
{
	const char *t = leaf(n, name);
	wats__copy_trim(buf, size, t ? t : "", t ? strlen(t) : 0);
	return buf;
}

/* A time in milliseconds as seconds, exactly (the text's exponent shifted). */
static int ms_member(wats__cctx *c, wats_report *r, wats_node *obj, const char *key, const char *ms,
		     long line)
{
	char b[80], t[64];
	wats__copy_trim(t, sizeof(t), ms, strlen(ms));
	if (!*t)
		return 0;
	if (wats__vu_shift10(b, sizeof(b), t, -3) < 0) {
		wats__cctx_warn(c, line, key, "time '%s' is not a number; left out", t);
		return 0;
	}
	return wats__vu_num(c, r, obj, key, b, line);
}

static wats_status verdict(const char *v)
{
	if (!v)
		return WATS_STATUS_NONE;
	if (!strcasecmp(v, "Passed"))
		return WATS_STATUS_PASSED;
	if (!strcasecmp(v, "Failed"))
		return WATS_STATUS_FAILED;
	if (!strcasecmp(v, "Skipped"))
		return WATS_STATUS_SKIPPED;
	if (!strncasecmp(v, "Abort", 5) || !strncasecmp(v, "Stop", 4) || !strncasecmp(v, "Terminat", 8))
		return WATS_STATUS_TERMINATED;
	if (!strncasecmp(v, "Error", 5))
		return WATS_STATUS_ERROR;
	return WATS_STATUS_NONE;
}

/* The text outputs of a test function, each trimmed, one after the other. */
static int outputs(wats_buf *b, const wats__xnode *tf)
{
	int rc = 0;
	for (const wats__xnode *k = wats__xtree_child(tf, "text-output"); k && !rc; k = wats__xtree_next_same(k)) {
		if (!k->text)
			continue;
		char *t = k->text;
		size_t n = k->tlen;
		while (n && (*t == ' ' || *t == '\n' || *t == '\r' || *t == '\t'))
			t++, n--;
		while (n && (t[n - 1] == ' ' || t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == '\t'))
			n--;
		if (!n)
			continue;
		if (b->len)
			rc = wats__buf_putc(b, '\n');
		if (!rc)
			rc = wats__buf_put(b, t, n);
	}
	return rc;
}

static int fail_up(wats_step *s)
{
	int rc = 0;
	for (; s && !rc; s = wats_step_parent(s))
		rc = wats_step_set_status(s, WATS_STATUS_FAILED);
	return rc;
}

static int test_function(wats__cctx *c, wats_report *r, wats_step *seq, const wats__xnode *tf)
{
	const char *name = wats__xtree_attr(tf, "name");
	const wats__xnode *res = wats__xtree_child(tf, "result");
	const char *v = res ? wats__xtree_attr(res, "value") : NULL;
	wats_status st = verdict(v);
	if (st == WATS_STATUS_NONE) {
		wats__cctx_warn(c, tf->line, "result", "test function '%s' without a known result "
				"('%s'); marked Done", name ? name : "", v ? v : "");
		st = WATS_STATUS_DONE;
	}
	wats_step *s;
	int rc = wats_step_add(&s, seq, WATS_STEP_PASSFAIL, name && *name ? name : "(unnamed)");
	if (!rc && (st == WATS_STATUS_PASSED || st == WATS_STATUS_FAILED)) {
		wats_meas *m;
		rc = wats_step_add_passfail(&m, s, NULL, st == WATS_STATUS_PASSED);
		if (!rc)
			rc = wats_meas_set_status(m, st);
	}
	if (!rc)
		rc = st == WATS_STATUS_FAILED ? fail_up(s) : wats_step_set_status(s, st);
	wats_buf b = WATS_BUF_INIT;
	if (!rc)
		rc = outputs(&b, tf);
	if (!rc && b.len && !(rc = wats__buf_putc(&b, '\0')))
		rc = wats_step_set_report_text(s, b.ptr);
	wats__buf_dispose(&b);
	const char *tt = leaf(tf, "time-taken");
	if (!rc && tt)
		rc = ms_member(c, r, (wats_node *)s, "totTime", tt, tf->line);
	return rc;
}

/* One report from a <testrun>; emitted through out. */
static int run_report(wats__cctx *c, wats__cctx *out, const wats__xnode *tr)
{
	if (!tr || strcmp(tr->name, "testrun"))
		return wats__cctx_error(c, WATS_EPARSE, tr ? tr->line : 1, 0,
					"root element <%s> is not an XJTAG <testrun>", tr ? tr->name : "");
	const wats__xnode *info = wats__xtree_child(tr, "testruninfo");
	if (!info)
		return wats__cctx_error(c, WATS_EPARSE, tr->line, 0, "<testrun> without <testruninfo>");
	wats_report *r;
	int rc = wats__new_uut(&r, c);
	if (rc < 0)
		return rc;
	char buf[1024];
	long line = info->line;
	if (*leaf_trim(buf, sizeof(buf), info, "serial"))
		rc = wats_report_set_sn(r, buf);
	else
		wats__cctx_warn(c, line, "serial", "no serial number in <testruninfo>");
	if (!rc && *leaf_trim(buf, sizeof(buf), info, "user"))
		rc = wats_report_set_operator(r, buf);
	if (!rc && *leaf_trim(buf, sizeof(buf), info, "xjlink-name"))
		rc = wats_report_set_machine_name(r, buf);
	if (!rc && *leaf_trim(buf, sizeof(buf), info, "project-description"))
		rc = wats_node_set_string(r, wats_report_info(r), "comment", buf);
	if (!rc && leaf(info, "time-taken"))
		rc = ms_member(c, r, wats_report_info(r), "execTime", leaf(info, "time-taken"), line);
	if (!rc && *leaf_trim(buf, sizeof(buf), info, "xjlink-serial"))
		rc = wats_report_add_misc_info(NULL, r, "XJLink serial", buf);
	if (!rc && *leaf_trim(buf, sizeof(buf), info, "xjtag-version"))
		rc = wats_report_add_misc_info(NULL, r, "XJTAG version", buf);
	const char *sname = wats__cctx_param(c, "sequenceName");
	if (!rc && sname)
		rc = wats_step_set_seq_call(wats_report_root(r), NULL, sname,
					    wats__cctx_param(c, "sequenceVersion"));
	if (!rc)
		rc = wats__vu_set_start_iso(c, r, wats__xtree_attr(tr, "datetime"), tr->line);
	for (const wats__xnode *g = wats__xtree_child(tr, "testgroup"); g && !rc; g = wats__xtree_next_same(g)) {
		const char *gn = wats__xtree_attr(g, "name");
		wats_step *seq;
		rc = wats_step_add(&seq, wats_report_root(r), WATS_STEP_SEQUENCE, gn && *gn ? gn : "(unnamed)");
		for (const wats__xnode *tf = wats__xtree_child(g, "testfunction"); tf && !rc; tf = wats__xtree_next_same(tf))
			rc = test_function(c, r, seq, tf);
	}
	wats_status res = verdict(leaf_trim(buf, sizeof(buf), info, "result"));
	if (!rc && res == WATS_STATUS_NONE) {
		wats__cctx_warn(c, line, "result", "run result '%s' not known; Failed used", buf);
		res = WATS_STATUS_FAILED;
	}
	if (!rc)
		rc = wats_report_set_result(r, res == WATS_STATUS_SKIPPED ? WATS_STATUS_PASSED : res);
	if (!rc && res == WATS_STATUS_FAILED)
		rc = wats_step_set_status(wats_report_root(r), WATS_STATUS_FAILED);
	return wats__vu_deliver(c, out, r, line, rc);
}

static int xml_run(wats__cctx *c, wats__cctx *out)
{
	wats__xnode *root;
	int rc = wats__xtree_read(&root, c, XJ_MAX_NODES);
	if (rc < 0)
		return rc;
	rc = run_report(c, out, root);
	wats__xtree_free(root);
	return rc;
}

/* A member of the archive as a conversion of its own (its name in messages). */
static int member_run(wats__cctx *c, const unsigned char *zip, size_t len, const char *member,
		      int (*fn)(wats__cctx *, wats__cctx *, void *), void *arg)
{
	const char *msg;
	unsigned char *data;
	size_t n;
	int rc = wats__vu_zip_read(&msg, &data, &n, zip, len, member, WATS__CONV_MAX_WHOLE);
	if (rc == -3)
		return wats__error_oom();
	if (rc == -2)
		return wats__cctx_error(c, WATS_ELIMIT, 0, 0, "%s: %s", member, msg);
	if (rc < 0)
		return wats__cctx_error(c, WATS_EPARSE, 0, 0, "%s: %s", member, msg);
	if (rc == 0)
		return 0;
	char name[1024];
	snprintf(name, sizeof(name), "%s:%s", c->name, member);
	wats__cctx sub = *c;
	sub.name = name;
	sub.data = data ? data : (const unsigned char *)"";
	sub.len = n;
	sub.pos = 0;
	sub.fd = -1;
	rc = fn(&sub, c, arg); /* reports are emitted through c; the log is shared */
	free(data);
	return rc == 0 ? 1 : rc;
}

static int info_count(wats__cctx *sub, wats__cctx *c, void *arg)
{
	(void)c;
	wats__xnode *root;
	int rc = wats__xtree_read(&root, sub, 10000);
	if (rc < 0)
		return rc;
	char buf[32];
	leaf_trim(buf, sizeof(buf), root, "TestRunCount");
	*(long *)arg = *buf ? strtol(buf, NULL, 10) : -1;
	wats__xtree_free(root);
	return 0;
}

static int run_member(wats__cctx *sub, wats__cctx *c, void *arg)
{
	(void)arg;
	return xml_run(sub, c);
}

static int xjlog(wats__cctx *c)
{
	const unsigned char *data;
	size_t len;
	char *owned = NULL;
	int rc = wats__cctx_read_all(c, &data, &len, &owned, WATS__CONV_MAX_WHOLE);
	if (rc < 0)
		return rc;
	long runs = -1;
	/* The archive itself first (no member has an empty name): its errors name no member. */
	const char *msg;
	unsigned char *none;
	size_t nn;
	rc = wats__vu_zip_read(&msg, &none, &nn, data, len, "", 0);
	if (rc == 1)
		free(none); /* an archive may hold a member with an empty name */
	if (rc < 0 && msg) {
		free(owned);
		return wats__cctx_error(c, WATS_EPARSE, 0, 0, "%s", msg);
	}
	rc = member_run(c, data, len, "Info.xml", info_count, &runs);
	if (rc == 0)
		wats__cctx_warn(c, 0, "Info.xml", "no Info.xml in the archive: every 'Run N.xml' read");
	if (rc >= 0 && runs > XJ_MAX_RUNS)
		rc = wats__cctx_error(c, WATS_ELIMIT, 0, 0, "Info.xml: %ld test runs (limit %d)", runs,
				      XJ_MAX_RUNS);
	for (long i = 1; rc >= 0 && (runs < 0 ? i <= XJ_MAX_RUNS : i <= runs); i++) {
		char member[32];
		snprintf(member, sizeof(member), "Run %ld.xml", i);
		rc = member_run(c, data, len, member, run_member, NULL);
		if (rc == 0 && runs >= 0)
			rc = wats__cctx_error(c, WATS_EPARSE, 0, 0, "Info.xml names %ld test runs, the "
					      "archive has no '%s'", runs, member);
		if (rc == 0)
			break; /* no count: the runs end at the first missing one */
	}
	if (rc >= 0 && c->count == 0)
		rc = wats__cctx_error(c, WATS_EPARSE, 0, 0, "no test run ('Run 1.xml') in the archive");
	free(owned);
	return rc < 0 ? rc : 0;
}

double wats__xjtag_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			  size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)pn;
	char ext[16];
	int xjlog_ext = !strcmp(wats__ext(ext, sizeof(ext), name ? name : ""), "xjlog");
	if (wats__vu_is_zip(head, len)) {
		/* The first member's name is in the first local header. */
		if (len > 30 && (wats__find(head, len < 512 ? len : 512, "Run 1.xml") ||
				 wats__find(head, len < 512 ? len : 512, "Info.xml")))
			return xjlog_ext ? 0.95 : 0.85;
		return xjlog_ext ? 0.5 : 0;
	}
	const char *tr = wats__find(head, len, "<testrun ");
	if (!tr || !wats__find(head, len, " datetime=") ||
	    !(wats__find(head, len, "<testgroup") || wats__find(head, len, "<testruninfo")))
		return 0;
	const char *s = wats__find(head, len, "<serial>");
	const char *e = s ? wats__find((const unsigned char *)s, len - (size_t)(s - (const char *)head), "</serial>") : NULL;
	if (s && e)
		wats__copy_trim(sn, size, s + 8, (size_t)(e - s - 8));
	return 0.9;
}

int wats__xjtag_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	unsigned char head[4];
	size_t got = 0;
	if (c->data) {
		got = c->len - c->pos < 4 ? c->len - c->pos : 4;
		memcpy(head, c->data + c->pos, got);
		if (wats__vu_is_zip(head, got))
			return xjlog(c);
		return xml_run(c, c);
	}
	/* A file: read it whole (either kind), then go on from memory. */
	const unsigned char *data;
	size_t len;
	char *owned = NULL;
	int rc = wats__cctx_read_all(c, &data, &len, &owned, WATS__CONV_MAX_WHOLE);
	if (rc < 0)
		return rc;
	wats__cctx m = *c;
	m.data = data, m.len = len, m.pos = 0, m.fd = -1;
	rc = wats__vu_is_zip(data, len) ? xjlog(&m) : xml_run(&m, &m);
	c->count = m.count;
	free(owned);
	return rc;
}
