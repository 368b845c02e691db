/*
 * Teradyne Spectrum ICT data ("spectrum"). Nested records "(KEY: value ...)", read as a stream
 * of characters through the line reader (so UTF-16 and Latin-1 files work and errors have
 * lines):
 *   (PROGRAM_NAME: "PB3187900")                 part number; every board after it
 *   (SECTION_NAME: "CAPACITORS")                a sequence under the root
 *   (STEP: (TYPE: RAW) (TIME: 02/09/2023 16:44:30 ) (SNAME: "CAP[C1]") (DESC: "..")
 *      (PAGE: (TYPE: CAP) (PAGE_NAME: "C1") (COMMENT: "..") (STAT: PASS)
 *         (ANA: (TYPE: CAP) (STAT: PASS) (LOLIM: (VAL: 3.64) (SCALE: n) (UNIT: F) )
 *               (NOMVAL: ..) (MEASVAL: (VAL: 4.69) (SCALE: n) (UNIT: F) ) (HILIM: ..) ..) )
 *      (STAT: PASS))
 *   (USER:  Serialnumber:1111111111)            header lines "Key:value"
 *   (USER:  STATUS: BOARD PASSED)               the board's verdict: the board is complete
 * As WATS maps it: a STEP with one PAGE becomes one step (named by PAGE_NAME) in the section; a
 * STEP with several pages a sequence named SNAME holding one step per page. A page with a
 * measured value is a numeric step (several values: a multiple numeric step), limits converted
 * to the value's scale (exactly: the exponent of the text is shifted); a page with limits only a
 * pass/fail step; a page with neither an action step. Every board is one report; a board ends
 * with its STATUS line (the EndTime line after it still belongs to it).
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "convert/lines.h"
#include "convert/vendor_util.h"

#define SP_DEPTH 64
#define SP_TEXT 2048
#define SP_NUM 64

typedef struct qty {
	char val[SP_NUM], scale[8], unit[24];
	int has;
} qty;

enum { Q_LO, Q_HI, Q_MEAS, Q_N };

typedef struct grp {
	qty q[Q_N];
	char stat[16];
} grp;

typedef struct page {
	char name[256], type[32], comment[SP_TEXT], stat[16], last_stat[16];
	grp *g;
	size_t ng, capg;
	int open; /* the last group still takes items */
	int named_node;
	long line;
} page;

typedef struct level {
	char key[32];
	char text[SP_TEXT];
	size_t tlen;
	int child; /* a child item was seen: later text is not this item's */
} level;

typedef struct sp {
	wats__cctx *c;
	level lv[SP_DEPTH];
	int depth;
	int quote;
	long quote_line;
	long open_line[SP_DEPTH];
	/* the STEP being read */
	int in_step;
	char sname[256], desc[SP_TEXT], stime[32], sstat[16];
	long sline;
	page *pages;
	size_t np, capp;
	qty cur;
	/* the board */
	wats_report *r;
	wats_step *section;
	int finished;
	long board_line;
	char program[256];
	int have_start;
	struct tm start_tm, last_tm;
	char date[32], end_time[32], status[64];
	wats_step *timed;
	struct tm timed_tm;
} sp;

static const struct {
	const char *s;
	int e;
} scales[] = { { "", 0 },  { "p", -12 }, { "n", -9 }, { "u", -6 }, { "\xC2\xB5", -6 },
	       { "m", -3 }, { "k", 3 },    { "K", 3 },  { "M", 6 },  { "G", 9 } };

static int scale_exp(const char *s, int *e)
{
	for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++)
		if (!strcmp(s, scales[i].s)) {
			*e = scales[i].e;
			return 0;
		}
	return -1;
}

