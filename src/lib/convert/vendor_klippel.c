/*
 * Klippel QC logs ("klippel"): a summary file "DUT <sn> <date> UTC+hhmm.txt" of "//comment" and
 * "Key=Value" lines (Cfg_SerialNumber, Cfg_UserName, Cfg_DutStartTime, Ctrl_OverallVerdict,
 * Results_Pass/Fail/..: tab-separated result names), and beside it a folder of the same name
 * (without ".txt") with "<Task>-<kind>.txt" files, tab-separated with a header line and '-' for
 * no value:
 *  - "<Task>-values.txt": "name value max min", one scalar result per row;
 *  - any other kind: a curve, "frq <kind> [max [min]]", x the frequency.
 * One report per summary; one sequence per task, a numeric step per value row, per curve file a
 * multiple numeric step (avg/min/max/OutOfBounds, as the reference) with a chart (the measured
 * curve and the limit curves as series).
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/vendor_util.h"
#include "util/jsonnum.h"

#define KL_MAX_FILE ((size_t)64 << 20) /* one file of the folder */

typedef struct kv {
	const char *key, *val;
	long line;
} kv;

/* Results_<list>: the verdict of each named result. */
static const struct {
	const char *key;
	wats_status st;
} lists[] = { { "Results_Pass", WATS_STATUS_PASSED },	  { "Results_Fail", WATS_STATUS_FAILED },
	       { "Results_Warning", WATS_STATUS_PASSED }, { "Results_Void", WATS_STATUS_SKIPPED },
	       { "Results_Noise", WATS_STATUS_FAILED },	  { "Results_Invalid", WATS_STATUS_ERROR } };
#define NLISTS (sizeof(lists) / sizeof(lists[0]))

typedef struct kctx {
	wats__cctx *c;
	wats_report *r;
	kv *kv;
	size_t nkv;
	char **used; /* result names that got a step */
	size_t nused;
} kctx;

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static const char *get(const kctx *q, const char *key, long *line)
{
	for (size_t i = 0; i < q->nkv; i++)
		if (!strcmp(q->kv[i].key, key)) {
			if (line)
				*line = q->kv[i].line;
			return q->kv[i].val;
		}
	return NULL;
}

/* Whether name is one of the tab-separated words of list. */
static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	if (!n)
		return 0;
	for (const char *p = list; *p;) {
		const char *e = strchr(p, '\t');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		while (l && p[l - 1] == ' ')
			l--;
		if (l == n && !memcmp(p, name, n))
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* The verdict the summary's Results_* lists give name; NONE when it is not listed. */
static wats_status verdict_of(kctx *q, const char *name)
{
	for (size_t i = 0; i < NLISTS; i++) {
		const char *l = get(q, lists[i].key, NULL);
		if (l && in_list(l, name)) {
			char **u = realloc(q->used, (q->nused + 1) * sizeof(*u));
			if (u) {
				q->used = u;
				if ((u[q->nused] = strdup(name)))
					q->nused++;
			}
			return lists[i].st;
		}
	}
	return WATS_STATUS_NONE;
}

/* Listed results without a step: one warning. */
static void warn_unused(kctx *q)
{
	char msg[512] = "";
	size_t n = 0;
	for (size_t i = 0; i < NLISTS; i++) {
		const char *l = get(q, lists[i].key, NULL);
		if (!l)
			continue;
		char tmp[1024];
		snprintf(tmp, sizeof(tmp), "%s", l);
		char *save = NULL;
		for (char *w = strtok_r(tmp, "\t", &save); w; w = strtok_r(NULL, "\t", &save)) {
			w = trim(w);
			size_t k = 0;
			while (k < q->nused && strcmp(q->used[k], w))
				k++;
			if (!*w || k < q->nused)
				continue;
			size_t m = strlen(msg);
			snprintf(msg + m, sizeof(msg) - m, "%s%s", n++ ? ", " : "", w);
		}
	}
	if (n)
		wats__cctx_warn(q->c, 0, "Results", "result%s %s ha%s a verdict in the summary but no "
				"row or curve file; left out", n > 1 ? "s" : "", msg, n > 1 ? "ve" : "s");
}

/* A parse error in a file of the folder: "<path>:<line>: ..". */
static int ferr(const char *path, long line, const char *fmt, const char *a, const char *b)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, a, b);
	return wats__error_at(WATS_EPARSE, WATS_ERRCLASS_CONVERT, path, (int)line, 0, "%s:%ld: %s",
			      path, line, msg);
}

