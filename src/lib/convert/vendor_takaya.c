/*
 * Takaya flying-probe ATD ("takaya"). A panel file:
 *   @ / * PASS * / D.T:.. G.T:.. / Model:PB2939800_E_BOT.SWX / DATE 20/4/2023 13:02:39 /
 *   Test time:73 s / Test ID :TAK4 / [User name :..] / @
 *   * GROUP No.1 * / * PASS * / D.T:.. / Serial No.:0610982638      one board = one report
 *   Group_No.<TAB>Step_number<TAB>..                                    column names
 *   01<TAB>000002<TAB>U1<TAB>..<TAB>PASS<TAB>D<TAB>0.532<TAB>0.532<TAB>V<TAB>..   a test
 *   * GROUP No.2 * ..                                                   the next board
 *   @                                                                   end of the panel
 * The APT94xx variant writes DATE dd/MM/yy, "Serial No.:<batch> - <sn> (<op1> - <op2>)",
 * a Model "<pn>[T|B]_<version>.<file>" and test lines of quoted, blank-padded fields:
 *   000009 "R173" "10KO" "RES-10K-EX" 489 491 "10.00 KO " " 9.65 KO " "........" +5% -5%
 *          "PASS   " "DC-CV" "Range 4" "5.0 ms" "( +, -, N, N) " 0 0 "**"
 * As WATS maps it: limits = reference value -/+ the tolerances (in the measured value's unit),
 * the compare operator from the Function column (** GELE, D LTGE, SH LT 10, OP GT 100, E LE ref,
 * F GE ref, JP jumped: skipped); the value is the last measurement taken (test value 2 when the
 * tester measured again). Values keep their text; computed limits are written with 15 digits.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/lines.h"
#include "convert/vendor_util.h"

typedef struct tk {
	wats__cctx *c;
	wats_report *r;
	long board_line;
	int apt, have_date, in_panel_header;
	int date[6];
	char model[256], station[128], oper[128], test_time[32];
	wats_status panel, board;
	double step_ms;
	int seen_board;
} tk;

typedef struct row {
	const char *step, *parts, *value, *comment, *hpin, *lpin, *neth, *netl;
	char ref[64], refu[16], m1[64], m1u[16], m2[64], m2u[16];
	const char *tolp, *tolm, *judge, *func, *time;
} row;

static char *trim(char *s)
{
	return wats__trim(s);
}

static int is_num(const char *s)
{
	double d;
	size_t n = strlen(s);
	return n && strspn(s, "0123456789.+-eE") == n && wats__vu_parse(s, n, &d) == 0;
}

static double prefix(const char *u)
{
	if (strlen(u) < 2)
		return 1;
	switch (u[0]) {
	case 'K': case 'k': return 1e3;
	case 'M': return 1e6;
	case 'm': return 1e-3;
	case 'U': case 'u': return 1e-6;
	case 'N': case 'n': return 1e-9;
	case 'P': case 'p': return 1e-12;
	}
	return 1;
}

/* "10.00 KO " -> "10.00", "KO"; "........" -> "", "" */
static void split_qty(char *val, size_t vs, char *unit, size_t us, const char *s)
{
	char b[128];
	wats__copy_trim(b, sizeof(b), s, strlen(s));
	char *sp = strchr(b, ' ');
	if (sp)
		*sp++ = '\0';
	wats__copy_trim(val, vs, b, strlen(b));
	wats__copy_trim(unit, us, sp ? sp : "", sp ? strlen(sp) : 0);
	if (!is_num(val))
		*val = *unit = '\0';
}

static wats_status verdict_of(const char *s)
{
	if (strstr(s, "NO-TEST"))
		return WATS_STATUS_FAILED;
	if (strstr(s, "PASS"))
		return WATS_STATUS_PASSED;
	if (strstr(s, "FAIL"))
		return WATS_STATUS_FAILED;
	return WATS_STATUS_NONE;
}

static int fail_up(wats_step *s)
{
	int rc = 0;
	for (; s && !rc; s = wats_step_parent(s))
		rc = wats_step_set_status(s, WATS_STATUS_FAILED);
	return rc;
}

