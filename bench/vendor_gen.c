/*
 * Larger vendor inputs for vendor_bench, generated from a fixture's own structure: the part of
 * the file that holds boards, rows or test groups (the "body") is repeated, each copy with its
 * number inserted after a key (the serial number's prefix), so a copy is a new board or DUT
 * rather than a repeat of the same one. Nothing outside the fixture is copied.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vendor_gen.h"

/* Start of the line holding p. */
static const char *line_start(const char *src, const char *p)
{
	while (p > src && p[-1] != '\n')
		p--;
	return p;
}

static const char *last_of(const char *src, size_t n, const char *needle)
{
	const char *last = NULL, *p = src;
	size_t k = strlen(needle);
	while ((p = memmem(p, n - (size_t)(p - src), needle, k))) {
		last = p;
		p += k;
	}
	return last;
}

char *vg_repeat(const char *src, size_t n, const vg_spec *g, size_t target, size_t *outlen)
{
	const char *b = src, *e = src + n;
	for (int i = 0; i < (g->nth ? g->nth : 1); i++) {
		b = memmem(i ? b + 1 : b, n - (size_t)(b - src) - (i ? 1 : 0), g->start, strlen(g->start));
		if (!b)
			return NULL;
	}
	b = line_start(src, b + (g->start[0] == '\n'));
	if (g->end) {
		/* the last occurrence, or the first after the body's start */
		const char *t = g->end_first ? memmem(b, n - (size_t)(b - src), g->end, strlen(g->end))
					     : last_of(src, n, g->end);
		if (!t || t < b)
			return NULL;
		e = line_start(src, t + (g->end[0] == '\n'));
	}
	size_t body = (size_t)(e - b), copies = target > n ? (target - n) / (body ? body : 1) + 1 : 1;
	size_t keys = 0, kl = g->key ? strlen(g->key) : 0;
	for (const char *p = b; kl && (p = memmem(p, (size_t)(e - p), g->key, kl)); p += kl)
		keys++;
	size_t cap = n + copies * (body + keys * 12) + 1, o = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	memcpy(out, src, (size_t)(b - src));
	o = (size_t)(b - src);
	for (size_t c = 0; c < copies; c++) {
		const char *p = b, *k;
		while (kl && (k = memmem(p, (size_t)(e - p), g->key, kl))) {
			memcpy(out + o, p, (size_t)(k - p) + kl);
			o += (size_t)(k - p) + kl;
			o += (size_t)snprintf(out + o, cap - o, "%zu-", c + 1);
			p = k + kl;
		}
		memcpy(out + o, p, (size_t)(e - p));
		o += (size_t)(e - p);
	}
	memcpy(out + o, e, (size_t)(src + n - e));
	o += (size_t)(src + n - e);
	out[o] = '\0';
	*outlen = o;
	return out;
}

char *vg_read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long l = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = l >= 0 ? malloc((size_t)l + 1) : NULL;
	if (b && fread(b, 1, (size_t)l, f) != (size_t)l) {
		free(b);
		b = NULL;
	}
	fclose(f);
	if (b)
		b[l] = '\0', *n = (size_t)l;
	return b;
}

static int spill(const char *path, const char *a, size_t an, const char *b, size_t bn, int times)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int ok = fwrite(a, 1, an, f) == an;
	for (int i = 0; ok && i < times; i++)
		ok = fwrite(b, 1, bn, f) == bn;
	return fclose(f) == 0 && ok ? 0 : -1;
}

long vg_klippel(const char *summary, const char *dir, int times, char *out, size_t size)
{
	char src[4096], p[8192];
	snprintf(src, sizeof(src), "%s", summary);
	size_t l = strlen(src);
	if (l < 5)
		return -1;
	src[l - 4] = '\0';
	size_t n;
	char *text = vg_read_file(summary, &n);
	snprintf(out, size, "%s/DUT gen.txt", dir);
	long total = (long)n;
	if (!text || spill(out, text, n, "", 0, 0) < 0) {
		free(text);
		return -1;
	}
	free(text);
	snprintf(p, sizeof(p), "%s/DUT gen", dir);
	if (mkdir(p, 0700) < 0)
		return -1;
	DIR *d = opendir(src);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", src, e->d_name);
		if (!(text = vg_read_file(p, &n)))
			continue;
		/* a curve file: its header, then its rows `times` over; a values file as it is */
		char *nl = strchr(text, '\n');
		size_t h = nl ? (size_t)(nl + 1 - text) : n;
		int curve = !strstr(e->d_name, "-values.txt");
		snprintf(p, sizeof(p), "%s/DUT gen/%s", dir, e->d_name);
		if (spill(p, text, curve ? h : n, text + h, n - h, curve ? times : 0) < 0) {
			free(text);
			closedir(d);
			return -1;
		}
		total += (long)(curve ? h + (n - h) * (size_t)times : n);
		free(text);
	}
	if (d)
		closedir(d);
	return d ? total : -1;
}

void vg_klippel_remove(const char *dir)
{
	char p[8192];
	snprintf(p, sizeof(p), "%s/DUT gen", dir);
	DIR *d = opendir(p);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/DUT gen/%s", dir, e->d_name);
		remove(p);
	}
	if (d)
		closedir(d);
	snprintf(p, sizeof(p), "%s/DUT gen", dir);
	remove(p);
	snprintf(p, sizeof(p), "%s/DUT gen.txt", dir);
	remove(p);
	remove(dir);
}