static wats_status status_of(const char *s)
{
	if (!strncasecmp(s, "PASS", 4))
		return WATS_STATUS_PASSED;
	if (!strncasecmp(s, "FAIL", 4))
		return WATS_STATUS_FAILED;
	if (!strncasecmp(s, "SKIP", 4))
		return WATS_STATUS_SKIPPED;
	if (!strncasecmp(s, "ERR", 3))
		return WATS_STATUS_ERROR;
	if (!strncasecmp(s, "ABORT", 5) || !strncasecmp(s, "TERM", 4))
		return WATS_STATUS_TERMINATED;
	return WATS_STATUS_DONE;
}

/* "02/09/2023 16:44:11" (MM/dd/yyyy) */
static int parse_time(const char *s, struct tm *tm)
{
	int mo, d, y, h, mi, se;
	if (sscanf(s, "%d/%d/%d %d:%d:%d", &mo, &d, &y, &h, &mi, &se) != 6 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || y < 1900 || y > 9999 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    se < 0 || se > 60)
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900, tm->tm_mon = mo - 1, tm->tm_mday = d;
	tm->tm_hour = h, tm->tm_min = mi, tm->tm_sec = se;
	return 0;
}

static double tm_diff(const struct tm *a, const struct tm *b)
{
	struct tm x = *a, y = *b;
	return difftime(timegm(&x), timegm(&y));
}

/* Copy, cut at size - 1 bytes (fields longer than their buffer are cut, not refused). */
static void set_text(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s);
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Append s after a blank (when dst is not empty), cut at size - 1 bytes. */
static void append(char *dst, size_t size, const char *s)
{
	size_t n = strlen(dst);
	if (n && n + 1 < size)
		dst[n++] = ' ';
	set_text(dst + n, size - n, s);
}

/* ---- the board ----------------------------------------------------------------------------- */

static int fail_up(wats_step *s)
{
	int rc = 0;
	for (; s && !rc; s = wats_step_parent(s))
		rc = wats_step_set_status(s, WATS_STATUS_FAILED);
	return rc;
}

static int board_emit(sp *p, long ln)
{
	wats_report *r = p->r;
	int rc = 0;
	const char *word = p->status;
	if (!strncasecmp(word, "BOARD", 5))
		word += 5 + strspn(word + 5, " ");
	wats_status res = status_of(word);
	rc = wats_report_set_result(r, res);
	if (!rc && res == WATS_STATUS_FAILED)
		rc = wats_step_set_status(wats_report_root(r), WATS_STATUS_FAILED);
	/* Execution time: the EndTime line (on the Date line's day), else the last step's time. */
	if (!rc && p->have_start) {
		struct tm end = p->last_tm;
		double ms = 0;
		int h, mi, s, f = 0, n;
		char buf[128];
		if (*p->end_time && (n = sscanf(p->end_time, "%d:%d:%d:%d", &h, &mi, &s, &f)) >= 3) {
			/* On the Date line's day, else the last step's; past midnight: the next day. */
			char day[48];
			snprintf(day, sizeof(day), "%02d/%02d/%04d", p->last_tm.tm_mon + 1,
				 p->last_tm.tm_mday, p->last_tm.tm_year + 1900);
			snprintf(buf, sizeof(buf), "%s %02d:%02d:%02d", *p->date ? p->date : day, h, mi, s);
			if (parse_time(buf, &end) == 0) {
				ms = n == 4 ? f / 1000.0 : 0;
				if (tm_diff(&end, &p->last_tm) < 0)
					end.tm_mday++;
			} else {
				end = p->last_tm;
			}
		}
		double secs = tm_diff(&end, &p->start_tm) + ms;
		if (p->timed && secs >= 0) {
			double t = tm_diff(&end, &p->timed_tm) + ms;
			if (t >= 0)
				rc = wats_step_set_tot_time(p->timed, t);
		}
		if (!rc && secs >= 0)
			rc = wats_node_set_number(r, wats_report_info(r), "execTime", secs);
	}
	if (!rc)
		rc = wats__vu_finish(p->c, r, ln);
	p->r = NULL;
	p->section = NULL;
	p->timed = NULL;
	if (rc < 0) {
		wats_report_free(r);
		return rc;
	}
	return wats__cctx_emit(p->c, r);
}