static void fmt15(char *b, size_t n, double v)
{
	snprintf(b, n, "%.15g", v);
}

/* ---- boards -------------------------------------------------------------------------------- */

static int board_end(tk *t, long ln)
{
	wats_report *r = t->r;
	t->r = NULL;
	if (!r)
		return 0;
	wats_status st = t->board != WATS_STATUS_NONE ? t->board : t->panel;
	int rc = 0;
	if (!wats_report_sn(r) || !*wats_report_sn(r))
		rc = wats__cctx_error(t->c, WATS_EPARSE, t->board_line, 0, "the board of line %ld has "
				      "no 'Serial No.:' line", t->board_line);
	if (!rc && st == WATS_STATUS_NONE) {
		wats__cctx_warn(t->c, t->board_line, "result", "no '* PASS *' / '* FAIL *' verdict; "
				"the steps decide");
		st = wats_step_status(wats_report_root(r)) == WATS_STATUS_FAILED ? WATS_STATUS_FAILED
										 : WATS_STATUS_PASSED;
	}
	if (!rc)
		rc = wats_report_set_result(r, st);
	if (!rc && st == WATS_STATUS_FAILED)
		rc = wats_step_set_status(wats_report_root(r), WATS_STATUS_FAILED);
	if (!rc && *t->test_time)
		rc = wats__vu_num(t->c, r, wats_report_info(r), "execTime", t->test_time, ln);
	else if (!rc && t->step_ms > 0) {
		char b[40];
		fmt15(b, sizeof(b), t->step_ms / 1000.0);
		rc = wats__vu_num(t->c, r, wats_report_info(r), "execTime", b, ln);
	}
	if (!rc)
		rc = wats__vu_finish(t->c, r, ln);
	if (rc < 0) {
		wats_report_free(r);
		return rc;
	}
	return wats__cctx_emit(t->c, r);
}

static int board_start(tk *t, long ln)
{
	int rc = board_end(t, ln);
	if (rc < 0)
		return rc;
	if ((rc = wats__new_uut(&t->r, t->c)) < 0)
		return rc;
	t->board_line = ln;
	t->board = WATS_STATUS_NONE;
	t->step_ms = 0;
	t->in_panel_header = 0;
	t->seen_board = 1;
	wats_report *r = t->r;
	if (*t->model && !t->apt) {
		rc = wats_report_set_pn(r, t->model);
		if (!rc)
			rc = wats_step_set_seq_call(wats_report_root(r), NULL, t->model, t->model);
	} else if (*t->model) {
		/* <pn>[T|B]_<version>.<file>: side letter after a digit; revision = the rest. */
		char pn[256], rest[256] = "", side = 0;
		wats__vu_copy(pn, sizeof(pn), t->model);
		char *us = strchr(pn, '_');
		if (us) {
			*us = '\0';
			wats__vu_copy(rest, sizeof(rest), us + 1);
		}
		size_t n = strlen(pn);
		if (n >= 2 && isdigit((unsigned char)pn[n - 2]) && strchr("TBtb", pn[n - 1])) {
			side = (char)toupper((unsigned char)pn[n - 1]);
			pn[n - 1] = '\0';
		}
		rc = wats_report_set_pn(r, pn);
		if (!rc && *rest)
			rc = wats_report_set_rev(r, rest);
		char *dot = strchr(rest, '.');
		if (!rc && *rest) {
			if (dot)
				*dot = '\0';
			rc = wats_step_set_seq_call(wats_report_root(r), NULL, dot ? dot + 1 : t->model, rest);
		}
		if (!rc && side)
			rc = wats_report_add_misc_info(NULL, r, "Side", side == 'T' ? "Top" : "Bottom");
	}
	if (!rc && *t->station)
		rc = wats_report_set_machine_name(r, t->station);
	if (!rc && *t->oper)
		rc = wats_report_set_operator(r, t->oper);
	if (!rc && t->have_date &&
	    wats__vu_set_start_local(t->c, r, t->date[0], t->date[1], t->date[2], t->date[3],
				     t->date[4], t->date[5], 0) < 0)
		wats__cctx_warn(t->c, ln, "DATE", "date out of range");
	return rc;
}