static int absent(const char *s)
{
	return !*s || !strcmp(s, "-");
}

/* ---- the files of the folder --------------------------------------------------------------- */

/* Read a whole file (NUL-terminated, malloc'ed); NULL and a warning when it cannot be read. */
static char *slurp(kctx *q, const char *path, const char *fname)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		wats__cctx_warn(q->c, 0, fname, "cannot open '%s'; left out", path);
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	while (b) {
		if (n + 1 >= cap) {
			if (cap >= KL_MAX_FILE) {
				wats__cctx_warn(q->c, 0, fname, "'%s' is over %zu bytes; left out", path,
						KL_MAX_FILE);
				free(b);
				b = NULL;
				break;
			}
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
		size_t got = fread(b + n, 1, cap - 1 - n, f);
		if (!got)
			break;
		n += got;
	}
	fclose(f);
	if (b) {
		b[n] = '\0';
		if (strlen(b) != n) {
			wats__cctx_warn(q->c, 0, fname, "'%s' holds NUL bytes; read up to the first", path);
		}
	}
	return b;
}

/* Next line of *p (in place, without "\r\n"); NULL at the end. */
static char *next_line(char **p)
{
	if (!*p || !**p)
		return NULL;
	char *s = *p, *nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = s + strlen(s);
	}
	size_t n = strlen(s);
	if (n && s[n - 1] == '\r')
		s[n - 1] = '\0';
	return s;
}

static int split_tabs(char *s, char ***out)
{
	int nf = 1;
	for (char *p = s; *p; p++)
		nf += *p == '\t';
	char **f = malloc((size_t)nf * sizeof(*f));
	if (!f)
		return -1;
	wats__vu_split(s, '\t', f, nf);
	for (int i = 0; i < nf; i++)
		f[i] = trim(f[i]);
	*out = f;
	return nf;
}

static void fail_up(wats_status *acc, wats_status st)
{
	if (st == WATS_STATUS_FAILED || (st == WATS_STATUS_ERROR && *acc != WATS_STATUS_FAILED))
		*acc = st;
}

/* "name value max min": a numeric step per row. */
static int values_file(kctx *q, wats_step *seq, char *text, const char *path, const char *fname,
		       wats_status *acc)
{
	char *p = text, *line, **f = NULL;
	long ln = 0;
	int col[4] = { -1, -1, -1, -1 }, rc = 0; /* name value max min */
	static const char *const names[4] = { "name", "value", "max", "min" };
	int header = 0;
	while (!rc && (line = next_line(&p))) {
		ln++;
		if (ln == 1 && !strncmp(line, "\xEF\xBB\xBF", 3))
			line += 3;
		if (!*trim(line))
			continue;
		free(f);
		f = NULL;
		int nf = split_tabs(line, &f);
		if (nf < 0)
			return wats__error_oom();
		if (!header || !strcasecmp(f[0], "name")) {
			if (strcasecmp(f[0], "name")) {
				rc = ferr(path, ln, "header line '%s' does not start with 'name'%s", f[0], "");
				break;
			}
			for (int k = 0; k < 4; k++)
				col[k] = -1;
			for (int i = 0; i < nf; i++)
				for (int k = 0; k < 4; k++)
					if (col[k] < 0 && !strcasecmp(f[i], names[k]))
						col[k] = i;
			if (col[1] < 0) {
				rc = ferr(path, ln, "header line without a 'value' column%s%s", "", "");
				break;
			}
			header = 1;
			continue;
		}
		const char *name = f[0], *v = col[1] < nf ? f[col[1]] : "";
		const char *hi = col[2] >= 0 && col[2] < nf ? f[col[2]] : "";
		const char *lo = col[3] >= 0 && col[3] < nf ? f[col[3]] : "";
		if (!*name) {
			rc = ferr(path, ln, "row without a name%s%s", "", "");
			break;
		}
		const char *bad = !absent(v) && !wats__json_number_valid(v)	? v
				  : !absent(hi) && !wats__json_number_valid(hi) ? hi
				  : !absent(lo) && !wats__json_number_valid(lo) ? lo
										: NULL;
		if (bad) {
			rc = ferr(path, ln, "'%s' of '%s' is not a number", bad, name);
			break;
		}
		int hl = !absent(lo), hh = !absent(hi);
		wats_compop op = hl && hh ? WATS_COMP_GELE : hl ? WATS_COMP_GE : hh ? WATS_COMP_LE : WATS_COMP_LOG;
		wats_step *s;
		wats_meas *m = NULL;
		rc = wats_step_add(&s, seq, WATS_STEP_NUMERIC, name);
		if (!rc)
			rc = wats_step_add_numeric_text(&m, s, NULL, absent(v) ? NULL : v, op,
							hl ? lo : hh ? hi : NULL, hl && hh ? hi : NULL, NULL);
		wats_status st = verdict_of(q, name);
		if (st == WATS_STATUS_NONE)
			st = absent(v) ? WATS_STATUS_SKIPPED : WATS_STATUS_DONE;
		if (!rc)
			rc = wats_meas_set_status(m, st == WATS_STATUS_DONE ? WATS_STATUS_PASSED : st);
		if (!rc)
			rc = wats_step_set_status(s, st);
		fail_up(acc, st);
	}
	free(f);
	if (!rc && !header)
		wats__cctx_warn(q->c, 0, fname, "'%s' is empty", path);
	return rc;
}