/* Something that belongs to a board: open one (closing a complete one first). */
static int board_need(sp *p, long ln)
{
	int rc = 0;
	if (p->r && p->finished)
		rc = board_emit(p, ln);
	if (rc < 0 || p->r)
		return rc;
	rc = wats__new_uut(&p->r, p->c);
	if (rc < 0)
		return rc;
	p->finished = 0;
	p->board_line = ln;
	p->have_start = 0;
	p->timed = NULL;
	p->section = NULL;
	*p->date = *p->end_time = *p->status = '\0';
	if (*p->program)
		rc = wats_report_set_pn(p->r, p->program);
	const char *base = strrchr(p->c->name, '/');
	if (!rc)
		rc = wats_report_add_misc_info(NULL, p->r, "File", base ? base + 1 : p->c->name);
	return rc;
}

static int unfinished(sp *p, long ln)
{
	return wats__cctx_error(p->c, WATS_EPARSE, ln, 0, "the board started at line %ld has no "
				"(USER: STATUS: BOARD ..) line (the file is truncated)", p->board_line);
}

static int user_line(sp *p, const char *text, long ln)
{
	char key[64], val[SP_TEXT];
	const char *colon = strchr(text, ':');
	if (!colon) {
		wats__cctx_warn(p->c, ln, "USER", "'%s' is not 'Key:value'; left out", text);
		return 0;
	}
	wats__copy_trim(key, sizeof(key), text, (size_t)(colon - text));
	wats__copy_trim(val, sizeof(val), colon + 1, strlen(colon + 1));
	/* A serial number after a complete board starts the next board; other lines after the
	 * STATUS line (EndTime) still belong to the complete one. */
	int rc = 0;
	if (!p->r || (p->finished && !strcasecmp(key, "Serialnumber")))
		rc = board_need(p, ln);
	if (rc < 0)
		return rc;
	if (!strcasecmp(key, "Serialnumber"))
		return *val ? wats_report_set_sn(p->r, val) : 0;
	if (!strcasecmp(key, "Operator"))
		return *val ? wats_report_set_operator(p->r, val) : 0;
	if (!strcasecmp(key, "CustomerSerialnumber"))
		return wats_report_add_misc_info(NULL, p->r, "CustomerSN", val);
	if (!strcasecmp(key, "STATUS")) {
		set_text(p->status, sizeof(p->status), val);
		p->finished = 1;
		return 0;
	}
	if (!strcasecmp(key, "Date"))
		set_text(p->date, sizeof(p->date), val);
	else if (!strcasecmp(key, "EndTime"))
		set_text(p->end_time, sizeof(p->end_time), val);
	return wats_report_add_misc_info(NULL, p->r, key, val);
}

/* ---- steps --------------------------------------------------------------------------------- */

static void clean_comment(char *s)
{
	static const char *const drop[] = { "Analysis Comments:", "Testable." };
	for (size_t i = 0; i < 2; i++) {
		char *f;
		size_t n = strlen(drop[i]);
		while ((f = strstr(s, drop[i])))
			memmove(f, f + n, strlen(f + n) + 1);
	}
	char *t = wats__trim(s);
	if (t != s)
		memmove(s, t, strlen(t) + 1);
}

static void limit_words(char *out, size_t size, const grp *g)
{
	static const char *const w[Q_N] = { "low limit", "high limit", "value" };
	size_t n = strlen(out);
	for (int k = 0; k < Q_N; k++) {
		const qty *q = &g->q[k];
		if (!q->has || n >= size)
			continue;
		int m = snprintf(out + n, size - n, "%s%s %s %s%s", n ? ", " : "", w[k], q->val, q->scale,
				 q->unit);
		if (m > 0)
			n += (size_t)m < size - n ? (size_t)m : size - n - 1;
	}
}