static int serial(tk *t, char *v, long ln)
{
	if (!t->r)
		return wats__cctx_error(t->c, WATS_EPARSE, ln, 1, "'Serial No.:' before '* GROUP No.'");
	v = trim(v);
	char *par = strchr(v, '(');
	int rc = 0;
	if (t->apt && par) {
		/* <batch> - <sn> (<op1>[ - <op2>]) */
		char ops[256];
		wats__vu_copy(ops, sizeof(ops), par + 1);
		char *cl = strchr(ops, ')');
		if (cl)
			*cl = '\0';
		*par = '\0';
		char *dash = strchr(v, '-');
		char *sn = v;
		if (dash) {
			*dash = '\0';
			sn = dash + 1;
			if (*trim(v))
				rc = wats_node_set_string(t->r, wats_report_info(t->r), "batchSN", trim(v));
		}
		if (!rc)
			rc = wats_report_set_sn(t->r, trim(sn));
		char *d2 = strstr(ops, " - ");
		if (d2) {
			*d2 = '\0';
			if (!rc)
				rc = wats_report_add_misc_info(NULL, t->r, "Operator 2", trim(d2 + 3));
		}
		if (!rc && *trim(ops))
			rc = wats_report_set_operator(t->r, trim(ops));
		return rc;
	}
	return *v ? wats_report_set_sn(t->r, v) : 0;
}

/* ---- tests --------------------------------------------------------------------------------- */

static int parse_std(row *w, char *line, long ln, tk *t)
{
	char *f[64];
	int n = wats__vu_split(line, '\t', f, 64);
	if (n < 56)
		return wats__cctx_error(t->c, WATS_EPARSE, ln, 0, "test line with %d tab-separated "
					"fields, 56 or more expected", n);
	for (int i = 0; i < n; i++)
		f[i] = trim(f[i]);
	w->step = f[1], w->parts = f[2], w->value = f[3], w->comment = f[5];
	w->hpin = f[7], w->neth = f[8], w->lpin = f[9], w->netl = f[10];
	w->judge = f[15];
	wats__vu_copy(w->ref, sizeof(w->ref), is_num(f[18]) ? f[18] : "");
	wats__vu_copy(w->refu, sizeof(w->refu), *w->ref ? f[19] : "");
	wats__vu_copy(w->m1, sizeof(w->m1), is_num(f[22]) ? f[22] : "");
	wats__vu_copy(w->m1u, sizeof(w->m1u), *w->m1 ? f[23] : "");
	wats__vu_copy(w->m2, sizeof(w->m2), is_num(f[26]) ? f[26] : "");
	wats__vu_copy(w->m2u, sizeof(w->m2u), *w->m2 ? f[27] : "");
	w->time = f[32], w->tolp = f[33], w->tolm = f[34], w->func = f[55];
	return 0;
}

static int parse_apt(row *w, char *line, long ln, tk *t)
{
	char *q[16];
	char *bare[16];
	int nq = 0, nb = 0;
	char *p = line;
	int quote_next = 0; /* a bare field ended at a quote, which its NUL replaced */
	while (*p || quote_next) {
		if (!quote_next)
			while (*p == ' ' || *p == '\t')
				p++;
		if (!*p && !quote_next)
			break;
		if (quote_next || *p == '"') {
			char *start = p + 1;
			quote_next = 0;
			char *e = strchr(start, '"');
			if (!e)
				return wats__cctx_error(t->c, WATS_EPARSE, ln, (long)(p - line) + 1,
							"quote not closed");
			*e = '\0';
			if (nq < 16)
				q[nq++] = start;
			p = e + 1;
		} else {
			char *s = p;
			while (*p && *p != ' ' && *p != '\t' && *p != '"')
				p++;
			char end = *p;
			*p = '\0';
			if (end == '"')
				quote_next = 1; /* p stays on the quote, now the bare field's NUL */
			else if (end)
				p++;
			if (nb < 16)
				bare[nb++] = s;
		}
	}
	if (nq < 12 || nb < 5)
		return wats__cctx_error(t->c, WATS_EPARSE, ln, 0, "test line with %d quoted and %d "
					"bare fields (12 and 5 or more expected)", nq, nb);
	for (int i = 0; i < nq; i++)
		q[i] = trim(q[i]);
	w->step = bare[0], w->hpin = bare[1], w->lpin = bare[2], w->tolp = bare[3], w->tolm = bare[4];
	w->parts = q[0], w->value = q[1], w->comment = q[2], w->neth = w->netl = "";
	split_qty(w->ref, sizeof(w->ref), w->refu, sizeof(w->refu), q[3]);
	split_qty(w->m1, sizeof(w->m1), w->m1u, sizeof(w->m1u), q[4]);
	split_qty(w->m2, sizeof(w->m2), w->m2u, sizeof(w->m2u), q[5]);
	w->judge = q[6], w->time = q[9], w->func = q[11];
	return 0;
}