/* What a curve's measured column comes to, as the reference reports it beside the chart. */
typedef struct stats {
	size_t n, out; /* points with a value; points above max or below min */
	double sum, lo, hi;
	const char *lo_text, *hi_text; /* the source's text of the smallest and largest */
	int limits;			/* the file has a max or a min column */
} stats;

/* avg, min, max of the curve (min and max as the file wrote them) and OutOfBounds (< 1). */
static int add_stats(kctx *q, wats_step *s, const stats *k, long ln)
{
	wats_meas *m;
	int rc = wats_step_add_numeric(&m, s, "avg", k->sum / (double)k->n, WATS_COMP_LOG, 0, 0, NULL);
	if (!rc)
		rc = wats_meas_set_status(m, WATS_STATUS_PASSED);
	if (!rc)
		rc = wats__vu_numeric(q->c, q->r, s, "min", k->lo_text, WATS_COMP_LOG, NULL, NULL, NULL,
				      WATS_STATUS_PASSED, ln);
	if (!rc)
		rc = wats__vu_numeric(q->c, q->r, s, "max", k->hi_text, WATS_COMP_LOG, NULL, NULL, NULL,
				      WATS_STATUS_PASSED, ln);
	char out[32];
	snprintf(out, sizeof(out), "%zu", k->out);
	if (!rc && k->limits)
		rc = wats_step_add_numeric_text(&m, s, "OutOfBounds", out, WATS_COMP_LT, "1", NULL, "#");
	if (!rc && k->limits)
		rc = wats_meas_set_status(m, k->out ? WATS_STATUS_FAILED : WATS_STATUS_PASSED);
	return rc;
}

/* One row of a curve file: each column's point added to its series (the text kept), the
 * measured column (1) counted into k against the row's max and min. */
static int curve_row(wats__vu_text *xt, wats__vu_text *yt, char **h, int nh, char **f, int nf,
		     const int *lim, stats *k, const char *path, long ln, size_t *skipped)
{
	double fx, v, y = 0;
	if (!*f[0] || wats__vu_parse(f[0], strlen(f[0]), &fx) < 0)
		return ferr(path, ln, "%s '%s' is not a number", h[0], f[0]);
	int has_y = 0;
	for (int i = 1; i < nh; i++) {
		const char *t = i < nf ? f[i] : "";
		if (absent(t)) {
			(*skipped)++;
			continue;
		}
		int rc = wats__vu_text_add(&yt[i], t, strlen(t), 0, &v);
		if (rc == -1)
			return ferr(path, ln, "'%s' (%s) is not a number", t, h[i]);
		if (rc < 0 || (rc = wats__vu_text_add(&xt[i], f[0], strlen(f[0]), 0, NULL)) < 0)
			return rc;
		if (i == 1)
			y = v, has_y = 1;
		else if (has_y && ((i == lim[0] && y > v) || (i == lim[1] && y < v)))
			k->out++;
	}
	if (has_y) {
		if (!k->n || y < k->lo)
			k->lo = y, k->lo_text = f[1];
		if (!k->n || y > k->hi)
			k->hi = y, k->hi_text = f[1];
		k->sum += y;
		k->n++;
	}
	return 0;
}