/* A limit in the value's scale: the same text, or its exponent shifted. */
static const char *limit_in(sp *p, char *buf, size_t size, const qty *lim, const qty *meas, long ln)
{
	int le, me;
	if (!strcmp(lim->scale, meas->scale))
		return lim->val;
	if (scale_exp(lim->scale, &le) < 0 || scale_exp(meas->scale, &me) < 0 ||
	    wats__vu_shift10(buf, size, lim->val, le - me) < 0) {
		wats__cctx_warn(p->c, ln, "scale", "limit %s%s not converted to scale '%s'", lim->val,
				lim->scale, meas->scale);
		return lim->val;
	}
	return buf;
}

static int add_meas(sp *p, wats_step *s, const char *name, const grp *g, const char *page_stat, long ln)
{
	const qty *m = &g->q[Q_MEAS], *lo = &g->q[Q_LO], *hi = &g->q[Q_HI];
	char lb[SP_NUM + 16], hb[SP_NUM + 16], unit[40];
	const char *l = lo->has ? limit_in(p, lb, sizeof(lb), lo, m, ln) : NULL;
	const char *h = hi->has ? limit_in(p, hb, sizeof(hb), hi, m, ln) : NULL;
	const char *u = *m->unit ? m->unit : lo->has ? lo->unit : hi->unit;
	snprintf(unit, sizeof(unit), "%s%s", m->scale, u);
	wats_compop op = l && h ? WATS_COMP_GELE : l ? WATS_COMP_GE : h ? WATS_COMP_LE : WATS_COMP_LOG;
	wats_meas *me;
	int rc = wats_step_add_numeric_text(&me, s, name, m->val, op, l ? l : h, h, *unit ? unit : NULL);
	if (rc == WATS_EINVAL) {
		wats__cctx_warn(p->c, ln, "VAL", "%s", wats_error_last()->message);
		rc = wats_step_add_numeric_text(&me, s, name, NULL, WATS_COMP_LOG, NULL, NULL,
						*unit ? unit : NULL);
	}
	if (!rc)
		rc = wats_meas_set_status(me, status_of(*g->stat ? g->stat : page_stat));
	return rc;
}

static int page_step(wats_step **out, sp *p, wats_step *parent, page *pg, const char *extra_text)
{
	size_t nmeas = 0;
	for (size_t i = 0; i < pg->ng; i++)
		nmeas += pg->g[i].q[Q_MEAS].has != 0;
	wats_status st = status_of(pg->stat);
	wats_step *s;
	int rc;
	const char *name = *pg->name ? pg->name : "(unnamed)";
	char text[SP_TEXT];
	set_text(text, sizeof(text), extra_text ? extra_text : "");
	if (*pg->comment)
		append(text, sizeof(text), pg->comment);
	if (nmeas) {
		rc = wats_step_add(&s, parent, nmeas == 1 ? WATS_STEP_NUMERIC : WATS_STEP_MULTI_NUMERIC, name);
		size_t k = 0;
		for (size_t i = 0; i < pg->ng && !rc; i++) {
			if (!pg->g[i].q[Q_MEAS].has)
				continue;
			char mname[32];
			snprintf(mname, sizeof(mname), "%zu", ++k);
			rc = add_meas(p, s, nmeas == 1 ? NULL : mname, &pg->g[i], pg->stat, pg->line);
		}
	} else if (pg->ng) {
		/* Limits without a measured value (discharge, shorts): the verdict, limits as text. */
		wats_meas *m;
		rc = wats_step_add(&s, parent, WATS_STEP_PASSFAIL, name);
		if (!rc)
			rc = wats_step_add_passfail(&m, s, NULL, st != WATS_STATUS_FAILED);
		if (!rc)
			rc = wats_meas_set_status(m, st == WATS_STATUS_FAILED ? WATS_STATUS_FAILED
									      : WATS_STATUS_PASSED);
		char lim[SP_TEXT] = "";
		for (size_t i = 0; i < pg->ng; i++)
			limit_words(lim, sizeof(lim), &pg->g[i]);
		append(text, sizeof(text), lim);
	} else {
		rc = wats_step_add(&s, parent, WATS_STEP_ACTION, name);
	}
	if (!rc)
		*out = s;
	if (!rc && *text)
		rc = wats_step_set_report_text(s, text);
	if (!rc)
		rc = st == WATS_STATUS_FAILED ? fail_up(s) : wats_step_set_status(s, st);
	return rc;
}