/* Letters then a digit: the component type ("C476" -> "C"); else the whole name. */
static void comp_type(char *out, size_t n, const char *parts)
{
	size_t i = 0;
	while (isalpha((unsigned char)parts[i]))
		i++;
	wats__vu_copy(out, n, parts);
	if (i && isdigit((unsigned char)parts[i]) && i < n)
		out[i] = '\0';
}

static int test_line(tk *t, char *line, long ln)
{
	if (!t->r)
		return wats__cctx_error(t->c, WATS_EPARSE, ln, 1, "test line before '* GROUP No.'");
	row w;
	memset(&w, 0, sizeof(w));
	int rc = strchr(line, '\t') ? parse_std(&w, line, ln, t) : (t->apt = 1, parse_apt(&w, line, ln, t));
	if (rc < 0)
		return rc;
	char type[64], name[512];
	comp_type(type, sizeof(type), w.parts);
	int is_comp = strcmp(type, w.parts) != 0;
	if (t->apt)
		wats__vu_join(name, sizeof(name), 0, is_comp ? w.parts : w.comment, "_",
			      is_comp ? w.comment : w.value, NULL);
	else
		wats__vu_join(name, sizeof(name), 0, is_comp ? w.parts : w.comment, "_", w.neth, "_",
			      w.netl, NULL);
	wats_step *parent = wats_report_root(t->r);
	const char *g = wats__cctx_param(t->c, "GroupByComponentType");
	/* By component type: a parameter; APT94xx files group unless told otherwise. */
	if (g ? !strcasecmp(g, "true") : t->apt) {
		wats_step *k;
		for (k = wats_step_first_child(parent); k; k = wats_step_next(k))
			if (wats_step_kind_of(k) == WATS_STEP_SEQUENCE && !strcmp(wats_step_name(k), type))
				break;
		if (!k && (rc = wats_step_add(&k, parent, WATS_STEP_SEQUENCE, type)) < 0)
			return rc;
		parent = k;
	}
	/* The decisive value: test value 2 when the tester measured again. */
	const char *val = *w.m2 ? w.m2 : w.m1, *unit = *w.m2 ? w.m2u : w.m1u;
	int jump = !strcmp(w.func, "JP") || !strncmp(w.judge, "......", 6) || !strcasecmp(w.judge, "JUMP");
	char text[1024];
	/* "#step comment Tol+:.. Tol-:.. H-pin:.. L-pin:..[ neth netl][ Ref:ref unit][ first
	 * measurement:m1 unit]" (joined, not printf'd: a row's formatting was a third of it) */
	size_t tn = wats__vu_join(text, sizeof(text), 0, "#", w.step, " ", w.comment, " Tol+:", w.tolp,
				  " Tol-:", w.tolm, " H-pin:", w.hpin, " L-pin:", w.lpin, NULL);
	if (*w.neth)
		tn = wats__vu_join(text, sizeof(text), tn, " ", w.neth, " ", w.netl, NULL);
	if (*w.ref)
		tn = wats__vu_join(text, sizeof(text), tn, " Ref:", w.ref, " ", w.refu, NULL);
	if (*w.m1 && *w.m2)
		wats__vu_join(text, sizeof(text), tn, " first measurement:", w.m1, " ", w.m1u, NULL);
	double ms;
	char tb[32];
	wats__vu_copy(tb, sizeof(tb), w.time);
	char *sp = strchr(tb, ' ');
	if (sp)
		*sp = '\0';
	int has_ms = is_num(tb) && wats__parse_double(tb, &ms) == 0;
	if (has_ms)
		t->step_ms += ms;
	wats_step *s;
	wats_status st = !strncasecmp(w.judge, "PASS", 4) ? WATS_STATUS_PASSED : WATS_STATUS_FAILED;
	if (jump || !*w.ref || !*val) {
		rc = wats_step_add(&s, parent, WATS_STEP_ACTION, name);
		if (!rc)
			rc = jump ? wats_step_set_status(s, WATS_STATUS_SKIPPED)
				  : st == WATS_STATUS_FAILED ? fail_up(s) : wats_step_set_status(s, st);
	} else {
		double ref, tp = 0, tm = 0;
		wats__parse_double(w.ref, &ref);
		char b1[16], b2[16];
		wats__vu_copy(b1, sizeof(b1), w.tolp);
		wats__vu_copy(b2, sizeof(b2), w.tolm);
		b1[strcspn(b1, "%")] = b2[strcspn(b2, "%")] = '\0';
		if (wats__parse_double(b1, &tp) < 0 || wats__parse_double(b2, &tm) < 0)
			wats__cctx_warn(t->c, ln, "tolerance", "tolerance '%s' / '%s' not understood; 0 used",
					w.tolp, w.tolm);
		/* Limits in the measured value's unit. */
		double f = prefix(w.refu) / prefix(unit);
		double lo = (ref - ref * fabs(tm) / 100) * f, hi = (ref + ref * fabs(tp) / 100) * f;
		char l[40], h[40], rv[72];
		fmt15(l, sizeof(l), lo);
		fmt15(h, sizeof(h), hi);
		if (f == 1)
			wats__vu_copy(rv, sizeof(rv), w.ref);
		else
			fmt15(rv, sizeof(rv), ref * f);
		wats_compop op = WATS_COMP_GELE;
		const char *a = l, *b = h;
		if (!strcmp(w.func, "SH"))
			op = WATS_COMP_LT, a = "10", b = NULL;
		else if (!strcmp(w.func, "OP"))
			op = WATS_COMP_GT, a = "100", b = NULL;
		else if (!strcmp(w.func, "D"))
			op = WATS_COMP_LTGE;
		else if (!strcmp(w.func, "E"))
			op = WATS_COMP_LE, a = rv, b = NULL;
		else if (!strcmp(w.func, "F"))
			op = WATS_COMP_GE, a = rv, b = NULL;
		wats_meas *m;
		rc = wats_step_add(&s, parent, WATS_STEP_NUMERIC, name);
		if (!rc)
			rc = wats_step_add_numeric_text(&m, s, NULL, val, op, a, b, *unit ? unit : NULL);
		if (!rc)
			rc = wats_meas_set_status(m, st);
		if (!rc)
			rc = st == WATS_STATUS_FAILED ? fail_up(s) : wats_step_set_status(s, st);
	}
	if (!rc)
		rc = wats_step_set_report_text(s, text);
	char secs[40];
	if (!rc && has_ms && wats__vu_shift10(secs, sizeof(secs), tb, -3) == 0)
		rc = wats__vu_num(t->c, t->r, (wats_node *)s, "totTime", secs, ln);
	return rc;
}