/* "frq <kind> [max [min]]": a multiple numeric step with a chart (as the reference maps it:
 * avg/min/max/OutOfBounds, then the curve and its limits as series). */
static int curve_file(kctx *q, wats_step *seq, char *text, const char *path, const char *fname,
		      const char *kind, wats_status *acc)
{
	char *p = text, *line, **h = NULL, **f = NULL;
	long ln = 0;
	int nh = 0, rc = 0, lim[2] = { -1, -1 }; /* the max and min columns */
	wats__vu_text *xt = NULL, *yt = NULL;
	size_t skipped = 0;
	stats k = { 0 };
	while (!rc && (line = next_line(&p))) {
		ln++;
		if (ln == 1 && !strncmp(line, "\xEF\xBB\xBF", 3))
			line += 3;
		if (!*trim(line))
			continue;
		if (!h) {
			nh = split_tabs(line, &h);
			if (nh < 0) {
				h = NULL;
				rc = wats__error_oom();
				break;
			}
			if (nh < 2) {
				rc = ferr(path, ln, "header line '%s' has no curve column after the %s",
					  h[0], "frequency");
				break;
			}
			xt = calloc((size_t)nh, sizeof(*xt));
			yt = calloc((size_t)nh, sizeof(*yt));
			if (!xt || !yt) {
				rc = wats__error_oom();
				break;
			}
			for (int i = 2; i < nh; i++)
				if (!strcasecmp(h[i], "max") || !strcasecmp(h[i], "min"))
					lim[tolower((unsigned char)h[i][1]) == 'i'] = i;
			k.limits = lim[0] > 0 || lim[1] > 0;
			continue;
		}
		free(f);
		f = NULL;
		int nf = split_tabs(line, &f);
		if (nf < 0) {
			rc = wats__error_oom();
			break;
		}
		rc = curve_row(xt, yt, h, nh, f, nf, lim, &k, path, ln, &skipped);
		/* min and max point into this line of text, which stays until the end */
	}
	if (!rc && !h)
		wats__cctx_warn(q->c, 0, fname, "'%s' is empty", path);
	if (!rc && h) {
		if (skipped)
			wats__cctx_warn(q->c, 0, fname, "%zu '-' points (no value) left out of the series",
					skipped);
		wats_step *s;
		rc = wats_step_add_typed(&s, seq, "WATS_XYGMNLT", kind);
		if (!rc && k.n)
			rc = add_stats(q, s, &k, ln);
		int frq = !strcasecmp(h[0], "frq");
		if (!rc)
			rc = wats_step_set_chart(s, WATS_CHART_LINE_LOG_X, kind, frq ? "Frequency" : h[0],
						 frq ? "Hz" : "", h[1], "");
		for (int i = 1; !rc && i < nh; i++)
			if (yt[i].n)
				rc = wats__vu_series(q->r, s, h[i], &xt[i], &yt[i]);
		wats_status st = verdict_of(q, kind);
		if (st == WATS_STATUS_NONE && strcmp(kind, h[1]))
			st = verdict_of(q, h[1]);
		if (st == WATS_STATUS_NONE)
			st = WATS_STATUS_DONE;
		if (!rc)
			rc = wats_step_set_status(s, st);
		fail_up(acc, st);
	}
	for (int i = 0; i < nh && xt && yt; i++) {
		wats__vu_text_free(&xt[i]);
		wats__vu_text_free(&yt[i]);
	}
	free(xt);
	free(yt);
	free(f);
	free(h);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Kind of "<Task>-<kind>.txt" (after the last '-'), the name cut there; NULL when not of it. */
static char *kind_of(char *name)
{
	size_t n = strlen(name);
	if (n < 5 || strcasecmp(name + n - 4, ".txt"))
		return NULL;
	name[n - 4] = '\0';
	char *d = strrchr(name, '-');
	if (!d || d == name || !d[1]) {
		name[n - 4] = '.';
		return NULL;
	}
	*d = '\0';
	return d + 1;
}

static int folder(kctx *q, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		wats__cctx_warn(q->c, 0, "folder", "no folder '%s' beside the summary; the summary alone "
				"converted", dir);
		return 0;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn) {
				rc = wats__error_oom();
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(e->d_name))) {
			rc = wats__error_oom();
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	/* Tasks in name order; per task the values first, then the curves in name order. */
	for (size_t i = 0; !rc && i < n; i++) {
		char task[512];
		snprintf(task, sizeof(task), "%s", names[i]);
		char *k = kind_of(task);
		if (!k) {
			if (names[i][0])
				wats__cctx_warn(q->c, 0, "folder", "'%s' is not a <Task>-<kind>.txt file; "
						"left out", names[i]);
			names[i][0] = '\0';
			continue;
		}
		wats_step *seq;
		rc = wats_step_add(&seq, wats_report_root(q->r), WATS_STEP_SEQUENCE, task);
		wats_status acc = WATS_STATUS_PASSED;
		for (int pass = 0; !rc && pass < 2; pass++)
			for (size_t j = i; !rc && j < n; j++) {
				char t2[512];
				snprintf(t2, sizeof(t2), "%s", names[j]);
				char *k2 = names[j][0] ? kind_of(t2) : NULL;
				if (!k2 || strcmp(t2, task) || (pass == 0) != !strcasecmp(k2, "values"))
					continue;
				char path[4096];
				snprintf(path, sizeof(path), "%s/%s", dir, names[j]);
				char *text = slurp(q, path, names[j]);
				if (text) {
					rc = pass == 0 ? values_file(q, seq, text, path, names[j], &acc)
						       : curve_file(q, seq, text, path, names[j], k2, &acc);
					free(text);
				}
				if (j != i)
					names[j][0] = '\0';
			}
		if (!rc)
			rc = wats_step_set_status(seq, acc);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* ---- the summary ----------------------------------------------------------------------------- */

/* "2020-5-20-135-5-14-10-1-37-563-120-1.589E+09": SciLab getDate() (year month week day-of-year
 * weekday day hour minute second millisecond) and the UTC offset in minutes. */
static int start_time(kctx *q, const char *s, long line)
{
	long v[11];
	int n = 0;
	const char *p = s;
	while (n < 11) {
		char *end;
		v[n] = strtol(p, &end, 10);
		if (end == p)
			break;
		n++;
		if (*end != '-')
			break;
		p = end + 1;
	}
	if (n < 10 || v[1] < 1 || v[1] > 12 || v[5] < 1 || v[5] > 31 || v[6] < 0 || v[6] > 23 ||
	    v[7] < 0 || v[7] > 59 || v[8] < 0 || v[8] > 60 || v[9] < 0 || v[9] > 999 || v[0] < 1900 ||
	    v[0] > 9999)
		return wats__cctx_error(q->c, WATS_EPARSE, line, 0, "Cfg_DutStartTime '%s' is not "
					"year-month-week-yday-wday-day-hour-minute-second-ms-offset", s);
	if (n == 10 || v[10] < -18 * 60 || v[10] > 18 * 60) {
		/* No offset: local time (utcOffset or this machine's). */
		return wats__vu_set_start_local(q->c, q->r, (int)v[0], (int)v[1], (int)v[5], (int)v[6],
						(int)v[7], (int)v[8], (int)v[9]) < 0
			       ? wats__cctx_error(q->c, WATS_EPARSE, line, 0, "Cfg_DutStartTime '%s' out "
						  "of range", s)
			       : 0;
	}
	long off = v[10] < 0 ? -v[10] : v[10];
	char iso[64];
	snprintf(iso, sizeof(iso), "%04ld-%02ld-%02ldT%02ld:%02ld:%02ld.%03ld%c%02ld:%02ld", v[0], v[1],
		 v[5], v[6], v[7], v[8], v[9], v[10] < 0 ? '-' : '+', off / 60, off % 60);
	if (wats_report_set_start_text(q->r, iso) < 0)
		return wats__cctx_error(q->c, WATS_EPARSE, line, 0, "Cfg_DutStartTime '%s' is not a "
					"valid time", s);
	return 0;
}

static int header(kctx *q, long last)
{
	wats_report *r = q->r;
	long ln = 0;
	const char *sn = get(q, "Cfg_SerialNumber", &ln);
	if (!sn || !*sn)
		return wats__cctx_error(q->c, WATS_EPARSE, sn ? ln : last, 0, "no Cfg_SerialNumber");
	char id[256];
	snprintf(id, sizeof(id), "%s", sn);
	int rc = 0;
	if (wats__vu_id_clean(id)) {
		wats__cctx_warn(q->c, ln, "sn", "serial number '%s' written as '%s'", sn, id);
		rc = wats_report_add_misc_info(NULL, r, "Cfg_SerialNumber", sn);
	}
	if (!rc)
		rc = wats_report_set_sn(r, id);
	const char *v = get(q, "Cfg_UserName", NULL);
	if (!rc && v && *v)
		rc = wats_report_set_operator(r, v);
	const char *sname = wats__cctx_param(q->c, "sequenceName");
	if (!rc && sname)
		rc = wats_step_set_seq_call(wats_report_root(r), NULL, sname,
					    wats__cctx_param(q->c, "sequenceVersion"));
	static const char *const misc[] = { "Cfg_LoginMode", "Cfg_Speaker", "Cfg_PCName" };
	for (size_t i = 0; !rc && i < sizeof(misc) / sizeof(misc[0]); i++)
		if ((v = get(q, misc[i], NULL)) && *v)
			rc = wats_report_add_misc_info(NULL, r, misc[i], v);
	if (!rc && q->c->fd >= 0) {
		const char *b = strrchr(q->c->name, '/');
		rc = wats_report_add_misc_info(NULL, r, "FileName", b ? b + 1 : q->c->name);
	}
	if (rc)
		return rc;
	v = get(q, "Cfg_DutStartTime", &ln);
	if (!v) {
		wats__cctx_warn(q->c, 0, "start", "no Cfg_DutStartTime; conversion time used");
		return 0;
	}
	return start_time(q, v, ln);
}

static int verdict(kctx *q, long last)
{
	long ln = 0;
	const char *v = get(q, "Ctrl_OverallVerdict", &ln);
	if (!v)
		return wats__cctx_error(q->c, WATS_EPARSE, last, 0, "no Ctrl_OverallVerdict");
	char *end;
	long code = strtol(v, &end, 10);
	if (!*v || *end || code < -1 || code > 4)
		return wats__cctx_error(q->c, WATS_EPARSE, ln, 0, "Ctrl_OverallVerdict '%s' is not one of "
					"-1 (void) 0 (fail) 1 (pass) 2 (warning) 3 (noise) 4 (invalid)", v);
	static const wats_status st[] = { WATS_STATUS_TERMINATED, WATS_STATUS_FAILED, WATS_STATUS_PASSED,
					  WATS_STATUS_PASSED, WATS_STATUS_FAILED, WATS_STATUS_ERROR };
	static const char *const text[] = { "-1 (void)", "0 (fail)", "1 (pass)", "2 (warning)",
					    "3 (noise)", "4 (invalid)" };
	int rc = wats_report_add_misc_info(NULL, q->r, "Ctrl_OverallVerdict", text[code + 1]);
	if (!rc)
		rc = wats_report_set_result(q->r, st[code + 1]);
	if (!rc && st[code + 1] != WATS_STATUS_PASSED)
		rc = wats_step_set_status(wats_report_root(q->r), st[code + 1]);
	return rc;
}

double wats__klippel_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			    size_t len, char *sn, char *pn, size_t size)
{
	(void)cv, (void)name, (void)pn;
	/* Every line a //comment or Key=Value, at least two of them Cfg_/Ctrl_ keys. */
	const char *p = (const char *)head, *end = p + len;
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	int keys = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break; /* the last, perhaps cut, line: not judged */
		size_t n = (size_t)(nl - p);
		if (n && p[n - 1] == '\r')
			n--;
		const char *eq = memchr(p, '=', n);
		if (n >= 2 && p[0] == '/' && p[1] == '/') {
			/* comment */
		} else if (eq && eq > p) {
			size_t kl = (size_t)(eq - p);
			int ours = (kl > 4 && !memcmp(p, "Cfg_", 4)) || (kl > 5 && !memcmp(p, "Ctrl_", 5));
			for (size_t i = 0; i < kl; i++)
				if (p[i] == ' ' || p[i] == '\t' || p[i] == '<' || p[i] == '"')
					return 0;
			keys += ours;
			if (ours && kl == 16 && !memcmp(p, "Cfg_SerialNumber", 16))
				wats__copy_trim(sn, size, eq + 1, (size_t)(p + n - eq - 1));
		} else if (n) {
			return 0;
		}
		p = nl + 1;
	}
	return keys >= 2 ? 0.95 : 0;
}