static int step_end(sp *p, long ln)
{
	int rc = board_need(p, p->sline);
	if (rc < 0)
		return rc;
	if (!p->section) {
		rc = wats_step_add(&p->section, wats_report_root(p->r), WATS_STEP_SEQUENCE, "Main");
		if (rc < 0)
			return rc;
	}
	struct tm t;
	int has_t = parse_time(p->stime, &t) == 0;
	if (*p->stime && !has_t)
		wats__cctx_warn(p->c, p->sline, "TIME", "step time '%s' not understood", p->stime);
	if (has_t) {
		if (!p->have_start) {
			p->have_start = 1;
			p->start_tm = t;
			if (wats__vu_set_start_local(p->c, p->r, t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
						     t.tm_hour, t.tm_min, t.tm_sec, 0) < 0)
				wats__cctx_warn(p->c, p->sline, "TIME", "start time out of range");
		}
		if (p->timed && (rc = wats_step_set_tot_time(p->timed, tm_diff(&t, &p->timed_tm))) < 0)
			return rc;
		p->last_tm = t;
	}
	clean_comment(p->desc);
	wats_step *made = NULL;
	if (p->np == 1) {
		rc = page_step(&made, p, p->section, &p->pages[0], p->desc);
	} else {
		/* Several pages (or none): a sequence named by the step. */
		wats_step *seq;
		rc = wats_step_add(&seq, p->section, p->np ? WATS_STEP_SEQUENCE : WATS_STEP_ACTION,
				   *p->sname ? p->sname : "(unnamed)");
		if (!rc && *p->desc)
			rc = wats_step_set_report_text(seq, p->desc);
		wats_step *ps;
		for (size_t i = 0; i < p->np && !rc; i++)
			rc = page_step(&ps, p, seq, &p->pages[i], NULL);
		if (!rc && status_of(p->sstat) == WATS_STATUS_FAILED)
			rc = fail_up(seq);
		else if (!rc && *p->sstat && wats_step_status(seq) != WATS_STATUS_FAILED)
			rc = wats_step_set_status(seq, status_of(p->sstat));
		made = seq;
	}
	if (has_t) {
		p->timed = made;
		p->timed_tm = t;
	}
	(void)ln;
	return rc;
}

/* ---- items --------------------------------------------------------------------------------- */

static page *cur_page(sp *p)
{
	return p->in_step && p->np ? &p->pages[p->np - 1] : NULL;
}

static int has_parent(const sp *p, const char *key)
{
	for (int i = p->depth - 2; i >= 0; i--)
		if (!strcmp(p->lv[i].key, key))
			return 1;
	return 0;
}

static const char *parent_key(const sp *p)
{
	return p->depth >= 2 ? p->lv[p->depth - 2].key : "";
}

static int qty_kind(const char *key)
{
	if (!strcmp(key, "LOLIM") || !strcmp(key, "LOW") || !strcmp(key, "THRESH"))
		return Q_LO;
	if (!strcmp(key, "HILIM") || !strcmp(key, "HIGH"))
		return Q_HI;
	if (!strcmp(key, "MEASVAL") || !strcmp(key, "MEAS_VAL"))
		return Q_MEAS;
	return -1;
}