/* ---- lines --------------------------------------------------------------------------------- */

static int date_of(tk *t, const char *s, long ln)
{
	int a, b, y, h, mi, se;
	char ys[8];
	if (sscanf(s, "%d/%d/%7[0-9] %d:%d:%d", &a, &b, ys, &h, &mi, &se) != 6) {
		wats__cctx_warn(t->c, ln, "DATE", "date '%s' not understood", s);
		return 0;
	}
	y = atoi(ys);
	if (strlen(ys) <= 2) {
		/* APT94xx: dd/MM/yy */
		t->apt = 1;
		y += 2000;
	}
	int v[6] = { y, b, a, h, mi, se };
	memcpy(t->date, v, sizeof(v));
	t->have_date = 1;
	return 0;
}

static int line_of(tk *t, char *line, long ln)
{
	char *s = trim(line);
	if (!*s)
		return 0;
	if (!strcmp(s, "@")) {
		if (t->r)
			return board_end(t, ln); /* the panel ends */
		t->in_panel_header = !t->in_panel_header;
		if (t->in_panel_header) {
			/* A new panel block: its header replaces the last one. */
			*t->model = *t->station = *t->oper = *t->test_time = '\0';
			t->have_date = 0;
			t->panel = WATS_STATUS_NONE;
		}
		return 0;
	}
	if (!strncmp(s, "* GROUP No.", 11))
		return board_start(t, ln);
	if (s[0] == '*') {
		wats_status v = verdict_of(s);
		if (t->r)
			t->board = v;
		else
			t->panel = v;
		return 0;
	}
	if (!strncmp(s, "Model:", 6)) {
		wats__copy_trim(t->model, sizeof(t->model), s + 6, strlen(s + 6));
		return 0;
	}
	if (!strncmp(s, "DATE ", 5))
		return date_of(t, s + 5, ln);
	if (!strncmp(s, "Test time:", 10)) {
		char b[32];
		wats__vu_copy(b, sizeof(b), s + 10);
		b[strcspn(b, " s")] = '\0';
		wats__vu_copy(t->test_time, sizeof(t->test_time), b);
		return 0;
	}
	if (!strncmp(s, "Test ID :", 9)) {
		wats__copy_trim(t->station, sizeof(t->station), s + 9, strlen(s + 9));
		return 0;
	}
	if (!strncmp(s, "User name :", 11)) {
		wats__copy_trim(t->oper, sizeof(t->oper), s + 11, strlen(s + 11));
		return 0;
	}
	if (!strncmp(s, "Serial No.:", 11))
		return serial(t, s + 11, ln);
	if (!strncmp(s, "D.T:", 4) || !strncmp(s, "Group_No.", 9))
		return 0;
	if (isdigit((unsigned char)s[0]))
		return test_line(t, line, ln);
	wats__cctx_warn(t->c, ln, NULL, "line not understood; skipped");
	return 0;
}

