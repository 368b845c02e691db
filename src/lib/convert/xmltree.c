#include "convert/xmltree.h"

#include <stdlib.h>
#include <string.h>

void wats__xtree_free(wats__xnode *n)
{
	while (n) {
		wats__xnode *next = n->next;
		wats__xtree_free(n->first);
		if (n->atts)
			for (char **a = n->atts; *a; a++)
				free(*a);
		free(n->atts);
		free(n->name);
		free(n->text);
		free(n);
		n = next;
	}
}

int wats__xtree_start(wats__xtree *t, wats__xml *x, const char *name, const char **atts)
{
	if (++t->nodes > t->max)
		return wats__xml_error(x, WATS_ELIMIT, "more than %zu elements", t->max);
	wats__xnode *n = calloc(1, sizeof(*n));
	if (!n)
		return wats__error_oom();
	size_t na = 0;
	while (atts[na])
		na++;
	n->name = strdup(wats__xml_local(name));
	n->atts = calloc(na + 1, sizeof(char *));
	n->line = wats__xml_line(x);
	int oom = !n->name || !n->atts;
	for (size_t i = 0; i < na && !oom; i++)
		oom = !(n->atts[i] = strdup(i % 2 ? atts[i] : wats__xml_local(atts[i])));
	if (oom) {
		wats__xtree_free(n);
		return wats__error_oom();
	}
	if (!t->cur) {
		t->root = t->cur = n;
		return 0;
	}
	n->parent = t->cur;
	if (t->cur->last)
		t->cur->last->next = n;
	else
		t->cur->first = n;
	t->cur->last = n;
	t->cur = n;
	return 0;
}

int wats__xtree_end(wats__xtree *t, const char *txt, size_t len)
{
	if (!t->cur)
		return 0;
	if (!t->cur->first && len) {
		t->cur->text = malloc(len + 1);
		if (!t->cur->text)
			return wats__error_oom();
		memcpy(t->cur->text, txt, len);
		t->cur->text[len] = '\0';
		t->cur->tlen = len;
	}
	t->cur = t->cur->parent;
	return 0;
}

static int on_start(wats__xml *x, void *ud, const char *name, const char **atts)
{
	return wats__xtree_start(ud, x, name, atts);
}

static int on_end(wats__xml *x, void *ud, const char *name, const char *txt, size_t len)
{
	(void)x, (void)name;
	return wats__xtree_end(ud, txt, len);
}

int wats__xtree_read(wats__xnode **root, wats__cctx *c, size_t max_nodes)
{
	wats__xtree t = { NULL, NULL, 0, max_nodes };
	wats__xml_handlers h = { &t, on_start, on_end };
	int rc = wats__xml_parse(c, &h);
	if (rc < 0) {
		wats__xtree_free(t.root);
		return rc;
	}
	*root = t.root;
	return 0;
}

wats__xnode *wats__xtree_child(const wats__xnode *n, const char *name)
{
	for (wats__xnode *k = n ? n->first : NULL; k; k = k->next)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

wats__xnode *wats__xtree_next_same(const wats__xnode *n)
{
	for (wats__xnode *k = n ? n->next : NULL; k; k = k->next)
		if (!strcmp(k->name, n->name))
			return k;
	return NULL;
}

const char *wats__xtree_attr(const wats__xnode *n, const char *name)
{
	if (!n || !n->atts)
		return NULL;
	for (char **a = n->atts; a[0]; a += 2)
		if (!strcmp(a[0], name))
			return a[1];
	return NULL;
}