static int item_open(sp *p, const char *key, long ln)
{
	if (!strcmp(key, "STEP")) {
		if (p->in_step)
			return wats__cctx_error(p->c, WATS_EPARSE, ln, 0, "STEP inside the STEP of line %ld",
						p->sline);
		int rc = board_need(p, ln);
		if (rc < 0)
			return rc;
		p->in_step = 1;
		p->sline = ln;
		*p->sname = *p->desc = *p->stime = *p->sstat = '\0';
		p->np = 0;
	} else if (!strcmp(key, "PAGE") && p->in_step) {
		if (p->np == p->capp) {
			size_t nc = p->capp ? p->capp * 2 : 4;
			page *np = realloc(p->pages, nc * sizeof(*np));
			if (!np)
				return wats__error_oom();
			memset(np + p->capp, 0, (nc - p->capp) * sizeof(*np));
			p->pages = np;
			p->capp = nc;
		}
		page *pg = &p->pages[p->np++];
		memset(pg, 0, offsetof(page, g)); /* the group array is kept for reuse */
		pg->ng = 0, pg->open = 0, pg->named_node = 0;
		pg->line = ln;
	} else if (qty_kind(key) >= 0 || !strcmp(key, "NOMVAL")) {
		memset(&p->cur, 0, sizeof(p->cur));
	}
	return 0;
}

static int grp_put(sp *p, page *pg, int kind)
{
	grp *g = pg->open && pg->ng ? &pg->g[pg->ng - 1] : NULL;
	if (!g || g->q[kind].has || (kind == Q_LO && g->q[Q_MEAS].has && g->q[Q_HI].has)) {
		if (pg->ng == pg->capg) {
			size_t nc = pg->capg ? pg->capg * 2 : 2;
			grp *ng = realloc(pg->g, nc * sizeof(*ng));
			if (!ng)
				return wats__error_oom();
			pg->g = ng;
			pg->capg = nc;
		}
		g = &pg->g[pg->ng++];
		memset(g, 0, sizeof(*g));
		pg->open = 1;
	}
	g->q[kind] = p->cur;
	g->q[kind].has = 1;
	if (kind == Q_MEAS)
		set_text(g->stat, sizeof(g->stat), pg->last_stat);
	return 0;
}