int wats__klippel_convert(const wats_converter *cv, wats__cctx *c)
{
	(void)cv;
	const unsigned char *data;
	size_t len;
	char *owned = NULL;
	int rc = wats__cctx_read_all(c, &data, &len, &owned, KL_MAX_FILE);
	if (rc < 0)
		return rc;
	kctx q;
	memset(&q, 0, sizeof(q));
	q.c = c;
	char *text = malloc(len + 1);
	if (!text) {
		free(owned);
		return wats__error_oom();
	}
	memcpy(text, data, len);
	text[len] = '\0';
	free(owned);
	if (strlen(text) != len)
		wats__cctx_warn(c, 0, "summary", "NUL bytes in the summary; read up to the first");
	char *p = text, *line;
	long ln = 0;
	size_t cap = 0;
	while ((line = next_line(&p))) {
		ln++;
		if (ln == 1 && !strncmp(line, "\xEF\xBB\xBF", 3))
			line += 3;
		char *t = trim(line);
		if (!*t || (t[0] == '/' && t[1] == '/'))
			continue;
		char *eq = strchr(line, '=');
		if (!eq || eq == line) {
			rc = wats__cctx_error(c, WATS_EPARSE, ln, 0, "line is neither a //comment nor "
					      "Key=Value");
			break;
		}
		*eq = '\0';
		if (q.nkv == cap) {
			cap = cap ? cap * 2 : 64;
			kv *nk = realloc(q.kv, cap * sizeof(*nk));
			if (!nk) {
				rc = wats__error_oom();
				break;
			}
			q.kv = nk;
		}
		q.kv[q.nkv++] = (kv){ trim(line), eq + 1, ln };
	}
	if (!rc && !q.nkv)
		rc = wats__cctx_error(c, WATS_EPARSE, ln, 0, "no Key=Value lines");
	if (!rc)
		rc = wats__new_uut(&q.r, c);
	if (!rc)
		rc = header(&q, ln);
	if (!rc)
		rc = verdict(&q, ln);
	if (!rc) {
		if (c->fd < 0 || !c->name) {
			wats__cctx_warn(c, 0, "folder", "buffer input: no folder of curve files beside it; "
					"the summary alone converted");
		} else {
			/* The folder beside the summary: its name without ".txt". */
			char dir[4096];
			snprintf(dir, sizeof(dir), "%s", c->name);
			size_t n = strlen(dir);
			if (n > 4 && !strcasecmp(dir + n - 4, ".txt"))
				dir[n - 4] = '\0';
			rc = folder(&q, dir);
		}
	}
	if (!rc)
		warn_unused(&q);
	if (!rc)
		rc = wats__vu_finish(c, q.r, ln);
	if (!rc) {
		rc = wats__cctx_emit(c, q.r);
		q.r = NULL;
	}
	rc = wats__cctx_refused(c, rc, ln);
	wats_report_free(q.r);
	for (size_t i = 0; i < q.nused; i++)
		free(q.used[i]);
	free(q.used);
	free(q.kv);
	free(text);
	return rc < 0 ? rc : 0;
}