double wats__takaya_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			   size_t len, char *sn, char *pn, size_t size)
{
	(void)cv;
	if (!wats__vu_starts(head, len, "@") || !wats__find(head, len, "\nModel:") ||
	    !wats__find(head, len, "\nDATE ") || !wats__find(head, len, "* GROUP No."))
		return 0;
	const char *m = wats__find(head, len, "\nModel:");
	const char *e = memchr(m + 1, '\n', (size_t)((const char *)head + len - m - 1));
	if (e)
		wats__copy_trim(pn, size, m + 7, (size_t)(e - m - 7));
	const char *s = wats__find(head, len, "Serial No.:");
	e = s ? memchr(s, '\n', (size_t)((const char *)head + len - s)) : NULL;
	if (e)
		wats__copy_trim(sn, size, s + 11, (size_t)(e - s - 11));
	char ext[16];
	return !strcmp(wats__ext(ext, sizeof(ext), name ? name : ""), "atd") ? 0.95 : 0.9;
}

int wats__takaya_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	tk t;
	memset(&t, 0, sizeof(t));
	t.c = c;
	wats__lines l;
	wats__lines_init(&l, c);
	char *line;
	size_t len;
	int rc;
	while ((rc = wats__lines_next(&l, &line, &len)) > 0) {
		rc = line_of(&t, line, l.line);
		if (rc < 0)
			break;
	}
	long last = l.line;
	wats__lines_free(&l);
	if (rc == 0 && t.r)
		rc = wats__cctx_error(c, WATS_EPARSE, last, 0, "the board of line %ld has no closing '@' "
				      "(the file is truncated)", t.board_line);
	if (rc == 0 && c->count == 0)
		rc = wats__cctx_error(c, WATS_EPARSE, last, 0, "no board ('* GROUP No.' .. '@') in the file");
	wats_report_free(t.r);
	rc = wats__cctx_refused(c, rc, last);
	return rc;
}