static int item_close(sp *p, const char *key, char *text, long ln)
{
	page *pg = cur_page(p);
	const char *par = parent_key(p);
	int k;
	if (!strcmp(key, "VAL") || !strcmp(key, "SCALE") || !strcmp(key, "UNIT")) {
		if (key[0] == 'V') {
			if (strlen(text) >= sizeof(p->cur.val))
				return wats__cctx_error(p->c, WATS_EPARSE, ln, 0, "value '%.40s..' too long", text);
			set_text(p->cur.val, sizeof(p->cur.val), text);
		} else if (key[0] == 'S') {
			set_text(p->cur.scale, sizeof(p->cur.scale), text);
		} else {
			set_text(p->cur.unit, sizeof(p->cur.unit), text);
		}
		return 0;
	}
	if ((k = qty_kind(key)) >= 0) {
		if (!pg)
			return 0;
		if (!*p->cur.val) {
			wats__cctx_warn(p->c, ln, key, "%s without a VAL; left out", key);
			return 0;
		}
		return grp_put(p, pg, k);
	}
	if (!strcmp(key, "ANA") || !strcmp(key, "INTC")) {
		if (pg)
			pg->open = 0;
		return 0;
	}
	if (!strcmp(key, "STAT")) {
		if (!strcmp(par, "PAGE") && pg)
			set_text(pg->stat, sizeof(pg->stat), text);
		else if (!strcmp(par, "STEP"))
			set_text(p->sstat, sizeof(p->sstat), text);
		else if (pg)
			set_text(pg->last_stat, sizeof(pg->last_stat), text);
		return 0;
	}
	if (!strcmp(key, "PAGE_NAME") && pg) {
		set_text(pg->name, sizeof(pg->name), text);
		return 0;
	}
	if (!strcmp(key, "TYPE") && !strcmp(par, "PAGE") && pg) {
		set_text(pg->type, sizeof(pg->type), text);
		return 0;
	}
	if ((!strcmp(key, "COMMENT") || !strcmp(key, "FAIL_MSG")) && pg) {
		clean_comment(text);
		if (*text)
			append(pg->comment, sizeof(pg->comment), text);
		return 0;
	}
	if (!strcmp(key, "PROG_NAME") && pg) {
		snprintf(pg->comment, sizeof(pg->comment), "EXT_PROG: %s", text);
		return 0;
	}
	if (!strcmp(key, "TPNAME") && pg && !pg->named_node && has_parent(p, "CONNECTED_NODES")) {
		size_t n = strlen(pg->name);
		snprintf(pg->name + n, sizeof(pg->name) - n, " - %s", text);
		pg->named_node = 1;
		return 0;
	}
	if (p->in_step && !strcmp(par, "STEP")) {
		if (!strcmp(key, "TIME"))
			set_text(p->stime, sizeof(p->stime), text);
		else if (!strcmp(key, "SNAME"))
			set_text(p->sname, sizeof(p->sname), text);
		else if (!strcmp(key, "DESC"))
			set_text(p->desc, sizeof(p->desc), text);
		return 0;
	}
	if (!strcmp(key, "STEP")) {
		p->in_step = 0;
		return step_end(p, ln);
	}
	if (!strcmp(key, "PROGRAM_NAME")) {
		if (p->r && !p->finished)
			return unfinished(p, ln);
		if (p->r && (k = board_emit(p, ln)) < 0)
			return k;
		set_text(p->program, sizeof(p->program), text);
		return 0;
	}
	if (!strcmp(key, "SECTION_NAME")) {
		int rc = board_need(p, ln);
		if (!rc)
			rc = wats_step_add(&p->section, wats_report_root(p->r), WATS_STEP_SEQUENCE,
					   *text ? text : "(unnamed)");
		return rc;
	}
	if (!strcmp(key, "USER"))
		return user_line(p, text, ln);
	return 0;
}

/* ---- the character stream ------------------------------------------------------------------ */

static void text_put(sp *p, char ch)
{
	level *l = &p->lv[p->depth - 1];
	if (l->child || l->tlen + 1 >= SP_TEXT)
		return;
	if ((ch == ' ' || ch == '\t') && (!l->tlen || l->text[l->tlen - 1] == ' ') && !p->quote)
		return;
	l->text[l->tlen++] = ch == '\t' ? ' ' : ch;
}

static int feed(sp *p, const char *s, size_t n, long ln)
{
	size_t i = 0;
	int warned = 0;
	while (i < n) {
		char ch = s[i];
		if (p->quote) {
			if (ch == '"')
				p->quote = 0;
			else
				text_put(p, ch);
			i++;
			continue;
		}
		if (ch == '(') {
			size_t k = i + 1, kl = 0;
			while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '_'))
				k++, kl++;
			if (!kl || k >= n || s[k] != ':')
				return wats__cctx_error(p->c, WATS_EPARSE, ln, (long)i + 1,
							"'(' not followed by 'KEY:'");
			if (p->depth == SP_DEPTH)
				return wats__cctx_error(p->c, WATS_ELIMIT, ln, (long)i + 1,
							"records nested deeper than %d", SP_DEPTH);
			if (p->depth)
				p->lv[p->depth - 1].child = 1;
			level *l = &p->lv[p->depth];
			p->open_line[p->depth] = ln;
			p->depth++;
			kl = kl < 31 ? kl : 31; /* (a copy, not snprintf: once per item) */
			memcpy(l->key, s + i + 1, kl);
			l->key[kl] = '\0';
			l->tlen = 0;
			l->child = 0;
			int rc = item_open(p, l->key, ln);
			if (rc < 0)
				return rc;
			i = k + 1;
			continue;
		}
		if (ch == ')') {
			if (!p->depth)
				return wats__cctx_error(p->c, WATS_EPARSE, ln, (long)i + 1, "')' without '('");
			level *l = &p->lv[p->depth - 1];
			while (l->tlen && l->text[l->tlen - 1] == ' ')
				l->tlen--;
			l->text[l->tlen] = '\0';
			int rc = item_close(p, l->key, l->text, ln);
			p->depth--;
			if (rc < 0)
				return rc;
			i++;
			continue;
		}
		if (!p->depth) {
			if (!isspace((unsigned char)ch) && !warned++)
				wats__cctx_warn(p->c, ln, NULL, "text outside a record; skipped");
			i++;
			continue;
		}
		if (ch == '"') {
			p->quote = 1;
			p->quote_line = ln;
		} else if (ch != ',' || p->lv[p->depth - 1].child) {
			text_put(p, ch == ',' ? ' ' : ch);
		}
		i++;
	}
	if (p->depth)
		text_put(p, ' '); /* a line end inside a record is a blank */
	return 0;
}

double wats__spectrum_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			     size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)name;
	const char *prog = wats__find(head, len, "(PROGRAM_NAME:");
	const char *step = wats__find(head, len, "(STEP:");
	if (!step || !(prog || wats__find(head, len, "(SECTION_NAME:")) ||
	    !(wats__find(head, len, "(SNAME:") || wats__find(head, len, "(PAGE_NAME:")))
		return 0;
	const unsigned char *end = head + len;
	const char *s = wats__find(head, len, "Serialnumber:");
	if (s && s > (const char *)head && s[-1] != 'r') { /* not CustomerSerialnumber */
		s += 13;
		const char *e = s;
		while (e < (const char *)end && *e != ')' && *e != '\n')
			e++;
		if (e < (const char *)end)
			wats__copy_trim(sn, size, s, (size_t)(e - s));
	}
	if (prog) {
		const char *q = memchr(prog, '"', (size_t)((const char *)end - prog));
		const char *e = q ? memchr(q + 1, '"', (size_t)((const char *)end - q - 1)) : NULL;
		if (e)
			wats__copy_trim(pn, size, q + 1, (size_t)(e - q - 1));
	}
	return 0.9;
}

int wats__spectrum_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	sp *p = calloc(1, sizeof(*p));
	if (!p)
		return wats__error_oom();
	p->c = c;
	wats__lines l;
	wats__lines_init(&l, c);
	char *line;
	size_t len;
	int rc;
	while ((rc = wats__lines_next(&l, &line, &len)) > 0) {
		rc = feed(p, line, len, l.line);
		if (rc < 0)
			break;
	}
	long last = l.line;
	wats__lines_free(&l);
	if (rc == 0 && p->quote)
		rc = wats__cctx_error(c, WATS_EPARSE, last, 0, "the quote opened on line %ld is not "
				      "closed", p->quote_line);
	else if (rc == 0 && p->depth)
		rc = wats__cctx_error(c, WATS_EPARSE, last, 0, "the '(%s:' of line %ld is not closed "
				      "(the file is truncated)", p->lv[p->depth - 1].key,
				      p->open_line[p->depth - 1]);
	if (rc == 0 && p->r) {
		if (!p->finished)
			rc = unfinished(p, last);
		else
			rc = board_emit(p, last);
	}
	if (rc == 0 && c->count == 0)
		rc = wats__cctx_error(c, WATS_EPARSE, last, 0, "no board (STEP records) in the file");
	wats_report_free(p->r);
	for (size_t i = 0; i < p->capp; i++)
		free(p->pages[i].g);
	free(p->pages);
	free(p);
	rc = wats__cctx_refused(c, rc, last);
	return rc;
}
